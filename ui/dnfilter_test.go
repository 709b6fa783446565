package ui

import (
	"strings"
	"testing"
)

// TestDNFilterByIndexAgreesWithMatching checks that the keys a DN filter keeps by the snapshot's DN index (markDN,
// once per keystroke) are exactly those matching each key's parsed DNs finds, for DNs naming one key, many, a
// key's issuer, none, and texts that are no DN.
func TestDNFilterByIndexAgreesWithMatching(t *testing.T) {
	t.Parallel()
	s := testSnapshot()
	s.Keys[5].Finding.Certificate.SubjectDN = `CN=ec9bcd22-956f-4b1e-9a4e-3d2c1b0a9f8e,OU=Subaccount,O=SAP SE,C=DE`
	s.Keys[6].Finding.Certificate.IssuerDN = `CN=Other CA,O=Acme\, Inc.,C=US`
	f := &foundationState{Foundation: Foundation{Name: "eu10"}, idx: newIndex(s)}
	queries := []string{
		"C = DE, O = Demo Corp, OU = Demo, CN = crm-sender", "O = Demo Corp, OU = Demo", "CN=Demo CA", "C=DE",
		`O = "Acme, Inc."`, "c=us", "OU=Subaccount, CN=EC9BCD22-956F-4B1E-9A4E-3D2C1B0A9F8E", "CN=crm", "C=FR, O=Demo Corp",
		"CN=", "crm-sender", "",
	}
	for _, text := range queries {
		plain, indexed := newQuery(text), newQuery(text)
		indexed.markDN([]*foundationState{f})
		kept := 0
		for _, k := range f.idx.keys {
			m := f.idx.meta[k]
			want := plain.dn.IsDN() && (plain.dn.MatchParsed(m.subjectDN) || plain.dn.MatchParsed(m.issuerDN))
			if got := indexed.namesDN(f.idx, m); got != want {
				t.Errorf("filter %q, key %s: by the index %v, by matching %v", text, k.Name, got, want)
			}
			if want {
				kept++
			}
		}
		if indexed.namesNoDN() != (kept == 0) {
			t.Errorf("filter %q: namesNoDN %v with %d keys named", text, indexed.namesNoDN(), kept)
		}
	}
	// A key of another index (a snapshot since replaced) is matched, not looked up in the wrong hits.
	q := newQuery("CN=crm-sender")
	q.markDN([]*foundationState{f})
	other := newIndex(testSnapshot())
	for _, k := range other.keys {
		m := other.meta[k]
		if got, want := q.namesDN(f.idx, m), q.dn.MatchParsed(m.subjectDN); got != want {
			t.Errorf("key %s of another index: %v, want %v", k.Name, got, want)
		}
	}
}

// TestLookupUUIDInAnyCase checks that a binding GUID or a certificate's CN pasted in upper case, with spaces
// around, names its key, and that a UUID naming neither names nothing.
func TestLookupUUIDInAnyCase(t *testing.T) {
	t.Parallel()
	s := testSnapshot()
	s.Keys[5].Finding.Certificate.SubjectDN = `CN=ec9bcd22-956f-4b1e-9a4e-3d2c1b0a9f8e,OU=Subaccount,O=SAP SE,C=DE`
	f := &foundationState{Foundation: Foundation{Name: "eu10"}, idx: newIndex(s)}
	all := []*foundationState{f}
	for text, want := range map[string]string{
		" EC9BCD22-956F-4B1E-9A4E-3D2C1B0A9F8E ": s.Keys[5].Name,
		strings.ToUpper(s.Keys[2].GUID):          s.Keys[2].Name,
		s.Keys[3].GUID:                           s.Keys[3].Name,
		"99999999-0000-4000-8000-000000000000":   "",
	} {
		_, k := lookup(text, nil, all)
		got := ""
		if k != nil {
			got = k.Name
		}
		if got != want {
			t.Errorf("lookup(%q) = %q, want %q", text, got, want)
		}
	}
}
