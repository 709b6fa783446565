package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/policy"
	"github.com/cfkeys/cfkeys/cf/report"
)

// policyOpts are the options cfkeys gives the UI without a policy file: the built-in policy and an
// acknowledgement store of the test's own.
func policyOpts(t *testing.T) Options {
	o := defaultOpts()
	o.Policy = policy.Default()
	o.AcksPath = filepath.Join(t.TempDir(), policy.AcksFile)
	return o
}

// The demo's orders-app-x509-next (an XSUAA x509 key, 28 days left of a 30-day life) is critical by the built-in
// policy's lifetime share, as scan says; the UI's one pair of thresholds called it a warning.
func TestDemoKeyJudgedByPolicyAsScan(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return uiNow }
	f, fake := demoFoundation(t, now, cffake.DemoData)
	opts := policyOpts(t)
	opts.Foundations, opts.Now = []Foundation{f}, now
	h := newHarness(t, opts, 160, 40)
	h.mustShow("updated 09:00:00")
	h.press("a", "/")
	h.typeText("orders-app-x509-next")
	h.press("enter")
	line := rowLine(h, "orders-app-x509-next")
	if !strings.Contains(line, "critical") || strings.Contains(line, "warning") {
		t.Errorf("the UI does not judge orders-app-x509-next critical: %q", line)
	}

	// scan's verdict on the same key, by the same policy.
	c, _, err := cf.Login(context.Background(), f.API, cf.Credentials{Grant: cf.GrantPassword, Username: cffake.AdminUser,
		Password: cf.NewSecret(fake.Password(cffake.AdminUser))}, cf.Options{Clock: now, Sleep: noSleep})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Sweep(context.Background(), cf.SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range report.Judge(policy.Default(), "", f.API, res.Keys, uiNow) {
		if e.Name == "orders-app-x509-next" && (e.Status != expiry.StatusCritical || !strings.Contains(line, e.Status.String())) {
			t.Errorf("scan says %v, the UI %q", e.Status, line)
		}
	}

	// Its detail page names the rule that set the thresholds.
	h.press("enter")
	h.mustShow("Policy rule", "xsuaa-x509 (warning ≤ 20% of its lifetime, critical ≤ 10% of its lifetime)")
}

// The header names the policy in force instead of one pair of thresholds.
func TestHeaderNamesPolicy(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), policyOpts(t), 120, 24)
	h.mustShow("policy: built-in")
	h.mustNotShow("warn ≤30d")

	o := policyOpts(t)
	o.Policy.Source = "/etc/cfkeys/team.yaml"
	h = oneFoundation(t, stub(), o, 120, 24)
	h.mustShow("policy: /etc/cfkeys/team.yaml")

	o = policyOpts(t)
	o.PolicyLabel = "--warn 45d --critical 14d for every key"
	h = oneFoundation(t, stub(), o, 120, 24)
	h.mustShow("policy: --warn 45d --critical 14d for every key")
}

// Counts and statuses follow the policy's rules: app-x509 (xsuaa, 23 days, issue date unknown) falls back to
// 30d/7d (a warning); with a rule of 10d/3d for it-rt, crm-sender (5 days) is a warning, not critical.
func TestListsFollowThePolicyRules(t *testing.T) {
	t.Parallel()
	o := policyOpts(t)
	o.Policy = &policy.Policy{Source: "team.yaml", Rules: []policy.Rule{
		{Name: "cpi", Match: policy.Match{Offering: "it-rt"}, Warning: policy.Days(10), Critical: policy.Days(3)}}}
	h := oneFoundation(t, stub(), o, 140, 24)
	if l := h.line("acme-prod"); !strings.Contains(l, "1 expired") || !strings.Contains(l, "2 warning") || strings.Contains(l, "critical") || strings.Contains(l, "≤7d") {
		t.Errorf("acme-prod counts: %q", l)
	}
	h.press("a")
	if l := rowLine(h, "crm-sender"); !strings.Contains(l, "warning") {
		t.Errorf("crm-sender: %q", l)
	}
	h.press("x")
	h.mustShow("expiring by the policy only")
	h.mustNotShow("dashboard", "erp-sender")
	h.mustShow("crm-sender", "app-x509") // app-x509: default rule, 23 days ≤ 30
}

// m acknowledges the selected key through the form: the store holds it (as cfkeys ack writes it), the row shows
// acked with its true days, x leaves it out unless X; M lists it and d y removes it.
func TestAckFromTheUI(t *testing.T) {
	t.Parallel()
	o := policyOpts(t)
	h := oneFoundation(t, stub(), o, 140, 30)
	h.press("a", "/")
	h.typeText("crm-sender")
	h.press("enter")
	if l := rowLine(h, "crm-sender"); !strings.Contains(l, "critical") || !strings.Contains(l, "5d") {
		t.Fatalf("before: %q", l)
	}
	h.press("m")
	h.mustShow("Acknowledge crm-sender", "until", "note", "owner")

	// A note is required, and a bad date is refused; what was typed stays.
	h.typeText("30d")
	h.press("enter", "enter", "enter")
	h.mustShow("a note is required", "30d") // and the focus is on the note
	h.typeText("partner decommissioned, CHG0042")
	h.press("enter")
	h.typeText("integration-team")
	h.press("enter")
	h.mustShow("acknowledged crm-sender until 2026-12-22")

	acks, err := policy.LoadAcks(o.AcksPath)
	if err != nil || len(acks) != 1 {
		t.Fatalf("store: %v %+v", err, acks)
	}
	a := acks[0]
	if a.GUID != "22222222-2222-4222-8222-222222222222" || a.Foundation != "https://api.cf.eu10.hana.ondemand.com" || a.UntilText() != "2026-12-22" ||
		a.Note != "partner decommissioned, CHG0042" || a.Owner != "integration-team" || a.Serial == "" {
		t.Errorf("stored %+v", a)
	}
	line := rowLine(h, "crm-sender")
	if !strings.Contains(line, "acked") || !strings.Contains(line, "5d") || !strings.Contains(line, "critical, acked until 202") {
		t.Errorf("after m: %q", line)
	}
	if loads, _ := h.m.store.foundations[0].backend.(*stubBackend).counts(); loads != 1 {
		t.Errorf("%d loads: m refetched", loads)
	}

	// x leaves it out; X brings it back.
	h.press("esc", "x")
	h.mustNotShow("crm-sender")
	h.mustShow("grafana")
	h.press("X")
	h.mustShow("crm-sender", "acked too")
	h.press("x")

	// The detail page shows the acknowledgement.
	h.press("/")
	h.typeText("crm-sender")
	h.press("enter", "enter")
	h.mustShow("acked (critical) · 5 days left", "Acked until", "2026-12-22", "Ack owner", "integration-team", "Ack note", "partner decommissioned")

	// M lists it; d y removes it from the store and the key counts again.
	h.press("M")
	h.mustShow("acknowledgements", "active", "crm-sender", "integration-team", "partner decommissioned, CHG0042", "2026-12-22", "eu10")
	h.press("d")
	h.mustShow("Remove the acknowledgement of crm-sender?")
	h.press("y")
	h.mustShow("removed the acknowledgement of crm-sender", "No acknowledgements")
	if acks, err := policy.LoadAcks(o.AcksPath); err != nil || len(acks) != 0 {
		t.Errorf("store after removal: %v %+v", err, acks)
	}
	h.press("esc")
	h.mustShow("critical · 5 days left")
	h.mustNotShow("Acked until")

	// m on the detail page opens the same form; esc cancels it and writes nothing.
	h.press("m")
	h.mustShow("Acknowledge crm-sender")
	h.press("esc")
	h.mustShow("nothing acknowledged", "critical · 5 days left")
	if acks, _ := policy.LoadAcks(o.AcksPath); len(acks) != 0 {
		t.Errorf("esc wrote %+v", acks)
	}
}

