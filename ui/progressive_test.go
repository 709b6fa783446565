package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/expiry"
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

	h.press("/")
	h.typeText("dev-today")
	h.press("enter", "enter")
	if l := h.line("Status"); !strings.Contains(l, "… its credentials are being read") {
		t.Errorf("the detail of a key being read: %q", l)
	}
	h.send(loadedMsg{name: "eu10", gen: h.m.store.foundations[0].gen, snap: testSnapshot()})
	if l := h.line("Status"); !strings.Contains(l, "critical") {
		t.Errorf("the detail of a key once read: %q", l)
	}
	h.press("esc", "esc")
	if l := h.line("dev-today"); !strings.Contains(l, "critical") || strings.Contains(l, "…") {
		t.Errorf("a key once read: %q", l)
	}
	h.mustNotShow("cached, refreshing", "reading…")
	h.mustShow("updated 09:00:00")
}

// heldDemo is the demo foundation served with /details requests held while held is set, until release.
type heldDemo struct {
	fake    *cffake.Server
	srv     *httptest.Server
	now     func() time.Time
	dir     string // the findings cache directory ("" for none)
	held    atomic.Bool
	gate    chan struct{}
	once    sync.Once
	arrived atomic.Int64 // /details requests that reached the server
}

func newHeldDemo(t *testing.T, now func() time.Time, dir string) *heldDemo {
	t.Helper()
	fake, err := cffake.New(cffake.Options{Clock: now, Data: cffake.DemoData})
	if err != nil {
		t.Fatal(err)
	}
	d := &heldDemo{fake: fake, now: now, dir: dir, gate: make(chan struct{})}
	d.held.Store(true)
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/details") {
			d.arrived.Add(1)
			if d.held.Load() {
				select {
				case <-d.gate:
				case <-r.Context().Done():
					return
				}
			}
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(d.srv.Close)
	t.Cleanup(d.release) // before the server closes: no request stays held
	return d
}

// release lets every held /details request go, and those to come.
func (d *heldDemo) release() { d.once.Do(func() { close(d.gate) }) }

// login logs in to the fake as admin, with the findings cache in d.dir unless it is "".
func (d *heldDemo) login(ctx context.Context) (*cf.Client, error) {
	cache := cf.NewDetailsCache()
	if d.dir != "" {
		cache = cf.NewPersistentDetailsCache(cf.NewFindingsStore(d.dir, 0, nil))
	}
	c, _, err := cf.Login(ctx, d.srv.URL, cf.Credentials{Grant: cf.GrantPassword, Username: cffake.AdminUser, Password: cf.NewSecret(d.fake.Password(cffake.AdminUser))},
		cf.Options{Clock: d.now, HTTPClient: d.srv.Client(), Sleep: noSleep, DetailsCache: cache})
	return c, err
}

// foundation is the UI's foundation: each connection is a new process's client (a new in-memory cache).
func (d *heldDemo) foundation() Foundation {
	return Foundation{Name: "demo", API: d.srv.URL, Connect: func(ctx context.Context) (Backend, error) {
		c, err := d.login(ctx)
		if err != nil {
			return nil, err
		}
		return ClientBackend(c, 4, nil), nil
	}}
}

// startProgram runs the whole program on one foundation at 120x30.
func startProgram(t *testing.T, f Foundation, now func() time.Time) (*observed, *teatest.TestModel) {
	t.Helper()
	m := &observed{Model: New(Options{Foundations: []Foundation{f}, Thresholds: expiry.DefaultThresholds, Now: now})}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.TrueColor), tea.WithEnvironment([]string{"TERM=xterm-256color"})))
	return m, tm
}

// lineOf is the line of a screen that holds sub ("" when none does).
func lineOf(screen, sub string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// The whole program against the fake foundation, every /details request held: the keys are listed with "…"
// while their credentials cannot be read, and filled in once they are.
func TestProgramListsKeysBeforeTheirDetails(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return uiNow }
	d := newHeldDemo(t, now, "")
	m, tm := startProgram(t, d.foundation(), now)
	m.wait(t, tm, "reading…")
	tm.Send(keyMsg("a"))
	screen := m.wait(t, tm, "crm-sync-sender")
	if l := lineOf(screen, "crm-sync-sender"); !strings.HasPrefix(strings.TrimLeft(l, " ▶"), "…") {
		t.Errorf("a key whose details are held: %q\n%s", l, screen)
	}
	if strings.Contains(screen, "cached, refreshing") {
		t.Errorf("nothing came from a cache, yet:\n%s", screen)
	}
	d.release()
	screen = m.wait(t, tm, "updated 09:00:00")
	if l := lineOf(screen, "crm-sync-sender"); !strings.Contains(l, "critical") || strings.Contains(l, "…") {
		t.Errorf("a key once read: %q\n%s", l, screen)
	}
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
}

