package cf

import "fmt"

// Secret holds a password, client secret, passcode or token. Printing it in any way (fmt verbs, JSON, errors)
// shows a mask; only Reveal returns the value, so a secret reaches output only where code asks for it by name.
type Secret struct {
	value string
}

// NewSecret wraps a secret value and registers it with the process, so that Redact hides it wherever a server
// echoes it.
func NewSecret(v string) Secret {
	rememberSecret(v)
	return Secret{value: v}
}

// Reveal returns the secret value. Call it only to send the secret where it belongs (a token request, the
// keyring) or when the user has asked to see it.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == "" }

// String returns a mask.
func (s Secret) String() string { return Redacted }

// GoString returns a mask, so %#v does not leak the value.
func (s Secret) GoString() string { return "cf.Secret(" + Redacted + ")" }

// Format prints a mask for every verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// MarshalText encodes a mask, so a Secret never reaches JSON or YAML output with its value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }
