package cffake

import "slices"

// The Cloud Controller's visibility rules, simplified to what service keys need: admins, admin read-only users
// and global auditors see everything; others see the orgs and spaces they hold roles in. Reading a key's
// credentials needs admin, admin read-only, or Space Developer in the key's space; everyone else gets a 404.

func (s *Server) spaceRoles(p principal, spaceGUID string) []string {
	if p.user == nil {
		return nil
	}
	return p.user.SpaceRoles[spaceGUID]
}

func (s *Server) orgVisible(p principal, o *org) bool {
	if p.global() {
		return true
	}
	if p.user == nil {
		return false
	}
	if len(p.user.OrgRoles[o.GUID]) > 0 {
		return true
	}
	for spaceGUID, roles := range p.user.SpaceRoles {
		if sp := s.spaces[spaceGUID]; sp != nil && sp.OrgGUID == o.GUID && len(roles) > 0 {
			return true
		}
	}
	return false
}

func (s *Server) spaceVisible(p principal, sp *space) bool {
	if p.global() {
		return true
	}
	if p.user == nil {
		return false
	}
	return len(p.user.SpaceRoles[sp.GUID]) > 0 || slices.Contains(p.user.OrgRoles[sp.OrgGUID], RoleOrgManager)
}

func (s *Server) instanceVisible(p principal, si *instance) bool {
	sp := s.spaceByGUID(si.SpaceGUID)
	return sp != nil && s.spaceVisible(p, sp)
}

// readsCredentials reports whether p may read the credentials of keys of instance si.
func (s *Server) readsCredentials(p principal, si *instance) bool {
	return p.readsSecrets() || slices.Contains(s.spaceRoles(p, si.SpaceGUID), RoleSpaceDeveloper)
}

// managesKeys reports whether p may create and delete keys of instance si.
func (s *Server) managesKeys(p principal, si *instance) bool {
	return p.has(scopeAdmin) || slices.Contains(s.spaceRoles(p, si.SpaceGUID), RoleSpaceDeveloper)
}

func (s *Server) orgByGUID(guid string) *org           { return s.orgs[guid] }
func (s *Server) spaceByGUID(guid string) *space       { return s.spaces[guid] }
func (s *Server) planByGUID(guid string) *plan         { return s.plans[guid] }
func (s *Server) offeringByGUID(guid string) *offering { return s.offers[guid] }
func (s *Server) instanceByGUID(guid string) *instance { return s.insts[guid] }
func (s *Server) bindingByGUID(guid string) *binding   { return s.binds[guid] }
