package cffake

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

func (s *Server) listBindings(w http.ResponseWriter, r *http.Request, p principal) {
	lq, ok := parseList(w, r, []string{"names", "service_instance_guids", "service_instance_names", "service_plan_names", "service_plan_guids", "service_offering_names", "service_offering_guids", "app_guids", "app_names", "include", "type"}, nil, []string{"created_at", "updated_at", "name"})
	if !ok {
		return
	}
	typ := lq.values.Get("type")
	if typ != "" && typ != "key" && typ != "app" {
		badQuery(w, "Type must be one of 'app', 'key'")
		return
	}
	inc := lq.list("include")
	for _, i := range inc {
		if i != "app" && i != "service_instance" {
			badQuery(w, "Invalid included resource: '"+i+"'. Valid included resources are: 'app', 'service_instance'")
			return
		}
	}
	names, guids := lq.list("names"), lq.list("guids")
	instGUIDs, instNames := lq.list("service_instance_guids"), lq.list("service_instance_names")
	planGUIDs, planNames := lq.list("service_plan_guids"), lq.list("service_plan_names")
	offerGUIDs, offerNames := lq.list("service_offering_guids"), lq.list("service_offering_names")
	appFilter := lq.list("app_guids") != nil || lq.list("app_names") != nil
	var items []*binding
	for _, b := range s.binds {
		si := s.instanceByGUID(b.InstanceGUID)
		if si == nil || !s.instanceVisible(p, si) || appFilter || typ == "app" {
			continue // the fake models keys only: app filters match nothing
		}
		pl := s.planByGUID(si.PlanGUID)
		var of *offering
		if pl != nil {
			of = s.offeringByGUID(pl.OfferingGUID)
		}
		if !matchFilter(names, b.Name) || !matchFilter(guids, b.GUID) || !matchFilter(instGUIDs, si.GUID) || !matchFilter(instNames, si.Name) ||
			!matchFilter(planGUIDs, si.PlanGUID) || (planNames != nil && (pl == nil || !matchFilter(planNames, pl.Name))) ||
			(offerGUIDs != nil && (of == nil || !matchFilter(offerGUIDs, of.GUID))) || (offerNames != nil && (of == nil || !matchFilter(offerNames, of.Name))) {
			continue
		}
		items = append(items, b)
	}
	sortBy(items, lq.orderBy, func(b *binding) string { return b.Name }, func(b *binding) time.Time { return b.CreatedAt }, func(b *binding) time.Time { return b.UpdatedAt }, func(b *binding) string { return b.GUID })
	page, pagination := pageOf(r, lq, items)
	res := make([]any, 0, len(page))
	for _, b := range page {
		res = append(res, s.renderBinding(r, b))
	}
	body := map[string]any{"pagination": pagination, "resources": res}
	if len(inc) > 0 {
		included := map[string]any{}
		for _, i := range inc {
			switch i {
			case "app":
				included["apps"] = []any{}
			case "service_instance":
				seen := map[string]bool{}
				list := []any{}
				for _, b := range page {
					if !seen[b.InstanceGUID] {
						seen[b.InstanceGUID] = true
						list = append(list, s.renderInstance(r, s.instanceByGUID(b.InstanceGUID)))
					}
				}
				included["service_instances"] = list
			}
		}
		body["included"] = included
	}
	writeJSON(w, http.StatusOK, body)
}

// visibleBinding returns the binding named by the path if the principal may see it.
func (s *Server) visibleBinding(r *http.Request, p principal) (*binding, *instance) {
	b := s.bindingByGUID(r.PathValue("guid"))
	if b == nil {
		return nil, nil
	}
	si := s.instanceByGUID(b.InstanceGUID)
	if si == nil || !s.instanceVisible(p, si) {
		return nil, nil
	}
	return b, si
}

func (s *Server) getBinding(w http.ResponseWriter, r *http.Request, p principal) {
	b, si := s.visibleBinding(r, p)
	if b == nil {
		notFound(w, "Service credential binding")
		return
	}
	body := s.renderBinding(r, b)
	if r.URL.Query().Get("include") == "service_instance" {
		body["included"] = map[string]any{"service_instances": []any{s.renderInstance(r, si)}}
	}
	writeJSON(w, http.StatusOK, body)
}

