package cf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http/httptest"
	"sync"
	"time"
)

// localhostCert is the certificate the hostile tests' HTTPS servers share, as httptest's own is shared: it names
// 127.0.0.1, ::1 and example.com, and every server's client trusts it, so only cfkeys' rules keep a token from
// another origin. It is ECDSA: a TLS handshake with httptest's RSA certificate costs a 2048-bit signature, and
// these tests open hundreds of connections.
var localhostCert = sync.OnceValue(func() tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Organization: []string{"cfkeys tests"}},
		NotBefore:             time.Unix(0, 0),
		NotAfter:              time.Date(2084, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"example.com"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
})

// startTLS starts srv over HTTPS with localhostCert.
func startTLS(srv *httptest.Server) {
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{localhostCert()}}
	srv.StartTLS()
}
