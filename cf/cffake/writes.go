package cffake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// The write side of the fake Cloud Controller beyond key create and delete: metadata on keys, and managed
// service instances created with parameters, as the real API and SAP's brokers answer them.

// metadataRequest is the metadata object of a create or PATCH body. A null value removes the label or
// annotation, as in the Cloud Controller.
type metadataRequest struct {
	Labels      map[string]*string `json:"labels"`
	Annotations map[string]*string `json:"annotations"`
}

// apply merges the request into existing labels and annotations, returning the Cloud Controller's 422 detail
// for a key or value it would refuse.
func (m *metadataRequest) apply(labels, annotations map[string]string) (map[string]string, map[string]string, string) {
	merge := func(dst map[string]string, src map[string]*string, kind string, maxValue int) (map[string]string, string) {
		out := map[string]string{}
		for k, v := range dst {
			out[k] = v
		}
		for k, v := range src {
			if problem := metadataKeyProblem(k); problem != "" {
				return nil, fmt.Sprintf("Metadata %s key error: '%s' %s", kind, k, problem)
			}
			if v == nil {
				delete(out, k)
				continue
			}
			if len(*v) > maxValue {
				return nil, fmt.Sprintf("Metadata %s value error: '%.20s...' is greater than %d characters", kind, *v, maxValue)
			}
			out[k] = *v
		}
		return out, ""
	}
	if m == nil {
		m = &metadataRequest{}
	}
	l, problem := merge(labels, m.Labels, "label", 63)
	if problem != "" {
		return nil, nil, problem
	}
	a, problem := merge(annotations, m.Annotations, "annotations", 5000)
	if problem != "" {
		return nil, nil, problem
	}
	return l, a, ""
}

// metadataKeyProblem checks a label or annotation key: an optional DNS prefix and a slash, then a name of at
// most 63 characters.
func metadataKeyProblem(k string) string {
	prefix, name, hasPrefix := strings.Cut(k, "/")
	if !hasPrefix {
		name, prefix = prefix, ""
	}
	switch {
	case name == "" || len(name) > 63:
		return "key must be 1 to 63 characters"
	case hasPrefix && (prefix == "" || len(prefix) > 253 || strings.ContainsAny(prefix, " _/")):
		return "prefix must be a DNS subdomain"
	case strings.ContainsAny(name, " /"):
		return "contains invalid characters"
	}
	return ""
}

// renderMetadata writes labels and annotations as the Cloud Controller does (empty objects when none).
func renderMetadata(labels, annotations map[string]string) map[string]any {
	l, a := map[string]any{}, map[string]any{}
	for k, v := range labels {
		l[k] = v
	}
	for k, v := range annotations {
		a[k] = v
	}
	return map[string]any{"labels": l, "annotations": a}
}

