package cf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// GrantType is how a session logs in to UAA.
type GrantType string

// The grants cfkeys uses, as the cf CLI does.
const (
	GrantPassword          GrantType = "password"           // username and password (client "cf", empty secret)
	GrantPasscode          GrantType = "passcode"           // SSO one-time passcode (a password grant with passcode=)
	GrantClientCredentials GrantType = "client_credentials" // a UAA client id and secret
	GrantRefreshToken      GrantType = "refresh_token"      // a stored refresh token, e.g. imported from cf's config
)

// cfClientID is the UAA client the cf CLI logs in with; its secret is empty.
const cfClientID = "cf"

// tokenRequestTimeout bounds one token request, its body included, unless the client's RequestTimeout says otherwise.
const tokenRequestTimeout = DefaultRequestTimeout

// Credentials say how to log in. Which fields matter depends on Grant.
type Credentials struct {
	Grant        GrantType
	Username     string
	Password     Secret // password grant; with it remembered, a session whose refresh token expired logs in again
	Origin       string // identity provider origin key (login_hint), password grant only
	Passcode     Secret
	ClientID     string
	ClientSecret Secret
	RefreshToken Secret // GrantRefreshToken
}

// AuthError is a failed token request.
type AuthError struct {
	Op          string // "password grant", "refreshing the session", ...
	StatusCode  int    // 0 when no answer came back
	Code        string // the OAuth error, e.g. "unauthorized", "invalid_token"
	Description string // the OAuth error_description, or a summary of a non-JSON body
	Err         error  // a network error, when there was no answer
}

func (e *AuthError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Op, e.Err)
	}
	msg := fmt.Sprintf("%s: %d", e.Op, e.StatusCode)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

func (e *AuthError) Unwrap() error { return e.Err }

// Rejected reports whether UAA refused the credentials themselves (as opposed to failing to answer).
func (e *AuthError) Rejected() bool {
	return e.Err == nil && (e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusForbidden)
}

// ErrSessionExpired is wrapped by errors returned when a session can no longer get tokens: its refresh token was
// rejected and nothing (a remembered password, a client secret) can log in again.
var ErrSessionExpired = errors.New("session expired")

// UAA runs token requests against a foundation's login server.
type UAA struct {
	login   string // links.login.href; the token endpoint is login + "/oauth/token"
	http    *http.Client
	clock   func() time.Time
	timeout time.Duration // bounds one request, its body included
}

// NewUAA returns a UAA client for the given login server. Its requests follow no redirect: a token request's form
// carries the password, client secret or refresh token, and a 307 or 308 would post it again wherever the answer
// points. A redirect is an error naming the host it pointed to.
func NewUAA(login string, hc *http.Client, clock func() time.Time) *UAA {
	if clock == nil {
		clock = time.Now
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	noRedirect := *hc
	noRedirect.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		return &RedirectError{To: safeOrigin(req.URL), Reason: "the login server's requests follow no redirect (they carry credentials)"}
	}
	return &UAA{login: strings.TrimRight(login, "/"), http: &noRedirect, clock: clock, timeout: tokenRequestTimeout}
}

func (u *UAA) tokenURL(origin string) string {
	t := u.login + "/oauth/token"
	if origin != "" {
		hint, _ := json.Marshal(map[string]string{"origin": origin})
		t += "?login_hint=" + url.QueryEscape(string(hint))
	}
	return t
}

func (u *UAA) config(origin string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: cfClientID,
		Endpoint: oauth2.Endpoint{TokenURL: u.tokenURL(origin), AuthStyle: oauth2.AuthStyleInHeader},
	}
}

func (u *UAA) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, u.timeout)
	return context.WithValue(ctx, oauth2.HTTPClient, u.http), cancel
}

// Grant logs in with the given credentials and returns the new token.
func (u *UAA) Grant(ctx context.Context, c Credentials) (*oauth2.Token, error) {
	ctx, cancel := u.ctx(ctx)
	defer cancel()
	var tok *oauth2.Token
	var err error
	op := "logging in (" + string(c.Grant) + " grant)"
	switch c.Grant {
	case GrantPassword:
		if c.Username == "" {
			return nil, errors.New("logging in: no username given")
		}
		tok, err = u.config(c.Origin).PasswordCredentialsToken(ctx, c.Username, c.Password.Reveal())
	case GrantPasscode:
		tok, err = u.passcode(ctx, c.Passcode)
	case GrantClientCredentials:
		if c.ClientID == "" {
			return nil, errors.New("logging in: no client id given")
		}
		cc := clientcredentials.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret.Reveal(), TokenURL: u.tokenURL(""), AuthStyle: oauth2.AuthStyleInParams}
		tok, err = cc.Token(ctx)
	case GrantRefreshToken:
		return u.Refresh(ctx, c.RefreshToken)
	default:
		return nil, fmt.Errorf("logging in: unsupported grant %q", c.Grant)
	}
	if err != nil {
		return nil, authErr(op, err)
	}
	return u.finish(tok), nil
}

