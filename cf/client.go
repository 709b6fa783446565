package cf

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Options configure a Client. The zero value of every field has a sensible default.
type Options struct {
	// SkipSSLValidation turns off TLS certificate checks, for foundations with self-signed certificates.
	SkipSSLValidation bool
	// HTTPClient replaces the client built from the options above (tests use it for httptest servers). Its
	// transport is used as is; its redirect policy is replaced by cfkeys' own (same origin only, at most 5).
	HTTPClient *http.Client
	// RequestTimeout bounds each single HTTP request, reading its whole body included, retries excluded
	// (default 30s). A request that runs out of it is retried once.
	RequestTimeout time.Duration
	// Retry bounds retries of failed GETs.
	Retry RetryPolicy
	// Clock returns the current time; it decides token expiry (default time.Now).
	Clock func() time.Time
	// Sleep waits between retries (default: a timer that honours the context). Tests replace it.
	Sleep func(context.Context, time.Duration) error
	// UserAgent is sent with every request, to the Cloud Controller and to UAA (default "cfkeys"); the binary
	// passes "cfkeys/" and its release version, so a foundation's logs say which cfkeys called.
	UserAgent string
	// Concurrency bounds the parallel /details requests of a sweep (default 16).
	Concurrency int
	// PageSize is the per_page of listings (default and maximum 5000, the fewest requests).
	PageSize int
	// DetailsCache keeps what keys' credentials said; nil means the one cache of the process, shared by every
	// client (tests and benchmarks pass a fresh one).
	DetailsCache *DetailsCache
}

// DefaultConcurrency is the number of parallel /details requests a sweep makes by default.
const DefaultConcurrency = 16

// DefaultRequestTimeout bounds one request, its body included, when Options.RequestTimeout is zero.
const DefaultRequestTimeout = 30 * time.Second

func (o Options) withDefaults() Options {
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	o.Retry = o.Retry.withDefaults()
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = Sleep
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.UserAgent == "" {
		o.UserAgent = "cfkeys"
	}
	if o.PageSize <= 0 || o.PageSize > maxPageSize {
		o.PageSize = maxPageSize
	}
	return o
}

// NewHTTPClient returns the HTTP client cfkeys uses: dial and TLS timeouts, enough idle connections for a
// concurrent sweep, and certificate checks unless skipSSL. A Client built on it replaces its redirect policy (see
// checkRedirect and NewUAA); the time limit of a whole request is Options.RequestTimeout.
func NewHTTPClient(skipSSL bool, concurrency int) *http.Client {
	if concurrency <= 0 {
		concurrency = DefaultConcurrency
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          2 * max(concurrency, MaxAdaptiveConcurrency),
		MaxIdleConnsPerHost:   max(concurrency, MaxAdaptiveConcurrency) + 4, // a sweep may grow past its start
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: skipSSL}, //nolint:gosec // the user asked for it
	}
	return &http.Client{Transport: tr}
}

// clientTransport counts every request that goes out, token requests and retries included, and names cfkeys in
// each one's User-Agent (golang.org/x/oauth2 builds the token requests, so the header is set here, not there).
// It also tells a sweep's concurrency limit how each of its requests was answered (see observeResponse).
type clientTransport struct {
	next      http.RoundTripper
	n         *atomic.Int64
	userAgent string
	clock     func() time.Time
}

func (t clientTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	if r.Header.Get("User-Agent") != t.userAgent {
		r = r.Clone(r.Context()) // a RoundTripper must not change the caller's request
		r.Header.Set("User-Agent", t.userAgent)
	}
	start := t.clock()
	resp, err := t.next.RoundTrip(r)
	if err == nil {
		observeResponse(r, resp, t.clock().Sub(start))
	}
	return resp, err
}

// tokenSource gives the Client a bearer token and is told when one was rejected. *Session implements it.
type tokenSource interface {
	AccessToken(ctx context.Context) (string, error)
	Invalidate(token string)
}

