package expiry

import (
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/pki"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// credentialsOf returns the credentials object of a fixture, unwrapping a {"credentials": ...} envelope.
func credentialsOf(t testing.TB, name string) []byte {
	t.Helper()
	var env struct {
		Credentials json.RawMessage `json:"credentials"`
	}
	b := fixture(t, name)
	if err := json.Unmarshal(b, &env); err == nil && len(env.Credentials) > 0 {
		return env.Credentials
	}
	return b
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// chain builds a PEM chain: a root, an intermediate expiring at caUntil, and a leaf expiring at leafUntil.
type chain struct {
	leaf            *pki.Leaf
	leafPEM, keyPEM string
	caPEM, rootPEM  string
}

func buildChain(t testing.TB, leafDN string, leafUntil, caUntil time.Time) chain {
	t.Helper()
	start := mustTime(t, "2024-01-01T00:00:00Z")
	root, err := pki.NewRootCA("CN=Test Root CA,O=Example Test PKI,C=DE", start, start.AddDate(20, 0, 0), 1)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := root.NewIntermediate("CN=Test Client CA,OU=Fake Clients,O=Example Test PKI,L=test,C=DE", start, caUntil, 2)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue(leafDN, big.NewInt(0x5A3C9E10F2), start, leafUntil)
	if err != nil {
		t.Fatal(err)
	}
	return chain{leaf: leaf, leafPEM: leaf.CertPEM, keyPEM: leaf.KeyPEM, caPEM: ca.PEM, rootPEM: root.PEM}
}

func jsonOf(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const sapDN = "CN=8e9f0a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b,L=sap-uaa,OU=0f1e2d3c-aaaa-bbbb-cccc-1234567890ab,OU=SAP Cloud Platform Clients,O=SAP SE,C=DE"

func TestExtractFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file      string
		kind      Kind
		source    Source
		notAfter  string
		subject   string
		serial    string
		reasonHas string
		notBefore bool
		path      string
	}{
		{file: "pi_runtime_key_certificate.json", kind: KindCertificate, source: SourceCertificateDetails,
			notAfter: "2024-06-22T12:56:52Z", subject: "CN=xyz,L=sap-uaa,OU=uvw,OU=SAP Cloud Platform Clients,O=SAP SE,C=DE",
			serial: "0xABCD1234", path: "oauth.certificatedetails"},
		{file: "pi_runtime_key_external_certificate.json", kind: KindCertificate, source: SourceCertificateDetails,
			notAfter: "2025-01-10T23:59:59Z", subject: "CN=erp-prod-sender,O=Example Corp,L=Walldorf,C=DE", serial: "0x0A1B2C3D4E5F",
			path: "oauth.certificatedetails"},
		{file: "synthetic_details_pi_runtime_certificate_parseable.json", kind: KindCertificate, source: SourceCertificateDetails,
			notAfter: "2025-06-23T12:56:52Z", subject: sapDN, serial: "0x5A3C9E10F2", notBefore: true, path: "oauth.certificatedetails"},
		{file: "pi_runtime_key_clientsecret.json", kind: KindNone, reasonHas: "client id and secret"},
		{file: "xsuaa_key_binding_secret.json", kind: KindNone, reasonHas: "client id and secret"},
		{file: "xsuaa_key_x509.json", kind: KindUnknown, reasonHas: "the certificate in certificate is not valid PEM"},
		{file: "auditlog_key_x509.json", kind: KindUnknown, reasonHas: "field uaa.certificate holds no PEM certificate"},
		{file: "apim_key_x509.json", kind: KindUnknown, reasonHas: "field certificate holds no PEM certificate"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			f := Extract(credentialsOf(t, tc.file))
			if f.Kind != tc.kind {
				t.Fatalf("kind = %v (reason %q), want %v", f.Kind, f.Reason, tc.kind)
			}
			if tc.reasonHas != "" && !strings.Contains(f.Reason, tc.reasonHas) {
				t.Errorf("reason = %q, want it to contain %q", f.Reason, tc.reasonHas)
			}
			if tc.kind != KindCertificate {
				if f.Certificate != nil {
					t.Errorf("certificate = %+v, want nil", f.Certificate)
				}
				return
			}
			c := f.Certificate
			if c.Source != tc.source || !c.NotAfter.Equal(mustTime(t, tc.notAfter)) || c.SubjectDN != tc.subject || c.Serial != tc.serial || c.Path != tc.path {
				t.Errorf("certificate = %+v\nwant source %s, not after %s, subject %q, serial %s, path %s", c, tc.source, tc.notAfter, tc.subject, tc.serial, tc.path)
			}
			if tc.notBefore == c.NotBefore.IsZero() {
				t.Errorf("NotBefore = %v, want set: %v", c.NotBefore, tc.notBefore)
			}
		})
	}
}

