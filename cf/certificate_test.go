package cf

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// tlsServer is an httptest TLS server that counts TLS handshakes: a request refused for its certificate never
// reaches a handler, so handshakes are what a retry would show up as.
func tlsServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hellos atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request %s %s got through an untrusted certificate", r.Method, r.URL.Path)
	}))
	srv.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		hellos.Add(1)
		return nil, nil
	}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &hellos
}

const skipSSLHint = "use --skip-ssl-validation if the foundation uses a self-signed certificate"

func TestCertificateErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		url    func(*httptest.Server) string
		client func(*httptest.Server) *http.Client
	}{
		// NewHTTPClient checks certificates against the system roots, which do not include httptest's.
		{"unknown authority", func(s *httptest.Server) string { return s.URL }, func(*httptest.Server) *http.Client { return NewHTTPClient(false, 1) }},
		// httptest's certificate names 127.0.0.1 and example.com, not localhost.
		{"wrong host name", func(s *httptest.Server) string { return strings.Replace(s.URL, "127.0.0.1", "localhost", 1) }, func(s *httptest.Server) *http.Client { return s.Client() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, hellos := tlsServer(t)
			sleeps := &sleepRecorder{}
			c, err := newClient(Endpoints{API: tc.url(srv)}, nil, Options{HTTPClient: tc.client(srv), Sleep: sleeps.Sleep})
			if err != nil {
				t.Fatal(err)
			}
			err = c.get(context.Background(), "/", nil)
			var ce *CertificateError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), skipSSLHint) || !strings.HasPrefix(err.Error(), "GET /: ") {
				t.Fatalf("err = %v, want a *CertificateError with the --skip-ssl-validation hint", err)
			}
			if c.Requests() != 1 || hellos.Load() != 1 || len(sleeps.Waits()) != 0 {
				t.Errorf("requests %d, handshakes %d, waits %v; want one attempt and no retries", c.Requests(), hellos.Load(), sleeps.Waits())
			}
		})
	}
}

func TestDiscoverUntrustedCertificate(t *testing.T) {
	t.Parallel()
	srv, hellos := tlsServer(t)
	sleeps := &sleepRecorder{}
	_, err := Discover(context.Background(), srv.URL, Options{Sleep: sleeps.Sleep})
	var ce *CertificateError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), skipSSLHint) {
		t.Fatalf("err = %v", err)
	}
	if hellos.Load() != 1 || len(sleeps.Waits()) != 0 {
		t.Errorf("handshakes %d, waits %v; want one attempt", hellos.Load(), sleeps.Waits())
	}
}

func TestTokenRequestUntrustedCertificate(t *testing.T) {
	t.Parallel()
	srv, hellos := tlsServer(t)
	ep := Endpoints{API: srv.URL, Login: srv.URL}
	_, _, err := LoginAt(context.Background(), ep, Credentials{Grant: GrantPassword, Username: "admin", Password: NewSecret("s3cret")}, Options{}, nil)
	var ae *AuthError
	var ce *CertificateError
	if !errors.As(err, &ae) || !errors.As(err, &ce) || ae.Rejected() || !strings.Contains(err.Error(), skipSSLHint) {
		t.Fatalf("err = %v, want an *AuthError wrapping a *CertificateError", err)
	}
	if hellos.Load() != 1 {
		t.Errorf("handshakes = %d, want 1", hellos.Load())
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Error("error reveals the password")
	}
}

// TestNetworkErrorsStillRetried makes sure only certificate failures skip the retries.
func TestNetworkErrorsStillRetried(t *testing.T) {
	t.Parallel()
	sleeps := &sleepRecorder{}
	c, err := newClient(Endpoints{API: "http://127.0.0.1:1"}, nil, Options{Sleep: sleeps.Sleep}) // nothing listens there
	if err != nil {
		t.Fatal(err)
	}
	err = c.get(context.Background(), "/", nil)
	var ce *CertificateError
	if err == nil || errors.As(err, &ce) || strings.Contains(err.Error(), "skip-ssl-validation") {
		t.Fatalf("err = %v", err)
	}
	if n := len(sleeps.Waits()); n != DefaultRetryPolicy.MaxAttempts-1 {
		t.Errorf("retries = %d, want %d", n, DefaultRetryPolicy.MaxAttempts-1)
	}
}
