package cffake

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Hostile is an http.Handler in front of a foundation (or any handler) that answers chosen requests as an
// attacker who controls one HTTP response would: a redirect to another server, an answer that never comes, a body
// that stalls halfway or never ends, a reset connection, an echo of the posted form, a garbage Retry-After, a
// root document that sends the login elsewhere. Requests no attack selects pass through unchanged.
type Hostile struct {
	next    http.Handler
	mu      sync.Mutex
	attacks []*Attack
	stop    chan struct{}
	once    sync.Once
}

// NewHostile puts a hostile front in front of next.
func NewHostile(next http.Handler) *Hostile {
	return &Hostile{next: next, stop: make(chan struct{})}
}

// Attack selects requests and answers them with Answer instead of the foundation.
type Attack struct {
	// Method, Path (exact), PathPrefix and PathSuffix select requests (empty matches any).
	Method     string
	Path       string
	PathPrefix string
	PathSuffix string
	// Times is how many selected requests are attacked; 0 means every one.
	Times int
	// Answer writes the hostile answer; next is the foundation, for answers that start from the real one.
	Answer func(w http.ResponseWriter, r *http.Request, next http.Handler)

	hits int
	mu   *sync.Mutex
}

// Hits returns how many requests the attack answered.
func (a *Attack) Hits() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hits
}

// Add adds an attack; attacks are tried in the order added. It returns the attack so a test can check its hits.
func (h *Hostile) Add(a Attack) *Attack {
	h.mu.Lock()
	defer h.mu.Unlock()
	ap := &a
	ap.mu = &h.mu
	h.attacks = append(h.attacks, ap)
	return ap
}

// Close releases every answer that hangs or stalls, so the servers in front of the handler can shut down.
func (h *Hostile) Close() { h.once.Do(func() { close(h.stop) }) }

// ServeHTTP answers a request with the first attack that selects it, or passes it on.
func (h *Hostile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	var hit *Attack
	for _, a := range h.attacks {
		if (a.Method == "" || a.Method == r.Method) && (a.Path == "" || a.Path == r.URL.Path) && strings.HasPrefix(r.URL.Path, a.PathPrefix) &&
			strings.HasSuffix(r.URL.Path, a.PathSuffix) && (a.Times == 0 || a.hits < a.Times) {
			a.hits++
			hit = a
			break
		}
	}
	h.mu.Unlock()
	if hit == nil {
		h.next.ServeHTTP(w, r)
		return
	}
	hit.Answer(w, r, h.next)
}

// wait blocks until the client gives up or the hostile front is closed.
func (h *Hostile) wait(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-h.stop:
	}
}

// Redirect answers with status (301, 302, 303, 307, 308) and a Location on target (scheme://host[:port]) with
// the request's own path and query, as a compromised router would send a client elsewhere.
func Redirect(status int, target string) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		w.Header().Set("Location", strings.TrimRight(target, "/")+r.URL.RequestURI())
		w.WriteHeader(status)
	}
}

// Hang never answers: no status line, no headers, until the client gives up.
func (h *Hostile) Hang() func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) { h.wait(r) }
}

// Stall sends the real answer's status, headers and first n bytes of its body (declaring the full length), then
// nothing more until the client gives up.
func (h *Hostile) Stall(n int) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := record(next, r)
		body := rec.body.Bytes()
		copyHeader(w.Header(), rec.header)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.status)
		_, _ = w.Write(body[:min(n, len(body))])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		h.wait(r)
	}
}

// Reset answers by resetting the connection (TCP RST): the client sees "connection reset by peer".
func Reset() func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic(http.ErrAbortHandler)
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = conn.Close()
	}
}

// Huge answers 200 with a JSON body of size bytes ({"credentials":{"pad":"AAAA…"}}), written from a small buffer
// so the server itself stays small. With declare, the Content-Length says the size up front; without, the body
// is chunked and its size shows only as it arrives.
func Huge(size int64, declare bool) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		head, tail := []byte(`{"credentials":{"pad":"`), []byte(`"}}`)
		w.Header().Set("Content-Type", "application/json")
		if declare {
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		}
		w.WriteHeader(http.StatusOK)
		if _, err := w.Write(head); err != nil {
			return
		}
		pad := bytes.Repeat([]byte("A"), 64<<10)
		left := size - int64(len(head)) - int64(len(tail))
		for left > 0 {
			n := min(left, int64(len(pad)))
			if _, err := w.Write(pad[:n]); err != nil {
				return // the client stopped reading, as it should
			}
			left -= n
		}
		_, _ = w.Write(tail)
	}
}

// EchoForm answers 401 with a body that quotes the posted form (password, client secret and all) in an OAuth
// error_description, as a misconfigured proxy or identity provider may.
func EchoForm() func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		form, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized", "error_description": "Bad credentials: " + string(form)})
	}
}

// RetryAfter answers 429 with the Cloud Controller's rate-limit body and Retry-After set to value, verbatim.
func RetryAfter(value string) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		w.Header().Set("Retry-After", value)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(RateLimitBody))
	}
}

// RootLinks answers the API root (GET /) with the real document whose links named in hrefs point where hrefs
// say, e.g. {"login": "http://login.example"} to announce a plain-http login server.
func RootLinks(hrefs map[string]string) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := record(next, r)
		var doc struct {
			Links map[string]any `json:"links"`
		}
		if err := json.Unmarshal(rec.body.Bytes(), &doc); err != nil || doc.Links == nil {
			http.Error(w, "the root document is not JSON", http.StatusInternalServerError)
			return
		}
		for name, href := range hrefs {
			doc.Links[name] = link(href)
		}
		writeJSON(w, rec.status, doc)
	}
}

// recorder keeps the answer of a handler, to be changed before it is sent.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// record runs next on r and returns its answer.
func record(next http.Handler, r *http.Request) *recorder {
	rec := &recorder{header: http.Header{}}
	next.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec
}

func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = append([]string(nil), v...)
	}
}

// Witness is the server an attack sends the client to: it records what arrives (so a test can prove no token or
// form reached it) and answers every request with an empty Cloud Controller page, the answer that once made a
// scan report zero keys in silence.
type Witness struct {
	mu       sync.Mutex
	requests []WitnessRequest
}

// WitnessRequest is what one request brought to a Witness.
type WitnessRequest struct {
	Method, Path  string
	Authorization string
	Body          string
}

// ServeHTTP records the request and answers with an empty page.
func (s *Witness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	s.requests = append(s.requests, WitnessRequest{Method: r.Method, Path: r.URL.Path, Authorization: r.Header.Get("Authorization"), Body: string(body)})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"pagination": map[string]any{"total_results": 0, "total_pages": 1, "first": link(baseURL(r) + r.URL.Path), "last": link(baseURL(r) + r.URL.Path), "next": nil, "previous": nil},
		"resources":  []any{},
	})
}

// Requests returns what reached the witness so far.
func (s *Witness) Requests() []WitnessRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]WitnessRequest(nil), s.requests...)
}
