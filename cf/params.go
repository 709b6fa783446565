package cf

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// Offerings whose key parameters cfkeys knows (SAP's documented JSON).
const (
	OfferingIntegrationRuntime = "it-rt" // SAP Integration Suite, Process Integration Runtime
	OfferingXSUAA              = "xsuaa" // SAP Authorization and Trust Management
)

// Key types of an it-rt key, as --key-type names them.
const (
	KeyTypeClientSecret        = "client-secret"
	KeyTypeCertificate         = "certificate"
	KeyTypeExternalCertificate = "external-certificate"
)

// Credential types of an xsuaa key, as --credential-type names them.
const (
	CredentialTypeX509          = "x509"
	CredentialTypeBindingSecret = "binding-secret"
)

// KeyPreset describes a new key's parameters in the terms SAP's documentation uses; Parameters turns it into the
// exact JSON the offering's broker expects. The zero value is no preset.
type KeyPreset struct {
	KeyType        string // it-rt: client-secret, certificate, external-certificate
	CredentialType string // xsuaa: x509, binding-secret
	Validity       int    // days; 0 means the broker's default
	KeyLength      int    // bits; 0 means the broker's default
	CertificatePEM string // it-rt external-certificate: the customer's certificate
}

// IsZero reports whether no preset was given.
func (p KeyPreset) IsZero() bool { return p == KeyPreset{} }

// PresetError is a preset that does not fit the offering, or values outside what its broker accepts. It is
// found before any request is sent.
type PresetError struct {
	Offering string
	Reason   string
}

// Error says what does not fit.
func (e *PresetError) Error() string {
	if e.Offering == "" {
		return "key parameters: " + e.Reason
	}
	return fmt.Sprintf("key parameters for a %s key: %s", e.Offering, e.Reason)
}

// Parameters returns the create parameters SAP documents for the preset on the given offering (nil for an it-rt
// client-secret key, which takes none), or a *PresetError.
func (p KeyPreset) Parameters(offering string) (map[string]any, error) {
	fail := func(format string, args ...any) (map[string]any, error) {
		return nil, &PresetError{Offering: offering, Reason: fmt.Sprintf(format, args...)}
	}
	switch offering {
	case OfferingIntegrationRuntime:
		if p.CredentialType != "" {
			return fail("--credential-type is for xsuaa keys; it-rt keys take --key-type")
		}
		switch p.KeyType {
		case "", KeyTypeClientSecret:
			if p.Validity != 0 || p.KeyLength != 0 || p.CertificatePEM != "" {
				return fail("a client-secret key takes no --validity, --key-length or --certificate-file")
			}
			return nil, nil
		case KeyTypeCertificate:
			if p.CertificatePEM != "" {
				return fail("--certificate-file needs --key-type external-certificate")
			}
			out := map[string]any{"key-type": "certificate"}
			if err := p.addValidityAndLength(out, offering, 365, []int{2048, 4096}); err != nil {
				return nil, err
			}
			return out, nil
		case KeyTypeExternalCertificate:
			if p.Validity != 0 || p.KeyLength != 0 {
				return fail("an external certificate brings its own validity and key; leave out --validity and --key-length")
			}
			if err := checkCertificatePEM(p.CertificatePEM); err != nil {
				return fail("%v", err)
			}
			return map[string]any{"key-type": "certificate_external", "X.509": p.CertificatePEM}, nil
		}
		return fail("unknown --key-type %q (want client-secret, certificate or external-certificate)", p.KeyType)
	case OfferingXSUAA:
		if p.KeyType != "" || p.CertificatePEM != "" {
			return fail("--key-type and --certificate-file are for it-rt keys; xsuaa keys take --credential-type")
		}
		switch p.CredentialType {
		case "", CredentialTypeBindingSecret:
			if p.Validity != 0 || p.KeyLength != 0 {
				return fail("a binding-secret key takes no --validity or --key-length")
			}
			if p.CredentialType == "" {
				return nil, nil
			}
			return map[string]any{"credential-type": "binding-secret"}, nil
		case CredentialTypeX509:
			x := map[string]any{}
			if err := p.addValidityAndLength(x, offering, 30, []int{2048, 4096, 8192}); err != nil {
				return nil, err
			}
			if _, ok := x["validity"]; ok {
				x["validity-type"] = "DAYS"
			}
			return map[string]any{"credential-type": "x509", "x509": x}, nil
		}
		return fail("unknown --credential-type %q (want x509 or binding-secret)", p.CredentialType)
	}
	if !p.IsZero() {
		return fail("cfkeys knows presets for it-rt and xsuaa keys only; give this offering's parameters with --parameters")
	}
	return nil, nil
}

func (p KeyPreset) addValidityAndLength(out map[string]any, offering string, maxDays int, lengths []int) error {
	if p.Validity != 0 {
		if p.Validity < 1 || p.Validity > maxDays {
			return &PresetError{Offering: offering, Reason: fmt.Sprintf("--validity must be 1 to %d days, not %d", maxDays, p.Validity)}
		}
		out["validity"] = p.Validity
	}
	if p.KeyLength != 0 {
		ok := false
		for _, l := range lengths {
			ok = ok || l == p.KeyLength
		}
		if !ok {
			return &PresetError{Offering: offering, Reason: fmt.Sprintf("--key-length must be one of %v, not %d", lengths, p.KeyLength)}
		}
		out["key-length"] = p.KeyLength
	}
	return nil
}

// checkCertificatePEM makes sure a customer's certificate file holds a certificate and no private key (which must
// never be sent to a broker).
func checkCertificatePEM(text string) error {
	if strings.TrimSpace(text) == "" {
		return errors.New("an external-certificate key needs --certificate-file PEM")
	}
	if strings.Contains(text, "PRIVATE KEY") {
		return errors.New("the certificate file holds a private key; give the certificate (chain) only")
	}
	rest := []byte(text)
	found := false
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			if _, err := x509.ParseCertificate(b.Bytes); err != nil {
				return fmt.Errorf("the certificate file holds an unreadable certificate: %v", err)
			}
			found = true
		}
	}
	if !found {
		return errors.New("the certificate file holds no PEM certificate")
	}
	return nil
}

// ParseParameters reads a JSON object of create parameters (--parameters).
func ParseParameters(data []byte) (map[string]any, error) {
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil || out == nil {
		return nil, errors.New("--parameters must be a JSON object, inline or as @FILE")
	}
	return out, nil
}

// SafeJSON renders a request body for a dry run or a plan: indented, secrets masked, PEM abbreviated.
func SafeJSON(body map[string]any) (string, error) {
	tree := abbreviatePEM(mask(toPlainJSON(body), ""))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(tree); err != nil {
		return "", err
	}
	return strings.TrimRight(buf.String(), "\n"), nil
}
