package cf

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// detailsHold holds every /details request, while on, until release is closed; the listings pass.
type detailsHold struct {
	on       atomic.Bool
	release  chan struct{}
	arrived  atomic.Int64 // /details requests that reached the server
	answered atomic.Int64 // /details requests let through to the fake
	onAnswer func()       // called before each /details request is let through
}

func newDetailsHold() *detailsHold { return &detailsHold{release: make(chan struct{})} }

func (h *detailsHold) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/details") {
			h.arrived.Add(1)
			if h.on.Load() {
				select {
				case <-h.release:
				case <-r.Context().Done():
					return
				}
			}
			if h.onAnswer != nil {
				h.onAnswer()
			}
			h.answered.Add(1)
		}
		next.ServeHTTP(w, r)
	})
}

// partials collects what SweepOptions.OnPartial hands over, and signals when a result passes a test.
type partials struct {
	mu   sync.Mutex
	got  []SweepResult
	want func(SweepResult) bool
	seen chan struct{}
	once sync.Once
}

func newPartials(want func(SweepResult) bool) *partials {
	return &partials{want: want, seen: make(chan struct{})}
}

func (p *partials) take(res SweepResult) {
	p.mu.Lock()
	p.got = append(p.got, res)
	p.mu.Unlock()
	if p.want(res) {
		p.once.Do(func() { close(p.seen) })
	}
}

func (p *partials) all() []SweepResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]SweepResult(nil), p.got...)
}

// await waits until a partial result passed the test; the limit is a safety net that fails the test, not a
// means of synchronisation.
func (p *partials) await(t *testing.T, what string) {
	t.Helper()
	select {
	case <-p.seen:
	case <-time.After(10 * time.Second):
		t.Fatalf("no partial result showed %s", what)
	}
}

func reading(res SweepResult) (n int) {
	for _, k := range res.Keys {
		if k.Reading {
			n++
		}
	}
	return n
}

// The partial callback shows every key, marked Reading, while every /details request is held: the keys are on
// screen as soon as the listings are back. Each partial is a consistent picture: a key is either being read (no
// finding) or has its finding; the final result marks none as being read.
func TestSweepPartialShowsKeysBeforeDetails(t *testing.T) {
	t.Parallel()
	h := newDetailsHold()
	h.on.Store(true)
	f := newWrappedFoundation(t, cffake.Options{Data: cffake.Dataset{BulkKeys: 57}}, h.wrap)
	opts := f.options()
	opts.PageSize = 10
	c, _ := f.login(t, cffake.AdminUser, opts)
	p := newPartials(func(res SweepResult) bool { return len(res.Keys) == 57 && reading(res) == 57 })

	done := make(chan struct{})
	var res *SweepResult
	var err error
	go func() {
		defer close(done)
		res, err = c.Sweep(context.Background(), SweepOptions{OnPartial: p.take})
	}()
	p.await(t, "all 57 keys being read")
	if n := h.answered.Load(); n != 0 {
		t.Errorf("%d /details answered before the keys were shown", n)
	}
	close(h.release)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Keys) != 57 || reading(*res) != 0 {
		t.Errorf("final: %d keys, %d still marked as being read", len(res.Keys), reading(*res))
	}
	got := p.all()
	for i, pr := range got {
		if len(pr.Instances) > 6 || pr.StartedAt != res.StartedAt {
			t.Errorf("partial %d: %d instances, started %v", i, len(pr.Instances), pr.StartedAt)
		}
		for _, k := range pr.Keys {
			if k.Reading != (k.Finding == ReadingFinding) {
				t.Errorf("partial %d: key %s reading %v with finding %+v", i, k.Name, k.Reading, k.Finding)
			}
		}
	}
	// The clock stood still and fewer than PartialEvery keys were read: only listing pages were reported (one of
	// instances, six of keys).
	if len(got) > 7 {
		t.Errorf("%d partial results with a clock standing still, want at most one per listing page (7)", len(got))
	}
}

