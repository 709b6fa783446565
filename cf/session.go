package cf

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// refreshMargin is how close to its expiry a token is refreshed before use, as the cf CLI does. A token whose whole
// lifetime is no longer than the margin is used until it expires instead: refreshing it early would mean a token
// request before every Cloud Controller request.
const refreshMargin = 60 * time.Second

// Session keeps one foundation's tokens fresh. It refreshes the access token when it is within a minute of its
// JWT expiry (or, for tokens that live a minute or less, when it has expired) or was rejected with a 401, re-runs
// the client-credentials grant for client sessions (they have no refresh token), and logs in again with a
// remembered password when the refresh token itself is rejected. It is safe for concurrent use: concurrent callers
// wait for one refresh and share its token.
//
// Why not golang.org/x/oauth2's ReuseTokenSource: cfkeys needs what it cannot do. A 401 must invalidate exactly
// the token it rejected (not one a concurrent request already refreshed); a rejected refresh token must fall back
// to a remembered password or the client secret; new tokens must reach the keyring in the order they were issued
// (onToken with renewal generations); resumed opaque tokens, whose expiry nobody knows, must be renewed before
// first use; and short-lived tokens must not be refreshed before every request. oauth2 is used for what it does
// well, the grant requests themselves (see UAA).
type Session struct {
	uaa     *UAA
	creds   Credentials
	clock   func() time.Time
	onToken func(*oauth2.Token)

	mu       sync.Mutex
	tok      *oauth2.Token
	stale    bool          // the token's expiry is unknown (an opaque resumed token): renew it before first use
	lifetime time.Duration // from issue to expiry, when known: a token living no longer than refreshMargin is used until it expires
	gen      uint64        // counts renewals, so a slow onToken call for an older token is skipped
	notified uint64        // the renewal whose token onToken was last given
}

// NewSession returns a session that starts with tok. creds supply what a re-login needs (the client secret of a
// client-credentials session, a remembered password); onToken, when set, is called with every new token so it can
// be stored.
//
// A token without an Expiry (one read back from a keyring or the cf CLI's config) gets it from its JWT exp claim.
// An access token whose expiry cannot be learnt that way (opaque, malformed, no exp) is renewed before its first
// use, as the cf CLI does, rather than trusted for ever.
//
// onToken is called without the session's lock held, so it may take its time (a keyring write) or call Token and
// Claims. When renewals race, a call for a token that a newer one has already been reported for is skipped.
func NewSession(uaa *UAA, creds Credentials, tok *oauth2.Token, clock func() time.Time, onToken func(*oauth2.Token)) *Session {
	if clock == nil {
		clock = time.Now
	}
	t := oauth2.Token{}
	if tok != nil {
		t = *tok // the session changes its token (Invalidate); the caller's stays as it was
	}
	rememberToken(&t)
	stale := false
	if t.Expiry.IsZero() && t.AccessToken != "" {
		if c, ok := ParseTokenClaims(t.AccessToken); ok && !c.Expiry.IsZero() {
			t.Expiry = c.Expiry
		} else {
			stale = true
		}
	}
	s := &Session{uaa: uaa, creds: creds, clock: clock, onToken: onToken, tok: &t, stale: stale}
	s.lifetime = lifetimeOf(&t, time.Time{})
	return s
}

// lifetimeOf returns how long tok lives from issue to expiry: from its JWT iat claim, else from received (when the
// token was just received; zero for a token read back from storage, whose age nobody knows). 0 means unknown.
func lifetimeOf(tok *oauth2.Token, received time.Time) time.Duration {
	if tok.Expiry.IsZero() {
		return 0
	}
	if c, ok := ParseTokenClaims(tok.AccessToken); ok && !c.IssuedAt.IsZero() {
		return tok.Expiry.Sub(c.IssuedAt)
	}
	if received.IsZero() {
		return 0
	}
	return tok.Expiry.Sub(received)
}

// AccessToken returns an access token valid for at least another minute, refreshing it first if needed.
func (s *Session) AccessToken(ctx context.Context) (string, error) {
	s.mu.Lock()
	if s.validLocked() {
		t := s.tok.AccessToken
		s.mu.Unlock()
		return t, nil
	}
	tok, gen, err := s.renewLocked(ctx)
	s.mu.Unlock()
	if err != nil {
		return "", err
	}
	s.notify(tok, gen)
	return tok.AccessToken, nil
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
	tok, gen, err := s.renewLocked(ctx)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	s.notify(tok, gen)
	return nil
}

