package cf

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/internal/testclock"
)

// testNow is the instant every test foundation starts at.
var testNow = testclock.Start

// sleepRecorder replaces real waiting in retries: it records each wait and returns at once.
type sleepRecorder struct {
	mu     sync.Mutex
	waits  []time.Duration
	onWait func(time.Duration)
}

func (s *sleepRecorder) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	hook := s.onWait
	s.mu.Unlock()
	if hook != nil {
		hook(d)
	}
	return ctx.Err()
}

func (s *sleepRecorder) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// foundation is a fake foundation served over real HTTP for one test.
type foundation struct {
	fake   *cffake.Server
	srv    *httptest.Server
	clock  *testclock.Clock
	sleeps *sleepRecorder
}

func newFoundation(t testing.TB, fo cffake.Options) *foundation {
	t.Helper()
	clock := testclock.New(testNow)
	fo.Clock = clock.Now
	fake, err := cffake.New(fo)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return &foundation{fake: fake, srv: srv, clock: clock, sleeps: &sleepRecorder{}}
}

// options returns client options wired to the foundation's clock and the sleep recorder.
func (f *foundation) options() Options {
	return Options{Clock: f.clock.Now, Sleep: f.sleeps.Sleep, HTTPClient: keepAlive(f.srv), DetailsCache: NewDetailsCache()}
}

func (f *foundation) password(user string) Credentials {
	return Credentials{Grant: GrantPassword, Username: user, Password: NewSecret(f.fake.Password(user))}
}

// login logs in as user (password grant) with the given options.
func (f *foundation) login(t testing.TB, user string, opts Options) (*Client, *Session) {
	t.Helper()
	c, s, err := Login(context.Background(), f.srv.URL, f.password(user), opts)
	if err != nil {
		t.Fatalf("login as %s: %v", user, err)
	}
	return c, s
}

// keepAlive is srv's client with room for as many idle connections as a sweep has requests in flight, as
// NewHTTPClient gives cfkeys. The test server's own client keeps 2, so every sweep at concurrency 16 opened a new
// connection for most of its requests: thousands per test run.
func keepAlive(srv *httptest.Server) *http.Client {
	c := *srv.Client()
	tr := c.Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = MaxAdaptiveConcurrency + 4
	c.Transport = tr
	return &c
}
