package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/profile"
	"github.com/cfkeys/cfkeys/cf/report"
)

func stub() *stubBackend {
	return &stubBackend{snaps: []*Snapshot{testSnapshot()}, creds: map[string]string{
		"22222222-2222-4222-8222-222222222222": `{"oauth":{"clientid":"sb-crm","clientsecret":"s3cr3t-crm-value","certificate":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n","key":"-----BEGIN RSA PRIVATE KEY-----\nMIIEprivate\n-----END RSA PRIVATE KEY-----\n","url":"https://crm.example"}}`,
	}}
}

func TestStartupShowsOrgsWithCounts(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), defaultOpts(), 100, 24)
	h.mustShow("cfkeys eu10", "updated 09:00:00, 0s ago", "warn ≤30d · crit ≤7d", "ORG", "STATUS", "KEYS")
	// Counts line up by status across rows (issue 13, friction "Summary column").
	prod, dev := h.line("acme-prod"), h.line("acme-dev")
	if !strings.Contains(prod, "1 expired  1 ≤7d  1 ≤30d             2 ok  1 no cert") {
		t.Errorf("acme-prod row: %q", prod)
	}
	if !strings.Contains(dev, "1 expired  1 ≤7d          1 unknown") {
		t.Errorf("acme-dev row: %q", dev)
	}
	at := func(l, sub string) int { return ansi.StringWidth(l[:strings.Index(l, sub)]) }
	if at(prod, "≤7d") != at(dev, "≤7d") || at(dev, "1 unknown") != at(prod, "1 ≤30d")+8 {
		t.Errorf("counts not aligned:\n%s\n%s", prod, dev)
	}
	h.fits(100, 24)
	h.tick(15 * time.Second)
	h.mustShow("updated 09:00:00, 15s ago")
}

func TestDrillDownAndBackKeepsEachPage(t *testing.T) {
	t.Parallel()
	b := stub()
	h := oneFoundation(t, b, defaultOpts(), 100, 24)
	h.press("j", "enter") // acme-prod (days order: acme-dev first? both have expired keys; acme-dev's is older)
	h.mustShow("eu10 › ")
	crumb := strings.Fields(h.line("cfkeys"))[3]
	h.press("enter")
	h.mustShow("INSTANCE", "OFFERING / PLAN")
	h.press("down")
	before := h.line("▶")
	h.press("enter")
	h.mustShow("STATUS", "DAYS", "VALID UNTIL", "KEY")
	h.press("esc")
	if after := h.line("▶"); after != before {
		t.Errorf("going back moved the cursor:\n%q\n%q", before, after)
	}
	h.press("h", "h")
	if l := h.line("▶"); !strings.Contains(l, crumb) {
		t.Errorf("back on the orgs page the cursor is not on %s: %q", crumb, l)
	}
	if loads, _ := b.counts(); loads != 1 {
		t.Errorf("navigation made %d loads, want 1", loads)
	}
}

