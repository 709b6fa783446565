package cf

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// KeyCredentials is a service key's credentials object, exactly as the broker returned it. It holds secrets
// (client secrets, private keys, passwords), so it prints as a mask; Masked gives a displayable copy with every
// secret hidden, and Reveal the original for a user who explicitly asked to see it.
type KeyCredentials struct {
	raw json.RawMessage
}

// NewCredentials wraps a raw credentials object.
func NewKeyCredentials(raw []byte) KeyCredentials {
	return KeyCredentials{raw: append(json.RawMessage(nil), raw...)}
}

// Reveal returns the credentials with their secrets. Use it only when the user asked to see them.
func (c KeyCredentials) Reveal() json.RawMessage { return c.raw }

// String returns a mask.
func (c KeyCredentials) String() string { return Redacted }

// GoString returns a mask.
func (c KeyCredentials) GoString() string { return "cf.KeyCredentials(" + Redacted + ")" }

// Format prints a mask for every verb.
func (c KeyCredentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// MarshalJSON encodes a mask, so credentials never reach JSON output by accident.
func (c KeyCredentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// Finding extracts the certificate facts from the credentials.
func (c KeyCredentials) Finding() expiry.Finding { return expiry.Extract(c.raw) }

// Masked returns the credentials as indented JSON with every secret value replaced by "[redacted]": fields whose
// names say secret, password, token or key, any PEM private key wherever it sits, and passwords inside URLs.
// Certificates, client ids and URLs stay readable.
func (c KeyCredentials) Masked() ([]byte, error) { return c.render(false) }

// Display is Masked with PEM certificates abbreviated to a one-line summary: their base64 is unreadable on a
// screen (their subject, issuer and serial are shown on their own).
func (c KeyCredentials) Display() ([]byte, error) { return c.render(true) }

func (c KeyCredentials) render(abbreviate bool) ([]byte, error) {
	var tree any
	dec := json.NewDecoder(bytes.NewReader(c.raw))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		return nil, fmt.Errorf("the credentials are not valid JSON")
	}
	tree = mask(tree, "")
	if abbreviate {
		tree = abbreviatePEM(tree)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(tree); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Redacted is the one mask: what Masked puts in place of a secret, what a Secret or KeyCredentials prints, and
// what Redact writes over a secret a server echoed.
const Redacted = "[redacted]"

func mask(v any, name string) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out[k] = mask(t[k], k)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = mask(e, name)
		}
		return out
	case string:
		if IsSecretField(name) || strings.Contains(t, "PRIVATE KEY-----") {
			if t == "" {
				return t
			}
			return Redacted
		}
		return maskKeyValues(maskURLPassword(t))
	}
	if IsSecretField(name) && v != nil {
		return Redacted
	}
	return v
}

// abbreviatePEM replaces strings holding PEM certificates with a summary (pemSummary).
func abbreviatePEM(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = abbreviatePEM(e)
		}
	case []any:
		for i, e := range t {
			t[i] = abbreviatePEM(e)
		}
	case string:
		if s, ok := pemSummary(t); ok {
			return s
		}
	}
	return v
}

// pemSummary is the one-line stand-in for a string holding PEM certificates: "<PEM: 2 certificates, 1880 bytes>",
// and, so that a placeholder or a truncated paste does not pass for a certificate, "<PEM: not a valid
// certificate, 82 bytes>" or "<PEM: 3 certificates, 1 not valid, 2900 bytes>". ok is false for a string that
// announces no certificate.
func pemSummary(s string) (summary string, ok bool) {
	valid, invalid := expiry.CountCertificates(s)
	n := valid + invalid
	switch {
	case n == 0:
		return "", false
	case invalid == 0 && n == 1:
		return fmt.Sprintf("<PEM: 1 certificate, %d bytes>", len(s)), true
	case invalid == 0:
		return fmt.Sprintf("<PEM: %d certificates, %d bytes>", n, len(s)), true
	case n == 1:
		return fmt.Sprintf("<PEM: not a valid certificate, %d bytes>", len(s)), true
	case valid == 0:
		return fmt.Sprintf("<PEM: %d certificates, none valid, %d bytes>", n, len(s)), true
	}
	return fmt.Sprintf("<PEM: %d certificates, %d not valid, %d bytes>", n, invalid, len(s)), true
}