// patchBinding answers PATCH /v3/service_credential_bindings/:guid: metadata only, by whoever may manage the
// instance's keys.
func (s *Server) patchBinding(w http.ResponseWriter, r *http.Request, p principal) {
	b, si := s.visibleBinding(r, p)
	if b == nil {
		notFound(w, "Service credential binding")
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var req map[string]json.RawMessage
	if err != nil || json.Unmarshal(raw, &req) != nil {
		ccFail(w, http.StatusBadRequest, "CF-MessageParseError", 1001, "Request invalid due to parse error: invalid request body")
		return
	}
	var unknown []string
	for k := range req {
		if k != "metadata" {
			unknown = append(unknown, "'"+k+"'")
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		unprocessable(w, "Unknown field(s): "+strings.Join(unknown, ", "))
		return
	}
	if !s.managesKeys(p, si) {
		notAuthorized(w)
		return
	}
	var m metadataRequest
	if md, ok := req["metadata"]; ok && json.Unmarshal(md, &m) != nil {
		unprocessable(w, "Metadata must be an object")
		return
	}
	labels, annotations, problem := m.apply(b.Labels, b.Annotations)
	if problem != "" {
		unprocessable(w, problem)
		return
	}
	b.Labels, b.Annotations, b.UpdatedAt = labels, annotations, s.now()
	writeJSON(w, http.StatusOK, s.renderBinding(r, b))
}

// instanceCreateRequest is the body of POST /v3/service_instances.
type instanceCreateRequest struct {
	Type          string `json:"type"`
	Name          string `json:"name"`
	Relationships struct {
		Space       wireRelation `json:"space"`
		ServicePlan wireRelation `json:"service_plan"`
	} `json:"relationships"`
	Parameters map[string]any   `json:"parameters"`
	Tags       []string         `json:"tags"`
	Metadata   *metadataRequest `json:"metadata"`
}

type wireRelation struct {
	Data struct {
		GUID string `json:"guid"`
	} `json:"data"`
}

// createInstance answers POST /v3/service_instances for managed instances: 202 and a job, the instance "create in
// progress" until the broker is done.
func (s *Server) createInstance(w http.ResponseWriter, r *http.Request, p principal) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var req instanceCreateRequest
	if err != nil || json.Unmarshal(raw, &req) != nil {
		ccFail(w, http.StatusBadRequest, "CF-MessageParseError", 1001, "Request invalid due to parse error: invalid request body")
		return
	}
	switch {
	case req.Type != "managed" && req.Type != "user-provided":
		unprocessable(w, "Type must be one of 'managed', 'user-provided'")
		return
	case req.Type == "user-provided":
		unprocessable(w, "The fake foundation creates managed service instances only") // UPSIs hold no broker keys
		return
	case strings.TrimSpace(req.Name) == "":
		unprocessable(w, "Name can't be blank")
		return
	}
	sp := s.spaceByGUID(req.Relationships.Space.Data.GUID)
	if sp == nil || !s.spaceVisible(p, sp) {
		unprocessable(w, "Invalid space. Ensure that the space exists and you have access to it.")
		return
	}
	pl := s.planByGUID(req.Relationships.ServicePlan.Data.GUID)
	if pl == nil {
		unprocessable(w, "Invalid service plan. Ensure that the service plan exists, is available, and you have access to it.")
		return
	}
	if !p.has(scopeAdmin) && !slices.Contains(s.spaceRoles(p, sp.GUID), RoleSpaceDeveloper) {
		notAuthorized(w)
		return
	}
	for _, si := range s.insts {
		if si.SpaceGUID == sp.GUID && si.Name == req.Name {
			unprocessable(w, "The service instance name is taken: "+req.Name+".")
			return
		}
	}
	if _, _, problem := req.Metadata.apply(nil, nil); problem != "" {
		unprocessable(w, problem)
		return
	}
	now := s.now()
	tags := req.Tags
	if tags == nil {
		tags = []string{}
	}
	si := &instance{
		GUID: newGUID(), Name: req.Name, Type: "managed", SpaceGUID: sp.GUID, PlanGUID: pl.GUID, CreatedAt: now, UpdatedAt: now,
		LastOp: lastOp{Type: "create", State: "in progress", CreatedAt: now, UpdatedAt: now}, Parameters: req.Parameters, Tags: tags,
	}
	if si.Parameters == nil {
		si.Parameters = map[string]any{}
	}
	s.insts[si.GUID] = si
	j := &job{GUID: newGUID(), Owner: p.name, Operation: "service_instances.create", State: "PROCESSING", InstanceGUID: si.GUID, CreatedAt: now, UpdatedAt: now}
	s.jobs[j.GUID] = j
	w.Header().Set("Location", baseURL(r)+"/v3/jobs/"+j.GUID)
	w.WriteHeader(http.StatusAccepted)
}

// finishInstanceJob plays the broker's provision: it validates the parameters as SAP's brokers do, and the
// instance's last operation says how it went.
func (s *Server) finishInstanceJob(j *job) {
	si := s.instanceByGUID(j.InstanceGUID)
	now := s.now()
	if si == nil {
		j.State = "FAILED"
		j.Errors = []ccError{{Detail: "The service instance no longer exists.", Title: "CF-UnprocessableEntity", Code: 10008}}
		return
	}
	if err := s.brokerProvision(si); err != nil {
		j.State = "FAILED"
		j.Errors = []ccError{{Detail: "Service broker error: " + err.Error(), Title: "CF-ServiceBrokerBadResponse", Code: 10001}}
		si.LastOp = lastOp{Type: "create", State: "failed", Description: strPtr(err.Error()), CreatedAt: si.LastOp.CreatedAt, UpdatedAt: now}
		return
	}
	si.LastOp = lastOp{Type: "create", State: "succeeded", Description: strPtr("Operation succeeded"), CreatedAt: si.LastOp.CreatedAt, UpdatedAt: now}
	si.UpdatedAt = now
	j.State = "COMPLETE"
}

// itRTGrantTypes are the grant types the Process Integration Runtime broker accepts.
var itRTGrantTypes = []string{"client_credentials", "client_x509", "authorization_code", "password", "refresh_token",
	"urn:ietf:params:oauth:grant-type:saml2-bearer", "urn:ietf:params:oauth:grant-type:jwt-bearer"}

// brokerProvision validates instance parameters for the offerings the fake models.
func (s *Server) brokerProvision(si *instance) error {
	if msg, ok := s.brokerFailures[si.GUID]; ok {
		return fmt.Errorf("%s", msg)
	}
	if s.offeringOf(si).Name != "it-rt" {
		return nil
	}
	strList := func(name string) ([]string, error) {
		v, ok := si.Parameters[name]
		if !ok {
			return nil, nil
		}
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s must be an array of strings", name)
		}
		out := make([]string, 0, len(list))
		for _, e := range list {
			s, ok := e.(string)
			if !ok || s == "" {
				return nil, fmt.Errorf("%s must be an array of strings", name)
			}
			out = append(out, s)
		}
		return out, nil
	}
	for name := range si.Parameters {
		if name != "roles" && name != "grant-types" && name != "redirect-uris" {
			return fmt.Errorf("unknown parameter %q (allowed: roles, grant-types, redirect-uris)", name)
		}
	}
	if _, err := strList("roles"); err != nil {
		return err
	}
	if _, err := strList("redirect-uris"); err != nil {
		return err
	}
	grants, err := strList("grant-types")
	if err != nil {
		return err
	}
	for _, g := range grants {
		if !slices.Contains(itRTGrantTypes, g) {
			return fmt.Errorf("grant type %q is not supported", g)
		}
	}
	return nil
}

