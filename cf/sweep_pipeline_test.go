package cf

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/internal/testclock"
)

// newWrappedFoundation is newFoundation with the fake served behind wrap, for tests that watch or hold requests.
func newWrappedFoundation(t testing.TB, fo cffake.Options, wrap func(http.Handler) http.Handler) *foundation {
	t.Helper()
	clock := testclock.New(testNow)
	fo.Clock = clock.Now
	fake, err := cffake.New(fo)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wrap(fake))
	t.Cleanup(srv.Close)
	return &foundation{fake: fake, srv: srv, clock: clock, sleeps: &sleepRecorder{}}
}

// gate holds some requests until a /details request has arrived at the server, and records whether that ever
// happened while they were held. An unpipelined sweep sends no /details before its listings end, so the held
// requests are let go after a safety limit and the test fails on what the gate saw, instead of hanging.
type gate struct {
	once     sync.Once
	details  chan struct{}
	mu       sync.Mutex
	held     int
	released int // held requests let go because /details had started
}

func newGate() *gate { return &gate{details: make(chan struct{})} }

// wrap serves next, holding the requests hold selects.
func (g *gate) wrap(hold func(*http.Request) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/details") {
				g.once.Do(func() { close(g.details) })
			}
			if hold(r) {
				g.mu.Lock()
				g.held++
				g.mu.Unlock()
				select {
				case <-g.details:
					g.mu.Lock()
					g.released++
					g.mu.Unlock()
				case <-time.After(10 * time.Second): // a safety limit, not synchronisation: the test fails
				case <-r.Context().Done():
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

func (g *gate) counts() (held, released int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held, g.released
}

// isListing reports whether r is a request of a listing (the collection itself, not one resource).
func isListing(r *http.Request, collection string) bool {
	return r.Method == http.MethodGet && r.URL.Path == collection
}

// An unfiltered sweep lists instances and keys at the same time and reads credentials as soon as the first page
// of keys arrives: here the instance listing and every later page of keys are held until a /details request has
// reached the server, which can only happen if the sweep does not wait for the listings.
func TestSweepPipelinesUnfiltered(t *testing.T) {
	t.Parallel()
	g := newGate()
	f := newWrappedFoundation(t, cffake.Options{Data: cffake.Dataset{BulkKeys: 57}}, g.wrap(func(r *http.Request) bool {
		return isListing(r, "/v3/service_instances") ||
			(isListing(r, "/v3/service_credential_bindings") && r.URL.Query().Get("page") != "")
	}))
	opts := f.options()
	opts.PageSize = 10
	c, _ := f.login(t, cffake.AdminUser, opts)
	res, err := c.Sweep(context.Background(), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	held, released := g.counts()
	if held != 1+5 || released != held {
		t.Errorf("%d listing requests held, %d of them overtaken by /details; want 6 and 6", held, released)
	}
	if len(res.Keys) != 57 || res.DetailsFetched != 57 || len(res.Instances) != 6 || len(res.Errors) != 0 {
		t.Errorf("keys %d, details %d, instances %d, errors %v", len(res.Keys), res.DetailsFetched, len(res.Instances), res.Errors)
	}
	if res.Requests != 1+6+57 {
		t.Errorf("requests = %d, want %d", res.Requests, 1+6+57)
	}
}

// A sweep narrowed to an org lists the keys of each page of instances as soon as it arrives, and reads their
// credentials before the later pages of instances: the second page of instances is held until a /details
// request has reached the server.
func TestSweepPipelinesFiltered(t *testing.T) {
	t.Parallel()
	g := newGate()
	f := newWrappedFoundation(t, cffake.Options{Data: cffake.Dataset{BulkKeys: 57}}, g.wrap(func(r *http.Request) bool {
		return isListing(r, "/v3/service_instances") && r.URL.Query().Get("page") != ""
	}))
	opts := f.options()
	opts.PageSize = 2
	c, _ := f.login(t, cffake.AdminUser, opts)
	res, err := c.Sweep(context.Background(), SweepOptions{Orgs: []string{"bulk-org-000"}})
	if err != nil {
		t.Fatal(err)
	}
	held, released := g.counts()
	if held != 2 || released != held {
		t.Errorf("%d instance pages held, %d of them overtaken by /details; want 2 and 2", held, released)
	}
	if len(res.Keys) != 57 || res.DetailsFetched != 57 || len(res.Instances) != 6 {
		t.Errorf("keys %d, details %d, instances %d", len(res.Keys), res.DetailsFetched, len(res.Instances))
	}
}

// A narrowed sweep whose page of instances holds more than 100 of them lists their keys in chunks of 100 GUIDs,
// as a longer URL would be refused by the router, and reads every key once.
func TestSweepFilteredChunks(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{Data: cffake.Dataset{BulkKeys: 101, BulkKeysPerInstance: 1}}) // 101 instances in 3 orgs
	c, _ := f.login(t, cffake.AdminUser, f.options())
	listings := f.fake.RouteRequests("GET /v3/service_credential_bindings")
	res, err := c.Sweep(context.Background(), SweepOptions{Orgs: []string{"bulk-org-000", "bulk-org-001", "bulk-org-002"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.fake.RouteRequests("GET /v3/service_credential_bindings") - listings; n != 2 {
		t.Errorf("%d key listings for 101 instances, want 2 chunks", n)
	}
	if len(res.Keys) != 101 || res.DetailsFetched != 101 || len(res.Instances) != 101 || len(res.Errors) != 0 {
		t.Errorf("keys %d, details %d, instances %d, errors %d", len(res.Keys), res.DetailsFetched, len(res.Instances), len(res.Errors))
	}
}