// IsSecretField reports whether a credentials field name says its value is a secret.
func IsSecretField(name string) bool {
	n := expiry.FoldName(name) // client_secret, clientSecret and client-secret alike
	if strings.HasSuffix(n, "url") || strings.HasSuffix(n, "uri") || strings.HasSuffix(n, "endpoint") {
		return false // an address (tokenurl, certurl); a password inside it is masked on its own
	}
	switch n {
	case "key", "pwd", "pass", "passphrase", "pin", "otp", "signature":
		return true
	}
	for _, s := range []string{"secret", "password", "passwd", "token", "privatekey", "apikey", "accesskey", "sessionkey", "encryptionkey", "clientkey"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// maskURLPassword hides the password of a URL such as postgres://user:pass@host/db.
func maskURLPassword(s string) string {
	if !strings.Contains(s, "://") || !strings.Contains(s, "@") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return maskUserinfoPassword(s) // the password may be what Go cannot parse (a stray %)
	}
	if u.User == nil {
		return s
	}
	if _, has := u.User.Password(); !has {
		return s
	}
	u.User = url.UserPassword(u.User.Username(), "REDACTED")
	return strings.Replace(u.String(), "REDACTED", Redacted, 1)
}

// maskUserinfoPassword hides the password of a URL url.Parse refused, by its shape: what follows the first colon
// of the userinfo (scheme://user:password@host), up to the authority's last @.
func maskUserinfoPassword(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	start := i + 3
	end := len(s)
	if j := strings.IndexAny(s[start:], "/?#"); j >= 0 {
		end = start + j
	}
	at := strings.LastIndex(s[start:end], "@")
	if at < 0 {
		return s
	}
	colon := strings.Index(s[start:start+at], ":")
	if colon < 0 {
		return s
	}
	return s[:start+colon+1] + Redacted + s[start+at:]
}

// keyValue is one NAME=VALUE pair of a connection string (Password=...;) or a query (?password=...&), the
// separator before it included.
var keyValue = regexp.MustCompile(`(^|[;&?])(\s*[A-Za-z][A-Za-z0-9 _.-]*)=([^;&#]*)`)

// maskKeyValues hides the value of every NAME=VALUE pair in s whose name says it is a secret (IsSecretField):
// brokers hand out connection strings (Server=...;Password=...) and URLs with secret parameters.
func maskKeyValues(s string) string {
	if !strings.Contains(s, "=") {
		return s
	}
	return keyValue.ReplaceAllStringFunc(s, func(m string) string {
		sub := keyValue.FindStringSubmatch(m)
		if sub[3] == "" || !IsSecretField(strings.TrimSpace(sub[2])) {
			return m
		}
		return sub[1] + sub[2] + "=" + Redacted
	})
}

// Details reads a key's credentials (GET /v3/service_credential_bindings/:guid/details). Reading them writes an
// audit event on the foundation, as reading them in the cf CLI does.
func (c *Client) Details(ctx context.Context, guid string) (KeyCredentials, error) {
	var body struct {
		Credentials json.RawMessage `json:"credentials"`
	}
	if err := c.doLimited(ctx, http.MethodGet, "/v3/service_credential_bindings/"+url.PathEscape(guid)+"/details", nil, &body, c.detailsCap); err != nil {
		return KeyCredentials{}, fmt.Errorf("reading the credentials of service key %s: %w", guid, err)
	}
	return NewKeyCredentials(body.Credentials), nil
}

// DetailsCache remembers what each key's credentials said, for the life of the process. The Cloud Controller has
// no way to change a key's credentials, so a key read once need not be read again, by any client of the process:
// a UI that logs in again, or returns to a foundation, reads only keys it has not seen. Entries are kept per API
// origin and per user or client, since what a user may read depends on its roles. Only the finding (public
// certificate facts) is kept, never the credentials. With a FindingsStore (NewPersistentDetailsCache) it also
// outlives the process. It is safe for concurrent use.
type DetailsCache struct {
	mu    sync.RWMutex
	m     map[string]expiry.Finding
	store *FindingsStore // nil: this process only (see NewPersistentDetailsCache)
}

// NewDetailsCache returns an empty cache; clients share the process-wide one unless Options.DetailsCache is set.
func NewDetailsCache() *DetailsCache { return &DetailsCache{m: map[string]expiry.Finding{}} }

// processDetails is the cache every client uses by default.
var processDetails = NewDetailsCache()

// Len returns how many findings the cache holds.
func (d *DetailsCache) Len() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.m)
}

func (d *DetailsCache) get(key string) (expiry.Finding, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	f, ok := d.m[key]
	return f, ok
}

func (d *DetailsCache) put(key string, f expiry.Finding) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.m[key] = f
}

// cached returns what this client's user learned earlier about a key of this foundation.
func (c *Client) cached(guid string) (expiry.Finding, bool) {
	scope := c.cacheScope.Load().(string)
	if !c.details.usable(scope, guid, c.opts.Clock()) {
		return expiry.Finding{}, false
	}
	return c.details.get(scope + guid)
}

// remember keeps what a key's credentials said, for this foundation and user.
func (c *Client) remember(guid string, f expiry.Finding) {
	scope := c.cacheScope.Load().(string)
	c.details.put(scope+guid, f)
	c.details.noteRead(scope, guid, c.opts.Clock())
}

// setPrincipal names whose view of the foundation this client's cache entries are: the user or client of the
// session's token (or of the credentials, for an opaque token). Without either, the entries stay this client's.
func (c *Client) setPrincipal(tok string, creds Credentials) {
	who := ""
	if cl, ok := ParseTokenClaims(tok); ok {
		switch {
		case cl.UserID != "":
			who = "user:" + cl.UserID
		case cl.ClientID != "":
			who = "client:" + cl.ClientID
		}
	}
	if who == "" {
		switch {
		case creds.ClientID != "" && creds.Grant == GrantClientCredentials:
			who = "client:" + creds.ClientID
		case creds.Username != "":
			who = "user:" + creds.Origin + "/" + creds.Username
		}
	}
	if who == "" {
		return
	}
	c.cacheScope.Store(c.origin + "\x00" + who + "\x00")
	c.details.prefetch(c.origin + "\x00" + who + "\x00")
}
