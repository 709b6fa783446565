package cf

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxAdaptiveConcurrency is the most parallel /details requests a sweep grows to while the foundation answers
// fast and its rate limit allows.
const MaxAdaptiveConcurrency = 64

// concurrencyLimit decides how many /details requests a sweep keeps in flight. It starts at the configured
// concurrency and follows what the foundation says, in three rules:
//
//   - Rate limit: a response's X-RateLimit-Remaining caps the limit at half of it (at least 1), so the requests
//     in flight can never outnumber what the window has left, even counting those sent before the header came
//     back. The Cloud Controller reports the remainder rounded down to 10 %: once it reads 0 the sweep goes one
//     request at a time, and meets at most one 429 per window where a fixed concurrency of n meets up to n.
//     Within one window (same X-RateLimit-Reset) the cap only goes down, as answers arrive out of order; a later
//     window sets it afresh.
//   - 429: the limit halves (not below 1), once per round trip: the other 429s of requests sent before the cut
//     say nothing new and do not cut again.
//   - Speed: after each round (as many answers as the limit), if nine in ten answers came within twice the
//     fastest answer seen (plus a millisecond), the foundation is not queueing: the limit grows by a quarter (at
//     least 1) up to its ceiling and the rate-limit cap. If most answers were slower, it shrinks by a quarter,
//     not below where it started.
//
// It is safe for concurrent use: the transport reports every answer (see observeResponse), the sweep reads the
// limit before each dispatch.
type concurrencyLimit struct {
	clock func() time.Time
	fixed bool

	mu             sync.Mutex
	start, ceiling int
	limit          int
	rateCap        int   // from X-RateLimit-Remaining; 0 while no response carried it
	rateReset      int64 // X-RateLimit-Reset of the window rateCap belongs to
	epoch          int   // increments at each cut by a 429
	minRTT         time.Duration
	haveRTT        bool
	samples, fast  int // of the current round
	cuts, grows    int
}

// newConcurrencyLimit returns a limit starting at start (at least 1) that grows up to ceiling, or that stays at
// start whatever happens when fixed.
func newConcurrencyLimit(start, ceiling int, fixed bool, clock func() time.Time) *concurrencyLimit {
	start = max(start, 1)
	ceiling = max(ceiling, start)
	if fixed {
		ceiling = start
	}
	return &concurrencyLimit{clock: clock, fixed: fixed, start: start, ceiling: ceiling, limit: start}
}

// current returns how many requests may be in flight now.
func (l *concurrencyLimit) current() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rateCap > 0 {
		return min(l.limit, l.rateCap)
	}
	return l.limit
}

// currentEpoch returns the number of cuts so far; a request remembers it so its 429 cuts only once.
func (l *concurrencyLimit) currentEpoch() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.epoch
}

// observe takes one answer: its status, headers, how long it took, whether it was a /details request (only
// those measure speed: listings are slower by nature) and the epoch the request was sent in.
func (l *concurrencyLimit) observe(status int, h http.Header, took time.Duration, details bool, epoch int) {
	if l.fixed {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if v, err := strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Remaining"))); err == nil && v >= 0 {
		reset, _ := strconv.ParseInt(strings.TrimSpace(h.Get("X-RateLimit-Reset")), 10, 64)
		switch {
		case reset > l.rateReset || reset == 0 || l.rateCap == 0:
			l.rateCap, l.rateReset = max(v/2, 1), reset // a new window (or the first word on it)
		case reset == l.rateReset:
			// Answers come back out of order: within one window the count only goes down.
			l.rateCap = min(l.rateCap, max(v/2, 1))
		}
	}
	switch {
	case status == http.StatusTooManyRequests:
		if epoch == l.epoch {
			l.limit = max(l.limit/2, 1)
			l.epoch++
			l.cuts++
			l.samples, l.fast = 0, 0
		}
	case status >= 200 && status < 300 && details:
		l.sample(took)
	}
}

// sample counts one successful /details answer towards the current round, and ends the round when it is full.
// The caller holds l.mu.
func (l *concurrencyLimit) sample(took time.Duration) {
	if !l.haveRTT || took < l.minRTT {
		l.minRTT, l.haveRTT = took, true
	}
	l.samples++
	if took <= 2*l.minRTT+time.Millisecond {
		l.fast++
	}
	if l.samples < l.limit {
		return
	}
	switch {
	case l.fast*10 >= l.samples*9:
		grown := min(l.limit+max(l.limit/4, 1), l.ceiling)
		if l.rateCap > 0 {
			grown = min(grown, max(l.rateCap, l.limit))
		}
		if grown > l.limit {
			l.limit = grown
			l.grows++
		}
	case l.fast*2 < l.samples:
		l.limit = max(l.limit-l.limit/4, l.start)
	}
	l.samples, l.fast = 0, 0
}

// observerKey is the context key under which a sweep hands its observer to the transport.
type observerKey struct{}

// responseObserver is what the transport tells about one request of a sweep.
type responseObserver struct {
	limit   *concurrencyLimit
	details bool
	epoch   int
}

// withObserver returns ctx carrying an observer: every answer to a request sent with it is reported to l.
func withObserver(ctx context.Context, l *concurrencyLimit, details bool) context.Context {
	return context.WithValue(ctx, observerKey{}, responseObserver{limit: l, details: details, epoch: l.currentEpoch()})
}

// observeResponse reports an answer to the observer of the request's context, if any.
func observeResponse(r *http.Request, resp *http.Response, took time.Duration) {
	obs, ok := r.Context().Value(observerKey{}).(responseObserver)
	if !ok || resp == nil {
		return
	}
	details := obs.details && strings.HasSuffix(r.URL.Path, "/details") // not a token refresh on the way
	obs.limit.observe(resp.StatusCode, resp.Header, took, details, obs.epoch)
}
