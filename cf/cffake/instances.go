package cffake

import (
	"net/http"
	"time"
)

// instanceListFields is the fields[...] table of GET /v3/service_instances.
var instanceListFields = map[string][]string{
	"space":                         {"guid", "name", "relationships.organization"},
	"space.organization":            {"guid", "name"},
	"service_plan":                  {"guid", "name", "relationships.service_offering"},
	"service_plan.service_offering": {"guid", "name", "description", "documentation_url", "tags", "relationships.service_broker"},
	"service_plan.service_offering.service_broker": {"guid", "name"},
}

// instanceShowFields is the fields[...] table of GET /v3/service_instances/:guid (no relationships).
var instanceShowFields = map[string][]string{
	"space":                         {"guid", "name"},
	"space.organization":            {"guid", "name"},
	"service_plan":                  {"guid", "name"},
	"service_plan.service_offering": {"guid", "name", "description", "documentation_url", "tags"},
	"service_plan.service_offering.service_broker": {"guid", "name"},
}

func (s *Server) listInstances(w http.ResponseWriter, r *http.Request, p principal) {
	lq, ok := parseList(w, r, []string{"names", "type", "space_guids", "organization_guids", "service_plan_guids", "service_plan_names", "fields"}, instanceListFields, []string{"created_at", "updated_at", "name"})
	if !ok {
		return
	}
	typ := lq.values.Get("type")
	if typ != "" && typ != "managed" && typ != "user-provided" {
		badQuery(w, "Type must be one of 'managed', 'user-provided'")
		return
	}
	names, guids, spaces, orgs := lq.list("names"), lq.list("guids"), lq.list("space_guids"), lq.list("organization_guids")
	planGUIDs, planNames := lq.list("service_plan_guids"), lq.list("service_plan_names")
	var items []*instance
	for _, si := range s.insts {
		sp := s.spaceByGUID(si.SpaceGUID)
		if !s.instanceVisible(p, si) || (typ != "" && si.Type != typ) || !matchFilter(names, si.Name) || !matchFilter(guids, si.GUID) ||
			!matchFilter(spaces, si.SpaceGUID) || !matchFilter(orgs, sp.OrgGUID) || !matchFilter(planGUIDs, si.PlanGUID) {
			continue
		}
		if planNames != nil {
			pl := s.planByGUID(si.PlanGUID)
			if pl == nil || !matchFilter(planNames, pl.Name) {
				continue
			}
		}
		items = append(items, si)
	}
	sortBy(items, lq.orderBy, func(si *instance) string { return si.Name }, func(si *instance) time.Time { return si.CreatedAt }, func(si *instance) time.Time { return si.UpdatedAt }, func(si *instance) string { return si.GUID })
	page, pagination := pageOf(r, lq, items)
	res := make([]any, 0, len(page))
	for _, si := range page {
		res = append(res, s.renderInstance(r, si))
	}
	body := map[string]any{"pagination": pagination, "resources": res}
	if inc := s.instanceFieldsIncluded(r, lq, page); inc != nil {
		body["included"] = inc
	}
	writeJSON(w, http.StatusOK, body)
}

// instanceFieldsIncluded builds the included block that fields[...] parameters ask for, for the given instances.
func (s *Server) instanceFieldsIncluded(r *http.Request, lq listQuery, insts []*instance) map[string]any {
	spaceF, orgF := lq.fieldsFor("space"), lq.fieldsFor("space.organization")
	planF, offerF, brokerF := lq.fieldsFor("service_plan"), lq.fieldsFor("service_plan.service_offering"), lq.fieldsFor("service_plan.service_offering.service_broker")
	if spaceF == nil && orgF == nil && planF == nil && offerF == nil && brokerF == nil {
		return nil
	}
	inc := map[string]any{}
	seen := map[string]bool{}
	add := func(kind, guid string, obj map[string]any, fields []string) {
		if fields == nil || obj == nil || seen[kind+guid] {
			return
		}
		seen[kind+guid] = true
		list, _ := inc[kind].([]any)
		inc[kind] = append(list, pick(obj, fields))
	}
	for _, si := range insts {
		sp := s.spaceByGUID(si.SpaceGUID)
		add("spaces", sp.GUID, s.renderSpace(r, sp), spaceF)
		if o := s.orgByGUID(sp.OrgGUID); o != nil {
			add("organizations", o.GUID, s.renderOrg(r, o), orgF)
		}
		pl := s.planByGUID(si.PlanGUID)
		if pl == nil {
			continue
		}
		add("service_plans", pl.GUID, s.renderPlan(r, pl), planF)
		if of := s.offeringByGUID(pl.OfferingGUID); of != nil {
			add("service_offerings", of.GUID, s.renderOffering(r, of), offerF)
			add("service_brokers", of.BrokerGUID, map[string]any{"guid": of.BrokerGUID, "name": of.BrokerName}, brokerF)
		}
	}
	for _, kind := range []string{"spaces", "organizations", "service_plans", "service_offerings", "service_brokers"} {
		if _, ok := inc[kind]; !ok {
			inc[kind] = []any{}
		}
	}
	return inc
}

