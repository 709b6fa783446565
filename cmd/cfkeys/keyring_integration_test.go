package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/keystore"
)

// TestKeyringIntegration runs the built binary against a real Secret Service. It needs one: run it as
//
//	.ci/with-keyring.sh env CFKEYS_KEYRING_TEST=1 go test ./cmd/cfkeys -run KeyringIntegration
//
// It logs in to two fake foundations, checks the secrets are in the keyring and in no file under the config
// directory, scans from new processes without logging in again (one foundation, then all), imports a cf CLI
// session, then logs out and checks the entries are gone.
func TestKeyringIntegration(t *testing.T) {
	if os.Getenv("CFKEYS_KEYRING_TEST") != "1" {
		t.Skip("needs a Secret Service: .ci/with-keyring.sh env CFKEYS_KEYRING_TEST=1 go test ./cmd/cfkeys -run KeyringIntegration")
	}
	// The binary runs on the real clock, so its fakes do too (a fake on testNow issues tokens the binary sees as
	// expired from the day after the test was written).
	f1 := newLiveFoundation(t, cffake.DemoData)
	f2 := newLiveFoundation(t, cffake.DemoData)
	configDir := filepath.Join(t.TempDir(), "config")
	env := []string{"CFKEYS_CONFIG_DIR=" + configDir, "DBUS_SESSION_BUS_ADDRESS=" + os.Getenv("DBUS_SESSION_BUS_ADDRESS"), "CFKEYS_KEYRING_TIMEOUT=20s"}
	suffix := time.Now().Format("150405.000000")
	one, two := "it-one-"+suffix, "it-two-"+suffix
	run := func(want int, args ...string) string {
		t.Helper()
		out, errOut, code := cfkeysRun(t, env, args...)
		if code != want {
			t.Fatalf("cfkeys %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, errOut)
		}
		return out
	}
	k := keystore.New(20 * time.Second)
	t.Cleanup(func() {
		for _, n := range []string{one, two, "it-cf-" + suffix} {
			_ = k.DeleteProfile(n)
		}
	})

	run(0, "login", "-a", f1.url, "--name", one, "-u", cffake.AdminUser, "-p", f1.fake.Password(cffake.AdminUser))
	run(0, "login", "-a", f2.url, "--name", two, "-u", cffake.DeveloperUser, "-p", f2.fake.Password(cffake.DeveloperUser), "--remember-password")

	var stored []string
	for _, n := range []string{one, two} {
		for _, kind := range []keystore.Kind{keystore.RefreshToken, keystore.AccessToken} {
			v, err := k.Get(n, kind)
			if err != nil || v == "" {
				t.Fatalf("%s %s not in the Secret Service: %v", n, kind, err)
			}
			stored = append(stored, v)
		}
	}
	if pw, err := k.Get(two, keystore.Password); err != nil || pw != f2.fake.Password(cffake.DeveloperUser) {
		t.Errorf("remembered password: %v", err)
	}
	if _, err := k.Get(one, keystore.Password); !errors.Is(err, keystore.ErrNotFound) {
		t.Errorf("a password was stored without --remember-password: %v", err)
	}
	secrets := append(append(stored, f1.fake.Secrets()...), f2.fake.Secrets()...)
	_ = filepath.WalkDir(configDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		for _, s := range secrets {
			if len(s) >= 8 && strings.Contains(string(b), s) {
				t.Errorf("%s holds a secret", path)
			}
		}
		return nil
	})

	// New processes: no login, no token request.
	tokens := f1.fake.RouteRequests("POST /oauth/token")
	run(2, "scan", "--profile", one)
	if f1.fake.RouteRequests("POST /oauth/token") != tokens {
		t.Error("scan --profile logged in again")
	}
	out := run(2, "scan", "--all-profiles", "--output", "json")
	var doc struct{ Keys []any }
	if json.Unmarshal([]byte(out), &doc) != nil || len(doc.Keys) != 44 {
		t.Errorf("all profiles: %d keys", len(doc.Keys))
	}
	if out := run(0, "profiles"); !strings.Contains(out, one) || !strings.Contains(out, two+" *") || !strings.Contains(out, "access token until") {
		t.Errorf("profiles:\n%s", out)
	}

	// Import the session the cf CLI would have left behind for f1.
	access, _ := k.Get(one, keystore.AccessToken)
	refresh, _ := k.Get(one, keystore.RefreshToken)
	cfHome := t.TempDir()
	_ = os.MkdirAll(filepath.Join(cfHome, ".cf"), 0o700)
	cfg, _ := json.Marshal(map[string]any{"ConfigVersion": 4, "Target": f1.url, "AuthorizationEndpoint": f1.url, "UaaEndpoint": f1.url,
		"AccessToken": "bearer " + access, "RefreshToken": refresh, "UAAGrantType": "", "UAAOAuthClient": "cf"})
	if err := os.WriteFile(filepath.Join(cfHome, ".cf", "config.json"), cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	run(0, "login", "--from-cf-config", "--cf-home", cfHome, "--name", "it-cf-"+suffix)
	run(2, "scan", "--profile", "it-cf-"+suffix)

	run(0, "logout", "--all")
	for _, n := range []string{one, two, "it-cf-" + suffix} {
		for _, kind := range keystore.Kinds {
			if _, err := k.Get(n, kind); !errors.Is(err, keystore.ErrNotFound) {
				t.Errorf("%s %s still in the keyring after logout: %v", n, kind, err)
			}
		}
	}
	if out := run(0, "profiles"); !strings.Contains(out, "Not logged in") {
		t.Errorf("profiles after logout:\n%s", out)
	}
}

// cfkeysRun runs the cfkeys binary (the copy of this test binary TestMain puts on PATH) with the given
// environment and nothing else of ours but PATH and a fresh HOME.
func cfkeysRun(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command("cfkeys", args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}
