package cffake

import "net/http"

// The JSON shapes of each resource, as the Cloud Controller writes them.

func emptyMetadata() map[string]any {
	return map[string]any{"labels": map[string]any{}, "annotations": map[string]any{}}
}

func rel(guid string) map[string]any {
	if guid == "" {
		return map[string]any{"data": nil}
	}
	return map[string]any{"data": map[string]string{"guid": guid}}
}

func (s *Server) renderOrg(r *http.Request, o *org) map[string]any {
	base := baseURL(r) + "/v3/organizations/" + o.GUID
	return map[string]any{
		"guid": o.GUID, "created_at": ts(o.CreatedAt), "updated_at": ts(o.CreatedAt), "name": o.Name, "suspended": false,
		"relationships": map[string]any{"quota": rel(quotaGUID)},
		"metadata":      emptyMetadata(),
		"links": map[string]any{
			"self": link(base), "domains": link(base + "/domains"), "default_domain": link(base + "/domains/default"),
			"quota": link(baseURL(r) + "/v3/organization_quotas/" + quotaGUID),
		},
	}
}

func (s *Server) renderSpace(r *http.Request, sp *space) map[string]any {
	base := baseURL(r) + "/v3/spaces/" + sp.GUID
	return map[string]any{
		"guid": sp.GUID, "created_at": ts(sp.CreatedAt), "updated_at": ts(sp.CreatedAt), "name": sp.Name,
		"relationships": map[string]any{"organization": rel(sp.OrgGUID), "quota": rel("")},
		"metadata":      emptyMetadata(),
		"links": map[string]any{
			"self": link(base), "features": link(base + "/features"), "organization": link(baseURL(r) + "/v3/organizations/" + sp.OrgGUID),
			"apply_manifest": map[string]string{"href": base + "/actions/apply_manifest", "method": "POST"},
		},
	}
}

func renderLastOp(o lastOp) map[string]any {
	var desc any
	if o.Description != nil {
		desc = *o.Description
	}
	return map[string]any{"type": o.Type, "state": o.State, "description": desc, "created_at": ts(o.CreatedAt), "updated_at": ts(o.UpdatedAt)}
}

func (s *Server) renderInstance(r *http.Request, si *instance) map[string]any {
	base := baseURL(r) + "/v3/service_instances/" + si.GUID
	out := map[string]any{
		"guid": si.GUID, "created_at": ts(si.CreatedAt), "updated_at": ts(si.UpdatedAt), "name": si.Name,
		"tags": si.Tags, "type": si.Type, "last_operation": renderLastOp(si.LastOp), "metadata": emptyMetadata(),
	}
	links := map[string]any{
		"self":                        link(base),
		"space":                       link(baseURL(r) + "/v3/spaces/" + si.SpaceGUID),
		"service_credential_bindings": link(baseURL(r) + "/v3/service_credential_bindings?service_instance_guids=" + si.GUID),
		"service_route_bindings":      link(baseURL(r) + "/v3/service_route_bindings?service_instance_guids=" + si.GUID),
	}
	if si.Type == "managed" {
		out["maintenance_info"] = map[string]any{}
		out["upgrade_available"] = false
		out["dashboard_url"] = nil
		out["broker_provided_metadata"] = map[string]any{}
		out["relationships"] = map[string]any{"service_plan": rel(si.PlanGUID), "space": rel(si.SpaceGUID)}
		links["service_plan"] = link(baseURL(r) + "/v3/service_plans/" + si.PlanGUID)
		links["parameters"] = link(base + "/parameters")
		links["shared_spaces"] = link(base + "/relationships/shared_spaces")
	} else {
		out["syslog_drain_url"] = nil
		out["route_service_url"] = nil
		out["relationships"] = map[string]any{"space": rel(si.SpaceGUID)}
		links["credentials"] = link(base + "/credentials")
	}
	out["links"] = links
	return out
}

func (s *Server) renderBinding(r *http.Request, b *binding) map[string]any {
	base := baseURL(r) + "/v3/service_credential_bindings/" + b.GUID
	return map[string]any{
		"guid": b.GUID, "created_at": ts(b.CreatedAt), "updated_at": ts(b.UpdatedAt), "name": b.Name, "type": b.Type,
		"last_operation": renderLastOp(b.LastOp),
		"metadata":       renderMetadata(b.Labels, b.Annotations),
		"relationships":  map[string]any{"service_instance": rel(b.InstanceGUID)},
		"links": map[string]any{
			"self": link(base), "details": link(base + "/details"), "parameters": link(base + "/parameters"),
			"service_instance": link(baseURL(r) + "/v3/service_instances/" + b.InstanceGUID),
		},
	}
}

func (s *Server) renderPlan(r *http.Request, pl *plan) map[string]any {
	return map[string]any{
		"guid": pl.GUID, "created_at": ts(pl.CreatedAt), "updated_at": ts(pl.CreatedAt), "name": pl.Name,
		"visibility_type": "public", "available": true, "free": true, "costs": []any{}, "description": pl.Name + " plan",
		"maintenance_info": map[string]any{}, "broker_catalog": map[string]any{"id": pl.GUID, "metadata": map[string]any{}},
		"schemas":       map[string]any{},
		"relationships": map[string]any{"service_offering": rel(pl.OfferingGUID)},
		"metadata":      emptyMetadata(),
		"links": map[string]any{
			"self":             link(baseURL(r) + "/v3/service_plans/" + pl.GUID),
			"service_offering": link(baseURL(r) + "/v3/service_offerings/" + pl.OfferingGUID),
		},
	}
}

func (s *Server) renderOffering(r *http.Request, o *offering) map[string]any {
	return map[string]any{
		"guid": o.GUID, "created_at": ts(o.CreatedAt), "updated_at": ts(o.CreatedAt), "name": o.Name, "description": o.Description,
		"available": true, "tags": []string{}, "requires": []string{}, "shareable": true, "documentation_url": nil,
		"broker_catalog": map[string]any{"id": o.GUID, "metadata": map[string]any{}, "features": map[string]any{"plan_updateable": false, "bindable": true, "instances_retrievable": true, "bindings_retrievable": o.BindingsRetrievable, "allow_context_updates": false}},
		"relationships":  map[string]any{"service_broker": rel(o.BrokerGUID)},
		"metadata":       emptyMetadata(),
		"links": map[string]any{
			"self":           link(baseURL(r) + "/v3/service_offerings/" + o.GUID),
			"service_plans":  link(baseURL(r) + "/v3/service_plans?service_offering_guids=" + o.GUID),
			"service_broker": link(baseURL(r) + "/v3/service_brokers/" + o.BrokerGUID),
		},
	}
}

// pick returns only the requested keys of a full object, with "relationships.x" selecting one relationship.
func pick(full map[string]any, keys []string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		if name, ok := cutPrefix(k, "relationships."); ok {
			rels, _ := out["relationships"].(map[string]any)
			if rels == nil {
				rels = map[string]any{}
				out["relationships"] = rels
			}
			if all, ok := full["relationships"].(map[string]any); ok {
				rels[name] = all[name]
			}
			continue
		}
		out[k] = full[k]
	}
	return out
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return s, false
}
