package cffake

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// rateWindow counts one user's requests in the current window.
type rateWindow struct {
	start time.Time
	count int
}

// ccHandler is a Cloud Controller handler that runs with the caller's principal and s.mu held.
type ccHandler func(w http.ResponseWriter, r *http.Request, p principal)

// cc wraps a Cloud Controller handler: it authenticates the bearer token (401 CF-NotAuthenticated without one,
// CF-InvalidAuthToken for a bad or expired one), checks the read or write scope (403), applies the failure rate
// and the rate limiter (headers on every counted response, 429 with text/plain JSON when exceeded), then calls h
// with the server locked.
func (s *Server) cc(h ccHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.settleJobsLocked()
		auth := r.Header.Get("Authorization")
		if auth == "" {
			ccFail(w, http.StatusUnauthorized, "CF-NotAuthenticated", 10002, "Authentication error")
			return
		}
		token, ok := strings.CutPrefix(auth, "bearer ")
		if !ok {
			token, ok = strings.CutPrefix(auth, "Bearer ")
		}
		p, valid := s.verify(token)
		if !ok || !valid {
			ccFail(w, http.StatusUnauthorized, "CF-InvalidAuthToken", 1000, "Invalid Auth Token")
			return
		}
		need := scopeRead
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			need = scopeWrite
		}
		if !p.has(need) && !p.has(scopeAdmin) && !(need == scopeRead && p.global()) {
			notAuthorized(w)
			return
		}
		if !s.countRate(w, p) {
			return
		}
		if s.opts.FailureRate > 0 && s.failRand.Float64() < s.opts.FailureRate {
			ccFail(w, http.StatusServiceUnavailable, "CF-ServiceUnavailable", 10015, "Service unavailable (injected failure)")
			return
		}
		h(w, r, p)
	}
}

// countRate applies the rate limiter to a non-admin principal. It returns false when it answered 429.
func (s *Server) countRate(w http.ResponseWriter, p principal) bool {
	if s.opts.RateLimit <= 0 || p.has(scopeAdmin) || p.has(scopeAdminReadOnly) {
		return true
	}
	now := s.opts.Clock()
	win := s.rate[p.name]
	if win == nil || now.Sub(win.start) >= s.opts.RateWindow {
		win = &rateWindow{start: now}
		s.rate[p.name] = win
	}
	win.count++
	reset := win.start.Add(s.opts.RateWindow)
	remaining := max(s.opts.RateLimit-win.count, 0)
	// The real limiter reports the remaining fraction rounded down to 10 %.
	remaining = remaining * 10 / s.opts.RateLimit * s.opts.RateLimit / 10
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.opts.RateLimit))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	if win.count > s.opts.RateLimit {
		secs := int(reset.Sub(now).Seconds()) + 1
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"errors":[{"detail":"Rate Limit Exceeded","title":"CF-RateLimitExceeded","code":10013}]}`))
		return false
	}
	return true
}
