package cf

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/internal/testclock"
)

// rateHeader is the header of an answer saying how much of the rate-limit window is left.
func rateHeader(remaining int) http.Header {
	h := http.Header{}
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	return h
}

// The rules of concurrencyLimit, answer by answer.
func TestConcurrencyLimitRules(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	t.Run("fast rounds grow it by a quarter up to the ceiling", func(t *testing.T) {
		l := newConcurrencyLimit(16, 64, false, nil)
		var seen []int
		for range 400 {
			l.observe(200, nil, 20*ms, true, 0)
			if n := l.current(); len(seen) == 0 || seen[len(seen)-1] != n {
				seen = append(seen, n)
			}
		}
		if want := []int{16, 20, 25, 31, 38, 47, 58, 64}; !equalInts(seen, want) {
			t.Errorf("limits = %v, want %v", seen, want)
		}
	})
	t.Run("slow answers stop the growth and shrink it back to the start", func(t *testing.T) {
		l := newConcurrencyLimit(16, 64, false, nil)
		for range 16 + 20 {
			l.observe(200, nil, 20*ms, true, 0)
		}
		if n := l.current(); n != 25 {
			t.Fatalf("limit = %d after two fast rounds", n)
		}
		for range 200 {
			l.observe(200, nil, 60*ms, true, 0) // three times the fastest: the foundation queues
		}
		if n := l.current(); n != 16 {
			t.Errorf("limit = %d after slow rounds, want back at 16", n)
		}
	})
	t.Run("listings and failures do not count as fast answers", func(t *testing.T) {
		l := newConcurrencyLimit(16, 64, false, nil)
		for range 100 {
			l.observe(200, nil, ms, false, 0)
			l.observe(503, nil, ms, true, 0)
		}
		if n := l.current(); n != 16 {
			t.Errorf("limit = %d", n)
		}
	})
	t.Run("a 429 halves it once per round trip", func(t *testing.T) {
		l := newConcurrencyLimit(16, 64, false, nil)
		epoch := l.currentEpoch()
		for range 16 { // sixteen requests sent together, all refused
			l.observe(http.StatusTooManyRequests, nil, ms, true, epoch)
		}
		if n := l.current(); n != 8 {
			t.Errorf("limit = %d after one round of 429s, want 8", n)
		}
		l.observe(http.StatusTooManyRequests, nil, ms, true, l.currentEpoch())
		if n := l.current(); n != 4 {
			t.Errorf("limit = %d after a 429 sent after the cut, want 4", n)
		}
		for range 10 {
			l.observe(http.StatusTooManyRequests, nil, ms, true, l.currentEpoch())
		}
		if n := l.current(); n != 1 {
			t.Errorf("limit = %d, want it never below 1", n)
		}
	})
	t.Run("X-RateLimit-Remaining caps it at half of what is left", func(t *testing.T) {
		l := newConcurrencyLimit(16, 64, false, nil)
		for _, tc := range []struct{ remaining, want int }{{2000, 16}, {20, 10}, {3, 1}, {0, 1}, {1800, 16}} {
			l.observe(200, rateHeader(tc.remaining), 0, false, 0)
			if n := l.current(); n != tc.want {
				t.Errorf("remaining %d: limit = %d, want %d", tc.remaining, n, tc.want)
			}
		}
		for range 100 { // fast answers grow it no further than the rate limit allows
			l.observe(200, rateHeader(40), 0, true, 0)
		}
		if n := l.current(); n != 20 {
			t.Errorf("limit = %d with 40 requests left, want 20", n)
		}
	})
	t.Run("fixed ignores everything", func(t *testing.T) {
		l := newConcurrencyLimit(16, 64, true, nil)
		l.observe(http.StatusTooManyRequests, rateHeader(0), ms, true, 0)
		for range 100 {
			l.observe(200, nil, 0, true, 0)
		}
		if n := l.current(); n != 16 {
			t.Errorf("limit = %d", n)
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// statusCounter wraps a handler and counts the answers with a given status.
type statusCounter struct {
	status int
	n      atomic.Int64
}

func (s *statusCounter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(statusWriter{ResponseWriter: w, seen: func(code int) {
			if code == s.status {
				s.n.Add(1)
			}
		}}, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	seen func(int)
}

func (w statusWriter) WriteHeader(code int) {
	w.seen(code)
	w.ResponseWriter.WriteHeader(code)
}

// A user under the Cloud Controller's rate limit (the fake's: n requests per 30 seconds, on the test clock, which
// each wait out of a 429 moves on) sweeps 300 keys: adaptive concurrency meets no more 429s than a fixed
// concurrency of 16, at most one per window, and reads every key. No real time passes in the waits.
func TestAdaptiveConcurrencyUnderRateLimit(t *testing.T) {
	t.Parallel()
	const keys = 300
	sweep := func(t *testing.T, limit int, o SweepOptions) int64 {
		var refused statusCounter
		refused.status = http.StatusTooManyRequests
		f := newWrappedFoundation(t, cffake.Options{RateLimit: limit, RateWindow: 30 * time.Second, TokenTTL: 24 * time.Hour, Data: cffake.Dataset{BulkKeys: keys}}, refused.wrap)
		f.sleeps.onWait = f.clock.Advance
		c, _ := f.login(t, cffake.DeveloperUser, f.options())
		res, err := c.Sweep(context.Background(), o)
		if err != nil {
			t.Errorf("%+v: %v", o, err)
		} else if len(res.Keys) != keys || res.DetailsFetched != keys || len(res.Errors) != 0 {
			t.Errorf("%+v: keys %d, details %d, errors %v", o, len(res.Keys), res.DetailsFetched, res.Errors)
		}
		return refused.n.Load()
	}
	for _, limit := range []int{20, 60, 200} {
		t.Run(strconv.Itoa(limit)+" per window", func(t *testing.T) {
			t.Parallel()
			var fixed, adaptive int64
			var wg sync.WaitGroup
			wg.Go(func() { fixed = sweep(t, limit, SweepOptions{Concurrency: 16, FixedConcurrency: true}) })
			wg.Go(func() { adaptive = sweep(t, limit, SweepOptions{Concurrency: 16}) })
			wg.Wait()
			t.Logf("%d requests per window: 429s at a fixed concurrency of 16: %d; adaptive: %d", limit, fixed, adaptive)
			if adaptive > fixed {
				t.Errorf("adaptive concurrency met %d 429s, a fixed concurrency of 16 %d", adaptive, fixed)
			}
			if windows := int64((keys+2)/limit + 1); adaptive > windows {
				t.Errorf("adaptive concurrency met %d 429s over %d windows, want at most one each", adaptive, windows)
			}
		})
	}
}

// inFlightLimiter wraps a handler and, while more than capacity /details requests are in it at once, moves the
// test clock on by delay per request: a foundation that answers slower once it is pushed past its capacity.
type inFlightLimiter struct {
	capacity int64
	delay    time.Duration
	clock    *testclock.Clock
	n        atomic.Int64
}

func (l *inFlightLimiter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.Path) > 8 && r.URL.Path[len(r.URL.Path)-8:] == "/details" {
			if l.n.Add(1) > l.capacity {
				l.clock.Advance(l.delay)
			}
			defer l.n.Add(-1)
		}
		next.ServeHTTP(w, r)
	})
}

// A foundation that answers as fast with many requests in flight as with few lets a sweep grow to 64; one that
// slows down past 4 keeps it near its start of 16 (a step or two above at most, as
// the first rounds may not yet see the slowdown).
func TestAdaptiveConcurrencyFollowsSpeed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		capacity int64
		min, max int
	}{
		{"fast", 1 << 20, 64, 64},
		{"slower past 4 in flight", 4, 1, 25},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lim := &inFlightLimiter{capacity: tc.capacity, delay: 50 * time.Millisecond}
			f := newWrappedFoundation(t, cffake.Options{Latency: 2 * time.Millisecond, TokenTTL: 24 * time.Hour, Data: cffake.Dataset{BulkKeys: 400}}, lim.wrap)
			lim.clock = f.clock
			c, _ := f.login(t, cffake.AdminUser, f.options())
			res, err := c.Sweep(context.Background(), SweepOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Keys) != 400 || len(res.Errors) != 0 {
				t.Fatalf("keys %d, errors %v", len(res.Keys), res.Errors)
			}
			t.Logf("peak concurrency %d", res.PeakConcurrency)
			if p := res.PeakConcurrency; p < tc.min || p > tc.max {
				t.Errorf("peak concurrency %d, want %d..%d", p, tc.min, tc.max)
			}
		})
	}
}
