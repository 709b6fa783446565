package cffake

import (
	"sort"
)

// Password returns a seeded user's password (generated at start-up).
func (s *Server) Password(userName string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[userName]; u != nil {
		return u.Password
	}
	return ""
}

// ClientSecret returns a seeded UAA client's secret (generated at start-up).
func (s *Server) ClientSecret(clientID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.clients[clientID]; c != nil {
		return c.Secret
	}
	return ""
}

// Secrets returns every secret the foundation holds or has handed out: passwords, client secrets, the keys'
// client secrets and private keys, and every access token, refresh token and passcode issued so far. Tests look
// for these in everything cfkeys prints or writes.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string{}, s.secrets...)
	return append(out, s.issued...)
}

// KeyInfo describes a seeded or created service key, for tests.
type KeyInfo struct {
	GUID, Name, InstanceGUID, InstanceName, SpaceName, OrgName string
}

// Keys lists every service key of the foundation, ordered by org, space, instance and name.
func (s *Server) Keys() []KeyInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]KeyInfo, 0, len(s.binds))
	for _, b := range s.binds {
		si := s.insts[b.InstanceGUID]
		sp := s.spaces[si.SpaceGUID]
		o := s.orgs[sp.OrgGUID]
		out = append(out, KeyInfo{GUID: b.GUID, Name: b.Name, InstanceGUID: si.GUID, InstanceName: si.Name, SpaceName: sp.Name, OrgName: o.Name})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.OrgName != b.OrgName {
			return a.OrgName < b.OrgName
		}
		if a.SpaceName != b.SpaceName {
			return a.SpaceName < b.SpaceName
		}
		if a.InstanceName != b.InstanceName {
			return a.InstanceName < b.InstanceName
		}
		return a.Name < b.Name
	})
	return out
}

// Key returns the key with the given name (the first, in Keys order), for tests.
func (s *Server) Key(name string) (KeyInfo, bool) {
	for _, k := range s.Keys() {
		if k.Name == name {
			return k, true
		}
	}
	return KeyInfo{}, false
}
