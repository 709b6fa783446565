package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/internal/testclock"
)

var testNow = testclock.Start

// testFoundation is a fake foundation for in-process command tests.
type testFoundation struct {
	fake *cffake.Server
	url  string
}

// newTestFoundation serves data on the fixed test clock (testNow), for commands run in-process with a.now set to
// the same instant. The scripts that run the binary start their foundations on the real clock instead (serve-demo
// in script_test.go, foundation in keyring_integration_test.go): the binary lives on it, and a fake frozen on
// another day issues tokens and certificates that are already expired for it.
func newTestFoundation(t *testing.T, data cffake.Dataset) *testFoundation {
	t.Helper()
	return newFoundationAt(t, data, func() time.Time { return testNow })
}

// newFoundationAt serves data on the given clock.
func newFoundationAt(t *testing.T, data cffake.Dataset, clock func() time.Time) *testFoundation {
	t.Helper()
	fake, err := cffake.New(cffake.Options{Clock: clock, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return &testFoundation{fake: fake, url: srv.URL}
}

// testApp is the app of one in-process run: the fixed test clock (testNow), its own cache of key findings, as
// each run of the binary has, and retries that never wait on the wall clock.
func testApp(in io.Reader, out, errOut io.Writer, getenv func(string) string) *app {
	a := defaultApp(in, out, errOut, getenv)
	a.now = func() time.Time { return testNow }
	a.sleep = noWait
	return a
}

// noWait is a retry sleep that returns at once (unless the context is done).
func noWait(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// run runs cfkeys in-process with the given environment and returns stdout, stderr and the exit status.
func run(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	if _, set := env["CFKEYS_CONFIG_DIR"]; !set { // never the developer's own policy and acknowledgements
		env = maps.Clone(env)
		if env == nil {
			env = map[string]string{}
		}
		env["CFKEYS_CONFIG_DIR"] = t.TempDir()
	}
	cacheDir := t.TempDir() // a fresh findings cache for each run, unless the test shares one through env
	a := testApp(strings.NewReader(""), &out, &errOut, func(k string) string {
		if k == "CFKEYS_CACHE_DIR" && env[k] == "" {
			return cacheDir
		}
		return env[k]
	})
	code := Main(context.Background(), args, a)
	return out.String(), errOut.String(), code
}

func (f *testFoundation) adminEnv() map[string]string {
	return map[string]string{"CF_USERNAME": cffake.AdminUser, "CF_PASSWORD": f.fake.Password(cffake.AdminUser)}
}

func TestScanExitCodes(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	env := f.adminEnv()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
	}{
		{"all ok", []string{"--org", "partner-hub"}, env, 0},
		// The built-in policy judges the Identity key by its lifetime: 29 days left of a year is under 10%.
		{"identity key critical by share", []string{"--org", "acme-dev", "--space", "sandbox"}, env, 2},
		{"warnings only with days for every key", []string{"--org", "acme-dev", "--space", "sandbox", "--warn", "30d", "--critical", "7d"}, env, 1},
		{"critical and expired", nil, env, 2},
		{"lower thresholds", []string{"--org", "acme-dev", "--space", "sandbox", "--warn", "10d", "--critical", "5d"}, env, 0},
		{"within keeps only close keys", []string{"--within", "1d"}, env, 2},
		{"bad password", nil, map[string]string{"CF_USERNAME": "admin", "CF_PASSWORD": "wrong"}, 3},
		{"no credentials", nil, map[string]string{}, 3},
		{"unknown org", []string{"--org", "nope"}, env, 3},
		{"bad threshold", []string{"--warn", "soon"}, env, 3},
		{"critical above warning", []string{"--warn", "5d", "--critical", "10d"}, env, 3},
		{"unknown flag", []string{"--colour"}, env, 3},
		{"bad output", []string{"--output", "xml"}, env, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"scan", "--api", f.url}, tc.args...)
			stdout, stderr, code := run(t, tc.env, args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			if code == 3 && !strings.HasPrefix(stderr, "cfkeys: ") {
				t.Errorf("failure without a message: %q", stderr)
			}
			if code != 3 && stderr != "" {
				t.Errorf("unexpected stderr: %q", stderr)
			}
		})
	}
}

