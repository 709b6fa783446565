package ui

import (
	"strings"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/safetext"
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
	var hitF *foundationState
	var hit *cf.KeyReport
	hits := 0
	for _, f := range all {
		if (scoped != nil && f != scoped) || f.idx == nil {
			continue
		}
		if guid {
			for g, k := range f.idx.keyByGUID {
				if strings.EqualFold(g, text) {
					return f, k // a binding GUID is unique: it wins over a CN
				}
			}
		}
		if guid {
			for _, k := range f.idx.keys {
				c := k.Finding.Certificate
				if c != nil && strings.EqualFold(safetext.Clean(expiry.CommonName(c.SubjectDN)), text) {
					hits++
					hitF, hit = f, k
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
