package expiry

import (
	"encoding/asn1"
	"fmt"
	"testing"
)

func TestMatchDN(t *testing.T) {
	t.Parallel()
	const (
		sap    = `CN=ec9bcd22-956f-4a8e-9c55-1b2a3c4d5e6f,L=sap-uaa,OU=8e1f3c2a-1111-4222-8333-944455556666,OU=SAP Cloud Platform Clients,O=SAP SE,C=DE`
		acme   = `CN=orders,O=Acme\, Inc.,C=US`
		umlaut = `CN=Müller,O=Demo Corp,C=DE`
		multi  = `CN=a+UID=b,O=x`
		// long has more attributes than are ticked off in place (containsAttributes).
		long = `CN=x,OU=u1,OU=u2,OU=u3,OU=u4,OU=u5,OU=u6,OU=u7,OU=u8,OU=u9,OU=u10,OU=u11,OU=u12,OU=u13,OU=u14,OU=u15,OU=u16,OU=u17,C=DE`
	)
	tests := []struct {
		name, query, dn string
		want            bool
	}{
		{"the DN as written", sap, sap, true},
		{"openssl's one-line format, reversed, spaces", "C = DE, O = SAP SE, OU = SAP Cloud Platform Clients, OU = 8e1f3c2a-1111-4222-8333-944455556666, L = sap-uaa, CN = ec9bcd22-956f-4a8e-9c55-1b2a3c4d5e6f", sap, true},
		{"openssl -subject", "subject=C = DE, O = SAP SE, OU = SAP Cloud Platform Clients, OU = 8e1f3c2a-1111-4222-8333-944455556666, L = sap-uaa, CN = ec9bcd22-956f-4a8e-9c55-1b2a3c4d5e6f", sap, true},
		{"openssl -text", "Subject: C=DE, O=SAP SE, OU=SAP Cloud Platform Clients, OU=8e1f3c2a-1111-4222-8333-944455556666, L=sap-uaa, CN=ec9bcd22-956f-4a8e-9c55-1b2a3c4d5e6f", sap, true},
		{"old openssl slash form", "/C=DE/O=SAP SE/OU=SAP Cloud Platform Clients/OU=8e1f3c2a-1111-4222-8333-944455556666/L=sap-uaa/CN=ec9bcd22-956f-4a8e-9c55-1b2a3c4d5e6f", sap, true},
		{"types and values in any case", "cn=EC9BCD22-956F-4A8E-9C55-1B2A3C4D5E6F, o=sap se", sap, true},
		{"long type names", "commonName=ec9bcd22-956f-4a8e-9c55-1b2a3c4d5e6f, organizationName=SAP SE, countryName=DE", sap, true},
		{"OIDs", "2.5.4.3=ec9bcd22-956f-4a8e-9c55-1b2a3c4d5e6f, OID.2.5.4.10=SAP SE", sap, true},
		{"semicolons and stray spaces", "  O =  SAP   SE  ;  C = DE ", sap, true},
		{"one attribute finds the whole DN", "OU=SAP Cloud Platform Clients", sap, true},
		{"a CN copied from a log", "ec9bcd22-956f-4a8e-9c55-1b2a3c4d5e6f", sap, true},
		{"a CN copied in upper case", " EC9BCD22-956F-4A8E-9C55-1B2A3C4D5E6F ", sap, true},
		{"a bare value equal to another attribute", "sap se", sap, true},
		{"a quoted value with a comma", `C = US, O = "Acme, Inc.", CN = orders`, acme, true},
		{"an escaped comma", `O=Acme\, Inc.`, acme, true},
		{"hex-escaped UTF-8 against UTF-8", `CN=M\C3\BCller, C=DE`, umlaut, true},
		{"UTF-8 against hex-escaped UTF-8", "CN=Müller", `CN=M\C3\BCller,O=Demo Corp,C=DE`, true},
		{"a multi-valued RDN in another order", "UID=b, CN=a, O=x", multi, true},
		{"an escaped plain character", "ab-cd", `CN=ab\2Dcd,O=x`, true},
		{"a character whose lower case is ASCII", "CN=kelvin", "CN=\u212Aelvin,O=x", true},
		{"a plain value in another case", "O=demo corp, c=de", "CN=x,O=DEMO CORP,C=DE", true},

		{"a CN prefix is no match", "CN=ec9bcd22", sap, false},
		{"a partial UUID is no match", "ec9bcd22-956f", sap, false},
		{"an attribute the DN lacks", "C = US, O = SAP SE", sap, false},
		{"a value of another type", "CN=SAP SE", sap, false},
		{"an attribute twice where the DN has it once", "OU=SAP Cloud Platform Clients, OU=SAP Cloud Platform Clients", sap, false},
		{"an unknown type reads as a bare value", "foo=SAP SE", sap, false},
		{"a word of a value", "SAP", sap, false},
		{"the comma inside quotes does not split", `O = "Acme, Inc."`, `CN=orders,O=Acme,C=US`, false},
		{"an empty query", "  ", sap, false},
		{"an empty DN", "CN=x", "", false},
		{"a DN that is no DN", "x", "not a dn", false},
		{"a long DN", "OU=u17, OU=u3", long, true},
		{"a long DN lacks an attribute", "OU=u18", long, false},
		{"a long DN has an attribute once", "OU=u17, OU=u17", long, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := MatchDN(tc.query, tc.dn); got != tc.want {
				t.Errorf("MatchDN(%q, %q) = %v, want %v", tc.query, tc.dn, got, tc.want)
			}
			parsed, ok := ParseDN(tc.dn)
			if got := ok && NewDNQuery(tc.query).MatchParsed(parsed); got != tc.want {
				t.Errorf("MatchParsed(%q, ParseDN(%q)) = %v, want %v", tc.query, tc.dn, got, tc.want)
			}
		})
	}
}

