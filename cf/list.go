package cf

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// maxPageSize is the largest page the Cloud Controller serves; listings use it to need the fewest requests.
const maxPageSize = 5000

// guidChunk bounds how many GUIDs one filter carries, keeping URLs short.
const guidChunk = 100

// maxPages guards against a server whose next links never end.
const maxPages = 10000

// instanceFields asks the instance list for the names of each instance's space, org, plan and offering, so a
// sweep needs no separate org, space or plan requests.
var instanceFields = map[string]string{
	"fields[space]":                         "guid,name,relationships.organization",
	"fields[space.organization]":            "guid,name",
	"fields[service_plan]":                  "guid,name,relationships.service_offering",
	"fields[service_plan.service_offering]": "guid,name",
}

// query encodes parameters the way Cloud Controller links do: keys sorted, values percent-encoded.
func query(params map[string]string) string {
	v := url.Values{}
	for k, val := range params {
		if val != "" {
			v.Set(k, val)
		}
	}
	return v.Encode()
}

func (c *Client) pageSize() string { return strconv.Itoa(c.opts.PageSize) }

// eachPage fetches first and every page its next links lead to, calling fn for each. Links are followed
// verbatim, as the API asks.
func (c *Client) eachPage(ctx context.Context, first string, fn func(*wirePage) error) error {
	seen := map[string]bool{}
	next := first
	for n := 0; next != ""; n++ {
		if seen[next] || n >= maxPages {
			return fmt.Errorf("listing %s: the pagination links loop", pathOf(first))
		}
		seen[next] = true
		var p wirePage
		if err := c.get(ctx, next, &p); err != nil {
			return err
		}
		if err := fn(&p); err != nil {
			return err
		}
		next = ""
		if p.Pagination.Next != nil {
			next = p.Pagination.Next.Href
		}
	}
	return nil
}

