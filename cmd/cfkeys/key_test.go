package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/keystore"
)

// writeBench runs write commands in-process against a fake foundation: a state directory for journals, a config
// directory and keyring that outlive each run, and job polling that does not really wait.
type writeBench struct {
	t        *testing.T
	f        *testFoundation
	env      map[string]string
	keyring  *keystore.Memory
	stdin    string
	stdinTTY bool
	all      strings.Builder // every output, for the secret check
	ctx      context.Context // the run's context (default: never cancelled)
	onSleep  func()          // called at every job-poll wait
}

func newWriteBench(t *testing.T, data cffake.Dataset) *writeBench {
	t.Helper()
	b := newBareWriteBench(t)
	b.f = newTestFoundation(t, data)
	b.env["CF_PASSWORD"] = b.f.fake.Password(cffake.DeveloperUser)
	return b
}

// newBareWriteBench is a bench without a foundation, for a test that serves its own (b.f, and CF_PASSWORD).
func newBareWriteBench(t *testing.T) *writeBench {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{"CFKEYS_STATE_DIR": filepath.Join(dir, "state"), "CFKEYS_CONFIG_DIR": filepath.Join(dir, "config"),
		"CF_USERNAME": cffake.DeveloperUser}
	return &writeBench{t: t, env: env, keyring: keystore.NewMemory()}
}

func (b *writeBench) run(args ...string) (string, string, int) {
	b.t.Helper()
	var out, errOut bytes.Buffer
	a := defaultApp(strings.NewReader(b.stdin), &out, &errOut, func(k string) string { return b.env[k] })
	a.now = func() time.Time { return testNow }
	a.details = cf.NewDetailsCache()
	a.stdinTTY = b.stdinTTY
	a.keyring = func(timeout time.Duration) *keystore.Keyring { return keystore.NewWithBackend(b.keyring, timeout) }
	polls := 0
	a.sleep = func(ctx context.Context, d time.Duration) error {
		if polls++; polls > 200 {
			return errors.New("polled 200 times: the test would hang")
		}
		if b.onSleep != nil {
			b.onSleep()
		}
		return ctx.Err()
	}
	ctx := b.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	code := Main(ctx, args, a)
	b.all.WriteString(out.String() + errOut.String())
	return out.String(), errOut.String(), code
}

// writes counts the requests that change the foundation.
func (b *writeBench) writes() int64 {
	return b.f.fake.RouteRequests("POST /v3/service_credential_bindings") + b.f.fake.RouteRequests("DELETE /v3/service_credential_bindings/{guid}") +
		b.f.fake.RouteRequests("PATCH /v3/service_credential_bindings/{guid}") + b.f.fake.RouteRequests("POST /v3/service_instances")
}

func (b *writeBench) key(name string) cffake.KeyInfo {
	b.t.Helper()
	k, ok := b.f.fake.Key(name)
	if !ok {
		b.t.Fatalf("no key %q", name)
	}
	return k
}

func TestWritesRefusedOnReadOnlyFoundation(t *testing.T) {
	t.Parallel()
	b := newWriteBench(t, cffake.DemoData)
	crm := b.key("crm-sync-sender")
	for _, args := range [][]string{
		{"key", "rotate", crm.GUID, "--yes", "--api", b.f.url},
		{"key", "delete", crm.GUID, "--yes", "--api", b.f.url},
		{"key", "create", "--instance", "cpi-dev", "--name", "x", "--api", b.f.url},
		{"instance", "create", "--offering", "it-rt", "--plan", "api", "--name", "x", "--org", "acme-dev", "--space", "dev", "--api", b.f.url},
	} {
		_, stderr, code := b.run(args...)
		if code != 3 || !strings.Contains(stderr, "is read-only for cfkeys: pass --allow-writes") {
			t.Errorf("%v: exit %d %q", args[:2], code, stderr)
		}
	}
	if n := b.f.fake.Requests(); n != 0 {
		t.Errorf("a refused write sent %d requests", n)
	}
}

