package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/profile"
)

const detailsRoute = "GET /v3/service_credential_bindings/{guid}/details"

// cost runs cfkeys and returns what the run cost the foundation: requests in all, and /details requests.
func (f *testFoundation) cost(t *testing.T, runF func()) (requests, details int64) {
	t.Helper()
	r, d := f.fake.Requests(), f.fake.RouteRequests(detailsRoute)
	runF()
	return f.fake.Requests() - r, f.fake.RouteRequests(detailsRoute) - d
}

// A scan in a new process of a foundation where no key is new costs 4 requests in --api mode (discovery,
// token, the two listings) and reads no credentials; --no-cache reads them all and leaves the cache alone;
// cache show and cache clear say where it is and empty it.
func TestScanWarmCacheAPI(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	env := f.adminEnv()
	env["CFKEYS_CACHE_DIR"] = t.TempDir()
	var cold, warm string
	if req, det := f.cost(t, func() { cold, _, _ = run(t, env, "scan", "--api", f.url, "-o", "json") }); det != 22 || req != 4+22 {
		t.Errorf("cold scan: %d requests, %d credential reads", req, det)
	}
	if req, det := f.cost(t, func() { warm, _, _ = run(t, env, "scan", "--api", f.url, "-o", "json") }); det != 0 || req != 4 {
		t.Errorf("warm scan: %d requests, %d credential reads; want 4 and 0", req, det)
	}
	if warm != cold || !strings.Contains(warm, "crm-sync-sender") {
		t.Errorf("the warm scan reports differently:\n%s\nthe cold one:\n%s", warm, cold)
	}
	if _, det := f.cost(t, func() { run(t, env, "find", "crm-sync", "--api", f.url) }); det != 0 {
		t.Errorf("find after a scan read %d credentials", det)
	}

	files, _ := filepath.Glob(filepath.Join(env["CFKEYS_CACHE_DIR"], "*"))
	if len(files) != 1 {
		t.Fatalf("cache files: %v", files)
	}
	before, _ := os.ReadFile(files[0])
	if _, det := f.cost(t, func() { run(t, env, "scan", "--api", f.url, "--no-cache") }); det != 22 {
		t.Errorf("--no-cache read %d credentials, want 22", det)
	}
	if after, _ := os.ReadFile(files[0]); string(after) != string(before) {
		t.Error("--no-cache changed the cache")
	}

	out, stderr, code := run(t, env, "cache", "show")
	for _, want := range []string{"findings cache: " + env["CFKEYS_CACHE_DIR"] + "\n", f.url, "user:", "  22    17  ", "  just now  "} {
		if code != 0 || stderr != "" || !strings.Contains(out, want) {
			t.Errorf("cache show lacks %q (exit %d %s):\n%s", want, code, stderr, out)
		}
	}
	out, _, code = run(t, env, "cache", "clear")
	if code != 0 || out != "removed 1 findings file from "+env["CFKEYS_CACHE_DIR"]+"\n" {
		t.Errorf("cache clear: exit %d %q", code, out)
	}
	if out, _, _ := run(t, env, "cache", "show"); !strings.Contains(out, "empty") {
		t.Errorf("cache show after clear:\n%s", out)
	}
	if _, det := f.cost(t, func() { run(t, env, "scan", "--api", f.url) }); det != 22 {
		t.Errorf("scan after cache clear read %d credentials, want 22", det)
	}
}

// With a stored profile whose token is fresh, a warm scan costs the two listings; --all-profiles as much per
// foundation. cache clear --profile empties one foundation's cache only.
func TestScanWarmCacheProfiles(t *testing.T) {
	t.Parallel()
	f1 := newTestFoundation(t, cffake.DemoData)
	f2 := newTestFoundation(t, cffake.DemoData)
	w := newWorkstation(t)
	w.mustRun("login", "-a", f1.url, "--name", "one", "-u", cffake.AdminUser, "-p", f1.fake.Password(cffake.AdminUser))
	w.mustRun("login", "-a", f2.url, "--name", "two", "-u", cffake.AdminUser, "-p", f2.fake.Password(cffake.AdminUser))

	if _, det := f1.cost(t, func() { w.run("scan", "--profile", "one") }); det != 22 {
		t.Errorf("cold scan of one read %d credentials", det)
	}
	if req, det := f1.cost(t, func() { w.run("scan", "--profile", "one") }); req != 2 || det != 0 {
		t.Errorf("warm scan of one: %d requests, %d credential reads; want 2 and 0", req, det)
	}
	if _, det := f2.cost(t, func() { w.run("scan", "--all-profiles") }); det != 22 {
		t.Errorf("cold scan of two read %d credentials", det)
	}
	var req1 int64
	req2, det2 := f2.cost(t, func() {
		req1, _ = f1.cost(t, func() { w.run("scan", "--all-profiles") })
	})
	if req1 != 2 || req2 != 2 || det2 != 0 {
		t.Errorf("warm --all-profiles: %d and %d requests, %d credential reads", req1, req2, det2)
	}
	if out, errOut, code := w.run("cache", "show"); code != 0 || !strings.Contains(out, f1.url+" (one)") || !strings.Contains(out, f2.url+" (two)") {
		t.Errorf("cache show: exit %d %s\n%s", code, errOut, out)
	}

	out, _, code := w.run("cache", "clear", "--profile", "one")
	if code != 0 || !strings.HasPrefix(out, "removed 1 findings file from ") {
		t.Errorf("cache clear --profile one: exit %d %q", code, out)
	}
	if _, det := f1.cost(t, func() { w.run("scan", "--profile", "one") }); det != 22 {
		t.Errorf("one after clearing it: %d credential reads, want 22", det)
	}
	if _, det := f2.cost(t, func() { w.run("scan", "--profile", "two") }); det != 0 {
		t.Errorf("two after clearing one: %d credential reads, want 0", det)
	}
	if _, errOut, code := w.run("cache", "clear", "--profile", "nope"); code != 3 || !strings.Contains(errOut, `no profile "nope"`) {
		t.Errorf("unknown profile: exit %d %q", code, errOut)
	}
}

