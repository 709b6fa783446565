package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf"
)

// readingSnapshot is testSnapshot while a first load reads the keys of cpi-dev (acme-dev); the others came from
// the findings cache.
func readingSnapshot() *Snapshot {
	s := testSnapshot()
	keys := append([]cf.KeyReport(nil), s.Keys...)
	cached := 0
	for i := range keys {
		if keys[i].Instance.GUID == "i-dev" {
			keys[i].Reading, keys[i].Finding = true, cf.ReadingFinding
		} else {
			cached++
		}
	}
	s.Keys, s.Cached = keys, cached
	return s
}

// Issue 13, friction "Progressive loading", and issue 11, "Instant UI start": while a first load reads
// credentials, its keys are listed, those being read with "…" and the others (here from the cache) with their
// status; orgs count what is read and what is being read; the header says "cached, refreshing". The whole
// snapshot then fills them in.
func TestKeysShowWhileTheirCredentialsAreRead(t *testing.T) {
	t.Parallel()
	b := stub()
	b.gate, b.partial = make(chan struct{}), readingSnapshot()
	h := oneFoundation(t, b, defaultOpts(), 120, 24)
	h.tick(100 * time.Millisecond) // an animation frame brings what the load has listed

	if l := h.line("acme-prod"); !strings.Contains(l, "expired") || !strings.Contains(l, "1 ≤7d") || strings.Contains(l, "reading") {
		t.Errorf("an org whose keys all came from the cache: %q", l)
	}
	if l := h.line("acme-dev"); !strings.Contains(l, "…") || !strings.Contains(l, "3 reading…") || strings.Contains(l, "loading") {
		t.Errorf("an org whose keys are being read: %q", l)
	}
	if head := strings.SplitN(h.screen(), "\n", 2)[0]; !strings.Contains(head, "cached, refreshing") {
		t.Errorf("header while the cache is shown: %q", head)
	}
	if l := strings.Split(h.screen(), "\n")[22]; !strings.Contains(l, "cached, refreshing") {
		t.Errorf("status line while the cache is shown: %q", l)
	}

	h.press("a")
	h.mustShow("9 keys")
	if l := h.line("dev-today"); !strings.HasPrefix(strings.TrimLeft(l, " ›"), "…") || strings.Contains(l, "critical") {
		t.Errorf("a key being read: %q", l)
	}
	if l := h.line("crm-sender"); !strings.Contains(l, "critical") || !strings.Contains(l, "5d") {
		t.Errorf("a cached key: %q", l)
	}

	h.send(loadedMsg{name: "eu10", gen: h.m.store.foundations[0].gen, snap: testSnapshot()})
	if l := h.line("dev-today"); !strings.Contains(l, "critical") || strings.Contains(l, "…") {
		t.Errorf("a key once read: %q", l)
	}
	h.mustNotShow("cached, refreshing", "reading…")
	h.mustShow("updated 09:00:00")
}
