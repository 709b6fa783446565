package cf

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

func TestGrants(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	tests := []struct {
		name     string
		creds    func() Credentials
		wantUser string
		wantErr  string
	}{
		{"password", func() Credentials { return f.password(cffake.AdminUser) }, cffake.AdminUser, ""},
		{"password with origin", func() Credentials {
			c := f.password(cffake.SSOUser)
			c.Origin = cffake.SSOOrigin
			return c
		}, cffake.SSOUser, ""},
		{"password with the wrong origin", func() Credentials {
			c := f.password(cffake.SSOUser)
			c.Origin = "uaa"
			return c
		}, "", "logging in (password grant): 401 unauthorized: Bad credentials"},
		{"wrong password", func() Credentials {
			return Credentials{Grant: GrantPassword, Username: cffake.AdminUser, Password: NewSecret("hunter2-wrong")}
		}, "", "logging in (password grant): 401 unauthorized: Bad credentials"},
		{"sso passcode", func() Credentials {
			return Credentials{Grant: GrantPasscode, Passcode: NewSecret(f.fake.Passcode(cffake.SSOUser))}
		}, cffake.SSOUser, ""},
		{"used passcode", func() Credentials {
			code := f.fake.Passcode(cffake.SSOUser)
			if _, err := NewUAA(f.srv.URL, f.srv.Client(), nil).Grant(context.Background(), Credentials{Grant: GrantPasscode, Passcode: NewSecret(code)}); err != nil {
				t.Fatal(err)
			}
			return Credentials{Grant: GrantPasscode, Passcode: NewSecret(code)}
		}, "", "logging in (passcode grant): 401 unauthorized: Bad credentials"},
		{"client credentials", func() Credentials {
			return Credentials{Grant: GrantClientCredentials, ClientID: cffake.MonitorClient, ClientSecret: NewSecret(f.fake.ClientSecret(cffake.MonitorClient))}
		}, "", ""},
		{"wrong client secret", func() Credentials {
			return Credentials{Grant: GrantClientCredentials, ClientID: cffake.MonitorClient, ClientSecret: NewSecret("not-the-secret")}
		}, "", "logging in (client_credentials grant): 401 unauthorized: Bad credentials"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			creds := tc.creds()
			c, sess, err := Login(context.Background(), f.srv.URL, creds, f.options())
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				var ae *AuthError
				if !errors.As(err, &ae) || !ae.Rejected() {
					t.Errorf("err %T is not a rejected *AuthError", err)
				}
				for _, secret := range []string{creds.Password.Reveal(), creds.ClientSecret.Reveal(), creds.Passcode.Reveal()} {
					if secret != "" && strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), secret) {
						t.Errorf("error %v reveals a secret", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			claims, ok := sess.Claims()
			if !ok || claims.UserName != tc.wantUser || claims.Expiry.IsZero() {
				t.Errorf("claims = %+v", claims)
			}
			if _, err := c.Organizations(context.Background()); err != nil {
				t.Errorf("first request: %v", err)
			}
		})
	}
}

