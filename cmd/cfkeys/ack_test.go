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

// Acknowledging keys takes them out of the exit code one by one, keeps their status, and shows who and why.
func TestAckFlow(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	env := f.adminEnv()
	dir := t.TempDir()
	env["CFKEYS_CONFIG_DIR"] = dir
	integration := []string{"--api", f.url, "--org", "acme-prod", "--space", "integration"}
	code, keys, _ := scanJSON(t, env, integration...)
	if code != 2 || keys["grafana-monitoring"].Status != "expired" || keys["crm-sync-sender"].Status != "critical" || keys["partner-edi-external"].Status != "warning" {
		t.Fatalf("before: exit %d %+v", code, keys)
	}

	// By GUID: the expired key.
	stdout, stderr, code := run(t, env, "ack", keys["grafana-monitoring"].GUID, "--api", f.url, "--until", "2027-01-31",
		"--note", "partner decommissioned, CHG0042", "--owner", "integration-team")
	if code != 0 || !strings.Contains(stdout, "acknowledged grafana-monitoring ("+keys["grafana-monitoring"].GUID+") on "+f.url+" until 2027-01-31; it lapses when the certificate 0x") {
		t.Fatalf("ack by GUID: %d\n%s%s", code, stdout, stderr)
	}
	store := filepath.Join(dir, policy.AcksFile)
	if st, err := os.Stat(store); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("store: %v %v", st, err)
	}
	code, after, _ := scanJSON(t, env, integration...)
	g := after["grafana-monitoring"]
	if code != 2 || g.Status != "expired" || g.Ack == nil || g.Ack.Until != "2027-01-31" || g.Ack.Note != "partner decommissioned, CHG0042" || g.Ack.Owner != "integration-team" {
		t.Errorf("after one ack: exit %d %+v", code, g)
	}
	if after["crm-sync-sender"].Ack != nil {
		t.Error("an unacknowledged key has an ack")
	}

	// By query (a key name), with a relative end date: the critical key. Now only the warning counts.
	if _, stderr, code := run(t, env, "ack", "crm-sync", "--api", f.url, "--org", "acme-prod", "--until", "30d", "--note", "rotation on the 28th"); code != 0 {
		t.Fatalf("ack by query: %d %s", code, stderr)
	}
	if code, _, _ := scanJSON(t, env, integration...); code != 1 {
		t.Errorf("with the expired and critical keys acknowledged: exit %d, want 1", code)
	}
	stdout, _, _ = run(t, env, append([]string{"scan"}, integration...)...)
	if !strings.Contains(stdout, "acked    -3d") || !strings.Contains(stdout, "expired, acked until 2027-01-31 by integration-team: partner decommissioned, CHG0042") ||
		!strings.Contains(stdout, "critical, acked until 2026-12-22: rotation on the 28th") || !strings.Contains(stdout, "; 2 acked (thresholds by policy built-in)") {
		t.Errorf("table:\n%s", stdout)
	}
	stdout, _, _ = run(t, env, append([]string{"scan", "--output", "prometheus"}, integration...)...)
	if !strings.Contains(stdout, `key="grafana-monitoring",guid="`+keys["grafana-monitoring"].GUID+`",acked="true",status="expired"} 1`) || !strings.Contains(stdout, "cfkeys_keys_acked 2") {
		t.Errorf("prometheus:\n%s", stdout)
	}
	stdout, _, _ = run(t, env, append([]string{"scan", "--output", "csv"}, integration...)...)
	if !strings.Contains(stdout, ",integration-suite,true,2027-01-31,integration-team,\"partner decommissioned, CHG0042\"") {
		t.Errorf("csv:\n%s", stdout)
	}
	stdout, _, code = run(t, env, "find", keys["grafana-monitoring"].GUID, "--api", f.url)
	if code != 0 || !strings.Contains(stdout, "acked          expired, acked until 2027-01-31 by integration-team") || !strings.Contains(stdout, "policy rule    integration-suite (warning ≤ 30d, critical ≤ 7d)\n") {
		t.Errorf("find:\n%s", stdout)
	}

	// A query that matches several keys needs --all.
	if _, stderr, code := run(t, env, "ack", "sender", "--api", f.url, "--until", "30d", "--note", "n"); code != 3 || !strings.Contains(stderr, "matches") {
		t.Errorf("ambiguous: %d %s", code, stderr)
	}
	if _, _, code := run(t, env, "ack", "no-such-key-anywhere", "--api", f.url, "--until", "30d", "--note", "n"); code != 1 {
		t.Errorf("nothing found: %d", code)
	}

	stdout, _, code = run(t, env, "ack", "--list")
	if code != 0 || !strings.Contains(stdout, "active  2027-01-31  "+f.url+"  grafana-monitoring") || !strings.Contains(stdout, "rotation on the 28th") {
		t.Errorf("list:\n%s", stdout)
	}
	stdout, _, code = run(t, env, "ack", "--remove", keys["grafana-monitoring"].GUID)
	if code != 0 || !strings.Contains(stdout, "removed 1") {
		t.Errorf("remove: %d %s", code, stdout)
	}
	if code, k, _ := scanJSON(t, env, integration...); code != 2 || k["grafana-monitoring"].Ack != nil {
		t.Errorf("after remove: exit %d", code)
	}
	if _, _, code := run(t, env, "ack", "--remove", keys["grafana-monitoring"].GUID); code != 1 {
		t.Errorf("remove again: %d", code)
	}
}