func TestProfileAllowWrites(t *testing.T) {
	t.Parallel()
	b := newWriteBench(t, cffake.DemoData)
	if _, stderr, code := b.run("login", "-a", b.f.url, "--name", "demo"); code != 0 {
		t.Fatalf("login: %s", stderr)
	}
	crm := b.key("crm-sync-sender")
	before := b.f.fake.Requests()
	_, stderr, code := b.run("key", "rotate", crm.GUID, "--yes")
	if code != 3 || !strings.Contains(stderr, `profile "demo" is read-only: allow writes with cfkeys profiles set demo --allow-writes on`) || b.f.fake.Requests() != before {
		t.Fatalf("read-only profile: exit %d %q, %d requests", code, stderr, b.f.fake.Requests()-before)
	}
	if out, _, _ := b.run("profiles"); !strings.Contains(out, "WRITES") || !strings.Contains(out, "read-only") {
		t.Errorf("profiles:\n%s", out)
	}
	if out, stderr, code := b.run("profiles", "set", "demo", "--allow-writes", "on"); code != 0 || !strings.Contains(out, `Profile "demo" allows writes.`) {
		t.Fatalf("profiles set: %d %s %s", code, out, stderr)
	}
	if out, _, _ := b.run("profiles"); !strings.Contains(out, "allowed") {
		t.Errorf("profiles after set:\n%s", out)
	}
	if out, stderr, code := b.run("key", "rotate", crm.GUID, "--yes", "--delete-old"); code != 0 {
		t.Fatalf("rotate on an allowed profile: exit %d\n%s%s", code, out, stderr)
	}
	if _, _, code := b.run("profiles", "set", "nope", "--allow-writes", "on"); code != 3 {
		t.Errorf("unknown profile: exit %d", code)
	}
	if _, _, code := b.run("login", "-a", b.f.url, "--name", "w", "--allow-writes"); code != 0 {
		t.Fatal("login --allow-writes")
	}
	if out, _, _ := b.run("profiles"); strings.Count(out, "allowed") != 2 {
		t.Errorf("login --allow-writes:\n%s", out)
	}
}