func TestAllKeysSortFilterExpiring(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), defaultOpts(), 120, 30)
	h.press("a")
	h.mustShow("eu10 › all keys", "INSTANCE", "SPACE", "ORG")
	order := func() string {
		var names []string
		for _, l := range strings.Split(h.screen(), "\n")[3:] {
			f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(l), "▶"))
			if len(f) > 3 && strings.Contains(" expired critical warning ok none unknown ", " "+f[0]+" ") {
				names = append(names, f[3])
			}
		}
		return strings.Join(names, ",")
	}
	if got := order(); got != "dev-old,grafana,dev-today,crm-sender,app-x509,dashboard,erp-sender,dev-broken,basic-auth" {
		t.Errorf("days order: %s", got)
	}
	if l := h.line("dev-old"); !strings.Contains(l, "expired   -40d    2026-10-13") {
		t.Errorf("expired row: %q", l)
	}
	if l := h.line("dev-today"); !strings.Contains(l, "critical  0d") {
		t.Errorf("0d row: %q", l)
	}
	if l := h.line("basic-auth"); !strings.Contains(l, "none      -       -") || !strings.Contains(l, "no certificate") {
		t.Errorf("none row: %q", l)
	}
	h.press("s")
	h.mustShow("sort: name")
	if got := order(); !strings.HasPrefix(got, "app-x509,basic-auth,crm-sender") {
		t.Errorf("name order: %s", got)
	}
	h.press("s")
	h.mustShow("sort: org/space")
	h.press("s")
	h.mustShow("sort: days remaining")

	h.press("x")
	h.mustShow("expiring ≤30d only")
	if got := order(); got != "dev-old,grafana,dev-today,crm-sender,app-x509" {
		t.Errorf("expiring only: %s", got)
	}
	h.press("x")
	h.press("/")
	h.typeText("cpi-dev")
	h.mustShow("/cpi-dev")
	if got := order(); got != "dev-old,dev-today,dev-broken" {
		t.Errorf("filtered: %s", got)
	}
	h.press("enter")
	h.mustShow("filter: cpi-dev")
	h.press("j") // navigation works on the kept filter
	if l := h.line("▶"); !strings.Contains(l, "dev-today") {
		t.Errorf("cursor: %q", l)
	}
	h.press("esc")
	if got := order(); !strings.HasPrefix(got, "dev-old,grafana") {
		t.Errorf("esc did not clear the filter: %s", got)
	}
	h.mustShow("eu10 › all keys") // and did not go back
	for _, q := range []string{"CN=crm-sender", "demo ca", "0xABC3ED", "abc3ed"} {
		h.press("/")
		h.typeText(q)
		h.press("enter")
		if got := order(); got == "" {
			t.Errorf("filter %q found nothing", q)
		}
		h.press("esc")
	}
}

func TestFullGUIDJumpsToKey(t *testing.T) {
	t.Parallel()
	b := stub()
	h := oneFoundation(t, b, defaultOpts(), 100, 30)
	h.press("a", "/")
	h.typeText("22222222-2222-4222-8222-222222222222")
	h.mustShow("eu10 › all keys of eu10 › crm-sender", "Binding GUID    22222222-2222-4222-8222-222222222222", "critical · 5 days left")
	h.press("esc")
	if l := h.line("▶"); !strings.Contains(l, "crm-sender") {
		t.Errorf("back in the list the cursor is not on the key: %q", l)
	}
	h.mustNotShow("filter:")
	// A paste works the same.
	h.press("/")
	h.send(tea.PasteMsg{Content: "44444444-4444-4444-8444-444444444444"})
	h.mustShow("› grafana")
}

func TestDetailMasksAndRevealsSecrets(t *testing.T) {
	t.Parallel()
	b := stub()
	h := oneFoundation(t, b, defaultOpts(), 100, 40)
	h.press("a", "/")
	h.typeText("crm-sender")
	h.press("enter", "enter")
	h.mustShow("Status          critical · 5 days left", "Subject DN      CN=crm-sender,OU=Demo,O=Demo Corp,C=DE", "Issuer DN       CN=Demo CA",
		"Expiry from     SAP certificatedetails (oauth.certificatedetails)", "Valid until     2026-11-27 15:00:00 UTC", `"clientid": "sb-crm"`,
		`"clientsecret": "[redacted]"`, `"key": "[redacted]"`, `"certificate": "<PEM: not a valid certificate, 59 bytes>"`)
	h.mustNotShow("s3cr3t-crm-value", "MIIEprivate")
	h.press("v")
	h.mustShow("Reveal secrets? v shows them, any other key cancels.")
	h.mustNotShow("s3cr3t-crm-value")
	h.press("j") // any other key cancels
	h.press("v", "v")
	h.mustShow("SECRETS VISIBLE", "s3cr3t-crm-value", "MIIEprivate")
	h.press("esc") // leaving the page hides them
	h.press("enter")
	h.mustShow("secrets masked")
	h.mustNotShow("s3cr3t-crm-value")
	if _, details := b.counts(); details != 2 {
		t.Errorf("details requests = %d, want one per opening", details)
	}
	// A key whose credentials cannot be read says why.
	h.press("esc", "esc", "/")
	h.typeText("grafana")
	h.press("enter", "enter")
	h.mustShow("credentials: GET /v3/service_credential_bindings/44444444-4444-4444-8444-444444444444/details: 404")
}

