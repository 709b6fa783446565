// Package keystore keeps cfkeys' secrets (refresh and access tokens, client secrets, remembered passwords) in the
// OS keyring: the macOS Keychain, the Windows Credential Manager, or a Secret Service on Linux and BSD.
//
// Every call to github.com/zalando/go-keyring goes through Keyring, once: with a timeout (a Secret Service can
// hang for minutes on D-Bus activation or on an unlock prompt nobody sees), and with typed errors that say what
// went wrong and what the user can do. There is no fallback to a plain file.
package keystore

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// service prefixes every entry's service name; the profile name completes it.
const service = "cfkeys:"

// Kind names one secret of a profile.
type Kind string

// The secrets a profile can have, each its own keyring entry: Windows caps one entry at 2,560 bytes and macOS at
// about 3,000, and an access token alone can come close.
const (
	RefreshToken Kind = "refresh-token"
	AccessToken  Kind = "access-token"
	ClientSecret Kind = "client-secret"
	Password     Kind = "password"
)

// Kinds lists every kind, for deleting a profile's entries.
var Kinds = []Kind{RefreshToken, AccessToken, ClientSecret, Password}

// DefaultTimeout bounds a keyring call when no prompt is expected (scans, the UI).
const DefaultTimeout = 5 * time.Second

// PromptTimeout bounds a keyring call when the user may be asked to unlock the keyring (login, logout).
const PromptTimeout = 60 * time.Second

// Backend is the keyring API; go-keyring's package functions by default, a fake in tests.
type Backend interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// goKeyring is the real backend.
type goKeyring struct{}

func (goKeyring) Get(s, u string) (string, error) { return keyring.Get(s, u) }
func (goKeyring) Set(s, u, v string) error        { return keyring.Set(s, u, v) }
func (goKeyring) Delete(s, u string) error        { return keyring.Delete(s, u) }

// Keyring stores profile secrets with a timeout on every call.
type Keyring struct {
	backend Backend
	timeout time.Duration
}

// New returns a Keyring on the OS keyring with the given timeout per call.
func New(timeout time.Duration) *Keyring { return NewWithBackend(goKeyring{}, timeout) }

// NewWithBackend returns a Keyring on another backend (tests).
func NewWithBackend(b Backend, timeout time.Duration) *Keyring {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Keyring{backend: b, timeout: timeout}
}

// ErrNotFound says the profile has no secret of that kind.
var ErrNotFound = errors.New("not in the keyring")

// Error is a keyring failure, with what it means for the user.
type Error struct {
	Op     string // "reading", "storing", "deleting"
	Entry  string // profile/kind
	Reason Reason
	Err    error // the keyring's own error, when there is one
	After  time.Duration
}

// Reason classifies a keyring failure.
type Reason int

// The reasons a keyring call fails.
const (
	ReasonOther       Reason = iota
	ReasonUnavailable        // no keyring service at all (no D-Bus session, no Secret Service)
	ReasonLocked             // the keyring exists but is locked, and cannot prompt
	ReasonTimeout            // the keyring did not answer in time
	ReasonTooBig             // the secret is larger than this keyring accepts
)

// headless is the advice for machines without a usable keyring.
const headless = "for headless runs, skip the keyring: cfkeys scan --api URL with CF_USERNAME and CF_PASSWORD (or CF_CLIENT_ID and CF_CLIENT_SECRET) in the environment"

func (e *Error) Error() string {
	what := fmt.Sprintf("%s %s in the OS keyring", e.Op, e.Entry)
	switch e.Reason {
	case ReasonUnavailable:
		return fmt.Sprintf("%s: no keyring is available (%v). Start a Secret Service such as gnome-keyring or KeePassXC in your session, or %s", what, e.Err, headless)
	case ReasonLocked:
		return fmt.Sprintf("%s: the keyring is locked and cannot ask for its password here. Unlock it (log in to your desktop session; on Linux gnome-keyring-daemon --unlock, on macOS security unlock-keychain) and try again, or %s", what, headless)
	case ReasonTimeout:
		return fmt.Sprintf("%s: the keyring did not answer within %s; it may be waiting for an unlock prompt nobody can see. Unlock it and try again, or %s", what, e.After, headless)
	case ReasonTooBig:
		return fmt.Sprintf("%s: the secret is too large for this keyring", what)
	}
	return fmt.Sprintf("%s: %v. Check that the keyring is running and unlocked, or %s", what, e.Err, headless)
}