// Refresh runs the refresh_token grant (client "cf", empty secret).
func (u *UAA) Refresh(ctx context.Context, refresh Secret) (*oauth2.Token, error) {
	ctx, cancel := u.ctx(ctx)
	defer cancel()
	tok, err := u.config("").TokenSource(ctx, &oauth2.Token{RefreshToken: refresh.Reveal()}).Token()
	if err != nil {
		return nil, authErr("refreshing the session", err)
	}
	return u.finish(tok), nil
}

// passcode runs the SSO passcode grant: grant_type=password&passcode=CODE with client "cf". golang.org/x/oauth2
// has no call for it, so the form is posted here and the answer read into an oauth2.Token.
func (u *UAA) passcode(ctx context.Context, code Secret) (*oauth2.Token, error) {
	form := url.Values{"grant_type": {"password"}, "passcode": {code.Reveal()}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.tokenURL(""), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(cfClientID, "")
	resp, err := u.http.Do(req)
	if err != nil {
		return nil, networkError(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken  string      `json:"access_token"`
		TokenType    string      `json:"token_type"`
		RefreshToken string      `json:"refresh_token"`
		ExpiresIn    json.Number `json:"expires_in"`
		Error        string      `json:"error"`
		Description  string      `json:"error_description"`
	}
	data, err := readLimited(resp)
	if err != nil {
		return nil, err
	}
	decErr := json.Unmarshal(data, &body)
	if resp.StatusCode != http.StatusOK || decErr != nil || body.AccessToken == "" {
		return nil, &oauth2.RetrieveError{Response: resp, Body: data, ErrorCode: body.Error, ErrorDescription: body.Description}
	}
	tok := &oauth2.Token{AccessToken: body.AccessToken, TokenType: body.TokenType, RefreshToken: body.RefreshToken}
	if secs, err := strconv.ParseInt(body.ExpiresIn.String(), 10, 64); err == nil && secs > 0 {
		tok.Expiry = u.clock().Add(time.Duration(secs) * time.Second)
	}
	return tok, nil
}

// finish registers a new token with Redact and sets its expiry from its JWT exp claim, which is what UAA enforces
// (expires_in is relative to when the answer was sent, and oauth2 measures it with the wall clock).
func (u *UAA) finish(tok *oauth2.Token) *oauth2.Token {
	rememberToken(tok)
	if c, ok := ParseTokenClaims(tok.AccessToken); ok && !c.Expiry.IsZero() {
		tok.Expiry = c.Expiry
	}
	return tok
}

// authErr turns an oauth2 error into an *AuthError. Of a body that is not an OAuth error only an HTML page's title
// is kept: a proxy or a misrouted request may echo the posted form, and with it the password or client secret.
func authErr(op string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		ae := &AuthError{Op: op, Code: re.ErrorCode, Description: re.ErrorDescription}
		if re.Response != nil {
			ae.StatusCode = re.Response.StatusCode
		}
		if ae.Code == "" && ae.Description == "" {
			_, kind, summary := parseErrorBody(re.Body)
			switch kind {
			case BodyHTML:
				ae.Description = "an HTML page, likely from a proxy"
				if summary != "" {
					ae.Description += ": " + strconv.Quote(summary)
				}
			case BodyEmpty:
				ae.Description = "empty response body"
			case BodyTruncated:
				ae.Description = "truncated response body"
			default:
				ae.Description = "not an OAuth error response (body not shown)"
			}
		}
		return ae
	}
	return &AuthError{Op: op, Err: networkError(err)}
}

// LoginInfo is what a login server's /login says about how to log in.
type LoginInfo struct {
	// Prompts maps a prompt name (username, password, passcode) to its type ("text" or "password") and its text.
	Prompts map[string][2]string
}

// PasscodePrompt returns the passcode prompt's text, which tells SSO users where to get a code ("Temporary
// Authentication Code ( Get one at https://login.example.org/passcode )").
func (li LoginInfo) PasscodePrompt() (string, bool) {
	p, ok := li.Prompts["passcode"]
	return p[1], ok
}

// LoginInfo reads the login server's prompts (GET /login with Accept: application/json).
func (u *UAA) LoginInfo(ctx context.Context) (LoginInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, u.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.login+"/login", nil)
	if err != nil {
		return LoginInfo{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := u.http.Do(req)
	if err != nil {
		return LoginInfo{}, fmt.Errorf("reading login prompts: %w", networkError(err))
	}
	defer resp.Body.Close()
	data, err := readLimited(resp)
	if err != nil {
		return LoginInfo{}, fmt.Errorf("reading login prompts: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return LoginInfo{}, fmt.Errorf("reading login prompts: %w", newAPIError(http.MethodGet, "/login", resp.StatusCode, data))
	}
	var raw struct {
		Prompts map[string][]string `json:"prompts"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return LoginInfo{}, fmt.Errorf("reading login prompts: %w", &ResponseError{Method: http.MethodGet, Path: "/login", Truncated: isTruncation(err), Err: err})
	}
	li := LoginInfo{Prompts: map[string][2]string{}}
	for name, p := range raw.Prompts {
		var v [2]string
		copy(v[:], p)
		li.Prompts[name] = v
	}
	return li, nil
}

// readLimited reads a small (token, prompts) response body.
func readLimited(resp *http.Response) ([]byte, error) {
	const limit = 1 << 20
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, fmt.Errorf("response larger than %d bytes", limit)
	}
	return data, nil
}