func TestCopyUsesOSC52(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), defaultOpts(), 100, 24)
	h.press("a", "/")
	h.typeText("crm-sender")
	h.press("enter")
	_, cmd := h.m.Update(keyMsg("y"))
	if cmd == nil {
		t.Fatal("y returned no command")
	}
	if got := fmt.Sprintf("%v", cmd()); got != "22222222-2222-4222-8222-222222222222" {
		t.Errorf("clipboard = %q", got)
	}
	h.mustShow("copied the binding GUID of crm-sender to the clipboard")
	_, cmd = h.m.Update(keyMsg("Y"))
	if got := fmt.Sprintf("%v", cmd()); got != "CN=crm-sender,OU=Demo,O=Demo Corp,C=DE" {
		t.Errorf("clipboard = %q", got)
	}
	// The status message goes after a while.
	h.tick(6 * time.Second)
	h.mustNotShow("copied")
}

func TestColoursFollowTheClock(t *testing.T) {
	t.Parallel()
	b := stub()
	h := oneFoundation(t, b, Options{Refresh: 0}, 100, 24)
	h.press("a")
	if l := h.line("crm-sender"); !strings.Contains(l, "critical  5d") {
		t.Fatalf("crm-sender: %q", l)
	}
	raw := h.raw()
	h.tick(6 * 24 * time.Hour)
	if l := h.line("crm-sender"); !strings.Contains(l, "expired   -1d") {
		t.Errorf("six days later: %q", l)
	}
	if h.raw() == raw {
		t.Error("the screen did not change")
	}
	if loads, _ := b.counts(); loads != 1 {
		t.Errorf("recolouring made %d loads (refresh is off)", loads)
	}
}

