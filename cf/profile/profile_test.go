package profile

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/keystore"
)

func newKeyring() (*keystore.Keyring, *keystore.Memory) {
	b := keystore.NewMemory()
	return keystore.NewWithBackend(b, time.Second), b
}

func TestConfigSaveLoad(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "cfkeys")
	c, err := Load(dir)
	if err != nil || len(c.Profiles) != 0 {
		t.Fatalf("missing file: %v %v", c, err)
	}
	c.Put(Profile{Name: "us10", API: "https://api.cf.us10.hana.ondemand.com", Grant: cf.GrantPassword, Username: "jane"})
	c.Put(Profile{Name: "eu10", API: "https://api.cf.eu10.hana.ondemand.com", Grant: cf.GrantClientCredentials, ClientID: "monitor"})
	if err := c.Save(dir); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, "profiles.json"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v, %v", info.Mode(), err)
	}
	if d, _ := os.Stat(dir); d.Mode().Perm() != 0o700 {
		t.Errorf("dir mode = %v", d.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	back, err := Load(dir)
	if err != nil || strings.Join(back.Names(), ",") != "eu10,us10" || back.Current != "eu10" {
		t.Fatalf("loaded %+v %v", back, err)
	}
	p, err := back.Default()
	if err != nil || p.Name != "eu10" || p.Principal() != "monitor" {
		t.Errorf("default = %+v %v", p, err)
	}
	back.Remove("eu10")
	if p, err := back.Default(); err != nil || p.Name != "us10" {
		t.Errorf("after removing the current one: %+v %v", p, err)
	}
	back.Remove("us10")
	if _, err := back.Default(); err == nil || !strings.Contains(err.Error(), "cfkeys login -a API") {
		t.Errorf("no profiles: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "profiles.json"), []byte("{nope"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "not a cfkeys profile file") {
		t.Errorf("corrupt file: %v", err)
	}
}

func TestDefaultWithSeveral(t *testing.T) {
	t.Parallel()
	c := &Config{Profiles: []Profile{{Name: "a"}, {Name: "b"}}}
	if _, err := c.Default(); err == nil || err.Error() != "logged in to 2 foundations (a, b): choose one with --profile NAME" {
		t.Errorf("err = %v", err)
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	if got := DefaultName("https://api.cf.eu10.hana.ondemand.com"); got != "api.cf.eu10.hana.ondemand.com" {
		t.Errorf("DefaultName = %s", got)
	}
	for _, ok := range []string{"eu10", "api.cf.eu10.hana.ondemand.com", "127.0.0.1:8080", "prod_eu-10"} {
		if err := ValidName(ok); err != nil {
			t.Errorf("ValidName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "x/y", "\x1b[31m", strings.Repeat("x", 101)} {
		if ValidName(bad) == nil {
			t.Errorf("ValidName(%q) accepted", bad)
		}
	}
}

// jwt builds an unsigned JWT with the given payload.
func jwt(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(payload)) + ".c2ln"
}

func TestStoreLoginAndOpen(t *testing.T) {
	t.Parallel()
	k, b := newKeyring()
	p := Profile{Name: "eu10", API: "https://api.example.org", Login: "https://login.example.org", Grant: cf.GrantPassword, Username: "jane", RememberPassword: true}
	access := jwt(`{"exp":1795340000,"user_name":"jane"}`)
	tok := &oauth2.Token{AccessToken: access, RefreshToken: "rt-r"}
	creds := cf.Credentials{Grant: cf.GrantPassword, Username: "jane", Password: cf.NewSecret("pw")}
	if err := StoreLogin(k, p, tok, creds); err != nil {
		t.Fatal(err)
	}
	if b.Entries()["cfkeys:eu10|refresh-token"] != "rt-r" || b.Entries()["cfkeys:eu10|access-token"] != access || b.Entries()["cfkeys:eu10|password"] != "pw" {
		t.Errorf("keyring = %v", b.Entries())
	}
	s, err := Open(p, k, cf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Session.Token(); got.AccessToken != access || got.RefreshToken != "rt-r" || got.Expiry.Unix() != 1795340000 {
		t.Errorf("resumed token = %+v", got)
	}
	// Logging in again without remembering the password removes the old one.
	p.RememberPassword = false
	if err := StoreLogin(k, p, tok, creds); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Entries()["cfkeys:eu10|password"]; ok {
		t.Error("password kept after a login without --remember-password")
	}
}

func TestStoreTooBig(t *testing.T) {
	t.Parallel()
	k, b := newKeyring()
	b.MaxSize = 2560
	p := Profile{Name: "eu10", Grant: cf.GrantPassword}
	big := strings.Repeat("a", 3000)
	if err := StoreLogin(k, p, &oauth2.Token{AccessToken: big, RefreshToken: "rt"}, cf.Credentials{}); err != nil {
		t.Fatalf("a large access token is only a cache: %v", err)
	}
	if _, ok := b.Entries()["cfkeys:eu10|access-token"]; ok || b.Entries()["cfkeys:eu10|refresh-token"] != "rt" {
		t.Errorf("keyring = %v", b.Entries())
	}
	err := StoreLogin(k, p, &oauth2.Token{AccessToken: "a", RefreshToken: big}, cf.Credentials{})
	if !keystore.IsTooBig(err) || !strings.Contains(err.Error(), "refresh-token of 3000 bytes") {
		t.Errorf("large refresh token: %v", err)
	}
}

func TestOpenWithoutSession(t *testing.T) {
	t.Parallel()
	k, _ := newKeyring()
	_, err := Open(Profile{Name: "gone", Grant: cf.GrantPassword, API: "https://api.x"}, k, cf.Options{})
	var ee *ExpiredError
	if !errors.As(err, &ee) || !errors.Is(err, cf.ErrSessionExpired) || err.Error() != "session expired: run cfkeys login --name gone" {
		t.Errorf("err = %v", err)
	}
}

func TestImportCFConfig(t *testing.T) {
	t.Parallel()
	c, err := ReadCFConfig("testdata/cf_config_json_v4_realistic.json")
	if err != nil {
		t.Fatal(err)
	}
	p, tok, creds, err := c.Import("", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "api.cf.eu10.hana.ondemand.com" || p.API != "https://api.cf.eu10.hana.ondemand.com" || p.Login != "https://login.cf.eu10.hana.ondemand.com" ||
		p.UAA != "https://uaa.cf.eu10.hana.ondemand.com" || p.Grant != cf.GrantPassword || p.ImportedFrom == "" || creds.Grant != cf.GrantPassword {
		t.Errorf("profile = %+v", p)
	}
	if strings.HasPrefix(tok.AccessToken, "bearer") || tok.RefreshToken != "3f1c2b9a8e7d4c6b5a4f3e2d1c0b9a87-r" {
		t.Errorf("token = %+v", tok)
	}
	ex, err := ReadCFConfig("testdata/cf_config_json_v4_example.json")
	if err != nil {
		t.Fatal(err)
	}
	p, _, _, err = ex.Import("mine", time.Now())
	if err != nil || p.Name != "mine" || p.API != "https://api.example.com" || p.Login != "https://auth.example.com" {
		t.Errorf("example: %+v %v", p, err)
	}
	dir := t.TempDir()
	for name, body := range map[string]string{
		"v3":        `{"ConfigVersion":3,"Target":"https://api.x","AccessToken":"bearer x"}`,
		"no target": `{"ConfigVersion":4,"AccessToken":"bearer x"}`,
		"no tokens": `{"ConfigVersion":4,"Target":"https://api.x"}`,
		"not json":  `{`,
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		_ = os.WriteFile(path, []byte(body), 0o600)
		if _, err := ReadCFConfig(path); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	cc := CFConfig{ConfigVersion: 4, Target: "https://api.x", AuthorizationEndpoint: "https://login.x", AccessToken: "bearer " + jwt(`{"client_id":"monitor","exp":1}`), UAAGrantType: "client_credentials", UAAOAuthClient: "monitor"}
	p, _, creds, err = cc.Import("", time.Now())
	if err != nil || p.Grant != cf.GrantClientCredentials || p.ClientID != "monitor" || !creds.ClientSecret.IsZero() {
		t.Errorf("client credentials: %+v %v", p, err)
	}
}

func TestCFConfigPath(t *testing.T) {
	t.Parallel()
	env := map[string]string{"CF_HOME": "/srv/cf"}
	if p, _ := CFConfigPath("", func(k string) string { return env[k] }); p != filepath.Join("/srv/cf", ".cf", "config.json") {
		t.Errorf("CF_HOME: %s", p)
	}
	if p, _ := CFConfigPath("/opt/x", func(k string) string { return env[k] }); p != filepath.Join("/opt/x", ".cf", "config.json") {
		t.Errorf("flag: %s", p)
	}
}
