// Package testcert gives tests one self-signed TLS certificate for local servers, as httptest has one of its own,
// but ECDSA: a handshake with httptest's RSA 2048 certificate costs a 2048-bit signature, and the tests open
// hundreds of connections.
package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"sync"
	"time"
)

// Localhost returns the certificate (for a server's tls.Config) and a pool that trusts it (for a client). It
// names 127.0.0.1, ::1, localhost and example.com, is valid from 1970 to 2084 whatever clock a test runs on,
// and is made once per process.
func Localhost() (tls.Certificate, *x509.CertPool) {
	c := localhost()
	pool := x509.NewCertPool()
	pool.AddCert(c.Leaf)
	return c, pool
}

var localhost = sync.OnceValue(func() tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Organization: []string{"cfkeys tests"}, CommonName: "localhost"},
		NotBefore:             time.Unix(0, 0),
		NotAfter:              time.Date(2084, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost", "example.com"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
})
