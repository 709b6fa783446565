package cf

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// redirectTargets are the other origins an attack redirects to: the API's own host on another port, over plain
// http and over https with a certificate the client trusts. net/http alone would send the bearer token to both.
var redirectTargets = []struct {
	name string
	tls  bool
}{{"http", false}, {"https", true}}

var redirectStatuses = []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect}

// noneReached fails the test if anything reached the witness: no token, no form, not even a request.
func noneReached(t *testing.T, w *cffake.Witness) {
	t.Helper()
	for _, r := range w.Requests() {
		t.Errorf("the other origin received %s %s (Authorization %t, body %d bytes)", r.Method, r.Path, r.Authorization != "", len(r.Body))
	}
}

// TestRedirectOfDetailsToAnotherOrigin redirects one key's /details to another origin: that key is an error of the
// sweep, the other keys are read, and the other origin receives nothing.
func TestRedirectOfDetailsToAnotherOrigin(t *testing.T) {
	t.Parallel()
	for _, target := range redirectTargets {
		for _, status := range redirectStatuses {
			t.Run(fmt.Sprintf("%d to %s", status, target.name), func(t *testing.T) {
				t.Parallel()
				f := newHostileFoundation(t, cffake.Options{}, true)
				witness, other := newWitness(t, target.tls)
				c, _ := f.login(t, cffake.AdminUser, f.options())
				attack := f.hostile.Add(cffake.Attack{Method: "GET", PathSuffix: "/details", Times: 1, Answer: cffake.Redirect(status, other.URL)})
				res, err := c.Sweep(context.Background(), SweepOptions{})
				if err != nil {
					t.Fatalf("sweep failed: %v", err)
				}
				noneReached(t, witness)
				if attack.Hits() != 1 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "redirected to "+other.URL) {
					t.Fatalf("errors = %+v; want the redirected key's, naming %s", res.Errors, other.URL)
				}
				read := 0
				for _, k := range res.Keys {
					if k.Finding.Certificate != nil {
						read++
					}
				}
				if read < 10 {
					t.Errorf("only %d keys read; the redirect of one key must not stop the others", read)
				}
			})
		}
	}
}

// TestRedirectOfListingToAnotherOrigin redirects the service-key listing to another origin that answers an empty
// page: the sweep fails (no silent zero keys), and the other origin receives nothing.
func TestRedirectOfListingToAnotherOrigin(t *testing.T) {
	t.Parallel()
	for _, target := range redirectTargets {
		for _, status := range redirectStatuses {
			t.Run(fmt.Sprintf("%d to %s", status, target.name), func(t *testing.T) {
				t.Parallel()
				f := newHostileFoundation(t, cffake.Options{}, true)
				witness, other := newWitness(t, target.tls)
				c, _ := f.login(t, cffake.AdminUser, f.options())
				f.hostile.Add(cffake.Attack{Method: "GET", Path: "/v3/service_credential_bindings", Answer: cffake.Redirect(status, other.URL)})
				res, err := c.Sweep(context.Background(), SweepOptions{})
				var re *RedirectError
				if !errors.As(err, &re) || re.To != other.URL || !strings.Contains(err.Error(), "listing service keys") {
					t.Fatalf("sweep = %v keys, err %v; want it failed by a RedirectError to %s", res, err, other.URL)
				}
				noneReached(t, witness)
				if n := len(f.sleeps.Waits()); n != 0 {
					t.Errorf("a refused redirect was retried %d times", n)
				}
			})
		}
	}
}

// TestSameOriginRedirectsFollowed follows redirects within the API's origin, up to five.
func TestSameOriginRedirectsFollowed(t *testing.T) {
	t.Parallel()
	f := newHostileFoundation(t, cffake.Options{}, false)
	c, _ := f.login(t, cffake.AdminUser, f.options())
	hops := f.hostile.Add(cffake.Attack{Method: "GET", PathPrefix: "/v3/organizations", Times: 5, Answer: cffake.Redirect(http.StatusTemporaryRedirect, f.srv.URL)})
	if orgs, err := c.Organizations(context.Background()); err != nil || len(orgs) != 3 || hops.Hits() != 5 {
		t.Fatalf("after 5 same-origin redirects: %d orgs, %v (hops %d)", len(orgs), err, hops.Hits())
	}
	f.hostile.Add(cffake.Attack{Method: "GET", PathPrefix: "/v3/organizations", Answer: cffake.Redirect(http.StatusFound, f.srv.URL)})
	_, err := c.Organizations(context.Background())
	var re *RedirectError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "stopped after 5 redirects") {
		t.Fatalf("endless same-origin redirects: err = %v", err)
	}
}