// TestPEMMatchesCertificateDetails proves the PEM path renders DN, serial and expiry exactly as SAP's
// certificatedetails do: the synthetic fixture's details were computed from its own leaf.
func TestPEMMatchesCertificateDetails(t *testing.T) {
	t.Parallel()
	var creds map[string]map[string]any
	if err := json.Unmarshal(credentialsOf(t, "synthetic_details_pi_runtime_certificate_parseable.json"), &creds); err != nil {
		t.Fatal(err)
	}
	details := creds["oauth"]["certificatedetails"].(map[string]any)
	delete(creds["oauth"], "certificatedetails")
	f := Extract(jsonOf(t, creds))
	if f.Kind != KindCertificate || f.Certificate.Source != SourcePEM {
		t.Fatalf("finding = %+v, want a PEM certificate", f)
	}
	c := f.Certificate
	if c.SubjectDN != details["subjectdn"] {
		t.Errorf("subject DN = %q, want %q", c.SubjectDN, details["subjectdn"])
	}
	if c.IssuerDN != details["issuerdn"] {
		t.Errorf("issuer DN = %q, want %q", c.IssuerDN, details["issuerdn"])
	}
	if c.Serial != details["serialnumber"] {
		t.Errorf("serial = %q, want %q", c.Serial, details["serialnumber"])
	}
	if want := mustTime(t, details["validuntil"].(string)); !c.NotAfter.Equal(want) {
		t.Errorf("not after = %v, want %v", c.NotAfter, want)
	}
	if c.Path != "oauth.certificate" || c.ChainExpiresFirst {
		t.Errorf("path = %q, chain expires first = %v", c.Path, c.ChainExpiresFirst)
	}
}

