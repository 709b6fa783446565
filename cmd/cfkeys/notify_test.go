package main

import (
	"context"
	"crypto/tls"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/keystore"
	"github.com/cfkeys/cfkeys/internal/smtptest"
)

// notifyApp is an in-process cfkeys with an in-memory keyring and a secret to read from the "terminal".
func notifyApp(env map[string]string, mem *keystore.Memory, secret string) (*app, *lockedBuffer, *lockedBuffer) {
	out, errOut := &lockedBuffer{}, &lockedBuffer{}
	a := defaultApp(strings.NewReader(""), out, errOut, func(k string) string {
		if k == "CFKEYS_CONFIG_DIR" && env[k] == "" {
			return filepath.Join(os.TempDir(), "cfkeys-notify-test-no-config") // never the developer's own policy
		}
		return env[k]
	})
	a.now = func() time.Time { return testNow }
	a.keyring = func(timeout time.Duration) *keystore.Keyring { return keystore.NewWithBackend(mem, timeout) }
	a.readSecret = func(string) (string, error) { return secret, nil }
	return a, out, errOut
}

// notifyTest runs cfkeys notify test trusting the test SMTP server's certificate.
func notifyTest(t *testing.T, a *app, roots *tls.Config, args ...string) error {
	t.Helper()
	cmd := newNotifyTestCmd(a, func(cmd *cobra.Command, o *notifyTestOptions) error {
		o.targets.tlsConfig = roots
		return runNotifyTest(cmd, a, o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return cmd.ExecuteContext(context.Background())
}

func TestNotifyTestWithKeyringPassword(t *testing.T) {
	t.Parallel()
	const password = "kr-pa55word"
	srv := smtptest.Start(t, "cfkeys", password, false)
	hook := &hookRecorder{}
	hookServer := httptest.NewServer(hook)
	t.Cleanup(hookServer.Close)
	mem := keystore.NewMemory()

	// Store the password the way an admin would: read from the terminal, into the keyring.
	a, out, _ := notifyApp(nil, mem, password)
	Main(context.Background(), []string{"notify", "set-smtp-password", "--smtp-server", srv.Addr, "--smtp-user", "cfkeys"}, a)
	if !strings.Contains(out.String(), "stored the SMTP password") {
		t.Fatalf("set-smtp-password: %q", out.String())
	}

	env := map[string]string{"HOOK": hookServer.URL + "/x/t0k3n"}
	a, out, errOut := notifyApp(env, mem, "")
	err := notifyTest(t, a, &tls.Config{RootCAs: srv.RootCAs}, "--smtp-server", srv.Addr, "--smtp-user", "cfkeys",
		"--to", "ops@example.org", "--webhook", "teams=env:HOOK")
	if err != nil {
		t.Fatalf("notify test: %v\n%s", err, errOut)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || len(hook.Bodies()) != 1 {
		t.Fatalf("%d mails, %d posts", len(msgs), len(hook.Bodies()))
	}
	text, err := msgs[0].Decode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Subject: cfkeys test notification") || !strings.Contains(text, "example-key") {
		t.Errorf("test mail:\n%s", text)
	}
	everything := out.String() + errOut.String() + text + strings.Join(hook.Bodies(), "")
	if strings.Contains(everything, password) || strings.Contains(everything, "t0k3n") {
		t.Errorf("a secret leaked:\n%s", everything)
	}
	if !strings.Contains(out.String(), "sent to mail:"+srv.Addr) || !strings.Contains(out.String(), "sent to teams:127.0.0.1:") {
		t.Errorf("stdout: %q", out.String())
	}
}

func TestNotifyTestFailures(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, "cfkeys", "right", false)
	roots := &tls.Config{RootCAs: srv.RootCAs}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no target", nil, nil, "name a target"},
		{"wrong password from the environment", map[string]string{"CFKEYS_SMTP_PASSWORD": "wrong-pa55"},
			[]string{"--smtp-server", srv.Addr, "--smtp-user", "cfkeys", "--to", "ops@example.org"}, "exit status 3"},
		{"user without password", nil, []string{"--smtp-server", srv.Addr, "--smtp-user", "cfkeys", "--to", "ops@example.org"}, "needs a password"},
		{"recipient without server", nil, []string{"--to", "ops@example.org"}, "--to needs --smtp-server"},
		{"bad recipient", nil, []string{"--smtp-server", srv.Addr, "--to", "not an address"}, "recipient address"},
		{"bad webhook", nil, []string{"--webhook", "discord=https://x"}, "unknown format"},
		{"bad security", nil, []string{"--smtp-server", srv.Addr, "--to", "a@b.c", "--smtp-security", "ssl"}, "--smtp-security"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, _, errOut := notifyApp(tc.env, keystore.NewMemory(), "")
			err := notifyTest(t, a, roots, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if strings.Contains(errOut.String(), "wrong-pa55") {
				t.Errorf("password in stderr: %s", errOut)
			}
		})
	}
	if len(srv.Messages()) != 0 {
		t.Error("a failing setup sent mail")
	}
}

func TestWatchRefusesBadOptions(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"interval too short", []string{"--api", f.url, "--interval", "5s"}, "--interval must be at least 1m0s"},
		{"bad digest", []string{"--api", f.url, "--digest", "8am"}, "--digest"},
		{"api and profile", []string{"--api", f.url, "--profile", "x"}, "--api excludes"},
		{"bad thresholds", []string{"--api", f.url, "--warn", "5d", "--critical", "10d"}, "critical"},
		{"busy address", []string{"--api", f.url, "--listen", "256.0.0.1:1"}, "listening for /metrics"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, stderr, code := run(t, f.adminEnv(), append([]string{"watch"}, tc.args...)...)
			if code != 3 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q, want %q", code, stderr, tc.want)
			}
		})
	}
}