// An acknowledgement lapses on its own: when its end date has passed, and when the key's certificate is no
// longer the one acknowledged. Either way the key counts again.
func TestAckLapses(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	env := f.adminEnv()
	dir := t.TempDir()
	env["CFKEYS_CONFIG_DIR"] = dir
	integration := []string{"--api", f.url, "--org", "acme-prod", "--space", "integration"}
	_, keys, _ := scanJSON(t, env, integration...)
	guid := keys["grafana-monitoring"].GUID
	if _, stderr, code := run(t, env, "ack", guid, "--api", f.url, "--until", "2027-01-31", "--note", "n"); code != 0 {
		t.Fatal(stderr)
	}
	store := filepath.Join(dir, policy.AcksFile)
	acks, err := policy.LoadAcks(store)
	if err != nil || len(acks) != 1 {
		t.Fatal(acks, err)
	}
	rewrite := func(change func(*policy.Ack)) {
		a := acks[0]
		change(&a)
		if err := policy.SaveAcks(store, []policy.Ack{a}); err != nil {
			t.Fatal(err)
		}
	}
	// Still in force, for comparison.
	if code, k, _ := scanJSON(t, env, integration...); k["grafana-monitoring"].Ack == nil || code != 2 {
		t.Fatalf("not in force: %d", code)
	}
	// The end date was yesterday.
	rewrite(func(a *policy.Ack) { a.Until = testNow.AddDate(0, 0, -1) })
	if _, k, _ := scanJSON(t, env, integration...); k["grafana-monitoring"].Ack != nil {
		t.Error("an acknowledgement past its end date still holds")
	}
	stdout, _, _ := run(t, env, "ack", "--list")
	if !strings.HasPrefix(strings.Split(stdout, "\n")[1], "ended") {
		t.Errorf("list of an ended acknowledgement:\n%s", stdout)
	}
	// The certificate was replaced since (another serial).
	rewrite(func(a *policy.Ack) { a.Serial = "0x01" })
	if _, k, _ := scanJSON(t, env, integration...); k["grafana-monitoring"].Ack != nil {
		t.Error("an acknowledgement of a replaced certificate still holds")
	}
	// Reissued with the same serial but a new expiry.
	rewrite(func(a *policy.Ack) { a.NotAfter = a.NotAfter.AddDate(0, 0, 1) })
	if _, k, _ := scanJSON(t, env, integration...); k["grafana-monitoring"].Ack != nil {
		t.Error("an acknowledgement of a reissued certificate still holds")
	}
	// Another foundation's acknowledgement of the same GUID does not apply.
	rewrite(func(a *policy.Ack) { a.Foundation = "https://api.other.example" })
	if _, k, _ := scanJSON(t, env, integration...); k["grafana-monitoring"].Ack != nil {
		t.Error("another foundation's acknowledgement applied")
	}
}

