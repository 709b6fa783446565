package cf

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/pki"
)

func TestMaskedCredentials(t *testing.T) {
	t.Parallel()
	raw := `{"oauth":{"clientid":"sb-1!b2|it-rt-x!b3","clientsecret":"s3cr3t-value","url":"https://x","certificate":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
		"key":"-----BEGIN RSA PRIVATE KEY-----\nMIIE-private\n-----END RSA PRIVATE KEY-----\n"},
		"privateKey":"-----BEGIN PRIVATE KEY-----\nMIIE-pk8\n-----END PRIVATE KEY-----","password":"pw-value","db_uri":"postgres://admin:db-pass-value@db.example:5432/x",
		"nested":[{"access_token":"eyJ-token-value"},{"apiKey":"api-key-value"}],"notes":"a key of mine: -----BEGIN EC PRIVATE KEY----- inline-ec",
		"certificate-pinning":true,"port":5432,"empty_secret":""}`
	c := NewKeyCredentials([]byte(raw))
	masked, err := c.Masked()
	if err != nil {
		t.Fatal(err)
	}
	out := string(masked)
	for _, secret := range []string{"s3cr3t-value", "MIIE-private", "MIIE-pk8", "pw-value", "db-pass-value", "eyJ-token-value", "api-key-value", "inline-ec"} {
		if strings.Contains(out, secret) {
			t.Errorf("masked output holds %q:\n%s", secret, out)
		}
	}
	for _, keep := range []string{`"clientid": "sb-1!b2|it-rt-x!b3"`, "BEGIN CERTIFICATE", `"url": "https://x"`, "postgres://admin:" + Redacted + "@db.example:5432/x", `"port": 5432`, `"certificate-pinning": true`, `"empty_secret": ""`} {
		if !strings.Contains(out, keep) {
			t.Errorf("masked output lost %q:\n%s", keep, out)
		}
	}
	var back map[string]any
	if err := json.Unmarshal(masked, &back); err != nil {
		t.Errorf("masked output is not JSON: %v", err)
	}
	for _, printed := range []string{fmt.Sprint(c), fmt.Sprintf("%+v %#v %s", c, c, c)} {
		if strings.Contains(printed, "s3cr3t") {
			t.Errorf("credentials printed: %s", printed)
		}
	}
	if b, _ := json.Marshal(struct{ C KeyCredentials }{c}); strings.Contains(string(b), "s3cr3t") {
		t.Errorf("credentials marshalled: %s", b)
	}
	if !strings.Contains(string(c.Reveal()), "s3cr3t-value") {
		t.Error("Reveal lost the secret")
	}
	if _, err := NewKeyCredentials([]byte(`{"a":`)).Masked(); err == nil {
		t.Error("malformed credentials masked without error")
	}
}

