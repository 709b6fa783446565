package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/keystore"
	"github.com/cfkeys/cfkeys/internal/smtptest"
	"github.com/cfkeys/cfkeys/internal/testclock"
)

// lockedBuffer is a buffer several goroutines may write to (the watcher logs from its sweeps).
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// hookRecorder is a webhook receiver that keeps every body.
type hookRecorder struct {
	mu     sync.Mutex
	bodies []string
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.bodies = append(h.bodies, string(b))
}

func (h *hookRecorder) Bodies() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...)
}

// watchRun is cfkeys watch running in-process, driven by the test's ticks.
type watchRun struct {
	t      *testing.T
	ticks  chan time.Time
	swept  chan struct{}
	addr   string
	cancel context.CancelFunc
	done   chan error
	stderr *lockedBuffer
}

// startWatch runs cfkeys watch with args and waits for its first round of sweeps.
func startWatch(t *testing.T, env map[string]string, clock *testclock.Clock, smtpRoots *tls.Config, args ...string) *watchRun {
	t.Helper()
	return startWatchWith(t, keystore.NewMemory(), env, clock, smtpRoots, args...)
}

// startWatchWith is startWatch with a given keyring (holding the sessions of stored profiles).
func startWatchWith(t *testing.T, mem *keystore.Memory, env map[string]string, clock *testclock.Clock, smtpRoots *tls.Config, args ...string) *watchRun {
	t.Helper()
	stderr := &lockedBuffer{}
	a := defaultApp(strings.NewReader(""), io.Discard, stderr, func(k string) string { return env[k] })
	a.now = clock.Now
	a.details = cf.NewDetailsCache()
	a.keyring = func(timeout time.Duration) *keystore.Keyring { return keystore.NewWithBackend(mem, timeout) }
	w := &watchRun{t: t, ticks: make(chan time.Time), swept: make(chan struct{}, 1), done: make(chan error, 1), stderr: stderr}
	listening := make(chan string, 1)
	cmd := newWatchCmd(a, func(cmd *cobra.Command, o *watchOptions) error {
		o.ticks, o.listening = w.ticks, func(addr string) { listening <- addr }
		o.swept = func() { w.swept <- struct{}{} }
		o.sleep = func(context.Context, time.Duration) error { return nil }
		o.targets.tlsConfig = smtpRoots
		return runWatch(cmd, a, o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(stderr)
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	go func() { w.done <- cmd.ExecuteContext(ctx) }()
	select {
	case w.addr = <-listening:
	case err := <-w.done:
		t.Fatalf("watch ended: %v\n%s", err, stderr)
	}
	w.wait()
	return w
}

// wait waits for the end of a round of sweeps.
func (w *watchRun) wait() {
	w.t.Helper()
	select {
	case <-w.swept:
	case err := <-w.done:
		w.t.Fatalf("watch ended: %v\n%s", err, w.stderr)
	case <-time.After(30 * time.Second):
		w.t.Fatalf("no sweep within 30s\n%s", w.stderr)
	}
}

// tick starts a round and waits for its end.
func (w *watchRun) tick() {
	w.t.Helper()
	w.ticks <- time.Time{}
	w.wait()
}

// stop ends watch as SIGINT would and checks it ends cleanly.
func (w *watchRun) stop() {
	w.t.Helper()
	w.cancel()
	if err := <-w.done; err != nil {
		w.t.Fatalf("watch did not stop cleanly: %v", err)
	}
}

func (w *watchRun) get(path string) (int, string) {
	w.t.Helper()
	resp, err := http.Get("http://" + w.addr + path)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metrics scrapes /metrics and parses it with expfmt.
func (w *watchRun) metrics() (map[string]*dto.MetricFamily, string) {
	w.t.Helper()
	code, body := w.get("/metrics")
	if code != 200 {
		w.t.Fatalf("/metrics: %d", code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		w.t.Fatalf("parsing /metrics: %v\n%s", err, body)
	}
	return fams, body
}

// sample returns the value of the series of family name whose labels include want, and whether there is one.
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if !match {
			continue
		}
		switch {
		case m.GetGauge() != nil:
			return m.GetGauge().GetValue(), true
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue(), true
		}
	}
	return 0, false
}

// mails decodes every mail the server accepted.
func mails(t *testing.T, srv *smtptest.Server) []string {
	t.Helper()
	var out []string
	for _, m := range srv.Messages() {
		s, err := m.Decode()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestWatchEndToEnd(t *testing.T) {
	t.Parallel()
	clock := testclock.New(testNow)
	f := newFoundationAt(t, cffake.DemoData, clock.Now)
	const smtpPassword = "smtp-pa55-e2e"
	mailServer := smtptest.Start(t, "cfkeys", smtpPassword, false)
	hook := &hookRecorder{}
	hookServer := httptest.NewServer(hook)
	t.Cleanup(hookServer.Close)
	env := f.adminEnv()
	env["CFKEYS_SMTP_PASSWORD"] = smtpPassword
	env["HOOK_URL"] = hookServer.URL + "/hook/t0k3n"
	state := filepath.Join(t.TempDir(), "state.json")
	args := []string{"--api", f.url, "--org", "acme-prod", "--space", "apps", "--warn", "60d", "--critical", "7d",
		"--listen", "127.0.0.1:0", "--state-file", state, "--smtp-server", mailServer.Addr, "--smtp-user", "cfkeys",
		"--to", "ops@example.org", "--webhook", "json=env:HOOK_URL"}
	roots := &tls.Config{RootCAs: mailServer.RootCAs}
	foundation := strings.TrimPrefix(f.url, "http://")

	// First sweep: the keys already due are announced, once.
	w := startWatch(t, env, clock, roots, args...)
	got := mails(t, mailServer)
	if len(got) != 1 {
		t.Fatalf("first sweep sent %d mails\n%s", len(got), w.stderr)
	}
	for _, want := range []string{"Subject: cfkeys: 1 key critical, 2 keys in warning", "orders-app-x509 ", "orders-app-x509-next", "audit-writer-legacy-ca", "cfkeys find "} {
		if !strings.Contains(got[0], want) {
			t.Errorf("first mail lacks %q:\n%s", want, got[0])
		}
	}
	if strings.Contains(got[0], "em-orders-client") {
		t.Errorf("first mail names a key that is ok:\n%s", got[0])
	}

	fams, scraped := w.metrics()
	guid := func(name string) string { k, _ := f.fake.Key(name); return k.GUID }
	if v, ok := sample(fams, "cfkeys_key_status", map[string]string{"foundation": foundation, "key": "em-orders-client", "guid": guid("em-orders-client"), "status": "ok", "org": "acme-prod"}); !ok || v != 1 {
		t.Errorf("status of em-orders-client: %v %v", v, ok)
	}
	if v, ok := sample(fams, "cfkeys_certificate_expiry_seconds", map[string]string{"key": "em-orders-client"}); !ok || v < 60*86400 || v > 62*86400 {
		t.Errorf("expiry seconds of em-orders-client: %v %v", v, ok)
	}
	if v, ok := sample(fams, "cfkeys_scan_success", map[string]string{"foundation": foundation, "api": f.url}); !ok || v != 1 {
		t.Errorf("scan success: %v %v", v, ok)
	}
	if v, ok := sample(fams, "cfkeys_keys", map[string]string{"status": "warning"}); !ok || v != 2 {
		t.Errorf("warning count: %v %v", v, ok)
	}
	if v, ok := sample(fams, "cfkeys_sweep_requests_total", nil); !ok || v < 3 {
		t.Errorf("requests: %v %v", v, ok)
	}
	for _, name := range []string{"cfkeys_sweep_duration_seconds", "cfkeys_last_success_timestamp_seconds", "cfkeys_sweep_errors_total",
		"cfkeys_notifications_sent_total", "go_goroutines", "process_start_time_seconds"} {
		if fams[name] == nil {
			t.Errorf("no %s in /metrics", name)
		}
	}
	if code, body := w.get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, body := w.get("/"); code != 200 || !strings.Contains(body, `href="/metrics"`) || !strings.Contains(body, `href="/healthz"`) {
		t.Errorf("/: %d %q", code, body)
	}

	// Nothing changed: nothing sent.
	w.tick()
	if n := len(mailServer.Messages()); n != 1 {
		t.Errorf("an unchanged sweep sent mail: %d", n)
	}

	// Two days later em-orders-client (61 days at start) is within --warn 60d: exactly one notification.
	clock.Advance(48 * time.Hour)
	w.tick()
	w.tick()
	got = mails(t, mailServer)
	if len(got) != 2 {
		t.Fatalf("crossing into warning sent %d mails in all, want 2\n%s", len(got), w.stderr)
	}
	if !strings.Contains(got[1], "Subject: cfkeys: 1 key in warning") || !strings.Contains(got[1], "em-orders-client") || !strings.Contains(got[1], "now warning (was ok)") ||
		strings.Contains(got[1], "orders-app-x509-next") {
		t.Errorf("second mail:\n%s", got[1])
	}
	hooks := hook.Bodies()
	if len(hooks) != 2 {
		t.Fatalf("webhook got %d posts, want 2", len(hooks))
	}
	var doc struct {
		Schema int
		Keys   []struct{ Name, Status string }
	}
	if err := json.Unmarshal([]byte(hooks[1]), &doc); err != nil || doc.Schema != 1 || len(doc.Keys) != 1 || doc.Keys[0].Name != "em-orders-client" || doc.Keys[0].Status != "warning" {
		t.Errorf("webhook payload %v: %s", err, hooks[1])
	}

	// A key is created and another deleted: one mail says both.
	inst, _ := f.fake.Key("orders-app-x509-next")
	adminRequest(t, f, http.MethodPost, "/v3/service_credential_bindings",
		`{"type":"key","name":"orders-app-x509-rotated","relationships":{"service_instance":{"data":{"guid":"`+inst.InstanceGUID+`"}}}}`)
	adminRequest(t, f, http.MethodDelete, "/v3/service_credential_bindings/"+inst.GUID, "")
	clock.Advance(time.Minute) // the broker finishes both jobs
	w.tick()
	got = mails(t, mailServer)
	if len(got) != 3 || !strings.Contains(got[2], "Subject: cfkeys: 1 new key, 1 key gone") || !strings.Contains(got[2], "orders-app-x509-rotated") ||
		!strings.Contains(got[2], "orders-app-x509-next") {
		t.Fatalf("new and gone keys: %d mails\n%s", len(got), got[len(got)-1])
	}
	w.tick()
	if n := len(mailServer.Messages()); n != 3 {
		t.Errorf("new and gone keys announced twice: %d mails", n)
	}

	// The foundation fails: /healthz says so, /metrics too, and nobody gets mail about keys "gone".
	f.fake.Inject(cffake.Fault{PathPrefix: "/v3/service_instances", Status: http.StatusForbidden, ContentType: "application/json",
		Body: `{"errors":[{"detail":"You are not authorized to perform the requested action","title":"CF-NotAuthorized","code":10003}]}`})
	w.tick()
	code, body := w.get("/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "foundation "+foundation+": the last sweep failed") || !strings.Contains(body, "not authorized") {
		t.Errorf("/healthz with a failing foundation: %d %q", code, body)
	}
	fams, failedScrape := w.metrics()
	scraped += failedScrape
	if v, ok := sample(fams, "cfkeys_scan_success", nil); !ok || v != 0 {
		t.Errorf("scan success after failure: %v %v", v, ok)
	}
	if v, _ := sample(fams, "cfkeys_sweep_errors_total", nil); v != 1 {
		t.Errorf("sweep errors: %v", v)
	}
	if n := len(mailServer.Messages()); n != 3 {
		t.Errorf("a failed sweep sent mail: %d", n)
	}
	f.fake.ClearFaults()
	w.tick()
	if code, _ := w.get("/healthz"); code != 200 {
		t.Errorf("/healthz after recovery: %d", code)
	}
	w.stop()

	// A restart remembers what was sent.
	w2 := startWatch(t, env, clock, roots, args...)
	w2.tick()
	w2.stop()
	if n := len(mailServer.Messages()); n != 3 {
		t.Errorf("a restart sent mail again: %d mails", n)
	}
	if n := len(hook.Bodies()); n != 3 {
		t.Errorf("a restart posted again: %d posts", n)
	}

	// Nothing secret anywhere.
	everything := strings.Join(append(append(mails(t, mailServer), hook.Bodies()...), w.stderr.String(), w2.stderr.String(), scraped), "\n")
	for _, s := range append(f.fake.Secrets(), smtpPassword, "t0k3n") {
		if s != "" && strings.Contains(everything, s) {
			t.Errorf("a secret leaked: %.12s...", s)
		}
	}
}

// adminRequest sends a Cloud Controller request to the fake as its admin, as the cf CLI would.
func adminRequest(t *testing.T, f *testFoundation, method, path, body string) {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "username": {cffake.AdminUser}, "password": {f.fake.Password(cffake.AdminUser)}}
	req, _ := http.NewRequest(http.MethodPost, f.url+"/oauth/token", strings.NewReader(form.Encode()))
	req.SetBasicAuth("cf", "")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	req, _ = http.NewRequest(method, f.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("%s %s: %s", method, path, resp.Status)
	}
}

func TestWatchStoredProfiles(t *testing.T) {
	t.Parallel()
	clock := testclock.New(testNow)
	one, two := newTestFoundation(t, cffake.DemoData), newTestFoundation(t, cffake.DemoData)
	ws := newWorkstation(t)
	ws.mustRun("login", "-a", one.url, "--name", "one", "-u", cffake.AdminUser, "-p", one.fake.Password(cffake.AdminUser))
	ws.mustRun("login", "-a", two.url, "--name", "two", "--client-credentials", "--client-id", cffake.MonitorClient, "--client-secret", two.fake.ClientSecret(cffake.MonitorClient))
	hook := &hookRecorder{}
	hookServer := httptest.NewServer(hook)
	t.Cleanup(hookServer.Close)

	w := startWatchWith(t, ws.keyring, ws.env, clock, nil, "--all-profiles", "--listen", "127.0.0.1:0", "--org", "acme-prod",
		"--webhook", "slack="+hookServer.URL+"/t0k3n")
	fams, _ := w.metrics()
	for _, name := range []string{"one", "two"} {
		if v, ok := sample(fams, "cfkeys_scan_success", map[string]string{"foundation": name}); !ok || v != 1 {
			t.Errorf("foundation %s: success %v %v\n%s", name, v, ok, w.stderr)
		}
	}
	bodies := hook.Bodies()
	if len(bodies) != 1 || !strings.Contains(bodies[0], "--profile one") || !strings.Contains(bodies[0], "--profile two") {
		t.Fatalf("slack posts: %q", bodies)
	}

	// One foundation down: the other still reports, and /healthz names the one that failed.
	two.fake.Inject(cffake.Fault{PathPrefix: "/v3/organizations", Status: http.StatusForbidden, ContentType: "application/json",
		Body: `{"errors":[{"detail":"You are not authorized","title":"CF-NotAuthorized","code":10003}]}`})
	w.tick()
	code, body := w.get("/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "foundation two:") || strings.Contains(body, "foundation one:") {
		t.Errorf("/healthz: %d %q", code, body)
	}
	fams, _ = w.metrics()
	if v, _ := sample(fams, "cfkeys_scan_success", map[string]string{"foundation": "one"}); v != 1 {
		t.Errorf("foundation one after two failed: %v", v)
	}
	if v, ok := sample(fams, "cfkeys_scan_success", map[string]string{"foundation": "two"}); !ok || v != 0 {
		t.Errorf("foundation two: %v %v", v, ok)
	}
	w.stop()
	for _, s := range append(append(one.fake.Secrets(), two.fake.Secrets()...), "t0k3n") {
		if strings.Contains(w.stderr.String(), s) || strings.Contains(strings.Join(hook.Bodies(), ""), s) {
			t.Errorf("a secret leaked: %.12s...", s)
		}
	}
}
