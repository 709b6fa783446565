package cffake

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/pki"
)

// pkiSet holds the fake brokers' certificate authorities.
type pkiSet struct {
	root     *pki.CA
	clientCA *pki.CA // long-lived issuing CA
	shortCA  *pki.CA // an issuing CA that expires in 45 days, for chains whose CA expires before the leaf
}

func newPKI(now time.Time) (*pkiSet, error) {
	root, err := pki.NewRootCA("CN=Demo Cloud Root CA,O=cffake,C=DE", now.AddDate(-5, 0, 0), now.AddDate(15, 0, 0), 1)
	if err != nil {
		return nil, err
	}
	ca, err := root.NewIntermediate("CN=Demo Certificate Service Client CA,OU=BTP Clients (demo),O=cffake,L=cf-eu10,C=DE", now.AddDate(-2, 0, 0), now.AddDate(3, 0, 0), 2)
	if err != nil {
		return nil, err
	}
	short, err := root.NewIntermediate("CN=Demo Legacy Client CA 2019,OU=BTP Clients (demo),O=cffake,L=cf-eu10,C=DE", now.AddDate(-7, 0, 0), now.Add(45*24*time.Hour+6*time.Hour), 3)
	if err != nil {
		return nil, err
	}
	return &pkiSet{root: root, clientCA: ca, shortCA: short}, nil
}

// certSpec says what certificate a seeded or created key carries.
type certSpec struct {
	notAfter time.Time
	subject  string
	shortCA  bool // issue from the CA that expires first
}

// issue creates a leaf and returns it with its chain (leaf, issuing CA, root) as one PEM string.
func (s *Server) issue(spec certSpec, now time.Time) (*pki.Leaf, string, error) {
	ca := s.pki.clientCA
	if spec.shortCA {
		ca = s.pki.shortCA
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, "", err
	}
	notBefore := now.Add(-time.Hour)
	if !spec.notAfter.After(notBefore) {
		notBefore = spec.notAfter.AddDate(0, 0, -365)
	}
	mint := func() (*pki.Leaf, error) { return ca.Issue(spec.subject, serial, notBefore, spec.notAfter) }
	var leaf *pki.Leaf
	if s.seeding != nil {
		leaf, err = s.seeding.leaf(leafSpec{spec.subject, spec.shortCA, notBefore.UnixNano(), spec.notAfter.UnixNano()}, mint)
	} else {
		leaf, err = mint()
	}
	if err != nil {
		return nil, "", err
	}
	s.secrets = appendOnce(s.secrets, leaf.KeyPEM)
	return leaf, leaf.CertPEM + ca.PEM + s.pki.root.PEM, nil
}

// certificateDetails renders SAP's certificatedetails object for a leaf, a new map each time (a key's
// credentials are its own); while seeding, the strings come from the shared seed material.
func (s *Server) certificateDetails(c *x509.Certificate) map[string]any {
	var d certDetails
	if s.seeding != nil {
		d = s.seeding.details(c)
	} else {
		d = describe(c)
	}
	return map[string]any{"issuerdn": d.issuer, "subjectdn": d.subject, "validuntil": d.validUntil, "serialnumber": d.serial}
}

// certDetails are the strings of a certificatedetails object.
type certDetails struct{ issuer, subject, validUntil, serial string }

// describe renders c's certificatedetails strings.
func describe(c *x509.Certificate) certDetails {
	return certDetails{expiry.DN(c.RawIssuer), expiry.DN(c.RawSubject), c.NotAfter.UTC().Format("2006-01-02T15:04:05.000Z"), expiry.Serial(c)}
}