func (e *Error) Unwrap() error { return e.Err }

// classify recognises go-keyring's failures: D-Bus's on Linux (measured: no session bus, no provider, no or a
// locked login collection), the exit status of macOS's security tool, and Windows' credential API errors.
func classify(err error) Reason {
	msg := err.Error()
	if r, ok := classifyPlatform(err); ok {
		return r
	}
	switch {
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return ReasonTooBig
	case errors.Is(err, keyring.ErrUnsupportedPlatform),
		strings.Contains(msg, "dbus-launch"),
		strings.Contains(msg, "was not provided by any .service files"),
		strings.Contains(msg, "DBUS_SESSION_BUS_ADDRESS"),
		strings.Contains(msg, "Failed to activate service"),
		strings.Contains(msg, "connection refused") && strings.Contains(msg, "bus"):
		return ReasonUnavailable
	case strings.Contains(msg, "failed to unlock"), strings.Contains(msg, "locked"), strings.Contains(msg, "cannot open display"):
		return ReasonLocked
	}
	return ReasonOther
}

// call runs one backend call with the timeout. A call that times out is abandoned: go-keyring offers no way to
// cancel it, and its goroutine ends when the backend finally returns.
func call[T any](k *Keyring, op, entry string, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	timer := time.NewTimer(k.timeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		if r.err == nil {
			return r.v, nil
		}
		var zero T
		if errors.Is(r.err, keyring.ErrNotFound) {
			return zero, ErrNotFound
		}
		return zero, &Error{Op: op, Entry: entry, Reason: classify(r.err), Err: r.err}
	case <-timer.C:
		var zero T
		return zero, &Error{Op: op, Entry: entry, Reason: ReasonTimeout, After: k.timeout}
	}
}

func entry(profile string, kind Kind) string { return profile + "/" + string(kind) }

// Get reads one secret of a profile. It returns ErrNotFound when there is none.
func (k *Keyring) Get(profile string, kind Kind) (string, error) {
	return call(k, "reading", entry(profile, kind), func() (string, error) { return k.backend.Get(service+profile, string(kind)) })
}

// Lookup reads one secret of a profile for a caller to whom a missing secret is simply empty: it returns "" and
// no error when there is none, and every other failure (a locked keyring, a timeout) as Get does.
func (k *Keyring) Lookup(profile string, kind Kind) (string, error) {
	v, err := k.Get(profile, kind)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return v, err
}

// Set stores one secret of a profile, replacing any earlier one.
func (k *Keyring) Set(profile string, kind Kind, secret string) error {
	_, err := call(k, "storing", entry(profile, kind), func() (struct{}, error) {
		return struct{}{}, k.backend.Set(service+profile, string(kind), secret)
	})
	return err
}

// Delete removes one secret of a profile; a secret that is not there is no error.
func (k *Keyring) Delete(profile string, kind Kind) error {
	_, err := call(k, "deleting", entry(profile, kind), func() (struct{}, error) {
		return struct{}{}, k.backend.Delete(service+profile, string(kind))
	})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// DeleteProfile removes every secret of a profile.
func (k *Keyring) DeleteProfile(profile string) error {
	for _, kind := range Kinds {
		if err := k.Delete(profile, kind); err != nil {
			return err
		}
	}
	return nil
}

// IsTooBig reports whether err says a secret was too large for the keyring.
func IsTooBig(err error) bool {
	var ke *Error
	return errors.As(err, &ke) && ke.Reason == ReasonTooBig
}
