package cf

import (
	"context"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// TestShortTokenLifetime gives tokens a 5 s lifetime, shorter than the refresh margin: a sweep's concurrent
// requests share one token until it expires, and then one refresh.
func TestShortTokenLifetime(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{TokenTTL: 5 * time.Second})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	tokens := func() int64 { return f.fake.RouteRequests("POST /oauth/token") }
	if n := tokens(); n != 1 {
		t.Fatalf("login made %d token requests", n)
	}
	res, err := c.Sweep(context.Background(), SweepOptions{Concurrency: 16})
	if err != nil {
		t.Fatal(err)
	}
	if n := tokens(); n != 1 {
		t.Errorf("a sweep of %d requests within the token's lifetime made %d token requests, want none beyond the login", res.Requests, n-1)
	}

	f.clock.Advance(6 * time.Second) // the token has expired
	c.details = NewDetailsCache()    // read every key again: many concurrent requests meet the expired token
	res, err = c.Sweep(context.Background(), SweepOptions{Concurrency: 16})
	if err != nil {
		t.Fatal(err)
	}
	if n := tokens(); n != 2 {
		t.Errorf("after expiry a sweep of %d requests made %d token requests, want one shared refresh", res.Requests, n-1)
	}
}