// FailBroker makes the broker fail every key create (and provision) on the named instance with message, as a
// broker that rejects a certificate does; an empty message makes it work again.
func (s *Server) FailBroker(instanceName, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, si := range s.insts {
		if si.Name != instanceName {
			continue
		}
		if message == "" {
			delete(s.brokerFailures, si.GUID)
		} else {
			s.brokerFailures[si.GUID] = message
		}
	}
}

// FailBrokerDeletes makes the broker fail every key delete on the named instance with message, as a broker that
// cannot unbind does (the key stays, its last operation "delete failed"); an empty message makes it work again.
func (s *Server) FailBrokerDeletes(instanceName, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, si := range s.insts {
		if si.Name != instanceName {
			continue
		}
		if message == "" {
			delete(s.deleteFailures, si.GUID)
		} else {
			s.deleteFailures[si.GUID] = message
		}
	}
}

// KeyAnnotations returns a key's annotations (nil when there is no such key), for tests.
func (s *Server) KeyAnnotations(guid string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.binds[guid]
	if b == nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range b.Annotations {
		out[k] = v
	}
	return out
}

// InstanceInfo describes a service instance, for tests.
type InstanceInfo struct {
	GUID, Name, Offering, Plan, State string
	Parameters                        map[string]any
}

// Instance returns the first instance with the given name, for tests.
func (s *Server) Instance(name string) (InstanceInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleJobsLocked()
	for _, si := range s.insts {
		if si.Name == name {
			pl := s.planByGUID(si.PlanGUID)
			return InstanceInfo{GUID: si.GUID, Name: si.Name, Offering: s.offeringOf(si).Name, Plan: pl.Name, State: si.LastOp.Type + " " + si.LastOp.State, Parameters: si.Parameters}, true
		}
	}
	return InstanceInfo{}, false
}

// certificateInUse reports whether b brings an external certificate another key already uses: SAP's broker
// accepts each external certificate once.
func (s *Server) certificateInUse(b *binding) bool {
	pemText, _ := b.Parameters["X.509"].(string)
	if b.Parameters["key-type"] != "certificate_external" || pemText == "" {
		return false
	}
	for _, other := range s.binds {
		if other != b && other.Parameters["X.509"] == pemText && !(other.LastOp.Type == "create" && other.LastOp.State == "failed") {
			return true
		}
	}
	return false
}
