package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/keystore"
)

// workstation is one user's machine across several cfkeys runs: a config directory and a keyring that outlive
// each run, as the OS keyring and ~/.config do.
type workstation struct {
	t         *testing.T
	configDir string
	keyring   *keystore.Memory
	env       map[string]string
	stdinTTY  bool
	stdin     string
	secrets   []string // answers to hidden prompts, in order
	prompts   []string // hidden prompts shown
}

func newWorkstation(t *testing.T) *workstation {
	dir := filepath.Join(t.TempDir(), "config")
	cache := filepath.Join(t.TempDir(), "cache")
	return &workstation{t: t, configDir: dir, keyring: keystore.NewMemory(), env: map[string]string{"CFKEYS_CONFIG_DIR": dir, "CFKEYS_CACHE_DIR": cache}}
}

// run runs cfkeys once on the workstation.
func (w *workstation) run(args ...string) (string, string, int) {
	w.t.Helper()
	var out, errOut bytes.Buffer
	a := testApp(strings.NewReader(w.stdin), &out, &errOut, func(k string) string { return w.env[k] })
	a.stdinTTY = w.stdinTTY
	a.keyring = func(timeout time.Duration) *keystore.Keyring { return keystore.NewWithBackend(w.keyring, timeout) }
	a.readSecret = func(prompt string) (string, error) {
		w.prompts = append(w.prompts, prompt)
		if len(w.secrets) == 0 {
			return "", errors.New("no answer")
		}
		s := w.secrets[0]
		w.secrets = w.secrets[1:]
		return s, nil
	}
	code := Main(context.Background(), args, a)
	return out.String(), errOut.String(), code
}

func (w *workstation) mustRun(args ...string) string {
	w.t.Helper()
	out, errOut, code := w.run(args...)
	if code != 0 {
		w.t.Fatalf("cfkeys %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// filesHold reports whether any file under the config directory holds s.
func (w *workstation) filesHold(s string) bool {
	found := false
	_ = filepath.WalkDir(w.configDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(s)) {
				found = true
			}
		}
		return nil
	})
	return found
}

func TestLoginProfilesScanLogout(t *testing.T) {
	t.Parallel()
	f1 := newTestFoundation(t, cffake.DemoData)
	f2 := newTestFoundation(t, cffake.DemoData)
	w := newWorkstation(t)

	out := w.mustRun("login", "-a", f1.url, "--name", "one", "-u", cffake.AdminUser, "-p", f1.fake.Password(cffake.AdminUser))
	if out != "Logged in to "+f1.url+" as admin; saved as profile \"one\" (secrets in the OS keyring).\n" {
		t.Errorf("login output: %q", out)
	}
	entries := w.keyring.Entries()
	if entries["cfkeys:one|refresh-token"] == "" || entries["cfkeys:one|access-token"] == "" || entries["cfkeys:one|password"] != "" {
		t.Errorf("keyring after login: %v", keysOf(entries))
	}
	// No stdin terminal: the second login reads CF_USERNAME/CF_PASSWORD.
	w.env["CF_USERNAME"], w.env["CF_PASSWORD"] = cffake.DeveloperUser, f2.fake.Password(cffake.DeveloperUser)
	w.mustRun("login", "-a", f2.url, "--name", "two")
	delete(w.env, "CF_USERNAME")
	delete(w.env, "CF_PASSWORD")

	for _, s := range append(append(f1.fake.Secrets(), f2.fake.Secrets()...), valuesOf(w.keyring.Entries())...) {
		if len(s) >= 8 && w.filesHold(s) {
			t.Errorf("a secret (%.10s…) is in a file under the config directory", s)
		}
	}
	info, err := os.Stat(filepath.Join(w.configDir, "profiles.json"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("profile file: %v %v", info, err)
	}

	out = w.mustRun("profiles")
	for _, want := range []string{"NAME   API", "one    " + f1.url + "  admin", "two *  " + f2.url + "  developer", "access token until 2026-11-22 09:19 UTC (refresh token)"} {
		if !strings.Contains(out, want) {
			t.Errorf("profiles lacks %q:\n%s", want, out)
		}
	}

	// A new process scans with the stored session: no login, no token request.
	tokens := f1.fake.RouteRequests("POST /oauth/token")
	out, errOut, code := w.run("scan", "--profile", "one", "--output", "json")
	var doc struct{ Keys []any }
	if code != 2 || errOut != "" || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Keys) != 23 {
		t.Fatalf("scan --profile one: exit %d %s", code, errOut)
	}
	if f1.fake.RouteRequests("POST /oauth/token") != tokens {
		t.Error("scan --profile logged in again")
	}
	// Without --profile: the current one (the last login).
	out, _, _ = w.run("scan", "--output", "json")
	if json.Unmarshal([]byte(out), &doc) != nil || len(doc.Keys) != 21 {
		t.Errorf("scan of the current profile: %d keys", len(doc.Keys))
	}

	// Every foundation at once.
	out, _, code = w.run("scan", "--all-profiles", "--output", "json")
	var all struct {
		Foundations []struct{ Name, API string }
		Keys        []struct{ Foundation string }
	}
	if code != 2 || json.Unmarshal([]byte(out), &all) != nil || len(all.Keys) != 44 || len(all.Foundations) != 2 || all.Foundations[0].API != f1.url {
		t.Fatalf("all profiles: exit %d, %d keys, %+v", code, len(all.Keys), all.Foundations)
	}
	if all.Keys[0].Foundation == "" {
		t.Error("entries lack their foundation")
	}
	out, _, _ = w.run("scan", "--all-profiles")
	if !strings.HasPrefix(out, "FOUNDATION  STATUS") {
		t.Errorf("multi-foundation table header: %q", strings.SplitN(out, "\n", 2)[0])
	}

	// One foundation's session expires: its own scan says how to log in again, --all-profiles reports the rest.
	f1.fake.RevokeAccessTokens()
	f1.fake.RevokeRefreshTokens()
	_, errOut, code = w.run("scan", "--profile", "one")
	if code != 3 || !strings.Contains(errOut, "session expired: run cfkeys login --name one") {
		t.Errorf("expired session: exit %d %q", code, errOut)
	}
	out, _, code = w.run("scan", "--all-profiles", "--output", "json")
	var partial struct {
		Keys   []any
		Errors []struct{ Foundation, Message string }
	}
	if code != 2 || json.Unmarshal([]byte(out), &partial) != nil || len(partial.Keys) != 21 || len(partial.Errors) != 1 ||
		partial.Errors[0].Foundation != "one" || !strings.Contains(partial.Errors[0].Message, "session expired") {
		t.Errorf("all profiles with one expired: exit %d %s", code, out)
	}

	w.mustRun("logout", "--name", "one")
	if keys := keysOf(w.keyring.Entries()); strings.Contains(keys, "cfkeys:one|") {
		t.Errorf("keyring after logout: %s", keys)
	}
	out = w.mustRun("profiles")
	if strings.Contains(out, "one ") || !strings.Contains(out, "two *") {
		t.Errorf("profiles after logout:\n%s", out)
	}
	w.mustRun("logout", "--all")
	if len(w.keyring.Entries()) != 0 {
		t.Errorf("keyring after logout --all: %s", keysOf(w.keyring.Entries()))
	}
	if out := w.mustRun("profiles"); !strings.Contains(out, "Not logged in") {
		t.Errorf("profiles at the end: %q", out)
	}
	_, errOut, code = w.run("scan")
	if code != 3 || !strings.Contains(errOut, "not logged in to any foundation") {
		t.Errorf("scan without login: %d %q", code, errOut)
	}
}

func keysOf(m map[string]string) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return strings.Join(out, " ")
}

