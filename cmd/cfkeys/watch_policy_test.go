package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/internal/testclock"
)

// hookKeys returns "name status" for every key of a generic JSON webhook post.
func hookKeys(t *testing.T, body string) []string {
	t.Helper()
	var doc struct {
		Keys []struct{ Name, Status string }
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("webhook payload: %v\n%s", err, body)
	}
	var out []string
	for _, k := range doc.Keys {
		out = append(out, k.Name+" "+k.Status)
	}
	slices.Sort(out)
	return out
}

// TestWatchJudgesByThePolicy runs watch with a policy file that sets a lifetime-share rule for one key,
// acknowledges another and names the webhook: the key crossing its share is announced once, acknowledged keys
// never, metrics carry the acked label, and acknowledgements made or removed while watch runs count from the
// next sweep.
func TestWatchJudgesByThePolicy(t *testing.T) {
	t.Parallel()
	clock := testclock.New(testNow)
	f := newFoundationAt(t, cffake.DemoData, clock.Now)
	guid := func(name string) string { k, _ := f.fake.Key(name); return k.GUID }
	hook := &hookRecorder{}
	hookServer := httptest.NewServer(hook)
	t.Cleanup(hookServer.Close)
	env := f.adminEnv()
	env["CFKEYS_CONFIG_DIR"] = t.TempDir()
	env["HOOK_URL"] = hookServer.URL + "/hook/t0k3n"
	policyFile := filepath.Join(t.TempDir(), "team-policy.yaml")
	// em-orders-client's certificate lives a year and has 61 days and 6 hours left: it is a warning once at most
	// 15% of its lifetime (54.75 days) is left, six and a half days on. With days (30d) it would stay ok for a month.
	goodPolicy := fmt.Sprintf(`version: 1
rules:
  - name: events-lifetime
    match: {key: em-orders-client}
    warning: 15%%
    critical: 5%%
  - name: default
    warning: 30d
    critical: 7d
acks:
  - foundation: %s
    guid: %s
    until: 2027-06-30
    note: rollback key, CHG0042
notify:
  webhooks: [json=env:HOOK_URL]
`, f.url, guid("crm-sync-sender"))
	if err := os.WriteFile(policyFile, []byte(goodPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, env, clock, nil, "--api", f.url, "--org", "acme-prod", "--policy", policyFile, "--listen", "127.0.0.1:0",
		"--state-file", filepath.Join(t.TempDir(), "state.json"))
	posts := func(want int) []string {
		t.Helper()
		b := hook.Bodies()
		if len(b) != want {
			t.Fatalf("%d webhook posts, want %d\n%s\n%s", len(b), want, strings.Join(b, "\n"), w.stderr)
		}
		return b
	}

	// First sweep: the keys already due, not crm-sync-sender (critical, acknowledged in the file).
	if got := hookKeys(t, posts(1)[0]); !slices.Equal(got, []string{"grafana-monitoring expired", "orders-app-x509 critical",
		"orders-app-x509-next warning", "partner-edi-external warning"}) {
		t.Errorf("first post: %q", got)
	}
	var doc struct{ Policy string }
	if err := json.Unmarshal([]byte(posts(1)[0]), &doc); err != nil || doc.Policy != policyFile {
		t.Errorf("the JSON payload names the policy %q, want %q", doc.Policy, policyFile)
	}
	fams, _ := w.metrics()
	if v, ok := sample(fams, "cfkeys_key_status", map[string]string{"guid": guid("crm-sync-sender"), "acked": "true", "status": "critical"}); !ok || v != 1 {
		t.Errorf("acked crm-sync-sender: %v %v", v, ok)
	}
	if v, ok := sample(fams, "cfkeys_key_status", map[string]string{"key": "em-orders-client", "acked": "false", "status": "ok"}); !ok || v != 1 {
		t.Errorf("em-orders-client: %v %v", v, ok)
	}
	if v, ok := sample(fams, "cfkeys_keys_acked", nil); !ok || v != 1 {
		t.Errorf("cfkeys_keys_acked: %v %v", v, ok)
	}

	// Three days on, 16% of em-orders-client's lifetime is left: nothing to say.
	clock.Advance(3 * 24 * time.Hour)
	w.tick()
	posts(1)
	// Seven days on, 14.9%: a warning, announced once; crm-sync-sender expired meanwhile, acknowledged: silent.
	clock.Advance(4 * 24 * time.Hour)
	w.tick()
	if got := hookKeys(t, posts(2)[1]); !slices.Equal(got, []string{"em-orders-client warning", "orders-app-x509 expired"}) {
		t.Errorf("post after seven days: %q", got)
	}
	w.tick()
	posts(2)

	// Acknowledged while watch runs: partner-edi-external turns critical unannounced.
	if _, stderr, code := run(t, env, "ack", "partner-edi-external", "--api", f.url, "--until", "2027-06-30", "--note", "partner leaves"); code != 0 {
		t.Fatalf("ack: %d %s", code, stderr)
	}
	clock.Advance(10 * 24 * time.Hour)
	w.tick()
	if got := hookKeys(t, posts(3)[2]); !slices.Equal(got, []string{"audit-writer-legacy-ca warning"}) {
		t.Errorf("post after the ack: %q", got)
	}
	fams, _ = w.metrics()
	if v, ok := sample(fams, "cfkeys_key_status", map[string]string{"key": "partner-edi-external", "acked": "true", "status": "critical"}); !ok || v != 1 {
		t.Errorf("partner-edi-external acked: %v %v", v, ok)
	}

	// A policy file broken while watch runs keeps the last good one, and /healthz says so.
	if err := os.WriteFile(policyFile, []byte("version: 1\nrules:\n  - name: r\n    warning: soon\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w.tick()
	if code, body := w.get("/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "stays in force") || !strings.Contains(body, "line 4") {
		t.Errorf("/healthz with a broken policy: %d %q", code, body)
	}
	posts(3)
	if err := os.WriteFile(policyFile, []byte(goodPolicy), 0o644); err != nil {
		t.Fatal(err)
	}

	// The acknowledgement removed: announced with its status.
	if _, stderr, code := run(t, env, "ack", "--remove", guid("partner-edi-external")); code != 0 {
		t.Fatalf("ack --remove: %d %s", code, stderr)
	}
	w.tick()
	if got := hookKeys(t, posts(4)[3]); !slices.Equal(got, []string{"partner-edi-external critical"}) {
		t.Errorf("post after the ack was removed: %q", got)
	}
	if code, _ := w.get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz after the policy was mended: %d", code)
	}
	w.stop()
	n := 0
	for _, b := range hook.Bodies() {
		n += strings.Count(b, `"em-orders-client"`)
	}
	if n != 1 {
		t.Errorf("em-orders-client announced %d times, want once", n)
	}
}

func TestWatchRefusesAMalformedPolicy(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("version: 1\nrules:\n  - name: r\n    warning: 7d\n    critical: 30d\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	password := filepath.Join(dir, "password.yaml")
	if err := os.WriteFile(password, []byte("version: 1\nrules:\n  - name: r\n    warning: 30d\n    critical: 7d\nnotify:\n  smtp:\n    server: smtp.example.org:587\n    password: hunter2\n    to: ops@example.org\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badHook := filepath.Join(dir, "hook.yaml")
	if err := os.WriteFile(badHook, []byte("version: 1\nrules:\n  - name: r\n    warning: 30d\n    critical: 7d\nnotify:\n  webhooks:\n    - discord=https://example.org/t0k3n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	config := t.TempDir()
	if err := os.WriteFile(filepath.Join(config, "policy.yaml"), []byte("version: 1\nrules: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"--policy", nil, []string{"--policy", bad}, "bad.yaml: line 3: rule \"r\": "},
		{"CFKEYS_POLICY", map[string]string{"CFKEYS_POLICY": bad}, nil, "bad.yaml: line 3"},
		{"the config directory's", map[string]string{"CFKEYS_CONFIG_DIR": config}, nil, "policy.yaml: line 2: rules: want a list"},
		{"missing file named", nil, []string{"--policy", filepath.Join(dir, "none.yaml")}, "reading policy"},
		{"a password in the file", nil, []string{"--policy", password}, "password.yaml: line 9: notify.smtp.password"},
		{"a bad webhook", nil, []string{"--policy", badHook}, "hook.yaml: line 8: notify.webhooks: unknown format \"discord\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := f.adminEnv()
			for k, v := range tc.env {
				env[k] = v
			}
			_, stderr, code := run(t, env, append([]string{"watch", "--api", f.url, "--listen", "127.0.0.1:0"}, tc.args...)...)
			if code != 3 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q, want %q", code, stderr, tc.want)
			}
			if strings.Contains(stderr, "hunter2") || strings.Contains(stderr, "t0k3n") {
				t.Errorf("a secret in the message: %q", stderr)
			}
		})
	}
}
