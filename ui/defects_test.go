package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf"
)

// Issue 13, defect 2: the detail page of a key that a refresh no longer lists says it is gone, and since when.
func TestDetailOfADeletedKey(t *testing.T) {
	t.Parallel()
	b := stub()
	gone := testSnapshot()
	gone.Keys = append(gone.Keys[:1:1], gone.Keys[2:]...) // crm-sender deleted
	b.snaps = append(b.snaps, gone)
	h := oneFoundation(t, b, defaultOpts(), 120, 30)
	h.press("a", "/")
	h.typeText("crm-sender")
	h.press("enter", "enter")
	h.mustShow("Binding GUID    22222222-2222-4222-8222-222222222222")
	h.mustNotShow("GONE")
	h.tick(61 * time.Second)
	h.mustShow("GONE: the refresh of 09:01:01 no longer lists this key", "Binding GUID    22222222")
	h.press("esc")
	h.mustShow("› all keys of eu10")
}

// Issue 13, defect 3: when the selected row disappears on refresh, the cursor keeps its place.
func TestCursorKeepsItsPlaceWhenTheRowGoes(t *testing.T) {
	t.Parallel()
	b := stub()
	gone := testSnapshot()
	gone.Keys = append(gone.Keys[:5:5], gone.Keys[6:]...) // app-x509 (5th by days) deleted
	b.snaps = append(b.snaps, gone)
	h := oneFoundation(t, b, defaultOpts(), 120, 30)
	h.press("a", "j", "j", "j", "j")
	if l := h.line("▶"); !strings.Contains(l, "app-x509") {
		t.Fatalf("cursor: %q", l)
	}
	h.tick(61 * time.Second)
	if l := h.line("▶"); !strings.Contains(l, "dashboard") {
		t.Errorf("after app-x509 went the cursor is not on the row now at its place (dashboard): %q", l)
	}
}

// Issue 13, defect 4: a CA that has expired is said to have expired.
func TestExpiredCAIsSaidToHaveExpired(t *testing.T) {
	t.Parallel()
	s := testSnapshot()
	c := s.Keys[4].Finding.Certificate // dashboard
	c.ChainExpiresFirst, c.ChainNotAfter, c.ChainSubjectDN = true, uiNow.AddDate(0, 0, -19), "CN=Old CA"
	h := oneFoundation(t, &stubBackend{snaps: []*Snapshot{s}}, defaultOpts(), 120, 30)
	h.press("a", "/")
	h.typeText("dashboard")
	h.press("enter", "enter")
	h.mustShow("its CA expired 19 days ago (2026-11-03): the key stopped working then")
	h.mustNotShow("(-19 days)")
}

// Issue 13, defect 6: the expiring toggle is one setting of the session, kept across a, drill-down and back.
func TestExpiringToggleCarries(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), defaultOpts(), 120, 30)
	h.press("x")
	h.mustShow("expiring ≤30d only")
	h.press("a")
	h.mustShow("expiring ≤30d only", "app-x509")
	h.mustNotShow("erp-sender")
	h.press("x", "esc")
	h.mustNotShow("expiring ≤30d only")
	h.press("enter")
	h.mustNotShow("expiring ≤30d only")
}

// Issue 13, defect 8: no "esc back" where there is nothing to go back to, "v hide" while secrets show, and
// "Y copy DN" in key lists.
func TestFooterSaysWhatKeysDo(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), defaultOpts(), 200, 30)
	footer := func() string { l := strings.Split(h.screen(), "\n"); return l[len(l)-1] }
	if strings.Contains(footer(), "esc back") {
		t.Errorf("the first page offers esc back: %q", footer())
	}
	h.press("a")
	for _, want := range []string{"esc back", "Y copy DN", "y copy GUID"} {
		if !strings.Contains(footer(), want) {
			t.Errorf("key list footer lacks %q: %q", want, footer())
		}
	}
	h.press("/")
	h.typeText("crm-sender")
	h.press("enter", "enter", "v", "v")
	if !strings.Contains(footer(), "v hide") || strings.Contains(footer(), "v reveal") {
		t.Errorf("with secrets shown the footer says: %q", footer())
	}
}

