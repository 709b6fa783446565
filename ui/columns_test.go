package ui

import (
	"strings"
	"testing"
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