func valuesOf(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func TestLoginModes(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)

	t.Run("prompts on a terminal", func(t *testing.T) {
		w := newWorkstation(t)
		w.stdinTTY, w.stdin, w.secrets = true, cffake.AdminUser+"\n", []string{f.fake.Password(cffake.AdminUser)}
		_, errOut, code := w.run("login", "-a", f.url)
		if code != 0 || !strings.Contains(errOut, "Username: ") || len(w.prompts) != 1 || w.prompts[0] != "Password: " {
			t.Errorf("exit %d, stderr %q, hidden prompts %q", code, errOut, w.prompts)
		}
		if out := w.mustRun("profiles"); !strings.Contains(out, strings.TrimPrefix(f.url, "http://")+" *") {
			t.Errorf("default profile name is the API host:\n%s", out)
		}
	})

	t.Run("sso asks for a passcode", func(t *testing.T) {
		w := newWorkstation(t)
		w.stdinTTY, w.secrets = true, []string{f.fake.Passcode(cffake.SSOUser)}
		w.mustRun("login", "-a", f.url, "--sso", "--name", "sso")
		if len(w.prompts) != 1 || !strings.Contains(w.prompts[0], f.url+"/passcode") {
			t.Errorf("passcode prompt = %q", w.prompts)
		}
		out := w.mustRun("profiles")
		if !strings.Contains(out, cffake.SSOUser) || !strings.Contains(out, "passcode (origin corp-idp)") {
			t.Errorf("profiles:\n%s", out)
		}
		// --sso needs a terminal; --sso-passcode does not.
		w.stdinTTY = false
		if _, errOut, code := w.run("login", "-a", f.url, "--sso"); code != 3 || !strings.Contains(errOut, "--sso-passcode") {
			t.Errorf("--sso without a terminal: %d %q", code, errOut)
		}
		w.mustRun("login", "-a", f.url, "--sso-passcode", f.fake.Passcode(cffake.SSOUser), "--name", "sso2")
	})

	t.Run("origin", func(t *testing.T) {
		w := newWorkstation(t)
		w.mustRun("login", "-a", f.url, "-u", cffake.SSOUser, "-p", f.fake.Password(cffake.SSOUser), "--origin", cffake.SSOOrigin)
		if _, errOut, code := w.run("login", "-a", f.url, "-u", cffake.SSOUser, "-p", f.fake.Password(cffake.SSOUser), "--origin", "uaa"); code != 3 || !strings.Contains(errOut, "Bad credentials") {
			t.Errorf("wrong origin: %d %q", code, errOut)
		}
	})

	t.Run("client credentials renew with the stored secret", func(t *testing.T) {
		w := newWorkstation(t)
		secret := f.fake.ClientSecret(cffake.MonitorClient)
		w.mustRun("login", "-a", f.url, "--client-credentials", "--client-id", cffake.MonitorClient, "--client-secret", secret, "--name", "mon")
		if w.keyring.Entries()["cfkeys:mon|client-secret"] != secret {
			t.Error("client secret not in the keyring")
		}
		if out := w.mustRun("profiles"); !strings.Contains(out, "client secret stored") {
			t.Errorf("profiles:\n%s", out)
		}
		f.fake.RevokeAccessTokens()
		if _, errOut, code := w.run("scan", "--profile", "mon", "--org", "partner-hub"); code != 0 {
			t.Errorf("scan after revocation: %d %s", code, errOut)
		}
	})

	t.Run("remembered password logs in again", func(t *testing.T) {
		g := newTestFoundation(t, cffake.DemoData)
		w := newWorkstation(t)
		w.mustRun("login", "-a", g.url, "-u", cffake.DeveloperUser, "-p", g.fake.Password(cffake.DeveloperUser), "--remember-password", "--name", "tech")
		g.fake.RevokeAccessTokens()
		g.fake.RevokeRefreshTokens()
		if _, errOut, code := w.run("scan", "--profile", "tech", "--org", "acme-dev", "--space", "sandbox"); code != 0 {
			t.Errorf("scan: %d %s", code, errOut)
		}
	})

	t.Run("usage errors", func(t *testing.T) {
		w := newWorkstation(t)
		for _, args := range [][]string{
			{"login"}, {"login", "-a", f.url, "--sso", "--client-credentials"}, {"login", "-a", f.url, "--name", "a b"},
			{"login", "-a", f.url, "--sso", "--origin", "x"}, {"login", "--from-cf-config", "-a", f.url},
			{"scan", "--api", f.url, "--profile", "x"}, {"scan", "--all-profiles", "--profile", "x"}, {"logout", "--name", "x", "--all"},
		} {
			if _, _, code := w.run(args...); code != 3 {
				t.Errorf("cfkeys %s: exit %d", strings.Join(args, " "), code)
			}
		}
	})
}

