package cf

import (
	"strings"
	"testing"
)

func TestNormaliseAPIOrigin(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"host in upper case", "https://API.Example.org", "https://api.example.org"},
		{"scheme in upper case", "HTTPS://api.example.org/", "https://api.example.org"},
		{"default https port", "https://api.example.org:443", "https://api.example.org"},
		{"default http port", "http://api.example.org:80/", "http://api.example.org"},
		{"no scheme, default port", "API.Example.org:443", "https://api.example.org"},
		{"empty port", "https://api.example.org:/", "https://api.example.org"},
		{"https port on http is kept", "http://api.example.org:443", "http://api.example.org:443"},
		{"http port on https is kept", "https://api.example.org:80", "https://api.example.org:80"},
		{"other port", "https://API.example.org:8443", "https://api.example.org:8443"},
		{"IPv6 with default port", "https://[::1]:443", "https://[::1]"},
		{"IPv6 with port", "http://[::1]:8080", "http://[::1]:8080"},
		{"path case kept", "https://API.example.org:443/Some/Path/", "https://api.example.org/Some/Path"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got, err := NormaliseAPI(tc.in); err != nil || got != tc.want {
				t.Errorf("NormaliseAPI(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestResolveComparesOrigins(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, api, ref string
		wantTarget     string // "" means refused
	}{
		{"path", "https://api.example.org", "/v3/apps", "https://api.example.org/v3/apps"},
		{"same link", "https://api.example.org", "https://api.example.org/v3/apps?page=2", "https://api.example.org/v3/apps?page=2"},
		{"link with host case and default port", "https://api.example.org", "https://API.Example.org:443/v3/apps?page=2", "https://API.Example.org:443/v3/apps?page=2"},
		{"link with scheme case", "https://api.example.org", "HTTPS://api.example.org/v3/apps", "HTTPS://api.example.org/v3/apps"},
		{"API given with host case and default port", "https://API.Example.org:443", "https://api.example.org/v3/apps?page=2", "https://api.example.org/v3/apps?page=2"},
		{"path on an API given with host case and default port", "https://API.Example.org:443", "/v3/apps", "https://api.example.org/v3/apps"},
		{"http default port", "http://127.0.0.1", "http://127.0.0.1:80/v3/apps", "http://127.0.0.1:80/v3/apps"},
		{"explicit port", "http://127.0.0.1:8080", "http://127.0.0.1:8080/v3/apps", "http://127.0.0.1:8080/v3/apps"},

		{"other host", "https://api.example.org", "https://evil.example/v3/apps", ""},
		{"host with the API as prefix", "https://api.example.org", "https://api.example.org.evil.example/v3/apps", ""},
		{"API as user info", "https://api.example.org", "https://api.example.org@evil.example/v3/apps", ""},
		{"other scheme", "https://api.example.org", "http://api.example.org/v3/apps", ""},
		{"https port over http", "https://api.example.org", "http://api.example.org:443/v3/apps", ""},
		{"other port", "https://api.example.org", "https://api.example.org:8443/v3/apps", ""},
		{"default port where the API has another", "http://127.0.0.1:8080", "http://127.0.0.1/v3/apps", ""},
		{"other host, default port", "https://API.Example.org:443", "https://Evil.example:443/v3/apps", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := newClient(Endpoints{API: tc.api}, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			target, path, err := c.resolve(tc.ref)
			if tc.wantTarget == "" {
				if err == nil || !strings.Contains(err.Error(), "points away from the API") {
					t.Errorf("resolve(%q) = %q, %v; want it refused", tc.ref, target, err)
				}
				return
			}
			if err != nil || target != tc.wantTarget || path != "/v3/apps" {
				t.Errorf("resolve(%q) = %q, %q, %v; want %q, /v3/apps", tc.ref, target, path, err, tc.wantTarget)
			}
		})
	}
}
