package cf

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateLimit is what the Cloud Controller said about the caller's request budget on one response.
type RateLimit struct {
	Limit      int       // X-RateLimit-Limit: requests allowed per window for this user class
	Remaining  int       // X-RateLimit-Remaining: an estimate, in steps of 10 %
	Reset      time.Time // X-RateLimit-Reset: when the window resets (sent as Unix seconds)
	Throttled  bool      // the response was a 429
	RetryAfter time.Duration
}

// reportRateLimit tells Options.OnRateLimit about rl, one call at a time: sweep workers report concurrently, and the
// callback (a status line, a slice of samples) should not need its own lock.
func (c *Client) reportRateLimit(rl RateLimit) {
	if c.opts.OnRateLimit == nil {
		return
	}
	c.rlMu.Lock()
	defer c.rlMu.Unlock()
	c.opts.OnRateLimit(rl)
}

// parseRateLimit reads the X-RateLimit-* and Retry-After headers. ok is false when none are present (the limiter
// is off, or the caller is an admin).
func parseRateLimit(h http.Header, status int, now time.Time) (RateLimit, bool) {
	var rl RateLimit
	found := false
	if v, err := strconv.Atoi(h.Get("X-RateLimit-Limit")); err == nil {
		rl.Limit, found = v, true
	}
	if v, err := strconv.Atoi(h.Get("X-RateLimit-Remaining")); err == nil {
		rl.Remaining, found = v, true
	}
	if v, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil && v > 0 {
		rl.Reset, found = time.Unix(v, 0).UTC(), true
	}
	if status == http.StatusTooManyRequests {
		rl.Throttled, found = true, true
		rl.RetryAfter = retryAfter(h, now)
	}
	return rl, found
}

// retryAfter reads Retry-After as seconds or an HTTP date; 0 when absent or unreadable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
