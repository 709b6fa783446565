package cf

import (
	"strings"
	"time"
)

// Organization is a Cloud Foundry org.
type Organization struct {
	GUID string `json:"guid"`
	Name string `json:"name"`
}

// Space is a space within an org.
type Space struct {
	GUID    string `json:"guid"`
	Name    string `json:"name"`
	OrgGUID string `json:"org_guid"`
}

// LastOperation is the state of the most recent create, update or delete of an instance or key.
type LastOperation struct {
	Type        string    `json:"type"`  // create, update, delete
	State       string    `json:"state"` // initial, in progress, succeeded, failed
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Succeeded reports whether the operation is a finished create (or update), i.e. the resource is usable. Keys
// without a stored operation (created through the v2 API) count as succeeded, as the Cloud Controller treats them.
func (o LastOperation) Succeeded() bool {
	return o.State == "" || (o.State == "succeeded" && o.Type != "delete")
}

// Describe returns the operation as a short phrase: "create in progress", "delete failed".
func (o LastOperation) Describe() string {
	if o.State == "" {
		return "create succeeded"
	}
	return strings.TrimSpace(o.Type + " " + o.State)
}

// ServiceInstance is a managed service instance, with the names of its space, org, plan and offering.
type ServiceInstance struct {
	GUID          string        `json:"guid"`
	Name          string        `json:"name"`
	Type          string        `json:"type"`
	SpaceGUID     string        `json:"space_guid"`
	SpaceName     string        `json:"space_name"`
	OrgGUID       string        `json:"org_guid"`
	OrgName       string        `json:"org_name"`
	PlanGUID      string        `json:"plan_guid"`
	PlanName      string        `json:"plan_name"`
	OfferingGUID  string        `json:"offering_guid"`
	OfferingName  string        `json:"offering_name"`
	CreatedAt     time.Time     `json:"created_at"`
	LastOperation LastOperation `json:"last_operation"`
}

// ServiceKey is a service credential binding of type key.
type ServiceKey struct {
	GUID          string        `json:"guid"`
	Name          string        `json:"name"`
	Type          string        `json:"type"` // "key"; "app" when a lookup by GUID found an app binding
	InstanceGUID  string        `json:"instance_guid"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
	LastOperation LastOperation `json:"last_operation"`
}

// wire types: the Cloud Controller's JSON, decoded leniently (a malformed timestamp must not lose a page).

type wireLink struct {
	Href string `json:"href"`
}

type wireRel struct {
	Data *struct {
		GUID string `json:"guid"`
	} `json:"data"`
}

type wireLastOp struct {
	Type        string  `json:"type"`
	State       string  `json:"state"`
	Description *string `json:"description"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
}

type wireResource struct {
	GUID          string             `json:"guid"`
	Name          *string            `json:"name"`
	Type          string             `json:"type"`
	CreatedAt     string             `json:"created_at"`
	UpdatedAt     string             `json:"updated_at"`
	LastOperation *wireLastOp        `json:"last_operation"`
	Relationships map[string]wireRel `json:"relationships"`
}

type wireIncluded struct {
	Spaces           []wireResource `json:"spaces"`
	Organizations    []wireResource `json:"organizations"`
	ServicePlans     []wireResource `json:"service_plans"`
	ServiceOfferings []wireResource `json:"service_offerings"`
}

type wirePage struct {
	Pagination struct {
		TotalResults int       `json:"total_results"`
		TotalPages   int       `json:"total_pages"`
		Next         *wireLink `json:"next"`
	} `json:"pagination"`
	Resources []wireResource `json:"resources"`
	Included  wireIncluded   `json:"included"`
}

func (r wireResource) name() string {
	if r.Name == nil {
		return ""
	}
	return *r.Name
}

func (r wireResource) rel(name string) string {
	if rel, ok := r.Relationships[name]; ok && rel.Data != nil {
		return rel.Data.GUID
	}
	return ""
}

func (o *wireLastOp) model() LastOperation {
	if o == nil {
		return LastOperation{}
	}
	lo := LastOperation{Type: o.Type, State: o.State, CreatedAt: parseTime(o.CreatedAt), UpdatedAt: parseTime(o.UpdatedAt)}
	if o.Description != nil {
		lo.Description = *o.Description
	}
	return lo
}

// parseTime reads a Cloud Controller timestamp; a value it cannot read becomes the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func (r wireResource) key() ServiceKey {
	return ServiceKey{
		GUID: r.GUID, Name: r.name(), Type: r.Type, InstanceGUID: r.rel("service_instance"),
		CreatedAt: parseTime(r.CreatedAt), UpdatedAt: parseTime(r.UpdatedAt), LastOperation: r.LastOperation.model(),
	}
}

// includedNames indexes the names that fields[...] brought along with a page of service instances.
type includedNames struct {
	spaces    map[string]wireResource
	orgs      map[string]string
	plans     map[string]wireResource
	offerings map[string]string
}

func newIncludedNames() *includedNames {
	return &includedNames{spaces: map[string]wireResource{}, orgs: map[string]string{}, plans: map[string]wireResource{}, offerings: map[string]string{}}
}

func (n *includedNames) add(inc wireIncluded) {
	for _, s := range inc.Spaces {
		n.spaces[s.GUID] = s
	}
	for _, o := range inc.Organizations {
		n.orgs[o.GUID] = o.name()
	}
	for _, p := range inc.ServicePlans {
		n.plans[p.GUID] = p
	}
	for _, o := range inc.ServiceOfferings {
		n.offerings[o.GUID] = o.name()
	}
}

// instance builds a ServiceInstance from a resource and the names included with it. soleOrg is used when the
// space carries no organization relationship (the single-instance endpoint does not allow that field).
func (n *includedNames) instance(r wireResource, soleOrg string) ServiceInstance {
	si := ServiceInstance{
		GUID: r.GUID, Name: r.name(), Type: r.Type, CreatedAt: parseTime(r.CreatedAt), LastOperation: r.LastOperation.model(),
		SpaceGUID: r.rel("space"), PlanGUID: r.rel("service_plan"),
	}
	if sp, ok := n.spaces[si.SpaceGUID]; ok {
		si.SpaceName = sp.name()
		si.OrgGUID = sp.rel("organization")
	}
	if si.OrgGUID == "" {
		si.OrgGUID = soleOrg
	}
	si.OrgName = n.orgs[si.OrgGUID]
	if pl, ok := n.plans[si.PlanGUID]; ok {
		si.PlanName = pl.name()
		si.OfferingGUID = pl.rel("service_offering")
		si.OfferingName = n.offerings[si.OfferingGUID]
	}
	return si
}