func TestKeyringFailures(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)

	w := newWorkstation(t)
	w.keyring.Err = errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'")
	_, errOut, code := w.run("login", "-a", f.url, "-u", "admin", "-p", f.fake.Password("admin"), "--name", "x")
	if code != 3 || !strings.Contains(errOut, "the keyring is locked") || !strings.Contains(errOut, "CF_USERNAME and CF_PASSWORD") {
		t.Errorf("locked keyring: %d %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(w.configDir, "profiles.json")); err == nil {
		t.Error("a profile was saved although its secrets were not")
	}

	w2 := newWorkstation(t)
	w2.mustRun("login", "-a", f.url, "-u", "admin", "-p", f.fake.Password("admin"), "--name", "x")
	w2.keyring.Block = make(chan struct{})
	defer close(w2.keyring.Block)
	w2.env["CFKEYS_KEYRING_TIMEOUT"] = "20ms"
	start := time.Now()
	_, errOut, code = w2.run("scan", "--profile", "x")
	if code != 3 || !strings.Contains(errOut, "did not answer within 20ms") {
		t.Errorf("hanging keyring: %d %q", code, errOut)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	out, errOut, _ := w2.run("profiles")
	if !strings.Contains(out, "keyring unavailable") || !strings.Contains(errOut, "did not answer") {
		t.Errorf("profiles with a hanging keyring: %q %q", out, errOut)
	}
}

func TestLoginFromCFConfig(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	// A session the cf CLI left behind: its own login, written as cf writes config.json.
	_, sess, err := cf.Login(context.Background(), f.url, cf.Credentials{Grant: cf.GrantPassword, Username: cffake.DeveloperUser, Password: cf.NewSecret(f.fake.Password(cffake.DeveloperUser))},
		cf.Options{Clock: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	tok := sess.Token()
	cfHome := t.TempDir()
	cfg := map[string]any{"ConfigVersion": 4, "Target": f.url, "APIVersion": "3.195.0", "AuthorizationEndpoint": f.url, "UaaEndpoint": f.url,
		"AccessToken": "bearer " + tok.AccessToken, "RefreshToken": tok.RefreshToken, "UAAGrantType": "", "UAAOAuthClient": "cf", "UAAOAuthClientSecret": "",
		"SSLDisabled": false, "OrganizationFields": map[string]string{"GUID": "", "Name": ""}}
	data, _ := json.Marshal(cfg)
	if err := os.MkdirAll(filepath.Join(cfHome, ".cf"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfHome, ".cf", "config.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	w := newWorkstation(t)
	out := w.mustRun("login", "--from-cf-config", "--cf-home", cfHome, "--name", "imported")
	if !strings.Contains(out, "Imported the cf CLI session for "+f.url+" as developer") {
		t.Errorf("import: %q", out)
	}
	if w.keyring.Entries()["cfkeys:imported|refresh-token"] != tok.RefreshToken {
		t.Error("refresh token not imported into the keyring")
	}
	if w.filesHold(tok.RefreshToken) || w.filesHold(tok.AccessToken) {
		t.Error("an imported token is in a file under the config directory")
	}
	if _, errOut, code := w.run("scan", "--profile", "imported", "--org", "acme-dev", "--space", "sandbox"); code != 0 {
		t.Errorf("scan of the imported session: %d %s", code, errOut)
	}
	// CF_HOME is honoured too; an expired cf session is refused with advice.
	w.env["CF_HOME"] = cfHome
	f.fake.RevokeAccessTokens()
	f.fake.RevokeRefreshTokens()
	_, errOut, code := w.run("login", "--from-cf-config", "--name", "again")
	if code != 3 || !strings.Contains(errOut, "has expired: run cf login") {
		t.Errorf("expired cf session: %d %q", code, errOut)
	}
}

// A keyring that does not answer stops a login before it prompts or spends its credentials (an SSO passcode
// works once), and without a graphical session the wait is the short one.
func TestLoginProbesKeyringFirst(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	w := newWorkstation(t)
	w.keyring.Block = make(chan struct{})
	defer close(w.keyring.Block)
	w.env["CFKEYS_KEYRING_TIMEOUT"] = "30ms"
	w.stdinTTY = true
	tokens := f.fake.RouteRequests("POST /oauth/token")
	_, errOut, code := w.run("login", "-a", f.url, "--sso", "--name", "x")
	if code != 3 || !strings.Contains(errOut, "did not answer within 30ms") {
		t.Errorf("hanging keyring: %d %q", code, errOut)
	}
	if len(w.prompts) != 0 || f.fake.RouteRequests("POST /oauth/token") != tokens {
		t.Errorf("asked %v and sent %d token requests before finding the keyring dead", w.prompts, f.fake.RouteRequests("POST /oauth/token")-tokens)
	}
}

func TestKeyringTimeoutFollowsPrompting(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		goos      string
		env       map[string]string
		prompting bool
		want      time.Duration
	}{
		{"linux", nil, true, keystore.DefaultTimeout},
		{"linux", map[string]string{"DISPLAY": ":0"}, true, keystore.PromptTimeout},
		{"linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, true, keystore.PromptTimeout},
		{"linux", map[string]string{"DISPLAY": ":0"}, false, keystore.DefaultTimeout},
		{"darwin", nil, true, keystore.PromptTimeout},
		{"windows", nil, true, keystore.PromptTimeout},
		{"darwin", map[string]string{"CFKEYS_KEYRING_TIMEOUT": "2s"}, true, 2 * time.Second},
	} {
		a := defaultApp(nil, nil, nil, func(k string) string { return tc.env[k] })
		a.goos = tc.goos
		if got := a.keyringTimeout(tc.prompting); got != tc.want {
			t.Errorf("%s %v prompting=%v: %v, want %v", tc.goos, tc.env, tc.prompting, got, tc.want)
		}
	}
}

// Parallel logins keep each other's profiles; names differing only in case are refused (the macOS and Windows
// keyrings would share their entries); logout of an unknown name still removes secrets left behind.
func TestProfilesSurviveParallelLoginsAndStrays(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	w := newWorkstation(t)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out, errOut bytes.Buffer
			a := testApp(strings.NewReader(""), &out, &errOut, func(k string) string { return w.env[k] })
			a.keyring = func(timeout time.Duration) *keystore.Keyring { return keystore.NewWithBackend(w.keyring, timeout) }
			if code := Main(context.Background(), []string{"login", "-a", f.url, "-u", "admin", "-p", f.fake.Password("admin"), "--name", fmt.Sprintf("f%d", i)}, a); code != 0 {
				t.Errorf("login f%d: %d %s", i, code, errOut.String())
			}
		}()
	}
	wg.Wait()
	out, _, _ := w.run("profiles")
	for i := range 4 {
		if !strings.Contains(out, fmt.Sprintf("f%d ", i)) {
			t.Errorf("profile f%d lost:\n%s", i, out)
		}
	}

	_, errOut, code := w.run("login", "-a", f.url, "-u", "admin", "-p", f.fake.Password("admin"), "--name", "F1")
	if code != 3 || !strings.Contains(errOut, `profile "F1" already exists as "f1"`) {
		t.Errorf("case clash: %d %q", code, errOut)
	}

	// Secrets without a profile, as an interrupted login could leave them.
	if err := keystore.NewWithBackend(w.keyring, time.Second).Set("ghost", keystore.RefreshToken, "stray-refresh-token"); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = w.run("logout", "--name", "ghost")
	if code != 3 || !strings.Contains(errOut, "removed any secrets it had left") {
		t.Errorf("logout of a stray: %d %q", code, errOut)
	}
	if _, err := keystore.NewWithBackend(w.keyring, time.Second).Get("ghost", keystore.RefreshToken); !errors.Is(err, keystore.ErrNotFound) {
		t.Errorf("stray secret still there: %v", err)
	}
}

// The UI warns on stderr, as every other command does, about a profile without TLS validation; the warning
// stays on the terminal after the UI's screen is gone.
func TestUIWarnsAboutSkippedTLSValidation(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	w := newWorkstation(t)
	w.mustRun("login", "-a", f.url, "-u", "admin", "-p", f.fake.Password("admin"), "--name", "lab", "--skip-ssl-validation")
	var out, errOut bytes.Buffer
	a := testApp(strings.NewReader("q"), &out, &errOut, func(k string) string { return w.env[k] })
	a.stdinTTY, a.stdoutTTY = true, true
	a.keyring = func(timeout time.Duration) *keystore.Keyring { return keystore.NewWithBackend(w.keyring, timeout) }
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if code := Main(ctx, []string{"--refresh", "0"}, a); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "warning: TLS certificate validation is off for "+f.url) {
		t.Errorf("stderr: %q", errOut.String())
	}
}

// Flags that would change nothing are refused, so a user never believes one took effect.
func TestIneffectiveFlagCombinations(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	w := newWorkstation(t)
	w.mustRun("login", "-a", f.url, "-u", "admin", "-p", f.fake.Password("admin"), "--name", "eu10")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"login", "-a", f.url, "--sso", "-u", "admin"}, "-u, -p and --password-stdin are for a username and password login"},
		{[]string{"login", "-a", f.url, "--client-credentials", "--client-id", "x", "--client-secret", "y", "-p", "z"}, "-u, -p and --password-stdin are for a username and password login"},
		{[]string{"login", "--from-cf-config", "-u", "admin"}, "-u, -p and --password-stdin are for a username and password login"},
		{[]string{"login", "--from-cf-config", "--skip-ssl-validation"}, "takes the TLS setting from the cf CLI config"},
		{[]string{"login", "-a", f.url, "--sso", "--client-credentials"}, "choose one of"},
		{[]string{"login", "-a", f.url, "--client-id", "x"}, "need --client-credentials"},
		{[]string{"scan", "--profile", "eu10", "--skip-ssl-validation"}, "--skip-ssl-validation applies to --api"},
		{[]string{"scan", "--skip-ssl-validation"}, "--skip-ssl-validation applies to --api"},
		{[]string{"scan", "--all-profiles", "--skip-ssl-validation"}, "--skip-ssl-validation applies to --api"},
		{[]string{"find", "x", "--skip-ssl-validation"}, "--skip-ssl-validation applies to --api"},
	} {
		_, errOut, code := w.run(tc.args...)
		if code != 3 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q", tc.args, code, errOut)
		}
	}
}

