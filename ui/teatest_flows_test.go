package ui

import (
	"context"
	"strings"
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

// program runs the whole bubbletea program against a fresh fake foundation at width x height, waits for the
// first load, and returns the observed model, the test model and the fake.
func program(t *testing.T, width, height int) (*observed, *teatest.TestModel, *cffake.Server) {
	t.Helper()
	now := func() time.Time { return testclock.Start }
	f, fake := demoFoundation(t, now, cffake.DemoData)
	m := &observed{Model: New(Options{Foundations: []Foundation{f}, Thresholds: expiry.DefaultThresholds, Refresh: time.Minute, Now: now})}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(width, height),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.TrueColor), tea.WithEnvironment([]string{"TERM=xterm-256color"})))
	m.wait(t, tm, "updated 09:00:00") // the whole first load (orgs show before the keys are read)
	return m, tm, fake
}

// finish quits the program and returns its final screen without styles, checking that no line overflows.
func finish(t *testing.T, tm *teatest.TestModel, width int) string {
	t.Helper()
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*observed).Model
	content := final.View().Content
	for i, l := range strings.Split(content, "\n") {
		if w := ansi.StringWidth(l); w > width {
			t.Errorf("line %d is %d cells wide", i, w)
		}
	}
	return ansi.Strip(content)
}

// filterOpen types a filter, keeps it and opens the row under the cursor.
func filterOpen(tm *teatest.TestModel, text string) {
	tm.Send(keyMsg("/"))
	tm.Type(text)
	tm.Send(keyMsg("enter"))
	tm.Send(keyMsg("enter"))
}

func mustContain(t *testing.T, what, screen string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(screen, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, screen)
		}
	}
}