// A cache file that cannot be read costs a warning and a full read, never the scan.
func TestScanCorruptCache(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	env := f.adminEnv()
	env["CFKEYS_CACHE_DIR"] = t.TempDir()
	run(t, env, "scan", "--api", f.url)
	files, _ := filepath.Glob(filepath.Join(env["CFKEYS_CACHE_DIR"], "*"))
	if len(files) != 1 {
		t.Fatalf("cache files: %v", files)
	}
	if err := os.WriteFile(files[0], []byte("{\"version\": 1, \"keys\": [tru"), 0o600); err != nil {
		t.Fatal(err)
	}
	var code int
	var stderr string
	if _, det := f.cost(t, func() { _, stderr, code = run(t, env, "scan", "--api", f.url) }); det != 22 || code != 2 {
		t.Errorf("scan over a corrupt cache: exit %d, %d credential reads", code, det)
	}
	if !strings.Contains(stderr, "cfkeys: warning: the findings cache ") || !strings.Contains(stderr, "is corrupt (ignored, it will be rewritten)") {
		t.Errorf("no warning: %q", stderr)
	}
	if _, det := f.cost(t, func() { _, stderr, _ = run(t, env, "scan", "--api", f.url) }); det != 0 || stderr != "" {
		t.Errorf("after the rewrite: %d credential reads, stderr %q", det, stderr)
	}
	if out, _, _ := run(t, env, "cache", "show"); !strings.Contains(out, "  22    ") {
		t.Errorf("cache show:\n%s", out)
	}
	if err := os.WriteFile(files[0], []byte("{\"version\": 0}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, _, code := run(t, env, "cache", "show"); code != 0 || !strings.Contains(out, "unusable: the findings cache "+files[0]+" has version 0, not 1") {
		t.Errorf("cache show of an unusable file: exit %d\n%s", code, out)
	}
}

func TestCacheMaxAgeFlag(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	env := f.adminEnv()
	for _, tc := range []struct {
		value string
		code  int
	}{{"7d", 2}, {"36h", 2}, {"2w", 2}, {"0", 3}, {"-1h", 3}, {"soon", 3}} {
		_, stderr, code := run(t, env, "scan", "--api", f.url, "--cache-max-age", tc.value)
		if code != tc.code {
			t.Errorf("--cache-max-age %s: exit %d, want %d: %s", tc.value, code, tc.code, stderr)
		}
		if tc.code == 3 && !strings.Contains(stderr, "--cache-max-age") {
			t.Errorf("--cache-max-age %s: %q", tc.value, stderr)
		}
	}
}

// cache show names a cached foundation by the profiles that log in to it, read once for all rows.
func TestFoundationName(t *testing.T) {
	t.Parallel()
	cfg := &profile.Config{Profiles: []profile.Profile{{Name: "eu10", API: "https://api.cf.eu10.example/"},
		{Name: "eu10-admin", API: "https://api.cf.eu10.example"}, {Name: "us10", API: "https://api.cf.us10.example"}}}
	for origin, want := range map[string]string{
		"https://api.cf.eu10.example": "https://api.cf.eu10.example (eu10, eu10-admin)",
		"https://api.cf.ap21.example": "https://api.cf.ap21.example",
	} {
		if got := foundationName(cfg, origin); got != want {
			t.Errorf("foundationName(%q) = %q, want %q", origin, got, want)
		}
	}
	if got := foundationName(&profile.Config{}, "https://x.example"); got != "https://x.example" {
		t.Errorf("without profiles: %q", got)
	}
}
