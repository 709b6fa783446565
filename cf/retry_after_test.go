package cf

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// TestRetryAfterHostile sends 429s whose Retry-After is huge, negative or garbage. A wait over the cap fails the
// request at once and names the wait; garbage falls back to the normal backoff; nothing overflows into a negative
// wait and a burst of fast retries.
func TestRetryAfterHostile(t *testing.T) {
	t.Parallel()
	backoff := DefaultRetryPolicy.BaseDelay
	tests := []struct {
		name, value string
		wantWaits   []time.Duration // nil: the request fails at once, without waiting
		wantAsked   string
	}{
		{"huge", "99999999999", nil, "99999999999s"},
		{"beyond uint64", "999999999999999999999999999", nil, "999999999999999999999999999s"},
		{"beyond the cap", "3601", nil, "3601s"},
		{"far date", "Fri, 31 Dec 9999 23:59:59 GMT", nil, "until 9999-12-31T23:59:59Z"},
		{"negative", "-5", []time.Duration{backoff}, ""},
		{"fraction", "1.5", []time.Duration{backoff}, ""},
		{"words", "soon", []time.Duration{backoff}, ""},
		{"NaN", "NaN", []time.Duration{backoff}, ""},
		{"infinity", "+Inf", []time.Duration{backoff}, ""},
		{"past date", "Wed, 21 Oct 2015 07:28:00 GMT", []time.Duration{backoff}, ""},
		{"usable", "7", []time.Duration{7 * time.Second}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newHostileFoundation(t, cffake.Options{}, false)
			c, _ := f.login(t, cffake.AdminUser, f.options())
			f.hostile.Add(cffake.Attack{Method: "GET", PathPrefix: "/v3/organizations", Times: 1, Answer: cffake.RetryAfter(tc.value)})
			orgs, err := c.Organizations(context.Background())
			waits := f.sleeps.Waits()
			if tc.wantWaits == nil {
				var tl *WaitTooLongError
				if !errors.As(err, &tl) || tl.Asked != tc.wantAsked || !strings.Contains(err.Error(), tc.wantAsked) || !strings.Contains(err.Error(), "longer than the 1m0s cfkeys waits") {
					t.Fatalf("err = %v; want a WaitTooLongError naming %q", err, tc.wantAsked)
				}
				if !isFatal(err) {
					t.Errorf("isFatal(%v) = false; a rate limit that outlasts cfkeys' patience stops a sweep", err)
				}
				if len(waits) != 0 {
					t.Errorf("waited %v before giving up", waits)
				}
				return
			}
			if err != nil || len(orgs) != 3 {
				t.Fatalf("orgs %d, err %v; want the retry to succeed", len(orgs), err)
			}
			if len(waits) != len(tc.wantWaits) || waits[0] != tc.wantWaits[0] {
				t.Errorf("waits = %v, want %v", waits, tc.wantWaits)
			}
		})
	}
}
