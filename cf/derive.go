package cf

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"math"
	"strings"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// KeyShape is what kind of key an old key is, as far as renewing it is concerned.
type KeyShape string

// The shapes of keys cfkeys can renew.
const (
	ShapeSecret      KeyShape = "client-secret"        // no certificate: a new key gets a new secret
	ShapeCertificate KeyShape = "certificate"          // a certificate the broker generates
	ShapeExternal    KeyShape = "external-certificate" // a certificate its owner brought: a new one is needed
	ShapeUnknown     KeyShape = "unknown"              // cfkeys cannot tell how to renew it
)

// DeriveParameters works out the create parameters of a successor from an old key's credentials, for offerings
// whose broker does not return a key's parameters: it-rt certificate keys get key-type certificate with the old
// certificate's lifetime in days (at most 365) and key length; xsuaa x509 keys get credential-type x509 with
// validity (at most 30 days) and key length likewise; keys without a certificate get no parameters. An it-rt key
// with a certificate but no private key is an external certificate: its owner must bring a new one.
func DeriveParameters(offering string, creds KeyCredentials, f expiry.Finding) (map[string]any, KeyShape) {
	if f.Certificate == nil {
		if f.Kind == expiry.KindUnknown {
			return nil, ShapeUnknown
		}
		return nil, ShapeSecret
	}
	leaf := leafCertificate(creds.Reveal(), f.Certificate)
	if leaf == nil {
		return nil, ShapeUnknown
	}
	days := int(math.Ceil(leaf.NotAfter.Sub(leaf.NotBefore).Hours() / 24))
	bits := publicKeyBits(leaf)
	switch offering {
	case OfferingIntegrationRuntime:
		if !strings.Contains(string(creds.Reveal()), "PRIVATE KEY-----") {
			return map[string]any{"key-type": "certificate_external"}, ShapeExternal
		}
		p := map[string]any{"key-type": "certificate", "validity": min(max(days, 1), 365)}
		if bits > 0 {
			p["key-length"] = bits
		}
		return p, ShapeCertificate
	case OfferingXSUAA:
		x := map[string]any{"validity": min(max(days, 1), 30), "validity-type": "DAYS"}
		if bits > 0 {
			x["key-length"] = bits
		}
		return map[string]any{"credential-type": "x509", "x509": x}, ShapeCertificate
	}
	return nil, ShapeUnknown
}

// ShapeOfParameters tells a key's shape from the parameters it was created with, as GET .../parameters returns
// them (for it-rt and xsuaa; other offerings' parameters say nothing cfkeys understands).
func ShapeOfParameters(offering string, p map[string]any, f expiry.Finding) KeyShape {
	switch offering {
	case OfferingIntegrationRuntime:
		switch p["key-type"] {
		case "certificate_external":
			return ShapeExternal
		case "certificate":
			return ShapeCertificate
		case nil, "clientsecret":
			if f.Certificate != nil {
				return ShapeUnknown // parameters and credentials disagree
			}
			return ShapeSecret
		}
		return ShapeUnknown
	case OfferingXSUAA:
		if p["credential-type"] == "x509" {
			if x, ok := p["x509"].(map[string]any); ok && x["certificate"] != nil {
				return ShapeExternal // a self-managed certificate
			}
			return ShapeCertificate
		}
		return ShapeSecret
	}
	if f.Certificate != nil {
		return ShapeCertificate
	}
	return ShapeSecret
}

// leafCertificate finds the certificate of a key's credentials that the finding describes (same expiry and
// serial), or the first non-CA certificate.
func leafCertificate(raw json.RawMessage, want *expiry.Certificate) *x509.Certificate {
	var certs []*x509.Certificate
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for _, e := range t {
				walk(e)
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		case string:
			rest := []byte(t)
			for {
				var b *pem.Block
				b, rest = pem.Decode(rest)
				if b == nil {
					return
				}
				if b.Type == "CERTIFICATE" {
					if c, err := x509.ParseCertificate(b.Bytes); err == nil {
						certs = append(certs, c)
					}
				}
			}
		}
	}
	var tree any
	dec := json.NewDecoder(bytes.NewReader(raw))
	if dec.Decode(&tree) != nil {
		return nil
	}
	walk(tree)
	var first *x509.Certificate
	for _, c := range certs {
		if c.IsCA {
			continue
		}
		if want != nil && c.NotAfter.Equal(want.NotAfter) && (want.Serial == "" || expiry.SameSerial(want.Serial, c.SerialNumber.Text(16))) {
			return c
		}
		if first == nil {
			first = c
		}
	}
	return first
}

func publicKeyBits(c *x509.Certificate) int {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return k.N.BitLen()
	case *ecdsa.PublicKey:
		return k.Curve.Params().BitSize
	}
	return 0
}