func TestBackgroundRefresh(t *testing.T) {
	t.Parallel()
	b := stub()
	grown := testSnapshot()
	grown.Keys = append(grown.Keys, certKey("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "new-key", grown.Instances[0], 2))
	b.snaps = append(b.snaps, grown)
	h := oneFoundation(t, b, defaultOpts(), 100, 24)
	h.press("a")
	h.mustNotShow("new-key")
	h.tick(30 * time.Second)
	if loads, _ := b.counts(); loads != 1 {
		t.Fatalf("refreshed after 30s: %d loads", loads)
	}
	h.tick(31 * time.Second)
	if loads, _ := b.counts(); loads != 2 {
		t.Fatalf("no refresh after 61s: %d loads", loads)
	}
	h.mustShow("new-key", "updated 09:01:01, 0s ago")
	h.press("r")
	if loads, _ := b.counts(); loads != 3 {
		t.Errorf("r: %d loads", loads)
	}
}

func TestRefreshOff(t *testing.T) {
	t.Parallel()
	b := stub()
	h := oneFoundation(t, b, Options{Refresh: 0}, 100, 24)
	h.tick(10 * time.Minute)
	if loads, _ := b.counts(); loads != 1 {
		t.Errorf("refresh 0 still refreshed: %d loads", loads)
	}
}

func TestFailedRefreshKeepsData(t *testing.T) {
	t.Parallel()
	b := stub()
	h := oneFoundation(t, b, defaultOpts(), 160, 24)
	b.loadErr = errors.New("listing service instances: GET /v3/service_instances: 503 Service Unavailable (empty response body)")
	h.tick(61 * time.Second)
	h.mustShow("acme-prod", "acme-dev", "stale since 09:01:01", "listing service instances: GET /v3/service_instances: 503 Service Unavailable (empty response body) [data of 09:00:00, retry at 09:02:01]")
	b.loadErr = fmt.Errorf("scanning: %w", &profile.ExpiredError{Profile: "eu10", Err: cf.ErrSessionExpired})
	h.tick(61 * time.Second)
	h.mustShow("session expired: run cfkeys login --name eu10", "acme-prod", "stale since 09:01:01")
	b.loadErr = nil
	h.tick(61 * time.Second)
	h.mustNotShow("stale", "session expired")
	h.mustShow("updated 09:03:03")
	if h.quit {
		t.Error("the UI quit on its own")
	}
}

func TestStaleAnswersAreDropped(t *testing.T) {
	t.Parallel()
	b := stub()
	h := oneFoundation(t, b, defaultOpts(), 100, 24)
	h.press("a", "/")
	h.typeText("crm-sender")
	h.press("enter")
	// Open the detail page, then leave it before its answer arrives.
	_, cmd := h.m.Update(keyMsg("enter"))
	h.press("esc")
	h.run(cmd)
	if h.m.Dropped() != 1 {
		t.Errorf("dropped = %d, want 1", h.m.Dropped())
	}
	h.mustShow("all keys")
	// A load answer of an older generation is dropped too.
	h.send(loadedMsg{name: "eu10", gen: 0, snap: &Snapshot{}})
	if h.m.Dropped() != 2 {
		t.Errorf("dropped = %d, want 2", h.m.Dropped())
	}
	h.mustShow("crm-sender")
}

func TestWorksWhileLoading(t *testing.T) {
	t.Parallel()
	b := stub()
	b.gate = make(chan struct{})
	b.progress = []cf.Progress{{Stage: cf.StageCredentials, Done: 120, Total: 500}}
	h := oneFoundation(t, b, defaultOpts(), 100, 24)
	h.mustShow("loading eu10…")
	h.tick(100 * time.Millisecond) // the next animation frame brings the load's progress
	h.mustShow("reading key credentials 120/500")
	h.press("?")
	h.mustShow("cfkeys: keys and colours", "expires within 7 days")
	h.press("q") // closes the help
	h.press("a")
	h.mustShow("all keys")
	close(b.gate)
	h.send(loadedMsg{name: "eu10", gen: h.m.store.foundations[0].gen, snap: testSnapshot()})
	h.mustShow("crm-sender")
	h.press("q")
	if !h.quit {
		t.Error("q did not quit")
	}
}

func TestHostileNames(t *testing.T) {
	t.Parallel()
	s := testSnapshot()
	evil := []string{"\x1b]52;c;ZXZpbA==\x07org", "\x1b[31mred\x1b[0m", strings.Repeat("long-", 60), "キー🔑東京\u202eevil", "\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\"}
	si := inst("i-evil", evil[2], evil[0], "o-evil", evil[1], "s-evil", "it-rt", "integration-flow")
	s.Instances = append(s.Instances, si)
	s.Keys = append(s.Keys, certKey("eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee", evil[3], si, 1), certKey("ffffffff-ffff-4fff-8fff-ffffffffffff", evil[4], si, 3))
	s.Keys[len(s.Keys)-1].Finding.Certificate.SubjectDN = "CN=\x1b[2J\x1b]52;c;AA==\x07x"
	b := &stubBackend{snaps: []*Snapshot{s}}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		h := oneFoundation(t, b, Options{NoColor: true}, size[0], size[1])
		check := func(where string) {
			raw := h.raw()
			for _, bad := range []string{"]52;", "]8;", "\x1b[31m", "\x1b[2J", "\u202e", "\x07"} {
				if strings.Contains(raw, bad) {
					t.Fatalf("%s at %dx%d: the screen holds %q", where, size[0], size[1], bad)
				}
			}
			h.fits(size[0], size[1])
		}
		check("orgs")
		h.press("a")
		check("all keys")
		h.press("/")
		h.typeText("evil")
		h.press("enter", "enter")
		check("detail")
		h.press("esc", "esc", "esc", "G")
		check("bottom of the list")
	}
}

func TestResizeReflows(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), defaultOpts(), 80, 24)
	h.press("a")
	h.fits(80, 24)
	if strings.Contains(h.screen(), "SUBJECT CN") {
		t.Error("80 columns show the subject column")
	}
	h.send(tea.WindowSizeMsg{Width: 160, Height: 40})
	h.fits(160, 40)
	h.mustShow("SUBJECT CN / NOTE", "VALID UNTIL")
	h.send(tea.WindowSizeMsg{Width: 40, Height: 12})
	h.fits(40, 12)
	h.press("enter")
	h.fits(40, 12)
	h.press("?")
	h.fits(40, 12)
}

func TestNoColor(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), Options{NoColor: true}, 100, 24)
	h.press("a")
	if strings.Contains(h.raw(), "38;2;") || strings.Contains(h.raw(), "48;2;") {
		t.Error("colour escapes with NoColor")
	}
	h.mustShow("expired", "critical", "warning", "ok", "none", "unknown")
	col := oneFoundation(t, stub(), Options{}, 100, 24)
	col.press("a")
	if !strings.Contains(col.raw(), "38;2;") {
		t.Error("no colour by default")
	}
	// A light background changes the palette.
	dark := col.raw()
	col.send(tea.BackgroundColorMsg{Color: colorWhite{}})
	if col.raw() == dark {
		t.Error("the light palette looks like the dark one")
	}
}

type colorWhite struct{}

func (colorWhite) RGBA() (r, g, b, a uint32) { return 0xffff, 0xffff, 0xffff, 0xffff }

func TestStartExpiring(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), Options{StartExpiring: true, ExpiringWithin: 5, ExpiringWithinSet: true}, 100, 24)
	h.mustShow("expiring ≤5d only")
	h.press("a")
	h.mustShow("dev-old", "grafana", "dev-today", "crm-sender")
	h.mustNotShow("app-x509", "erp-sender")

	// --within 0d: expired keys and those expiring today, not the warning threshold's 30 days.
	h = oneFoundation(t, stub(), Options{StartExpiring: true, ExpiringWithin: 0, ExpiringWithinSet: true}, 100, 24)
	h.mustShow("expiring ≤0d only")
	h.press("a")
	h.mustShow("dev-old", "grafana", "dev-today")
	h.mustNotShow("crm-sender", "app-x509")
}

func TestSeveralFoundations(t *testing.T) {
	t.Parallel()
	eu := stub()
	opts := Options{Refresh: time.Minute, Foundations: []Foundation{
		{Name: "eu10", API: "https://api.cf.eu10.hana.ondemand.com", Connect: func(context.Context) (Backend, error) { return eu, nil }},
		{Name: "us10", API: "https://api.cf.us10.hana.ondemand.com", SkipSSLValidation: true, Connect: func(context.Context) (Backend, error) {
			return nil, errors.New("reading us10/refresh-token in the OS keyring: the keyring is locked")
		}},
	}}
	h := newHarness(t, opts, 120, 24)
	h.mustShow("FOUNDATION", "eu10", "us10", "failed", "us10: reading us10/refresh-token in the OS keyring: the keyring is locked [retry at 09:01:00]",
		"TLS NOT VERIFIED: us10")
	if l := h.line("eu10 "); !strings.Contains(l, "2 expired  2 ≤7d  1 ≤30d  1 unknown  2 ok  1 no cert") {
		t.Errorf("eu10 row: %q", l)
	}
	h.press("a")
	h.mustShow("all keys, all foundations", "FOUNDATION")
	if l := h.line("crm-sender"); !strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "▶")), "eu10") {
		t.Errorf("row lacks its foundation: %q", l)
	}
	h.press("esc", "enter")
	h.mustShow("cfkeys foundations › eu10", "acme-prod")
	h.mustNotShow("TLS NOT VERIFIED") // only shown where us10 is in view
}

func TestEmptyAndLoadingStates(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), defaultOpts(), 100, 24)
	h.press("enter", "down", "enter") // acme-dev › sandbox: no instances
	h.mustShow("no managed service instances in this space")
	m := New(Options{})
	if !strings.Contains(m.View().Content, "no foundation to show") {
		t.Errorf("no foundations: %q", m.View().Content)
	}
}

var _ = expiry.StatusOK

// A key whose CA expires before its leaf is shown by the CA's expiry, with the leaf's date and a warning beside.
func TestDetailCAExpiresFirst(t *testing.T) {
	t.Parallel()
	si := inst("i-audit", "orders-audit", "acme-prod", "o-prod", "apps", "s-apps", "auditlog", "oauth2")
	k := certKey("55555555-5555-4555-8555-555555555555", "audit-writer-legacy-ca", si, 300)
	c := k.Finding.Certificate
	c.ChainExpiresFirst, c.ChainNotAfter, c.ChainSubjectDN = true, uiNow.AddDate(0, 0, 45), "CN=Demo Legacy Client CA 2019,O=cffake"
	h := oneFoundation(t, &stubBackend{snaps: []*Snapshot{{Instances: []cf.ServiceInstance{si}, Keys: []cf.KeyReport{k}}}}, defaultOpts(), 120, 30)
	h.press("a")
	if l := h.line("audit-writer-legacy-ca"); !strings.Contains(l, "45d") || !strings.Contains(l, "2027-01-06") {
		t.Errorf("list row: %q", l)
	}
	h.press("enter")
	h.mustShow("Status          ok · 45 days left", "Valid until     2027-01-06 09:00:00 UTC", "Leaf valid to   2027-09-18 15:00:00 UTC  (the certificate itself)",
		"⚠ its CA expires first, on 2027-01-06 (45 days): the key stops working then", "Expiring CA     CN=Demo Legacy Client CA 2019,O=cffake")
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.mustShow("⚠ its CA expires first, on 2027-01-06 (45 days)")
	h.fits(80, 24)
}

// `a` on a key's detail page opens the foundation's keys on top of it, named for the foundation (not read as
// "all keys of cpi-orders"); the detail hides its secrets, and esc comes back to it (issue 13, defect 7).
func TestAllKeysFromDetailComesBack(t *testing.T) {
	t.Parallel()
	b := stub()
	h := oneFoundation(t, b, defaultOpts(), 120, 40)
	for _, name := range []string{"acme-prod", "integration", "cpi-orders", "crm-sender"} {
		h.press("/")
		h.typeText(name)
		h.press("enter", "enter")
	}
	h.mustShow("Binding GUID    22222222-2222-4222-8222-222222222222")
	h.press("v", "v")
	h.mustShow("s3cr3t-crm-value")
	h.press("a")
	h.mustShow("› crm-sender › all keys of eu10")
	h.mustNotShow("s3cr3t-crm-value")
	h.press("esc")
	h.mustShow("› cpi-orders › crm-sender", "Binding GUID    22222222-2222-4222-8222-222222222222", `"clientsecret": "[redacted]"`)
	h.mustNotShow("s3cr3t-crm-value", "loading credentials")
	// An answer that arrives while the detail page is covered still reaches it.
	h.press("esc")
	_, fetch := h.m.Update(keyMsg("enter")) // the detail page opens; its fetch has not run yet
	h.press("a")
	h.run(fetch)
	h.press("esc")
	h.mustShow("Binding GUID", `"clientsecret": "[redacted]"`)
	h.mustNotShow("loading credentials")
}

