package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// Issue 13, friction "Columns": names that differ at the end stay apart, VALID UNTIL and the note give way
// before names are cut at 80 columns, one long name does not take all the room, notes use the room there is,
// and > shows what was cut.
func TestColumnsShareTheRoom(t *testing.T) {
	t.Parallel()
	s := testSnapshot()
	s.Keys[0].Instance.Name = "integration-suite-cpi-inbound-orders"
	s.Keys[1].Instance.Name = "integration-suite-cpi-inbound-invoices"
	h := oneFoundation(t, &stubBackend{snaps: []*Snapshot{s}}, defaultOpts(), 80, 24)
	h.press("a")
	h.fits(80, 24)
	h.mustNotShow("VALID UNTIL", "SUBJECT CN")
	if l := h.line("erp-sender"); !strings.Contains(l, "integ") || !strings.Contains(l, "…") || !strings.Contains(l, "orders ") {
		t.Errorf("the instance is not cut in its middle: %q", l)
	}
	if l := h.line("crm-sender"); !strings.Contains(l, "integ") || !strings.Contains(l, "…") || !strings.Contains(l, "invoices ") {
		t.Errorf("the instance is not cut in its middle: %q", l)
	}
	if l := h.line("cpi-monitoring"); !strings.Contains(l, " cpi-monitoring ") {
		t.Errorf("a short instance name is cut: %q", l)
	}
	h.mustShow("> scrolls")
	h.press(">", ">")
	h.mustShow("scrolled 16 cells right", "integration-suite-cpi-inbound-invoices")
	h.fits(80, 24)
	for i := 0; i < 30; i++ {
		h.press(">")
	}
	h.mustShow("SUBJECT CN / NOTE", "the certificate in oauth.certificate is not valid PEM")
	h.fits(80, 24)
	h.press("<")
	for i := 0; i < 30; i++ {
		h.press("<")
	}
	h.mustNotShow("scrolled")

	// Wide: one 60-cell key name leaves the note more than its minimum, and a long note is not stopped at 60.
	s = testSnapshot()
	s.Keys[0].Name = strings.Repeat("k", 60)
	s.Keys[7].Finding.Reason = "the certificate in oauth.certificate is not valid PEM: " + strings.Repeat("detail ", 6) + "END"
	h = oneFoundation(t, &stubBackend{snaps: []*Snapshot{s}}, defaultOpts(), 250, 24)
	h.press("a")
	h.mustShow("VALID UNTIL", "SUBJECT CN / NOTE", strings.Repeat("k", 60), "detail END")
	h.send(keyMsg("<")) // nothing to scroll back: no harm
	h = oneFoundation(t, &stubBackend{snaps: []*Snapshot{s}}, defaultOpts(), 160, 24)
	h.press("a")
	lp := h.m.top().(*listPage)
	note := lp.widths[len(lp.widths)-1]
	if note <= 12 {
		t.Errorf("at 160 columns the note has %d cells beside a 60-cell key name: %v", note, lp.widths)
	}
}

// Issue 13, friction "Counts and position": how many rows, where the cursor is, and how many match while typing.
func TestCountsAndPosition(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), defaultOpts(), 120, 30)
	h.mustShow("1/2 orgs")
	h.press("a")
	h.mustShow("1/9 keys")
	h.press("j", "j")
	h.mustShow("3/9 keys")
	h.press("/")
	h.typeText("sender")
	h.mustShow("/sender", "2 matches")
	h.press("enter")
	h.mustShow("1/2 of 9 keys")
	if got := thousands(9000); got != "9,000" {
		t.Errorf("thousands(9000) = %q", got)
	}
	if got := thousands(1234567); got != "1,234,567" {
		t.Errorf("thousands(1234567) = %q", got)
	}
}

// Issue 13, friction "Sort": S reverses, the sorted column is marked, and the org page has no second name order.
func TestSortReversesAndIsMarked(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), defaultOpts(), 140, 30)
	h.mustShow("STATUS ↓")
	h.press("s")
	h.mustShow("ORG ↓", "sort: name")
	h.press("s")
	h.mustShow("sort: days remaining") // org/space is the same as name on the org page: not offered
	h.press("a")
	h.mustShow("DAYS ↓")
	first := func() string {
		for _, l := range strings.Split(h.screen(), "\n") {
			if strings.HasPrefix(l, "▶") {
				return strings.Fields(l)[4]
			}
		}
		return ""
	}
	if got := first(); got != "dev-old" {
		t.Fatalf("first by days: %q", got)
	}
	h.press("S")
	h.mustShow("DAYS ↑", "sort: days remaining, reversed")
	h.press("g")
	if got := first(); got != "basic-auth" {
		t.Errorf("first reversed: %q", got)
	}
	h.press("s", "s")
	h.mustShow("ORG ↑", "sort: org/space, reversed")
}

