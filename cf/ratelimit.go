package cf

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxDuration is the longest time.Duration; waits beyond it saturate to it instead of overflowing.
const maxDuration = time.Duration(math.MaxInt64)

// rateLimit is what a response said about when to try again.
type rateLimit struct {
	Reset      time.Time     // X-RateLimit-Reset: when the window resets (sent as Unix seconds)
	RetryAfter time.Duration // Retry-After of a 429, when it held a usable value
	// asked is the wait as the server put it ("99999999999s", "until 2026-11-22T10:00:00Z"), for messages.
	asked string
}

// parseRateLimit reads the X-RateLimit-Reset and (on a 429) Retry-After headers.
func parseRateLimit(h http.Header, status int, now time.Time) rateLimit {
	var rl rateLimit
	if v, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil && v > 0 {
		rl.Reset = time.Unix(v, 0).UTC()
	}
	if status == http.StatusTooManyRequests {
		rl.RetryAfter, rl.asked = retryAfter(h, now)
	}
	return rl
}

// retryAfter reads Retry-After as delay-seconds or an HTTP date. It returns 0 and "" when the header is absent or
// garbage (negative, fractional, words), so the caller backs off as after a 5xx. A number too large for a
// time.Duration saturates, so it compares as too long instead of overflowing into a negative wait.
func retryAfter(h http.Header, now time.Time) (time.Duration, string) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, ""
	}
	if isDigits(v) {
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil || secs > uint64(maxDuration/time.Second) {
			return maxDuration, v + "s" // out of range: a valid number, only very large
		}
		return time.Duration(secs) * time.Second, v + "s"
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), "until " + t.UTC().Format(time.RFC3339) // Sub saturates
	}
	return 0, ""
}

// isDigits reports whether s is a non-empty run of ASCII digits, the only form of delay-seconds (RFC 9110).
func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// WaitTooLongError is a 429 whose server asks for a longer wait than cfkeys waits out (RetryPolicy.MaxRetryAfter):
// the request fails at once, naming the wait, instead of sleeping for it.
type WaitTooLongError struct {
	Err   *APIError     // the 429
	Asked string        // the wait as the server put it: "99999999999s", "until 2026-11-22T10:00:00Z"
	Limit time.Duration // the longest wait cfkeys accepts
}

func (e *WaitTooLongError) Error() string {
	return fmt.Sprintf("%v: the server asks to wait %s, longer than the %s cfkeys waits", e.Err, e.Asked, e.Limit)
}

func (e *WaitTooLongError) Unwrap() error { return e.Err }
