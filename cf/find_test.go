package cf

import (
	"context"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/expiry"
)

func TestFindByGUID(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	k, _ := f.fake.Key("crm-sync-sender")
	before := f.fake.Requests()
	r, err := c.FindByGUID(context.Background(), strings.ToUpper(k.GUID))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.fake.Requests() - before; got != 3 {
		t.Errorf("requests = %d, want 3 (binding, instance, details)", got)
	}
	if r.Name != "crm-sync-sender" || r.Instance.Name != "cpi-orders-inbound" || r.Instance.SpaceName != "integration" || r.Instance.OrgName != "acme-prod" ||
		r.Instance.OfferingName != "it-rt" || r.Instance.PlanName != "integration-flow" || r.Finding.Kind != expiry.KindCertificate {
		t.Errorf("found %+v", r)
	}
	// A second lookup uses the details cache.
	before = f.fake.Requests()
	if _, err := c.FindByGUID(context.Background(), k.GUID); err != nil {
		t.Fatal(err)
	}
	if got := f.fake.Requests() - before; got != 2 {
		t.Errorf("cached lookup requests = %d, want 2", got)
	}
	if _, err := c.FindByGUID(context.Background(), "00000000-0000-4000-8000-000000000000"); !IsNotFound(err) {
		t.Errorf("unknown GUID: %v", err)
	}
	creating, _ := f.fake.Key("dev-sender-new")
	r, err = c.FindByGUID(context.Background(), creating.GUID)
	if err != nil || r.Finding.Reason != "no credentials yet: create in progress" {
		t.Errorf("key being created: %+v %v", r.Finding, err)
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	ctx := context.Background()
	k, _ := f.fake.Key("crm-sync-sender")
	found, err := c.Find(ctx, k.GUID, SweepOptions{})
	if err != nil || found.Swept || len(found.Keys) != 1 || found.Keys[0].Name != "crm-sync-sender" {
		t.Fatalf("by binding GUID: %+v %v", found, err)
	}
	// Its certificate's CN is a UUID too, but no binding's: a sweep finds the key by its subject.
	cn := expiry.CommonName(found.Keys[0].Finding.Certificate.SubjectDN)
	if !IsGUID(cn) {
		t.Fatalf("CN %q is no UUID", cn)
	}
	found, err = c.Find(ctx, cn, SweepOptions{})
	if err != nil || !found.Swept || len(found.Keys) != 1 || found.Keys[0].GUID != k.GUID {
		t.Errorf("by CN: %+v %v", found.Keys, err)
	}
	found, err = c.Find(ctx, "00000000-0000-4000-8000-000000000000", SweepOptions{})
	if err != nil || !found.Swept || len(found.Keys) != 0 {
		t.Errorf("unknown UUID: %+v %v", found, err)
	}
	found, err = c.Find(ctx, "crm-sync", SweepOptions{Orgs: []string{"acme-prod"}})
	if err != nil || !found.Swept || len(found.Keys) != 1 {
		t.Errorf("by name: %+v %v", found.Keys, err)
	}
}

func TestMatches(t *testing.T) {
	t.Parallel()
	k := KeyReport{GUID: "5f0e9c1a-1111-4222-8333-944455556666", Name: "crm-sync-sender",
		Instance: ServiceInstance{Name: "cpi-orders-inbound", SpaceName: "integration", OrgName: "acme-prod"},
		Finding: expiry.Finding{Kind: expiry.KindCertificate, Certificate: &expiry.Certificate{
			SubjectDN: "CN=abc,L=sap-uaa,OU=SAP Cloud Platform Clients,O=SAP SE,C=DE", IssuerDN: "CN=Demo Client CA,O=cffake,C=DE", Serial: "0x5A3C9E10F2"}}}
	tests := []struct {
		q         string
		cert, any bool
	}{
		{"crm-sync", true, true}, {"CRM-SYNC", true, true}, {"OU=SAP Cloud Platform", true, true}, {"demo client ca", true, true},
		{"0x5a3c9e", true, true}, {"5A:3C:9E:10:F2", true, true}, {"3c9e10", true, true},
		{"cpi-orders", false, true}, {"acme-prod", false, true}, {"5f0e9c1a-1111", false, true}, {"integration", false, true},
		{"nothing-like-it", false, false}, {"0x", false, false},
		// DNs as openssl and logs write them: matched attribute by attribute.
		{"C = DE, O = SAP SE, OU = SAP Cloud Platform Clients, L = sap-uaa, CN = abc", true, true},
		{"subject=C = DE, CN = ABC", true, true}, {"O = cffake, CN = Demo Client CA", true, true},
		{"C = US, CN = abc", false, false},
	}
	for _, tc := range tests {
		if got := k.MatchesCertificate(tc.q); got != tc.cert {
			t.Errorf("MatchesCertificate(%q) = %v, want %v", tc.q, got, tc.cert)
		}
		if got := k.Matches(tc.q); got != tc.any {
			t.Errorf("Matches(%q) = %v, want %v", tc.q, got, tc.any)
		}
	}
	none := KeyReport{Name: "legacy", Finding: expiry.Finding{Kind: expiry.KindNone}}
	if none.MatchesCertificate("CN=") {
		t.Error("a key without certificate matched a DN")
	}
	if !IsGUID("5F0E9C1A-1111-4222-8333-944455556666") || IsGUID("5f0e9c1a-1111") || IsGUID("crm") {
		t.Error("IsGUID")
	}
}

// TestIsGUIDShapes covers the shapes IsGUID must tell apart now that it is a loop, not a regular expression.
func TestIsGUIDShapes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"5f0e9c1a-1111-4222-8333-944455556666", true},
		{"  5F0E9C1A-1111-4222-8333-944455556666\n", true},
		{"5f0e9c1a-1111-4222-8333-94445555666", false},   // 35 characters
		{"5f0e9c1a-1111-4222-8333-9444555566667", false}, // 37
		{"5f0e9c1a11111-4222-8333-944455556666", false},  // hyphen missing
		{"5f0e9c1a-1111-4222-8333-94445555666g", false},  // not hexadecimal
		{"5f0e9c1a-1111-4222-8333-94445555666-", false},
		{"5f0e9c1a-1111-4222-8333-9444555566６", false}, // a full-width digit
		{"", false},
	} {
		if got := IsGUID(tc.in); got != tc.want {
			t.Errorf("IsGUID(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
