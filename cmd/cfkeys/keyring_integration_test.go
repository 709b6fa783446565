package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/keystore"
)

// TestKeyringIntegration runs the transcripts in testdata/keyring: the cfkeys binary against a real Secret
// Service. It needs one: run it as
//
//	.ci/with-keyring.sh env CFKEYS_KEYRING_TEST=1 go test ./cmd/cfkeys -run KeyringIntegration
//
// The scripts log in to fake foundations that run in this test process on the real clock (the binary's), check
// what went to the keyring and that no file holds a secret, scan from new processes without logging in again,
// import a cf CLI session and log out.
func TestKeyringIntegration(t *testing.T) {
	if os.Getenv("CFKEYS_KEYRING_TEST") != "1" {
		t.Skip("needs a Secret Service: .ci/with-keyring.sh env CFKEYS_KEYRING_TEST=1 go test ./cmd/cfkeys -run KeyringIntegration")
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "keyring"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("CFKEYS_CONFIG_DIR", filepath.Join(env.WorkDir, "config"))
			env.Setenv("DBUS_SESSION_BUS_ADDRESS", os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
			env.Setenv("CFKEYS_KEYRING_TIMEOUT", "20s")
			// The Secret Service outlives the script: the profile names it may use are its own, and whatever they
			// left there is removed at its end, whether the script got to its logout or not.
			run := time.Now().Format("150405.000000")
			s := &keyringScript{foundations: map[string]*cffake.Server{}, keyring: keystore.New(20 * time.Second)}
			for _, v := range []string{"ONE", "TWO", "IMPORTED"} {
				name := "it-" + strings.ToLower(v) + "-" + run
				env.Setenv(v, name)
				s.profiles = append(s.profiles, name)
			}
			env.Values[keyringScriptKey{}] = s
			env.Defer(func() {
				for _, p := range s.profiles {
					_ = s.keyring.DeleteProfile(p)
				}
			})
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":          cmdExits,
			"foundation":     cmdFoundation,
			"token-requests": cmdTokenRequests,
			"keyring-has":    cmdKeyringHas,
			"no-secrets-in":  cmdNoSecretsIn,
			"cf-config":      cmdCFConfig,
		},
	})
}

// keyringScriptKey finds a script's keyringScript among its values.
type keyringScriptKey struct{}

// keyringScript is what the commands of one keyring script share.
type keyringScript struct {
	foundations map[string]*cffake.Server
	keyring     *keystore.Keyring
	profiles    []string // $ONE, $TWO, $IMPORTED
}

// scriptState returns what the commands of ts share.
func scriptState(ts *testscript.TestScript) *keyringScript {
	return ts.Value(keyringScriptKey{}).(*keyringScript)
}

// cmdFoundation serves a fake foundation on the real clock and sets $NAME_API, $NAME_ADMIN_PASSWORD and
// $NAME_DEV_PASSWORD (NAME upper-cased).
func cmdFoundation(ts *testscript.TestScript, neg bool, args []string) {
	s := scriptState(ts)
	if neg || len(args) != 1 || s.foundations[args[0]] != nil {
		ts.Fatalf("usage: foundation NAME (a new name)")
	}
	fake, err := cffake.New(cffake.Options{Clock: time.Now, Data: cffake.DemoData})
	ts.Check(err)
	srv := httptest.NewServer(fake)
	ts.Defer(srv.Close)
	s.foundations[args[0]] = fake
	prefix := strings.ToUpper(args[0]) + "_"
	ts.Setenv(prefix+"API", srv.URL)
	ts.Setenv(prefix+"ADMIN_PASSWORD", fake.Password(cffake.AdminUser))
	ts.Setenv(prefix+"DEV_PASSWORD", fake.Password(cffake.DeveloperUser))
}

// cmdTokenRequests prints how many token requests the foundation has answered.
func cmdTokenRequests(ts *testscript.TestScript, neg bool, args []string) {
	s := scriptState(ts)
	if neg || len(args) != 1 || s.foundations[args[0]] == nil {
		ts.Fatalf("usage: token-requests FOUNDATION")
	}
	fmt.Fprintln(ts.Stdout(), s.foundations[args[0]].RouteRequests("POST /oauth/token"))
}

// cmdKeyringHas checks that the Secret Service holds each KIND of PROFILE's secrets (refresh-token,
// access-token, client-secret, password), with VALUE where KIND=VALUE says so. Negated, it checks that it holds
// none of them.
func cmdKeyringHas(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: [!] keyring-has PROFILE KIND[=VALUE]...")
	}
	k := scriptState(ts).keyring
	for _, a := range args[1:] {
		kind, want, withValue := strings.Cut(a, "=")
		got, err := k.Get(args[0], keystore.Kind(kind))
		switch {
		case neg && !errors.Is(err, keystore.ErrNotFound):
			ts.Fatalf("the keyring holds %s of %s (%v)", kind, args[0], err)
		case neg:
		case err != nil || got == "":
			ts.Fatalf("no %s of %s in the keyring: %v", kind, args[0], err)
		case withValue && got != want:
			ts.Fatalf("the %s of %s in the keyring is not the one expected", kind, args[0])
		}
	}
}

// cmdNoSecretsIn checks that no file under DIR holds a secret: none of the foundations' passwords, client
// secrets, private keys or issued tokens, nor anything the script's profiles keep in the keyring.
func cmdNoSecretsIn(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: no-secrets-in DIR")
	}
	s := scriptState(ts)
	var secrets []string
	for _, f := range s.foundations {
		secrets = append(secrets, f.Secrets()...)
	}
	for _, p := range s.profiles {
		for _, kind := range keystore.Kinds {
			if v, err := s.keyring.Get(p, kind); err == nil {
				secrets = append(secrets, v)
			}
		}
	}
	if len(secrets) < 10 {
		ts.Fatalf("only %d secrets to look for", len(secrets))
	}
	files := 0
	ts.Check(filepath.WalkDir(ts.MkAbs(args[0]), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, secret := range secrets {
			if len(secret) >= 8 && strings.Contains(string(b), secret) {
				ts.Fatalf("%s holds a secret", path)
			}
		}
		return nil
	}))
	if files == 0 {
		ts.Fatalf("no file under %s to look in", args[0])
	}
}

// cmdCFConfig writes the config.json a cf CLI logged in to FOUNDATION would have left in CFHOME/.cf, with the
// session PROFILE keeps in the keyring.
func cmdCFConfig(ts *testscript.TestScript, neg bool, args []string) {
	s := scriptState(ts)
	if neg || len(args) != 3 || s.foundations[args[1]] == nil {
		ts.Fatalf("usage: cf-config PROFILE FOUNDATION CFHOME")
	}
	access, err := s.keyring.Get(args[0], keystore.AccessToken)
	ts.Check(err)
	refresh, err := s.keyring.Get(args[0], keystore.RefreshToken)
	ts.Check(err)
	api := ts.Getenv(strings.ToUpper(args[1]) + "_API")
	cfg, err := json.Marshal(map[string]any{"ConfigVersion": 4, "Target": api, "AuthorizationEndpoint": api, "UaaEndpoint": api,
		"AccessToken": "bearer " + access, "RefreshToken": refresh, "UAAGrantType": "", "UAAOAuthClient": "cf"})
	ts.Check(err)
	dir := filepath.Join(ts.MkAbs(args[2]), ".cf")
	ts.Check(os.MkdirAll(dir, 0o700))
	ts.Check(os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o600))
}