func TestExtractGenerated(t *testing.T) {
	t.Parallel()
	leafUntil := mustTime(t, "2027-03-01T10:00:00Z")
	ok := buildChain(t, sapDN, leafUntil, mustTime(t, "2030-01-01T00:00:00Z"))
	caFirst := buildChain(t, "CN=sender,O=Acme,C=DE", leafUntil, mustTime(t, "2026-12-24T00:00:00Z"))
	fullChain := ok.leafPEM + ok.caPEM + ok.rootPEM

	tests := []struct {
		name       string
		creds      any
		kind       Kind
		path       string
		notAfter   time.Time
		chainFirst time.Time
		reasonHas  string
	}{
		{name: "xsuaa x509 leaf chain at top level",
			creds: map[string]any{"credential-type": "x509", "certificate": fullChain, "key": ok.keyPEM, "clientid": "sb-x"},
			kind:  KindCertificate, path: "certificate", notAfter: leafUntil},
		{name: "audit log nested uaa.certificate",
			creds: map[string]any{"uaa": map[string]any{"certificate": fullChain, "key": ok.keyPEM}, "url": "https://x"},
			kind:  KindCertificate, path: "uaa.certificate", notAfter: leafUntil},
		{name: "chain given CA first still picks the leaf",
			creds: map[string]any{"certificate": ok.rootPEM + ok.caPEM + ok.leafPEM},
			kind:  KindCertificate, path: "certificate", notAfter: leafUntil},
		{name: "camelCase fields",
			creds: map[string]any{"clientId": "x", "certificate": ok.leafPEM, "privateKey": ok.keyPEM},
			kind:  KindCertificate, path: "certificate", notAfter: leafUntil},
		{name: "certificate inside an array",
			creds: map[string]any{"clients": []any{map[string]any{"cert": ok.leafPEM}}},
			kind:  KindCertificate, path: "clients[0].cert", notAfter: leafUntil},
		{name: "intermediate expiring before the leaf is flagged",
			creds: map[string]any{"certificate": caFirst.leafPEM + caFirst.caPEM + caFirst.rootPEM},
			kind:  KindCertificate, path: "certificate", notAfter: leafUntil, chainFirst: mustTime(t, "2026-12-24T00:00:00Z")},
		{name: "certificatedetails wins and the PEM chain still flags the CA",
			creds: map[string]any{"oauth": map[string]any{"certificate": caFirst.leafPEM + caFirst.caPEM, "certificatedetails": map[string]any{
				"subjectdn": "CN=sender,O=Acme,C=DE", "validuntil": "2027-03-01T10:00:00.000Z", "serialnumber": "0x5a3c9e10f2", "issuerdn": "CN=x"}}},
			kind: KindCertificate, path: "oauth.certificatedetails", notAfter: leafUntil, chainFirst: mustTime(t, "2026-12-24T00:00:00Z")},
		{name: "camelCase certificateDetails is recognised",
			creds: map[string]any{"certificateDetails": map[string]any{"validUntil": "2026-01-02T03:04:05Z"}},
			kind:  KindCertificate, path: "certificateDetails", notAfter: mustTime(t, "2026-01-02T03:04:05Z")},
		{name: "earliest certificatedetails wins",
			creds: map[string]any{"a": map[string]any{"certificatedetails": map[string]any{"validuntil": "2028-01-01T00:00:00Z"}},
				"b": map[string]any{"certificatedetails": map[string]any{"validuntil": "2027-01-01T00:00:00Z"}}},
			kind: KindCertificate, path: "b.certificatedetails", notAfter: mustTime(t, "2027-01-01T00:00:00Z")},
		{name: "malformed validuntil falls back to the PEM",
			creds: map[string]any{"certificate": ok.leafPEM, "certificatedetails": map[string]any{"validuntil": "next tuesday"}},
			kind:  KindCertificate, path: "certificate", notAfter: leafUntil},
		{name: "malformed validuntil without PEM is unknown",
			creds: map[string]any{"oauth": map[string]any{"certificatedetails": map[string]any{"validuntil": "next tuesday"}}},
			kind:  KindUnknown, reasonHas: "oauth.certificatedetails.validuntil: not a timestamp"},
		{name: "missing validuntil is unknown",
			creds: map[string]any{"certificatedetails": map[string]any{"subjectdn": "CN=x"}},
			kind:  KindUnknown, reasonHas: "certificatedetails.validuntil: missing"},
		{name: "doubly escaped newlines are read",
			creds: map[string]any{"certificate": strings.ReplaceAll(ok.leafPEM, "\n", `\n`)},
			kind:  KindCertificate, path: "certificate", notAfter: leafUntil},
		{name: "broken base64 in a PEM block is unknown",
			creds: map[string]any{"certificate": "-----BEGIN CERTIFICATE-----\nMIIB!!notbase64\n-----END CERTIFICATE-----\n"},
			kind:  KindUnknown, reasonHas: "the certificate in certificate is not valid PEM"},
		{name: "valid PEM holding garbage DER is unknown",
			creds: map[string]any{"certificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"},
			kind:  KindUnknown, reasonHas: "the certificate in certificate cannot be parsed: x509:"},
		{name: "one broken and one good chain: the good one counts",
			creds: map[string]any{"a": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "b": ok.leafPEM},
			kind:  KindCertificate, path: "b", notAfter: leafUntil},
		{name: "x509 key with hidden certificate is unknown",
			creds: map[string]any{"credential-type": "x509", "clientid": "sb-x", "certurl": "https://x"},
			kind:  KindUnknown, reasonHas: "x509 key but its credentials hold no certificate"},
		{name: "private key alone is not a certificate",
			creds: map[string]any{"key": ok.keyPEM},
			kind:  KindNone},
		{name: "empty object", creds: map[string]any{}, kind: KindNone},
		{name: "certificate-pinning flag is not a certificate",
			creds: map[string]any{"certificate-pinning": true, "clientsecret": "s"},
			kind:  KindNone, reasonHas: "client id and secret"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := Extract(jsonOf(t, tc.creds))
			if f.Kind != tc.kind {
				t.Fatalf("kind = %v (reason %q), want %v", f.Kind, f.Reason, tc.kind)
			}
			if tc.reasonHas != "" && !strings.Contains(f.Reason, tc.reasonHas) {
				t.Errorf("reason = %q, want it to contain %q", f.Reason, tc.reasonHas)
			}
			if tc.kind != KindCertificate {
				return
			}
			c := f.Certificate
			if c.Path != tc.path || !c.NotAfter.Equal(tc.notAfter) {
				t.Errorf("path %q not after %v, want %q %v", c.Path, c.NotAfter, tc.path, tc.notAfter)
			}
			if c.ChainExpiresFirst != !tc.chainFirst.IsZero() || !c.ChainNotAfter.Equal(tc.chainFirst) {
				t.Errorf("chain expires first = %v at %v, want %v", c.ChainExpiresFirst, c.ChainNotAfter, tc.chainFirst)
			}
			if c.ChainExpiresFirst && c.ChainSubjectDN != "CN=Test Client CA,OU=Fake Clients,O=Example Test PKI,L=test,C=DE" {
				t.Errorf("chain subject = %q", c.ChainSubjectDN)
			}
		})
	}
}

