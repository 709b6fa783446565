// Package pki issues throw-away certificate authorities and client certificates with chosen subjects and
// validity. The fake foundation uses it to give its service keys real, parseable certificate chains, and tests use
// it to build the exact chains they need (expired leaves, CAs that expire first, SAP-style subjects).
//
// Keys are shared: every leaf carries one fixed RSA key (leafkey.go) and every CA one ECDSA key generated once per
// process. The certificates are real, the security is not the point.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"
)

var (
	keysOnce sync.Once
	leafKey  *rsa.PrivateKey   // RSA, as SAP's generated keys are ("BEGIN RSA PRIVATE KEY"); fixed, see leafKeyPEM
	caKey    *ecdsa.PrivateKey // ECDSA keeps signing hundreds of leaves fast
	keysErr  error
)

func keys() (*rsa.PrivateKey, *ecdsa.PrivateKey, error) {
	keysOnce.Do(func() {
		block, _ := pem.Decode([]byte(testingKey(leafKeyPEM)))
		if block == nil {
			keysErr = errors.New("pki: the leaf key does not decode")
			return
		}
		if leafKey, keysErr = x509.ParsePKCS1PrivateKey(block.Bytes); keysErr != nil {
			return
		}
		caKey, keysErr = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	})
	return leafKey, caKey, keysErr
}

// CA is a certificate authority that can issue leaf certificates.
type CA struct {
	Cert *x509.Certificate
	PEM  string
	key  crypto.Signer
}

// Leaf is an issued client certificate with its private key, both PEM-encoded.
type Leaf struct {
	Cert    *x509.Certificate
	CertPEM string
	KeyPEM  string
}

// NewRootCA creates a self-signed CA with the given subject DN (written most specific first, "CN=...,O=...,C=DE").
func NewRootCA(subjectDN string, notBefore, notAfter time.Time, serial int64) (*CA, error) {
	_, key, err := keys()
	if err != nil {
		return nil, err
	}
	return newCA(subjectDN, notBefore, notAfter, serial, nil, key)
}

// NewIntermediate creates a CA signed by parent.
func (parent *CA) NewIntermediate(subjectDN string, notBefore, notAfter time.Time, serial int64) (*CA, error) {
	return newCA(subjectDN, notBefore, notAfter, serial, parent, parent.key)
}

func newCA(subjectDN string, notBefore, notAfter time.Time, serial int64, parent *CA, signer crypto.Signer) (*CA, error) {
	_, key, err := keys()
	if err != nil {
		return nil, err
	}
	raw, err := RawDN(subjectDN)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		RawSubject:            raw,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	issuer := tmpl
	if parent != nil {
		issuer = parent.Cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("creating CA %q: %w", subjectDN, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, PEM: encode("CERTIFICATE", der), key: key}, nil
}

// Issue creates a client certificate signed by the CA.
func (ca *CA) Issue(subjectDN string, serial *big.Int, notBefore, notAfter time.Time) (*Leaf, error) {
	lk, _, err := keys()
	if err != nil {
		return nil, err
	}
	raw, err := RawDN(subjectDN)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		RawSubject:            raw,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, lk.Public(), ca.key)
	if err != nil {
		return nil, fmt.Errorf("issuing %q: %w", subjectDN, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Leaf{
		Cert:    cert,
		CertPEM: encode("CERTIFICATE", der),
		KeyPEM:  encode("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(lk)),
	}, nil
}

func encode(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// attributeOIDs maps the DN attribute names used here to their OIDs.
var attributeOIDs = map[string]asn1.ObjectIdentifier{
	"C":  {2, 5, 4, 6},
	"ST": {2, 5, 4, 8},
	"L":  {2, 5, 4, 7},
	"O":  {2, 5, 4, 10},
	"OU": {2, 5, 4, 11},
	"CN": {2, 5, 4, 3},
}

// RawDN encodes a DN written most specific first ("CN=x,L=sap-uaa,OU=a,OU=b,O=SAP SE,C=DE") as the DER RDN
// sequence a certificate carries, keeping the order and repeated attributes exactly as written. A backslash
// escapes a comma inside a value.
func RawDN(dn string) ([]byte, error) {
	parts := splitDN(dn)
	seq := make(pkix.RDNSequence, 0, len(parts))
	for i := len(parts) - 1; i >= 0; i-- {
		k, v, ok := strings.Cut(parts[i], "=")
		oid, known := attributeOIDs[strings.ToUpper(strings.TrimSpace(k))]
		if !ok || !known {
			return nil, fmt.Errorf("DN %q: cannot read attribute %q", dn, parts[i])
		}
		seq = append(seq, pkix.RelativeDistinguishedNameSET{{Type: oid, Value: v}})
	}
	return asn1.Marshal(seq)
}

func splitDN(dn string) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(dn); i++ {
		switch {
		case dn[i] == '\\' && i+1 < len(dn):
			i++
			cur.WriteByte(dn[i])
		case dn[i] == ',':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(dn[i])
		}
	}
	return append(parts, cur.String())
}
