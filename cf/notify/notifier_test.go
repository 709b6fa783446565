package notify_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/notify"
	"github.com/cfkeys/cfkeys/cf/policy"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/internal/testclock"
)

var testNow = testclock.Start

var acme = notify.Foundation{Name: "eu10", API: "https://api.cf.eu10.example", Profile: true}

// entry is a certificate key with days left, classified with the default thresholds.
func entry(name string, days int) report.Entry {
	d := days
	cert := &expiry.Certificate{SubjectDN: "CN=" + name + ",OU=clients", NotAfter: testNow.Add(time.Duration(days) * 24 * time.Hour)}
	st := expiry.StatusOK
	switch {
	case days < 0:
		st = expiry.StatusExpired
	case days <= 7:
		st = expiry.StatusCritical
	case days <= 30:
		st = expiry.StatusWarning
	}
	return report.Entry{Foundation: acme.Name, Org: "acme", Space: "prod", Instance: "cpi", Name: name, GUID: "guid-" + name,
		Status: st, DaysRemaining: &d, Certificate: cert}
}

// recorder is a target that keeps what it was sent and fails while fail > 0.
type recorder struct {
	id      string
	batches []notify.Batch
	fail    int
}

func (r *recorder) ID() string { return r.id }

func (r *recorder) Send(_ context.Context, b notify.Batch) error {
	if r.fail > 0 {
		r.fail--
		return errors.New("connection refused")
	}
	r.batches = append(r.batches, b)
	return nil
}

// changes describes events as "kind name" strings.
func changes(events []notify.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, string(e.Kind)+" "+e.Key.Name)
	}
	return out
}