func TestScanMessages(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	_, stderr, _ := run(t, map[string]string{"CF_USERNAME": "admin", "CF_PASSWORD": "wrong-password"}, "scan", "--api", f.url)
	if stderr != "cfkeys: logging in (password grant): 401 unauthorized: Bad credentials\n" {
		t.Errorf("bad password: %q", stderr)
	}
	_, stderr, _ = run(t, f.adminEnv(), "scan", "--api", f.url, "--org", "acme-typo")
	if stderr != "cfkeys: scanning "+f.url+": organization \"acme-typo\" not found (or not visible to this user)\n" {
		t.Errorf("unknown org: %q", stderr)
	}
	_, stderr, _ = run(t, map[string]string{"CF_USERNAME": "admin"}, "scan", "--api", f.url)
	if stderr != "cfkeys: set both CF_USERNAME and CF_PASSWORD for a password login\n" {
		t.Errorf("half credentials: %q", stderr)
	}
	_, stderr, code := run(t, f.adminEnv(), "scan", "--api", "http://127.0.0.1:1")
	if code != 3 || !strings.Contains(stderr, "connection refused") {
		t.Errorf("dead network: %d %q", code, stderr)
	}
	_, stderr, _ = run(t, f.adminEnv(), "scan", "--api", f.url, "--skip-ssl-validation", "--org", "partner-hub")
	if !strings.Contains(stderr, "warning: TLS certificate validation is off") {
		t.Errorf("no skip-ssl warning: %q", stderr)
	}
}

func TestScanClientCredentials(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	env := map[string]string{"CF_CLIENT_ID": cffake.MonitorClient, "CF_CLIENT_SECRET": f.fake.ClientSecret(cffake.MonitorClient)}
	stdout, stderr, code := run(t, env, "scan", "--api", f.url, "--output", "json")
	if code != 2 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct{ Keys []map[string]any }
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || len(doc.Keys) != 23 {
		t.Errorf("keys = %d, %v", len(doc.Keys), err)
	}
}