// TestNotifyTestWithThePolicyFile sends the sample to the targets of the policy file's notify section: e-mail with
// the password from the environment variable the file names, and a webhook named by an environment variable.
func TestNotifyTestWithThePolicyFile(t *testing.T) {
	t.Parallel()
	const password = "file-pa55word"
	srv := smtptest.Start(t, "cfkeys", password, false)
	hook := &hookRecorder{}
	hookServer := httptest.NewServer(hook)
	t.Cleanup(hookServer.Close)
	file := filepath.Join(t.TempDir(), "team.yaml")
	body := "version: 1\nrules:\n  - name: all\n    warning: 30d\n    critical: 7d\nnotify:\n  smtp:\n    server: " + srv.Addr +
		"\n    user: cfkeys\n    password_env: TEAM_SMTP\n    to: [ops@example.org]\n  webhooks: [slack=env:HOOK]\n"
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TEAM_SMTP": password, "HOOK": hookServer.URL + "/x/t0k3n"}
	a, out, errOut := notifyApp(env, keystore.NewMemory(), "")
	if err := notifyTest(t, a, &tls.Config{RootCAs: srv.RootCAs}, "--policy", file); err != nil {
		t.Fatalf("notify test --policy: %v\n%s", err, errOut)
	}
	if len(srv.Messages()) != 1 || len(hook.Bodies()) != 1 {
		t.Fatalf("%d mails, %d posts", len(srv.Messages()), len(hook.Bodies()))
	}
	if !strings.Contains(out.String(), "sent to mail:"+srv.Addr) || !strings.Contains(out.String(), "sent to slack:127.0.0.1:") {
		t.Errorf("stdout: %q", out.String())
	}
	// The same webhook on the command line too: it is sent to once.
	a, out, _ = notifyApp(env, keystore.NewMemory(), "")
	if err := notifyTest(t, a, &tls.Config{RootCAs: srv.RootCAs}, "--policy", file, "--webhook", "slack=env:HOOK"); err != nil {
		t.Fatal(err)
	}
	if n := len(hook.Bodies()); n != 2 || strings.Count(out.String(), "sent to slack:") != 1 {
		t.Errorf("a webhook given twice: %d posts in all\n%s", n, out)
	}
	// Without the password the file's user cannot log in: refused before anything is sent.
	a, _, _ = notifyApp(map[string]string{"HOOK": env["HOOK"]}, keystore.NewMemory(), "")
	if err := notifyTest(t, a, nil, "--policy", file); err == nil || !strings.Contains(err.Error(), "team.yaml: line 7: notify.smtp: an SMTP user needs a password") ||
		!strings.Contains(err.Error(), "$TEAM_SMTP, which password_env names") {
		t.Errorf("no password: %v", err)
	}
	// Nothing named at all.
	a, _, _ = notifyApp(nil, keystore.NewMemory(), "")
	if err := notifyTest(t, a, nil); err == nil || !strings.Contains(err.Error(), "name a target") {
		t.Errorf("no target: %v", err)
	}
}

// A setting given on the command line that cannot work is refused naming the flag to change; the same settings in
// a policy file name the file's fields (TestNotifyTargetsFromThePolicyFile and the watch policy tests).
func TestNotifyFlagErrorsNameTheFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--smtp-server", "smtp.example.org:587", "--smtp-user", "cfkeys", "--to", "ops@example.org"},
			"an SMTP user needs a password: from the keyring (cfkeys notify set-smtp-password) or the environment ($CFKEYS_SMTP_PASSWORD, which --smtp-password-env names)"},
		{[]string{"--smtp-server", "smtp.example.org:587"}, "no recipient: give --to"},
		{[]string{"--smtp-server", "smtp.example.org:587", "--to", "ops@example.org", "--smtp-security", "ssl"}, `--smtp-security: unknown SMTP security "ssl"`},
		{[]string{"--webhook", "slack=ftp://hooks.example/s3cr3t"}, "--webhook: slack: not an http(s) URL"},
		{[]string{"--webhook", "discord=https://hooks.example"}, `--webhook: unknown format "discord"`},
	} {
		a, _, _ := notifyApp(nil, keystore.NewMemory(), "")
		if err := notifyTest(t, a, nil, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%v: %v\nwant %q", tc.args, err, tc.want)
		}
	}
}