// profiles --check asks each foundation: a session the foundation revoked shows up as expired, although the
// keyring alone still holds a token for it.
func TestProfilesCheck(t *testing.T) {
	t.Parallel()
	f1, f2 := newTestFoundation(t, cffake.DemoData), newTestFoundation(t, cffake.DemoData)
	w := newWorkstation(t)
	w.mustRun("login", "-a", f1.url, "-u", "admin", "-p", f1.fake.Password("admin"), "--name", "one")
	w.mustRun("login", "-a", f2.url, "-u", "admin", "-p", f2.fake.Password("admin"), "--name", "two")
	f2.fake.RevokeAccessTokens()
	f2.fake.RevokeRefreshTokens()
	out := w.mustRun("profiles")
	if strings.Contains(out, "CHECK") || strings.Count(out, "access token until") != 2 {
		t.Errorf("profiles without --check:\n%s", out)
	}
	out = w.mustRun("profiles", "--check")
	if l := lineWith(out, "one "); !strings.HasSuffix(l, "  ok") {
		t.Errorf("one: %q", l)
	}
	if l := lineWith(out, "two "); !strings.HasSuffix(l, "session expired: run cfkeys login --name two") {
		t.Errorf("two: %q\n%s", l, out)
	}
}

func lineWith(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return strings.TrimRight(l, " ")
		}
	}
	return ""
}