// secretsReadable answers the details/parameters 404s in the Cloud Controller's order: invisible binding, caller
// without secret-read, then a key whose create has not succeeded. It returns false when it has answered.
func (s *Server) secretsReadable(w http.ResponseWriter, r *http.Request, p principal) (*binding, bool) {
	b, si := s.visibleBinding(r, p)
	if b == nil || !s.readsCredentials(p, si) {
		notFound(w, "Service credential binding")
		return nil, false
	}
	if b.LastOp.Type != "create" || b.LastOp.State != "succeeded" {
		verb := "Creation"
		if b.LastOp.Type == "delete" {
			verb = "Deletion"
		}
		ccFail(w, http.StatusNotFound, "CF-ResourceNotFound", 10010, verb+" of service key "+b.LastOp.State)
		return nil, false
	}
	return b, true
}

func (s *Server) getBindingDetails(w http.ResponseWriter, r *http.Request, p principal) {
	b, ok := s.secretsReadable(w, r, p)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"credentials": b.Credentials})
}

func (s *Server) getBindingParameters(w http.ResponseWriter, r *http.Request, p principal) {
	b, ok := s.secretsReadable(w, r, p)
	if !ok {
		return
	}
	if of := s.offeringOf(s.instanceByGUID(b.InstanceGUID)); of == nil || !of.BindingsRetrievable {
		ccFail(w, http.StatusBadRequest, "CF-ServiceFetchBindingParametersNotSupported", 90007, "This service does not support fetching service binding parameters.")
		return
	}
	params := b.Parameters
	if params == nil {
		params = map[string]any{}
	}
	writeJSON(w, http.StatusOK, params)
}

// createRequest is the body of POST /v3/service_credential_bindings.
type createRequest struct {
	Type          string `json:"type"`
	Name          string `json:"name"`
	Relationships struct {
		ServiceInstance struct {
			Data struct {
				GUID string `json:"guid"`
			} `json:"data"`
		} `json:"service_instance"`
	} `json:"relationships"`
	Parameters map[string]any   `json:"parameters"`
	Metadata   *metadataRequest `json:"metadata"`
}

func (s *Server) createBinding(w http.ResponseWriter, r *http.Request, p principal) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var req createRequest
	if err != nil || json.Unmarshal(body, &req) != nil {
		ccFail(w, http.StatusBadRequest, "CF-MessageParseError", 1001, "Request invalid due to parse error: invalid request body")
		return
	}
	switch req.Type {
	case "key":
	case "app":
		unprocessable(w, "The app could not be found: ''") // the fake has no apps
		return
	case "":
		unprocessable(w, "Type must be one of 'app', 'key'")
		return
	default:
		unprocessable(w, "Type must be one of 'app', 'key'")
		return
	}
	if req.Name == "" {
		unprocessable(w, "Name can't be blank")
		return
	}
	guid := req.Relationships.ServiceInstance.Data.GUID
	si := s.instanceByGUID(guid)
	if si == nil || !s.instanceVisible(p, si) {
		unprocessable(w, "The service instance could not be found: '"+guid+"'")
		return
	}
	if si.Type != "managed" {
		unprocessable(w, "Service credential bindings of type 'key' are not supported for user-provided service instances.")
		return
	}
	if !s.managesKeys(p, si) {
		notAuthorized(w)
		return
	}
	for _, b := range s.binds {
		if b.InstanceGUID == si.GUID && b.Name == req.Name {
			unprocessable(w, "The binding name is invalid. Key binding names must be unique. The service instance already has a key binding with name '"+req.Name+"'.")
			return
		}
	}
	labels, annotations, problem := req.Metadata.apply(nil, nil)
	if problem != "" {
		unprocessable(w, problem)
		return
	}
	now := s.now()
	b := &binding{
		GUID: newGUID(), Name: req.Name, Type: "key", InstanceGUID: si.GUID, CreatedAt: now, UpdatedAt: now,
		LastOp: lastOp{Type: "create", State: "in progress", CreatedAt: now, UpdatedAt: now}, Parameters: req.Parameters,
		Labels: labels, Annotations: annotations,
	}
	s.binds[b.GUID] = b
	j := &job{GUID: newGUID(), Owner: p.name, Operation: "service_keys.create", State: "PROCESSING", BindingGUID: b.GUID, CreatedAt: now, UpdatedAt: now}
	s.jobs[j.GUID] = j
	w.Header().Set("Location", baseURL(r)+"/v3/jobs/"+j.GUID)
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) deleteBinding(w http.ResponseWriter, r *http.Request, p principal) {
	b, si := s.visibleBinding(r, p)
	if b == nil {
		notFound(w, "Service credential binding")
		return
	}
	if !s.managesKeys(p, si) {
		notAuthorized(w)
		return
	}
	if b.LastOp.State == "in progress" {
		unprocessable(w, "There is an operation in progress for the service binding.")
		return
	}
	now := s.now()
	b.LastOp = lastOp{Type: "delete", State: "in progress", CreatedAt: now, UpdatedAt: now}
	b.UpdatedAt = now
	j := &job{GUID: newGUID(), Owner: p.name, Operation: "service_keys.delete", State: "PROCESSING", BindingGUID: b.GUID, CreatedAt: now, UpdatedAt: now}
	s.jobs[j.GUID] = j
	w.Header().Set("Location", baseURL(r)+"/v3/jobs/"+j.GUID)
	w.WriteHeader(http.StatusAccepted)
}

