package cf

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// hangGuard is how long a test waits for something that must not block before calling it a deadlock.
const hangGuard = 10 * time.Second

// within runs f in a goroutine and fails the test if it has not returned after hangGuard.
func within(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(hangGuard):
		t.Fatalf("%s did not return within %s: deadlock?", what, hangGuard)
		return nil
	}
}

// unsignedJWT builds a JWT-shaped token with the given claims payload.
func unsignedJWT(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(payload)) + ".c2ln"
}

func TestOnTokenMayCallBackIntoSession(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{TokenTTL: 20 * time.Minute})
	logged, first := f.login(t, cffake.DeveloperUser, f.options())

	var sess *Session // set before any renewal can call onToken
	var seen []string // written by onToken only, read after the renewals returned
	onToken := func(tok *oauth2.Token) {
		cur := sess.Token()
		claims, ok := sess.Claims()
		if cur.AccessToken != tok.AccessToken || !ok || claims.UserName != cffake.DeveloperUser {
			t.Errorf("inside onToken: Token() = %.12s…, Claims() = %+v, %v", cur.AccessToken, claims, ok)
		}
		seen = append(seen, tok.AccessToken)
	}
	c, s, err := Resume(logged.Endpoints(), first.Token(), f.password(cffake.DeveloperUser), f.options(), onToken)
	if err != nil {
		t.Fatal(err)
	}
	sess = s

	// An explicit refresh, then one the session decides on before a request.
	if err := within(t, "Refresh with a re-entrant onToken", func() error { return sess.Refresh(context.Background()) }); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(19*time.Minute + 30*time.Second)
	if err := within(t, "a request whose token refresh calls a re-entrant onToken", func() error {
		_, err := c.Organizations(context.Background())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[1] != sess.Token().AccessToken || seen[0] == seen[1] {
		t.Errorf("onToken saw %d tokens", len(seen))
	}
}

func TestSlowOnTokenDoesNotStallRequests(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	logged, first := f.login(t, cffake.DeveloperUser, f.options())
	entered := make(chan *oauth2.Token, 1)
	release := make(chan struct{})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	// A keyring write that takes as long as the test wants.
	onToken := func(tok *oauth2.Token) {
		entered <- tok
		<-release
	}
	c, sess, err := Resume(logged.Endpoints(), first.Token(), f.password(cffake.DeveloperUser), f.options(), onToken)
	if err != nil {
		t.Fatal(err)
	}
	refreshed := make(chan error, 1)
	go func() { refreshed <- sess.Refresh(context.Background()) }()
	var renewed *oauth2.Token
	select {
	case renewed = <-entered:
	case <-time.After(hangGuard):
		t.Fatal("onToken was not called")
	}

	// onToken is still running: the session must serve tokens and requests meanwhile.
	if err := within(t, "a request while onToken is busy", func() error {
		if got, err := sess.AccessToken(context.Background()); err != nil || got != renewed.AccessToken {
			return errors.Join(err, errors.New("AccessToken is not the renewed token"))
		}
		_, err := c.Organizations(context.Background())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := within(t, "Refresh", func() error { return <-refreshed }); err != nil {
		t.Fatal(err)
	}
}

func TestLoginAtReportsFirstToken(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	ep, err := Discover(context.Background(), f.srv.URL, f.options())
	if err != nil {
		t.Fatal(err)
	}
	var stored []*oauth2.Token
	_, sess, err := LoginAt(context.Background(), ep, f.password(cffake.DeveloperUser), f.options(), func(tok *oauth2.Token) { stored = append(stored, tok) })
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || stored[0].AccessToken != sess.Token().AccessToken || stored[0] == sess.tok {
		t.Errorf("onToken after login saw %d tokens (or the session's own)", len(stored))
	}
}

// TestNewSessionExpiry covers how a session decides whether a token it starts with can be used as is.
func TestNewSessionExpiry(t *testing.T) {
	t.Parallel()
	now := testNow
	exp := now.Add(10 * time.Minute)
	withExp := unsignedJWT(`{"exp":` + strconv.FormatInt(exp.Unix(), 10) + `,"user_name":"jane"}`)
	tests := []struct {
		name       string
		tok        *oauth2.Token
		wantExpiry time.Time
		wantValid  bool
	}{
		{"expiry given", &oauth2.Token{AccessToken: "opaque", Expiry: exp}, exp, true},
		{"expiry from the JWT", &oauth2.Token{AccessToken: withExp}, exp.UTC(), true},
		{"expiry given wins over the JWT", &oauth2.Token{AccessToken: withExp, Expiry: now.Add(30 * time.Second)}, now.Add(30 * time.Second), false},
		{"JWT about to expire", &oauth2.Token{AccessToken: unsignedJWT(`{"exp":` + strconv.FormatInt(now.Add(time.Minute/2).Unix(), 10) + `}`)}, now.Add(time.Minute / 2).UTC(), false},
		{"opaque token", &oauth2.Token{AccessToken: "opaque-token", RefreshToken: "rt"}, time.Time{}, false},
		{"JWT without exp", &oauth2.Token{AccessToken: unsignedJWT(`{"user_name":"jane"}`)}, time.Time{}, false},
		{"no access token", &oauth2.Token{RefreshToken: "rt"}, time.Time{}, false},
		{"no token", nil, time.Time{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var before oauth2.Token
			if tc.tok != nil {
				before = *tc.tok
			}
			s := NewSession(nil, Credentials{}, tc.tok, func() time.Time { return now }, nil)
			if got := s.Token().Expiry; !got.Equal(tc.wantExpiry) {
				t.Errorf("Expiry = %v, want %v", got, tc.wantExpiry)
			}
			s.mu.Lock()
			valid := s.validLocked()
			s.mu.Unlock()
			if valid != tc.wantValid {
				t.Errorf("valid = %v, want %v", valid, tc.wantValid)
			}
			s.Invalidate(before.AccessToken)
			if tc.tok != nil && *tc.tok != before {
				t.Errorf("the caller's token changed: %+v", tc.tok)
			}
		})
	}
}

func TestResumedTokenWithoutExpiryIsRefreshedInTime(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{TokenTTL: 20 * time.Minute})
	logged, first := f.login(t, cffake.DeveloperUser, f.options())
	stored := first.Token()
	claims, _ := ParseTokenClaims(stored.AccessToken)
	stored.Expiry = time.Time{} // as read back from a keyring: the access token alone
	c, sess, err := Resume(logged.Endpoints(), stored, Credentials{Grant: GrantPassword, Username: cffake.DeveloperUser}, f.options(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := sess.Token().Expiry; !got.Equal(claims.Expiry) || got.IsZero() {
		t.Fatalf("resumed Expiry = %v, want the JWT's exp %v", got, claims.Expiry)
	}
	tokens := f.fake.RouteRequests("POST /oauth/token")
	if _, err := c.Organizations(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.fake.RouteRequests("POST /oauth/token") != tokens {
		t.Fatal("refreshed a resumed token with 20 minutes left")
	}
	f.clock.Advance(19*time.Minute + 30*time.Second)
	orgs := f.fake.RouteRequests("GET /v3/organizations")
	if _, err := c.Organizations(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.fake.RouteRequests("POST /oauth/token") != tokens+1 || sess.Token().AccessToken == stored.AccessToken {
		t.Error("did not refresh a resumed token with 30 seconds left")
	}
	if got := f.fake.RouteRequests("GET /v3/organizations") - orgs; got != 1 {
		t.Errorf("GET /v3/organizations sent %d times, want 1 (refreshed before use, not after a 401)", got)
	}
}

func TestResumedOpaqueTokenIsRefreshedFirst(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	logged, first := f.login(t, cffake.DeveloperUser, f.options())
	stored := &oauth2.Token{AccessToken: "opaque-access-token", RefreshToken: first.Token().RefreshToken}
	c, sess, err := Resume(logged.Endpoints(), stored, Credentials{Grant: GrantPassword, Username: cffake.DeveloperUser}, f.options(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tokens, orgs := f.fake.RouteRequests("POST /oauth/token"), f.fake.RouteRequests("GET /v3/organizations")
	if _, err := c.Organizations(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.fake.RouteRequests("POST /oauth/token") - tokens; got != 1 {
		t.Errorf("token requests = %d, want 1", got)
	}
	if got := f.fake.RouteRequests("GET /v3/organizations") - orgs; got != 1 {
		t.Errorf("GET /v3/organizations sent %d times, want 1: the opaque token was tried first", got)
	}
	if tok := sess.Token(); tok.Expiry.IsZero() || tok.AccessToken == stored.AccessToken {
		t.Errorf("token after the first request = %.12s…, expiry %v", tok.AccessToken, tok.Expiry)
	}

	// With nothing to renew it by, an opaque token is an expired session rather than a 401 later.
	_, bare, err := Resume(logged.Endpoints(), &oauth2.Token{AccessToken: "opaque-access-token"}, Credentials{Grant: GrantPassword, Username: cffake.DeveloperUser}, f.options(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.AccessToken(context.Background()); !errors.Is(err, ErrSessionExpired) {
		t.Errorf("err = %v, want ErrSessionExpired", err)
	}
}
