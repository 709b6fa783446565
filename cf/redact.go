package cf

import (
	"encoding/json"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/cfkeys/cfkeys/cf/safetext"
)

// A server may quote what it was sent: a UAA (or a proxy in front of it) that answers a failed login with the
// posted form, a Cloud Controller whose error echoes the Authorization header. Such text must not carry the
// secret on to stderr, a report file or the screen. So every secret is registered with the process when it
// enters it (NewSecret for passwords, client secrets and passcodes; the session and the token endpoint for access
// and refresh tokens), and Redact, applied where error text leaves the process, writes Redacted over each one.

// minSecretLen is the shortest value Redact looks for. Shorter ones would turn every "admin" or "test" in every
// message into [redacted] and protect little: a secret that short is guessed sooner than echoed.
const minSecretLen = 6

// maxSecrets bounds the registry; past it the oldest values (long-expired tokens of a UI left open for weeks)
// are forgotten first.
const maxSecrets = 1024

// registry holds the secrets of the process and an index of their spellings, changed in place under the lock:
// registering a secret costs the few entries it adds (every login and token refresh registers some, and tests
// register thousands), and Redact, which runs only on text about to leave the process, reads under a read lock.
var registry struct {
	mu     sync.RWMutex
	values []string            // in arrival order
	forms  map[string][]string // each value's spellings: raw, form-encoded, JSON- and Go-quoted
	// index maps the first minSecretLen bytes of each spelling to the spellings that start so, longest first, so
	// Redact costs one map lookup per byte of text however many secrets there are.
	index map[string][]string
}

// rememberSecret registers a secret value, in every spelling a server is likely to echo it in.
func rememberSecret(v string) {
	if len(v) < minSecretLen {
		return
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if _, ok := registry.forms[v]; ok {
		return
	}
	if registry.forms == nil {
		registry.forms, registry.index = map[string][]string{}, map[string][]string{}
	}
	registry.values = append(registry.values, v)
	forms := spellings(v)
	registry.forms[v] = forms
	for _, f := range forms {
		list := registry.index[f[:minSecretLen]]
		at, _ := slices.BinarySearchFunc(list, len(f), func(g string, n int) int { return n - len(g) })
		registry.index[f[:minSecretLen]] = slices.Insert(list, at, f)
	}
	for len(registry.values) > maxSecrets {
		old := registry.values[0]
		registry.values = registry.values[1:]
		for _, f := range registry.forms[old] {
			key := f[:minSecretLen]
			list := registry.index[key]
			if i := slices.Index(list, f); i >= 0 {
				list = slices.Delete(list, i, i+1)
			}
			if len(list) == 0 {
				delete(registry.index, key)
			} else {
				registry.index[key] = list
			}
		}
		delete(registry.forms, old)
	}
}

// rememberToken registers a token's access and refresh token.
func rememberToken(t *oauth2.Token) {
	if t == nil {
		return
	}
	rememberSecret(t.AccessToken)
	rememberSecret(t.RefreshToken)
}

// spellings returns v as it is and as it reads after the encodings an echo passes through: a posted form
// (url.Values), a URL path, a JSON string, a Go %q, and safetext.Clean (for text cleaned before it is redacted).
func spellings(v string) []string {
	out := []string{v}
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	add(url.QueryEscape(v))
	add(url.PathEscape(v))
	if j, err := json.Marshal(v); err == nil {
		add(string(j[1 : len(j)-1]))
	}
	q := strconv.Quote(v)
	add(q[1 : len(q)-1])
	add(safetext.Clean(v))
	return out
}

// Redact returns s with every secret the process holds (passwords, client secrets, passcodes, access and refresh
// tokens, at least 6 bytes long) replaced by Redacted. Apply it to any text that may quote a server's answer
// before it reaches stderr, a report or the screen.
func Redact(s string) string {
	if len(s) < minSecretLen {
		return s
	}
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	index := registry.index
	if len(index) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i+minSecretLen <= len(s); {
		n := 0
		for _, f := range index[s[i:i+minSecretLen]] {
			if strings.HasPrefix(s[i:], f) {
				n = len(f)
				break
			}
		}
		if n == 0 {
			i++
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(Redacted)
		i += n
		last = i
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// RedactWriter returns a writer that passes each write to w with Redact applied: for stderr, where every message
// of a command ends up. A secret split across two writes is not seen, so each message should be one write (as a
// single fmt.Fprintf is).
func RedactWriter(w io.Writer) io.Writer {
	if _, ok := w.(redactWriter); ok {
		return w
	}
	return redactWriter{w}
}

type redactWriter struct{ w io.Writer }

func (r redactWriter) Write(p []byte) (int, error) {
	out := Redact(string(p))
	if _, err := io.WriteString(r.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}