// At 80 columns the cause of a failed refresh (its end) and when the next try is stay visible, and a kept
// filter or the expiring toggle (--within) never hides them.
func TestFailureReasonAt80ColumnsWithFilters(t *testing.T) {
	t.Parallel()
	b := stub()
	opts := defaultOpts()
	opts.StartExpiring, opts.ExpiringWithin, opts.ExpiringWithinSet = true, 30, true
	h := oneFoundation(t, b, opts, 80, 24)
	h.press("a", "/")
	h.typeText("sender")
	h.press("enter") // keep the filter
	b.loadErr = errors.New("listing organizations: GET /v3/organizations: 502 Bad Gateway (CF-GatewayError)")
	h.tick(61 * time.Second)
	l := h.line("retry at")
	if !strings.Contains(l, "502 Bad Gateway (CF-GatewayError) [data of 09:00:00, retry at 09:02:01]") || !strings.HasPrefix(strings.TrimSpace(l), "…") {
		t.Errorf("status line: %q", l)
	}
	h.fits(80, 24)
}

func TestFitTail(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    string
		w    int
		want string
	}{
		{"short", 10, "short"},
		{"listing orgs: 502 Bad Gateway", 16, "…502 Bad Gateway"},
		{"東京東京東京", 5, "…東京"},
		{"abc", 1, "…"},
	} {
		if got := fitTail(tc.s, tc.w); got != tc.want {
			t.Errorf("fitTail(%q, %d) = %q, want %q", tc.s, tc.w, got, tc.want)
		}
	}
}

// A full GUID finds its key even when the expiring toggle hides it; at 80 columns an empty list's message and
// the reveal question (with how to answer it) fit the screen.
func TestGUIDJumpPastTheToggleAndNarrowMessages(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), defaultOpts(), 80, 24)
	h.press("a", "x", "/")
	h.typeText("11111111-1111-4111-8111-111111111111") // erp-sender: 412 days, hidden by the toggle
	h.mustShow("› erp-sender", "Binding GUID    11111111-1111-4111-8111-111111111111")
	h.press("esc", "/")
	h.typeText("22222222-2222-4222-8222-222222222222")
	h.mustShow("› crm-sender")
	h.press("v")
	h.mustShow("Reveal secrets? v shows them, any other key cancels.")
	h.fits(80, 24)
	h.press("esc") // cancels the question and leaves the page
	h.mustShow("› all keys")
	h.press("/")
	h.typeText("zzz")
	h.press("enter")
	h.mustShow("nothing matches among keys expiring within 30 days")
	h.fits(80, 24)
}

// The filter finds what is on screen: text hidden in an escape sequence (an OSC 8 link's URL) matches nothing,
// and a name split by an escape sequence is found by its visible text.
func TestFilterMatchesVisibleText(t *testing.T) {
	t.Parallel()
	s := testSnapshot()
	si := inst("i-evil", "cpi-evil", "acme-prod", "o-prod", "integration", "s-int", "it-rt", "integration-flow")
	s.Instances = append(s.Instances, si)
	s.Keys = append(s.Keys,
		certKey("eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee", "\x1b]8;;https://evil.example\x1b\\click-me\x1b]8;;\x1b\\", si, 100),
		certKey("ffffffff-ffff-4fff-8fff-ffffffffffff", "pay\x1b[31mroll", si, 100))
	h := oneFoundation(t, &stubBackend{snaps: []*Snapshot{s}}, defaultOpts(), 120, 30)
	h.press("a", "/")
	h.typeText("evil.example")
	h.mustNotShow("click-me")
	h.press("esc", "/")
	h.typeText("payroll")
	h.mustShow("payroll")
}

