package ui

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// store holds the foundations and what the pages derive from them: their snapshots and indexes, and a
// generation bumped whenever a snapshot changes, so pages know to rebuild their rows.
type store struct {
	foundations []*foundationState
	dataGen     int
}

// named returns the foundation of a name, or nil.
func (s *store) named(name string) *foundationState {
	for _, f := range s.foundations {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// multi reports whether several foundations are shown (pages then name them).
func (s *store) multi() bool { return len(s.foundations) > 1 }

// install puts a fresh snapshot in place, notes what changed since the one before, and tells the pages.
func (s *store) install(f *foundationState, snap *Snapshot, idx *index, at time.Time, j *judging) {
	old := f.idx
	if f.partial {
		old = nil // a first load: nothing to compare with
	}
	f.changes = diff(f, old, idx, f.updatedAt, at, j)
	f.setSnapshot(snap, idx, at)
	s.dataGen++
}

// installPartial shows what a first load has listed so far; its rows say which keys are still being read.
func (s *store) installPartial(f *foundationState, e *earlySnapshot) {
	f.snap, f.idx, f.partial = e.snap, e.idx, true
	s.dataGen++
}

// showsCached reports whether what is shown is, in part, what the findings cache said before this first load
// read anything: the UI then says "cached, refreshing" until the load is done.
func (f *foundationState) showsCached() bool { return f.partial && f.snap != nil && f.snap.Cached > 0 }

// earlySnapshot is a load's partial snapshot with its index, built by the load's goroutine, not in Update.
type earlySnapshot struct {
	snap *Snapshot
	idx  *index
}

// dropPartial forgets what a failed or cancelled first load had listed: it was never whole.
func (s *store) dropPartial(f *foundationState) {
	if f.partial {
		f.snap, f.idx, f.partial = nil, nil, false
		s.dataGen++
	}
}

// foundationState is what the UI knows about one foundation: its latest snapshot (kept when a refresh fails),
// indexed for the pages, and the state of its background refresh.
type foundationState struct {
	Foundation
	backend    Backend
	connecting bool
	snap       *Snapshot
	idx        *index
	gen        int // generation of the connection or refresh in flight (or last started)
	busy       bool
	cancel     context.CancelFunc // stops the connection or refresh in flight
	progress   cf.Progress
	latest     *atomic.Pointer[cf.Progress]   // the running load's latest progress, written by its goroutine
	early      *atomic.Pointer[earlySnapshot] // the running load's latest partial snapshot, written by its goroutine
	partial    bool                           // snap is what a first load listed so far, not yet whole
	partialAt  time.Time                      // when, by the ticks, the partial snapshot shown was put in place
	updatedAt  time.Time                      // when the snapshot was taken
	staleSince time.Time                      // when refreshes started failing (zero while fresh)
	lastErr    error
	nextAt     time.Time // when the next background refresh is due (zero: none planned)
	changes    changes   // what the last refresh changed
}

// index holds a snapshot's relations, built once per snapshot so pages need no scans.
type index struct {
	orgs           []cf.Organization
	spacesByOrg    map[string][]cf.Space
	instsBySpace   map[string][]*cf.ServiceInstance
	keysByInstance map[string][]*cf.KeyReport
	keysBySpace    map[string][]*cf.KeyReport
	keysByOrg      map[string][]*cf.KeyReport
	keys           []*cf.KeyReport
	keyByGUID      map[string]*cf.KeyReport
	instByGUID     map[string]*cf.ServiceInstance
	meta           map[*cf.KeyReport]*keyMeta
	metas          []*keyMeta      // keys' metas, in keys' order (a key's ord)
	dns            *expiry.DNIndex // the keys' subject and issuer DNs by value, a key's ord its id
}

// keyMeta is what the lists need of a key over and over, computed once per snapshot: its search text, its
// note, and the widths of its text cells.
type keyMeta struct {
	search  string // lower-case key, instance, space and org names, GUID, subject and issuer DN
	serial  string // the serial folded for matching (lower case, no 0x, no colons)
	note    string
	lname   string // lower-case name, for sorting
	lpath   string // lower-case org/space/instance/key, for sorting
	widths  [5]int // name, instance, space, org, note (cleaned, in cells)
	hasCert bool
	unknown bool
	// The subject and issuer DN, parsed once (expiry.ParseDN), so a DN pasted in any spelling matches.
	subjectDN, issuerDN expiry.ParsedDN
	ord                 int    // the key's place in its index's keys
	cn                  string // the subject's CN, cleaned, in lower case (lookup compares a pasted UUID with it)
}

func newKeyMeta(k *cf.KeyReport) *keyMeta {
	i := k.Instance
	m := &keyMeta{lname: strings.ToLower(k.Name), lpath: strings.ToLower(i.OrgName + "\x00" + i.SpaceName + "\x00" + i.Name + "\x00" + k.Name)}
	parts := []string{k.Name, i.Name, i.SpaceName, i.OrgName, k.GUID}
	if c := k.Finding.Certificate; c != nil {
		parts = append(parts, c.SubjectDN, c.IssuerDN)
		m.serial = expiry.FoldSerial(c.Serial)
		m.hasCert = true
		m.subjectDN, _ = expiry.ParseDN(safetext.Clean(c.SubjectDN))
		m.cn = strings.ToLower(safetext.Clean(expiry.CommonName(c.SubjectDN)))
		m.issuerDN, _ = expiry.ParseDN(safetext.Clean(c.IssuerDN))
	}
	m.unknown = k.Finding.Kind == expiry.KindUnknown
	for i, part := range parts {
		parts[i] = safetext.Clean(part) // what is seen is what is found: hidden escape sequences match nothing
	}
	m.search = strings.ToLower(strings.Join(parts, "\x00"))
	m.note = noteOf(k)
	for j, s := range []string{k.Name, i.Name, i.SpaceName, i.OrgName, m.note} {
		m.widths[j] = safetext.Width(safetext.Clean(s))
	}
	return m
}

// newIndex indexes a snapshot. Orgs and spaces the instance listing names but the org and space listings did
// not return (e.g. shared from an org the user cannot list) are added, so no key is unreachable.
func newIndex(s *Snapshot) *index {
	ix := &index{
		spacesByOrg: map[string][]cf.Space{}, instsBySpace: map[string][]*cf.ServiceInstance{},
		keysByInstance: map[string][]*cf.KeyReport{}, keysBySpace: map[string][]*cf.KeyReport{},
		keysByOrg: map[string][]*cf.KeyReport{}, keyByGUID: map[string]*cf.KeyReport{}, instByGUID: map[string]*cf.ServiceInstance{},
		meta: map[*cf.KeyReport]*keyMeta{}, dns: expiry.NewDNIndex(),
	}
	orgSeen, spaceSeen := map[string]bool{}, map[string]bool{}
	for _, o := range s.Orgs {
		if !orgSeen[o.GUID] {
			orgSeen[o.GUID] = true
			ix.orgs = append(ix.orgs, o)
		}
	}
	addSpace := func(sp cf.Space) {
		if !spaceSeen[sp.GUID] {
			spaceSeen[sp.GUID] = true
			ix.spacesByOrg[sp.OrgGUID] = append(ix.spacesByOrg[sp.OrgGUID], sp)
		}
	}
	for _, sp := range s.Spaces {
		addSpace(sp)
	}
	for i := range s.Instances {
		si := &s.Instances[i]
		ix.instByGUID[si.GUID] = si
		if !orgSeen[si.OrgGUID] {
			orgSeen[si.OrgGUID] = true
			ix.orgs = append(ix.orgs, cf.Organization{GUID: si.OrgGUID, Name: si.OrgName})
		}
		addSpace(cf.Space{GUID: si.SpaceGUID, Name: si.SpaceName, OrgGUID: si.OrgGUID})
		ix.instsBySpace[si.SpaceGUID] = append(ix.instsBySpace[si.SpaceGUID], si)
	}
	for i := range s.Keys {
		k := &s.Keys[i]
		if _, ok := ix.instByGUID[k.Instance.GUID]; !ok {
			si := k.Instance
			ix.instByGUID[si.GUID] = &si
			ix.instsBySpace[si.SpaceGUID] = append(ix.instsBySpace[si.SpaceGUID], &si)
			if !orgSeen[si.OrgGUID] {
				orgSeen[si.OrgGUID] = true
				ix.orgs = append(ix.orgs, cf.Organization{GUID: si.OrgGUID, Name: si.OrgName})
			}
			addSpace(cf.Space{GUID: si.SpaceGUID, Name: si.SpaceName, OrgGUID: si.OrgGUID})
		}
		m := newKeyMeta(k)
		m.ord = len(ix.keys)
		ix.keys = append(ix.keys, k)
		ix.keyByGUID[k.GUID] = k
		ix.meta[k], ix.metas = m, append(ix.metas, m)
		ix.dns.Add(m.ord, m.subjectDN)
		ix.dns.Add(m.ord, m.issuerDN)
		ix.keysByInstance[k.Instance.GUID] = append(ix.keysByInstance[k.Instance.GUID], k)
		ix.keysBySpace[k.Instance.SpaceGUID] = append(ix.keysBySpace[k.Instance.SpaceGUID], k)
		ix.keysByOrg[k.Instance.OrgGUID] = append(ix.keysByOrg[k.Instance.OrgGUID], k)
	}
	slices.SortFunc(ix.orgs, func(a, b cf.Organization) int { return cmp.Compare(a.Name, b.Name) })
	return ix
}

// setSnapshot installs a fresh snapshot and its index.
func (f *foundationState) setSnapshot(s *Snapshot, idx *index, at time.Time) {
	f.snap, f.idx, f.updatedAt, f.staleSince, f.lastErr, f.partial = s, idx, at, time.Time{}, nil, false
}