func TestExtractInvalidJSON(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`{"oauth":`, `not json`, `{"a":1} {"b":2}`} {
		if f := Extract([]byte(in)); f.Kind != KindUnknown || f.Reason != "the credentials are not valid JSON" {
			t.Errorf("Extract(%q) = %+v, want unknown: not valid JSON", in, f)
		}
	}
	for _, in := range []string{``, `null`, ` `} {
		if f := Extract([]byte(in)); f.Kind != KindNone {
			t.Errorf("Extract(%q) = %+v, want none", in, f)
		}
	}
}

func TestExtractDeepNesting(t *testing.T) {
	t.Parallel()
	in := strings.Repeat(`{"a":`, 200) + `"x"` + strings.Repeat(`}`, 200)
	if f := Extract([]byte(in)); f.Kind != KindUnknown || !strings.Contains(f.Reason, "nest deeper") {
		t.Errorf("finding = %+v, want unknown for deep nesting", f)
	}
}

// TestFindingHoldsNoSecret proves a finding never carries key material or secrets, whatever the credentials.
func TestFindingHoldsNoSecret(t *testing.T) {
	t.Parallel()
	c := buildChain(t, "CN=x", mustTime(t, "2027-01-01T00:00:00Z"), mustTime(t, "2030-01-01T00:00:00Z"))
	secret := "s3cr3t-client-secret-value"
	inputs := [][]byte{
		jsonOf(t, map[string]any{"certificate": c.leafPEM, "key": c.keyPEM, "clientsecret": secret}),
		jsonOf(t, map[string]any{"certificate": "garbage " + secret, "key": c.keyPEM}),
		jsonOf(t, map[string]any{"certificate": "-----BEGIN CERTIFICATE-----\n" + secret + "\n-----END CERTIFICATE-----", "clientsecret": secret}),
		jsonOf(t, map[string]any{"certificatedetails": map[string]any{"validuntil": secret}, "clientsecret": secret}),
	}
	for _, in := range inputs {
		f := Extract(in)
		dump := fmt.Sprintf("%+v %+v", f, f.Certificate)
		for _, bad := range []string{secret, "PRIVATE KEY", c.keyPEM[40:80]} {
			if strings.Contains(dump, bad) {
				t.Errorf("finding %s holds %q", dump, bad)
			}
		}
	}
}

