// Package cffake is a fake Cloud Foundry foundation: an http.Handler that answers like the Cloud Controller v3
// API and its UAA login server, closely enough that the cf CLI v8 works against it.
//
// It holds a deterministic, realistic foundation (orgs, spaces, SAP Integration Suite and XSUAA instances, keys
// with real certificate chains expiring from long ago to over a year ahead, a key still being created, a space
// where the demo developer is only an auditor, a malformed certificate), issues expiring JWTs, paginates like the
// real API, rejects unknown query parameters, and can add latency, failures, rate limits and injected faults.
// cfkeys' tests run against it over real HTTP, and `cfkeys demo` serves it.
package cffake

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a fake foundation. The zero value serves the demo data with no latency or failures.
type Options struct {
	// Clock returns "now": certificate validity, token expiry and timestamps follow it (default time.Now).
	Clock func() time.Time
	// Latency is added to every request before it is answered (real time, for benchmarks and the demo).
	Latency time.Duration
	// FailureRate is the fraction of Cloud Controller requests (discovery and UAA excluded) answered with a 503,
	// chosen by a generator seeded with Seed.
	FailureRate float64
	// Seed drives the failure generator; the data itself is always the same.
	Seed uint64
	// TokenTTL is the access-token lifetime (default 1199s, as cf-deployment configures the cf client).
	TokenTTL time.Duration
	// RefreshTTL is the refresh-token lifetime (default 30 days).
	RefreshTTL time.Duration
	// RateLimit, when above zero, is the number of Cloud Controller requests a non-admin user may make per
	// RateWindow before getting 429s. Admin tokens are exempt, as with the real limiter's defaults.
	RateLimit int
	// RateWindow is the rate-limit window (default one hour).
	RateWindow time.Duration
	// Data chooses the seeded foundation (default DemoData).
	Data Dataset
	// JobPollsToComplete is how many GETs of a job it takes to finish (default 2: POLLING, then COMPLETE).
	JobPollsToComplete int
	// JobDuration is how long (on Clock) a job takes when nobody polls it (default 2s): the cf CLI stops
	// polling at the first POLLING unless --wait is given, and the broker finishes anyway.
	JobDuration time.Duration
}

// Dataset describes the foundation to seed.
type Dataset struct {
	// BulkKeys, when above zero, replaces the demo data with a foundation of that many certificate keys spread
	// over orgs of 10 spaces of 5 instances (for benchmarks).
	BulkKeys int
	// BulkKeysPerInstance is how many of the bulk keys each instance holds (default 10); 1 gives as many instances
	// as keys, for a test that needs many instances but not their keys.
	BulkKeysPerInstance int
	// Hostile adds an org whose names hold escape sequences, 300-character names and wide Unicode.
	Hostile bool
}

// DemoData is the default foundation.
var DemoData = Dataset{}

// Server is a fake foundation. Serve it with httptest.NewServer(s) or http.Serve; its links follow the Host each
// request was sent to.
type Server struct {
	opts    Options
	mux     *http.ServeMux
	signKey []byte
	pki     *pkiSet
	seeding *seedMaterial // while seeding: certificates shared with foundations seeded at the same instant

	mu        sync.Mutex
	orgs      map[string]*org
	spaces    map[string]*space
	offers    map[string]*offering
	plans     map[string]*plan
	insts     map[string]*instance
	binds     map[string]*binding
	jobs      map[string]*job
	users     map[string]*user // by name
	clients   map[string]*uaaClient
	refresh   map[string]refreshGrant // refresh token -> grant
	passcodes map[string]string       // one-time SSO passcode -> user name
	revoked   map[string]bool         // access-token jti revoked
	issued    []string                // every access and refresh token handed out (for leak tests)
	secrets   []string                // every secret seeded (passwords, client secrets, private keys)
	rate      map[string]*rateWindow
	faults    []*Fault
	// brokerFailures makes the broker fail key creation on an instance (GUID) with a message (FailBroker).
	brokerFailures map[string]string
	// deleteFailures makes the broker fail key deletion on an instance (GUID) with a message (FailBrokerDeletes).
	deleteFailures map[string]string
	failRand       *mrand.Rand

	requests atomic.Int64
	counts   sync.Map // route -> *atomic.Int64
}

// New builds a fake foundation seeded with opts.Data.
func New(opts Options) (*Server, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = 1199 * time.Second
	}
	if opts.RefreshTTL <= 0 {
		opts.RefreshTTL = 30 * 24 * time.Hour
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Hour
	}
	if opts.JobPollsToComplete <= 0 {
		opts.JobPollsToComplete = 2
	}
	if opts.JobDuration <= 0 {
		opts.JobDuration = 2 * time.Second
	}
	s := &Server{
		opts:           opts,
		mux:            http.NewServeMux(),
		signKey:        randomBytes(32),
		orgs:           map[string]*org{},
		spaces:         map[string]*space{},
		offers:         map[string]*offering{},
		plans:          map[string]*plan{},
		insts:          map[string]*instance{},
		binds:          map[string]*binding{},
		jobs:           map[string]*job{},
		users:          map[string]*user{},
		clients:        map[string]*uaaClient{},
		refresh:        map[string]refreshGrant{},
		passcodes:      map[string]string{},
		revoked:        map[string]bool{},
		brokerFailures: map[string]string{},
		deleteFailures: map[string]string{},
		rate:           map[string]*rateWindow{},
		failRand:       mrand.New(mrand.NewPCG(opts.Seed, opts.Seed^0x5eed)),
	}
	if err := s.seed(); err != nil {
		return nil, fmt.Errorf("seeding the fake foundation: %w", err)
	}
	s.routes()
	return s, nil
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.opts.Latency > 0 {
		select {
		case <-time.After(s.opts.Latency):
		case <-r.Context().Done():
			return
		}
	}
	if s.injectFault(w, r) {
		return
	}
	s.mux.ServeHTTP(w, r)
}

// Requests returns how many requests the server has received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// RouteRequests returns how many requests matched a route pattern, e.g. "GET /v3/service_credential_bindings/{guid}/details".
func (s *Server) RouteRequests(pattern string) int64 {
	if v, ok := s.counts.Load(pattern); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

// handle registers a handler under a pattern and counts its requests.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	counter := &atomic.Int64{}
	s.counts.Store(pattern, counter)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		counter.Add(1)
		h(w, r)
	})
}

// now returns the fake foundation's current time, truncated to seconds as Cloud Controller timestamps are.
func (s *Server) now() time.Time { return s.opts.Clock().UTC().Truncate(time.Second) }

// baseURL returns the scheme and host the request was sent to; every link the server writes starts with it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

// newGUID returns a random version-4 UUID.
func newGUID() string {
	b := randomBytes(16)
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b)
	return strings.Join([]string{h[:8], h[8:12], h[12:16], h[16:20], h[20:]}, "-")
}