// stableUUID derives a UUID from a name, so seeded data has the same GUIDs on every start.
func stableUUID(parts ...string) string {
	h := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	b := h[:16]
	b[6] = (b[6] & 0x0f) | 0x50
	b[8] = (b[8] & 0x3f) | 0x80
	x := hex.EncodeToString(b)
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

func (s *Server) secret() string {
	v := randomHex(16)
	s.secrets = append(s.secrets, v)
	return v
}

func appendOnce(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// brokerCredentials plays the service broker: it builds the credentials a new key of instance si gets for the
// given create parameters, validating them as SAP's brokers do.
func (s *Server) brokerCredentials(si *instance, keyName string, params map[string]any, now time.Time) (map[string]any, error) {
	days := func(def, maxDays int, v any) (time.Time, error) {
		n := def
		if v != nil {
			f, ok := v.(float64)
			if !ok || f < 1 || f > float64(maxDays) || f != float64(int(f)) {
				return time.Time{}, fmt.Errorf("validity must be a whole number of days between 1 and %d", maxDays)
			}
			n = int(f)
		}
		return now.AddDate(0, 0, n), nil
	}
	keyLength := func(v any, allowed ...float64) error {
		if v == nil {
			return nil
		}
		f, ok := v.(float64)
		if !ok || !slices.Contains(allowed, f) {
			return fmt.Errorf("key-length must be one of %v", allowed)
		}
		return nil
	}
	switch s.offeringOf(si).Name {
	case "it-rt":
		switch params["key-type"] {
		case "certificate":
			if err := keyLength(params["key-length"], 2048, 4096); err != nil {
				return nil, err
			}
			until, err := days(365, 365, params["validity"])
			if err != nil {
				return nil, err
			}
			return s.itRTCertificate(si, keyName, certSpec{notAfter: until, subject: sapSubject(si, keyName)}, now)
		case "certificate_external":
			pemText, _ := params["X.509"].(string)
			return s.itRTExternal(si, keyName, pemText, now)
		case nil, "clientsecret":
			return s.itRTSecret(si, keyName, now), nil
		}
		return nil, fmt.Errorf("unknown key-type %v", params["key-type"])
	case "xsuaa":
		if params["credential-type"] == "x509" {
			x509p, _ := params["x509"].(map[string]any)
			if err := keyLength(x509p["key-length"], 2048, 4096, 8192); err != nil {
				return nil, err
			}
			if vt, ok := x509p["validity-type"]; ok && vt != "DAYS" {
				return nil, fmt.Errorf("validity-type %v is not supported by this broker (use DAYS)", vt)
			}
			until, err := days(7, 30, x509p["validity"])
			if err != nil {
				return nil, err
			}
			return s.xsuaaX509(si, keyName, certSpec{notAfter: until, subject: clientSubject(si, keyName)}, now)
		}
		return s.xsuaaSecret(si), nil
	case "enterprise-messaging", "identity":
		until, err := days(30, 365, params["validity"])
		if err != nil {
			return nil, err
		}
		return s.plainX509(si, keyName, certSpec{notAfter: until, subject: clientSubject(si, keyName)}, now)
	case "auditlog":
		return s.auditLogX509(si, keyName, certSpec{notAfter: now.AddDate(0, 0, 30), subject: clientSubject(si, keyName)}, now)
	}
	return map[string]any{"clientid": "sb-" + keyName, "clientsecret": s.secret()}, nil
}

func (s *Server) offeringOf(si *instance) *offering {
	return s.offeringByGUID(s.planByGUID(si.PlanGUID).OfferingGUID)
}

func tenantOf(si *instance) string { return "demo-" + strings.SplitN(si.GUID, "-", 2)[0] }

// itRTBase is what every SAP Integration Suite (it-rt) key holds under "oauth".
func itRTBase(si *instance, keyName string, now time.Time) map[string]any {
	t := tenantOf(si)
	return map[string]any{
		"clientid":   "sb-" + stableUUID(si.GUID, keyName) + "!b117912|it-rt-" + t + "!b26655",
		"url":        "https://" + t + ".it-cpi018-rt.cfapps.eu10-003.hana.ondemand.example",
		"createdate": now.Format("2006-01-02T15:04:05.000Z"),
		"tokenurl":   "https://" + t + ".authentication.eu10.hana.ondemand.example/oauth/token",
	}
}

// itRTSecret is an it-rt ClientId/Secret key.
func (s *Server) itRTSecret(si *instance, keyName string, now time.Time) map[string]any {
	base := itRTBase(si, keyName, now)
	base["clientsecret"] = s.secret()
	return map[string]any{"oauth": base}
}

// itRTCertificate is an it-rt key with an SAP-generated certificate: chain, private key and certificatedetails.
func (s *Server) itRTCertificate(si *instance, keyName string, spec certSpec, now time.Time) (map[string]any, error) {
	leaf, chain, err := s.issue(spec, now)
	if err != nil {
		return nil, err
	}
	base := itRTBase(si, keyName, now)
	base["certificate"], base["key"] = chain, leaf.KeyPEM
	base["certificatedetails"] = s.certificateDetails(leaf.Cert)
	base["tokenurl"] = "https://" + tenantOf(si) + ".authentication.cert.eu10.hana.ondemand.example/oauth/token"
	return map[string]any{"oauth": base}, nil
}

// itRTExternal is an it-rt key for a certificate the customer brought: the PEM they gave, no private key.
func (s *Server) itRTExternal(si *instance, keyName, pemText string, now time.Time) (map[string]any, error) {
	cert, err := firstCertificate(pemText)
	if err != nil {
		return nil, fmt.Errorf("X.509: %w", err)
	}
	base := itRTBase(si, keyName, now)
	base["certificate"] = pemText
	base["certificatedetails"] = s.certificateDetails(cert)
	return map[string]any{"oauth": base}, nil
}

// xsuaaBase is what every XSUAA key holds.
func xsuaaBase(si *instance) map[string]any {
	t := tenantOf(si)
	xs := "orders-app!t" + strings.SplitN(si.GUID, "-", 2)[0][:5]
	return map[string]any{
		"clientid": "sb-" + xs, "xsappname": xs, "uaadomain": "authentication.eu10.hana.ondemand.example",
		"url": "https://" + t + ".authentication.eu10.hana.ondemand.example", "apiurl": "https://api.authentication.eu10.hana.ondemand.example",
		"identityzone": t, "tenantmode": "dedicated", "serviceInstanceId": si.GUID,
		"verificationkey": "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAdemo\n-----END PUBLIC KEY-----",
	}
}

// xsuaaSecret is an XSUAA binding-secret key: no certificate.
func (s *Server) xsuaaSecret(si *instance) map[string]any {
	base := xsuaaBase(si)
	base["credential-type"], base["clientsecret"] = "binding-secret", s.secret()
	return base
}

// xsuaaX509 is an XSUAA key with a service-managed certificate: a PEM chain and no certificatedetails.
func (s *Server) xsuaaX509(si *instance, keyName string, spec certSpec, now time.Time) (map[string]any, error) {
	leaf, chain, err := s.issue(spec, now)
	if err != nil {
		return nil, err
	}
	base := xsuaaBase(si)
	base["credential-type"], base["certificate"], base["key"] = "x509", chain, leaf.KeyPEM
	base["certurl"], base["certificate-pinning"] = "https://"+tenantOf(si)+".authentication.cert.eu10.hana.ondemand.example", true
	return base, nil
}

// plainX509 is an Event Mesh or Identity key: certificate and key at the top level.
func (s *Server) plainX509(si *instance, keyName string, spec certSpec, now time.Time) (map[string]any, error) {
	leaf, chain, err := s.issue(spec, now)
	if err != nil {
		return nil, err
	}
	return map[string]any{"credential-type": "x509", "certificate": chain, "key": leaf.KeyPEM, "clientid": "sb-" + stableUUID(si.GUID, keyName), "url": "https://" + tenantOf(si) + ".accounts.ondemand.example"}, nil
}

// auditLogX509 is an Audit Log key: the certificate nested under "uaa".
func (s *Server) auditLogX509(si *instance, keyName string, spec certSpec, now time.Time) (map[string]any, error) {
	leaf, chain, err := s.issue(spec, now)
	if err != nil {
		return nil, err
	}
	uaa := xsuaaBase(si)
	uaa["credential-type"], uaa["certificate"], uaa["key"] = "x509", chain, leaf.KeyPEM
	uaa["certurl"] = "https://" + tenantOf(si) + ".authentication.cert.eu10.hana.ondemand.example"
	return map[string]any{"uaa": uaa, "url": "https://api.auditlog.cf.eu10.hana.ondemand.example:8081", "vendor": "SAP"}, nil
}

func sapSubject(si *instance, keyName string) string {
	return "CN=" + stableUUID("cn", si.GUID, keyName) + ",L=sap-uaa,OU=" + stableUUID("subaccount", si.SpaceGUID) + ",OU=Demo Cloud Platform Clients,O=Demo Corp,C=DE"
}

func clientSubject(si *instance, keyName string) string {
	return "CN=" + stableUUID("cn", si.GUID, keyName) + ",L=aws-eu10,OU=" + stableUUID("subaccount", si.SpaceGUID) + ",OU=Demo Cloud Platform Clients,O=Demo Corp,C=DE"
}

func firstCertificate(pemText string) (*x509.Certificate, error) {
	certs, err := parsePEMCertificates(pemText)
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 {
		return nil, errors.New("no certificate")
	}
	return certs[0], nil
}
