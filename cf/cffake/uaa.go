package cffake

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// refreshGrant is what a refresh token stands for.
type refreshGrant struct {
	userName string // empty for clients (they get no refresh token)
	expires  time.Time
}

// tokenClaims are the access-token claims the fake issues, named as UAA names them.
type tokenClaims struct {
	JTI       string   `json:"jti"`
	Sub       string   `json:"sub"`
	Scope     []string `json:"scope"`
	ClientID  string   `json:"client_id"`
	CID       string   `json:"cid"`
	AZP       string   `json:"azp"`
	GrantType string   `json:"grant_type"`
	UserID    string   `json:"user_id,omitempty"`
	Origin    string   `json:"origin,omitempty"`
	UserName  string   `json:"user_name,omitempty"`
	Email     string   `json:"email,omitempty"`
	AuthTime  int64    `json:"auth_time,omitempty"`
	RevSig    string   `json:"rev_sig"`
	IAT       int64    `json:"iat"`
	Exp       int64    `json:"exp"`
	ISS       string   `json:"iss"`
	ZID       string   `json:"zid"`
	AUD       []string `json:"aud"`
}

// principal is who a valid access token speaks for.
type principal struct {
	user   *user      // nil for a client
	client *uaaClient // nil for a user
	scopes []string
	name   string // user name or client id, for rate limiting
}

func (p principal) has(scope string) bool { return slices.Contains(p.scopes, scope) }

// global reports whether the principal reads the whole foundation.
func (p principal) global() bool {
	return p.has(scopeAdmin) || p.has(scopeAdminReadOnly) || p.has(scopeGlobalAuditor)
}

// readsSecrets reports whether the principal may read every key's credentials.
func (p principal) readsSecrets() bool { return p.has(scopeAdmin) || p.has(scopeAdminReadOnly) }

func (s *Server) issueToken(r *http.Request, u *user, c *uaaClient, grant string) map[string]any {
	now := s.now()
	claims := tokenClaims{
		JTI: randomHex(16), ClientID: "cf", CID: "cf", AZP: "cf", GrantType: grant,
		RevSig: randomHex(4), IAT: now.Unix(), Exp: now.Add(s.opts.TokenTTL).Unix(),
		ISS: baseURL(r) + "/oauth/token", ZID: "uaa", AUD: []string{"cloud_controller", "cf", "uaa", "openid"},
	}
	if u != nil {
		claims.Sub, claims.UserID, claims.UserName, claims.Email, claims.Origin = u.GUID, u.GUID, u.Name, u.Name, u.Origin
		claims.Scope, claims.AuthTime = append([]string{"openid", "uaa.user"}, u.Scopes...), now.Unix()
	} else {
		claims.Sub, claims.ClientID, claims.CID, claims.AZP, claims.Scope = c.ID, c.ID, c.ID, c.ID, c.Scopes
		claims.AUD = []string{"cloud_controller", c.ID}
	}
	access := s.sign(claims)
	s.trimIssuedLocked()
	body := map[string]any{
		"access_token": access,
		"token_type":   "bearer",
		"expires_in":   int(s.opts.TokenTTL / time.Second),
		"scope":        strings.Join(claims.Scope, " "),
		"jti":          claims.JTI,
	}
	s.issued = append(s.issued, access)
	if u != nil {
		rt := randomHex(16) + "-r"
		s.refresh[rt] = refreshGrant{userName: u.Name, expires: now.Add(s.opts.RefreshTTL)}
		s.issued = append(s.issued, rt)
		body["refresh_token"] = rt
	}
	return body
}