// Client talks to one foundation's Cloud Controller. It is safe for concurrent use.
type Client struct {
	opts      Options
	http      *http.Client
	endpoints Endpoints
	origin    string // scheme://host of the API, the only origin the token is sent to
	// pageCap and detailsCap are the largest answers read (maxPageBody, maxDetailsBody; a test lowers them to
	// prove the refusal without moving 32 MB over loopback).
	pageCap, detailsCap int64
	tokens              tokenSource
	requests            atomic.Int64
	// connFailures counts connection attempts in a row that failed, across every request (see UnreachableError).
	connFailures atomic.Int64
	details      *DetailsCache
	// cacheScope prefixes this client's cache keys: API origin and user (see setPrincipal).
	cacheScope atomic.Value
}

// newClient builds a Client for the given endpoints; tokens may be nil for unauthenticated calls (discovery).
func newClient(ep Endpoints, tokens tokenSource, opts Options) (*Client, error) {
	opts = opts.withDefaults()
	base := opts.HTTPClient
	if base == nil {
		base = NewHTTPClient(opts.SkipSSLValidation, opts.Concurrency)
	}
	if opts.DetailsCache == nil {
		opts.DetailsCache = processDetails
	}
	c := &Client{opts: opts, endpoints: ep, tokens: tokens, details: opts.DetailsCache, pageCap: maxPageBody, detailsCap: maxDetailsBody}
	next := base.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	u, err := url.Parse(ep.API)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("API URL %q is not a URL", ep.API)
	}
	c.origin = originOf(u)
	hc := *base
	hc.Transport = clientTransport{next: next, n: &c.requests, userAgent: opts.UserAgent, clock: opts.Clock}
	hc.CheckRedirect = c.checkRedirect
	c.http = &hc
	c.cacheScope.Store(fmt.Sprintf("%s\x00client %p\x00", c.origin, c)) // until a session names the user
	return c, nil
}

// Endpoints returns the foundation's endpoints, as discovered.
func (c *Client) Endpoints() Endpoints { return c.endpoints }

// Requests returns how many HTTP requests this client has sent so far, retries and token requests included.
func (c *Client) Requests() int64 { return c.requests.Load() }

// HTTPClient returns the HTTP client (with request counting) this client uses; UAA calls share it (NewUAA forbids
// its redirects altogether).
func (c *Client) HTTPClient() *http.Client { return c.http }

// maxRedirects bounds a chain of same-origin redirects.
const maxRedirects = 5

// checkRedirect follows a Cloud Controller redirect only within the API's origin, and at most maxRedirects times.
// net/http would send the Authorization header on to the same host name on another port or scheme; cfkeys sends
// it nowhere but the API.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	to := originOf(req.URL)
	if to != c.origin {
		return &RedirectError{To: safeOrigin(req.URL), Reason: "it leaves the API's origin " + c.origin + " and the token goes nowhere else"}
	}
	if len(via) > maxRedirects {
		return &RedirectError{To: safeOrigin(req.URL), Reason: fmt.Sprintf("stopped after %d redirects", maxRedirects)}
	}
	return nil
}

// safeOrigin is u's scheme, host and port, without user info, path or query (which may carry anything).
func safeOrigin(u *url.URL) string {
	return originOf(&url.URL{Scheme: u.Scheme, Host: u.Host})
}

// resolve turns a path ("/v3/...") or an absolute link from a response into a URL on the API's origin. A link to
// another origin is refused: the bearer token must go nowhere but the Cloud Controller.
func (c *Client) resolve(ref string) (string, string, error) {
	if strings.HasPrefix(ref, "/") {
		u := c.origin + ref
		return u, pathOf(u), nil
	}
	u, err := url.Parse(ref)
	if err != nil || u.Host == "" {
		return "", "", fmt.Errorf("link %q is not a URL", ref)
	}
	if originOf(u) != c.origin {
		return "", "", fmt.Errorf("link %s points away from the API at %s; not sending the token there", u.Scheme+"://"+u.Host+u.Path, c.origin)
	}
	return ref, u.Path, nil
}

func pathOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Path
	}
	return raw
}

// get sends an authenticated GET and decodes the JSON answer into out.
func (c *Client) get(ctx context.Context, ref string, out any) error {
	return c.do(ctx, http.MethodGet, ref, nil, out)
}

// do sends one request, retrying as the policy allows: GETs after 5xx and network errors (with backoff) but not
// after a failed certificate check, any method after a 429 (waiting for Retry-After), and any method once after a
// 401 that a token refresh may cure.
func (c *Client) do(ctx context.Context, method, ref string, body []byte, out any) error {
	return c.doLimited(ctx, method, ref, body, out, c.pageCap)
}

// doLimited is do with a cap on the answer's size (see body.go).
func (c *Client) doLimited(ctx context.Context, method, ref string, body []byte, out any, limit int64) error {
	target, path, err := c.resolve(ref)
	if err != nil {
		return err
	}
	p := c.opts.Retry
	idempotent := method == http.MethodGet || method == http.MethodHead
	attempt, waits, timeouts, reauthed := 0, 0, 0, false
	var own int64 // this request's connection failures in a row
	for {
		attempt++
		ex, err := c.roundTrip(ctx, method, target, body, limit)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%s %s: %w", method, path, ctx.Err())
			}
			var ae *AuthError
			if errors.As(err, &ae) || errors.Is(err, ErrSessionExpired) {
				return err // getting a token failed; the session has already tried what it could
			}
			if isConnectFailure(err) {
				// Another request's answer may reset the shared count between this one's attempts (it came over a
				// connection opened before the foundation went away); this request's own failures in a row count too.
				own++
				if n := max(c.connFailures.Add(1), own); n >= unreachableAfter {
					return fmt.Errorf("%s %s: %w", method, path, &UnreachableError{API: c.origin, Failures: int(n), Err: err})
				}
			} else {
				own = 0
			}
			var te *TimeoutError
			if errors.As(err, &te) {
				if timeouts++; timeouts > 1 {
					return fmt.Errorf("%s %s: %w", method, path, err) // a server that let two full requests time out will not answer a third
				}
			}
			var ce *CertificateError
			var re *RedirectError
			var tl *TooLargeError
			if errors.As(err, &ce) || errors.As(err, &re) || errors.As(err, &tl) {
				return fmt.Errorf("%s %s: %w", method, path, err) // the certificate, the redirect, the size: a retry changes none
			}
			if idempotent && attempt < p.MaxAttempts {
				if serr := c.opts.Sleep(ctx, p.backoff(attempt)); serr != nil {
					return fmt.Errorf("%s %s: %w", method, path, serr)
				}
				continue
			}
			if own > 0 {
				// Out of attempts, the last ones unable even to connect (the first may have met a connection the
				// foundation dropped as it went away): it cannot be reached now, and saying so beats a bare error.
				return fmt.Errorf("%s %s: %w", method, path, &UnreachableError{API: c.origin, Failures: int(own), Err: err})
			}
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		c.connFailures.Store(0) // the foundation answered
		own = 0
		status, data := ex.status, ex.body
		now := c.opts.Clock()
		rl := parseRateLimit(ex.header, status, now)
		if status >= 200 && status < 300 {
			err := decodeInto(method, path, data, out)
			ex.release()
			return err
		}
		apiErr := newAPIError(method, path, status, data)
		apiErr.RetryAfter = rl.RetryAfter
		switch {
		case status == http.StatusUnauthorized && c.tokens != nil && !reauthed && !apiErr.Has(TitleNotAuthenticated):
			// The token was rejected before its expiry (revoked, clock skew): refresh once and try again.
			reauthed = true
			c.tokens.Invalidate(ex.token)
			attempt--
			continue
		case status == http.StatusTooManyRequests:
			wait, asked := rl.RetryAfter, rl.asked
			if asked == "" && !rl.Reset.IsZero() {
				wait, asked = rl.Reset.Sub(now), "until "+rl.Reset.Format(time.RFC3339) // Sub saturates
			}
			if wait > p.MaxRetryAfter {
				return &WaitTooLongError{Err: apiErr, Asked: asked, Limit: p.MaxRetryAfter}
			}
			if wait <= 0 {
				wait = p.backoff(waits + 1) // no usable hint (garbage, a past date): back off as after a 5xx
			}
			if waits >= p.Max429Waits {
				return apiErr
			}
			waits++
			attempt--
			if serr := c.opts.Sleep(ctx, wait); serr != nil {
				return fmt.Errorf("%s %s: waiting out a rate limit: %w", method, path, serr)
			}
			continue
		case status >= 500 && idempotent && attempt < p.MaxAttempts:
			if serr := c.opts.Sleep(ctx, p.backoff(attempt)); serr != nil {
				return fmt.Errorf("%s %s: %w", method, path, serr)
			}
			continue
		}
		return apiErr
	}
}