// Issue 11, "Instant UI start": with findings of an earlier run in the cache directory, the UI shows those keys'
// statuses while the sweep still waits on the /details of the others, marked "cached, refreshing", and drops the
// mark once the sweep is done.
func TestProgramWarmStartShowsCachedStatuses(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return uiNow }
	d := newHeldDemo(t, now, t.TempDir())
	// An earlier run read acme-prod's keys; the UI waits on the /details of the other orgs' keys.
	d.held.Store(false)
	earlier, err := d.login(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := earlier.Sweep(context.Background(), cf.SweepOptions{Orgs: []string{"acme-prod"}}); err != nil {
		t.Fatal(err)
	}
	d.held.Store(true)
	before := d.arrived.Load()

	m, tm := startProgram(t, d.foundation(), now)
	screen := m.wait(t, tm, "reading…")
	if head := strings.SplitN(screen, "\n", 2)[0]; !strings.Contains(head, "cached, refreshing") {
		t.Errorf("header of a warm start: %q", head)
	}
	if l := lineOf(screen, "acme-prod"); !strings.Contains(l, "expired") || !strings.Contains(l, "1 expired") || strings.Contains(l, "reading") {
		t.Errorf("an org read from the cache: %q\n%s", l, screen)
	}
	if l := lineOf(screen, "acme-dev"); !strings.Contains(l, "reading…") {
		t.Errorf("an org being read: %q\n%s", l, screen)
	}
	tm.Send(keyMsg("a"))
	screen = m.wait(t, tm, "grafana-monitoring")
	cachedLine := lineOf(screen, "grafana-monitoring")
	if !strings.Contains(cachedLine, "expired") || !strings.Contains(cachedLine, "-3d") {
		t.Errorf("a cached key: %q\n%s", cachedLine, screen)
	}
	if l := lineOf(screen, "dev-sender-old"); !strings.HasPrefix(strings.TrimLeft(l, " ▶"), "…") {
		t.Errorf("a key being read: %q\n%s", l, screen)
	}
	if n := d.arrived.Load() - before; n == 0 {
		t.Error("no /details request was held: the sweep was not running")
	}
	d.release()
	screen = m.wait(t, tm, "updated 09:00:00")
	if strings.Contains(screen, "cached, refreshing") || strings.Contains(screen, "…  ") {
		t.Errorf("after the sweep:\n%s", screen)
	}
	if l := lineOf(screen, "dev-sender-old"); !strings.Contains(l, "expired") {
		t.Errorf("a key once read: %q\n%s", l, screen)
	}
	// The cached key was drawn as the sweep's own reading of it is (columns may have changed width since).
	if read := lineOf(screen, "grafana-monitoring"); strings.Join(strings.Fields(read), " ") != strings.Join(strings.Fields(cachedLine), " ") {
		t.Errorf("a cached key is drawn\n%q\nand once the sweep is done\n%q", cachedLine, read)
	}
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
}

// A first load's partial snapshots replace each other at most every partialRedraw by the ticks' time: rebuilding
// 10,000 keys' rows is not done on every animation frame.
func TestPartialSnapshotsRedrawAtMostTwiceASecond(t *testing.T) {
	t.Parallel()
	b := stub()
	full := testSnapshot()
	b.gate, b.partial = make(chan struct{}), &Snapshot{Orgs: full.Orgs, Spaces: full.Spaces}
	h := oneFoundation(t, b, defaultOpts(), 120, 24)
	h.tick(100 * time.Millisecond)
	h.mustShow("loading…")
	f := h.m.store.foundations[0]
	next := readingSnapshot()
	f.early.Store(&earlySnapshot{snap: next, idx: newIndex(next)}) // what the load's goroutine does
	h.tick(100 * time.Millisecond)
	h.mustShow("loading…")
	h.mustNotShow("reading…")
	h.tick(partialRedraw)
	h.mustShow("3 reading…")
	h.mustNotShow("loading…")
}
