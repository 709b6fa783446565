package profile

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/oauth2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/keystore"
)

// ExpiredError says a profile's session can no longer get tokens and the user must log in again.
type ExpiredError struct {
	Profile string
	Err     error
}

func (e *ExpiredError) Error() string {
	return fmt.Sprintf("session expired: run cfkeys login --name %s", e.Profile)
}

func (e *ExpiredError) Unwrap() error { return e.Err }

// Expired wraps err as an *ExpiredError for the profile when it means the session expired; other errors pass.
func Expired(name string, err error) error {
	var ee *ExpiredError
	if err == nil || errors.As(err, &ee) || !errors.Is(err, cf.ErrSessionExpired) {
		return err
	}
	return &ExpiredError{Profile: name, Err: err}
}

// StoreLogin saves a fresh login's secrets in the keyring: the refresh token, the access token (unless it is too
// large for this keyring: it is only a cache), the client secret of a client-credentials login (needed to log in
// again) and the password when the user asked to remember it. Entries from an earlier login that no longer apply
// are removed.
func StoreLogin(k *keystore.Keyring, p Profile, tok *oauth2.Token, creds cf.Credentials) error {
	keep := map[keystore.Kind]string{}
	if tok.RefreshToken != "" {
		keep[keystore.RefreshToken] = tok.RefreshToken
	}
	if p.Grant == cf.GrantClientCredentials && !creds.ClientSecret.IsZero() {
		keep[keystore.ClientSecret] = creds.ClientSecret.Reveal()
	}
	if p.RememberPassword && !creds.Password.IsZero() {
		keep[keystore.Password] = creds.Password.Reveal()
	}
	for _, kind := range []keystore.Kind{keystore.RefreshToken, keystore.ClientSecret, keystore.Password} {
		v, ok := keep[kind]
		if !ok {
			if err := k.Delete(p.Name, kind); err != nil {
				return err
			}
			continue
		}
		if err := k.Set(p.Name, kind, v); err != nil {
			if keystore.IsTooBig(err) {
				return fmt.Errorf("%w (a %s of %d bytes; Windows allows 2,560, macOS about 3,000)", err, kind, len(v))
			}
			return err
		}
	}
	return storeAccessToken(k, p.Name, tok.AccessToken)
}

// storeAccessToken caches the access token; one too large for the keyring is dropped (the next run refreshes).
func storeAccessToken(k *keystore.Keyring, name, token string) error {
	if token == "" {
		return k.Delete(name, keystore.AccessToken)
	}
	err := k.Set(name, keystore.AccessToken, token)
	if keystore.IsTooBig(err) {
		return k.Delete(name, keystore.AccessToken)
	}
	return err
}

// Session is a profile's resumed session: a client ready for requests whose refreshed tokens go back to the
// keyring.
type Session struct {
	Profile Profile
	Client  *cf.Client
	Session *cf.Session

	mu         sync.Mutex
	persistErr error
}

// PersistError returns the last failure to store a refreshed token, if any: the scan worked, but the next run
// may have to refresh again (or log in again, if the refresh token rotated).
func (s *Session) PersistError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.persistErr
}

// Open resumes a profile's session from the keyring without contacting the foundation. opts.SkipSSLValidation
// is taken from the profile.
func Open(p Profile, k *keystore.Keyring, opts cf.Options) (*Session, error) {
	get := func(kind keystore.Kind) (string, error) { return k.Lookup(p.Name, kind) }
	refresh, err := get(keystore.RefreshToken)
	if err != nil {
		return nil, err
	}
	access, err := get(keystore.AccessToken)
	if err != nil {
		return nil, err
	}
	creds := cf.Credentials{Grant: p.Grant, Username: p.Username, Origin: p.Origin, ClientID: p.ClientID}
	if p.Grant == cf.GrantClientCredentials {
		secret, err := get(keystore.ClientSecret)
		if err != nil {
			return nil, err
		}
		creds.ClientSecret = cf.NewSecret(secret)
	}
	if p.RememberPassword {
		pw, err := get(keystore.Password)
		if err != nil {
			return nil, err
		}
		creds.Password = cf.NewSecret(pw)
	}
	if access == "" && refresh == "" && creds.ClientSecret.IsZero() && creds.Password.IsZero() {
		return nil, &ExpiredError{Profile: p.Name, Err: fmt.Errorf("%w: no session stored in the keyring", cf.ErrSessionExpired)}
	}
	tok := &oauth2.Token{AccessToken: access, RefreshToken: refresh, TokenType: "bearer"}
	if c, ok := cf.ParseTokenClaims(access); ok {
		tok.Expiry = c.Expiry
	}
	s := &Session{Profile: p}
	opts.SkipSSLValidation = p.SkipSSLValidation
	client, sess, err := cf.Resume(p.Endpoints(), tok, creds, opts, func(t *oauth2.Token) { s.persist(k, t, refresh) })
	if err != nil {
		return nil, err
	}
	s.Client, s.Session = client, sess
	return s, nil
}

// persist stores a refreshed token.
func (s *Session) persist(k *keystore.Keyring, t *oauth2.Token, oldRefresh string) {
	err := storeAccessToken(k, s.Profile.Name, t.AccessToken)
	if err == nil && t.RefreshToken != "" && t.RefreshToken != oldRefresh {
		err = k.Set(s.Profile.Name, keystore.RefreshToken, t.RefreshToken)
	}
	s.mu.Lock()
	s.persistErr = err
	s.mu.Unlock()
}