// exchange is one request's answer. token is the access token the request carried, so that a 401 invalidates
// exactly that token and not one a concurrent request has already refreshed.
type exchange struct {
	status  int
	header  http.Header
	body    []byte
	token   string
	release func() // gives the body's bytes back to the in-flight budget
}

// roundTrip sends one request with the current token and reads its body: a 2xx answer's whole body up to limit,
// held against the in-flight budget until release; of any other answer only the start, for its summary.
func (c *Client) roundTrip(ctx context.Context, method, target string, body []byte, limit int64) (exchange, error) {
	ex := exchange{release: func() {}}
	if c.tokens != nil {
		t, err := c.tokens.AccessToken(ctx)
		if err != nil {
			return ex, err
		}
		ex.token = t
	}
	rctx, cancel := context.WithTimeoutCause(ctx, c.opts.RequestTimeout, errRequestTimeout)
	defer cancel()
	timedOut := func(err error, reading bool) error {
		if context.Cause(rctx) == errRequestTimeout && ctx.Err() == nil {
			return &TimeoutError{After: c.opts.RequestTimeout, Reading: reading}
		}
		return err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(rctx, method, target, rd)
	if err != nil {
		return ex, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.opts.UserAgent) // saves the transport a copy of the request
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if ex.token != "" {
		req.Header.Set("Authorization", "bearer "+ex.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return ex, timedOut(networkError(err), false)
	}
	defer resp.Body.Close()
	var data []byte
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		data, ex.release, err = readBody(rctx, resp, limit)
	} else {
		data, err = readErrorBody(resp)
	}
	if err != nil {
		var tl *TooLargeError
		if errors.As(err, &tl) {
			return ex, err
		}
		return ex, timedOut(fmt.Errorf("reading the response: %w", networkError(err)), true)
	}
	ex.status, ex.header, ex.body = resp.StatusCode, resp.Header, data
	return ex, nil
}

// scrubURLError drops the URL from a *url.Error (the caller names method and path itself) and keeps the cause.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// newAPIError builds the typed error for a non-2xx response.
func newAPIError(method, path string, status int, body []byte) *APIError {
	errs, kind, summary := parseErrorBody(body)
	return &APIError{Method: method, Path: path, StatusCode: status, Errors: errs, Body: kind, Summary: summary}
}

// decodeInto decodes a 2xx body into out, reporting malformed or truncated JSON as a *ResponseError.
func decodeInto(method, path string, data []byte, out any) error {
	if out == nil {
		return nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &ResponseError{Method: method, Path: path, Truncated: true, Err: errors.New("empty body")}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &ResponseError{Method: method, Path: path, Truncated: isTruncation(err), Err: err}
	}
	return nil
}
