package ui

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/internal/testclock"
)

// demoFoundation serves the fake foundation and returns a UI foundation logged in to it as admin.
func demoFoundation(t *testing.T, now func() time.Time, data cffake.Dataset) (Foundation, *cffake.Server) {
	t.Helper()
	fake, err := cffake.New(cffake.Options{Clock: now, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	f := Foundation{Name: "demo", API: srv.URL, Connect: func(ctx context.Context) (Backend, error) {
		c, _, err := cf.Login(ctx, srv.URL, cf.Credentials{Grant: cf.GrantPassword, Username: cffake.AdminUser, Password: cf.NewSecret(fake.Password(cffake.AdminUser))},
			cf.Options{Clock: now, HTTPClient: srv.Client(), Sleep: noSleep})
		if err != nil {
			return nil, err
		}
		return ClientBackend(c, 4, nil), nil
	}}
	return f, fake
}

// noSleep stands in for the client's retry backoff: a test never waits on the wall clock.
func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// TestProgramAgainstFakeFoundation runs the whole bubbletea program (renderer, input, commands) against the fake
// foundation over HTTP at 100x40: it loads, drills to a key's detail, shows the final screen and quits.
func TestProgramAgainstFakeFoundation(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return testclock.Start }
	f, fake := demoFoundation(t, now, cffake.DemoData)
	m := &observed{Model: New(Options{Foundations: []Foundation{f}, Thresholds: expiry.DefaultThresholds, Refresh: time.Minute, Now: now})}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 40),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.TrueColor), tea.WithEnvironment([]string{"TERM=xterm-256color"})))
	m.wait(t, tm, "updated 09:00:00") // the whole first load (orgs show before the keys are read)
	tm.Send(keyMsg("a"))
	m.wait(t, tm, "› all keys")
	tm.Send(keyMsg("/"))
	tm.Type("crm-sync")
	tm.Send(keyMsg("enter"))
	tm.Send(keyMsg("enter"))
	m.wait(t, tm, "clientid")
	tm.Send(keyMsg("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*observed).Model
	screen := ansi.Strip(final.View().Content)
	for _, want := range []string{"cfkeys demo › all keys of demo › crm-sync-sender", "critical · 5 days left", "L=sap-uaa", `"key": "[redacted]"`, "<PEM: 3 certificates"} {
		if !strings.Contains(screen, want) && !strings.Contains(strings.ReplaceAll(screen, "\n", ""), want) {
			t.Errorf("final screen lacks %q:\n%s", want, screen)
		}
	}
	for _, s := range fake.Secrets() {
		if len(s) > 8 && strings.Contains(screen, s) {
			t.Error("the screen shows a secret")
		}
	}
	for i, l := range strings.Split(final.View().Content, "\n") {
		if w := ansi.StringWidth(l); w > 100 {
			t.Errorf("line %d is %d cells wide", i, w)
		}
	}
	// One load (orgs, spaces, instances, keys, details) and one details read for the detail page.
	if got := fake.RouteRequests("GET /v3/service_credential_bindings/{guid}/details"); got != 23 {
		t.Errorf("details requests = %d, want 22 for the sweep and 1 for the page", got)
	}
}

// observed wraps the Model to let a test wait until its screen shows something. The raw output of bubbletea
// v2's renderer is a stream of cell diffs, in which a word need not appear whole, so tests synchronise on the
// model's own view instead; assertions use the final model.
type observed struct {
	*Model
	mu      sync.Mutex
	want    string
	reached chan struct{}
	seen    string // the screen that showed want
}

func (o *observed) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := o.Model.Update(msg)
	o.mu.Lock()
	if o.reached != nil {
		if screen := ansi.Strip(o.Model.View().Content); strings.Contains(screen, o.want) {
			o.seen = screen
			close(o.reached)
			o.reached = nil
		}
	}
	o.mu.Unlock()
	return o, cmd
}

// nudge makes the program run Update (and so the check) once more.
type nudge struct{}

// wait blocks until the screen shows s and returns that screen (without styles). The view is only ever looked
// at on the program's own goroutine.
func (o *observed) wait(t *testing.T, tm *teatest.TestModel, s string) string {
	t.Helper()
	ch := make(chan struct{})
	o.mu.Lock()
	o.want, o.reached = s, ch
	o.mu.Unlock()
	tm.Send(nudge{})
	select {
	case <-ch:
	case <-time.After(15 * time.Second):
		t.Fatalf("the screen never showed %q", s)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.seen
}