// Organizations lists the orgs the user can see, by name; names, when given, filter them (case-insensitively,
// as the API does).
func (c *Client) Organizations(ctx context.Context, names ...string) ([]Organization, error) {
	seen := map[string]bool{}
	var out []Organization
	q := query(map[string]string{"per_page": c.pageSize(), "order_by": "name", "names": strings.Join(names, ",")})
	err := c.eachPage(ctx, "/v3/organizations?"+q, func(p *wirePage) error {
		for _, r := range p.Resources {
			if !seen[r.GUID] {
				seen[r.GUID] = true
				out = append(out, Organization{GUID: r.GUID, Name: r.name()})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing organizations: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Spaces lists the spaces the user can see in the given orgs (all orgs when none), filtered by names if given.
func (c *Client) Spaces(ctx context.Context, orgGUIDs []string, names ...string) ([]Space, error) {
	seen := map[string]bool{}
	var out []Space
	for _, chunk := range chunks(orgGUIDs) {
		q := query(map[string]string{"per_page": c.pageSize(), "order_by": "name", "organization_guids": strings.Join(chunk, ","), "names": strings.Join(names, ",")})
		err := c.eachPage(ctx, "/v3/spaces?"+q, func(p *wirePage) error {
			for _, r := range p.Resources {
				if !seen[r.GUID] {
					seen[r.GUID] = true
					out = append(out, Space{GUID: r.GUID, Name: r.name(), OrgGUID: r.rel("organization")})
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing spaces: %w", err)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// InstanceFilter narrows a listing of service instances. Empty fields do not filter.
type InstanceFilter struct {
	OrgGUIDs   []string
	SpaceGUIDs []string
}

// ServiceInstances lists the managed service instances the user can see (only managed instances can have keys),
// with their space, org, plan and offering names, in as few requests as the API allows. Long GUID filters are
// sent in chunks, as a URL with hundreds of GUIDs would be refused by the router. When both filters are given,
// the API filters by space and the org filter is applied here, so the chunks do not multiply.
func (c *Client) ServiceInstances(ctx context.Context, f InstanceFilter) ([]ServiceInstance, error) {
	var out []ServiceInstance
	err := c.eachServiceInstancePage(ctx, f, func(page []ServiceInstance) error {
		out = append(out, page...)
		return nil
	})
	return out, err
}

// eachServiceInstancePage is ServiceInstances page by page: fn gets each page's instances (none seen before) as
// soon as the page is read, so a sweep can list their keys while later pages are still to come.
func (c *Client) eachServiceInstancePage(ctx context.Context, f InstanceFilter, fn func([]ServiceInstance) error) error {
	params := map[string]string{"type": "managed", "per_page": c.pageSize()}
	for k, v := range instanceFields {
		params[k] = v
	}
	filterKey, filter := "organization_guids", f.OrgGUIDs
	if len(f.SpaceGUIDs) > 0 {
		filterKey, filter = "space_guids", f.SpaceGUIDs
	}
	orgs := map[string]bool{}
	for _, g := range f.OrgGUIDs {
		orgs[g] = true
	}
	names := newIncludedNames()
	seen := map[string]bool{}
	for _, chunk := range chunks(filter) {
		params[filterKey] = strings.Join(chunk, ",")
		err := c.eachPage(ctx, "/v3/service_instances?"+query(params), func(p *wirePage) error {
			names.add(p.Included)
			var page []ServiceInstance
			for _, r := range p.Resources {
				if seen[r.GUID] {
					continue
				}
				seen[r.GUID] = true
				inst := names.instance(r, "")
				if len(f.SpaceGUIDs) > 0 && len(orgs) > 0 && !orgs[inst.OrgGUID] {
					continue
				}
				page = append(page, inst)
			}
			return fn(page)
		})
		if err != nil {
			return fmt.Errorf("listing service instances: %w", err)
		}
	}
	return nil
}

// ServiceInstance reads one service instance with its space, org, plan and offering names.
func (c *Client) ServiceInstance(ctx context.Context, guid string) (ServiceInstance, error) {
	params := map[string]string{
		"fields[space]":                         "guid,name",
		"fields[space.organization]":            "guid,name",
		"fields[service_plan]":                  "guid,name",
		"fields[service_plan.service_offering]": "guid,name",
	}
	var body struct {
		wireResource
		Included wireIncluded `json:"included"`
	}
	if err := c.get(ctx, "/v3/service_instances/"+url.PathEscape(guid)+"?"+query(params), &body); err != nil {
		return ServiceInstance{}, fmt.Errorf("reading service instance %s: %w", guid, err)
	}
	names := newIncludedNames()
	names.add(body.Included)
	soleOrg := ""
	if len(body.Included.Organizations) == 1 {
		soleOrg = body.Included.Organizations[0].GUID
	}
	if len(body.Included.ServicePlans) == 1 && body.Included.ServicePlans[0].rel("service_offering") == "" && len(body.Included.ServiceOfferings) == 1 {
		// The single-instance endpoint cannot include the plan's offering relationship; there is only one.
		p := body.Included.ServicePlans[0]
		p.Relationships = map[string]wireRel{"service_offering": {Data: &struct {
			GUID string `json:"guid"`
		}{GUID: body.Included.ServiceOfferings[0].GUID}}}
		names.plans[p.GUID] = p
	}
	return names.instance(body.wireResource, soleOrg), nil
}

// ServiceKeys lists the service keys of the given instances, or every key the user can see when
// instanceGUIDs is nil. An empty non-nil list means no instances, hence no keys.
func (c *Client) ServiceKeys(ctx context.Context, instanceGUIDs []string) ([]ServiceKey, error) {
	var out []ServiceKey
	err := c.eachServiceKeyPage(ctx, instanceGUIDs, func(page []ServiceKey) error {
		out = append(out, page...)
		return nil
	})
	return out, err
}

// eachServiceKeyPage is ServiceKeys page by page: fn gets each page's keys (none seen before) as soon as the page
// is read, so a sweep can start reading credentials before the listing ends.
func (c *Client) eachServiceKeyPage(ctx context.Context, instanceGUIDs []string, fn func([]ServiceKey) error) error {
	if instanceGUIDs != nil && len(instanceGUIDs) == 0 {
		return nil // filtered down to no instances: no keys, and no request
	}
	seen := map[string]bool{}
	add := func(p *wirePage) error {
		var page []ServiceKey
		for _, r := range p.Resources {
			if !seen[r.GUID] {
				seen[r.GUID] = true
				page = append(page, r.key())
			}
		}
		return fn(page)
	}
	for _, chunk := range chunks(instanceGUIDs) { // nil: one unfiltered listing
		q := query(map[string]string{"type": "key", "per_page": c.pageSize(), "service_instance_guids": strings.Join(chunk, ",")})
		if err := c.eachPage(ctx, "/v3/service_credential_bindings?"+q, add); err != nil {
			return fmt.Errorf("listing service keys: %w", err)
		}
	}
	return nil
}

// ServiceKey reads one service credential binding (a key, or an app binding) by GUID.
func (c *Client) ServiceKey(ctx context.Context, guid string) (ServiceKey, error) {
	var r wireResource
	if err := c.get(ctx, "/v3/service_credential_bindings/"+url.PathEscape(guid), &r); err != nil {
		return ServiceKey{}, fmt.Errorf("reading service credential binding %s: %w", guid, err)
	}
	return r.key(), nil
}

// Ping checks that the session works, with the cheapest authenticated request there is.
func (c *Client) Ping(ctx context.Context) error {
	var p wirePage
	if err := c.get(ctx, "/v3/organizations?per_page=1", &p); err != nil {
		return fmt.Errorf("checking the session: %w", err)
	}
	return nil
}

// chunks splits guids into groups of at most guidChunk; a nil or empty list yields one empty chunk (no filter).
func chunks(guids []string) [][]string {
	if len(guids) == 0 {
		return [][]string{nil}
	}
	var out [][]string
	for len(guids) > guidChunk {
		out = append(out, guids[:guidChunk])
		guids = guids[guidChunk:]
	}
	return append(out, guids)
}
