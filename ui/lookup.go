package ui

import (
	"strings"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
)

// lookup finds the one key a pasted text names among the foundations in scope: a binding GUID, a subject DN in
// any of the ways DNs are written, or a UUID that is a certificate's CN (SAP's CNs are UUIDs). It returns nil
// unless exactly one key is named.
func lookup(text string, scoped *foundationState, all []*foundationState) (*foundationState, *cf.KeyReport) {
	text = strings.TrimSpace(text)
	guid := cf.IsGUID(text)
	dn := expiry.NewDNQuery(text)
	if !guid && !dn.IsDN() {
		return nil, nil
	}
	folded := strings.ToLower(text)
	var hitF *foundationState
	var hit *cf.KeyReport
	hits := 0
	for _, f := range all {
		if (scoped != nil && f != scoped) || f.idx == nil {
			continue
		}
		if guid {
			if k := f.idx.keyByGUID[text]; k != nil {
				return f, k // a binding GUID is unique: it wins over a CN
			}
			for _, k := range f.idx.keys {
				if strings.EqualFold(k.GUID, text) {
					return f, k
				}
			}
		}
		if guid {
			// The CNs were cleaned and folded once per snapshot: a UUID's hex digits fold only to themselves, so
			// equal lower case is EqualFold.
			for i, m := range f.idx.metas {
				if m.hasCert && m.cn == folded {
					hits++
					hitF, hit = f, f.idx.keys[i]
				}
			}
			continue
		}
		// Only the keys holding the DN's rarest value can have it as their subject.
		for _, id := range dn.Candidates(f.idx.dns) {
			k, m := f.idx.keys[id], f.idx.metas[id]
			if k.Finding.Certificate != nil && dn.Same(m.subjectDN) {
				hits++
				hitF, hit = f, k
			}
		}
	}
	if hits != 1 {
		return nil, nil
	}
	return hitF, hit
}