// validLocked reports whether the access token can be used as is. A token with no known expiry is trusted until the
// Cloud Controller rejects it, unless it was resumed that way (stale), so a session that only ever receives opaque
// tokens does not renew before every request.
func (s *Session) validLocked() bool {
	if s.tok.AccessToken == "" || s.stale {
		return false
	}
	exp := s.tok.Expiry
	margin := refreshMargin
	if s.lifetime > 0 && s.lifetime <= refreshMargin {
		margin = 0 // a short-lived token is refreshed when it has expired, not before every use
	}
	return exp.IsZero() || exp.Sub(s.clock()) > margin
}

// notify gives onToken its own copy of the token of renewal gen (0 for the token the session started with). It must
// be called without s.mu held: the callback may be slow or call back into the session.
func (s *Session) notify(tok *oauth2.Token, gen uint64) {
	if s.onToken == nil {
		return
	}
	s.mu.Lock()
	if gen < s.notified {
		s.mu.Unlock()
		return // a newer token has been reported already; storing this one would overwrite it
	}
	s.notified = gen
	s.mu.Unlock()
	t := *tok
	s.onToken(&t)
}

// renewLocked gets a new token by the best means the session has and makes it current. It returns a copy of the
// new token and the renewal's number for notify, which the caller runs after unlocking.
func (s *Session) renewLocked(ctx context.Context) (*oauth2.Token, uint64, error) {
	tok, err := s.fetchLocked(ctx)
	if err != nil {
		return nil, 0, err
	}
	if tok.RefreshToken == "" && s.creds.Grant != GrantClientCredentials {
		tok.RefreshToken = s.tok.RefreshToken
	}
	s.tok, s.stale, s.lifetime = tok, false, lifetimeOf(tok, s.clock())
	s.gen++
	t := *tok
	return &t, s.gen, nil
}

// fetchLocked asks UAA for a new token: the client-credentials grant again, the refresh token, or a login with a
// remembered password when there is no refresh token or it was rejected.
func (s *Session) fetchLocked(ctx context.Context) (*oauth2.Token, error) {
	var tok *oauth2.Token
	var err error
	switch {
	case s.creds.Grant == GrantClientCredentials:
		if s.creds.ClientSecret.IsZero() {
			return nil, fmt.Errorf("%w: client-credentials sessions cannot refresh without the client secret", ErrSessionExpired)
		}
		tok, err = s.uaa.Grant(ctx, s.creds)
		err = rejectedAs(err, "the stored client secret was rejected")
	case s.tok.RefreshToken != "":
		tok, err = s.uaa.Refresh(ctx, NewSecret(s.tok.RefreshToken))
		var ae *AuthError
		if err != nil && errors.As(err, &ae) && ae.Rejected() {
			if s.creds.Username != "" && !s.creds.Password.IsZero() {
				tok, err = s.uaa.Grant(ctx, Credentials{Grant: GrantPassword, Username: s.creds.Username, Password: s.creds.Password, Origin: s.creds.Origin})
				err = rejectedAs(err, "the remembered password was rejected")
			} else {
				err = fmt.Errorf("%w: %v", ErrSessionExpired, err)
			}
		}
	case s.creds.Username != "" && !s.creds.Password.IsZero():
		tok, err = s.uaa.Grant(ctx, Credentials{Grant: GrantPassword, Username: s.creds.Username, Password: s.creds.Password, Origin: s.creds.Origin})
		err = rejectedAs(err, "the remembered password was rejected")
	default:
		return nil, fmt.Errorf("%w: no refresh token", ErrSessionExpired)
	}
	if err != nil {
		return nil, err
	}
	return tok, nil
}

// rejectedAs turns UAA's refusal of stored credentials (a rotated client secret, a changed password) into an
// expired session: only a new login helps, and the user must be told so. Other errors (network, 5xx) pass.
func rejectedAs(err error, what string) error {
	var ae *AuthError
	if err != nil && errors.As(err, &ae) && ae.Rejected() {
		return fmt.Errorf("%w: %s (%v)", ErrSessionExpired, what, err)
	}
	return err
}