// sign makes a JWT. The header says RS256, as UAA's do, because some cf CLI builds refuse unknown algorithms when
// they decode a token (without verifying it); the fake signs with an HMAC key of its own and checks that.
func (s *Server) sign(c tokenClaims) string {
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"key-1","typ":"JWT"}`))
	payload, _ := json.Marshal(c)
	msg := header + "." + base64.RawURLEncoding.EncodeToString(payload)
	mac := hmac.New(sha256.New, s.signKey)
	mac.Write([]byte(msg))
	return msg + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// verify checks an access token's signature, expiry and revocation. Callers hold s.mu.
func (s *Server) verify(token string) (principal, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return principal{}, false
	}
	mac := hmac.New(sha256.New, s.signKey)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return principal{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return principal{}, false
	}
	var c tokenClaims
	if json.Unmarshal(payload, &c) != nil || s.revoked[c.JTI] || s.now().Unix() >= c.Exp {
		return principal{}, false
	}
	if c.UserName != "" {
		u := s.users[c.UserName]
		if u == nil {
			return principal{}, false
		}
		return principal{user: u, scopes: c.Scope, name: u.Name}, true
	}
	cl := s.clients[c.ClientID]
	if cl == nil {
		return principal{}, false
	}
	return principal{client: cl, scopes: c.Scope, name: cl.ID}, true
}

// handleToken answers POST /oauth/token for the password (and passcode), refresh_token and client_credentials
// grants, as UAA does for the cf CLI's requests.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Malformed request body")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	grant := r.PostForm.Get("grant_type")
	switch grant {
	case "password":
		if !s.basicIsCF(r) {
			oauthError(w, http.StatusUnauthorized, "unauthorized", "Bad credentials")
			return
		}
		if code := r.PostForm.Get("passcode"); code != "" {
			s.passcodeGrant(w, r, code)
			return
		}
		u := s.users[r.PostForm.Get("username")]
		if u == nil || subtle.ConstantTimeCompare([]byte(u.Password), []byte(r.PostForm.Get("password"))) != 1 {
			oauthError(w, http.StatusUnauthorized, "unauthorized", "Bad credentials")
			return
		}
		if hint := r.URL.Query().Get("login_hint"); hint != "" {
			var h struct {
				Origin string `json:"origin"`
			}
			if json.Unmarshal([]byte(hint), &h) != nil {
				oauthError(w, http.StatusBadRequest, "invalid_request", "Unable to parse login_hint")
				return
			}
			if h.Origin != u.Origin {
				oauthError(w, http.StatusUnauthorized, "unauthorized", "Bad credentials")
				return
			}
		}
		writeJSON(w, http.StatusOK, s.issueToken(r, u, nil, "password"))
	case "refresh_token":
		if !s.basicIsCF(r) {
			oauthError(w, http.StatusUnauthorized, "unauthorized", "Bad credentials")
			return
		}
		rt := r.PostForm.Get("refresh_token")
		g, ok := s.refresh[rt]
		if !ok {
			oauthError(w, http.StatusUnauthorized, "invalid_token", "Invalid refresh token (unknown or revoked)")
			return
		}
		if !s.now().Before(g.expires) {
			oauthError(w, http.StatusUnauthorized, "invalid_token", "Invalid refresh token expired at "+g.expires.Format("Mon Jan 02 15:04:05 MST 2006"))
			return
		}
		u := s.users[g.userName]
		if u == nil {
			oauthError(w, http.StatusUnauthorized, "invalid_token", "Invalid refresh token (user no longer exists)")
			return
		}
		body := s.issueToken(r, u, nil, "password")
		delete(s.refresh, body["refresh_token"].(string)) // UAA keeps the refresh token unless it rotates it
		body["refresh_token"] = rt
		writeJSON(w, http.StatusOK, body)
	case "client_credentials":
		id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		if bu, bp, ok := r.BasicAuth(); ok && id == "" {
			id, secret = bu, bp
		}
		c := s.clients[id]
		if c == nil || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
			oauthError(w, http.StatusUnauthorized, "unauthorized", "Bad credentials")
			return
		}
		writeJSON(w, http.StatusOK, s.issueToken(r, nil, c, "client_credentials"))
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type: "+grant)
	}
}

// passcodeGrant accepts a one-time passcode handed out by /passcode or Passcode, and uses it up.
func (s *Server) passcodeGrant(w http.ResponseWriter, r *http.Request, code string) {
	name, ok := s.passcodes[code]
	if !ok || s.users[name] == nil {
		oauthError(w, http.StatusUnauthorized, "unauthorized", "Bad credentials")
		return
	}
	delete(s.passcodes, code)
	writeJSON(w, http.StatusOK, s.issueToken(r, s.users[name], nil, "password"))
}

// Passcode issues a one-time SSO passcode for a user, as the login server's /passcode page does for a user
// logged in through their identity provider.
func (s *Server) Passcode(userName string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newPasscodeLocked(userName)
}

func (s *Server) newPasscodeLocked(userName string) string {
	code := randomHex(5)
	s.passcodes[code] = userName
	s.issued = append(s.issued, code)
	return code
}

// basicIsCF checks that the token request authenticates as the cf client with its empty secret.
func (s *Server) basicIsCF(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	if !ok {
		return r.PostForm.Get("client_id") == "cf"
	}
	u, _ = url.QueryUnescape(u)
	return u == "cf" && p == ""
}

// handleLogin answers GET /login (and /info) with the login server's prompts.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"app":            map[string]any{"version": "77.10.0"},
		"showLoginLinks": true,
		"links":          map[string]any{"uaa": base, "passwd": "/forgot_password", "login": base, "register": "/create_account"},
		"zone_name":      "uaa",
		"entityID":       "cloudfoundry-saml-login",
		"commit_id":      "cffake",
		"idpDefinitions": map[string]any{},
		"prompts": map[string]any{
			"username": []string{"text", "Email"},
			"password": []string{"password", "Password"},
			"passcode": []string{"password", "Temporary Authentication Code ( Get one at " + base + "/passcode )"},
		},
		"timestamp": s.now().Format("2006-01-02T15:04:05-0700"),
	})
}

// handlePasscode answers GET /passcode: the page an SSO user opens to get a one-time code. The fake shows the
// admin's code.
func (s *Server) handlePasscode(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	code := s.newPasscodeLocked(AdminUser)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte("<html><head><title>Temporary Authentication Code</title></head><body><h1>Temporary Authentication Code</h1><p id=\"passcode\">" + code + "</p></body></html>\n"))
}

// oauthError writes an OAuth2 error body.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// maxIssued bounds the tokens a long-running demo remembers; the oldest half goes when it is reached.
const maxIssued = 20000

// trimIssuedLocked keeps the bookkeeping of issued tokens bounded.
func (s *Server) trimIssuedLocked() {
	if len(s.issued) >= maxIssued {
		s.issued = append([]string(nil), s.issued[len(s.issued)/2:]...)
	}
	if len(s.passcodes) >= maxIssued {
		clear(s.passcodes)
	}
	now := s.now()
	if len(s.refresh) >= maxIssued {
		for rt, g := range s.refresh {
			if !now.Before(g.expires) {
				delete(s.refresh, rt)
			}
		}
	}
}

// RevokeAccessTokens makes every access token issued so far invalid (the next Cloud Controller request with one
// gets 401 CF-InvalidAuthToken); refresh tokens keep working.
func (s *Server) RevokeAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.issued {
		parts := strings.Split(t, ".")
		if len(parts) != 3 {
			continue
		}
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			continue
		}
		var c tokenClaims
		if json.Unmarshal(payload, &c) == nil {
			s.revoked[c.JTI] = true
		}
	}
}

// RevokeRefreshTokens makes every refresh token issued so far invalid, as if they had expired.
func (s *Server) RevokeRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.refresh)
}