func FuzzExtract(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			f.Add(fixture(f, e.Name()))
		}
	}
	f.Add([]byte(`{"certificatedetails":{"validuntil":"2025-01-01T00:00:00Z"}}`))
	f.Add([]byte(`{"certificate":"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}`))
	f.Add([]byte(`[{"cert":"-----BEGIN CERTIFICATE-----"}]`))
	f.Fuzz(func(t *testing.T, in []byte) {
		fd := Extract(in)
		switch fd.Kind {
		case KindCertificate:
			if fd.Certificate == nil || fd.Certificate.NotAfter.IsZero() {
				t.Fatalf("certificate finding without a certificate or expiry: %+v", fd)
			}
		case KindNone, KindUnknown:
			if fd.Certificate != nil {
				t.Fatalf("%v finding with a certificate: %+v", fd.Kind, fd)
			}
			if fd.Kind == KindUnknown && fd.Reason == "" {
				t.Fatalf("unknown finding without a reason")
			}
		default:
			t.Fatalf("kind %v", fd.Kind)
		}
		if strings.Contains(fd.Reason, "-----BEGIN") {
			t.Fatalf("reason quotes PEM: %q", fd.Reason)
		}
	})
}

// TestDetailsAndPEMDisagree holds issue 8 item 5: a stale certificatedetails never hides a certificate that
// expires sooner, and the key says why.
func TestDetailsAndPEMDisagree(t *testing.T) {
	t.Parallel()
	pemUntil := mustTime(t, "2026-12-04T10:00:00Z")
	c := buildChain(t, sapDN, pemUntil, mustTime(t, "2030-06-01T00:00:00Z"))
	now := mustTime(t, "2026-12-02T09:00:00Z")
	tests := []struct {
		name, validUntil string
		notAfter         time.Time
		source           Source
		path, note       string
		status           Status
		days             int
	}{
		{name: "stale details, the certificate expires first", validUntil: "2030-01-01T00:00:00.000Z",
			notAfter: pemUntil, source: SourcePEM, path: "oauth.certificate", status: StatusCritical, days: 2,
			note: "certificatedetails says 2030-01-01, the certificate itself expires 2026-12-04"},
		{name: "details earlier than the certificate", validUntil: "2026-12-03T00:00:00Z",
			notAfter: mustTime(t, "2026-12-03T00:00:00Z"), source: SourceCertificateDetails, path: "oauth.certificatedetails", status: StatusCritical, days: 0,
			note: "certificatedetails says 2026-12-03, the certificate itself expires 2026-12-04"},
		{name: "same day, other hour", validUntil: "2026-12-04T16:00:00Z",
			notAfter: pemUntil, source: SourcePEM, path: "oauth.certificate", status: StatusCritical, days: 2,
			note: "certificatedetails says 2026-12-04 16:00:00 UTC, the certificate itself expires 2026-12-04 10:00:00 UTC"},
		{name: "agreeing to the millisecond", validUntil: "2026-12-04T10:00:00.400Z",
			notAfter: mustTime(t, "2026-12-04T10:00:00.400Z"), source: SourceCertificateDetails, path: "oauth.certificatedetails", status: StatusCritical, days: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := Extract(jsonOf(t, map[string]any{"oauth": map[string]any{"certificate": c.leafPEM + c.caPEM, "key": c.keyPEM,
				"certificatedetails": map[string]any{"subjectdn": sapDN, "validuntil": tc.validUntil, "serialnumber": "0x1"}}}))
			if f.Kind != KindCertificate {
				t.Fatalf("kind %v (%s)", f.Kind, f.Reason)
			}
			got := f.Certificate
			if !got.NotAfter.Equal(tc.notAfter) || got.Source != tc.source || got.Path != tc.path {
				t.Errorf("not after %v from %s at %s, want %v from %s at %s", got.NotAfter, got.Source, got.Path, tc.notAfter, tc.source, tc.path)
			}
			if got.Disagreement != tc.note || f.Reason != tc.note {
				t.Errorf("disagreement %q, reason %q, want %q", got.Disagreement, f.Reason, tc.note)
			}
			if st, days, _ := Classify(f, now, DefaultThresholds); st != tc.status || days != tc.days {
				t.Errorf("classified %v, %d days; want %v, %d days", st, days, tc.status, tc.days)
			}
		})
	}
}

func TestFoldName(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"certificatedetails", "certificateDetails", "certificate_details", "Certificate-Details", "certificate.details"} {
		if got := FoldName(in); got != "certificatedetails" {
			t.Errorf("FoldName(%q) = %q", in, got)
		}
	}
}
