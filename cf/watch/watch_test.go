package watch_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/notify"
	"github.com/cfkeys/cfkeys/cf/policy"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/watch"
	"github.com/cfkeys/cfkeys/internal/testclock"
)

var start = testclock.Start

// sweeper answers sweeps with one key expiring in 20 days, or fails while failing is set.
type sweeper struct {
	clock   *testclock.Clock
	failing bool
}

func (s *sweeper) Sweep(context.Context) (*cf.SweepResult, error) {
	if s.failing {
		return nil, errors.New("dial tcp: connection refused \x1b[31mred")
	}
	cert := &expiry.Certificate{SubjectDN: "CN=orders", NotAfter: s.clock.Now().Add(20 * 24 * time.Hour)}
	return &cf.SweepResult{Requests: 3, Keys: []cf.KeyReport{{GUID: "g1", Name: "orders-key",
		Instance: cf.ServiceInstance{Name: "cpi", OrgName: "acme", SpaceName: "prod"}, Finding: expiry.Finding{Kind: expiry.KindCertificate, Certificate: cert}}}}, nil
}

// dead is a notification target that always fails.
type dead struct{}

func (dead) ID() string                               { return "hook:example" }
func (dead) Send(context.Context, notify.Batch) error { return errors.New("503 Service Unavailable") }