// The flows of issue 3, each on the real program against the fake foundation over HTTP.
func TestProgramFlows(t *testing.T) {
	t.Parallel()

	t.Run("drill down to a certificate key", func(t *testing.T) {
		t.Parallel()
		m, tm, _ := program(t, 140, 40)
		for _, step := range []string{"acme-prod", "integration", "cpi-orders-inbound", "crm-sync-sender"} {
			filterOpen(tm, step)
			m.wait(t, tm, "› "+step)
		}
		m.wait(t, tm, "Subject DN")
		screen := finish(t, tm, 140)
		mustContain(t, "detail", screen, "demo › acme-prod › integration › cpi-orders-inbound › crm-sync-sender",
			"critical · 5 days left", "Expiry from     SAP certificatedetails (oauth.certificatedetails)", "Issuer DN")
	})

	t.Run("filter by subject DN", func(t *testing.T) {
		t.Parallel()
		m, tm, _ := program(t, 120, 40)
		tm.Send(keyMsg("a"))
		m.wait(t, tm, "› all keys")
		tm.Send(keyMsg("/"))
		tm.Type("O=Example Partner GmbH")
		tm.Send(keyMsg("enter"))
		m.wait(t, tm, "partner-edi-external")
		screen := finish(t, tm, 120)
		mustContain(t, "filtered list", screen, "partner-edi-external")
		if strings.Contains(screen, "crm-sync-sender") {
			t.Errorf("the filter kept other keys:\n%s", screen)
		}
	})

	t.Run("jump by binding GUID", func(t *testing.T) {
		t.Parallel()
		m, tm, fake := program(t, 100, 40)
		k, _ := fake.Key("em-orders-client")
		tm.Send(keyMsg("a"))
		m.wait(t, tm, "› all keys")
		tm.Send(keyMsg("/"))
		tm.Type(k.GUID)
		m.wait(t, tm, "Binding GUID    "+k.GUID)
		screen := finish(t, tm, 100)
		mustContain(t, "detail", screen, "› all keys of demo › em-orders-client", "ok · 61 days left")
	})

	t.Run("expiring toggle", func(t *testing.T) {
		t.Parallel()
		m, tm, _ := program(t, 120, 40)
		tm.Send(keyMsg("a"))
		m.wait(t, tm, "› all keys")
		tm.Send(keyMsg("x"))
		m.wait(t, tm, "expiring ≤30d only")
		screen := finish(t, tm, 120)
		mustContain(t, "expiring list", screen, "dev-sender-old", "grafana-monitoring", "crm-sync-sender", "ias-x509")
		for _, ok := range []string{"erp-orders-sender", "audit-writer ", "legacy-basic-auth"} {
			if strings.Contains(screen, ok) {
				t.Errorf("the expiring list shows %s:\n%s", ok, screen)
			}
		}
	})

	t.Run("stale marker after the foundation starts failing", func(t *testing.T) {
		t.Parallel()
		m, tm, fake := program(t, 100, 30)
		fake.Inject(cffake.Fault{Method: "GET", PathPrefix: "/v3/service_instances", Status: 502, ContentType: "text/html", Body: cffake.ProxyHTML})
		tm.Send(keyMsg("r"))
		m.wait(t, tm, "data of 09:00:00")
		screen := finish(t, tm, 100)
		mustContain(t, "stale screen", screen, "stale since", "acme-prod", "partner-hub", "502 Bad Gateway")
	})

	t.Run("secrets masked, then revealed", func(t *testing.T) {
		t.Parallel()
		m, tm, fake := program(t, 120, 50)
		tm.Send(keyMsg("a"))
		m.wait(t, tm, "› all keys")
		filterOpen(tm, "crm-sync-sender")
		masked := m.wait(t, tm, `"key": "[redacted]"`)
		secrets := fake.Secrets()
		// A secret may be wrapped over screen lines (with indentation) and be a multi-line PEM: compare without
		// whitespace, line by line.
		squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
		shows := func(screen string) int {
			n, flat := 0, squash(screen)
			for _, s := range secrets {
				for _, line := range strings.Split(s, "\n") {
					if line = squash(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") && strings.Contains(flat, line) {
						n++
						break
					}
				}
			}
			return n
		}
		if n := shows(masked); n != 0 {
			t.Errorf("the masked page shows %d secrets", n)
		}
		tm.Send(keyMsg("v"))
		m.wait(t, tm, "Reveal secrets?")
		tm.Send(keyMsg("v"))
		m.wait(t, tm, "SECRETS VISIBLE")
		tm.Send(keyMsg("G")) // the private key is at the end of the credentials
		revealed := m.wait(t, tm, "PRIVATE KEY-----")
		if shows(revealed) == 0 {
			t.Errorf("revealed secrets are not on screen:\n%s", revealed)
		}
		tm.Send(keyMsg("esc"))
		m.wait(t, tm, "› all keys")
		tm.Send(keyMsg("enter")) // the filter was kept: the cursor is on the key
		again := m.wait(t, tm, `"key": "[redacted]"`)
		if n := shows(again); n != 0 {
			t.Errorf("coming back shows %d secrets", n)
		}
		finish(t, tm, 120)
	})
}

// Issue 8, item 12 on the real program: a foundation at a dead address fails within seconds, its cause first on
// the status line and whole on the page that opens it; the errors page has it too.
func TestProgramDeadFoundation(t *testing.T) {
	t.Parallel()
	api := deadAPI(t)
	now := func() time.Time { return testclock.Start }
	f := Foundation{Name: "dead", API: api, Connect: func(ctx context.Context) (Backend, error) {
		c, _, err := cf.Login(ctx, api, cf.Credentials{Grant: cf.GrantPassword, Username: "admin", Password: cf.NewSecret("pw")},
			cf.Options{Clock: now, Sleep: noSleep})
		if err != nil {
			return nil, err
		}
		return ClientBackend(c, 4, nil), nil
	}}
	m := &observed{Model: New(Options{Foundations: []Foundation{f}, Thresholds: expiry.DefaultThresholds, Refresh: time.Minute, Now: now})}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.TrueColor), tea.WithEnvironment([]string{"TERM=xterm-256color"})))
	start := time.Now()
	m.wait(t, tm, "could not read dead")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the failure took %v to show", d)
	}
	tm.Send(keyMsg("e"))
	m.wait(t, tm, "› errors")
	screen := finish(t, tm, 80)
	mustContain(t, "errors page", screen, "dead: failed", "connection refused (reading the API root of "+api)
}
