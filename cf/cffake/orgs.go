package cffake

import (
	"net/http"
	"time"
)

// quotaGUID is the default org quota every fake org uses.
const quotaGUID = "b7887f5c-34bb-40c5-9778-577572e4fb2d"

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request, p principal) {
	lq, ok := parseList(w, r, []string{"names"}, nil, []string{"created_at", "updated_at", "name"})
	if !ok {
		return
	}
	names, guids := lq.list("names"), lq.list("guids")
	var items []*org
	for _, o := range s.orgs {
		if s.orgVisible(p, o) && matchFilterFold(names, o.Name) && matchFilter(guids, o.GUID) {
			items = append(items, o)
		}
	}
	sortBy(items, lq.orderBy, func(o *org) string { return o.Name }, func(o *org) time.Time { return o.CreatedAt }, func(o *org) time.Time { return o.CreatedAt }, func(o *org) string { return o.GUID })
	page, pagination := pageOf(r, lq, items)
	res := make([]any, 0, len(page))
	for _, o := range page {
		res = append(res, s.renderOrg(r, o))
	}
	writeJSON(w, http.StatusOK, map[string]any{"pagination": pagination, "resources": res})
}

func (s *Server) getOrg(w http.ResponseWriter, r *http.Request, p principal) {
	o := s.orgByGUID(r.PathValue("guid"))
	if o == nil || !s.orgVisible(p, o) {
		notFound(w, "Organization")
		return
	}
	writeJSON(w, http.StatusOK, s.renderOrg(r, o))
}

func (s *Server) listSpaces(w http.ResponseWriter, r *http.Request, p principal) {
	lq, ok := parseList(w, r, []string{"names", "organization_guids", "include"}, nil, []string{"created_at", "updated_at", "name"})
	if !ok {
		return
	}
	inc := lq.list("include")
	for _, i := range inc {
		if i != "organization" {
			badQuery(w, "Invalid included resource: '"+i+"'. Valid included resources are: 'organization'")
			return
		}
	}
	names, guids, orgGUIDs := lq.list("names"), lq.list("guids"), lq.list("organization_guids")
	var items []*space
	for _, sp := range s.spaces {
		if s.spaceVisible(p, sp) && matchFilter(names, sp.Name) && matchFilter(guids, sp.GUID) && matchFilter(orgGUIDs, sp.OrgGUID) {
			items = append(items, sp)
		}
	}
	sortBy(items, lq.orderBy, func(sp *space) string { return sp.Name }, func(sp *space) time.Time { return sp.CreatedAt }, func(sp *space) time.Time { return sp.CreatedAt }, func(sp *space) string { return sp.GUID })
	page, pagination := pageOf(r, lq, items)
	res := make([]any, 0, len(page))
	seenOrg := map[string]bool{}
	var orgs []any
	for _, sp := range page {
		res = append(res, s.renderSpace(r, sp))
		if len(inc) > 0 && !seenOrg[sp.OrgGUID] {
			seenOrg[sp.OrgGUID] = true
			orgs = append(orgs, s.renderOrg(r, s.orgByGUID(sp.OrgGUID)))
		}
	}
	body := map[string]any{"pagination": pagination, "resources": res}
	if len(inc) > 0 {
		body["included"] = map[string]any{"organizations": nonNil(orgs)}
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) getSpace(w http.ResponseWriter, r *http.Request, p principal) {
	sp := s.spaceByGUID(r.PathValue("guid"))
	if sp == nil || !s.spaceVisible(p, sp) {
		notFound(w, "Space")
		return
	}
	body := s.renderSpace(r, sp)
	if r.URL.Query().Get("include") == "organization" {
		body["included"] = map[string]any{"organizations": []any{s.renderOrg(r, s.orgByGUID(sp.OrgGUID))}}
	}
	writeJSON(w, http.StatusOK, body)
}

// nonNil turns a nil slice into an empty one, so it encodes as [] like the API's.
func nonNil(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}