func TestHealthFollowsSweepsAndDeliveries(t *testing.T) {
	t.Parallel()
	c := testclock.New(start)
	s := &sweeper{clock: c}
	n, err := notify.New(notify.Options{Targets: []notify.Target{dead{}}, Clock: c.Now, Attempts: 2,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	w, err := watch.New(watch.Options{Interval: time.Hour, Clock: c.Now, Notifier: n,
		Foundations: []watch.Foundation{{Foundation: notify.Foundation{Name: "eu10", API: "https://api.example"}, Sweep: s.Sweep}}})
	if err != nil {
		t.Fatal(err)
	}
	if ok, reasons := w.Health(); ok || !strings.Contains(reasons[0], "no sweep has finished yet") {
		t.Errorf("before the first sweep: %v %q", ok, reasons)
	}
	w.Round(context.Background())
	ok, reasons := w.Health()
	if ok || len(reasons) != 1 || !strings.Contains(reasons[0], "notifications to hook:example failing") || !strings.Contains(reasons[0], "(1 waiting)") {
		t.Errorf("with a dead target: %v %q", ok, reasons)
	}
	body := scrape(t, w)
	for _, want := range []string{`cfkeys_notification_failures_total{target="hook:example"} 2`, `cfkeys_notification_pending{target="hook:example"} 1`,
		`cfkeys_notification_failing{target="hook:example"} 1`, `cfkeys_key_status{acked="false",api="https://api.example",foundation="eu10",guid="g1",instance="cpi",key="orders-key",org="acme",space="prod",status="warning"} 1`,
		`cfkeys_certificate_expiry_seconds{acked="false",api="https://api.example",foundation="eu10",guid="g1",instance="cpi",key="orders-key",org="acme",space="prod",subject="CN=orders"} 1.728e+06`,
		`cfkeys_keys_acked{foundation="eu10"} 0`,
		`cfkeys_sweep_requests_total{foundation="eu10"} 3`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s\n%s", want, body)
		}
	}

	// The policy decides the status through the seam, asked at every round; metrics follow it, acknowledgements
	// included.
	p := policy.Uniform(expiry.Thresholds{Warning: 60, Critical: 25})
	prepared := 0
	w2, _ := watch.New(watch.Options{Interval: time.Hour, Clock: c.Now, Classify: watch.Judge(func() *policy.Policy { return p }),
		Prepare: func() error {
			prepared++
			if prepared == 2 {
				return errors.New("policy p.yaml: line 3: \x1b[31mbroken")
			}
			return nil
		},
		Foundations: []watch.Foundation{{Foundation: notify.Foundation{Name: "eu10", API: "https://api.example"}, Sweep: s.Sweep}}})
	w2.Round(context.Background())
	if body := scrape(t, w2); !strings.Contains(body, `guid="g1",instance="cpi",key="orders-key",org="acme",space="prod",status="critical"} 1`) {
		t.Errorf("policy ignored:\n%s", body)
	}
	p = &policy.Policy{Rules: p.Rules, Acks: []policy.Ack{{Foundation: "https://api.example/", GUID: "G1", Until: start.AddDate(0, 0, 30)}}}
	w2.Round(context.Background())
	body = scrape(t, w2)
	for _, want := range []string{`cfkeys_key_status{acked="true",api="https://api.example",foundation="eu10",guid="g1",instance="cpi",key="orders-key",org="acme",space="prod",status="critical"} 1`,
		`cfkeys_keys_acked{foundation="eu10"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s\n%s", want, body)
		}
	}
	if ok, reasons := w2.Health(); ok || len(reasons) != 1 || reasons[0] != "policy p.yaml: line 3: broken" {
		t.Errorf("a failed Prepare: %v %q", ok, reasons)
	}
	w2.Round(context.Background())
	if ok, reasons := w2.Health(); !ok {
		t.Errorf("after Prepare succeeded again: %q", reasons)
	}

	// Without a classifier the built-in policy judges, as scan's without a policy file (30 and 7 days here).
	// Two intervals and a bit without a successful sweep: unhealthy even though the last one succeeded.
	w3, _ := watch.New(watch.Options{Interval: time.Hour, Clock: c.Now,
		Foundations: []watch.Foundation{{Foundation: notify.Foundation{Name: "eu10"}, Sweep: s.Sweep}}})
	w3.Round(context.Background())
	if body := scrape(t, w3); !strings.Contains(body, `key="orders-key",org="acme",space="prod",status="warning"} 1`) {
		t.Errorf("not judged by the built-in policy:\n%s", body)
	}
	if ok, _ := w3.Health(); !ok {
		t.Error("unhealthy right after a sweep")
	}
	c.Advance(2*time.Hour + time.Second)
	if ok, reasons := w3.Health(); ok || !strings.Contains(reasons[0], "more than two intervals") {
		t.Errorf("stale: %v %q", ok, reasons)
	}
	s.failing = true
	w3.Round(context.Background())
	ok, reasons = w3.Health()
	if ok || !strings.Contains(reasons[0], "the last sweep failed: dial tcp: connection refused red") {
		t.Errorf("failed: %v %q", ok, reasons)
	}
}

// scrape reads /metrics through the handler and checks it parses.
func scrape(t *testing.T, w *watch.Watcher) string {
	t.Helper()
	srv := httptest.NewServer(w.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	p := expfmt.NewTextParser(model.UTF8Validation)
	if _, err := p.TextToMetricFamilies(strings.NewReader(string(b))); err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return string(b)
}

func TestHealthReportsAStateThatCannotBeSaved(t *testing.T) {
	t.Parallel()
	c := testclock.New(start)
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "state.json")
	n, err := notify.New(notify.Options{StatePath: path, Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := watch.New(watch.Options{Interval: time.Hour, Clock: c.Now, Notifier: n,
		Foundations: []watch.Foundation{{Foundation: notify.Foundation{Name: "eu10"}, Sweep: (&sweeper{clock: c}).Sweep}}})
	w.Round(context.Background())
	if ok, reasons := w.Health(); !ok {
		t.Fatalf("healthy set-up: %q", reasons)
	}
	// The directory goes away and a file takes its place: the next change cannot be saved.
	if err := os.RemoveAll(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Dir(path), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Observe(notify.Foundation{Name: "other"}, nil); err == nil {
		t.Fatal("saved into a file's place")
	}
	ok, reasons := w.Health()
	if ok || !strings.Contains(strings.Join(reasons, "\n"), "notification state cannot be saved") {
		t.Errorf("unsaved state: %v %q", ok, reasons)
	}
}

// echoing fails its sweeps and deliveries with errors that quote a secret, as a server echoing a token does.
type echoing struct{ secret string }

func (e echoing) Sweep(context.Context) (*cf.SweepResult, error) {
	return nil, errors.New("401: Authorization: bearer " + e.secret + " refused")
}
func (e echoing) ID() string { return "hook:echo" }
func (e echoing) Send(context.Context, notify.Batch) error {
	return errors.New("535 authentication failed for " + e.secret)
}

// TestHealthRedactsSecrets: /healthz, which any client of the listen address may read, never quotes a secret a
// server echoed into a sweep or delivery error.
func TestHealthRedactsSecrets(t *testing.T) {
	t.Parallel()
	secret := "healthz-echoed-token-5d1c9e"
	_ = cf.NewSecret(secret)
	c := testclock.New(start)
	e := echoing{secret: secret}
	n, err := notify.New(notify.Options{Targets: []notify.Target{e}, Clock: c.Now, Attempts: 1,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	w, err := watch.New(watch.Options{Interval: time.Hour, Clock: c.Now, Notifier: n,
		Prepare:     func() error { return errors.New("policy: " + secret) },
		Foundations: []watch.Foundation{{Foundation: notify.Foundation{Name: "eu10", API: "https://api.example"}, Sweep: e.Sweep}}})
	if err != nil {
		t.Fatal(err)
	}
	w.Round(context.Background())
	for _, entries := range [][]report.Entry{nil, {{GUID: "g1", Name: "orders-key", Status: expiry.StatusCritical}}} {
		if _, err := n.Observe(notify.Foundation{Name: "eu10"}, entries); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.Flush(context.Background()); err == nil {
		t.Fatal("the delivery did not fail")
	}
	rec := httptest.NewRecorder()
	w.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	body := rec.Body.String()
	if rec.Code != 503 || !strings.Contains(body, "Authorization: bearer [redacted]") || !strings.Contains(body, "535 authentication failed for [redacted]") {
		t.Fatalf("healthz %d:\n%s", rec.Code, body)
	}
	if strings.Contains(body, secret) {
		t.Errorf("healthz quotes the secret:\n%s", body)
	}
}