// A team's policy file may carry acknowledgements; they apply like stored ones and are listed beside them.
func TestAckInPolicyFile(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	env := f.adminEnv()
	env["CFKEYS_CONFIG_DIR"] = t.TempDir()
	integration := []string{"--api", f.url, "--org", "acme-prod", "--space", "integration"}
	_, keys, _ := scanJSON(t, env, integration...)
	file := filepath.Join(t.TempDir(), "team.yaml")
	body := policy.DefaultFile + "acks:\n"
	for _, name := range []string{"grafana-monitoring", "crm-sync-sender", "partner-edi-external"} {
		body += "  - foundation: " + f.url + "\n    guid: " + keys[name].GUID + "\n    until: 2027-01-31\n    note: shared\n    owner: team\n"
	}
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, _, code := run(t, env, append([]string{"scan", "--output", "json", "--policy", file}, integration...)...)
	var doc struct {
		Keys []jsonKey `json:"keys"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != 0 {
		t.Errorf("every alarm acknowledged in the team's file: exit %d, %v", code, err)
	}
	stdout, _, _ = run(t, env, "ack", "--list", "--policy", file)
	if strings.Count(stdout, "  shared\n") != 3 || !strings.Contains(stdout, "shared ones in "+file) {
		t.Errorf("list:\n%s", stdout)
	}
}

func TestAckUsage(t *testing.T) {
	t.Parallel()
	env := map[string]string{}
	for _, args := range [][]string{
		{"ack"}, {"ack", "x", "--note", "n"}, {"ack", "x", "--until", "30d"}, {"ack", "--list", "x"}, {"ack", "--list", "--remove"},
		{"ack", "--remove", "not-a-guid"}, {"ack", "x", "--until", "2020-01-01", "--note", "n", "--api", "http://127.0.0.1:1"},
	} {
		if _, stderr, code := run(t, env, args...); code != 3 || !strings.Contains(stderr, "see cfkeys ack --help") {
			t.Errorf("%v: %d %q", args, code, stderr)
		}
	}
	if stdout, _, code := run(t, env, "ack", "--list"); code != 0 || !strings.Contains(stdout, "No acknowledgements") {
		t.Errorf("empty list: %d %s", code, stdout)
	}
}

// Two foundations with the same binding GUIDs (both fakes seed the same data): an acknowledgement made on one
// does not apply to the other, and a rule can name a foundation by profile name.
func TestAckAndRulesPerFoundation(t *testing.T) {
	t.Parallel()
	f1 := newTestFoundation(t, cffake.DemoData)
	f2 := newTestFoundation(t, cffake.DemoData)
	w := newWorkstation(t)
	w.mustRun("login", "-a", f1.url, "--name", "one", "-u", cffake.AdminUser, "-p", f1.fake.Password(cffake.AdminUser))
	w.mustRun("login", "-a", f2.url, "--name", "two", "-u", cffake.AdminUser, "-p", f2.fake.Password(cffake.AdminUser))
	out := w.mustRun("find", "grafana-monitoring", "--profile", "one", "--output", "json")
	var found struct{ Keys []jsonKey }
	if err := json.Unmarshal([]byte(out), &found); err != nil || len(found.Keys) != 1 {
		t.Fatalf("find: %v %s", err, out)
	}
	guid := found.Keys[0].GUID
	w.mustRun("ack", guid, "--profile", "one", "--until", "2027-01-31", "--note", "only on one")
	file := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(file, []byte("version: 1\nrules:\n  - name: one-only\n    match: {foundation: one}\n    warning: 500d\n    critical: 7d\n  - name: rest\n    warning: 30d\n    critical: 7d\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, _ = w.run("scan", "--all-profiles", "--output", "json", "--policy", file)
	var doc struct {
		Keys []struct {
			jsonKey
			Foundation string `json:"foundation"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, k := range doc.Keys {
		switch {
		case k.GUID == guid && k.Foundation == "one" && k.Ack == nil:
			t.Error("the acknowledgement did not apply on its foundation")
		case k.GUID == guid && k.Foundation == "two" && k.Ack != nil:
			t.Error("the acknowledgement applied on another foundation with the same GUID")
		case k.Name == "erp-orders-sender" && (k.Foundation == "one") != (k.Rule == "one-only"):
			t.Errorf("rule %q on foundation %s", k.Rule, k.Foundation)
		case k.Name == "erp-orders-sender" && k.Foundation == "one" && k.Status != "warning":
			t.Errorf("412 days left under a 500d warning: %s", k.Status)
		}
		if k.GUID == guid {
			seen++
		}
	}
	if seen != 2 {
		t.Errorf("the key was seen %d times, want once per foundation", seen)
	}
}