func TestKeyRotateDryRun(t *testing.T) {
	t.Parallel()
	b := newWriteBench(t, cffake.DemoData)
	start := b.f.fake.Requests()
	stdout, stderr, code := b.run("key", "rotate", "--within", "30d", "--org", "acme-prod", "--dry-run", "--api", b.f.url)
	if code != 1 { // partner-edi-external needs a certificate
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if b.writes() != 0 {
		t.Errorf("a dry run sent %d writes", b.writes())
	}
	for _, want := range []string{"crm-sync-sender-2026-11-22", `{"key-length":2048,"key-type":"certificate","validity":365} (read from the broker)`,
		"skipped: needs a new certificate (--certificate-file)", "orders-app-x509-2026-11-22", "kept, marked replaced-by its successor"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "dry run: 4 of 5 keys would be rotated; nothing was changed") {
		t.Errorf("stderr %q", stderr)
	}
	t.Logf("dry run of 5 keys: %d requests", b.f.fake.Requests()-start)
	if entries, _ := os.ReadDir(b.env["CFKEYS_STATE_DIR"]); len(entries) != 0 {
		t.Errorf("a dry run wrote a journal")
	}
	stdout, _, _ = b.run("key", "rotate", b.key("crm-sync-sender").GUID, "--dry-run", "-o", "json", "--api", b.f.url)
	var doc struct {
		Plan []struct{ NewName, Step string } `json:"plan"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || len(doc.Plan) != 1 || doc.Plan[0].Step != "planned" {
		t.Errorf("json plan: %v\n%s", err, stdout)
	}
}

func TestKeyRotateCommand(t *testing.T) {
	t.Parallel()
	b := newWriteBench(t, cffake.DemoData)
	crm, x509 := b.key("crm-sync-sender"), b.key("orders-app-x509")

	// Without a terminal and without --yes nothing happens.
	_, stderr, code := b.run("key", "rotate", crm.GUID, "--api", b.f.url, "--allow-writes")
	if code != 3 || !strings.Contains(stderr, "pass --yes") || b.writes() != 0 {
		t.Fatalf("no confirmation: exit %d %q", code, stderr)
	}
	// A terminal that does not answer yes: nothing happens either.
	b.stdinTTY, b.stdin = true, "no\n"
	if _, stderr, code = b.run("key", "rotate", crm.GUID, "--api", b.f.url, "--allow-writes"); code != 3 || b.writes() != 0 {
		t.Fatalf("declined: exit %d %q", code, stderr)
	}
	b.stdin = "yes\n"
	stdout, stderr, code := b.run("key", "rotate", crm.GUID, x509.GUID, "--api", b.f.url, "--allow-writes", "--delete-old", "--concurrency", "2")
	if code != 0 {
		t.Fatalf("rotate: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"crm-sync-sender-2026-11-22", "orders-app-x509-2026-11-22", "done", "Journal: " + b.env["CFKEYS_STATE_DIR"]} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	if _, ok := b.f.fake.Key("crm-sync-sender"); ok {
		t.Error("old key not deleted")
	}
	n, ok := b.f.fake.Key("crm-sync-sender-2026-11-22")
	if !ok || b.f.fake.KeyAnnotations(n.GUID)[cf.AnnotationReplaces] != crm.GUID {
		t.Errorf("successor %+v", n)
	}
	journals, _ := filepath.Glob(filepath.Join(b.env["CFKEYS_STATE_DIR"], "rotate-*.json"))
	if len(journals) != 1 {
		t.Fatalf("journals %v", journals)
	}
	st, _ := os.Stat(journals[0])
	data, _ := os.ReadFile(journals[0])
	var doc cf.JournalDoc
	if st.Mode().Perm() != 0o600 || json.Unmarshal(data, &doc) != nil || !doc.Finished || len(doc.Items) != 2 || doc.Items[0].Step != cf.StepDone {
		t.Errorf("journal %v: %s", st.Mode(), data)
	}
	b.all.Write(data)

	// The external-certificate key without a certificate: skipped, exit 1; the summary says why.
	ext := b.key("partner-edi-external")
	stdout, _, code = b.run("key", "rotate", ext.GUID, "--api", b.f.url, "--allow-writes", "--yes")
	if code != 1 || !strings.Contains(stdout, "needs a new certificate") {
		t.Errorf("external without a PEM: exit %d\n%s", code, stdout)
	}
	assertNoSecrets(t, b)
}

func TestKeyRotateResume(t *testing.T) {
	t.Parallel()
	b := newWriteBench(t, cffake.DemoData)
	crm := b.key("crm-sync-sender")
	// The broker fails: the run fails, the old key stays, the journal stays unfinished.
	b.f.fake.FailBroker("cpi-orders-inbound", "certificate service unavailable")
	stdout, stderr, code := b.run("key", "rotate", crm.GUID, "--api", b.f.url, "--allow-writes", "--yes", "--delete-old")
	if code != 3 || !strings.Contains(stdout, "certificate service unavailable") {
		t.Fatalf("broker failure: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, ok := b.f.fake.Key("crm-sync-sender"); !ok {
		t.Fatal("old key deleted after a failure")
	}
	// The failed successor stays on the foundation, as the Cloud Controller keeps it. Resuming removes it and
	// makes one that works: one successor in the end, and the old key deleted only then.
	failed := successorsOf(b, crm.GUID)
	if len(failed) != 1 {
		t.Fatalf("%d successors after the failure", len(failed))
	}
	b.f.fake.FailBroker("cpi-orders-inbound", "")
	stdout, stderr, code = b.run("key", "rotate", "--resume", "--api", b.f.url, "--allow-writes", "--yes", "--delete-old")
	if !strings.Contains(stderr, "resuming") || code != 0 {
		t.Errorf("resume: exit %d\n%s%s", code, stdout, stderr)
	}
	if succ := successorsOf(b, crm.GUID); len(succ) != 1 || succ[0].GUID == failed[0].GUID {
		t.Errorf("successors %+v (the failed one was %s)", succ, failed[0].GUID)
	}
	if _, ok := b.f.fake.Key("crm-sync-sender"); ok {
		t.Error("old key not deleted after the resumed rotation")
	}
	if _, stderr, code = b.run("key", "rotate", "--resume", "--api", b.f.url, "--allow-writes", "--yes"); code != 3 || !strings.Contains(stderr, "no unfinished rotation") {
		t.Errorf("nothing left to resume: exit %d %q", code, stderr)
	}
	if _, stderr, code = b.run("key", "rotate", "--resume", "--api", "http://127.0.0.1:1", "--allow-writes", "--yes"); code != 3 {
		t.Errorf("resume elsewhere: exit %d %q", code, stderr)
	}
}

func successorsOf(b *writeBench, guid string) []cffake.KeyInfo {
	var out []cffake.KeyInfo
	for _, k := range b.f.fake.Keys() {
		if b.f.fake.KeyAnnotations(k.GUID)[cf.AnnotationReplaces] == guid {
			out = append(out, k)
		}
	}
	return out
}

func TestKeyCreateAndDelete(t *testing.T) {
	t.Parallel()
	b := newWriteBench(t, cffake.DemoData)
	api := []string{"--api", b.f.url, "--allow-writes"}
	credsFile := filepath.Join(t.TempDir(), "handover.json")

	// A preset that does not fit the offering: refused before any write.
	_, stderr, code := b.run(append([]string{"key", "create", "--instance", "orders-app-uaa", "--name", "k", "--key-type", "certificate"}, api...)...)
	if code != 3 || !strings.Contains(stderr, "xsuaa keys take --credential-type") || b.writes() != 0 {
		t.Errorf("preset mismatch: exit %d %q", code, stderr)
	}
	before := b.f.fake.Requests()
	_, stderr, code = b.run(append([]string{"key", "create", "--instance", "cpi-dev", "--name", "k", "--key-type", "certificate", "--validity", "400"}, api...)...)
	if code != 3 || !strings.Contains(stderr, "--validity must be 1 to 365 days") || b.f.fake.Requests() != before {
		t.Errorf("bad validity: exit %d %q (%d requests)", code, stderr, b.f.fake.Requests()-before)
	}
	// Dry run: the request, no write.
	stdout, _, code := b.run(append([]string{"key", "create", "--instance", "cpi-dev", "--org", "acme-dev", "--space", "dev", "--name", "k", "--key-type", "certificate", "--validity", "90", "--dry-run"}, api...)...)
	if code != 0 || !strings.Contains(stdout, "POST /v3/service_credential_bindings") || !strings.Contains(stdout, `"validity": 90`) || b.writes() != 0 {
		t.Errorf("dry run: exit %d\n%s", code, stdout)
	}
	// The real thing, with the credentials handed over in a file.
	stdout, stderr, code = b.run(append([]string{"key", "create", "--instance", "cpi-dev", "--name", "k", "--key-type", "certificate", "--validity", "90", "--credentials-file", credsFile}, api...)...)
	if code != 0 || !strings.Contains(stdout, "status         ok, 90 days left") || !strings.Contains(stderr, "credentials written to") {
		t.Fatalf("create: exit %d\n%s%s", code, stdout, stderr)
	}
	st, err := os.Stat(credsFile)
	data, _ := os.ReadFile(credsFile)
	if err != nil || st.Mode().Perm() != 0o600 || !strings.Contains(string(data), "PRIVATE KEY") {
		t.Errorf("credentials file: %v %v", err, st.Mode())
	}
	_, stderr, code = b.run(append([]string{"key", "create", "--instance", "cpi-dev", "--name", "k2", "--credentials-file", credsFile}, api...)...)
	if code != 3 || !strings.Contains(stderr, "exists; pass --force") {
		t.Errorf("overwrite: exit %d %q", code, stderr)
	}
	if _, stderr, code = b.run(append([]string{"key", "create", "--instance", "cpi-dev", "--name", "k2", "--show-credentials"}, api...)...); code != 3 || !strings.Contains(stderr, "terminal only") {
		t.Errorf("--show-credentials off a terminal: exit %d %q", code, stderr)
	}
	// The same name again: the Cloud Controller's 422, as it says it.
	if _, stderr, code = b.run(append([]string{"key", "create", "--instance", "cpi-dev", "--name", "k"}, api...)...); code != 3 || !strings.Contains(stderr, "Key binding names must be unique") {
		t.Errorf("duplicate: exit %d %q", code, stderr)
	}
	// An auditor's 403, explained.
	if _, stderr, code = b.run(append([]string{"key", "create", "--instance", "cpi-sandbox", "--name", "k"}, api...)...); code != 3 || !strings.Contains(stderr, `needs the Space Developer role in space "sandbox" of org "acme-dev"`) {
		t.Errorf("auditor: exit %d %q", code, stderr)
	}

	k := b.key("k")
	if _, stderr, code = b.run(append([]string{"key", "delete", k.GUID}, api...)...); code != 3 || !strings.Contains(stderr, "--yes") {
		t.Errorf("delete without --yes: exit %d %q", code, stderr)
	}
	b.stdinTTY, b.stdin = true, "not-the-name\n"
	if _, _, code = b.run(append([]string{"key", "delete", k.GUID}, api...)...); code != 3 {
		t.Errorf("delete with the wrong name typed: exit %d", code)
	}
	b.stdin = "k\n"
	if stdout, stderr, code = b.run(append([]string{"key", "delete", k.GUID}, api...)...); code != 0 || !strings.Contains(stdout, "Deleted key") {
		t.Errorf("delete: exit %d %s %s", code, stdout, stderr)
	}
	if _, ok := b.f.fake.Key("k"); ok {
		t.Error("key still there")
	}
	assertNoSecrets(t, b)
}

func TestInstanceCreate(t *testing.T) {
	t.Parallel()
	b := newWriteBench(t, cffake.DemoData)
	args := []string{"instance", "create", "--offering", "it-rt", "--plan", "integration-flow", "--name", "erp-inbound", "--org", "acme-prod", "--space", "integration",
		"--roles", "ESBMessaging.send", "--grant-types", "client_credentials,client_x509", "--key", "erp-sender", "--key-type", "certificate", "--validity", "30",
		"--api", b.f.url, "--allow-writes"}
	stdout, stderr, code := b.run(args...)
	if code != 0 || !strings.Contains(stdout, "Created instance erp-inbound (it-rt, plan integration-flow)") || !strings.Contains(stdout, "erp-sender") || !strings.Contains(stdout, "30 days left") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	si, ok := b.f.fake.Instance("erp-inbound")
	if got, _ := json.Marshal(si.Parameters); !ok || si.State != "create succeeded" || string(got) != `{"grant-types":["client_credentials","client_x509"],"roles":["ESBMessaging.send"]}` {
		t.Errorf("instance %+v %s", si, got)
	}
	// A grant type the broker refuses: the broker's message.
	args[7], args[15] = "bad-inbound", "magic"
	if _, stderr, code = b.run(args...); code != 3 || !strings.Contains(stderr, `grant type "magic" is not supported`) {
		t.Errorf("broker refusal: exit %d %q", code, stderr)
	}
	assertNoSecrets(t, b)
}

// assertNoSecrets looks for every secret of the fake foundation in everything the bench's commands printed (and
// the journals it read), as TestNoSecretInOutput does for scan and find.
func assertNoSecrets(t *testing.T, b *writeBench) {
	t.Helper()
	out := b.all.String()
	for _, s := range b.f.fake.Secrets() {
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

// TestRotateRequestCounts pins the figures the README gives: the requests of a dry run and of a rotation of one
// key named by GUID, login included.
func TestRotateRequestCounts(t *testing.T) {
	t.Parallel()
	b := newWriteBench(t, cffake.DemoData)
	crm := b.key("crm-sync-sender")
	start := b.f.fake.Requests()
	if _, stderr, code := b.run("key", "rotate", crm.GUID, "--dry-run", "--api", b.f.url); code != 0 {
		t.Fatal(stderr)
	}
	dry := b.f.fake.Requests() - start
	start = b.f.fake.Requests()
	if _, stderr, code := b.run("key", "rotate", crm.GUID, "--yes", "--delete-old", "--api", b.f.url, "--allow-writes"); code != 0 {
		t.Fatal(stderr)
	}
	full := b.f.fake.Requests() - start
	// Dry run: GET /, token, the key, its instance, its details, its parameters. The rotation adds the 11 of the
	// lifecycle (list the instance's keys, create, 2 job polls, the new key, its details, the old key, PATCH,
	// DELETE, 2 job polls).
	if dry != 6 || full != 17 {
		t.Errorf("dry run %d requests, rotation %d", dry, full)
	}
	t.Logf("dry run: %d requests; rotation with --delete-old: %d", dry, full)
}

func TestKeyRotateJSONSummary(t *testing.T) {
	t.Parallel()
	b := newWriteBench(t, cffake.DemoData)
	crm, ext := b.key("crm-sync-sender"), b.key("partner-edi-external")
	stdout, stderr, code := b.run("key", "rotate", crm.GUID, ext.GUID, "--yes", "-o", "json", "--api", b.f.url, "--allow-writes")
	if code != 1 {
		t.Fatalf("exit %d (want 1: one key skipped)\n%s%s", code, stdout, stderr)
	}
	// The plan, then the summary: two JSON documents.
	dec := json.NewDecoder(strings.NewReader(stdout))
	var plan struct{ Plan []cf.PlanRow }
	var sum struct {
		Summary []cf.PlanRow
		Journal string
	}
	if err := dec.Decode(&plan); err != nil || len(plan.Plan) != 2 {
		t.Fatalf("plan: %v\n%s", err, stdout)
	}
	if err := dec.Decode(&sum); err != nil || len(sum.Summary) != 2 || sum.Journal == "" {
		t.Fatalf("summary: %v\n%s", err, stdout)
	}
	done, skipped := sum.Summary[0], sum.Summary[1]
	if done.OldName != "crm-sync-sender" || done.Step != cf.StepDone || done.NewGUID == "" || done.NewExpiry == nil || !done.NewExpiry.After(*done.OldExpiry) {
		t.Errorf("rotated row %+v", done)
	}
	if skipped.Step != cf.StepSkipped || !strings.Contains(skipped.Note, "needs a new certificate") {
		t.Errorf("skipped row %+v", skipped)
	}
	if _, ok := b.f.fake.Key("crm-sync-sender"); !ok {
		t.Error("without --delete-old the old key must stay")
	}
	assertNoSecrets(t, b)
}

// TestKeyRotateCtrlC interrupts a rotation of two keys while the first successor's job runs: that step finishes,
// nothing new starts, the summary says what remains, and --resume completes the work without a second successor.
func TestKeyRotateCtrlC(t *testing.T) {
	t.Parallel()
	b := newWriteBench(t, cffake.DemoData)
	crm, x509 := b.key("crm-sync-sender"), b.key("orders-app-x509")
	ctx, cancel := context.WithCancel(context.Background())
	b.ctx, b.onSleep = ctx, cancel // Ctrl-C at the first wait for a job
	stdout, stderr, code := b.run("key", "rotate", crm.GUID, x509.GUID, "--yes", "--delete-old", "--api", b.f.url, "--allow-writes")
	if code != 3 || !strings.Contains(stderr, "interrupted: finishing the steps in flight") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "interrupted after this step: run again with --resume") || !strings.Contains(stdout, "not started (interrupted)") {
		t.Errorf("summary:\n%s", stdout)
	}
	if _, ok := b.f.fake.Key("crm-sync-sender"); !ok || len(successorsOf(b, crm.GUID)) != 1 || len(successorsOf(b, x509.GUID)) != 0 {
		t.Fatalf("after Ctrl-C: old kept %v, successors %d/%d", ok, len(successorsOf(b, crm.GUID)), len(successorsOf(b, x509.GUID)))
	}
	b.ctx, b.onSleep = nil, nil
	stdout, stderr, code = b.run("key", "rotate", "--resume", "--yes", "--delete-old", "--api", b.f.url, "--allow-writes")
	if code != 0 {
		t.Fatalf("resume: exit %d\n%s%s", code, stdout, stderr)
	}
	if len(successorsOf(b, crm.GUID)) != 1 || len(successorsOf(b, x509.GUID)) != 1 {
		t.Errorf("successors %d/%d", len(successorsOf(b, crm.GUID)), len(successorsOf(b, x509.GUID)))
	}
	for _, name := range []string{"crm-sync-sender", "orders-app-x509"} {
		if _, ok := b.f.fake.Key(name); ok {
			t.Errorf("%s not deleted after the resumed run", name)
		}
	}
}

// The dry runs of key create, key delete and instance create print org, space, instance, plan and key names as
// the API gave them: made safe for the terminal first, as every other line is.
func TestWriteDryRunsCleanAPINames(t *testing.T) {
	t.Parallel()
	b := newWriteBench(t, cffake.Dataset{Hostile: true})
	api := []string{"--api", b.f.url, "--allow-writes", "--dry-run"}
	var hostile cffake.KeyInfo
	for _, k := range b.f.fake.Keys() {
		if strings.Contains(k.Name, "click-me") {
			hostile = k
		}
	}
	if hostile.GUID == "" {
		t.Fatal("no hostile key in the fake")
	}
	for _, args := range [][]string{
		{"key", "create", "--instance", hostile.InstanceName, "--name", "k", "--key-type", "certificate"},
		{"key", "delete", hostile.GUID},
		{"instance", "create", "--org", hostile.OrgName, "--space", hostile.SpaceName, "--name", "i", "--offering", "it-rt", "--plan", "integration-flow"},
	} {
		stdout, stderr, code := b.run(append(args, api...)...)
		if code != 0 || !strings.Contains(stdout, "Would ") {
			t.Errorf("%v: exit %d\n%s%s", args[:2], code, stdout, stderr)
		}
		if strings.ContainsAny(stdout+stderr, "\x1b\x07") {
			t.Errorf("%v prints escape sequences: %q", args[:2], stdout+stderr)
		}
	}
	if b.writes() != 0 {
		t.Errorf("%d writes in dry runs", b.writes())
	}
}
