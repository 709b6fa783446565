package expiry

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"strconv"
	"strings"
	"sync"
)

const pemCertHeader = "-----BEGIN CERTIFICATE-----"

// errNotPEM says a string has a certificate header but no block that decodes as PEM (broken base64, missing
// END line, placeholder text).
var errNotPEM = errors.New("not valid PEM")

// parsedCert is one certificate decoded from a PEM string, remembering which string (chain) it came from.
type parsedCert struct {
	cert  *x509.Certificate
	path  string // the credentials path of the PEM string
	chain int    // index of the PEM string among all decoded strings
	order int    // position within its chain
}

// decodeChain decodes every CERTIFICATE block of a PEM string. Other blocks (private keys) are skipped without
// being kept. A string whose newlines were escaped twice ("\\n" in the JSON) is read as well.
func decodeChain(value, path string, id int) ([]parsedCert, error) {
	certs, err := decodeBlocks(value, path, id)
	if len(certs) == 0 && strings.Contains(value, `\n`) {
		certs, err = decodeBlocks(strings.ReplaceAll(value, `\n`, "\n"), path, id)
	}
	return certs, err
}

func decodeBlocks(value, path string, id int) ([]parsedCert, error) {
	rest := []byte(value)
	var certs []parsedCert
	var firstErr error
	for {
		block, r := pem.Decode(rest)
		if block == nil {
			break
		}
		rest = r
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := parseCertificate(block.Bytes)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		certs = append(certs, parsedCert{cert: c, path: path, chain: id, order: len(certs)})
	}
	if len(certs) == 0 && firstErr == nil {
		firstErr = errNotPEM
	}
	return certs, firstErr
}

// CountCertificates counts the certificates a PEM string announces (its "BEGIN CERTIFICATE" lines) as Extract
// reads them, escaped newlines too: valid ones parse as X.509 certificates, invalid ones do not (broken base64, a
// placeholder, a truncated body).
func CountCertificates(value string) (valid, invalid int) {
	announced := strings.Count(value, pemCertHeader)
	if announced == 0 {
		return 0, 0
	}
	certs, _ := decodeChain(value, "", 0)
	return len(certs), max(announced-len(certs), 0)
}

// isCA reports whether a certificate is a CA certificate.
func isCA(c *x509.Certificate) bool {
	return c.BasicConstraintsValid && c.IsCA
}

// pickLeaf chooses the certificate whose expiry is the key's: the earliest-expiring non-CA certificate, or, when
// every certificate is a CA, the first certificate of the first chain.
func pickLeaf(certs []parsedCert) *parsedCert {
	var leaf *parsedCert
	for i := range certs {
		c := &certs[i]
		if isCA(c.cert) {
			continue
		}
		if leaf == nil || c.cert.NotAfter.Before(leaf.cert.NotAfter) {
			leaf = c
		}
	}
	if leaf == nil && len(certs) > 0 {
		leaf = &certs[0]
	}
	return leaf
}

// matchLeaf returns the certificate whose subject is dn, or the leaf pickLeaf would choose when none matches.
func matchLeaf(certs []parsedCert, dn string) *parsedCert {
	want := canonicalDN(dn)
	for i := range certs {
		if want != "" && canonicalDN(DN(certs[i].cert.RawSubject)) == want {
			return &certs[i]
		}
	}
	return pickLeaf(certs)
}

// describe turns a parsed leaf into a Certificate, checking the CAs of its own chain for an earlier expiry.
func (p *parsedCert) describe(all []parsedCert) *Certificate {
	c := &Certificate{
		SubjectDN: DN(p.cert.RawSubject),
		IssuerDN:  DN(p.cert.RawIssuer),
		Serial:    Serial(p.cert),
		NotAfter:  p.cert.NotAfter.UTC(),
		NotBefore: p.cert.NotBefore.UTC(),
		Source:    SourcePEM,
		Path:      p.path,
	}
	for _, other := range all {
		if other.chain != p.chain || other.order == p.order || !isCA(other.cert) {
			continue
		}
		if other.cert.NotAfter.Before(c.NotAfter) && (!c.ChainExpiresFirst || other.cert.NotAfter.Before(c.ChainNotAfter)) {
			c.ChainExpiresFirst = true
			c.ChainNotAfter = other.cert.NotAfter.UTC()
			c.ChainSubjectDN = DN(other.cert.RawSubject)
		}
	}
	return c
}

// Serial renders a certificate's serial number as SAP does: "0x" and upper-case hex.
func Serial(c *x509.Certificate) string {
	if c.SerialNumber == nil {
		return ""
	}
	if c.SerialNumber.Sign() < 0 {
		return "-0x" + strings.ToUpper(new(big.Int).Neg(c.SerialNumber).Text(16))
	}
	return "0x" + strings.ToUpper(c.SerialNumber.Text(16))
}

// canonicalDN folds a DN for comparison: case-insensitive, blind to spaces after separators, and blind to whether
// non-ASCII characters are written as UTF-8 (as DN does) or as hex escapes (openssl's default "\C3\BC").
func canonicalDN(dn string) string {
	dn = strings.ToLower(strings.TrimSpace(unescapeNonASCII(dn)))
	dn = strings.ReplaceAll(dn, ", ", ",")
	dn = strings.ReplaceAll(dn, " = ", "=")
	return dn
}

// unescapeNonASCII turns the RFC 4514 hex escapes of bytes 0x80 and above ("\C3\BC") back into the bytes
// themselves, leaving every other escape, including an escaped backslash, as written.
func unescapeNonASCII(dn string) string {
	if !strings.Contains(dn, `\`) {
		return dn
	}
	var b strings.Builder
	for i := 0; i < len(dn); i++ {
		if dn[i] != '\\' || i+1 >= len(dn) {
			b.WriteByte(dn[i])
			continue
		}
		if i+2 < len(dn) {
			if v, err := strconv.ParseUint(dn[i+1:i+3], 16, 8); err == nil && v >= 0x80 {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteString(dn[i : i+2]) // any other escape is kept whole, so "\\C3" stays a backslash and "C3"
		i++
	}
	return b.String()
}

// parsedCache keeps parsed certificates by their DER bytes. Keys of one foundation share their issuing and root
// CAs (every SAP-generated key carries the same two), so a sweep parses each CA once instead of once per key.
// Parsed certificates are only read, so sharing them across goroutines is safe.
var parsedCache struct {
	sync.Mutex
	m map[string]*x509.Certificate
}

// maxParsedCache bounds the cache; past it, certificates are parsed without being kept.
const maxParsedCache = 512

// parseCertificate is x509.ParseCertificate with parsedCache in front of it.
func parseCertificate(der []byte) (*x509.Certificate, error) {
	parsedCache.Lock()
	c, ok := parsedCache.m[string(der)]
	parsedCache.Unlock()
	if ok {
		return c, nil
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if isCA(c) { // leaves are unique per key: caching them would only fill the cache
		parsedCache.Lock()
		if parsedCache.m == nil {
			parsedCache.m = map[string]*x509.Certificate{}
		}
		if len(parsedCache.m) < maxParsedCache {
			parsedCache.m[string(der)] = c
		}
		parsedCache.Unlock()
	}
	return c, nil
}
