package cf

import (
	"context"
	"errors"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// TestOversizedAnswersRefused answers one key's /details with 120 MB announced up front, another's with 120 MB
// sent chunked, and checks each is one error of the sweep, read no further than the cap and never retried; then
// a 200 MB listing page, which fails the scan after one request (against a lowered cap).
func TestOversizedAnswersRefused(t *testing.T) {
	// Not parallel: it checks that the process-wide in-flight budget is all given back, which only holds while no
	// other test is reading an answer (parallel tests wait until the sequential ones are done).
	f := newHostileFoundation(t, cffake.Options{}, false)
	c, _ := f.login(t, cffake.AdminUser, f.options())
	keys := certificateKeys(t, f.fake)
	details := func(guid string) string { return "/v3/service_credential_bindings/" + guid + "/details" }
	declared := f.hostile.Add(cffake.Attack{Path: details(keys[0].GUID), Answer: cffake.Huge(120<<20, true)})
	chunked := f.hostile.Add(cffake.Attack{Path: details(keys[1].GUID), Answer: cffake.Huge(120<<20, false)})

	res, err := c.Sweep(context.Background(), SweepOptions{})
	if err != nil {
		t.Fatalf("sweep failed: %v", err)
	}
	if declared.Hits() != 1 || chunked.Hits() != 1 {
		t.Errorf("oversized answers were asked for %d and %d times, want once each", declared.Hits(), chunked.Hits())
	}
	want := map[string]string{keys[0].GUID: "is 125829120 bytes, more than the 4 MB", keys[1].GUID: "larger than the 4 MB"}
	if len(res.Errors) != 2 {
		t.Errorf("errors = %+v, want the two oversized keys", res.Errors)
	}
	for _, e := range res.Errors {
		if !strings.Contains(e.Message, want[e.GUID]) {
			t.Errorf("error of %s = %q, want %q", e.GUID, e.Message, want[e.GUID])
		}
	}
	if n := bodies.inUse(); n != 0 {
		t.Errorf("%d bytes of the in-flight budget not given back", n)
	}

	// The listing cap is 32 MB; this client's is 1 MB, so the refusal is proven without reading 32 MB.
	if c.pageCap != 32<<20 || c.detailsCap != 4<<20 {
		t.Errorf("caps %d and %d, want 32 MB for pages and 4 MB for details", c.pageCap, c.detailsCap)
	}
	c.pageCap = 1 << 20
	listing := f.hostile.Add(cffake.Attack{Path: "/v3/service_instances", Answer: cffake.Huge(200<<20, false)})
	c.details = NewDetailsCache()
	_, err = c.Sweep(context.Background(), SweepOptions{})
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Limit != 1<<20 || listing.Hits() != 1 || !strings.Contains(err.Error(), "listing service instances") {
		t.Fatalf("200 MB listing: err = %v after %d requests; want one request and a TooLargeError", err, listing.Hits())
	}
}

// TestPeakRSSHugeDetails measures the process's peak resident memory while every /details answers 120 MB, at
// concurrency 16 and 64; the target is below 300 MB. It moves gigabytes over loopback, so it runs only with
// CFKEYS_MEMORY_TEST=1 (Linux: it reads VmHWM from /proc/self/status and resets it through clear_refs).
func TestPeakRSSHugeDetails(t *testing.T) {
	if os.Getenv("CFKEYS_MEMORY_TEST") == "" {
		t.Skip("set CFKEYS_MEMORY_TEST=1 to measure peak RSS with 120 MB /details answers")
	}
	f := newHostileFoundation(t, cffake.Options{Data: cffake.Dataset{BulkKeys: 256}}, false)
	c, _ := f.login(t, cffake.AdminUser, f.options())
	var announce atomic.Bool
	f.hostile.Add(cffake.Attack{PathSuffix: "/details", Answer: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		cffake.Huge(120<<20, announce.Load())(w, r, next)
	}})
	for _, declare := range []bool{false, true} {
		announce.Store(declare)
		for _, conc := range []int{16, 64} {
			c.details = NewDetailsCache()
			debug.FreeOSMemory() // start from what the process needs, not what the last run left mapped
			if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
				t.Fatalf("resetting the peak RSS: %v", err)
			}
			res, err := c.Sweep(context.Background(), SweepOptions{Concurrency: conc})
			if err != nil {
				t.Fatal(err)
			}
			peak := peakRSS(t)
			t.Logf("every /details 120 MB (Content-Length announced: %t), concurrency %d: %d keys, %d errors, peak RSS %d MB",
				declare, conc, len(res.Keys), len(res.Errors), peak>>20)
			if len(res.Errors) != len(res.Keys) {
				t.Errorf("%d errors for %d keys", len(res.Errors), len(res.Keys))
			}
			if peak > 300<<20 {
				t.Errorf("peak RSS %d MB, want below 300 MB", peak>>20)
			}
		}
	}
}

// peakRSS reads the process's peak resident set size (VmHWM).
func peakRSS(t *testing.T) int64 {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// TestByteBudget checks the in-flight budget: a request that does not fit waits, in order, and a caller that
// gives up while waiting leaves nothing held.
func TestByteBudget(t *testing.T) {
	t.Parallel()
	b := newByteBudget(10)
	ctx := context.Background()
	if err := b.acquire(ctx, 8); err != nil {
		t.Fatal(err)
	}
	gaveUp, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- b.acquire(gaveUp, 5) }()
	granted := make(chan error, 1)
	waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.waiters) == 1 })
	go func() { granted <- b.acquire(ctx, 2) }() // fits, but waits behind the first waiter (first come, first served)
	waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.waiters) == 2 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("the waiter that gave up got %v", err)
	}
	if err := <-granted; err != nil { // the head left: the small request now fits
		t.Fatal(err)
	}
	b.release(8)
	b.release(2)
	if n := b.inUse(); n != 0 {
		t.Errorf("%d bytes still held", n)
	}
}

// waitFor blocks until cond holds, yielding to the goroutines it waits on (no sleeping).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; !cond(); i++ {
		if i > 1e6 {
			t.Fatal("condition never held")
		}
		runtime.Gosched()
	}
}