// Issue 13, defect 9: one long key name is shortened before the foundation, org, space and instance are.
func TestLongKeyNameShortensItsOwnCrumb(t *testing.T) {
	t.Parallel()
	s := testSnapshot()
	s.Keys[1].Name = "crm-sender-" + strings.Repeat("x", 120)
	h := oneFoundation(t, &stubBackend{snaps: []*Snapshot{s}}, defaultOpts(), 100, 30)
	for _, name := range []string{"acme-prod", "integration", "cpi-orders", "crm-sender-x"} {
		h.press("/")
		h.typeText(name)
		h.press("enter", "enter")
	}
	h.mustShow("cfkeys eu10 › acme-prod › integration › cpi-orders › crm-sender-xxx")
	h.fits(100, 30)
}

// Issue 13, defect 10: the foundations page says loading or failed, never "no keys", for a foundation it has
// not read.
func TestFoundationsPageSaysLoadingOrFailed(t *testing.T) {
	t.Parallel()
	slow := stub()
	slow.gate = make(chan struct{})
	parked := make(chan struct{}, 4)
	slow.parked = parked
	opts := Options{Refresh: time.Minute, Foundations: []Foundation{
		{Name: "eu10", Connect: func(context.Context) (Backend, error) { return slow, nil }},
		{Name: "us10", Connect: func(context.Context) (Backend, error) { return nil, cf.ErrSessionExpired }},
	}}
	h := newParkedHarness(t, opts, 120, 24, parked)
	if l := h.line("eu10"); !strings.Contains(l, "loading…") || strings.Contains(l, "no keys") {
		t.Errorf("loading row: %q", l)
	}
	if l := h.line("us10 "); !strings.Contains(l, "failed") || strings.Contains(l, "no keys") {
		t.Errorf("failed row: %q", l)
	}
}

// Issue 13, defect 12: with several foundations the cursor follows its row as foundations load and re-sort.
func TestCursorFollowsItsRowWhileFoundationsLoad(t *testing.T) {
	t.Parallel()
	slow := stub()
	slow.gate = make(chan struct{})
	parked := make(chan struct{}, 4)
	slow.parked = parked
	fast := &stubBackend{snaps: []*Snapshot{{}}}
	opts := Options{Refresh: time.Minute, Foundations: []Foundation{
		{Name: "aaa", Connect: func(context.Context) (Backend, error) { return fast, nil }},
		{Name: "zzz", Connect: func(context.Context) (Backend, error) { return slow, nil }},
	}}
	h := newParkedHarness(t, opts, 120, 24, parked)
	if l := h.line("▶"); !strings.Contains(l, "aaa") {
		t.Fatalf("cursor: %q", l)
	}
	h.send(loadedMsg{name: "zzz", gen: h.m.store.named("zzz").gen, snap: testSnapshot()}) // zzz has expired keys: it sorts first
	if l := h.line("▶"); !strings.Contains(l, "aaa") {
		t.Errorf("the cursor left aaa when zzz loaded: %q", l)
	}
	h.press("enter")
	h.mustShow("cfkeys foundations › aaa")
}

// Issue 13, defect 13 (the UI's parts): match counts in English, no second time when local is UTC, a help box
// named for what it shows.
func TestSmallWords(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), defaultOpts(), 120, 30)
	h.press("a", "/")
	h.typeText("sender")
	h.press("enter")
	h.mustShow(`filter "sender" (2 matches)`)
	h.press("/")
	h.typeText("x")
	h.press("enter")
	h.mustShow(`(no match)`)
	h.press("esc", "/")
	h.typeText("crm-sender")
	h.press("enter")
	h.mustShow(`(1 match)`)
	h.press("enter")
	h.mustShow("Valid until     2026-11-27 15:00:00 UTC")
	h.mustNotShow("UTC local")
	h.press("?")
	h.mustNotShow("cfkeys keys")
	if matchCount(9000) != "9,000 matches" {
		t.Errorf("matchCount(9000) = %q", matchCount(9000))
	}
}