func TestRefreshTokenGrant(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	_, sess := f.login(t, cffake.DeveloperUser, f.options())
	rt := sess.Token().RefreshToken
	c, _, err := Login(context.Background(), f.srv.URL, Credentials{Grant: GrantRefreshToken, RefreshToken: NewSecret(rt)}, f.options())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Organizations(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSessionRefreshesBeforeExpiry(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{TokenTTL: 20 * time.Minute})
	var stored []*oauth2.Token
	ep, err := Discover(context.Background(), f.srv.URL, f.options())
	if err != nil {
		t.Fatal(err)
	}
	c, sess, err := LoginAt(context.Background(), ep, f.password(cffake.DeveloperUser), f.options(), func(tok *oauth2.Token) { stored = append(stored, tok) })
	if err != nil {
		t.Fatal(err)
	}
	first := sess.Token().AccessToken
	tokens := f.fake.RouteRequests("POST /oauth/token")

	f.clock.Advance(18 * time.Minute) // 2 minutes left: still used as is
	if _, err := c.Organizations(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.fake.RouteRequests("POST /oauth/token") != tokens || sess.Token().AccessToken != first {
		t.Fatal("refreshed a token with two minutes left")
	}
	f.clock.Advance(90 * time.Second) // 30 seconds left: refreshed before use
	if _, err := c.Organizations(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.fake.RouteRequests("POST /oauth/token") != tokens+1 || sess.Token().AccessToken == first {
		t.Fatal("did not refresh a token with 30 seconds left")
	}
	if len(stored) != 2 || stored[1].AccessToken != sess.Token().AccessToken || stored[1].RefreshToken == "" {
		t.Errorf("onToken saw %d tokens", len(stored))
	}
}

func TestSessionRecoversFromRevokedToken(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	f.fake.RevokeAccessTokens()
	tokens := f.fake.RouteRequests("POST /oauth/token")
	if _, err := c.Organizations(context.Background()); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if got := f.fake.RouteRequests("POST /oauth/token") - tokens; got != 1 {
		t.Errorf("token requests after a 401 = %d, want 1", got)
	}
	// A 401 that a fresh token does not cure is reported, not retried for ever.
	f.fake.Inject(cffake.Fault{Method: "GET", PathPrefix: "/v3/organizations", Status: 401, ContentType: "application/json",
		Body: `{"errors":[{"detail":"Invalid Auth Token","title":"CF-InvalidAuthToken","code":1000}]}`})
	_, err := c.Organizations(context.Background())
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != 401 || !api.Has(TitleInvalidAuthToken) {
		t.Fatalf("err = %v", err)
	}
}

func TestSessionExpired(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	logged, sess := f.login(t, cffake.DeveloperUser, f.options())
	// A stored session: tokens only, no password to log in again with.
	c, _, err := Resume(logged.Endpoints(), sess.Token(), Credentials{Grant: GrantPassword, Username: cffake.DeveloperUser}, f.options(), nil)
	if err != nil {
		t.Fatal(err)
	}
	f.fake.RevokeAccessTokens()
	f.fake.RevokeRefreshTokens()
	_, err = c.Organizations(context.Background())
	if !errors.Is(err, ErrSessionExpired) {
		t.Fatalf("err = %v, want ErrSessionExpired", err)
	}
	if strings.Contains(err.Error(), f.fake.Password(cffake.DeveloperUser)) {
		t.Error("error reveals the password")
	}
}

func TestSessionLogsInAgainWithRememberedPassword(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	ep, _ := Discover(context.Background(), f.srv.URL, f.options())
	c, sess, err := LoginAt(context.Background(), ep, f.password(cffake.DeveloperUser), f.options(), nil)
	if err != nil {
		t.Fatal(err)
	}
	f.fake.RevokeAccessTokens()
	f.fake.RevokeRefreshTokens()
	if _, err := c.Organizations(context.Background()); err != nil {
		t.Fatalf("with a remembered password: %v", err)
	}
	if sess.Token().RefreshToken == "" {
		t.Error("no refresh token after logging in again")
	}
}

func TestClientCredentialsRegrant(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	creds := Credentials{Grant: GrantClientCredentials, ClientID: cffake.MonitorClient, ClientSecret: NewSecret(f.fake.ClientSecret(cffake.MonitorClient))}
	c, sess, err := Login(context.Background(), f.srv.URL, creds, f.options())
	if err != nil {
		t.Fatal(err)
	}
	if sess.Token().RefreshToken != "" {
		t.Error("client credentials got a refresh token")
	}
	f.clock.Advance(time.Hour)
	tokens := f.fake.RouteRequests("POST /oauth/token")
	if _, err := c.Organizations(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.fake.RouteRequests("POST /oauth/token") != tokens+1 {
		t.Error("did not re-run the client-credentials grant")
	}
	// Without the secret (e.g. a session imported from cf's config) the session cannot go on.
	_, noSecret, err := Resume(c.Endpoints(), sess.Token(), Credentials{Grant: GrantClientCredentials, ClientID: cffake.MonitorClient}, f.options(), nil)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	if _, err := noSecret.AccessToken(context.Background()); !errors.Is(err, ErrSessionExpired) {
		t.Errorf("err = %v, want ErrSessionExpired", err)
	}
}

func TestLoginInfo(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	li, err := NewUAA(f.srv.URL, f.srv.Client(), nil).LoginInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, ok := li.PasscodePrompt()
	if !ok || !strings.Contains(p, f.srv.URL+"/passcode") {
		t.Errorf("passcode prompt = %q", p)
	}
}

func TestUAAUnreachable(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	ep, _ := Discover(context.Background(), f.srv.URL, f.options())
	ep.Login = "http://127.0.0.1:1" // nothing listens there
	_, _, err := LoginAt(context.Background(), ep, f.password(cffake.AdminUser), f.options(), nil)
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Err == nil || ae.Rejected() || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseTokenClaims(t *testing.T) {
	t.Parallel()
	// header.payload.signature with payload {"exp":1714642500,"user_name":"jane","client_id":"cf","scope":["a"]}
	tok := "eyJhbGciOiJub25lIn0.eyJleHAiOjE3MTQ2NDI1MDAsInVzZXJfbmFtZSI6ImphbmUiLCJjbGllbnRfaWQiOiJjZiIsInNjb3BlIjpbImEiXX0.c2ln"
	for _, in := range []string{tok, "bearer " + tok, "Bearer " + tok} {
		c, ok := ParseTokenClaims(in)
		if !ok || c.UserName != "jane" || c.ClientID != "cf" || !c.Expiry.Equal(time.Unix(1714642500, 0)) || len(c.Scopes) != 1 {
			t.Errorf("ParseTokenClaims(%.20s…) = %+v, %v", in, c, ok)
		}
	}
	for _, bad := range []string{"", "opaque-token", "a.b", "a.!!!.c", "a.bm90IGpzb24.c"} {
		if _, ok := ParseTokenClaims(bad); ok {
			t.Errorf("ParseTokenClaims(%q) accepted", bad)
		}
	}
}

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	s := NewSecret("hunter2")
	type holder struct {
		Name string
		Pass Secret
	}
	h := holder{"x", s}
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q %x", s, s, s, s, s, s), fmt.Sprintf("%+v %#v", h, h), errors.New(fmt.Sprint(h)).Error()} {
		if strings.Contains(out, "hunter2") || strings.Contains(out, "68756e74657232") {
			t.Errorf("secret printed: %s", out)
		}
	}
	if s.Reveal() != "hunter2" {
		t.Error("Reveal lost the value")
	}
}

// Stored credentials that UAA no longer accepts (a rotated client secret, a changed password) end the session:
// the user is told to log in again, not shown a bare "Bad credentials".
func TestRejectedStoredCredentialsExpireTheSession(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	creds := Credentials{Grant: GrantClientCredentials, ClientID: cffake.MonitorClient, ClientSecret: NewSecret(f.fake.ClientSecret(cffake.MonitorClient))}
	c, sess, err := Login(context.Background(), f.srv.URL, creds, f.options())
	if err != nil {
		t.Fatal(err)
	}
	rotated := creds
	rotated.ClientSecret = NewSecret("rotated-away-secret")
	_, stored, err := Resume(c.Endpoints(), sess.Token(), rotated, f.options(), nil)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	_, err = stored.AccessToken(context.Background())
	if !errors.Is(err, ErrSessionExpired) || !strings.Contains(err.Error(), "the stored client secret was rejected") {
		t.Errorf("rotated client secret: %v", err)
	}

	logged, usess := f.login(t, cffake.DeveloperUser, f.options())
	changed := Credentials{Grant: GrantPassword, Username: cffake.DeveloperUser, Password: NewSecret("an-old-password")}
	_, remembered, err := Resume(logged.Endpoints(), usess.Token(), changed, f.options(), nil)
	if err != nil {
		t.Fatal(err)
	}
	f.fake.RevokeRefreshTokens()
	f.clock.Advance(time.Hour)
	_, err = remembered.AccessToken(context.Background())
	if !errors.Is(err, ErrSessionExpired) || !strings.Contains(err.Error(), "the remembered password was rejected") {
		t.Errorf("changed password: %v", err)
	}
	for _, s := range []string{"rotated-away-secret", "an-old-password"} {
		if err != nil && strings.Contains(err.Error(), s) {
			t.Errorf("error shows %q", s)
		}
	}
}
