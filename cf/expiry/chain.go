package expiry

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // a fingerprint, as the keystore and the cockpit show it; not a signature
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ChainCert is one certificate of a key's chain as the full certificate view shows it: pure data, no key
// material.
type ChainCert struct {
	Subject   string // RFC 2253, most specific RDN first
	Issuer    string
	Serial    string // "0x" and upper-case hex, as SAP prints it
	NotBefore time.Time
	NotAfter  time.Time
	IsCA      bool
	// Decides is set on the certificate whose NotAfter ends the key's life: the leaf, or a CA of the chain that
	// expires before it.
	Decides bool
	SHA1    string // fingerprint of the DER, upper-case hex pairs joined by colons
	SHA256  string
	KeyType string // RSA, ECDSA P-256, Ed25519, ...
	KeyBits int    // 0 when the type has no size
	SANs    []string
	DER     []byte // the certificate itself, to save it as PEM
}

// DaysLeft is the number of whole days until the certificate's NotAfter (negative once past), as DaysRemaining
// counts them.
func (c ChainCert) DaysLeft(now time.Time) int { return DaysRemaining(c.NotAfter, now) }

// Chain is the certificates of one PEM string of a key's credentials, in their order there.
type Chain struct {
	Path  string // where in the credentials the PEM string is, e.g. "oauth.certificate"
	Certs []ChainCert
}

// ErrNoChain says credentials hold no PEM certificate (a client-secret key, or certificatedetails alone).
var ErrNoChain = errors.New("the credentials hold no PEM certificate")

// ParseChain decodes every CERTIFICATE block of a PEM string (other blocks, such as private keys, are skipped
// and not kept) and marks the certificate that decides the expiry: the earliest NotAfter of the chain, which is
// the leaf unless a CA expires first.
func ParseChain(pemText string) ([]ChainCert, error) {
	parsed, err := decodeChain(pemText, "", 0)
	if len(parsed) == 0 {
		if err == nil {
			err = errNotPEM
		}
		return nil, fmt.Errorf("certificate chain: %w", err)
	}
	out := make([]ChainCert, len(parsed))
	decides := 0
	for i, p := range parsed {
		out[i] = chainCert(p.cert)
		if p.cert.NotAfter.Before(parsed[decides].cert.NotAfter) {
			decides = i
		}
	}
	out[decides].Decides = true
	return out, nil
}

// ExtractChain finds the PEM chain of a key's credentials: the string holding the leaf Extract reports (matched
// by subject when certificatedetails gave the expiry), or ErrNoChain.
func ExtractChain(credentials []byte) (Chain, error) {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimSpace(credentials)))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return Chain{}, fmt.Errorf("certificate chain: the credentials are not valid JSON")
	}
	var w walker
	w.walk(tree, "", 0)
	certs, _ := w.decodePEMs()
	if len(certs) == 0 {
		return Chain{}, ErrNoChain
	}
	leaf := pickLeaf(certs)
	if f := Extract(credentials); f.Certificate != nil {
		leaf = matchLeaf(certs, f.Certificate.SubjectDN)
	}
	c := w.pems[leaf.chain]
	chain, err := ParseChain(c.value)
	if err != nil {
		return Chain{}, err
	}
	return Chain{Path: c.path, Certs: chain}, nil
}

// EncodePEM writes the chain's certificates as PEM, in order: public certificates only.
func EncodePEM(certs []ChainCert) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.DER})
	}
	return b.Bytes()
}

func chainCert(c *x509.Certificate) ChainCert {
	s1, s256 := sha1.Sum(c.Raw), sha256.Sum256(c.Raw) //nolint:gosec // fingerprints
	out := ChainCert{Subject: DN(c.RawSubject), Issuer: DN(c.RawIssuer), Serial: Serial(c), NotBefore: c.NotBefore.UTC(),
		NotAfter: c.NotAfter.UTC(), IsCA: isCA(c), SHA1: Fingerprint(s1[:]), SHA256: Fingerprint(s256[:]), DER: c.Raw}
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		out.KeyType, out.KeyBits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		out.KeyType, out.KeyBits = "ECDSA "+k.Curve.Params().Name, k.Curve.Params().BitSize
	case ed25519.PublicKey:
		out.KeyType = "Ed25519"
	default:
		out.KeyType = c.PublicKeyAlgorithm.String()
	}
	out.SANs = append(out.SANs, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		out.SANs = append(out.SANs, ip.String())
	}
	out.SANs = append(out.SANs, c.EmailAddresses...)
	for _, u := range c.URIs {
		out.SANs = append(out.SANs, u.String())
	}
	return out
}

// Fingerprint writes a digest as upper-case hex pairs joined by colons (AB:CD:...), as keystores show it.
func Fingerprint(sum []byte) string {
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}
