package cf

import (
	"context"
	"fmt"
	"strings"
)

// FindInstance locates a managed service instance by GUID, or by name within org and space (either may be empty
// to search everywhere the user can see). A name found in several spaces is an error naming them.
func (c *Client) FindInstance(ctx context.Context, nameOrGUID, org, space string) (ServiceInstance, error) {
	if IsGUID(nameOrGUID) {
		si, err := c.ServiceInstance(ctx, strings.ToLower(strings.TrimSpace(nameOrGUID)))
		if IsNotFound(err) {
			return ServiceInstance{}, &NotFoundError{Kind: "service instance", Name: nameOrGUID}
		}
		return si, err
	}
	var f InstanceFilter
	if org != "" {
		orgs, err := c.Organizations(ctx, org)
		if err != nil {
			return ServiceInstance{}, err
		}
		if len(orgs) == 0 {
			return ServiceInstance{}, &NotFoundError{Kind: "organization", Name: org}
		}
		f.OrgGUIDs = []string{orgs[0].GUID}
	}
	if space != "" {
		spaces, err := c.Spaces(ctx, f.OrgGUIDs, space)
		if err != nil {
			return ServiceInstance{}, err
		}
		for _, s := range spaces {
			if s.Name == space {
				f.SpaceGUIDs = append(f.SpaceGUIDs, s.GUID)
			}
		}
		if len(f.SpaceGUIDs) == 0 {
			return ServiceInstance{}, &NotFoundError{Kind: "space", Name: space}
		}
	}
	all, err := c.ServiceInstances(ctx, f)
	if err != nil {
		return ServiceInstance{}, err
	}
	var found []ServiceInstance
	for _, si := range all {
		if si.Name == nameOrGUID {
			found = append(found, si)
		}
	}
	switch len(found) {
	case 0:
		return ServiceInstance{}, &NotFoundError{Kind: "service instance", Name: nameOrGUID}
	case 1:
		return found[0], nil
	}
	where := make([]string, len(found))
	for i, si := range found {
		where[i] = si.OrgName + "/" + si.SpaceName
	}
	return ServiceInstance{}, fmt.Errorf("service instance %q exists in %s: choose one with --org and --space, or give its GUID", nameOrGUID, strings.Join(where, ", "))
}
