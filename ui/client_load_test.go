package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/cffake"
)

// backendBehind serves the demo foundation behind wrap and returns its ClientBackend.
func backendBehind(t *testing.T, wrap func(http.Handler) http.Handler) Backend {
	t.Helper()
	fake, err := cffake.New(cffake.Options{Clock: func() time.Time { return uiNow }, Data: cffake.DemoData})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wrap(fake))
	t.Cleanup(srv.Close)
	c, _, err := cf.Login(context.Background(), srv.URL, cf.Credentials{Grant: cf.GrantPassword, Username: cffake.AdminUser, Password: cf.NewSecret(fake.Password(cffake.AdminUser))},
		cf.Options{Clock: func() time.Time { return uiNow }, HTTPClient: srv.Client(), Sleep: noSleep})
	if err != nil {
		t.Fatal(err)
	}
	return ClientBackend(c, 4, nil)
}

// The org and space listings do not hold up the keys: with the org listing held, a partial snapshot shows every
// key, and the whole snapshot then has the orgs too.
func TestClientBackendShowsKeysBeforeOrgNames(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	b := backendBehind(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v3/organizations" {
				select {
				case <-release:
				case <-time.After(10 * time.Second): // a safety limit, not synchronisation: the test fails
					t.Error("no partial snapshot showed the keys while the org listing was held")
				case <-r.Context().Done():
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	})
	var partials []*Snapshot
	snap, err := b.Load(context.Background(), func(cf.Progress) {}, func(s *Snapshot) {
		partials = append(partials, s) // one goroutine delivers them, and none after Load returns
		if len(s.Keys) == 23 && len(s.Orgs) == 0 {
			close(release)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Orgs) != 3 || len(snap.Keys) != 23 {
		t.Errorf("whole snapshot: %d orgs, %d keys", len(snap.Orgs), len(snap.Keys))
	}
	last := partials[len(partials)-1]
	if len(last.Orgs) != 3 {
		t.Errorf("the last partial snapshot lacks the orgs: %d", len(last.Orgs))
	}
}

// A failed org listing fails the load, and stops the sweep.
func TestClientBackendFailsWithTheOrgListing(t *testing.T) {
	t.Parallel()
	b := backendBehind(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v3/organizations" {
				http.Error(w, `{"errors":[{"code":10003,"title":"CF-NotAuthorized","detail":"You are not authorized to perform the requested action"}]}`, http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	_, err := b.Load(context.Background(), func(cf.Progress) {}, func(*Snapshot) {})
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("load with the org listing refused: %v", err)
	}
}
