package cf

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// refreshMargin is how close to its expiry a token is refreshed before use, as the cf CLI does.
const refreshMargin = 60 * time.Second

// Session keeps one foundation's tokens fresh. It refreshes the access token when it is within a minute of its
// JWT expiry (or was rejected with a 401), re-runs the client-credentials grant for client sessions (they have no
// refresh token), and logs in again with a remembered password when the refresh token itself is rejected. It is
// safe for concurrent use: concurrent callers wait for one refresh.
type Session struct {
	uaa     *UAA
	creds   Credentials
	clock   func() time.Time
	onToken func(*oauth2.Token)

	mu  sync.Mutex
	tok *oauth2.Token
}

// NewSession returns a session that starts with tok. creds supply what a re-login needs (the client secret of a
// client-credentials session, a remembered password); onToken, when set, is called with every new token so it can
// be stored.
func NewSession(uaa *UAA, creds Credentials, tok *oauth2.Token, clock func() time.Time, onToken func(*oauth2.Token)) *Session {
	if clock == nil {
		clock = time.Now
	}
	if tok == nil {
		tok = &oauth2.Token{}
	}
	return &Session{uaa: uaa, creds: creds, clock: clock, onToken: onToken, tok: tok}
}

// AccessToken returns an access token valid for at least another minute, refreshing it first if needed.
func (s *Session) AccessToken(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.validLocked() {
		return s.tok.AccessToken, nil
	}
	if err := s.renewLocked(ctx); err != nil {
		return "", err
	}
	return s.tok.AccessToken, nil
}

// Invalidate forgets the access token if it is still the one given, so the next call refreshes it. A token that a
// concurrent caller already replaced is left alone.
func (s *Session) Invalidate(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if token != "" && s.tok.AccessToken == token {
		s.tok.AccessToken = ""
	}
}

// Token returns a copy of the current token, for storing it.
func (s *Session) Token() *oauth2.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := *s.tok
	return &t
}

// Claims returns the current access token's claims (user name, client, expiry).
func (s *Session) Claims() (TokenClaims, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ParseTokenClaims(s.tok.AccessToken)
}

// Refresh renews the access token now, whatever its expiry.
func (s *Session) Refresh(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.renewLocked(ctx)
}

func (s *Session) validLocked() bool {
	if s.tok.AccessToken == "" {
		return false
	}
	exp := s.tok.Expiry
	return exp.IsZero() || exp.Sub(s.clock()) > refreshMargin
}

// renewLocked gets a new token by the best means the session has.
func (s *Session) renewLocked(ctx context.Context) error {
	var tok *oauth2.Token
	var err error
	switch {
	case s.creds.Grant == GrantClientCredentials:
		if s.creds.ClientSecret.IsZero() {
			return fmt.Errorf("%w: client-credentials sessions cannot refresh without the client secret", ErrSessionExpired)
		}
		tok, err = s.uaa.Grant(ctx, s.creds)
	case s.tok.RefreshToken != "":
		tok, err = s.uaa.Refresh(ctx, NewSecret(s.tok.RefreshToken))
		var ae *AuthError
		if err != nil && errors.As(err, &ae) && ae.Rejected() {
			if s.creds.Username != "" && !s.creds.Password.IsZero() {
				tok, err = s.uaa.Grant(ctx, Credentials{Grant: GrantPassword, Username: s.creds.Username, Password: s.creds.Password, Origin: s.creds.Origin})
			} else {
				err = fmt.Errorf("%w: %v", ErrSessionExpired, err)
			}
		}
	case s.creds.Username != "" && !s.creds.Password.IsZero():
		tok, err = s.uaa.Grant(ctx, Credentials{Grant: GrantPassword, Username: s.creds.Username, Password: s.creds.Password, Origin: s.creds.Origin})
	default:
		return fmt.Errorf("%w: no refresh token", ErrSessionExpired)
	}
	if err != nil {
		return err
	}
	if tok.RefreshToken == "" && s.creds.Grant != GrantClientCredentials {
		tok.RefreshToken = s.tok.RefreshToken
	}
	s.tok = tok
	if s.onToken != nil {
		t := *tok
		s.onToken(&t)
	}
	return nil
}