func TestSameDN(t *testing.T) {
	t.Parallel()
	const sap = `CN=ec9bcd22-956f-4a8e-9c55-1b2a3c4d5e6f,OU=SAP Cloud Platform Clients,O=SAP SE,C=DE`
	tests := []struct {
		name, a, b string
		want       bool
	}{
		{"itself", sap, sap, true},
		{"openssl's spelling", "subject=C = DE, O = SAP SE, OU = SAP Cloud Platform Clients, CN = EC9BCD22-956F-4A8E-9C55-1B2A3C4D5E6F", sap, true},
		{"the slash form", "/C=DE/O=SAP SE/OU=SAP Cloud Platform Clients/CN=ec9bcd22-956f-4a8e-9c55-1b2a3c4d5e6f", sap, true},
		{"a part is not the same", "C = DE, O = SAP SE", sap, false},
		{"one attribute more", sap + ",L=sap-uaa", sap, false},
		{"an attribute twice", sap + ",C=DE", sap, false},
		{"a bare value", "ec9bcd22-956f-4a8e-9c55-1b2a3c4d5e6f", sap, false},
		{"no DN on the other side", sap, "", false},
		{"an escaped comma, reversed, spaced", `CN=x,O=Acme\, Inc,C=DE`, `C = DE, O = Acme\, Inc, CN = x`, true},
		{"semicolons, lower case", `CN=x,O=Acme\, Inc,C=DE`, `c=de;cn=x;o=acme\, inc`, true},
		{"a long DN reversed", "CN=a,OU=1,OU=2,OU=3,OU=4,OU=5,OU=6,OU=7,OU=8,OU=9,OU=10,OU=11,OU=12,OU=13,OU=14,OU=15,OU=16,C=DE",
			"C=DE,OU=16,OU=15,OU=14,OU=13,OU=12,OU=11,OU=10,OU=9,OU=8,OU=7,OU=6,OU=5,OU=4,OU=3,OU=2,OU=1,CN=a", true},
		{"a long DN with one attribute another", "CN=a,OU=1,OU=2,OU=3,OU=4,OU=5,OU=6,OU=7,OU=8,OU=9,OU=10,OU=11,OU=12,OU=13,OU=14,OU=15,OU=16,C=DE",
			"C=DE,OU=16,OU=15,OU=14,OU=13,OU=12,OU=11,OU=10,OU=9,OU=8,OU=7,OU=6,OU=5,OU=4,OU=3,OU=2,OU=2,CN=a", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := SameDN(tc.a, tc.b); got != tc.want {
				t.Errorf("SameDN(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
			if got := SameDN(tc.b, tc.a); got != tc.want {
				t.Errorf("SameDN(%q, %q) = %v, want %v (not symmetric)", tc.b, tc.a, got, tc.want)
			}
		})
	}
}

// TestMatchDNOfARenderedCertificate checks the DN as DN renders it from a certificate is found by openssl's
// spelling of the same name.
func TestMatchDNOfARenderedCertificate(t *testing.T) {
	t.Parallel()
	raw := rawName(t, rdn(oidC, str(asn1.TagPrintableString, "DE")), rdn(oidO, utf8Str("Demo Corp")),
		rdn(oidOU, utf8Str("Demo Cloud Platform Clients")), rdn(oidCN, utf8Str("5e4a1c3b-2f0d-4c8e-9a7b-6d5c4b3a2f1e")))
	dn := DN(raw)
	if dn == "" {
		t.Fatal("no DN")
	}
	if !MatchDN("C = DE, O = Demo Corp, OU = Demo Cloud Platform Clients, CN = 5e4a1c3b-2f0d-4c8e-9a7b-6d5c4b3a2f1e", dn) {
		t.Errorf("openssl's spelling does not find %q", dn)
	}
}

// BenchmarkDNQuery filters 10,000 SAP-like subject DNs by a CN copied from a log and by a DN in openssl's
// spelling, as a filter keystroke over all keys does.
func BenchmarkDNQuery(b *testing.B) {
	dns := make([]string, 10000)
	for i := range dns {
		dns[i] = fmt.Sprintf("CN=%08x-956f-4a8e-9c55-1b2a3c4d5e6f,L=sap-uaa,OU=8e1f3c2a-1111-4222-8333-944455556666,OU=SAP Cloud Platform Clients,O=SAP SE,C=DE", uint32(i)*2654435761)
	}
	cn := dns[1234][3:39]
	for name, query := range map[string]string{
		"cn":      cn,
		"openssl": "C = DE, O = SAP SE, OU = SAP Cloud Platform Clients, CN = " + cn,
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				q, n := NewDNQuery(query), 0
				for _, dn := range dns {
					if q.Match(dn) {
						n++
					}
				}
				if n != 1 {
					b.Fatalf("%d matches", n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(dns)), "ns/dn")
		})
	}
}
