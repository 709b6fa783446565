package ui

import (
	"context"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/cffake"
)

// deadAPI is an address where nothing listens: every connection is refused.
func deadAPI(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// A foundation whose first load meets connection refused shows the failure at once, and its whole cause, wrapped,
// when it is opened and on the errors page.
func TestDeadFoundationShowsItsFailure(t *testing.T) {
	t.Parallel()
	api := deadAPI(t)
	eu := stub()
	opts := Options{Refresh: time.Minute, Foundations: []Foundation{
		{Name: "eu10", API: "https://api.cf.eu10.hana.ondemand.com", Connect: func(context.Context) (Backend, error) { return eu, nil }},
		{Name: "dead", API: api, Connect: func(ctx context.Context) (Backend, error) {
			c, _, err := cf.Login(ctx, api, cf.Credentials{Grant: cf.GrantPassword, Username: "admin", Password: cf.NewSecret("pw")},
				cf.Options{Clock: func() time.Time { return uiNow }, Sleep: noSleep})
			if err != nil {
				return nil, err
			}
			return ClientBackend(c, 4, nil), nil
		}},
	}}
	start := time.Now()
	h := newHarness(t, opts, 80, 24)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the failure took %v to show", d)
	}
	h.mustShow("dead: connection refused")
	h.press("G", "enter")
	h.mustShow("could not read dead", "connection refused")
	h.fits(80, 24)
	screen := strings.Join(strings.Fields(h.screen()), "")
	if !strings.Contains(screen, strings.ReplaceAll(strings.TrimPrefix(api, "http://"), " ", "")) {
		t.Errorf("the page does not show the whole message (the address is missing):\n%s", h.screen())
	}
	h.press("e")
	h.mustShow("› errors", "dead: failed", "connection refused")
	h.fits(80, 24)
}

// A foundation that dies after its first load: the refresh fails, the data stays, marked stale, and the errors
// page has the whole message.
func TestFoundationDiesWhileShown(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return uiNow }
	fake, err := cffake.New(cffake.Options{Clock: now, Data: cffake.DemoData})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	f := Foundation{Name: "demo", API: srv.URL, Connect: func(ctx context.Context) (Backend, error) {
		c, _, err := cf.Login(ctx, srv.URL, cf.Credentials{Grant: cf.GrantPassword, Username: cffake.AdminUser, Password: cf.NewSecret(fake.Password(cffake.AdminUser))},
			cf.Options{Clock: now, HTTPClient: srv.Client(), Sleep: noSleep})
		if err != nil {
			return nil, err
		}
		return ClientBackend(c, 4, nil), nil
	}}
	h := newHarness(t, Options{Foundations: []Foundation{f}, Refresh: time.Minute, Now: now}, 100, 24)
	h.mustShow("partner-hub")
	srv.CloseClientConnections()
	srv.Close()
	h.press("r")
	h.mustShow("partner-hub", "stale since", "connection refused")
	h.press("e")
	h.mustShow("demo: showing the data of 2026-11-22 09:00:00", "connection refused")
}

// r or esc on a running load offers to cancel it; y cancels at once (the load's context ends, its answer is
// dropped), any other key keeps it loading.
func TestCancelARunningLoad(t *testing.T) {
	t.Parallel()
	b := stub()
	b.gate, b.stopped = make(chan struct{}), make(chan struct{}, 1)
	h := oneFoundation(t, b, defaultOpts(), 100, 24)
	h.mustShow("loading eu10…")
	h.press("r")
	h.mustShow("Cancel loading eu10? y cancels, any other key keeps it loading")
	h.press("n")
	h.mustNotShow("Cancel loading")
	h.mustShow("loading eu10…")
	h.press("esc") // on the first page esc has nowhere to go back to: it offers the same
	h.mustShow("Cancel loading eu10?")
	h.press("y")
	h.mustShow("cancelled; r loads again")
	h.tick(6 * time.Second)
	h.mustShow("the load was cancelled (r starts it again)", "could not read eu10")
	select {
	case <-b.stopped: // the load's context ended
	case <-time.After(10 * time.Second):
		t.Fatal("the cancelled load's context never ended")
	}
	h.tick(10 * time.Minute)
	if loads, _ := b.counts(); loads != 0 {
		t.Errorf("a cancelled load was retried in the background: %d loads", loads)
	}
	b.mu.Lock()
	b.gate = nil
	b.mu.Unlock()
	h.press("r")
	h.mustShow("acme-prod", "acme-dev", "updated 09:10:06")
}

// The UI schedules its clock tick through Options.Tick, so the test driver's fake timer fires it when the clock
// reaches it, never earlier, and nothing waits on the wall clock.
func TestTicksGoThroughTheOptions(t *testing.T) {
	t.Parallel()
	b := stub()
	h := oneFoundation(t, b, defaultOpts(), 100, 24)
	if len(h.timers) == 0 {
		t.Fatal("no tick was scheduled through Options.Tick")
	}
	h.tick(59 * time.Second)       // fires the tick due at 09:00:01; the next is due a second after: 09:00:60
	h.tick(999 * time.Millisecond) // not yet due
	if loads, _ := b.counts(); loads != 1 {
		t.Fatalf("refreshed before the minute: %d loads", loads)
	}
	h.tick(time.Millisecond)
	if loads, _ := b.counts(); loads != 2 {
		t.Errorf("the tick at the minute did not refresh: %d loads", loads)
	}
	start := time.Now()
	h.tick(time.Hour)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("an hour of ticks took %v of wall clock", d)
	}
}
