package cffake

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Fault is an answer the server gives instead of the real one, for tests of error handling.
type Fault struct {
	// Method and PathPrefix select the requests (empty Method matches any method).
	Method     string
	PathPrefix string
	// PathSuffix, when set, must also match (e.g. "/details").
	PathSuffix string
	// Times is how many matching requests get the fault; 0 means every one.
	Times int
	// Status, ContentType and Body form the answer. Body is written as given.
	Status      int
	ContentType string
	Body        string
	// RetryAfter, when set, is sent as the Retry-After header (seconds).
	RetryAfter int
	// Truncate, when set, declares a longer Content-Length than the body and closes the connection, so the client
	// sees a truncated answer.
	Truncate bool

	hits int
	mu   *sync.Mutex // the server's lock, set by Inject
}

// Hits returns how many requests the fault answered.
func (f *Fault) Hits() int {
	if f.mu != nil {
		f.mu.Lock()
		defer f.mu.Unlock()
	}
	return f.hits
}

// Inject adds a fault; faults are tried in the order added. It returns the fault so a test can check its hits.
func (s *Server) Inject(f Fault) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	fp := &f
	fp.mu = &s.mu
	s.faults = append(s.faults, fp)
	return fp
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Common fault bodies.
const (
	// ProxyHTML is what a load balancer in front of a foundation answers when the Cloud Controller is down.
	ProxyHTML = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
	// RateLimitBody is the Cloud Controller's 429 body, which it serves as text/plain.
	RateLimitBody = `{"errors":[{"detail":"Rate Limit Exceeded","title":"CF-RateLimitExceeded","code":10013}]}`
)

func (s *Server) injectFault(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	var hit *Fault
	for _, f := range s.faults {
		if (f.Method == "" || f.Method == r.Method) && strings.HasPrefix(r.URL.Path, f.PathPrefix) && strings.HasSuffix(r.URL.Path, f.PathSuffix) && (f.Times == 0 || f.hits < f.Times) {
			f.hits++
			hit = f
			break
		}
	}
	s.mu.Unlock()
	if hit == nil {
		return false
	}
	if hit.ContentType != "" {
		w.Header().Set("Content-Type", hit.ContentType)
	}
	if hit.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(hit.RetryAfter))
	}
	if hit.Truncate {
		w.Header().Set("Content-Length", strconv.Itoa(len(hit.Body)+100))
	}
	w.WriteHeader(hit.Status)
	_, _ = w.Write([]byte(hit.Body))
	if hit.Truncate {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
			}
		}
	}
	return true
}
