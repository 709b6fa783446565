package cffake

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/internal/testclock"
)

// TestSeedMaterialShared checks what foundations seeded at the same instant share (their certificates, so the
// tests' many fakes sign them once) and what they do not (their secrets), and that a foundation seeded at another
// instant, or a key created later, gets certificates of its own.
func TestSeedMaterialShared(t *testing.T) {
	t.Parallel()
	at := testclock.Start.Add(17 * time.Minute) // an instant no other test seeds at
	seed := func(now time.Time) *Server {
		s, err := New(Options{Clock: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b, later := seed(at), seed(at), seed(at.Add(time.Second))
	certificate := func(s *Server, name string) string {
		k, ok := s.Key(name)
		if !ok {
			t.Fatalf("no key %q", name)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.binds[k.GUID].Credentials["oauth"].(map[string]any)["certificate"].(string)
	}
	const name = "erp-orders-sender"
	if certificate(a, name) != certificate(b, name) {
		t.Error("two foundations seeded at the same instant signed the same key's certificate twice")
	}
	if certificate(a, name) == certificate(later, name) {
		t.Error("a foundation seeded a second later has the same certificate, whose dates are a second off")
	}
	if a.Password(AdminUser) == b.Password(AdminUser) || a.ClientSecret(MonitorClient) == b.ClientSecret(MonitorClient) {
		t.Error("two foundations share a secret")
	}
	if a.pki.clientCA != b.pki.clientCA || a.seeding != nil {
		t.Errorf("certificate authorities not shared, or still seeding after New")
	}

	spec := certSpec{subject: "CN=created,O=cffake", notAfter: at.AddDate(1, 0, 0)}
	first, _, err := a.issue(spec, at)
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := b.issue(spec, at)
	if err != nil {
		t.Fatal(err)
	}
	if first.CertPEM == second.CertPEM {
		t.Error("keys created after seeding share a certificate")
	}
}

// TestSeededKeyMatchesItsCertificate checks that a seeded key's private key (pki's fixed one) is the 2048-bit RSA
// key its certificate names, written as SAP writes its generated keys, with no "TESTING KEY" label left.
func TestSeededKeyMatchesItsCertificate(t *testing.T) {
	t.Parallel()
	s, err := New(Options{Clock: testclock.New(testclock.Start).Now})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := s.Key("erp-orders-sender")
	s.mu.Lock()
	oauth := s.binds[k.GUID].Credentials["oauth"].(map[string]any)
	keyPEM, chain := oauth["key"].(string), oauth["certificate"].(string)
	s.mu.Unlock()
	block, _ := pem.Decode([]byte(keyPEM))
	if block == nil || block.Type != "RSA PRIVATE KEY" || strings.Contains(keyPEM, "TESTING") {
		t.Fatalf("key PEM:\n%s", keyPEM)
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := key.Validate(); err != nil || key.N.BitLen() != 2048 {
		t.Fatalf("key: %d bits, %v", key.N.BitLen(), err)
	}
	certBlock, _ := pem.Decode([]byte(chain))
	cert, err := x509.ParseCertificate(certBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if pub, ok := cert.PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
		t.Error("the certificate does not name the key")
	}
}

// TestSeedMaterialBounded: past maxSeedInstants the oldest instant's material is dropped, and only it: one
// foundation seeded on the real clock more does not cost every other instant its certificates.
func TestSeedMaterialBounded(t *testing.T) {
	seeded.Lock()
	saved, savedOrder := seeded.at, seeded.order
	seeded.at, seeded.order = map[int64]*seedMaterial{}, nil
	seeded.Unlock()
	t.Cleanup(func() {
		seeded.Lock()
		seeded.at, seeded.order = saved, savedOrder
		seeded.Unlock()
	})
	base := testclock.Start.Add(23 * time.Minute)
	first, err := seedMaterialAt(base)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= maxSeedInstants; i++ {
		if _, err := seedMaterialAt(base.Add(time.Duration(i) * time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	seeded.Lock()
	n, kept := len(seeded.at), seeded.at[base.Add(time.Second).UnixNano()]
	seeded.Unlock()
	if n != maxSeedInstants || kept == nil {
		t.Errorf("%d instants kept, the second oldest kept: %v; want %d and true", n, kept != nil, maxSeedInstants)
	}
	if again, _ := seedMaterialAt(base); again == first {
		t.Error("the oldest instant's material was not dropped")
	}
}
