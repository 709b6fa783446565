package cf

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// TestUserAgent checks that Options.UserAgent names cfkeys on every request: discovery, the token grant (built by
// golang.org/x/oauth2) and the Cloud Controller.
func TestUserAgent(t *testing.T) {
	t.Parallel()
	f := newHostileFoundation(t, cffake.Options{}, false)
	var mu sync.Mutex
	seen := map[string]string{} // path -> User-Agent
	f.hostile.Add(cffake.Attack{Answer: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		mu.Lock()
		seen[r.URL.Path] = r.Header.Get("User-Agent")
		mu.Unlock()
		next.ServeHTTP(w, r)
	}})
	opts := f.options()
	opts.UserAgent = "cfkeys/v1.2.3"
	c, _ := f.login(t, cffake.AdminUser, opts)
	if _, err := c.Organizations(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range []string{"/", "/oauth/token", "/v3/organizations"} {
		if seen[p] != "cfkeys/v1.2.3" {
			t.Errorf("User-Agent of %s = %q, want cfkeys/v1.2.3", p, seen[p])
		}
	}
}