// TestLoginSecretsOffTheCommandLine holds issue 8 item 11: -p and --client-secret warn that the process list
// shows them; --password-stdin and --client-secret-stdin read the secret from stdin instead.
func TestLoginSecretsOffTheCommandLine(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	pw, secret := f.fake.Password(cffake.AdminUser), f.fake.ClientSecret(cffake.MonitorClient)
	const warning = "can be read by other users of this machine in the process list"

	t.Run("arguments warn", func(t *testing.T) {
		w := newWorkstation(t)
		_, errOut, code := w.run("login", "-a", f.url, "-u", cffake.AdminUser, "-p", pw, "--name", "a")
		if code != 0 || !strings.Contains(errOut, "-p/--password on the command line "+warning) || !strings.Contains(errOut, "--password-stdin") {
			t.Errorf("-p: exit %d, stderr %q", code, errOut)
		}
		_, errOut, code = w.run("login", "-a", f.url, "--client-credentials", "--client-id", cffake.MonitorClient, "--client-secret", secret, "--name", "b")
		if code != 0 || !strings.Contains(errOut, "--client-secret on the command line "+warning) || !strings.Contains(errOut, "--client-secret-stdin") {
			t.Errorf("--client-secret: exit %d, stderr %q", code, errOut)
		}
		if strings.Contains(errOut, secret) {
			t.Error("the warning quotes the secret")
		}
	})

	t.Run("stdin, piped or on a terminal", func(t *testing.T) {
		for _, tty := range []bool{false, true} {
			w := newWorkstation(t)
			w.stdinTTY = tty
			w.stdin = pw + "\r\nrest of the input\n"
			_, errOut, code := w.run("login", "-a", f.url, "-u", cffake.AdminUser, "--password-stdin", "--name", "p")
			if code != 0 || strings.Contains(errOut, warning) || len(w.prompts) != 0 {
				t.Errorf("--password-stdin (tty %v): exit %d, stderr %q, prompts %q", tty, code, errOut, w.prompts)
			}
			w.stdin = secret // no line break at the end
			_, errOut, code = w.run("login", "-a", f.url, "--client-credentials", "--client-id", cffake.MonitorClient, "--client-secret-stdin", "--name", "c")
			if code != 0 || strings.Contains(errOut, warning) || len(w.prompts) != 0 {
				t.Errorf("--client-secret-stdin (tty %v): exit %d, stderr %q, prompts %q", tty, code, errOut, w.prompts)
			}
			if w.keyring.Entries()["cfkeys:c|client-secret"] != secret {
				t.Error("the client secret read from stdin is not the one stored")
			}
		}
	})

	t.Run("stdin with the username from the environment", func(t *testing.T) {
		w := newWorkstation(t)
		w.env["CF_USERNAME"] = cffake.AdminUser
		w.stdinTTY, w.stdin = true, pw+"\n"
		if _, errOut, code := w.run("login", "-a", f.url, "--password-stdin"); code != 0 || strings.Contains(errOut, "Username:") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})

	t.Run("mistakes", func(t *testing.T) {
		w := newWorkstation(t)
		for _, tc := range []struct {
			stdin string
			args  []string
			want  string
		}{
			{"", []string{"login", "-a", f.url, "-u", "admin", "--password-stdin"}, "stdin is empty"},
			{"x\n", []string{"login", "-a", f.url, "-u", "admin", "-p", "y", "--password-stdin"}, "not both"},
			{"x\n", []string{"login", "-a", f.url, "--client-credentials", "--client-id", "m", "--client-secret", "y", "--client-secret-stdin"}, "not both"},
			{"x\n", []string{"login", "-a", f.url, "--client-secret-stdin"}, "need --client-credentials"},
			{"x\n", []string{"login", "-a", f.url, "--sso", "--password-stdin"}, "are for a username and password login"},
			{pw + "\n", []string{"login", "-a", f.url, "--password-stdin"}, "needs a username and password"},
		} {
			w.stdin = tc.stdin
			if _, errOut, code := w.run(tc.args...); code != 3 || !strings.Contains(errOut, tc.want) {
				t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
			}
		}
	})
}