// M marks acknowledgements that no longer hold: one whose end date passed, one whose certificate was replaced;
// one from a policy file cannot be removed here.
func TestAcksPageMarksLapsed(t *testing.T) {
	t.Parallel()
	o := policyOpts(t)
	api := "https://api.cf.eu10.hana.ondemand.com"
	ended := policy.Ack{Foundation: api, GUID: "44444444-4444-4444-8444-444444444444", Key: "grafana", Until: uiNow.AddDate(0, 0, -1), Note: "old", Source: o.AcksPath}
	changed := policy.Ack{Foundation: api, GUID: "99999999-9999-4999-8999-999999999999", Key: "dev-old", Until: uiNow.AddDate(0, 1, 0), Note: "rollback",
		Serial: "0xDEAD", Source: o.AcksPath}
	shared := policy.Ack{Foundation: "eu10", GUID: "66666666-6666-4666-8666-666666666666", Until: uiNow.AddDate(0, 1, 0), Note: "team", Source: "team.yaml"}
	if err := policy.SaveAcks(o.AcksPath, []policy.Ack{ended, changed}); err != nil {
		t.Fatal(err)
	}
	o.Policy.Acks = []policy.Ack{shared, ended, changed}
	h := oneFoundation(t, stub(), o, 160, 24)
	h.press("M")
	if l := h.line("grafana"); !strings.Contains(l, "lapsed: ended") {
		t.Errorf("ended: %q", l)
	}
	if l := h.line("dev-old"); !strings.Contains(l, "lapsed: certificate changed") {
		t.Errorf("changed: %q", l)
	}
	if l := h.line("app-x509"); !strings.Contains(l, "active") || !strings.Contains(l, "(policy file)") {
		t.Errorf("shared: %q", l)
	}
	h.press("g", "d")
	h.mustShow("edit that file to remove it")
	h.press("esc", "a")
	if l := h.line("app-x509"); !strings.Contains(l, "acked") {
		t.Errorf("app-x509 acked by the policy file: %q", l)
	}
	if l := h.line("grafana"); !strings.Contains(l, "expired") {
		t.Errorf("grafana's acknowledgement ended: %q", l)
	}
}

// rowLine is the list's line of a key (not the header's filter).
func rowLine(h *harness, name string) string {
	h.t.Helper()
	for _, l := range strings.Split(h.screen(), "\n") {
		if strings.Contains(l, name) && !strings.Contains(l, "filter") {
			return l
		}
	}
	h.t.Fatalf("no row of %q:\n%s", name, h.screen())
	return ""
}

// The whole program against the fake foundation: the demo's orders-app-x509-next is critical by the built-in
// policy, m acknowledges it through the form, and the final screen shows it acked under the policy's name.
func TestProgramAcknowledgesByPolicy(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return uiNow }
	f, _ := demoFoundation(t, now, cffake.DemoData)
	opts := policyOpts(t)
	opts.Foundations, opts.Now = []Foundation{f}, now
	m := &observed{Model: New(opts)}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(200, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.TrueColor), tea.WithEnvironment([]string{"TERM=xterm-256color"})))
	m.wait(t, tm, "updated 09:00:00")
	tm.Send(keyMsg("a"))
	tm.Send(keyMsg("/"))
	tm.Type("orders-app-x509-next")
	tm.Send(keyMsg("enter"))
	m.wait(t, tm, "critical  28d")
	tm.Send(keyMsg("m"))
	m.wait(t, tm, "Acknowledge orders-app-x509-next")
	tm.Type("2027-01-31")
	tm.Send(keyMsg("enter"))
	tm.Type("rollback key")
	tm.Send(keyMsg("enter"))
	tm.Type("ops")
	tm.Send(keyMsg("enter"))
	m.wait(t, tm, "acknowledged orders-app-x509-next until 2027-01-31")
	screen := finish(t, tm, 200)
	mustContain(t, "final screen", screen, "policy: built-in", "acked     28d", "critical, acked until 2027-01-31 by ops: rollback key",
		"m ack", "M acks")
	acks, err := policy.LoadAcks(opts.AcksPath)
	if err != nil || len(acks) != 1 || acks[0].Key != "orders-app-x509-next" || acks[0].Foundation != strings.ToLower(f.API) {
		t.Errorf("store: %v %+v", err, acks)
	}
}

// The help lists m, M and X, and its legend names acked and says statuses come from the policy's rules.
func TestHelpLegendUnderPolicy(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), policyOpts(t), 100, 40)
	h.press("a", "?")
	h.mustShow("acked", "acknowledged (m), true days kept", "critical by its policy rule", "m         acknowledge the key", "M         acknowledgements", "X         acked keys in x too")
	h.fits(100, 40)
}
