package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// hostileFoundation serves the demo foundation on the test clock behind a hostile front, and a witness on another
// origin (the same host, another port) that an attack redirects to.
func hostileFoundation(t *testing.T) (*testFoundation, *cffake.Hostile, *cffake.Witness, string) {
	t.Helper()
	fake, err := cffake.New(cffake.Options{Clock: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	h := cffake.NewHostile(fake)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	w := &cffake.Witness{}
	other := httptest.NewServer(w)
	t.Cleanup(other.Close)
	return &testFoundation{fake: fake, url: srv.URL}, h, w, other.URL
}

// TestScanRedirectedListingFails redirects the service-key listing to another origin that answers an empty page:
// the scan fails (exit 3, cfkeys_scan_success 0) instead of reporting zero keys, and the other origin receives
// nothing.
func TestScanRedirectedListingFails(t *testing.T) {
	t.Parallel()
	f, h, witness, other := hostileFoundation(t)
	h.Add(cffake.Attack{Method: "GET", Path: "/v3/service_credential_bindings", Answer: cffake.Redirect(http.StatusFound, other)})
	out, _, code := run(t, f.adminEnv(), "scan", "--api", f.url, "--output", "prometheus")
	if code != 3 || !regexp.MustCompile(`(?m)^cfkeys_scan_success\{[^}]*\} 0$`).MatchString(out) {
		t.Errorf("exit %d, output:\n%s\nwant exit 3 and cfkeys_scan_success 0", code, out)
	}
	if got := witness.Requests(); len(got) != 0 {
		t.Errorf("the other origin received %+v", got)
	}
}

// TestScanRedirectedDetailsIsOneError redirects one key's /details to another origin: that key is listed under
// errors, every other key is reported, and the other origin receives no token.
func TestScanRedirectedDetailsIsOneError(t *testing.T) {
	t.Parallel()
	f, h, witness, other := hostileFoundation(t)
	k, _ := f.fake.Key("orders-app-x509")
	h.Add(cffake.Attack{Path: "/v3/service_credential_bindings/" + k.GUID + "/details", Answer: cffake.Redirect(http.StatusTemporaryRedirect, other)})
	out, _, code := run(t, f.adminEnv(), "scan", "--api", f.url, "--output", "json")
	var r struct {
		Keys   []json.RawMessage `json:"keys"`
		Errors []struct {
			GUID    string `json:"guid"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("exit %d, output not JSON: %v\n%s", code, err, out)
	}
	if code != 2 || len(r.Errors) != 1 || r.Errors[0].GUID != k.GUID || !strings.Contains(r.Errors[0].Message, "redirected to "+other) || len(r.Keys) < 10 {
		t.Errorf("exit %d, %d keys, errors %+v; want exit 2 (critical keys present), the redirected key as the one error", code, len(r.Keys), r.Errors)
	}
	if got := witness.Requests(); len(got) != 0 {
		t.Errorf("the other origin received %+v", got)
	}
}