// As /details answers come in, the partial callback hears of them at most every PartialInterval: here each answer
// moves the clock on by that much, so each one is reported, with one key fewer being read each time. (The sweep
// is narrowed to the org so the listings come one after the other, before any answer.)
func TestSweepPartialThrottledByClock(t *testing.T) {
	t.Parallel()
	h := newDetailsHold()
	var f *foundation
	h.onAnswer = func() { f.clock.Advance(PartialInterval) }
	f = newWrappedFoundation(t, cffake.Options{Data: cffake.Dataset{BulkKeys: 12}}, h.wrap)
	c, _ := f.login(t, cffake.AdminUser, f.options())
	p := newPartials(func(SweepResult) bool { return false })
	res, err := c.Sweep(context.Background(), SweepOptions{Orgs: []string{"bulk-org-000"}, Concurrency: 1, FixedConcurrency: true, OnPartial: p.take})
	if err != nil {
		t.Fatal(err)
	}
	counts := []int{}
	for _, pr := range p.all() {
		if len(pr.Keys) == 12 {
			counts = append(counts, reading(pr))
		}
	}
	if want := []int{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}; !reflect.DeepEqual(counts, want) || reading(*res) != 0 {
		t.Errorf("keys being read in successive partial results: %v, want %v", counts, want)
	}
}

// A new process with a findings cache shows the cached findings in its first partial result, before any /details
// request is answered: only the key created since is being read.
func TestSweepPartialShowsCachedFindingsFirst(t *testing.T) {
	t.Parallel()
	h := newDetailsHold()
	f := newWrappedFoundation(t, cffake.Options{}, h.wrap)
	dir := t.TempDir()
	cold, _ := newProcess(t, f, dir, cffake.AdminUser).sweep(t, f, SweepOptions{})
	old, _ := f.fake.Key("crm-sync-sender")
	admin := newProcess(t, f, dir, cffake.AdminUser)
	createKey(t, admin.client, old.InstanceGUID, "crm-sync-sender-2")
	f.clock.Advance(3 * time.Second) // the broker finishes the creation
	created, _ := f.fake.Key("crm-sync-sender-2")

	h.on.Store(true)
	before := h.answered.Load()
	warm := newProcess(t, f, dir, cffake.AdminUser)
	p := newPartials(func(res SweepResult) bool { return len(res.Keys) == len(cold.Keys)+1 })
	done := make(chan struct{})
	var res *SweepResult
	go func() {
		defer close(done)
		var err error
		if res, err = warm.client.Sweep(context.Background(), SweepOptions{OnPartial: p.take}); err != nil {
			t.Error(err)
		}
	}()
	p.await(t, "every key")
	if n := h.answered.Load() - before; n != 0 {
		t.Errorf("%d /details answered before the first partial result", n)
	}
	got := p.all()
	first := got[len(got)-1]
	want := findingsByGUID(cold)
	for _, k := range first.Keys {
		switch {
		case k.GUID == created.GUID:
			if !k.Reading {
				t.Errorf("the new key is not marked as being read: %+v", k)
			}
		case k.Reading || !reflect.DeepEqual(k.Finding, want[k.GUID]):
			t.Errorf("key %s: reading %v, finding %+v, want the cached %+v", k.Name, k.Reading, k.Finding, want[k.GUID])
		}
	}
	if first.FromCache != 22 {
		t.Errorf("FromCache = %d in the partial result, want 22", first.FromCache)
	}
	close(h.release)
	<-done
	if res != nil && (res.DetailsFetched != 1 || res.FromCache != 22 || reading(*res) != 0) {
		t.Errorf("final: %d fetched, %d from the cache, %d reading", res.DetailsFetched, res.FromCache, reading(*res))
	}
}

// Partial results come further apart as a sweep grows, so that copying them takes a bounded share of it.
func TestSweepPartialSpacing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		keys     int
		interval time.Duration
		every    int
	}{
		{0, 250 * time.Millisecond, 500},
		{2500, 250 * time.Millisecond, 500},
		{4999, 250 * time.Millisecond, 500},
		{10000, time.Second, 2000},
		{50000, 5 * time.Second, 10000},
	} {
		if interval, every := partialSpacing(tc.keys); interval != tc.interval || every != tc.every {
			t.Errorf("%d keys: every %v or %d answers, want %v or %d", tc.keys, interval, every, tc.interval, tc.every)
		}
	}
}
