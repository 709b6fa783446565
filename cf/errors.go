package cf

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// CCError is one entry of a Cloud Controller error body: {"errors":[{"code":10010,"title":"CF-ResourceNotFound",
// "detail":"..."}]}. Program against Title and Code; Detail is for people.
type CCError struct {
	Code   int    `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

// BodyKind says what an error response's body turned out to be.
type BodyKind string

// The kinds of error body.
const (
	BodyJSON      BodyKind = "json"      // a Cloud Controller errors[] body (whatever its Content-Type)
	BodyHTML      BodyKind = "html"      // an HTML page, usually from a proxy or load balancer
	BodyText      BodyKind = "text"      // some other text
	BodyEmpty     BodyKind = "empty"     // no body at all
	BodyTruncated BodyKind = "truncated" // JSON that ends early
)

// Well-known Cloud Controller error titles.
const (
	TitleInvalidAuthToken   = "CF-InvalidAuthToken"
	TitleNotAuthenticated   = "CF-NotAuthenticated"
	TitleNotAuthorized      = "CF-NotAuthorized"
	TitleResourceNotFound   = "CF-ResourceNotFound"
	TitleBadQueryParameter  = "CF-BadQueryParameter"
	TitleRateLimitExceeded  = "CF-RateLimitExceeded"
	TitleServiceUnavailable = "CF-ServiceUnavailable"
)

// APIError is a non-2xx answer from the Cloud Controller.
type APIError struct {
	Method     string
	Path       string // the request path, without host or query
	StatusCode int
	Errors     []CCError // parsed from the body when it held any
	Body       BodyKind
	Summary    string        // for non-JSON bodies: an HTML title or the first line of text
	RetryAfter time.Duration // from a Retry-After header, when present
}

// Error describes the failure in one line: method, path, status and the API's own title and detail.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if len(e.Errors) > 0 {
		for i, ce := range e.Errors {
			if i > 0 {
				b.WriteString(";")
			}
			fmt.Fprintf(&b, " %s", ce.Title)
			if ce.Code != 0 {
				fmt.Fprintf(&b, " (%d)", ce.Code)
			}
			if ce.Detail != "" {
				fmt.Fprintf(&b, ": %s", ce.Detail)
			}
		}
		return b.String()
	}
	switch e.Body {
	case BodyHTML:
		b.WriteString(" (an HTML page, likely from a proxy or load balancer")
		if e.Summary != "" {
			fmt.Fprintf(&b, ": %q", e.Summary)
		}
		b.WriteString(")")
	case BodyEmpty:
		b.WriteString(" (empty response body)")
	case BodyTruncated:
		b.WriteString(" (truncated response body)")
	case BodyText:
		if e.Summary != "" {
			fmt.Fprintf(&b, " (%q)", e.Summary)
		}
	}
	return b.String()
}

// Has reports whether the body carried an error with the given title.
func (e *APIError) Has(title string) bool {
	for _, ce := range e.Errors {
		if ce.Title == title {
			return true
		}
	}
	return false
}

// Detail returns the first error's detail, or the summary of a non-JSON body.
func (e *APIError) Detail() string {
	if len(e.Errors) > 0 {
		return e.Errors[0].Detail
	}
	return e.Summary
}

// IsNotFound reports whether err is a Cloud Controller 404.
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound
}

// ResponseError is a 2xx answer whose body could not be read as the expected JSON.
type ResponseError struct {
	Method, Path string
	Truncated    bool
	Err          error
}

func (e *ResponseError) Error() string {
	what := "malformed response"
	if e.Truncated {
		what = "truncated response"
	}
	return fmt.Sprintf("%s %s: %s: %v", e.Method, e.Path, what, e.Err)
}

func (e *ResponseError) Unwrap() error { return e.Err }

// CertificateError is a connection refused because the server's TLS certificate did not verify: an unknown (often
// self-signed) authority, an expired certificate, another host's name. Retrying cannot cure it, so requests fail
// at once, and the message says how to go on.
type CertificateError struct {
	Err error
}

func (e *CertificateError) Error() string {
	return e.Err.Error() + " (use --skip-ssl-validation if the foundation uses a self-signed certificate)"
}

func (e *CertificateError) Unwrap() error { return e.Err }

// RedirectError is a redirect cfkeys refused to follow: a Cloud Controller request sent to another origin than the
// API's (the bearer token would go with it), any redirect of a token request (its form carries the password or
// client secret), or a chain longer than maxRedirects. The request fails; it is not retried.
type RedirectError struct {
	To     string // scheme://host[:port] the answer pointed to
	Reason string // why it was not followed
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("redirected to %s: not followed, %s", e.To, e.Reason)
}

// UnreachableError says the foundation cannot be reached at all: unreachableAfter connection attempts in a row
// failed (refused, no route, no such host, dial timeout) with no answer in between, or one request ran out of
// attempts with its last ones failing to connect. Such failures do not heal in
// the seconds retries wait, so requests stop retrying and a sweep stops at once, instead of trying every key for
// minutes. The UI shows it as the foundation's failure.
type UnreachableError struct {
	API      string // the API's origin
	Failures int    // connection attempts in a row that failed
	Err      error  // the last one's cause
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach %s: %d connection attempts in a row failed (last: %v)", e.API, e.Failures, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// unreachableAfter is how many connection attempts in a row must fail before a foundation counts as unreachable:
// as many as one request tries.
const unreachableAfter = 4

// isConnectFailure reports whether err means no connection could be opened at all (as opposed to one that broke
// or timed out after the server took it).
func isConnectFailure(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns):
		return true
	case errors.As(err, &op) && op.Op == "dial":
		return true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return true
	}
	return false
}

// TimeoutError is a request that got no complete answer within Options.RequestTimeout: no answer at all, or a body
// that stalled. It does not wrap context.DeadlineExceeded: one slow request is that request's failure, not the end
// of a sweep (whose own deadline is the context's).
type TimeoutError struct {
	After   time.Duration
	Reading bool // the answer began but its body did not finish in time
}

func (e *TimeoutError) Error() string {
	if e.Reading {
		return fmt.Sprintf("the answer stalled: its body did not arrive within the request time limit of %s", e.After)
	}
	return fmt.Sprintf("no answer within the request time limit of %s", e.After)
}

// errRequestTimeout is the cause of a request context that ran out of Options.RequestTimeout.
var errRequestTimeout = errors.New("request time limit reached")

// networkError is what a request that got no answer reports: the transport's cause without the URL (callers name
// method and path themselves), typed as a *CertificateError when TLS verification failed.
func networkError(err error) error {
	err = scrubURLError(err)
	if isCertificateError(err) {
		return &CertificateError{Err: err}
	}
	return err
}

// isCertificateError reports whether err comes from a failed TLS certificate check.
func isCertificateError(err error) bool {
	var (
		unknown  x509.UnknownAuthorityError
		invalid  x509.CertificateInvalidError
		hostname x509.HostnameError
		verify   *tls.CertificateVerificationError
	)
	return errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &hostname) || errors.As(err, &verify)
}

// maxSummary bounds the text kept from a non-JSON error body.
const maxSummary = 160

var titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// parseErrorBody classifies an error response body and extracts what is useful from it. It never keeps more than
// a short summary: error bodies come from proxies and may be large.
func parseErrorBody(body []byte) ([]CCError, BodyKind, string) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, BodyEmpty, ""
	}
	var env struct {
		Errors []CCError `json:"errors"`
	}
	err := json.Unmarshal(trimmed, &env)
	if err == nil && len(env.Errors) > 0 {
		return env.Errors, BodyJSON, ""
	}
	if err != nil && trimmed[0] == '{' && isTruncation(err) {
		return nil, BodyTruncated, ""
	}
	if trimmed[0] == '<' {
		summary := ""
		if m := titleRE.FindSubmatch(trimmed); m != nil {
			summary = collapse(string(m[1]))
		}
		return nil, BodyHTML, summary
	}
	line, _, _ := bytes.Cut(trimmed, []byte("\n"))
	return nil, BodyText, collapse(string(line))
}

// collapse squeezes whitespace and bounds the length of a summary.
func collapse(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxSummary {
		s = s[:maxSummary] + "…"
	}
	return s
}

// isTruncation reports whether a JSON decoding error means the input ended early.
func isTruncation(err error) bool {
	var se *json.SyntaxError
	return errors.Is(err, io.ErrUnexpectedEOF) || (errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end of JSON input"))
}