func TestScanWithinAndOrigin(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	env := map[string]string{"CF_USERNAME": cffake.SSOUser, "CF_PASSWORD": f.fake.Password(cffake.SSOUser), "CF_ORIGIN": cffake.SSOOrigin}
	stdout, stderr, code := run(t, env, "scan", "--api", f.url, "--within", "30d", "--output", "csv")
	if code != 2 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	// The SSO user sees acme-prod/integration: expired -3d, critical 5d, warning 23d within 30 days.
	if len(lines) != 4 || !strings.Contains(lines[1], "grafana-monitoring") || !strings.Contains(lines[3], "partner-edi-external") {
		t.Errorf("csv:\n%s", stdout)
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	env := f.adminEnv()
	crm, _ := f.fake.Key("crm-sync-sender")

	stdout, stderr, code := run(t, env, "find", crm.GUID, "--api", f.url)
	if code != 0 || stderr != "" {
		t.Fatalf("find by GUID: exit %d %s", code, stderr)
	}
	for _, want := range []string{"crm-sync-sender\n", "binding guid   " + crm.GUID, "org / space    acme-prod / integration", "instance       cpi-orders-inbound (it-rt, plan integration-flow)",
		"status         critical, 5 days left", "valid until    2026-11-27 15:00:00 UTC", "subject        CN=", "source         certificatedetails (oauth.certificatedetails)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("find output lacks %q:\n%s", want, stdout)
		}
	}

	stdout, _, code = run(t, env, "find", "Example Partner GmbH", "--api", f.url, "--output", "json")
	var doc struct{ Keys []struct{ Name string } }
	if code != 0 || json.Unmarshal([]byte(stdout), &doc) != nil || len(doc.Keys) != 1 || doc.Keys[0].Name != "partner-edi-external" {
		t.Errorf("find by subject: exit %d %s", code, stdout)
	}
	stdout, _, code = run(t, env, "find", "demo legacy client ca", "--api", f.url)
	if code != 0 || !strings.Contains(stdout, "audit-writer-legacy-ca") || !strings.Contains(stdout, "warning        CA CN=Demo Legacy Client CA 2019") ||
		!strings.Contains(stdout, "status         ok, 45 days left") || !strings.Contains(stdout, "valid until    2027-01-06 ") || !strings.Contains(stdout, "(when its CA expires; the certificate itself until 2027-09-18)") {
		t.Errorf("find by issuer: exit %d\n%s", code, stdout)
	}
	_, stderr, code = run(t, env, "find", "00000000-0000-4000-8000-000000000000", "--api", f.url)
	if code != 1 || !strings.Contains(stderr, "no service key or binding with GUID") {
		t.Errorf("unknown GUID: exit %d %q", code, stderr)
	}
	_, stderr, code = run(t, env, "find", "nothing-like-this", "--api", f.url)
	if code != 1 || stderr != "cfkeys: no key matches \"nothing-like-this\"\n" {
		t.Errorf("no match: exit %d %q", code, stderr)
	}
	_, _, code = run(t, env, "find", "--api", f.url)
	if code != 3 {
		t.Errorf("missing query: exit %d", code)
	}
}

