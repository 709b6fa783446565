package cf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestTokenErrorBodiesNeverQuoted posts credentials to a token endpoint that answers with the posted form, as a
// misconfigured proxy may: the error must describe the answer without repeating any of it but an HTML title.
func TestTokenErrorBodiesNeverQuoted(t *testing.T) {
	t.Parallel()
	const secret = "s3cret"
	tests := []struct {
		name        string
		status      int
		contentType string
		body        func(form string) string // what the endpoint answers, given the posted form
		wantDesc    string
	}{
		{"fixed text body", 400, "text/plain", func(string) string { return "username=admin&password=" + secret }, "not an OAuth error response (body not shown)"},
		{"echoed form as text", 400, "text/plain; charset=utf-8", func(f string) string { return f }, "not an OAuth error response (body not shown)"},
		{"echoed form, second line", 502, "text/plain", func(f string) string { return "Bad gateway\n" + f }, "not an OAuth error response (body not shown)"},
		{"echoed form as a form", 400, "application/x-www-form-urlencoded", func(f string) string { return f }, "not an OAuth error response (body not shown)"},
		{"echoed form in JSON", 500, "application/json", func(f string) string { return `{"request":"` + f + `"}` }, "not an OAuth error response (body not shown)"},
		{"HTML page keeps its title", 403, "text/html", func(f string) string {
			return "<html><head><title>Request blocked</title></head><body>" + f + "</body></html>"
		}, `an HTML page, likely from a proxy: "Request blocked"`},
		{"truncated JSON", 500, "application/json", func(f string) string { return `{"error":"` + f }, "truncated response body"},
	}
	grants := []Credentials{
		{Grant: GrantPassword, Username: "admin", Password: NewSecret(secret)},
		{Grant: GrantPasscode, Passcode: NewSecret(secret)},
		{Grant: GrantClientCredentials, ClientID: "monitor", ClientSecret: NewSecret(secret)},
		{Grant: GrantRefreshToken, RefreshToken: NewSecret(secret)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				form, _ := io.ReadAll(r.Body)
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body(string(form)))
			}))
			t.Cleanup(srv.Close)
			uaa := NewUAA(srv.URL, srv.Client(), nil)
			for _, creds := range grants {
				_, err := uaa.Grant(context.Background(), creds)
				var ae *AuthError
				if !errors.As(err, &ae) || ae.StatusCode != tc.status {
					t.Fatalf("%s grant: err = %v, want an *AuthError with status %d", creds.Grant, err, tc.status)
				}
				if ae.Description != tc.wantDesc {
					t.Errorf("%s grant: description = %q, want %q", creds.Grant, ae.Description, tc.wantDesc)
				}
				if out := fmt.Sprintf("%v %+v %#v %s", err, err, ae, errors.Unwrap(err)); strings.Contains(out, secret) {
					t.Errorf("%s grant: error reveals the secret: %s", creds.Grant, out)
				}
			}
		})
	}
}
