package expiry

import (
	"encoding/asn1"
	"encoding/hex"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// attributeNames are the names openssl prints for attribute types under -nameopt RFC2253 (its short names).
// Attributes not listed are printed as their dotted OID with the value dumped as hex DER, as RFC 4514 says.
var attributeNames = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.4":                    "SN",
	"2.5.4.5":                    "serialNumber",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "street",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.12":                   "title",
	"2.5.4.13":                   "description",
	"2.5.4.15":                   "businessCategory",
	"2.5.4.16":                   "postalAddress",
	"2.5.4.17":                   "postalCode",
	"2.5.4.18":                   "postOfficeBox",
	"2.5.4.20":                   "telephoneNumber",
	"2.5.4.41":                   "name",
	"2.5.4.42":                   "GN",
	"2.5.4.43":                   "initials",
	"2.5.4.44":                   "generationQualifier",
	"2.5.4.45":                   "x500UniqueIdentifier",
	"2.5.4.46":                   "dnQualifier",
	"2.5.4.65":                   "pseudonym",
	"2.5.4.72":                   "role",
	"2.5.4.97":                   "organizationIdentifier",
	"1.2.840.113549.1.9.1":       "emailAddress",
	"1.2.840.113549.1.9.2":       "unstructuredName",
	"1.2.840.113549.1.9.8":       "unstructuredAddress",
	"0.9.2342.19200300.100.1.1":  "UID",
	"0.9.2342.19200300.100.1.3":  "mail",
	"0.9.2342.19200300.100.1.25": "DC",
	"1.3.6.1.4.1.311.60.2.1.1":   "jurisdictionL",
	"1.3.6.1.4.1.311.60.2.1.2":   "jurisdictionST",
	"1.3.6.1.4.1.311.60.2.1.3":   "jurisdictionC",
}

// rawATV is an AttributeTypeAndValue whose value keeps its ASN.1 tag and bytes, so DN can decode each string
// type as openssl does and dump any other value exactly as encoded (re-marshalling, as pkix does, can change it).
type rawATV struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

// rawRDNSET is one relative distinguished name: encoding/asn1 reads it as a SET because its type name ends in SET.
type rawRDNSET []rawATV

// DN renders a raw ASN.1 distinguished name the way SAP's certificatedetails and `openssl x509 -nameopt RFC2253`
// print it: the RDN sequence reversed (most specific first), comma-separated, without reordering attributes or
// merging repeated OUs (which pkix.Name.String does). The attributes of a multi-valued RDN are joined with '+' and,
// as openssl reverses the whole attribute list, printed in reverse of their encoded order.
// Attribute types carry openssl's short names (CN, emailAddress, DC, UID, serialNumber, ...); other types are
// printed as dotted OIDs with the value as '#' and the upper-case hex of its DER, as are values of a known type
// that are not strings. Values are escaped per RFC 4514; unlike openssl's default, non-ASCII characters are
// kept as UTF-8 rather than escaped byte by byte (canonicalDN folds both spellings together).
// It returns "" when raw is not a DER RDN sequence.
func DN(raw []byte) string {
	var seq []rawRDNSET
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil || len(rest) > 0 {
		return ""
	}
	var b strings.Builder
	for i := len(seq) - 1; i >= 0; i-- {
		if i < len(seq)-1 {
			b.WriteByte(',')
		}
		rdn := seq[i]
		for j := len(rdn) - 1; j >= 0; j-- {
			if j < len(rdn)-1 {
				b.WriteByte('+')
			}
			writeATV(&b, rdn[j])
		}
	}
	return b.String()
}

// writeATV writes one "type=value" pair.
func writeATV(b *strings.Builder, atv rawATV) {
	name, known := attributeNames[atv.Type.String()]
	if !known {
		b.WriteString(atv.Type.String())
		b.WriteByte('=')
		writeHexValue(b, atv.Value)
		return
	}
	b.WriteString(name)
	b.WriteByte('=')
	if s, ok := stringValue(atv.Value); ok {
		writeEscaped(b, s)
		return
	}
	writeHexValue(b, atv.Value)
}

// writeHexValue writes a value as '#' and the upper-case hex of its DER encoding (RFC 4514 section 2.4).
func writeHexValue(b *strings.Builder, v asn1.RawValue) {
	b.WriteByte('#')
	b.WriteString(strings.ToUpper(hex.EncodeToString(v.FullBytes)))
}