// Issue 13, friction "Change awareness": after a refresh, rows of changed and new keys are marked until the next
// refresh, and the status line counts what changed.
func TestChangesAreMarked(t *testing.T) {
	t.Parallel()
	b := stub()
	next := testSnapshot()
	next.Keys = append(next.Keys[:1:1], next.Keys[2:]...)                                                            // crm-sender removed
	next.Keys = append(next.Keys, certKey("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "new-key", next.Instances[0], 90)) // added
	next.Keys[3] = certKey(next.Keys[3].GUID, "dashboard", next.Keys[3].Instance, 3)                                 // 187 days -> 3: critical
	b.snaps = append(b.snaps, next)
	h := oneFoundation(t, b, defaultOpts(), 140, 30)
	marks := func() int { // the footer separates keys with • too: count in the list's lines only
		lines := strings.Split(h.screen(), "\n")
		return strings.Count(strings.Join(lines[:len(lines)-2], "\n"), "•")
	}
	h.press("a")
	if n := marks(); n != 0 {
		t.Fatalf("%d marks before any refresh", n)
	}
	h.tick(61 * time.Second)
	h.mustShow("• 1 changed, 1 new, 1 removed since 09:00:00")
	for _, name := range []string{" new-key ", " dashboard "} {
		if l := h.line(name); !strings.HasPrefix(strings.TrimPrefix(l, "▶"), " •") && !strings.HasPrefix(l, "▶•") {
			t.Errorf("%s is not marked: %q", name, l)
		}
	}
	if l := h.line(" erp-sender "); strings.Contains(l, "•") {
		t.Errorf("an unchanged key is marked: %q", l)
	}
	h.tick(61 * time.Second) // the next refresh changes nothing: the marks go
	if n := marks(); n != 0 {
		t.Errorf("%d marks after a refresh that changed nothing", n)
	}
}

// Issue 13, friction "Keys other tools use": the mouse wheel scrolls, a click selects (a second click opens),
// ctrl+d and ctrl+u move half a page.
func TestMouseAndHalfPages(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), defaultOpts(), 140, 12) // 7 rows on screen
	if h.m.View().MouseMode != tea.MouseModeCellMotion {
		t.Error("the mouse is off")
	}
	h.press("a")
	selected := func() string { return strings.Fields(strings.TrimPrefix(h.line("▶"), "▶"))[3] }
	h.send(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if got := selected(); got != "crm-sender" {
		t.Errorf("after a wheel step down: %s", got)
	}
	h.send(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if got := selected(); got != "dev-old" {
		t.Errorf("after a wheel step up: %s", got)
	}
	h.send(tea.MouseClickMsg{Button: tea.MouseLeft, Y: 3 + 2})
	if got := selected(); got != "dev-today" {
		t.Errorf("after a click on the third row: %s", got)
	}
	h.send(tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl})
	if got := selected(); got != "dashboard" { // half of 7 rows: 3 down
		t.Errorf("after ctrl+d: %s", got)
	}
	h.send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	if got := selected(); got != "dev-today" {
		t.Errorf("after ctrl+u: %s", got)
	}
	h.send(tea.MouseClickMsg{Button: tea.MouseLeft, Y: 3 + 2})
	h.mustShow("› dev-today", "Binding GUID")
	h.send(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	h.mustShow("lines 4-")
}

// Issue 13, friction "Progressive loading" (the UI's part): a first load shows its orgs and spaces as soon as
// they are listed, their keys marked as still being read, before the sweep ends.
func TestOrgsShowBeforeTheKeysAreRead(t *testing.T) {
	t.Parallel()
	b := stub()
	full := testSnapshot()
	b.gate, b.partial = make(chan struct{}), &Snapshot{Orgs: full.Orgs, Spaces: full.Spaces}
	h := oneFoundation(t, b, defaultOpts(), 120, 24)
	h.tick(100 * time.Millisecond) // an animation frame brings what the load has listed
	if l := h.line("acme-prod"); !strings.Contains(l, "…") || !strings.Contains(l, "loading…") || strings.Contains(l, "no keys") {
		t.Errorf("a listed org whose keys are being read: %q", l)
	}
	h.press("/")
	h.typeText("acme-dev")
	h.press("enter", "enter")
	h.mustShow("› acme-dev", "dev", "sandbox")
	h.press("esc", "esc")
	h.send(loadedMsg{name: "eu10", gen: h.m.store.foundations[0].gen, snap: full})
	if l := h.line("acme-prod"); !strings.Contains(l, "1 expired") {
		t.Errorf("after the load: %q", l)
	}
	h.mustNotShow("new since") // the first whole snapshot is not a change
}

// A yielding column that went only because a later one (the note) cut the names comes back once that one has
// gone: on 120 columns the all-keys list keeps VALID UNTIL when the long subject CN does not fit.
func TestYieldedColumnComesBack(t *testing.T) {
	t.Parallel()
	cols := []column{
		{title: "STATUS", min: 8, max: 8},
		{title: "DAYS", min: 5, max: 7},
		{title: "VALID UNTIL", min: 11, max: 11, drop: 7, yield: true},
		{title: "KEY", min: 14, weight: 3, middle: true},
		{title: "INSTANCE", min: 10, weight: 2, drop: 3, middle: true},
		{title: "SPACE", min: 8, weight: 1, drop: 2, middle: true},
		{title: "ORG", min: 8, weight: 1, drop: 1, middle: true},
		{title: "SUBJECT CN / NOTE", min: 12, weight: 2, drop: 6, middle: true, wide: true, yield: true},
	}
	natural := []int{8, 6, 11, 22, 18, 16, 11, 36}
	tests := []struct {
		width       int
		until, note bool
	}{
		{80, false, false},
		{120, true, false},
		{170, true, true},
	}
	for _, tc := range tests {
		w := layoutColumns(cols, natural, tc.width)
		if (w[2] > 0) != tc.until || (w[7] > 0) != tc.note {
			t.Errorf("width %d: VALID UNTIL %d cells, note %d cells; want shown %v, %v (%v)", tc.width, w[2], w[7], tc.until, tc.note, w)
		}
		for i := 3; i <= 6; i++ {
			if w[i] > 0 && w[i] < min(natural[i], softName) && tc.width >= 120 {
				t.Errorf("width %d: %s cut to %d cells", tc.width, cols[i].title, w[i])
			}
		}
	}
}