// At 80 columns the footer keeps the main keys (all keys, refresh, quit); the help overlay has every binding.
func TestFooterAt80Columns(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), defaultOpts(), 80, 24)
	footer := func() string { l := strings.Split(h.screen(), "\n"); return l[len(l)-1] }
	for _, want := range []string{"? help", "/ filter", "a all keys", "x soon", "r refresh", "q quit"} {
		if !strings.Contains(footer(), want) {
			t.Errorf("list footer lacks %q: %q", want, footer())
		}
	}
	h.press("a", "enter")
	for _, want := range []string{"esc back", "v reveal", "a all keys", "r refresh", "q quit"} {
		if !strings.Contains(footer(), want) {
			t.Errorf("detail footer lacks %q: %q", want, footer())
		}
	}
	h.press("?")
	h.mustShow("reveal secrets", "copy subject DN")
}

// The detail page scrolls in a viewport: it says where it is, G reaches the end, and a resize keeps the lines.
func TestDetailScrollsInAViewport(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), Options{Refresh: 0}, 100, 16)
	h.press("a", "/")
	h.typeText("crm-sender")
	h.press("enter", "enter")
	total := h.m.top().(*detailPage).view.TotalLineCount()
	h.mustShow(fmt.Sprintf("lines 1-12 of %d", total), "Status          critical")
	h.mustNotShow(`"url"`)
	h.press("G")
	h.mustShow(fmt.Sprintf("lines %d-%d of %d", total-11, total, total), `"url": "https://crm.example"`)
	h.mustNotShow("Status          critical")
	h.press("g", "down", "down")
	h.mustShow(fmt.Sprintf("lines 3-14 of %d", total))
	h.send(tea.WindowSizeMsg{Width: 100, Height: 60})
	h.mustShow("Status          critical", `"url": "https://crm.example"`)
	h.mustNotShow("lines ")
	h.fits(100, 60)
}

// The UI's notes and day cells are the scan table's words: a CA that expires first reads the same in both.
func TestNotesAndDaysAreTheScanTables(t *testing.T) {
	t.Parallel()
	s := testSnapshot()
	c := s.Keys[4].Finding.Certificate // dashboard, 187 days
	c.ChainExpiresFirst, c.ChainNotAfter, c.ChainSubjectDN = true, uiNow.AddDate(0, 0, 45), "CN=Demo Legacy Client CA 2019,O=cffake"
	h := oneFoundation(t, &stubBackend{snaps: []*Snapshot{s}}, Options{Refresh: 0}, 200, 30)
	h.press("a")
	var table bytes.Buffer
	r := report.Report{GeneratedAt: uiNow, Thresholds: expiry.DefaultThresholds, Entries: report.FromKeys("", s.Keys, uiNow, expiry.DefaultThresholds)}
	if err := report.WriteTable(&table, r, report.TableOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, e := range r.Entries {
		l := h.line(" " + e.Name + " ")
		for _, want := range []string{report.Note(e), " " + report.DaysCell(e) + " "} {
			if !strings.Contains(l, want) {
				t.Errorf("%s: the UI row lacks the table's %q:\n%s", e.Name, want, l)
			}
			if !strings.Contains(table.String(), want) {
				t.Fatalf("the scan table lacks %q", want)
			}
		}
	}
	h.mustShow("(CA expires first: 2027-01-06)")
}

// A page left with esc or a is gone from memory too: no slot of the stack's array still holds it (with its
// revealed secrets).
func TestLeftPagesAreReleased(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), defaultOpts(), 100, 40)
	held := func() int {
		n := 0
		for _, p := range h.m.stack[len(h.m.stack):cap(h.m.stack)] {
			if p != nil {
				n++
			}
		}
		return n
	}
	h.press("a", "/")
	h.typeText("crm-sender")
	h.press("enter", "enter", "v", "v")
	h.mustShow("s3cr3t-crm-value")
	h.press("esc")
	if n := held(); n != 0 {
		t.Errorf("esc left %d pages in the stack's array", n)
	}
	h.press("enter", "a")
	h.mustShow("› all keys")
	if n := held(); n != 0 {
		t.Errorf("a left %d pages in the stack's array", n)
	}
}
