package cf

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
)

// rememberSecrets registers with Redact the secret values of credentials this process created (a new key's client
// secret, private key, passwords): the fields Masked hides (IsSecretField, any PEM private key) and the passwords
// inside URLs. An error or echo that quotes one later is then written over, as for passwords and tokens. Keys
// only read (a scan) are not registered: thousands of them would push the session's own tokens out of the registry.
func (c KeyCredentials) rememberSecrets() {
	var tree any
	dec := json.NewDecoder(bytes.NewReader(c.raw))
	dec.UseNumber()
	if dec.Decode(&tree) != nil {
		return
	}
	walkSecrets(tree, "", rememberSecret)
}

// walkSecrets calls found with every secret value of a credentials tree, as mask would hide them.
func walkSecrets(v any, name string, found func(string)) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			walkSecrets(e, k, found)
		}
	case []any:
		for _, e := range t {
			walkSecrets(e, name, found)
		}
	case string:
		if IsSecretField(name) || strings.Contains(t, "PRIVATE KEY-----") {
			found(t)
			return
		}
		if u, err := url.Parse(t); err == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok {
				found(pw)
			}
		}
	case json.Number:
		if IsSecretField(name) {
			found(t.String())
		}
	}
}
