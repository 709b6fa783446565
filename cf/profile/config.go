// Package profile remembers the foundations a user logged in to. The non-secret part of each (API URL, token
// endpoint, user or client id, grant, origin, TLS setting) lives in a JSON file under the user's config
// directory; every secret lives in the OS keyring (package keystore), never in that file.
package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/internal/jsonfile"
)

// configVersion is the version of the file format.
const configVersion = 1

// fileName is the profile file inside the config directory.
const fileName = "profiles.json"

// Profile is one logged-in foundation, without its secrets.
type Profile struct {
	Name              string       `json:"name"`
	API               string       `json:"api"`
	Login             string       `json:"login"` // the token endpoint's host (links.login)
	UAA               string       `json:"uaa,omitempty"`
	CCVersion         string       `json:"cc_version,omitempty"`
	Grant             cf.GrantType `json:"grant"`
	Username          string       `json:"username,omitempty"`
	ClientID          string       `json:"client_id,omitempty"`
	Origin            string       `json:"origin,omitempty"`
	SkipSSLValidation bool         `json:"skip_ssl_validation,omitempty"`
	RememberPassword  bool         `json:"remember_password,omitempty"`
	ImportedFrom      string       `json:"imported_from,omitempty"` // "cf CLI config" for login --from-cf-config
	// AllowWrites lets cfkeys create, rotate and delete keys on this foundation; without it the profile is
	// read-only (cfkeys login --allow-writes, cfkeys profiles set NAME --allow-writes on).
	AllowWrites bool      `json:"allow_writes,omitempty"`
	LoggedInAt  time.Time `json:"logged_in_at"`
}

// Endpoints returns the profile's endpoints for the client.
func (p Profile) Endpoints() cf.Endpoints {
	return cf.Endpoints{API: p.API, Login: p.Login, UAA: p.UAA, CCVersion: p.CCVersion}
}

// Principal returns whom the profile logs in as: the user, or the client.
func (p Profile) Principal() string {
	if p.Grant == cf.GrantClientCredentials {
		return p.ClientID
	}
	return p.Username
}

// Config is the profile file.
type Config struct {
	Version  int       `json:"version"`
	Current  string    `json:"current,omitempty"` // the profile used when none is named
	Profiles []Profile `json:"profiles"`
}

// Dir returns the config directory: $CFKEYS_CONFIG_DIR, or cfkeys under the OS user config directory
// (~/.config/cfkeys on Linux, ~/Library/Application Support/cfkeys on macOS, %AppData%\cfkeys on Windows).
func Dir(getenv func(string) string) (string, error) {
	if d := getenv("CFKEYS_CONFIG_DIR"); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the config directory: %w", err)
	}
	return filepath.Join(base, "cfkeys"), nil
}

// Load reads the profile file in dir; a missing file is an empty configuration.
func Load(dir string) (*Config, error) {
	path := filepath.Join(dir, fileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{Version: configVersion}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("reading %s: not a cfkeys profile file (%v); move it away to start afresh", path, err)
	}
	if c.Version > configVersion {
		return nil, fmt.Errorf("reading %s: written by a newer cfkeys (version %d)", path, c.Version)
	}
	c.Version = configVersion
	return &c, nil
}

// Save writes the profile file atomically (a temporary file in the same directory, synced, then renamed) with
// mode 0600, in a directory with mode 0700.
func (c *Config) Save(dir string) error {
	if err := jsonfile.Save(filepath.Join(dir, fileName), c); err != nil {
		return fmt.Errorf("writing the profile file: %w", err)
	}
	return nil
}

// Get returns the profile with the given name.
func (c *Config) Get(name string) (Profile, bool) {
	for _, p := range c.Profiles {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}

// Put adds or replaces a profile and makes it the current one.
func (c *Config) Put(p Profile) {
	for i := range c.Profiles {
		if c.Profiles[i].Name == p.Name {
			c.Profiles[i] = p
			c.Current = p.Name
			return
		}
	}
	c.Profiles = append(c.Profiles, p)
	slices.SortFunc(c.Profiles, func(a, b Profile) int { return strings.Compare(a.Name, b.Name) })
	c.Current = p.Name
}

// Remove deletes a profile; it reports whether there was one.
func (c *Config) Remove(name string) bool {
	for i, p := range c.Profiles {
		if p.Name == name {
			c.Profiles = slices.Delete(c.Profiles, i, i+1)
			if c.Current == name {
				c.Current = ""
				if len(c.Profiles) == 1 {
					c.Current = c.Profiles[0].Name
				}
			}
			return true
		}
	}
	return false
}

// Default returns the profile to use when none is named: the current one, or the only one.
func (c *Config) Default() (Profile, error) {
	switch {
	case len(c.Profiles) == 0:
		return Profile{}, errors.New("not logged in to any foundation: run cfkeys login -a API, or pass --api with CF_USERNAME/CF_PASSWORD (or CF_CLIENT_ID/CF_CLIENT_SECRET) set")
	case c.Current != "":
		if p, ok := c.Get(c.Current); ok {
			return p, nil
		}
	case len(c.Profiles) == 1:
		return c.Profiles[0], nil
	}
	return Profile{}, fmt.Errorf("logged in to %d foundations (%s): choose one with --profile NAME", len(c.Profiles), strings.Join(c.Names(), ", "))
}

// Names lists the profile names.
func (c *Config) Names() []string {
	out := make([]string, len(c.Profiles))
	for i, p := range c.Profiles {
		out[i] = p.Name
	}
	return out
}

// DefaultName is the profile name for an API URL: its host, e.g. api.cf.eu10.hana.ondemand.com.
func DefaultName(api string) string {
	if u, err := url.Parse(api); err == nil && u.Host != "" {
		return u.Host
	}
	return api
}

// ValidName checks a profile name: it becomes part of keyring entry names and is typed on command lines.
func ValidName(name string) error {
	if name == "" || len(name) > 100 {
		return errors.New("a profile name needs 1 to 100 characters")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_:", r)) {
			return fmt.Errorf("profile name %q: use letters, digits and . - _ : only", name)
		}
	}
	return nil
}

// Clash returns an existing profile whose name differs from name only in case. The macOS Keychain and the
// Windows Credential Manager compare entry names without case, so two such profiles would share secrets.
func (c *Config) Clash(name string) (string, bool) {
	for _, p := range c.Profiles {
		if p.Name != name && strings.EqualFold(p.Name, name) {
			return p.Name, true
		}
	}
	return "", false
}
