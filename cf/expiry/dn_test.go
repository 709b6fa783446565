package expiry

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/pki"
)

// Attribute types used by the DN tests.
var (
	oidCN     = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidSerial = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidC      = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidStreet = asn1.ObjectIdentifier{2, 5, 4, 9}
	oidO      = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU     = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidPostal = asn1.ObjectIdentifier{2, 5, 4, 17}
	oidGN     = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidEmail  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	oidUID    = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
	oidDC     = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}
	oidOther  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}
)

// str is a string value of the given ASN.1 tag holding the bytes of s as they are.
func str(tag int, s string) asn1.RawValue { return asn1.RawValue{Tag: tag, Bytes: []byte(s)} }

// utf8Str is a UTF8String value.
func utf8Str(s string) asn1.RawValue { return str(asn1.TagUTF8String, s) }

// bmpStr is a BMPString value (UTF-16 big-endian; s must lie in the basic multilingual plane).
func bmpStr(s string) asn1.RawValue {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>8), byte(r))
	}
	return asn1.RawValue{Tag: asn1.TagBMPString, Bytes: b}
}

// rdn is one single-valued RDN.
func rdn(oid asn1.ObjectIdentifier, v asn1.RawValue) rawRDNSET {
	return rawRDNSET{{Type: oid, Value: v}}
}