// Issue 13, defect 5: the detail page wraps DNs at RDN boundaries and keeps JSON punctuation with its value.
func TestDetailWrapsDNsAndJSON(t *testing.T) {
	t.Parallel()
	dn := "CN=partner-edi-external,OU=cc4cbc8a-28eb-54fc-9a1b-0123456789ab,OU=SAP Cloud Platform Clients,O=SAP SE,L=sap-uaa,C=DE"
	for i, want := range []string{"CN=partner-edi-external,OU=cc4cbc8a-28eb-54fc-9a1b-0123456789ab,", "OU=SAP Cloud Platform Clients,O=SAP SE,L=sap-uaa,C=DE"} {
		if got := wrapDN(dn, 64); len(got) != 2 || got[i] != want {
			t.Errorf("wrapDN line %d = %q, want %q", i, got, want)
		}
	}
	if got := wrapDN(`CN=a\,b,O=c`, 6); strings.Join(got, "|") != `CN=a\,|b,O=c` && strings.Join(got, "|") != `CN=a\,b,|O=c` {
		t.Errorf("an escaped comma is no boundary: %q", got)
	}
	line := `    "clientid": "sb-123456789",` // 31 cells
	got := wrapJSONLine(line, 30)
	if len(got) != 2 || strings.TrimSpace(got[1]) == "," || !strings.HasSuffix(got[1], ",") || !strings.HasPrefix(got[1], "      ") {
		t.Errorf("a line one cell too long: %q", got)
	}
	for _, l := range got {
		if w := len(l); w > 30 {
			t.Errorf("%q is %d cells", l, w)
		}
	}

	s := testSnapshot()
	s.Keys[1].Finding.Certificate.SubjectDN = dn
	h := oneFoundation(t, &stubBackend{snaps: []*Snapshot{s}, creds: stub().creds}, defaultOpts(), 80, 40)
	h.press("a", "/")
	h.typeText("crm-sender")
	h.press("enter", "enter")
	h.mustShow("Subject DN      CN=partner-edi-external,OU=cc4cbc8a-28eb-54fc-9a1b-0123456789ab,", "                OU=SAP Cloud Platform Clients,O=SAP SE,L=sap-uaa,C=DE")
	h.fits(80, 40)
}

// Issue 13, defect 11: with three foundations whose keyring is missing, each one's cause leads its message, so
// it shows on the status line; the errors page has every message whole.
func TestCauseFirstWithThreeFoundations(t *testing.T) {
	t.Parallel()
	missing := errors.New("the keyring is not available: org.freedesktop.secrets was not provided by any .service files")
	var fs []Foundation
	for _, name := range []string{"eu10", "us10", "ap21"} {
		err := fmt.Errorf("opening profile %s: reading %s/refresh-token in the OS keyring: %w", name, name, missing)
		fs = append(fs, Foundation{Name: name, Connect: func(context.Context) (Backend, error) { return nil, err }})
	}
	h := newHarness(t, Options{Refresh: time.Minute, Foundations: fs}, 300, 30)
	status := h.screen()
	status = strings.Split(status, "\n")[28]
	for _, name := range []string{"eu10", "us10", "ap21"} {
		if !strings.Contains(status, name+": the keyring is not available") {
			t.Errorf("the status line lacks %s's cause: %q", name, status)
		}
	}
	h.press("e")
	h.mustShow("eu10: failed", "ap21: failed")
	screen := strings.Join(strings.Fields(h.screen()), " ")
	if strings.Count(screen, "org.freedesktop.secrets was not provided by any .service files") != 3 {
		t.Errorf("the errors page lacks a whole message:\n%s", h.screen())
	}
}
