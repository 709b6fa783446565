package cf

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// TestCreatedKeySecretsAreRedacted: once a key is created, an error that echoes its client secret or its private
// key (a broker's or a proxy's answer quoting what it was sent) prints neither.
func TestCreatedKeySecretsAreRedacted(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	inst := keyReport(t, c, f, "crm-sync-sender").Instance.GUID
	tests := []struct {
		name   string
		params map[string]any
		field  string
	}{
		{"client secret", nil, "clientsecret"},
		{"private key", map[string]any{"key-type": "certificate", "validity": 30}, "key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			created, err := c.CreateKey(context.Background(), KeyRequest{InstanceGUID: inst, Name: "redact-" + tc.field, Parameters: tc.params})
			if err != nil {
				t.Fatal(err)
			}
			var creds any
			if err := json.Unmarshal(created.Credentials.Reveal(), &creds); err != nil {
				t.Fatal(err)
			}
			secret := fieldOf(creds, tc.field)
			if len(secret) < minSecretLen {
				t.Fatalf("the fake's %s key has no %s", tc.name, tc.field)
			}
			for _, echo := range []error{
				fmt.Errorf("creating service key: 502 Bad Gateway: upstream said %s", secret),
				fmt.Errorf("broker error: %q", secret),
			} {
				if got := Redact(echo.Error()); strings.Contains(got, secret) || !strings.Contains(got, Redacted) {
					t.Errorf("the echoed %s survives Redact: %.120q", tc.field, got)
				}
			}
			if id := fieldOf(creds, "clientid"); id != "" && strings.Contains(Redact("client "+id), Redacted) {
				t.Errorf("the client id %q, no secret, was redacted", id)
			}
		})
	}
}

func TestWalkSecrets(t *testing.T) {
	t.Parallel()
	var tree any
	raw := `{"clientid":"sb-x","clientsecret":"s3cr3t-value","uaa":{"password":"pw-value-1","url":"https://u:urlpass-1@host/x"},
		"certificate":"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----","nested":[{"apiKey":"api-key-value"}],"pin":123456}`
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		t.Fatal(err)
	}
	var got []string
	walkSecrets(tree, "", func(s string) { got = append(got, s) })
	want := map[string]bool{"s3cr3t-value": true, "pw-value-1": true, "urlpass-1": true, "api-key-value": true, "123456": true}
	if len(got) != len(want) {
		t.Errorf("found %q, want %v", got, want)
	}
	for _, s := range got {
		if !want[s] {
			t.Errorf("%q taken for a secret", s)
		}
	}
}

// fieldOf returns the first string field of that name anywhere in a credentials tree.
func fieldOf(v any, name string) string {
	switch t := v.(type) {
	case map[string]any:
		if s, ok := t[name].(string); ok {
			return s
		}
		for _, e := range t {
			if s := fieldOf(e, name); s != "" {
				return s
			}
		}
	case []any:
		for _, e := range t {
			if s := fieldOf(e, name); s != "" {
				return s
			}
		}
	}
	return ""
}
