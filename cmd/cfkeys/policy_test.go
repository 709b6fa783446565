package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/policy"
)

func TestPolicyInitAndCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"CFKEYS_CONFIG_DIR": dir}
	stdout, stderr, code := run(t, env, "policy", "check")
	if code != 0 || !strings.Contains(stdout, "the built-in policy applies") || !strings.Contains(stdout, "xsuaa-x509           warning 20%   critical 10%   offering=xsuaa") {
		t.Errorf("check without a file: %d\n%s%s", code, stdout, stderr)
	}
	stdout, _, code = run(t, env, "policy", "init")
	path := filepath.Join(dir, policy.FileName)
	if b, err := os.ReadFile(path); code != 0 || err != nil || string(b) != policy.DefaultFile || !strings.Contains(stdout, path) {
		t.Fatalf("init: %d %v %s", code, err, stdout)
	}
	if _, stderr, code := run(t, env, "policy", "init"); code != 3 || !strings.Contains(stderr, "exists") {
		t.Errorf("init over a file: %d %s", code, stderr)
	}
	if err := os.WriteFile(path, []byte("version: 1\nrules:\n  - name: x\n    warning: soon\n    critical: 7d\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = run(t, env, "policy", "check")
	if code != 3 || !strings.Contains(stderr, path+": line 4: warning: duration \"soon\"") {
		t.Errorf("check of a malformed file: %d %q", code, stderr)
	}
	if _, _, code := run(t, env, "policy", "init", "--force"); code != 0 {
		t.Errorf("init --force: %d", code)
	}
	other := filepath.Join(t.TempDir(), "team.yaml")
	if _, _, code := run(t, env, "policy", "init", "--policy", other); code != 0 {
		t.Errorf("init --policy: %d", code)
	}
	stdout, _, code = run(t, map[string]string{"CFKEYS_CONFIG_DIR": dir, "CFKEYS_POLICY": other}, "policy", "check")
	if code != 0 || !strings.HasPrefix(stdout, other+": 4 rules, 0 acknowledgements") {
		t.Errorf("check of $CFKEYS_POLICY: %d %s", code, stdout)
	}

	// The notify section is listed, without a webhook URL written in the file.
	withNotify := filepath.Join(t.TempDir(), "notify.yaml")
	if err := os.WriteFile(withNotify, []byte(policy.DefaultFile+`notify:
  smtp: {server: "smtp.example.org:587", user: cfkeys, to: [ops@example.org, sec@example.org]}
  webhooks: [slack=env:SLACK_URL, json=https://hooks.example.org/t0k3n]
  digest: "08:00"
`), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, _, code = run(t, env, "policy", "check", "--policy", withNotify)
	for _, want := range []string{"notify by e-mail through smtp.example.org:587 to ops@example.org, sec@example.org as cfkeys (password from the keyring or $CFKEYS_SMTP_PASSWORD)",
		"notify by webhook slack (env:SLACK_URL)", "notify by webhook json (a URL written in the file)", "daily digest at 08:00"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("check with a notify section lacks %q: %d\n%s", want, code, stdout)
		}
	}
	if strings.Contains(stdout, "t0k3n") {
		t.Errorf("check shows a webhook URL:\n%s", stdout)
	}
}

// scanJSON runs scan with JSON output and returns the exit status and the keys by name.
func scanJSON(t *testing.T, env map[string]string, args ...string) (int, map[string]jsonKey, string) {
	t.Helper()
	stdout, stderr, code := run(t, env, append([]string{"scan", "--output", "json"}, args...)...)
	var doc struct {
		Policy string    `json:"policy"`
		Keys   []jsonKey `json:"keys"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("scan %v: exit %d, %v\n%s%s", args, code, err, stdout, stderr)
	}
	keys := map[string]jsonKey{}
	for _, k := range doc.Keys {
		keys[k.Name] = k
	}
	return code, keys, doc.Policy
}

type jsonKey struct {
	Name   string `json:"name"`
	GUID   string `json:"guid"`
	Status string `json:"status"`
	Rule   string `json:"rule"`
	Ack    *struct {
		Until string `json:"until"`
		Note  string `json:"note"`
		Owner string `json:"owner"`
	} `json:"ack"`
}

func TestScanByPolicyFile(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	env := f.adminEnv()
	env["CFKEYS_CONFIG_DIR"] = t.TempDir()
	sandbox := []string{"--api", f.url, "--org", "acme-dev", "--space", "sandbox"}

	// Built in: the Identity key (29 days of a year) is critical by share, the it-rt key (15 days) a warning.
	code, keys, pol := scanJSON(t, env, sandbox...)
	if code != 2 || pol != "built-in" || keys["ias-x509"].Status != "critical" || keys["ias-x509"].Rule != "identity-x509" ||
		keys["sandbox-sender"].Status != "warning" || keys["sandbox-sender"].Rule != "integration-suite" {
		t.Errorf("built-in: exit %d, policy %q, %+v", code, pol, keys)
	}

	// A per-offering rule in a team's file: Identity keys get days, it-rt keys a shorter warning.
	file := filepath.Join(t.TempDir(), "team.yaml")
	if err := os.WriteFile(file, []byte(`version: 1
rules:
  - name: ias-days
    match: {offering: identity}
    warning: 30d
    critical: 7d
  - name: cpi-sandbox
    match: {org: acme-*, space: sandbox, offering: it-rt}
    warning: 10d
    critical: 5d
  - name: rest
    warning: 30d
    critical: 7d
`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, keys, pol = scanJSON(t, env, append(sandbox, "--policy", file)...)
	if code != 1 || pol != file || keys["ias-x509"].Status != "warning" || keys["ias-x509"].Rule != "ias-days" ||
		keys["sandbox-sender"].Status != "ok" || keys["sandbox-sender"].Rule != "cpi-sandbox" {
		t.Errorf("--policy: exit %d, policy %q, %+v", code, pol, keys)
	}
	// The same file through the environment.
	envPol := map[string]string{"CFKEYS_POLICY": file}
	for k, v := range env {
		envPol[k] = v
	}
	if code, keys, _ := scanJSON(t, envPol, sandbox...); code != 1 || keys["ias-x509"].Rule != "ias-days" {
		t.Errorf("CFKEYS_POLICY: exit %d, %+v", code, keys)
	}
	// --warn/--critical override every rule for one run.
	if code, keys, _ := scanJSON(t, env, append(sandbox, "--policy", file, "--warn", "10d", "--critical", "5d")...); code != 0 || keys["ias-x509"].Status != "ok" {
		t.Errorf("override: exit %d, %+v", code, keys)
	}
	// The report says what applied.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--warn", "45d"}, "(thresholds by policy built-in with --warn 45d)"},
		{[]string{"--critical", "3d"}, "(thresholds by policy built-in with --critical 3d)"},
		{[]string{"--warn", "25%", "--critical", "5%"}, "(thresholds by policy --warn 25% --critical 5%)"},
		{[]string{"--warn", "45d", "--critical", "3d"}, "(warning ≤ 45d, critical ≤ 3d)"},
	} {
		stdout, stderr, _ := run(t, env, append(append([]string{"scan"}, sandbox...), c.args...)...)
		if !strings.Contains(stdout, c.want) {
			t.Errorf("%v: summary lacks %q\n%s%s", c.args, c.want, stdout, stderr)
		}
	}
	// A malformed or missing named file stops the scan before it starts.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("version: 1\nrules:\n  - name: r\n    warning: 30d\n    critical: 7d\n    match: {ofering: it-rt}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := run(t, env, append([]string{"scan"}, append(sandbox, "--policy", bad)...)...)
	if code != 3 || !strings.Contains(stderr, "line 6: match: unknown field \"ofering\"") {
		t.Errorf("malformed: exit %d, %q", code, stderr)
	}
	_, stderr, code = run(t, env, append([]string{"scan"}, append(sandbox, "--policy", bad+".missing")...)...)
	if code != 3 || !strings.Contains(stderr, "reading policy") {
		t.Errorf("missing: exit %d, %q", code, stderr)
	}
	// Shares on the command line too; nonsense refused.
	if _, _, code := run(t, env, append([]string{"scan"}, append(sandbox, "--critical", "150%")...)...); code != 3 {
		t.Errorf("--critical 150%%: exit %d", code)
	}
}
