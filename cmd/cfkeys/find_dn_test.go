package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/expiry"
)

// TestFindByCertificateNames finds keys by what admins copy from logs and openssl: the CN (a UUID at SAP, which
// is no binding GUID) and the subject DN in openssl's order and spacing.
func TestFindByCertificateNames(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	env := f.adminEnv()
	crm, _ := f.fake.Key("crm-sync-sender")
	stdout, _, code := run(t, env, "find", crm.GUID, "--api", f.url, "--output", "json")
	var doc struct {
		Keys []struct {
			Name        string
			Certificate struct {
				SubjectDN string `json:"subject_dn"`
			}
		}
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &doc) != nil || len(doc.Keys) != 1 {
		t.Fatalf("find by GUID: exit %d %s", code, stdout)
	}
	subject := doc.Keys[0].Certificate.SubjectDN
	cn := expiry.CommonName(subject)
	if !strings.HasPrefix(subject, "CN="+cn+",") || !cf.IsGUID(cn) {
		t.Fatalf("the demo's CNs are UUIDs like SAP's: %q", subject)
	}
	// openssl x509 -noout -subject: the RDNs reversed, spaces around '=' and after ','.
	parts := strings.Split(subject, ",")
	slices.Reverse(parts)
	openssl := "subject=" + strings.ReplaceAll(strings.Join(parts, ", "), "=", " = ")

	names := func(args ...string) []string {
		t.Helper()
		stdout, stderr, code := run(t, env, append([]string{"find", "--api", f.url, "--output", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("find %q: exit %d %s", args, code, stderr)
		}
		var doc struct{ Keys []struct{ Name string } }
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range doc.Keys {
			out = append(out, k.Name)
		}
		return out
	}
	for name, query := range map[string]string{
		"the CN, a UUID no binding has": cn,
		"the CN in upper case":          strings.ToUpper(cn),
		"the DN as openssl prints it":   openssl,
		"two attributes in reverse":     "C = DE, CN = " + cn,
	} {
		if got := names(query); !slices.Equal(got, []string{"crm-sync-sender"}) {
			t.Errorf("%s (%q): found %q", name, query, got)
		}
	}

	// Table output says what was found; a UUID neither a binding nor a name says both were looked for.
	stdout, stderr, code := run(t, env, "find", cn, "--api", f.url)
	if code != 0 || stderr != "" || !strings.Contains(stdout, "crm-sync-sender\n") || !strings.Contains(stdout, "binding guid   "+crm.GUID) {
		t.Errorf("find by CN: exit %d %s %s", code, stdout, stderr)
	}
	_, stderr, code = run(t, env, "find", "00000000-0000-4000-8000-000000000000", "--api", f.url)
	if code != 1 || !strings.Contains(stderr, "no service key or binding with GUID 00000000-0000-4000-8000-000000000000 is visible to this user, nor a certificate") {
		t.Errorf("unknown GUID: exit %d %q", code, stderr)
	}
}
