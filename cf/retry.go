package cf

import (
	"context"
	"time"
)

// RetryPolicy bounds how a GET is retried after a 5xx, a network error or a 429.
type RetryPolicy struct {
	// MaxAttempts is the number of tries for one request, the first included (default 4).
	MaxAttempts int
	// BaseDelay is the first backoff after a 5xx or network error; it doubles each time (default 250ms).
	BaseDelay time.Duration
	// MaxDelay caps one backoff (default 4s).
	MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After cfkeys waits out; a 429 asking for longer fails the request with
	// the 429 (default 60s).
	MaxRetryAfter time.Duration
	// Max429Waits bounds how many 429s in a row one request waits out (default 5).
	Max429Waits int
}

// DefaultRetryPolicy is used when Options.Retry is zero.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 4, BaseDelay: 250 * time.Millisecond, MaxDelay: 4 * time.Second, MaxRetryAfter: 60 * time.Second, Max429Waits: 5}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	if p.MaxAttempts > 0 {
		d.MaxAttempts = p.MaxAttempts
	}
	if p.BaseDelay > 0 {
		d.BaseDelay = p.BaseDelay
	}
	if p.MaxDelay > 0 {
		d.MaxDelay = p.MaxDelay
	}
	if p.MaxRetryAfter > 0 {
		d.MaxRetryAfter = p.MaxRetryAfter
	}
	if p.Max429Waits > 0 {
		d.Max429Waits = p.Max429Waits
	}
	return d
}

// backoff returns the delay before retry number n (1-based).
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	return min(d, p.MaxDelay)
}

// Sleep waits for d or until ctx is done, whichever comes first, and returns ctx's error if it ended first: the
// default of Options.Sleep and of the notifier's wait between delivery attempts.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