func (s *Server) getInstance(w http.ResponseWriter, r *http.Request, p principal) {
	si := s.instanceByGUID(r.PathValue("guid"))
	if si == nil || !s.instanceVisible(p, si) {
		notFound(w, "Service instance")
		return
	}
	q := r.URL.Query()
	for k := range q {
		if k != "fields" && !(len(k) > 7 && k[:7] == "fields[") {
			badQuery(w, "Unknown query parameter(s): '"+k+"'. Valid parameters are: 'fields'")
			return
		}
	}
	if !validFields(w, q, instanceShowFields) {
		return
	}
	body := s.renderInstance(r, si)
	if inc := s.instanceFieldsIncluded(r, listQuery{values: q}, []*instance{si}); inc != nil {
		body["included"] = inc
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) getInstanceParameters(w http.ResponseWriter, r *http.Request, p principal) {
	si := s.instanceByGUID(r.PathValue("guid"))
	if si == nil || !s.instanceVisible(p, si) {
		notFound(w, "Service instance")
		return
	}
	if si.Type != "managed" {
		ccFail(w, http.StatusBadRequest, "CF-ServiceFetchInstanceParametersNotSupported", 60028, "This service does not support fetching service instance parameters.")
		return
	}
	params := si.Parameters
	if params == nil {
		params = map[string]any{}
	}
	writeJSON(w, http.StatusOK, params)
}

func (s *Server) listOfferings(w http.ResponseWriter, r *http.Request, p principal) {
	lq, ok := parseList(w, r, []string{"names", "available", "service_broker_guids", "service_broker_names", "space_guids", "organization_guids", "fields", "include"}, nil, []string{"created_at", "updated_at", "name"})
	if !ok {
		return
	}
	names := lq.list("names")
	var items []*offering
	for _, o := range s.offers {
		if matchFilter(names, o.Name) && matchFilter(lq.list("guids"), o.GUID) {
			items = append(items, o)
		}
	}
	sortBy(items, lq.orderBy, func(o *offering) string { return o.Name }, func(o *offering) time.Time { return o.CreatedAt }, func(o *offering) time.Time { return o.CreatedAt }, func(o *offering) string { return o.GUID })
	page, pagination := pageOf(r, lq, items)
	res := make([]any, 0, len(page))
	for _, o := range page {
		res = append(res, s.renderOffering(r, o))
	}
	writeJSON(w, http.StatusOK, map[string]any{"pagination": pagination, "resources": res})
}

func (s *Server) listPlans(w http.ResponseWriter, r *http.Request, p principal) {
	lq, ok := parseList(w, r, []string{"names", "available", "service_offering_guids", "service_offering_names", "service_broker_guids", "service_broker_names", "service_instance_guids", "space_guids", "organization_guids", "broker_catalog_ids", "fields", "include"}, nil, []string{"created_at", "updated_at", "name"})
	if !ok {
		return
	}
	names, offerGUIDs, offerNames := lq.list("names"), lq.list("service_offering_guids"), lq.list("service_offering_names")
	var items []*plan
	for _, pl := range s.plans {
		of := s.offeringByGUID(pl.OfferingGUID)
		if matchFilter(names, pl.Name) && matchFilter(offerGUIDs, pl.OfferingGUID) && matchFilter(lq.list("guids"), pl.GUID) && (offerNames == nil || (of != nil && matchFilter(offerNames, of.Name))) {
			items = append(items, pl)
		}
	}
	sortBy(items, lq.orderBy, func(pl *plan) string { return pl.Name }, func(pl *plan) time.Time { return pl.CreatedAt }, func(pl *plan) time.Time { return pl.CreatedAt }, func(pl *plan) string { return pl.GUID })
	page, pagination := pageOf(r, lq, items)
	res := make([]any, 0, len(page))
	for _, pl := range page {
		res = append(res, s.renderPlan(r, pl))
	}
	body := map[string]any{"pagination": pagination, "resources": res}
	if contains(lq.list("include"), "service_offering") {
		seen := map[string]bool{}
		offers := []any{}
		for _, pl := range page {
			if of := s.offeringByGUID(pl.OfferingGUID); of != nil && !seen[of.GUID] {
				seen[of.GUID] = true
				offers = append(offers, s.renderOffering(r, of))
			}
		}
		body["included"] = map[string]any{"service_offerings": offers}
	}
	writeJSON(w, http.StatusOK, body)
}
