package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/cfkeys/cfkeys/cf"
)

// CFConfig is the part of the cf CLI's config.json (ConfigVersion 4) that holds a session. The CLI writes the
// access token with its "bearer " prefix; client-credentials logins keep the client id but never the secret.
type CFConfig struct {
	ConfigVersion         int
	Target                string
	APIVersion            string
	AuthorizationEndpoint string
	UaaEndpoint           string
	AccessToken           string
	RefreshToken          string
	UAAGrantType          string
	UAAOAuthClient        string
	SSLDisabled           bool
}

// CFConfigPath returns where the cf CLI keeps its config: DIR/.cf/config.json for cfHome, else under $CF_HOME,
// else under the home directory.
func CFConfigPath(cfHome string, getenv func(string) string) (string, error) {
	if cfHome == "" {
		cfHome = getenv("CF_HOME")
	}
	if cfHome == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the cf CLI config: %w", err)
		}
		cfHome = h
	}
	return filepath.Join(cfHome, ".cf", "config.json"), nil
}

// ReadCFConfig reads and checks a cf CLI config file.
func ReadCFConfig(path string) (CFConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return CFConfig{}, fmt.Errorf("reading the cf CLI config: %w", err)
	}
	var c CFConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return CFConfig{}, fmt.Errorf("reading the cf CLI config %s: not valid JSON", path)
	}
	switch {
	case c.ConfigVersion != 4:
		return CFConfig{}, fmt.Errorf("the cf CLI config %s has ConfigVersion %d; only version 4 (cf CLI v7 and later) can be imported", path, c.ConfigVersion)
	case c.Target == "":
		return CFConfig{}, fmt.Errorf("the cf CLI config %s targets no API: run cf api and cf login first", path)
	case c.AccessToken == "" && c.RefreshToken == "":
		return CFConfig{}, fmt.Errorf("the cf CLI config %s holds no session: run cf login first", path)
	}
	return c, nil
}

// Import turns a cf CLI session into a profile named name (the API host when empty), its token and what the
// session knows about its credentials.
func (c CFConfig) Import(name string, now time.Time) (Profile, *oauth2.Token, cf.Credentials, error) {
	api, err := cf.NormaliseAPI(c.Target)
	if err != nil {
		return Profile{}, nil, cf.Credentials{}, err
	}
	if name == "" {
		name = DefaultName(api)
	}
	access := strings.TrimSpace(c.AccessToken)
	if len(access) > 7 && strings.EqualFold(access[:7], "bearer ") {
		access = access[7:]
	}
	uaa, _ := cf.NormaliseAPI(c.UaaEndpoint) // the cf CLI writes these with or without a scheme
	login, err := cf.NormaliseAPI(c.AuthorizationEndpoint)
	if err != nil {
		login = uaa
	}
	if login == "" {
		return Profile{}, nil, cf.Credentials{}, errors.New("the cf CLI config names no authorization endpoint: run cf api again")
	}
	p := Profile{Name: name, API: api, Login: login, UAA: uaa, CCVersion: c.APIVersion,
		SkipSSLValidation: c.SSLDisabled, ImportedFrom: "cf CLI config", LoggedInAt: now.UTC()}
	tok := &oauth2.Token{AccessToken: access, RefreshToken: c.RefreshToken, TokenType: "bearer"}
	claims, _ := cf.ParseTokenClaims(access)
	tok.Expiry = claims.Expiry
	creds := cf.Credentials{}
	switch c.UAAGrantType {
	case "client_credentials":
		p.Grant, p.ClientID = cf.GrantClientCredentials, c.UAAOAuthClient
		if p.ClientID == "" {
			p.ClientID = claims.ClientID
		}
	case "":
		p.Grant, p.Username, p.Origin = cf.GrantPassword, claims.UserName, claims.Origin
	default:
		return Profile{}, nil, cf.Credentials{}, fmt.Errorf("the cf CLI session uses grant %q, which cfkeys cannot refresh; log in with cfkeys login instead", c.UAAGrantType)
	}
	creds.Grant, creds.Username, creds.ClientID = p.Grant, p.Username, p.ClientID
	return p, tok, creds, nil
}