func TestObserveAnnouncesStateChangesOnly(t *testing.T) {
	t.Parallel()
	n, err := notify.New(notify.Options{Clock: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		entries []report.Entry
		want    []string
	}{
		{"first sweep announces keys already due, no new keys", []report.Entry{entry("a", 90), entry("b", 20), entry("c", -1)}, []string{"expired c", "warning b"}},
		{"same again: nothing", []report.Entry{entry("a", 90), entry("b", 20), entry("c", -1)}, nil},
		{"a enters warning, b critical", []report.Entry{entry("a", 30), entry("b", 7), entry("c", -1)}, []string{"critical b", "warning a"}},
		{"a renewed: silent", []report.Entry{entry("a", 365), entry("b", 7), entry("c", -2)}, nil},
		{"a due again, c gone, d new", []report.Entry{entry("a", 25), entry("b", 6), entry("d", 200)}, []string{"warning a", "new d", "gone c"}},
		{"critical to warning is not news", []report.Entry{entry("a", 25), entry("b", 12), entry("d", 200)}, nil},
	}
	for _, s := range steps {
		events, err := n.Observe(acme, s.entries)
		if err != nil {
			t.Fatal(err)
		}
		if got := changes(events); !slices.Equal(got, s.want) {
			t.Errorf("%s: got %q, want %q", s.name, got, s.want)
		}
	}
}

// acked is the entry with an acknowledgement in force.
func acked(e report.Entry) report.Entry {
	e.Ack = &policy.Ack{Foundation: acme.API, GUID: e.GUID, Until: testNow.AddDate(0, 1, 0), Note: "rollback key"}
	return e
}

func TestAcknowledgedKeysAreNotAnnouncedUntilTheAckLapses(t *testing.T) {
	t.Parallel()
	n, err := notify.New(notify.Options{Clock: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		entries []report.Entry
		want    []string
	}{
		{"first sweep: the acked expired key is not announced", []report.Entry{acked(entry("a", -1)), entry("b", 20), acked(entry("c", 60))}, []string{"warning b"}},
		{"acked keys getting worse: silent", []report.Entry{acked(entry("a", -2)), entry("b", 20), acked(entry("c", 5))}, nil},
		{"the ack of c lapses: announced as critical, was acked", []report.Entry{acked(entry("a", -3)), entry("b", 20), entry("c", 4)}, []string{"critical c"}},
		{"b acked while it turns critical: silent", []report.Entry{acked(entry("a", -3)), acked(entry("b", 6)), entry("c", 4)}, nil},
	}
	for _, s := range steps {
		events, err := n.Observe(acme, s.entries)
		if err != nil {
			t.Fatal(err)
		}
		if got := changes(events); !slices.Equal(got, s.want) {
			t.Errorf("%s: got %q, want %q", s.name, got, s.want)
		}
		for _, e := range events {
			if e.Key.Name == "c" && e.Previous != "acked" {
				t.Errorf("%s: c was %q, want acked", s.name, e.Previous)
			}
			if e.Key.Name == "c" {
				if m := notify.Compose(events, testNow); !strings.Contains(m.Text, "now critical (its acknowledgement lapsed)") {
					t.Errorf("the message does not say the acknowledgement lapsed:\n%s", m.Text)
				}
			}
		}
	}
}

func TestRetriesWithBackoffThenDelivers(t *testing.T) {
	t.Parallel()
	var waits []time.Duration
	target := &recorder{id: "rec", fail: 2}
	n, err := notify.New(notify.Options{Targets: []notify.Target{target}, Clock: func() time.Time { return testNow },
		Attempts: 4, Backoff: time.Second,
		Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Observe(acme, []report.Entry{entry("b", 20)}); err != nil {
		t.Fatal(err)
	}
	if err := n.Flush(context.Background()); err != nil {
		t.Fatalf("flush: %v", err)
	}
	if !slices.Equal(waits, []time.Duration{time.Second, 2 * time.Second}) {
		t.Errorf("waits %v, want 1s then 2s", waits)
	}
	if len(target.batches) != 1 || len(target.batches[0].Events) != 1 {
		t.Fatalf("delivered %+v", target.batches)
	}
	st := n.Status()[0]
	if st.Sent != 1 || st.Failures != 2 || st.Pending != 0 || st.LastError != "" {
		t.Errorf("status %+v", st)
	}
	// Nothing left: a second flush sends nothing.
	if err := n.Flush(context.Background()); err != nil || len(target.batches) != 1 {
		t.Errorf("second flush sent again: %v %d", err, len(target.batches))
	}
}

func TestUndeliveredEventsSurviveARestartAndDeliveredOnesAreNotResent(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	nosleep := func(context.Context, time.Duration) error { return nil }
	down := &recorder{id: "hook", fail: 100}
	n, err := notify.New(notify.Options{Targets: []notify.Target{down}, StatePath: path, Clock: func() time.Time { return testNow }, Sleep: nosleep, Attempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Observe(acme, []report.Entry{entry("a", 90), entry("b", 20)}); err != nil {
		t.Fatal(err)
	}
	if err := n.Flush(context.Background()); err == nil {
		t.Fatal("flush to a dead target succeeded")
	}
	if st := n.Status()[0]; st.Failures != 3 || st.Pending != 1 || st.LastError == "" || st.FailingSince.IsZero() {
		t.Errorf("status after failures: %+v", st)
	}

	// Restart: the same sweep is no news, and the pending event goes out.
	up := &recorder{id: "hook"}
	n2, err := notify.New(notify.Options{Targets: []notify.Target{up}, StatePath: path, Clock: func() time.Time { return testNow }, Sleep: nosleep})
	if err != nil {
		t.Fatal(err)
	}
	events, err := n2.Observe(acme, []report.Entry{entry("a", 90), entry("b", 20)})
	if err != nil || len(events) != 0 {
		t.Fatalf("after restart: %v %v", changes(events), err)
	}
	if err := n2.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(up.batches) != 1 || !slices.Equal(changes(up.batches[0].Events), []string{"warning b"}) {
		t.Fatalf("pending delivery: %+v", up.batches)
	}

	// Restart again: nothing pending, nothing new.
	again := &recorder{id: "hook"}
	n3, err := notify.New(notify.Options{Targets: []notify.Target{again}, StatePath: path, Clock: func() time.Time { return testNow }, Sleep: nosleep})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n3.Observe(acme, []report.Entry{entry("a", 90), entry("b", 20)}); err != nil {
		t.Fatal(err)
	}
	if err := n3.Flush(context.Background()); err != nil || len(again.batches) != 0 {
		t.Errorf("resent after restart: %v %+v", err, again.batches)
	}
}

func TestDigestOncePerDayAfterItsTime(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	target := &recorder{id: "rec"}
	n, err := notify.New(notify.Options{Targets: []notify.Target{target}, Clock: func() time.Time { return now },
		Digest: &notify.TimeOfDay{Hour: 8}})
	if err != nil {
		t.Fatal(err)
	}
	// d is expired but acknowledged: never in a digest.
	if _, err := n.Observe(acme, []report.Entry{entry("a", 90), entry("b", 20), entry("c", 3), acked(entry("d", -5))}); err != nil {
		t.Fatal(err)
	}
	_ = n.Flush(context.Background())
	for _, step := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 11, 22, 7, 59, 0, 0, time.UTC), false},
		{time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), true},
		{time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC), false},
		{time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC), true},
	} {
		now = step.at
		got, err := n.Digest()
		if err != nil || got != step.want {
			t.Errorf("digest at %s: %v %v, want %v", step.at, got, err, step.want)
		}
	}
	_ = n.Flush(context.Background())
	if len(target.batches) != 2 {
		t.Fatalf("batches: %d", len(target.batches))
	}
	if got := changes(target.batches[1].Events); !slices.Equal(got, []string{"digest c", "digest b", "digest c", "digest b"}) {
		t.Errorf("digests: %q", got)
	}
}

func TestStateFileProblemsStopTheStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A missing directory is created.
	path := filepath.Join(dir, "new", "state.json")
	if _, err := notify.New(notify.Options{StatePath: path}); err != nil {
		t.Fatalf("missing directory: %v", err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("state file: %v %v", st, err)
	}
	// A corrupt file is refused with what to do, not overwritten.
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := notify.New(notify.Options{StatePath: bad}); err == nil || !strings.Contains(err.Error(), "move it away") {
		t.Errorf("corrupt state: %v", err)
	}
	if b, _ := os.ReadFile(bad); string(b) != "{not json" {
		t.Error("a corrupt state file was overwritten")
	}
	// A path that cannot be written fails at start.
	blocker := filepath.Join(dir, "file")
	_ = os.WriteFile(blocker, nil, 0o600)
	if _, err := notify.New(notify.Options{StatePath: filepath.Join(blocker, "state.json")}); err == nil || !strings.Contains(err.Error(), "notification state") {
		t.Errorf("unwritable state: %v", err)
	}
}