// TestNoSecretInOutput runs every output of scan and find, as admin and against hostile names, and looks for
// every secret the fake foundation holds or handed out: passwords, client secrets, private keys, tokens. The
// findings cache the runs share is searched too, and so are the acknowledgements file and the rotation journal
// that ack, key rotate, key create and key delete write on hostile keys (which must be 0600). What reaches the
// terminal holds no escape sequence, bidi control or line separator. (watch's channels: TestNoSecretInWatch.)
func TestNoSecretInOutput(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.Dataset{Hostile: true})
	cacheDir := t.TempDir()
	env := f.adminEnv()
	env["CFKEYS_CACHE_DIR"] = cacheDir
	crm, _ := f.fake.Key("crm-sync-sender")
	var all, terminal strings.Builder
	for _, args := range [][]string{
		{"scan", "--output", "table"}, {"scan", "--output", "json"}, {"scan", "--output", "csv"}, {"scan", "--output", "prometheus"},
		{"find", crm.GUID}, {"find", crm.GUID, "--output", "json"}, {"find", "CN="}, {"scan", "--org", "nope"},
		{"key", "rotate", "--within", "400d", "--dry-run"}, {"key", "rotate", "--within", "400d", "--dry-run", "-o", "json"},
		{"key", "create", "--instance", "cpi-dev", "--name", "x", "--key-type", "certificate", "--dry-run"}, {"key", "delete", crm.GUID, "--dry-run"},
	} {
		stdout, stderr, _ := run(t, env, append(args, "--api", f.url)...)
		terminal.WriteString(stdout + stderr)
	}
	// The other principals: a client-credentials login and a user who may not read every key, and failures.
	client := map[string]string{"CF_CLIENT_ID": cffake.MonitorClient, "CF_CLIENT_SECRET": f.fake.ClientSecret(cffake.MonitorClient), "CFKEYS_CACHE_DIR": cacheDir}
	developer := map[string]string{"CF_USERNAME": cffake.DeveloperUser, "CF_PASSWORD": f.fake.Password(cffake.DeveloperUser), "CFKEYS_CACHE_DIR": cacheDir}
	for _, env := range []map[string]string{client, developer} {
		for _, args := range [][]string{{"scan", "-o", "json"}, {"scan", "-o", "prometheus"}, {"scan"}, {"find", crm.GUID}, {"find", "CN="}} {
			stdout, stderr, _ := run(t, env, append(args, "--api", f.url)...)
			terminal.WriteString(stdout + stderr)
		}
	}
	for _, env := range []map[string]string{
		{"CF_USERNAME": "admin", "CF_PASSWORD": "Wr0ng-Pa55word"},
		{"CF_CLIENT_ID": cffake.MonitorClient, "CF_CLIENT_SECRET": "Wr0ng-Cl1ent-5ecret"},
	} {
		for _, format := range []string{"table", "prometheus"} {
			stdout, stderr, _ := run(t, env, "scan", "--api", f.url, "-o", format)
			terminal.WriteString(stdout + stderr)
		}
	}
	stdout, stderr, _ := run(t, env, "cache", "show")
	terminal.WriteString(stdout + stderr)
	// The acknowledgements file, the rotation journal and the commands that write them, on a hostile key.
	configDir, stateDir := t.TempDir(), t.TempDir()
	writer := maps.Clone(env)
	writer["CFKEYS_CONFIG_DIR"], writer["CFKEYS_STATE_DIR"] = configDir, stateDir
	var hostile []cffake.KeyInfo
	for _, k := range f.fake.Keys() {
		if strings.Contains(k.OrgName, "hostile-org") {
			hostile = append(hostile, k)
		}
	}
	if len(hostile) < 3 {
		t.Fatalf("hostile keys: %v", hostile)
	}
	for _, args := range [][]string{
		{"ack", hostile[0].GUID, "--until", "2027-01-31", "--note", "kept \x1b[31m", "--api", f.url}, {"ack", "--list"},
		{"key", "rotate", hostile[0].GUID, "--yes", "--allow-writes", "--api", f.url},
		{"key", "rotate", hostile[1].GUID, "--yes", "--allow-writes", "-o", "json", "--api", f.url},
		{"key", "create", "--instance", hostile[0].InstanceName, "--name", "x\x1b]52;c;eA==\x07", "--allow-writes", "--api", f.url},
		{"key", "delete", hostile[2].GUID, "--yes", "--allow-writes", "--api", f.url},
		{"policy", "check"},
	} {
		stdout, stderr, code := run(t, writer, args...)
		if code != 0 {
			t.Errorf("%v: exit %d\n%s%s", args[:2], code, stdout, stderr)
		}
		terminal.WriteString(stdout + stderr)
	}
	var written []string
	for _, dir := range []string{configDir, stateDir} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				written = append(written, path)
			}
			return nil
		})
	}
	if !slices.Contains(written, filepath.Join(configDir, "acks.json")) || !slices.ContainsFunc(written, func(s string) bool { return strings.HasPrefix(s, stateDir) }) {
		t.Errorf("want the acknowledgements file and a journal, got %v", written)
	}
	for _, name := range written {
		data, _ := os.ReadFile(name)
		all.Write(data)
		if st, err := os.Stat(name); err != nil || st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %v, want readable by its owner only", name, st.Mode())
		}
	}
	files, _ := filepath.Glob(filepath.Join(cacheDir, "*"))
	if len(files) != 3 {
		t.Errorf("want a findings file for each of admin, client and developer, got %v", files)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil || !strings.Contains(string(data), "CN=") {
			t.Errorf("findings file %s: %v\n%.300s", name, err, data)
		}
		all.Write(data)
	}
	// What reaches a terminal makes it do nothing but print.
	for _, bad := range []string{"\x1b", "\u009b", "\u009d", "\u2028", "\u2029", "\u202e", "\u2066", "\a"} {
		if i := strings.Index(terminal.String(), bad); i >= 0 {
			t.Errorf("terminal output holds %q: %q", bad, terminal.String()[max(0, i-300):min(len(terminal.String()), i+100)])
		}
	}
	all.WriteString(terminal.String())
	out := all.String()
	secrets := append(f.fake.Secrets(), "Wr0ng-Pa55word", "Wr0ng-Cl1ent-5ecret")
	if len(secrets) < 20 {
		t.Fatalf("only %d secrets to look for", len(secrets))
	}
	for _, s := range secrets {
		for _, line := range strings.Split(s, "\n") {
			if len(line) >= 8 && strings.Contains(out, line) {
				t.Errorf("output holds a secret (%.12s…)", line)
			}
		}
	}
	for _, marker := range []string{"PRIVATE KEY", "clientsecret", "\x1b"} {
		if strings.Contains(out, marker) {
			t.Errorf("output holds %q", marker)
		}
	}
}

