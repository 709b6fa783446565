package cf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// UncertainWriteError is a write (POST, PATCH, DELETE) that got no answer: a timeout, a dropped connection, or
// a router's 502 or 504 after the request may have reached the Cloud Controller. It is never retried blindly; the caller looks for
// what the request may have done (a key by name and annotation) before doing anything else.
type UncertainWriteError struct {
	Method, Path string
	Err          error
}

// Error says which write got no answer and that it may have been carried out.
func (e *UncertainWriteError) Error() string {
	return fmt.Sprintf("%s %s: no clear answer, the request may or may not have been carried out: %v", e.Method, e.Path, e.Err)
}

// Unwrap returns the network error or timeout.
func (e *UncertainWriteError) Unwrap() error { return e.Err }

// IsUncertainWrite reports whether err is a write that may or may not have happened.
func IsUncertainWrite(err error) bool {
	var ue *UncertainWriteError
	return errors.As(err, &ue)
}

// write sends one write request with the client's token and decodes a 2xx answer into out (when not nil),
// returning the Location header of a 202. Unlike reads it is not retried after a 5xx or a network error (a 502 or
// 504 of the router, like a network error, is an *UncertainWriteError: the request may have arrived): only a
// 401 the Cloud Controller refused before acting (a token refresh may cure it) and a 429 (the request was not
// carried out) are sent again.
func (c *Client) write(ctx context.Context, method, ref string, body any, out any) (string, error) {
	target, path, err := c.resolve(ref)
	if err != nil {
		return "", err
	}
	var data []byte
	if body != nil {
		if data, err = json.Marshal(body); err != nil {
			return "", fmt.Errorf("%s %s: encoding the request: %w", method, path, err)
		}
	}
	p := c.opts.Retry
	reauthed := false
	for waits := 0; ; {
		ex, err := c.roundTrip(ctx, method, target, data, c.pageCap)
		if err != nil {
			var ae *AuthError
			switch {
			case errors.As(err, &ae) || errors.Is(err, ErrSessionExpired):
				return "", err // no token: nothing was sent
			case ctx.Err() != nil:
				return "", &UncertainWriteError{Method: method, Path: path, Err: ctx.Err()}
			}
			return "", &UncertainWriteError{Method: method, Path: path, Err: err}
		}
		now := c.opts.Clock()
		rl := parseRateLimit(ex.header, ex.status, now)
		if ex.status >= 200 && ex.status < 300 {
			loc := ex.header.Get("Location")
			var err error
			if len(strings.TrimSpace(string(ex.body))) > 0 {
				err = decodeInto(method, path, ex.body, out)
			}
			ex.release()
			return loc, err
		}
		apiErr := newAPIError(method, path, ex.status, ex.body)
		ex.release()
		apiErr.RetryAfter = rl.RetryAfter
		switch {
		case ex.status == http.StatusBadGateway || ex.status == http.StatusGatewayTimeout:
			// The router in front of the Cloud Controller gave up, perhaps after handing the request on.
			return "", &UncertainWriteError{Method: method, Path: path, Err: apiErr}
		case ex.status == http.StatusUnauthorized && c.tokens != nil && !reauthed && !apiErr.Has(TitleNotAuthenticated):
			reauthed = true
			c.tokens.Invalidate(ex.token)
			continue
		case ex.status == http.StatusTooManyRequests && rl.RetryAfter > 0 && rl.RetryAfter <= p.MaxRetryAfter && waits < p.Max429Waits:
			waits++
			if serr := c.opts.Sleep(ctx, rl.RetryAfter); serr != nil {
				return "", fmt.Errorf("%s %s: waiting out a rate limit: %w", method, path, serr)
			}
			continue
		}
		return "", apiErr
	}
}

// PermissionError is a write the Cloud Controller refused for the user's role (403 CF-NotAuthorized): creating,
// changing and deleting keys and instances needs the Space Developer role in their space.
type PermissionError struct {
	Org, Space string
	Err        error
}

// Error names the role and the space the write needs.
func (e *PermissionError) Error() string {
	return fmt.Sprintf("not allowed: this needs the Space Developer role in space %q of org %q (%v)", e.Space, e.Org, e.Err)
}

// Unwrap returns the Cloud Controller's 403.
func (e *PermissionError) Unwrap() error { return e.Err }

// ExplainWrite turns a 403 answer to a write into a *PermissionError naming the role and space it needs; other
// errors pass through.
func ExplainWrite(err error, org, space string) error {
	var ae *APIError
	if errors.As(err, &ae) && ae.StatusCode == http.StatusForbidden {
		return &PermissionError{Org: org, Space: space, Err: err}
	}
	return err
}