func TestIsSecretField(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"clientsecret": true, "client_secret": true, "clientSecret": true, "password": true, "key": true, "privateKey": true,
		"private-key": true, "access_token": true, "refreshToken": true, "apikey": true, "passphrase": true,
		"clientid": false, "certificate": false, "url": false, "tokenurl": false, "token_endpoint": false, "uaadomain": false, "keyid": false, "certurl": false,
	} {
		if got := IsSecretField(name); got != want {
			t.Errorf("IsSecretField(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestMaskedDemoKeys masks every key of the demo foundation and checks no seeded secret survives.
func TestMaskedDemoKeys(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	secrets := f.fake.Secrets()
	for _, k := range f.fake.Keys() {
		creds, err := c.Details(context.Background(), k.GUID)
		if err != nil {
			continue // the key being created
		}
		masked, err := creds.Masked()
		if err != nil {
			t.Fatalf("%s: %v", k.Name, err)
		}
		for _, s := range secrets {
			if len(s) > 8 && strings.Contains(string(masked), s) {
				t.Errorf("%s: masked credentials hold a secret", k.Name)
			}
		}
	}
}

// Issue 13, defect 13: Display summarises PEM certificates in one line, and says so when a string that announces
// a certificate holds none that parses, instead of counting it as one.
func TestDisplaySummarisesPEM(t *testing.T) {
	t.Parallel()
	root, err := pki.NewRootCA("CN=Summary CA,O=cffake,C=DE", testNow.AddDate(-1, 0, 0), testNow.AddDate(1, 0, 0), 9)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := root.Issue("CN=summary,O=cffake,C=DE", big.NewInt(10), testNow.Add(-time.Hour), testNow.AddDate(0, 0, 30))
	if err != nil {
		t.Fatal(err)
	}
	const broken = "-----BEGIN CERTIFICATE-----\nnot a certificate, a placeholder\n-----END CERTIFICATE-----\n"
	tests := []struct{ name, pem, want string }{
		{"one certificate", leaf.CertPEM, "<PEM: 1 certificate, %d bytes>"},
		{"a chain", leaf.CertPEM + root.PEM, "<PEM: 2 certificates, %d bytes>"},
		{"escaped newlines", strings.ReplaceAll(leaf.CertPEM, "\n", `\n`), "<PEM: 1 certificate, %d bytes>"},
		{"a placeholder", broken, "<PEM: not a valid certificate, %d bytes>"},
		{"a truncated body", leaf.CertPEM[:len(leaf.CertPEM)/2] + "\n-----END CERTIFICATE-----\n", "<PEM: not a valid certificate, %d bytes>"},
		{"no END line", "-----BEGIN CERTIFICATE-----\nMIIB", "<PEM: not a valid certificate, %d bytes>"},
		{"two placeholders", broken + broken, "<PEM: 2 certificates, none valid, %d bytes>"},
		{"a chain with a placeholder", leaf.CertPEM + broken + root.PEM, "<PEM: 3 certificates, 1 not valid, %d bytes>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw, _ := json.Marshal(map[string]string{"certificate": tc.pem, "url": "https://x"})
			out, err := NewKeyCredentials(raw).Display()
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf(`"certificate": "`+tc.want+`"`, len(tc.pem))
			if !strings.Contains(string(out), want) || !strings.Contains(string(out), `"url": "https://x"`) {
				t.Errorf("Display:\n%s\nwant %s", out, want)
			}
		})
	}
}

// TestMaskedSecretsInsideStrings: secrets a broker puts inside a string the masked view shows, a connection string's
// Password= or SharedAccessKey=, a URL's password= parameter, the password of a URL Go cannot parse, are masked.
func TestMaskedSecretsInsideStrings(t *testing.T) {
	t.Parallel()
	raw := `{"connection":"Server=tcp:db.example,1433;User ID=app;Password=p4ss-w0rd-value;Encrypt=true",
		"primary_connection_string":"Endpoint=sb://bus.example/;SharedAccessKeyName=root;SharedAccessKey=abcDEF123sak=",
		"events":"https://h.example/x?sv=1&password=qwerty-value&x=1",
		"broken_uri":"postgres://admin:bad%zz-value@db.example:5432/x"}`
	masked, err := NewKeyCredentials([]byte(raw)).Masked()
	if err != nil {
		t.Fatal(err)
	}
	out := string(masked)
	for _, secret := range []string{"p4ss-w0rd-value", "abcDEF123sak", "qwerty-value", "bad%zz-value"} {
		if strings.Contains(out, secret) {
			t.Errorf("masked output holds %q:\n%s", secret, out)
		}
	}
	for _, keep := range []string{"Server=tcp:db.example,1433;User ID=app;Password=" + Redacted + ";Encrypt=true", "Endpoint=sb://bus.example/;",
		"https://h.example/x?sv=1&password=" + Redacted + "&x=1", "postgres://admin:" + Redacted + "@db.example:5432/x"} {
		if !strings.Contains(out, keep) {
			t.Errorf("masked output lost %q:\n%s", keep, out)
		}
	}
}