// rawName encodes RDNs, given in certificate order (least specific first), as DER. encoding/asn1 sorts the
// attributes of a multi-valued RDN into DER order.
func rawName(t testing.TB, rdns ...rawRDNSET) []byte {
	t.Helper()
	if rdns == nil {
		rdns = []rawRDNSET{}
	}
	der, err := asn1.Marshal(rdns)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestDN pins DN to what `openssl x509 -noout -subject -nameopt RFC2253` (OpenSSL 3.0) prints for the same
// subjects; with non-ASCII characters, to `-nameopt RFC2253,-esc_msb`.
func TestDN(t *testing.T) {
	t.Parallel()
	integer, err := asn1.Marshal(42)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		raw  []byte
		want string
	}{
		{"SAP client subject", rawName(t, rdn(oidC, str(asn1.TagPrintableString, "DE")), rdn(oidO, utf8Str("SAP SE")),
			rdn(oidOU, utf8Str("SAP Cloud Platform Clients")), rdn(oidOU, utf8Str("uvw")), rdn(oidCN, utf8Str("xyz"))),
			"CN=xyz,OU=uvw,OU=SAP Cloud Platform Clients,O=SAP SE,C=DE"},
		{"emailAddress, UID and DC", rawName(t, rdn(oidDC, str(asn1.TagIA5String, "com")), rdn(oidDC, str(asn1.TagIA5String, "example")),
			rdn(oidUID, utf8Str("jdoe")), rdn(oidEmail, str(asn1.TagIA5String, "a@b.c"))),
			"emailAddress=a@b.c,UID=jdoe,DC=example,DC=com"},
		{"multi-valued RDN, attributes reversed like openssl", rawName(t, rdn(oidC, str(asn1.TagPrintableString, "DE")),
			rawRDNSET{{Type: oidCN, Value: utf8Str("multi")}, {Type: oidUID, Value: utf8Str("x1")}}, rdn(oidEmail, str(asn1.TagIA5String, "j@x.org"))),
			"emailAddress=j@x.org,UID=x1+CN=multi,C=DE"},
		{"special characters escaped", rawName(t, rdn(oidCN, utf8Str(`a,b+c"d\e<f>g;h=i`))),
			`CN=a\,b\+c\"d\\e\<f\>g\;h=i`},
		{"leading hash, leading and trailing spaces", rawName(t, rdn(oidCN, utf8Str("#lead")), rdn(oidO, utf8Str(" spaced ")),
			rdn(oidOU, utf8Str("mid#dle"))),
			`OU=mid#dle,O=\ spaced\ ,CN=\#lead`},
		{"single space and empty value", rawName(t, rdn(oidCN, utf8Str(" ")), rdn(oidO, utf8Str(""))),
			`O=,CN=\ `},
		{"control characters as hex", rawName(t, rdn(oidCN, utf8Str("nul\x00tab\tdel\x7fend"))),
			`CN=nul\00tab\09del\7Fend`},
		{"unknown OID dumps its original DER", rawName(t, rdn(oidOther, utf8Str("hello")), rdn(oidOther, str(asn1.TagIA5String, "a@b")),
			rdn(oidOther, str(asn1.TagPrintableString, "PS"))),
			"1.3.6.1.4.1.99999.1=#13025053,1.3.6.1.4.1.99999.1=#1603614062,1.3.6.1.4.1.99999.1=#0C0568656C6C6F"},
		{"non-string value of a known type is dumped", rawName(t, rdn(oidCN, asn1.RawValue{FullBytes: integer})),
			"CN=#02012A"},
		{"openssl spellings of serialNumber, street, postalCode", rawName(t, rdn(oidSerial, str(asn1.TagPrintableString, "123")),
			rdn(oidStreet, utf8Str("Main St 1")), rdn(oidPostal, utf8Str("69190")), rdn(oidGN, utf8Str("Jane"))),
			"GN=Jane,postalCode=69190,street=Main St 1,serialNumber=123"},
		{"UTF-8 kept as UTF-8", rawName(t, rdn(oidCN, utf8Str("Müller"))), "CN=Müller"},
		{"T61String read as ISO 8859-1", rawName(t, rdn(oidCN, str(asn1.TagT61String, "caf\xe9"))), "CN=café"},
		{"BMPString", rawName(t, rdn(oidCN, bmpStr("Grüße€"))), "CN=Grüße€"},
		{"empty name", rawName(t), ""},
		{"not DER", []byte{0x30, 0x05, 0x01}, ""},
		{"trailing bytes", append(rawName(t, rdn(oidCN, utf8Str("x"))), 0), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := DN(tc.raw); got != tc.want {
				t.Errorf("DN = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDNCommonNamesUnchanged checks that subjects made of CN, OU, O, L, ST and C render exactly as
// pkix.RDNSequence.String rendered them before DN had its own renderer.
func TestDNCommonNamesUnchanged(t *testing.T) {
	t.Parallel()
	for _, dn := range []string{
		sapDN,
		"CN=erp-prod-sender,O=Example Corp,L=Walldorf,C=DE",
		`CN=Smith\, John,OU=a+b,O=x;y,ST=Baden-Württemberg,C=DE`,
		"CN=Test Client CA,OU=Fake Clients,O=Example Test PKI,L=test,C=DE",
	} {
		raw, err := pki.RawDN(dn)
		if err != nil {
			t.Fatal(err)
		}
		var seq pkix.RDNSequence
		if _, err := asn1.Unmarshal(raw, &seq); err != nil {
			t.Fatal(err)
		}
		if got, want := DN(raw), seq.String(); got != want {
			t.Errorf("DN = %q, pkix = %q", got, want)
		}
	}
}

// TestCanonicalDNFoldsHexEscapes checks that openssl's escaped non-ASCII bytes compare equal to UTF-8, while
// other escapes keep their meaning.
func TestCanonicalDNFoldsHexEscapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b  string
		equal bool
	}{
		{`CN=M\C3\BCller,O=X`, "CN=Müller, O=x", true},
		{`CN=\C3\A9\,,C=DE`, `cn=é\,,c=de`, true},
		{`CN=nul\00`, `CN=nul\00`, true},
		{`CN=back\\C3`, "CN=backÃ", false},
		{`CN=back\\C3`, `cn=back\\c3`, true},
		{`CN=x\`, `CN=x\`, true},
	}
	for _, tc := range tests {
		if got := canonicalDN(tc.a) == canonicalDN(tc.b); got != tc.equal {
			t.Errorf("canonicalDN(%q) == canonicalDN(%q): %v, want %v", tc.a, tc.b, got, tc.equal)
		}
	}
}

// selfSigned returns a PEM certificate (not a CA) with the given raw subject, serial and validity.
func selfSigned(t testing.TB, subject []byte, serial int64, notBefore, notAfter time.Time) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), RawSubject: subject, NotBefore: notBefore, NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// TestDetailsMatchLeafWithEmailSubject checks that a certificatedetails subjectdn written the openssl way finds
// its PEM leaf when the subject carries emailAddress, DC, UID and non-ASCII characters, even though another leaf
// expires first (and would be picked without a match).
func TestDetailsMatchLeafWithEmailSubject(t *testing.T) {
	t.Parallel()
	start := mustTime(t, "2024-01-01T00:00:00Z")
	external := rawName(t, rdn(oidDC, str(asn1.TagIA5String, "com")), rdn(oidDC, str(asn1.TagIA5String, "example")),
		rdn(oidO, utf8Str("Müller & Söhne")), rdn(oidUID, utf8Str("jdoe")), rdn(oidCN, utf8Str("Doe, Jane")),
		rdn(oidEmail, str(asn1.TagIA5String, "jane.doe@example.com")))
	other := rawName(t, rdn(oidCN, utf8Str("other")))
	certs := selfSigned(t, other, 0x0111, start, mustTime(t, "2026-01-01T00:00:00Z")) +
		selfSigned(t, external, 0x0222, start.AddDate(0, 1, 0), mustTime(t, "2027-01-01T00:00:00Z"))

	for _, subject := range []string{
		`emailAddress=jane.doe@example.com,CN=Doe\, Jane,UID=jdoe,O=Müller & Söhne,DC=example,DC=com`,
		`emailAddress=jane.doe@example.com,CN=Doe\, Jane,UID=jdoe,O=M\C3\BCller & S\C3\B6hne,DC=example,DC=com`,
	} {
		creds := map[string]any{"oauth": map[string]any{"certificate": certs, "certificatedetails": map[string]any{
			"subjectdn": subject, "validuntil": "2027-01-01T00:00:00.000Z"}}}
		f := Extract(jsonOf(t, creds))
		if f.Kind != KindCertificate {
			t.Fatalf("kind = %v (reason %q)", f.Kind, f.Reason)
		}
		c := f.Certificate
		if c.Serial != "0x222" || !c.NotBefore.Equal(start.AddDate(0, 1, 0)) {
			t.Errorf("subject %q: serial %s, not before %v: want the leaf 0x222", subject, c.Serial, c.NotBefore)
		}
	}
}

func TestCommonName(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, dn, want string }{
		{"plain", "CN=orders-erp,OU=Clients,O=Acme,C=DE", "orders-erp"},
		{"not first", "emailAddress=a@b.c,CN=sender,O=Acme", "sender"},
		{"escaped comma", `CN=Acme\, Inc.,O=x`, "Acme, Inc."},
		{"quoted value with a comma", `O=x, CN="Acme, Inc."`, "Acme, Inc."},
		{"escaped plus and quote", `CN=a\+b \"c\",O=x`, `a+b "c"`},
		{"escaped backslash before a comma", `CN=dir\\,O=x`, `dir\`},
		{"hex escapes of UTF-8", `CN=M\C3\BCnchen,O=x`, "München"},
		{"leading space and hash escaped", `CN=\ \#tag,O=x`, " #tag"},
		{"multi-valued RDN", "CN=svc+UID=42,O=x", "svc"},
		{"lower-case type", "cn=low,O=x", "low"},
		{"OID type", "2.5.4.3=oid,O=x", "oid"},
		{"no CN", "O=Acme,C=DE", "O=Acme,C=DE"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := CommonName(tc.dn); got != tc.want {
				t.Errorf("CommonName(%q) = %q, want %q", tc.dn, got, tc.want)
			}
		})
	}
}

// TestCommonNameOfRenderedDN reads back the CN that DN wrote, whatever it had to escape.
func TestCommonNameOfRenderedDN(t *testing.T) {
	t.Parallel()
	for _, cn := range []string{"Acme, Inc.", "a+b=c;d", `back\slash`, " padded ", "#hash", "München 東京", "<tag>"} {
		dn := DN(rawName(t, rdn(oidC, str(asn1.TagPrintableString, "DE")), rdn(oidO, utf8Str("O, with comma")), rdn(oidCN, utf8Str(cn))))
		if got := CommonName(dn); got != cn {
			t.Errorf("CommonName(%q) = %q, want %q", dn, got, cn)
		}
	}
}
