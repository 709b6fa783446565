package expiry

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // checking fingerprints
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/pki"
)

func TestParseChain(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	root, err := pki.NewRootCA("CN=Root,O=Test,C=DE", now.AddDate(-5, 0, 0), now.AddDate(15, 0, 0), 1)
	if err != nil {
		t.Fatal(err)
	}
	long, _ := root.NewIntermediate("CN=Long CA,O=Test,C=DE", now.AddDate(-1, 0, 0), now.AddDate(3, 0, 0), 2)
	short, _ := root.NewIntermediate("CN=Short CA,O=Test,C=DE", now.AddDate(-7, 0, 0), now.AddDate(0, 0, 45), 3)
	leafLong, _ := long.Issue("CN=leaf-a,O=Test,C=DE", big.NewInt(10), now.AddDate(0, 0, -10), now.AddDate(1, 0, 0))
	leafShort, _ := short.Issue("CN=leaf-b,O=Test,C=DE", big.NewInt(11), now.AddDate(0, 0, -10), now.AddDate(1, 0, 0))

	tests := []struct {
		name     string
		pem      string
		subjects []string
		decides  string
		cas      []bool
		wantErr  bool
	}{
		{name: "the leaf decides", pem: leafLong.CertPEM + long.PEM + root.PEM,
			subjects: []string{"CN=leaf-a,O=Test,C=DE", "CN=Long CA,O=Test,C=DE", "CN=Root,O=Test,C=DE"}, decides: "CN=leaf-a,O=Test,C=DE", cas: []bool{false, true, true}},
		{name: "a CA expires first", pem: leafShort.CertPEM + short.PEM + root.PEM,
			subjects: []string{"CN=leaf-b,O=Test,C=DE", "CN=Short CA,O=Test,C=DE", "CN=Root,O=Test,C=DE"}, decides: "CN=Short CA,O=Test,C=DE", cas: []bool{false, true, true}},
		{name: "a private key is skipped", pem: leafLong.KeyPEM + leafLong.CertPEM,
			subjects: []string{"CN=leaf-a,O=Test,C=DE"}, decides: "CN=leaf-a,O=Test,C=DE", cas: []bool{false}},
		{name: "newlines escaped twice", pem: strings.ReplaceAll(leafLong.CertPEM, "\n", `\n`),
			subjects: []string{"CN=leaf-a,O=Test,C=DE"}, decides: "CN=leaf-a,O=Test,C=DE", cas: []bool{false}},
		{name: "not PEM", pem: "-----BEGIN CERTIFICATE-----\nnot base64\n", wantErr: true},
		{name: "empty", pem: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseChain(tt.pem)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseChain = %d certificates, want an error", len(got))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.subjects) {
				t.Fatalf("%d certificates, want %d", len(got), len(tt.subjects))
			}
			for i, c := range got {
				if c.Subject != tt.subjects[i] || c.IsCA != tt.cas[i] {
					t.Errorf("certificate %d = %s (CA %v), want %s (CA %v)", i, c.Subject, c.IsCA, tt.subjects[i], tt.cas[i])
				}
				if c.Decides != (c.Subject == tt.decides) {
					t.Errorf("certificate %s decides = %v, want it on %s", c.Subject, c.Decides, tt.decides)
				}
				// The fingerprints are of the DER, as crypto/sha1 and crypto/sha256 compute them.
				s256, s1 := sha256.Sum256(c.DER), sha1.Sum(c.DER) //nolint:gosec
				if c.SHA256 != Fingerprint(s256[:]) || c.SHA1 != Fingerprint(s1[:]) || len(c.SHA256) != 32*3-1 {
					t.Errorf("certificate %d fingerprints %s / %s", i, c.SHA1, c.SHA256)
				}
				if c.KeyType == "" {
					t.Errorf("certificate %d has no key type", i)
				}
			}
			// The saved PEM holds exactly the chain's certificates and nothing else.
			saved := EncodePEM(got)
			if strings.Contains(string(saved), "PRIVATE KEY") {
				t.Error("the saved chain holds a private key")
			}
			again, err := ParseChain(string(saved))
			if err != nil || len(again) != len(got) {
				t.Errorf("the saved chain reads back as %d certificates (%v)", len(again), err)
			}
		})
	}
}

func TestChainCertKeyAndSANs(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(0xABCD), Subject: pkix.Name{CommonName: "svc"},
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		DNSNames: []string{"svc.example"}, IPAddresses: []net.IP{net.ParseIP("10.0.0.1")}, EmailAddresses: []string{"ops@example.com"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseChain(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	if err != nil {
		t.Fatal(err)
	}
	c := got[0]
	if c.KeyType != "ECDSA P-256" || c.KeyBits != 256 {
		t.Errorf("key %s %d, want ECDSA P-256 256", c.KeyType, c.KeyBits)
	}
	if strings.Join(c.SANs, ",") != "svc.example,10.0.0.1,ops@example.com" {
		t.Errorf("SANs %v", c.SANs)
	}
	if c.Serial != "0xABCD" || !c.Decides {
		t.Errorf("serial %s decides %v", c.Serial, c.Decides)
	}
	if d := c.DaysLeft(time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC)); d != 0 {
		t.Errorf("days left on the last day = %d, want 0", d)
	}
}

func TestExtractChain(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	root, _ := pki.NewRootCA("CN=Root,O=Test,C=DE", now.AddDate(-5, 0, 0), now.AddDate(15, 0, 0), 1)
	ca, _ := root.NewIntermediate("CN=CA,O=Test,C=DE", now.AddDate(-1, 0, 0), now.AddDate(3, 0, 0), 2)
	leaf, _ := ca.Issue("CN=leaf,O=Test,C=DE", big.NewInt(9), now, now.AddDate(1, 0, 0))
	creds, _ := json.Marshal(map[string]any{"clientid": "x", "uaa": map[string]any{"certificate": leaf.CertPEM + ca.PEM, "key": leaf.KeyPEM}})
	chain, err := ExtractChain(creds)
	if err != nil {
		t.Fatal(err)
	}
	if chain.Path != "uaa.certificate" || len(chain.Certs) != 2 || chain.Certs[0].Subject != "CN=leaf,O=Test,C=DE" {
		t.Errorf("chain %s with %d certificates", chain.Path, len(chain.Certs))
	}
	if _, err := ExtractChain([]byte(`{"clientid":"x","clientsecret":"y"}`)); !errors.Is(err, ErrNoChain) {
		t.Errorf("a client-secret key: %v, want ErrNoChain", err)
	}
}
