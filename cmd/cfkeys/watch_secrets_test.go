package main

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/internal/smtptest"
	"github.com/cfkeys/cfkeys/internal/testclock"
)

// headerRecorder is a webhook receiver that keeps every request's headers and body.
type headerRecorder struct {
	mu   sync.Mutex
	reqs []string
}

func (h *headerRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var s strings.Builder
	r.Header.Write(&s)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reqs = append(h.reqs, s.String()+"\n"+string(b)) // not the path: it holds the token, as it should
}

func (h *headerRecorder) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.reqs...)
}

// TestNoSecretInWatch runs cfkeys watch on the hostile foundation with mail and every kind of webhook, and looks
// for every secret the fake foundation holds or handed out, the SMTP password and the webhook tokens in every
// channel watch has: the mails (text and HTML), the webhook requests (headers and bodies), /metrics, /healthz, /,
// the log on stderr and the notification state file. A webhook that redirects gets nothing sent on; the state
// file is 0600; what a terminal or a mail reader shows holds no escape sequence or bidi control.
func TestNoSecretInWatch(t *testing.T) {
	t.Parallel()
	clock := testclock.New(testNow)
	f := newFoundationAt(t, cffake.Dataset{Hostile: true}, clock.Now)
	const smtpPassword = "smtp-Pa55-watch-secret"
	mailServer := smtptest.Start(t, "cfkeys", smtpPassword, false)
	hooks := &headerRecorder{}
	hookServer := httptest.NewServer(hooks)
	t.Cleanup(hookServer.Close)
	var elsewhereHits atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhereHits.Add(1) }))
	t.Cleanup(elsewhere.Close)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)

	tokens := map[string]string{"SLACK_URL": "slack-T0K3N-aaaa", "TEAMS_URL": "teams-T0K3N-bbbb", "JSON_URL": "json-T0K3N-cccc", "MOVED_URL": "moved-T0K3N-dddd"}
	env := f.adminEnv()
	env["CFKEYS_SMTP_PASSWORD"] = smtpPassword
	for name, token := range tokens {
		base := hookServer.URL
		if name == "MOVED_URL" {
			base = redirector.URL
		}
		env[name] = base + "/hook/" + token
	}
	state := filepath.Join(t.TempDir(), "state.json")
	w := startWatch(t, env, clock, &tls.Config{RootCAs: mailServer.RootCAs}, "--api", f.url, "--warn", "60d", "--critical", "7d",
		"--listen", "127.0.0.1:0", "--state-file", state, "--smtp-server", mailServer.Addr, "--smtp-user", "cfkeys", "--to", "ops@example.org",
		"--webhook", "slack=env:SLACK_URL", "--webhook", "teams=env:TEAMS_URL", "--webhook", "json=env:JSON_URL", "--webhook", "json=env:MOVED_URL")
	_, metrics := w.metrics()
	_, healthz := w.get("/healthz")
	_, root := w.get("/")
	w.stop()

	msgs := mailServer.Messages()
	if len(msgs) != 1 || len(hooks.all()) != 3 {
		t.Fatalf("%d mails and %d webhook posts, want 1 and 3\n%s", len(msgs), len(hooks.all()), w.stderr)
	}
	if n := elsewhereHits.Load(); n != 0 {
		t.Errorf("the redirecting webhook's target got %d requests", n)
	}
	if !strings.Contains(w.stderr.String(), "307") {
		t.Errorf("the redirect was not reported as a failed delivery:\n%s", w.stderr)
	}
	mail, err := msgs[0].Decode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(mail, "click-me") || !strings.Contains(mail, "<td>") {
		t.Fatalf("the mail does not name the hostile keys or has no HTML part:\n%s", mail)
	}
	stateData, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(state); st.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", st.Mode().Perm())
	}
	channels := map[string]string{"mail (raw)": string(msgs[0].Data), "mail": mail, "/metrics": metrics, "/healthz": healthz, "/": root,
		"stderr": w.stderr.String(), "state file": string(stateData), "webhooks": strings.Join(hooks.all(), "\n")}
	secrets := append(f.fake.Secrets(), smtpPassword)
	for _, token := range tokens {
		secrets = append(secrets, token)
	}
	for what, text := range channels {
		for _, s := range secrets {
			for _, line := range strings.Split(s, "\n") {
				if len(line) >= 8 && strings.Contains(text, line) {
					t.Errorf("%s holds a secret (%.12s…)", what, line)
				}
			}
		}
		for _, marker := range []string{"PRIVATE KEY", "Bearer ", "bearer "} {
			if strings.Contains(text, marker) {
				t.Errorf("%s holds %q", what, marker)
			}
		}
	}
	// What a terminal (the log, /healthz read with curl) or a mail reader shows does nothing but print.
	for _, what := range []string{"mail", "/metrics", "/healthz", "stderr", "webhooks"} {
		for _, bad := range []string{"\x1b", "\u009b", "\u2028", "\u202e", "\a"} {
			if strings.Contains(channels[what], bad) {
				t.Errorf("%s holds %q", what, bad)
			}
		}
	}
}

// TestMetricsServerTimeouts: the /metrics server bounds every phase of a connection, idle ones included, so
// slow or idle clients cannot hold its connections open without end.
func TestMetricsServerTimeouts(t *testing.T) {
	t.Parallel()
	s := metricsServer(http.NotFoundHandler())
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": s.ReadHeaderTimeout, "ReadTimeout": s.ReadTimeout,
		"WriteTimeout": s.WriteTimeout, "IdleTimeout": s.IdleTimeout} {
		if d <= 0 || d > 5*time.Minute {
			t.Errorf("%s = %v, want a bound of at most 5 minutes", name, d)
		}
	}
	if s.MaxHeaderBytes <= 0 || s.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes = %d", s.MaxHeaderBytes)
	}
}
