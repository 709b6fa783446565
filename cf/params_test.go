package cf

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/pki"
)

func TestPresetsWriteSAPsJSON(t *testing.T) {
	t.Parallel()
	root, err := pki.NewRootCA("CN=T,O=T", testNow.AddDate(-1, 0, 0), testNow.AddDate(2, 0, 0), 1)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := root.Issue("CN=leaf", big.NewInt(9), testNow, testNow.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, offering string
		preset         KeyPreset
		want           string // exact JSON; "" with wantErr
		wantErr        bool
	}{
		// cf-fixtures/pi_runtime_key_params_certificate.json
		{"it-rt certificate", "it-rt", KeyPreset{KeyType: "certificate", Validity: 365, KeyLength: 2048}, `{"key-length":2048,"key-type":"certificate","validity":365}`, false},
		{"it-rt certificate, broker defaults", "it-rt", KeyPreset{KeyType: "certificate"}, `{"key-type":"certificate"}`, false},
		{"it-rt client secret", "it-rt", KeyPreset{KeyType: "client-secret"}, `null`, false},
		{"it-rt external", "it-rt", KeyPreset{KeyType: "external-certificate", CertificatePEM: leaf.CertPEM}, `{"X.509":` + jsonString(leaf.CertPEM) + `,"key-type":"certificate_external"}`, false},
		// cf-fixtures/xsuaa_key_params_x509_generated.json
		{"xsuaa x509", "xsuaa", KeyPreset{CredentialType: "x509", Validity: 8, KeyLength: 2048}, `{"credential-type":"x509","x509":{"key-length":2048,"validity":8,"validity-type":"DAYS"}}`, false},
		{"xsuaa binding secret", "xsuaa", KeyPreset{CredentialType: "binding-secret"}, `{"credential-type":"binding-secret"}`, false},
		{"no preset elsewhere", "destination", KeyPreset{}, `null`, false},
		{"it-rt validity too long", "it-rt", KeyPreset{KeyType: "certificate", Validity: 366}, "", true},
		{"xsuaa validity too long", "xsuaa", KeyPreset{CredentialType: "x509", Validity: 31}, "", true},
		{"it-rt key length", "it-rt", KeyPreset{KeyType: "certificate", KeyLength: 8192}, "", true},
		{"xsuaa preset on it-rt", "it-rt", KeyPreset{CredentialType: "x509"}, "", true},
		{"it-rt preset on xsuaa", "xsuaa", KeyPreset{KeyType: "certificate"}, "", true},
		{"preset on another offering", "enterprise-messaging", KeyPreset{CredentialType: "x509"}, "", true},
		{"external without a PEM", "it-rt", KeyPreset{KeyType: "external-certificate"}, "", true},
		{"external with a private key", "it-rt", KeyPreset{KeyType: "external-certificate", CertificatePEM: leaf.CertPEM + leaf.KeyPEM}, "", true},
		{"validity on a secret", "it-rt", KeyPreset{KeyType: "client-secret", Validity: 3}, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.preset.Parameters(tc.offering)
			var pe *PresetError
			if tc.wantErr {
				if !errors.As(err, &pe) {
					t.Fatalf("err = %v, want a *PresetError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if data, _ := json.Marshal(got); string(data) != tc.want {
				t.Errorf("got %s\nwant %s", data, tc.want)
			}
		})
	}
}

func jsonString(s string) string {
	data, _ := json.Marshal(s)
	return string(data)
}

func TestSafeJSONMasksSecrets(t *testing.T) {
	t.Parallel()
	out, err := SafeJSON(map[string]any{"parameters": map[string]any{"clientsecret": "s3cr3t-value", "X.509": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "key-type": "certificate_external"}})
	if err != nil {
		t.Fatal(err)
	}
	if contains := func(s string) bool { return strings.Contains(out, s) }; contains("s3cr3t-value") || contains("MIIB") || !contains("<PEM: not a valid certificate, 59 bytes>") || !contains("certificate_external") {
		t.Errorf("SafeJSON:\n%s", out)
	}
}
