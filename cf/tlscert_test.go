package cf

import (
	"crypto/tls"
	"net/http/httptest"

	"github.com/cfkeys/cfkeys/internal/testcert"
)

// startTLS starts srv over HTTPS with testcert's certificate, which the hostile tests' servers share as httptest's
// own servers share theirs: every server's client trusts it, so only cfkeys' rules keep a token from another
// origin. It is ECDSA: those tests open hundreds of connections, and httptest's RSA certificate made each
// handshake cost a 2048-bit signature.
func startTLS(srv *httptest.Server) {
	cert, _ := testcert.Localhost()
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
}