// getJob answers GET /v3/jobs/:guid. Each poll moves the job on: after Options.JobPollsToComplete polls it is
// COMPLETE (a created key gets its credentials; a deleted key is gone), earlier polls say POLLING, as while the
// broker works asynchronously.
func (s *Server) getJob(w http.ResponseWriter, r *http.Request, p principal) {
	j := s.jobs[r.PathValue("guid")]
	if j == nil || (j.Owner != p.name && !p.global()) {
		notFound(w, "Job")
		return
	}
	if j.State == "PROCESSING" || j.State == "POLLING" {
		j.Polls++
		j.UpdatedAt = s.now()
		if j.Polls >= s.opts.JobPollsToComplete {
			s.finishJob(j)
		} else {
			j.State = "POLLING"
		}
	}
	links := map[string]any{"self": link(baseURL(r) + "/v3/jobs/" + j.GUID)}
	if j.Operation == "service_instances.create" {
		links["service_instances"] = link(baseURL(r) + "/v3/service_instances/" + j.InstanceGUID)
	}
	if j.Operation == "service_keys.create" {
		links["service_credential_bindings"] = link(baseURL(r) + "/v3/service_credential_bindings/" + j.BindingGUID)
	}
	errs := []ccError{}
	if j.Errors != nil {
		errs = j.Errors
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"guid": j.GUID, "created_at": ts(j.CreatedAt), "updated_at": ts(j.UpdatedAt), "operation": j.Operation,
		"state": j.State, "errors": errs, "warnings": []any{}, "links": links,
	})
}

// settleJobsLocked finishes the jobs whose time has come, polled or not.
func (s *Server) settleJobsLocked() {
	now := s.now()
	for _, j := range s.jobs {
		if (j.State == "PROCESSING" || j.State == "POLLING") && !now.Before(j.CreatedAt.Add(s.opts.JobDuration)) {
			s.finishJob(j)
		}
	}
}

// finishJob completes a job's operation.
func (s *Server) finishJob(j *job) {
	if j.Operation == "service_instances.create" {
		s.finishInstanceJob(j)
		return
	}
	b := s.bindingByGUID(j.BindingGUID)
	now := s.now()
	if b == nil {
		j.State = "FAILED"
		j.Errors = []ccError{{Detail: "The service credential binding no longer exists.", Title: "CF-UnprocessableEntity", Code: 10008}}
		return
	}
	switch j.Operation {
	case "service_keys.create":
		si := s.instanceByGUID(b.InstanceGUID)
		creds, err := s.brokerCredentials(si, b.Name, b.Parameters, now)
		if err == nil && s.certificateInUse(b) {
			err = errors.New("the certificate is already used by another service key; an external certificate may be used only once")
		}
		if msg, ok := s.brokerFailures[si.GUID]; ok && err == nil {
			err = errors.New(msg)
		}
		if err != nil {
			j.State = "FAILED"
			j.Errors = []ccError{{Detail: "Service broker error: " + err.Error(), Title: "CF-ServiceBrokerBadResponse", Code: 10001}}
			b.LastOp = lastOp{Type: "create", State: "failed", Description: strPtr(err.Error()), CreatedAt: b.LastOp.CreatedAt, UpdatedAt: now}
			return
		}
		b.Credentials = creds
		b.LastOp = lastOp{Type: "create", State: "succeeded", Description: strPtr(""), CreatedAt: b.LastOp.CreatedAt, UpdatedAt: now}
		b.UpdatedAt = now
	case "service_keys.delete":
		if msg, ok := s.deleteFailures[b.InstanceGUID]; ok {
			j.State = "FAILED"
			j.Errors = []ccError{{Detail: "Service broker error: " + msg, Title: "CF-ServiceBrokerBadResponse", Code: 10001}}
			b.LastOp = lastOp{Type: "delete", State: "failed", Description: strPtr(msg), CreatedAt: b.LastOp.CreatedAt, UpdatedAt: now}
			return
		}
		delete(s.binds, b.GUID)
	}
	j.State = "COMPLETE"
}

func strPtr(s string) *string { return &s }
