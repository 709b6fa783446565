package cffake

import (
	"time"
)

// Role names, as the Cloud Controller spells them.
const (
	RoleOrgManager     = "organization_manager"
	RoleOrgAuditor     = "organization_auditor"
	RoleOrgUser        = "organization_user"
	RoleSpaceDeveloper = "space_developer"
	RoleSpaceManager   = "space_manager"
	RoleSpaceAuditor   = "space_auditor"
	RoleSpaceSupporter = "space_supporter"
)

// UAA scopes that grant foundation-wide reads.
const (
	scopeAdmin         = "cloud_controller.admin"
	scopeAdminReadOnly = "cloud_controller.admin_read_only"
	scopeGlobalAuditor = "cloud_controller.global_auditor"
	scopeRead          = "cloud_controller.read"
	scopeWrite         = "cloud_controller.write"
)

type org struct {
	GUID      string
	Name      string
	CreatedAt time.Time
}

type space struct {
	GUID      string
	Name      string
	OrgGUID   string
	CreatedAt time.Time
}

type offering struct {
	GUID        string
	Name        string
	Description string
	BrokerGUID  string
	BrokerName  string
	CreatedAt   time.Time
	// BindingsRetrievable is the broker's bindings_retrievable feature: GET .../parameters works for its keys.
	BindingsRetrievable bool
}

type plan struct {
	GUID         string
	Name         string
	OfferingGUID string
	CreatedAt    time.Time
}

type lastOp struct {
	Type        string
	State       string
	Description *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

type instance struct {
	GUID       string
	Name       string
	Type       string // managed or user-provided
	SpaceGUID  string
	PlanGUID   string // managed only
	CreatedAt  time.Time
	UpdatedAt  time.Time
	LastOp     lastOp
	Parameters map[string]any
	Tags       []string
}

type binding struct {
	GUID         string
	Name         string
	Type         string // key (only keys are modelled)
	InstanceGUID string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastOp       lastOp
	Credentials  map[string]any // what /details returns under "credentials"
	Parameters   map[string]any
	Labels       map[string]string
	Annotations  map[string]string
}

type job struct {
	GUID        string
	Owner       string // the principal that started it; others get a 404
	Operation   string // service_keys.create, service_keys.delete
	State       string // PROCESSING, POLLING, COMPLETE, FAILED
	BindingGUID string
	// InstanceGUID is the instance a service_instances.create job creates.
	InstanceGUID string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Polls        int
	Errors       []ccError
}

type user struct {
	GUID       string
	Name       string
	Origin     string
	Password   string
	Scopes     []string
	SpaceRoles map[string][]string // space GUID -> roles
	OrgRoles   map[string][]string // org GUID -> roles
}

type uaaClient struct {
	ID     string
	Secret string
	Scopes []string
}
