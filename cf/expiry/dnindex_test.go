package expiry

import (
	"slices"
	"testing"
)

// TestDNIndexCandidates checks that the index never loses a match: every DN a query matches (MatchParsed) or
// is the same as (Same) is among its candidates, which come ascending and each once, and that a value held by
// few DNs narrows the candidates to those.
func TestDNIndexCandidates(t *testing.T) {
	t.Parallel()
	dns := []string{
		`CN=ec9bcd22-956f-4a8e-9c55-1b2a3c4d5e6f,L=sap-uaa,OU=SAP Cloud Platform Clients,O=SAP SE,C=DE`,
		`CN=orders,O=Acme\, Inc.,C=US`,
		`CN=M\C3\BCller,O=Demo Corp,C=DE`,
		`CN=a+UID=b,O=x`,
		"CN=\u212Aelvin,O=x",
		`CN=x,OU=u1,OU=u2,OU=u3,OU=u4,OU=u5,OU=u6,OU=u7,OU=u8,OU=u9,OU=u10,OU=u11,OU=u12,OU=u13,OU=u14,OU=u15,OU=u16,OU=u17,C=DE`,
		"not a dn",
		`CN=Demo CA,O=Demo Corp,C=DE`,
		`CN=de,O=de,C=DE`,
	}
	x := NewDNIndex()
	parsed := make([]ParsedDN, len(dns))
	for i, dn := range dns {
		parsed[i], _ = ParseDN(dn)
		x.Add(i, parsed[i])
		x.Add(i, parsed[i]) // a key's subject and issuer under one id
	}
	queries := []string{
		"C = DE, O = SAP SE, OU = SAP Cloud Platform Clients, L = sap-uaa, CN = ec9bcd22-956f-4a8e-9c55-1b2a3c4d5e6f",
		"EC9BCD22-956F-4A8E-9C55-1B2A3C4D5E6F", `C = US, O = "Acme, Inc.", CN = orders`, "CN=Müller, C=DE", "UID=b, CN=a",
		"CN=kelvin", "OU=u17, OU=u3", "C=DE", "de", "O = Demo Corp", "CN=ec9bcd22", "C = US, O = SAP SE", "sap", "  ",
		"CN=", "subject=C = DE, O = Demo Corp, CN = Demo CA",
	}
	for _, query := range queries {
		q := NewDNQuery(query)
		got := q.Candidates(x)
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Errorf("Candidates(%q) = %v, not ascending and each once", query, got)
		}
		for i, dn := range parsed {
			if (q.MatchParsed(dn) || q.Same(dn)) && !slices.Contains(got, int32(i)) {
				t.Errorf("Candidates(%q) = %v lacks %d (%q), which it matches", query, got, i, dns[i])
			}
		}
	}
	for query, want := range map[string][]int32{
		"CN = orders, C = US":                  {1},
		"O=Demo Corp, C=DE":                    {2, 7},
		"ec9bcd22-956f-4a8e-9c55-1b2a3c4d5e6f": {0},
		"C = FR, O = SAP SE":                   nil, // no DN holds FR
		"nobody":                               nil,
	} {
		if got := NewDNQuery(query).Candidates(x); !slices.Equal(got, want) {
			t.Errorf("Candidates(%q) = %v, want %v", query, got, want)
		}
	}
	if got := NewDNQuery("C=DE").Candidates(nil); got != nil {
		t.Errorf("Candidates of no index = %v, want none", got)
	}
}