func TestVersionAndHelp(t *testing.T) {
	t.Parallel()
	stdout, _, code := run(t, nil, "version")
	if code != 0 || !strings.HasPrefix(stdout, "cfkeys ") {
		t.Errorf("version: %d %q", code, stdout)
	}
	stdout, _, code = run(t, nil, "--help")
	if code != 0 || !strings.Contains(stdout, "scan") || !strings.Contains(stdout, "demo") || !strings.Contains(stdout, "completion") {
		t.Errorf("help: %d %s", code, stdout)
	}
	stdout, _, code = run(t, nil, "completion", "bash")
	if code != 0 || !strings.Contains(stdout, "bash completion") {
		t.Errorf("completion: %d", code)
	}
}

func TestDemoScan(t *testing.T) {
	t.Parallel()
	// Piped, the demo judges by the policy as scan does: the built-in one lets XSUAA and Identity keys count by
	// their lifetime (a 29-day-old share makes ias-x509 critical, not a warning).
	stdout, stderr, code := run(t, nil, "demo")
	if code != 0 || stderr != "" || !strings.Contains(stdout, "23 keys: 2 expired, 6 critical, 2 warning, 2 unknown, 7 ok, 4 none (thresholds by policy built-in)") {
		t.Errorf("demo: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// The config directory's policy.yaml applies, as for scan.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte("version: 1\nrules:\n  - name: all\n    warning: 90d\n    critical: 7d\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = run(t, map[string]string{"CFKEYS_CONFIG_DIR": dir}, "demo")
	if code != 0 || !strings.Contains(stdout, "23 keys: 2 expired, 4 critical, 7 warning, 2 unknown, 4 ok, 4 none (thresholds by policy "+filepath.Join(dir, "policy.yaml")+")") {
		t.Errorf("demo with a policy file: exit %d\n%s\n%s", code, stdout, stderr)
	}
	_, stderr, code = run(t, nil, "demo", "--serve-only", "--listen", "0.0.0.0:0")
	if code != 3 || !strings.Contains(stderr, "only serves on a loopback address") {
		t.Errorf("non-loopback listen: %d %q", code, stderr)
	}
}

// A request the API answers with 503 is retried after the app's sleep, never the wall clock's: the backoff waits
// of the client arrive here, so in-process tests never wait on real time.
func TestRetriesWaitOnTheAppSleep(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	f.fake.Inject(cffake.Fault{PathPrefix: "/v3/organizations", Times: 2, Status: 503, ContentType: "application/json",
		Body: `{"errors":[{"detail":"busy","title":"CF-ServiceUnavailable","code":10015}]}`})
	var (
		mu    sync.Mutex
		waits []time.Duration
	)
	var out, errOut bytes.Buffer
	a := testApp(strings.NewReader(""), &out, &errOut, func(k string) string { return f.adminEnv()[k] })
	a.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		waits = append(waits, d)
		return ctx.Err()
	}
	if code := Main(context.Background(), []string{"scan", "--api", f.url, "--org", "partner-hub"}, a); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if len(waits) != 2 || waits[0] <= 0 {
		t.Errorf("waits = %v, want the two backoffs of the two retries", waits)
	}
}
