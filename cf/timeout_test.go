package cf

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// TestOneKeyHangsStallsOrResets gives three keys a /details that never answers, one whose body stalls halfway and
// one whose connection is reset. Each is one error of the sweep; every other key is read and the sweep ends.
// The request time limit is real (nothing else can trip it) and kept small.
func TestOneKeyHangsStallsOrResets(t *testing.T) {
	t.Parallel()
	f := newHostileFoundation(t, cffake.Options{}, false)
	opts := f.options()
	opts.RequestTimeout = time.Second // long enough for the honest requests on a loaded machine, short enough to wait out twice
	c, _ := f.login(t, cffake.AdminUser, opts)
	keys := certificateKeys(t, f.fake)
	hung, stalled, reset := keys[0].GUID, keys[1].GUID, keys[2].GUID
	details := func(guid string) string { return "/v3/service_credential_bindings/" + guid + "/details" }
	f.hostile.Add(cffake.Attack{Path: details(hung), Answer: f.hostile.Hang()})
	f.hostile.Add(cffake.Attack{Path: details(stalled), Answer: f.hostile.Stall(40)})
	f.hostile.Add(cffake.Attack{Path: details(reset), Answer: cffake.Reset()})

	res, err := c.Sweep(context.Background(), SweepOptions{})
	if err != nil {
		t.Fatalf("sweep failed: %v", err)
	}
	want := map[string]string{
		hung:    "no answer within the request time limit of 1s",
		stalled: "the answer stalled",
		reset:   "reset",
	}
	if len(res.Errors) != len(want) {
		t.Errorf("errors = %+v, want one per hostile key", res.Errors)
	}
	for _, e := range res.Errors {
		if w, ok := want[e.GUID]; !ok || !strings.Contains(e.Message, w) {
			t.Errorf("error of %s = %q, want it to say %q", e.GUID, e.Message, w)
		}
	}
	for _, k := range res.Keys {
		if _, hostile := want[k.GUID]; !hostile && strings.HasPrefix(k.Finding.Reason, "reading credentials failed") {
			t.Errorf("key %s was not read: %s", k.Name, k.Finding.Reason)
		}
	}
}

// TestScanTimeLimitKeepsWhatItHas lets one key's /details hang until the sweep's own deadline passes (fired by
// the test once every other key is read): the sweep returns the keys it read and lists the hung one as not
// checked, instead of failing with nothing.
func TestScanTimeLimitKeepsWhatItHas(t *testing.T) {
	t.Parallel()
	f := newHostileFoundation(t, cffake.Options{}, false)
	c, _ := f.login(t, cffake.AdminUser, f.options())
	hung := certificateKeys(t, f.fake)[0]
	f.hostile.Add(cffake.Attack{Path: "/v3/service_credential_bindings/" + hung.GUID + "/details", Answer: f.hostile.Hang()})

	ctx := newDeadlineContext()
	res, err := c.Sweep(ctx, SweepOptions{Progress: func(p Progress) {
		if p.Stage == StageCredentials && p.Total > 0 && p.Done == p.Total-1 {
			ctx.expire() // every key but the hung one is read: the scan's time is up
		}
	}})
	if err != nil {
		t.Fatalf("sweep failed: %v", err)
	}
	if len(res.Errors) != 1 || res.Errors[0].GUID != hung.GUID || !strings.Contains(res.Errors[0].Message, "time limit ran out") {
		t.Fatalf("errors = %+v, want the hung key as not checked", res.Errors)
	}
	read := 0
	for _, k := range res.Keys {
		if k.Finding.Certificate != nil {
			read++
		}
		if k.GUID == hung.GUID && !strings.Contains(k.Finding.Reason, "not checked") {
			t.Errorf("hung key's finding = %q", k.Finding.Reason)
		}
	}
	if read < 10 {
		t.Errorf("only %d keys kept", read)
	}
}

// certificateKeys returns three keys of the fake whose /details a sweep reads.
func certificateKeys(t *testing.T, fake *cffake.Server) []cffake.KeyInfo {
	t.Helper()
	var out []cffake.KeyInfo
	for _, name := range []string{"dev-sender-old", "orders-app-x509", "erp-orders-sender"} {
		k, ok := fake.Key(name)
		if !ok {
			t.Fatalf("the fake has no key %s", name)
		}
		out = append(out, k)
	}
	return out
}

// deadlineContext is a context whose deadline the test fires by hand: Err says DeadlineExceeded, as a scan's
// --timeout would, without waiting on a real timer.
type deadlineContext struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func newDeadlineContext() *deadlineContext {
	return &deadlineContext{Context: context.Background(), done: make(chan struct{})}
}

func (c *deadlineContext) Done() <-chan struct{} { return c.done }

func (c *deadlineContext) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func (c *deadlineContext) expire() { c.once.Do(func() { close(c.done) }) }
