package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// echoingFoundation serves the fake foundation behind a front that plays a hostile or careless server: every
// token request is refused with a 401 whose body quotes the posted form, raw and decoded, and (when echoToken is
// set) the first read of a key's credentials is refused with an error quoting the bearer token.
func echoingFoundation(t *testing.T, echoLogin, echoToken bool) (*testFoundation, *atomic.Int32) {
	t.Helper()
	f, echoed, login := echoingFoundationToggled(t, echoToken)
	login.Store(echoLogin)
	return f, echoed
}

// echoingFoundationToggled is echoingFoundation with the echo of token requests switched by the returned flag.
func echoingFoundationToggled(t *testing.T, echoToken bool) (*testFoundation, *atomic.Int32, *atomic.Bool) {
	t.Helper()
	var echoLogin atomic.Bool
	fake, err := cffake.New(cffake.Options{Clock: func() time.Time { return testNow }, Data: cffake.DemoData})
	if err != nil {
		t.Fatal(err)
	}
	var echoed atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case echoLogin.Load() && r.Method == http.MethodPost && r.URL.Path == "/oauth/token":
			body, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(body))
			echoed.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"error": "unauthorized",
				"error_description": "Bad credentials for " + string(body) + " (password " + form.Get("password") + ", secret " + form.Get("client_secret") +
					", passcode " + form.Get("passcode") + ", refresh token " + form.Get("refresh_token") + ")"})
		case echoToken && strings.HasSuffix(r.URL.Path, "/details") && echoed.CompareAndSwap(0, 1):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"code": 10008, "title": "CF-UnprocessableEntity",
				"detail": "request was " + r.Method + " with Authorization: " + r.Header.Get("Authorization")}}})
		default:
			fake.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return &testFoundation{fake: fake, url: srv.URL}, &echoed, &echoLogin
}

// TestEchoedSecretsAreRedacted holds issue 8 item 6: a password, client secret or token that a server quotes in
// its answer never reaches stderr, the Prometheus file or the JSON report.
func TestEchoedSecretsAreRedacted(t *testing.T) {
	t.Parallel()
	const password = "S3cr&t pass+word!" // changes under form encoding, so the raw body quotes another spelling
	const secret = "monitor-Secret/with=signs"
	tests := []struct {
		name    string
		env     map[string]string
		secrets []string
	}{
		{"password grant", map[string]string{"CF_USERNAME": "admin", "CF_PASSWORD": password}, []string{password, url.QueryEscape(password)}},
		{"client credentials", map[string]string{"CF_CLIENT_ID": "monitor", "CF_CLIENT_SECRET": secret}, []string{secret, url.QueryEscape(secret)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, echoed := echoingFoundation(t, true, false)
			path := filepath.Join(t.TempDir(), "cfkeys.prom")
			stdout, stderr, code := run(t, tc.env, "scan", "--api", f.url, "-o", "prometheus", "--output-file", path)
			if code != 3 || echoed.Load() == 0 {
				t.Fatalf("exit %d after %d echoes; stderr %q", code, echoed.Load(), stderr)
			}
			prom, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stderr, "Bad credentials for") || !strings.Contains(string(prom), "# cfkeys scan failed: ") {
				t.Fatalf("the echo did not come through at all:\nstderr %q\nfile %s", stderr, prom)
			}
			for _, s := range tc.secrets {
				for what, text := range map[string]string{"stderr": stderr, "stdout": stdout, "Prometheus file": string(prom)} {
					if strings.Contains(text, s) {
						t.Errorf("%s holds the secret %q:\n%s", what, s, text)
					}
				}
			}
			if !strings.Contains(stderr, "[redacted]") || !strings.Contains(string(prom), "[redacted]") {
				t.Errorf("no [redacted] mark:\nstderr %q\nfile %s", stderr, prom)
			}
		})
	}

	t.Run("passcode", func(t *testing.T) {
		t.Parallel()
		f, echoed := echoingFoundation(t, true, false)
		const code = "echoed-passcode-7f3a"
		_, stderr, exit := newWorkstation(t).run("login", "-a", f.url, "--sso-passcode", code)
		if exit != 3 || echoed.Load() == 0 || !strings.Contains(stderr, "Bad credentials for") {
			t.Fatalf("exit %d after %d echoes: %q", exit, echoed.Load(), stderr)
		}
		if strings.Contains(stderr, code) || !strings.Contains(stderr, "[redacted]") {
			t.Errorf("the passcode was not redacted: %q", stderr)
		}
	})

	t.Run("refresh token of a stored session", func(t *testing.T) {
		t.Parallel()
		f, echoed, echoLogin := echoingFoundationToggled(t, false)
		w := newWorkstation(t)
		w.stdin = f.fake.Password(cffake.AdminUser) + "\n"
		w.mustRun("login", "-a", f.url, "-u", cffake.AdminUser, "--password-stdin", "--name", "eu10")
		refresh := w.keyring.Entries()["cfkeys:eu10|refresh-token"]
		if refresh == "" {
			t.Fatal("no refresh token stored")
		}
		f.fake.RevokeAccessTokens()
		echoLogin.Store(true)
		stdout, stderr, _ := w.run("scan", "--profile", "eu10", "-o", "json")
		if echoed.Load() == 0 {
			t.Fatal("the refresh was not echoed")
		}
		// Today the rejected refresh reads "session expired"; should the UAA's words ever be shown, the token in
		// them must not be.
		if strings.Contains(stdout+stderr, refresh) {
			t.Errorf("the refresh token reached the output:\nstdout %s\nstderr %s", stdout, stderr)
		}
	})

	t.Run("bearer token in a key's error", func(t *testing.T) {
		t.Parallel()
		f, echoed := echoingFoundation(t, false, true)
		stdout, stderr, _ := run(t, f.adminEnv(), "scan", "--api", f.url, "-o", "json")
		if echoed.Load() != 1 {
			t.Fatal("no credentials read was refused")
		}
		if !strings.Contains(stdout+stderr, "Authorization: ") {
			t.Fatalf("the echo did not come through at all:\nstdout %s\nstderr %s", stdout, stderr)
		}
		if !strings.Contains(stdout+stderr, "Authorization: [redacted]") && !strings.Contains(stdout+stderr, "Authorization: bearer [redacted]") &&
			!strings.Contains(stdout+stderr, "Authorization: Bearer [redacted]") {
			t.Errorf("the token was not redacted:\nstdout %s\nstderr %s", stdout, stderr)
		}
		if strings.Contains(stdout+stderr, "eyJ") { // every JWT starts so
			t.Errorf("a token reached the output:\nstdout %s\nstderr %s", stdout, stderr)
		}
	})
}
