package cf

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// Endpoints are a foundation's addresses, as its API root (GET /) announces them.
type Endpoints struct {
	API       string `json:"api"`        // the API URL the user gave, normalised
	CCVersion string `json:"cc_version"` // links.cloud_controller_v3.meta.version
	Login     string `json:"login"`      // links.login.href: the token endpoint's host, as the cf CLI uses it
	UAA       string `json:"uaa"`        // links.uaa.href
}

// NormaliseAPI turns what a user typed ("api.cf.eu10.hana.ondemand.com", "https://API.x:443/") into an API URL:
// scheme and host in lower case and no default port, the form the Cloud Controller writes its own links in.
func NormaliseAPI(api string) (string, error) {
	api = strings.TrimSpace(api)
	if api == "" {
		return "", errors.New("no API URL given")
	}
	if !strings.Contains(api, "://") {
		api = "https://" + api
	}
	u, err := url.Parse(api)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("API URL %q is not an http(s) URL", api)
	}
	if u.User != nil {
		return "", errors.New("the API URL must not carry credentials")
	}
	u.RawQuery, u.Fragment = "", ""
	u.Scheme, u.Host = strings.ToLower(u.Scheme), canonicalHost(u.Scheme, u.Host)
	return strings.TrimRight(u.String(), "/"), nil
}

// originOf returns u's origin (scheme://host[:port]) in the form NormaliseAPI writes, so that two spellings of the
// same server ("https://API.example.org:443", "https://api.example.org") compare equal.
func originOf(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + canonicalHost(u.Scheme, u.Host)
}

// canonicalHost lower-cases a URL's host (DNS names are case-insensitive) and drops the scheme's default port.
func canonicalHost(scheme, host string) string {
	host = strings.ToLower(host)
	switch strings.ToLower(scheme) {
	case "https":
		host = strings.TrimSuffix(host, ":443")
	case "http":
		host = strings.TrimSuffix(host, ":80")
	}
	return strings.TrimSuffix(host, ":") // "host:" is the host with an empty, i.e. default, port
}

// Discover reads the foundation's root document (GET /, no authentication).
func Discover(ctx context.Context, api string, opts Options) (Endpoints, error) {
	api, err := NormaliseAPI(api)
	if err != nil {
		return Endpoints{}, err
	}
	c, err := newClient(Endpoints{API: api}, nil, opts)
	if err != nil {
		return Endpoints{}, err
	}
	var root struct {
		Links map[string]*struct {
			Href string `json:"href"`
			Meta struct {
				Version string `json:"version"`
			} `json:"meta"`
		} `json:"links"`
	}
	if err := c.get(ctx, "/", &root); err != nil {
		return Endpoints{}, fmt.Errorf("reading the API root of %s (is it a Cloud Foundry API?): %w", api, err)
	}
	ep := Endpoints{API: api}
	if l := root.Links["cloud_controller_v3"]; l != nil {
		ep.CCVersion = l.Meta.Version
	} else {
		return Endpoints{}, fmt.Errorf("%s announces no Cloud Controller v3 API (links.cloud_controller_v3); is it a Cloud Foundry API?", api)
	}
	if l := root.Links["uaa"]; l != nil {
		ep.UAA = strings.TrimRight(l.Href, "/")
	}
	if l := root.Links["login"]; l != nil && l.Href != "" {
		ep.Login = strings.TrimRight(l.Href, "/")
	} else {
		ep.Login = ep.UAA
	}
	if ep.Login == "" {
		return Endpoints{}, fmt.Errorf("%s announces no login server (links.login)", api)
	}
	if err := ep.checkLoginServer(); err != nil {
		return Endpoints{}, err
	}
	return ep, nil
}

// checkLoginServer refuses login and uaa links that would receive credentials less safely than the API: not an
// http(s) URL, carrying user info, or plain http announced by an https API (the password, client secret and
// tokens would cross the network in clear). Another host is normal (UAA often lives at login.<domain>) and stays
// allowed, over https.
func (ep Endpoints) checkLoginServer() error {
	api, err := url.Parse(ep.API)
	if err != nil {
		return fmt.Errorf("API URL %q is not a URL", ep.API)
	}
	for _, l := range []struct{ name, href string }{{"login", ep.Login}, {"uaa", ep.UAA}} {
		if l.href == "" {
			continue
		}
		u, err := url.Parse(l.href)
		if err != nil || u.Host == "" || u.User != nil || (!strings.EqualFold(u.Scheme, "https") && !strings.EqualFold(u.Scheme, "http")) {
			return fmt.Errorf("%s announces its %s server as %q, which is not an http(s) URL cfkeys sends credentials to", ep.API, l.name, l.href)
		}
		if strings.EqualFold(api.Scheme, "https") && !strings.EqualFold(u.Scheme, "https") {
			return fmt.Errorf("%s announces its %s server over plain http (%s): cfkeys will not send credentials there in clear; the foundation's root document (links.%s) must name an https URL", ep.API, l.name, safeOrigin(u), l.name)
		}
	}
	return nil
}

// Login discovers the foundation at api, logs in with creds and returns a ready client and its session.
func Login(ctx context.Context, api string, creds Credentials, opts Options) (*Client, *Session, error) {
	ep, err := Discover(ctx, api, opts)
	if err != nil {
		return nil, nil, err
	}
	return LoginAt(ctx, ep, creds, opts, nil)
}

// LoginAt logs in to already-discovered endpoints. onToken, when set, is told about every new token.
func LoginAt(ctx context.Context, ep Endpoints, creds Credentials, opts Options, onToken func(*oauth2.Token)) (*Client, *Session, error) {
	if err := ep.checkLoginServer(); err != nil {
		return nil, nil, err
	}
	bare, err := newClient(ep, nil, opts)
	if err != nil {
		return nil, nil, err
	}
	uaa := NewUAA(ep.Login, bare.HTTPClient(), bare.opts.Clock)
	uaa.timeout = bare.opts.RequestTimeout
	tok, err := uaa.Grant(ctx, creds)
	if err != nil {
		return nil, nil, err
	}
	sess := NewSession(uaa, creds, tok, bare.opts.Clock, onToken)
	bare.tokens = sess
	bare.setPrincipal(tok.AccessToken, creds)
	sess.notify(tok, 0) // outside the session's lock, like every onToken call
	return bare, sess, nil
}

// Resume builds a client from stored endpoints and a stored token, without logging in. The session refreshes the
// token as needed; creds may carry a client secret or remembered password for re-login.
func Resume(ep Endpoints, tok *oauth2.Token, creds Credentials, opts Options, onToken func(*oauth2.Token)) (*Client, *Session, error) {
	if err := ep.checkLoginServer(); err != nil {
		return nil, nil, err // stored before cfkeys refused plain-http login servers
	}
	c, err := newClient(ep, nil, opts)
	if err != nil {
		return nil, nil, err
	}
	uaa := NewUAA(ep.Login, c.HTTPClient(), c.opts.Clock)
	uaa.timeout = c.opts.RequestTimeout
	sess := NewSession(uaa, creds, tok, c.opts.Clock, onToken)
	c.tokens = sess
	if tok != nil {
		c.setPrincipal(tok.AccessToken, creds)
	}
	return c, sess, nil
}