// TestRedirectOfTokenRequests redirects /oauth/token, for every grant, to another origin: the grant fails naming
// the host, and the form (password, passcode, client secret, refresh token) is never posted there.
func TestRedirectOfTokenRequests(t *testing.T) {
	t.Parallel()
	grants := []GrantType{GrantPassword, GrantPasscode, GrantClientCredentials, GrantRefreshToken}
	for _, target := range redirectTargets {
		for _, status := range redirectStatuses {
			for _, grant := range grants {
				t.Run(fmt.Sprintf("%s %d to %s", grant, status, target.name), func(t *testing.T) {
					t.Parallel()
					f := newHostileFoundation(t, cffake.Options{}, true)
					witness, other := newWitness(t, target.tls)
					creds := f.password(cffake.AdminUser)
					switch grant {
					case GrantPasscode:
						creds = Credentials{Grant: GrantPasscode, Passcode: NewSecret(f.fake.Passcode(cffake.SSOUser))}
					case GrantClientCredentials:
						creds = Credentials{Grant: GrantClientCredentials, ClientID: cffake.MonitorClient, ClientSecret: NewSecret(f.fake.ClientSecret(cffake.MonitorClient))}
					}
					var sess *Session
					if grant == GrantRefreshToken {
						_, sess = f.login(t, cffake.DeveloperUser, f.options()) // then the refresh is redirected
					}
					f.hostile.Add(cffake.Attack{Method: "POST", PathPrefix: "/oauth/token", Answer: cffake.Redirect(status, other.URL)})
					var err error
					if sess != nil {
						err = sess.Refresh(context.Background())
					} else {
						_, _, err = Login(context.Background(), f.srv.URL, creds, f.options())
					}
					var re *RedirectError
					var ae *AuthError
					if !errors.As(err, &re) || !errors.As(err, &ae) || re.To != other.URL || !strings.Contains(err.Error(), other.URL) {
						t.Fatalf("err = %v; want an AuthError from a refused redirect to %s", err, other.URL)
					}
					noneReached(t, witness)
				})
			}
		}
	}
}

// TestPlainHTTPLoginServerRefused announces a plain-http login (or uaa) server on an https API: cfkeys refuses
// to log in, and the password is never posted. UAA on another host over https stays allowed.
func TestPlainHTTPLoginServerRefused(t *testing.T) {
	t.Parallel()
	for _, link := range []string{"login", "uaa"} {
		t.Run(link, func(t *testing.T) {
			t.Parallel()
			f := newHostileFoundation(t, cffake.Options{}, true)
			witness, other := newWitness(t, false)
			f.hostile.Add(cffake.Attack{Method: "GET", Path: "/", Answer: cffake.RootLinks(map[string]string{link: other.URL})})
			_, _, err := Login(context.Background(), f.srv.URL, f.password(cffake.AdminUser), f.options())
			if err == nil || !strings.Contains(err.Error(), "over plain http") || !strings.Contains(err.Error(), other.URL) {
				t.Fatalf("err = %v; want the plain-http %s server refused", err, link)
			}
			noneReached(t, witness)
		})
	}
	t.Run("https login on another host", func(t *testing.T) {
		t.Parallel()
		f := newHostileFoundation(t, cffake.Options{}, true)
		login := newLoginFront(t, f) // the same UAA, served from another origin over https
		f.hostile.Add(cffake.Attack{Method: "GET", Path: "/", Answer: cffake.RootLinks(map[string]string{"login": login, "uaa": login})})
		c, _, err := Login(context.Background(), f.srv.URL, f.password(cffake.AdminUser), f.options())
		if err != nil || c.Endpoints().Login != login {
			t.Fatalf("login through %s: %v", login, err)
		}
	})
}