// stringValue decodes a value of one of the string types openssl prints as text: UTF8String as UTF-8,
// BMPString as UTF-16, UniversalString as UTF-32, and the one-byte types (PrintableString, IA5String,
// T61String, ...) as ISO 8859-1, which is how openssl reads a T61String. Other types report false.
func stringValue(v asn1.RawValue) (string, bool) {
	if v.Class != asn1.ClassUniversal || v.IsCompound {
		return "", false
	}
	switch v.Tag {
	case asn1.TagUTF8String:
		return string(v.Bytes), utf8.Valid(v.Bytes)
	case asn1.TagNumericString, asn1.TagPrintableString, asn1.TagT61String, asn1.TagIA5String,
		asn1.TagUTCTime, asn1.TagGeneralizedTime, 26: // 26: VisibleString
		r := make([]rune, len(v.Bytes))
		for i, c := range v.Bytes {
			r[i] = rune(c)
		}
		return string(r), true
	case asn1.TagBMPString:
		if len(v.Bytes)%2 != 0 {
			return "", false
		}
		u := make([]uint16, len(v.Bytes)/2)
		for i := range u {
			u[i] = uint16(v.Bytes[2*i])<<8 | uint16(v.Bytes[2*i+1])
		}
		return string(utf16.Decode(u)), true
	case 28: // UniversalString
		if len(v.Bytes)%4 != 0 {
			return "", false
		}
		r := make([]rune, len(v.Bytes)/4)
		for i := range r {
			p := v.Bytes[4*i:]
			r[i] = rune(uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3]))
			if !utf8.ValidRune(r[i]) {
				return "", false
			}
		}
		return string(r), true
	}
	return "", false
}

// writeEscaped writes an attribute value escaped per RFC 4514 as openssl does: a backslash before , + " \ < > ;
// anywhere, before '#' or a space at the start and before a space at the end; control characters (NUL included)
// as a backslash and two upper-case hex digits.
func writeEscaped(b *strings.Builder, s string) {
	const hexDigits = "0123456789ABCDEF"
	for i, c := range s {
		switch {
		case strings.ContainsRune(`,+"\<>;`, c),
			(c == '#' || c == ' ') && i == 0,
			c == ' ' && i == len(s)-1:
			b.WriteByte('\\')
			b.WriteRune(c)
		case c < 0x20 || c == 0x7f:
			b.WriteByte('\\')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		default:
			b.WriteRune(c)
		}
	}
}

// CommonName returns the value of the first CN attribute of a DN written as DN writes it (RFC 4514, most specific
// first), unescaped: "CN=Acme\, Inc.,O=x" gives "Acme, Inc.". It splits the DN as MatchDN does: commas and plus
// signs inside escaped or quoted values do not split it, and hex escapes ("\C3\BC", openssl's spelling of
// non-ASCII) are decoded. A DN without a CN is returned whole.
func CommonName(dn string) string {
	for _, atv := range splitDNQuoted(dn) {
		typ, val, ok := strings.Cut(atv, "=")
		if !ok {
			continue
		}
		if typ = strings.TrimSpace(typ); strings.EqualFold(typ, "CN") || typ == "2.5.4.3" {
			return dnValue(val)
		}
	}
	return dn
}

// trimUnescapedSpace removes the spaces around a value that are not part of it: an escaped trailing space
// ("x\ ") stays.
func trimUnescapedSpace(v string) string {
	v = strings.TrimLeft(v, " ")
	for strings.HasSuffix(v, " ") {
		slashes := 0
		for i := len(v) - 2; i >= 0 && v[i] == '\\'; i-- {
			slashes++
		}
		if slashes%2 == 1 {
			break
		}
		v = v[:len(v)-1]
	}
	return v
}

// unescapeValue undoes RFC 4514 escaping: "\," and the other escaped characters become themselves and "\XX" the
// byte with that hex value, so a UTF-8 character written as "\C3\BC" comes back whole. Invalid UTF-8 that the
// escapes spell out is kept as U+FFFD.
func unescapeValue(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b []byte
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' || i+1 >= len(v) {
			b = append(b, v[i])
			continue
		}
		if i+2 < len(v) {
			if x, err := hex.DecodeString(v[i+1 : i+3]); err == nil {
				b = append(b, x[0])
				i += 2
				continue
			}
		}
		b = append(b, v[i+1])
		i++
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
