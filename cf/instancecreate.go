package cf

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// InstanceRequest asks for a new managed service instance.
type InstanceRequest struct {
	Name       string
	SpaceGUID  string
	PlanGUID   string
	Parameters map[string]any // the broker's provision parameters; nil sends none
	// WaitTimeout bounds the wait for the create job (0: DefaultWaitTimeout).
	WaitTimeout time.Duration
}

// Body returns the JSON body of POST /v3/service_instances for the request.
func (r InstanceRequest) Body() map[string]any {
	body := map[string]any{
		"type": "managed", "name": r.Name,
		"relationships": map[string]any{
			"space":        map[string]any{"data": map[string]string{"guid": r.SpaceGUID}},
			"service_plan": map[string]any{"data": map[string]string{"guid": r.PlanGUID}},
		},
	}
	if r.Parameters != nil {
		body["parameters"] = r.Parameters
	}
	return body
}

// ServicePlan is a plan of an offering.
type ServicePlan struct {
	GUID, Name, OfferingGUID, OfferingName string
}

// FindPlan looks up a plan by offering and plan name; a missing one is a *NotFoundError.
func (c *Client) FindPlan(ctx context.Context, offering, plan string) (ServicePlan, error) {
	var offers wirePage
	if err := c.get(ctx, "/v3/service_offerings?"+query(map[string]string{"names": offering}), &offers); err != nil {
		return ServicePlan{}, fmt.Errorf("looking up service offering %q: %w", offering, err)
	}
	if len(offers.Resources) == 0 {
		return ServicePlan{}, &NotFoundError{Kind: "service offering", Name: offering}
	}
	for _, o := range offers.Resources {
		var plans wirePage
		if err := c.get(ctx, "/v3/service_plans?"+query(map[string]string{"names": plan, "service_offering_guids": o.GUID}), &plans); err != nil {
			return ServicePlan{}, fmt.Errorf("looking up plan %q of %q: %w", plan, offering, err)
		}
		for _, p := range plans.Resources {
			if p.name() == plan {
				return ServicePlan{GUID: p.GUID, Name: plan, OfferingGUID: o.GUID, OfferingName: o.name()}, nil
			}
		}
	}
	return ServicePlan{}, &NotFoundError{Kind: "plan of " + offering, Name: plan}
}

// FindSpace looks up a space by org and space name; a missing one is a *NotFoundError.
func (c *Client) FindSpace(ctx context.Context, org, space string) (Space, Organization, error) {
	orgs, err := c.Organizations(ctx, org)
	if err != nil {
		return Space{}, Organization{}, err
	}
	if len(orgs) == 0 {
		return Space{}, Organization{}, &NotFoundError{Kind: "organization", Name: org}
	}
	spaces, err := c.Spaces(ctx, []string{orgs[0].GUID}, space)
	if err != nil {
		return Space{}, Organization{}, err
	}
	for _, s := range spaces {
		if s.Name == space {
			return s, orgs[0], nil
		}
	}
	return Space{}, Organization{}, &NotFoundError{Kind: "space", Name: space}
}

// CreateInstance creates a managed service instance and waits until its last operation has finished. A request
// that got no answer is looked for by name in the space before anything else is done.
func (c *Client) CreateInstance(ctx context.Context, r InstanceRequest) (ServiceInstance, error) {
	loc, err := c.write(ctx, http.MethodPost, "/v3/service_instances", r.Body(), nil)
	if err != nil && !(IsUncertainWrite(err) && ctx.Err() == nil) {
		return ServiceInstance{}, fmt.Errorf("creating service instance %q: %w", r.Name, err)
	}
	guid := ""
	if err != nil || loc == "" {
		si, found, ferr := c.findInstance(ctx, r.SpaceGUID, r.Name)
		if ferr != nil || !found {
			return ServiceInstance{}, fmt.Errorf("creating service instance %q: %w; it was not found afterwards (run the command again)", r.Name, err)
		}
		guid = si
	} else {
		job, err := c.WaitJob(ctx, loc, r.WaitTimeout)
		if err != nil {
			return ServiceInstance{}, fmt.Errorf("creating service instance %q: %w", r.Name, err)
		}
		if guid = guidOfLink(job.Resource); guid == "" {
			g, found, ferr := c.findInstance(ctx, r.SpaceGUID, r.Name)
			if ferr != nil || !found {
				return ServiceInstance{}, fmt.Errorf("creating service instance %q: the job finished but the instance was not found", r.Name)
			}
			guid = g
		}
	}
	return pollUntil(ctx, c, "the creation of service instance "+r.Name, r.WaitTimeout, func() (ServiceInstance, bool, error) {
		si, err := c.ServiceInstance(ctx, guid)
		if err != nil {
			return si, false, err
		}
		switch si.LastOperation.State {
		case "failed":
			return si, true, &JobFailedError{Operation: "service_instances.create", Errors: []CCError{{Title: "create failed", Detail: si.LastOperation.Description}}}
		case "succeeded", "":
			return si, true, nil
		}
		return si, false, nil
	})
}

// findInstance looks for an instance by name in a space.
func (c *Client) findInstance(ctx context.Context, spaceGUID, name string) (string, bool, error) {
	var page wirePage
	q := query(map[string]string{"names": name, "space_guids": spaceGUID})
	if err := c.get(ctx, "/v3/service_instances?"+q, &page); err != nil {
		return "", false, err
	}
	for _, r := range page.Resources {
		if r.name() == name {
			return r.GUID, true, nil
		}
	}
	return "", false, nil
}
