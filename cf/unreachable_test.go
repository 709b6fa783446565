package cf

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// TestSweepStopsWhenFoundationDies closes the foundation's port once the listings are read, so every /details
// meets connection refused: the sweep stops after a few attempts with an UnreachableError, instead of trying every
// key four times and calling the result a scan.
func TestSweepStopsWhenFoundationDies(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	res, err := c.Sweep(context.Background(), SweepOptions{Progress: func(p Progress) {
		if p.Stage == StageCredentials && p.Done == 0 {
			_ = f.srv.Listener.Close() // nothing listens on the port any more: connection refused
			f.srv.CloseClientConnections()
		}
	}})
	var ue *UnreachableError
	if !errors.As(err, &ue) || ue.API != f.srv.URL || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("sweep = %+v, err %v; want an UnreachableError naming %s", res, err, f.srv.URL)
	}
	// One wait per failure before the count is reached (an idle connection the server dropped may add one).
	if n := len(f.sleeps.Waits()); n >= 2*unreachableAfter {
		t.Errorf("waited %d times before giving up on a foundation that refuses connections", n)
	}
}

// TestOwnConnectFailuresCount: when the foundation goes away while other requests are in flight, one of them may
// still be answered over a connection opened before, and that answer resets the shared count. A request whose own
// attempts all failed to connect still reports the foundation unreachable, not a bare "connection refused" (the
// sweep's listing once did, depending on which request finished first).
func TestOwnConnectFailuresCount(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	var c *Client
	opts := f.options()
	opts.Sleep = func(ctx context.Context, d time.Duration) error {
		c.connFailures.Store(0) // another request was answered between this one's attempts
		return f.sleeps.Sleep(ctx, d)
	}
	c, _ = f.login(t, cffake.AdminUser, opts)
	_ = f.srv.Listener.Close()
	f.srv.CloseClientConnections()
	_, err := c.Organizations(context.Background())
	var ue *UnreachableError
	if !errors.As(err, &ue) || ue.Failures != unreachableAfter || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err %v; want an UnreachableError after %d attempts", err, unreachableAfter)
	}
	if n := len(f.sleeps.Waits()); n != unreachableAfter-1 {
		t.Errorf("waited %d times, want %d", n, unreachableAfter-1)
	}
}

// TestAnswerResetsUnreachableCount checks that failures must be in a row: one answer in between starts the count
// again, so a foundation that drops a connection now and then is not declared unreachable.
func TestAnswerResetsUnreachableCount(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	c.connFailures.Store(unreachableAfter - 1)
	if _, err := c.Organizations(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := c.connFailures.Load(); n != 0 {
		t.Errorf("after an answer, %d connection failures still count", n)
	}
}
