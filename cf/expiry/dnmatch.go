package expiry

import (
	"slices"
	"strings"
)

// MatchDN reports whether query names the distinguished name dn, comparing attribute by attribute rather than as
// text, so that a DN pasted as openssl, SAP Cloud Integration or a log writes it is found however it is spelt:
//
//   - A query that reads as a DN (every part a type=value pair of a known type) matches when each of its attributes
//     is one of dn's. Order does not matter (openssl's "C = DE, O = SAP SE, CN = x" is RFC 4514's order reversed);
//     types ignore case and may be short names, long names or OIDs (CN, commonName, 2.5.4.3); spaces around
//     types, values and separators are trimmed and runs of spaces inside values count as one; values ignore case
//     and how they are escaped or quoted (\, or "a, b", \C3\BC or ü). Parts may be separated by commas,
//     semicolons or plus signs, or written in the slash form of older openssl (/C=DE/O=SAP SE/CN=x), and a
//     leading "subject=" or "Issuer:" as openssl prints it is ignored. A part of a DN finds the whole DN.
//   - Any other query, such as a UUID copied from a certificate's CN, matches when it equals one attribute value.
//
// It is pure, for cfkeys find and the UI filter alike. To match one query against many DNs, prepare it once with
// NewDNQuery.
func MatchDN(query, dn string) bool { return NewDNQuery(query).Match(dn) }

// SameDN reports whether a and b are the same distinguished name however each is spelt (as MatchDN compares
// attributes): both read as DNs and hold the same attributes, each as often. A lookup that must name one
// certificate, not every certificate with some of its attributes, compares with SameDN.
func SameDN(a, b string) bool {
	y, ok := ParseDN(b)
	return ok && NewDNQuery(a).Same(y)
}

// ParsedDN is a distinguished name read once, as MatchDN reads DNs, for matching many queries against it: the UI
// parses each key's DNs when a snapshot arrives, not on every keystroke of a filter.
type ParsedDN struct{ attrs []dnAttribute }

// ParseDN reads dn in any of the spellings MatchDN accepts; ok is false when it is empty or no DN.
func ParseDN(dn string) (parsed ParsedDN, ok bool) {
	attrs, ok := parseDN(dn)
	return ParsedDN{attrs: attrs}, ok
}

// DNQuery is a query prepared for matching many DNs, as MatchDN matches them: a filter over thousands of keys
// parses the query once and skips, without parsing them, the DNs that cannot hold its values.
type DNQuery struct {
	attrs []dnAttribute // the query's attributes, when it reads as a DN
	bare  string        // the folded query, when it does not
	// needles are folded values of plain ASCII without spaces: a literal DN (literalDN) that holds the query's
	// values holds each of them as text, in some case.
	needles []string
}

// NewDNQuery prepares a query for Match.
func NewDNQuery(query string) DNQuery {
	var q DNQuery
	if attrs, ok := parseDN(query); ok {
		q.attrs = attrs
		for _, a := range attrs {
			if plainASCII(a.value) {
				q.needles = append(q.needles, a.value)
			}
		}
		// The longest value first: it is the likeliest to be missing (a CN rather than C=DE).
		slices.SortStableFunc(q.needles, func(a, b string) int { return len(b) - len(a) })
		return q
	}
	q.bare = foldDNValue(strings.TrimSpace(query))
	if plainASCII(q.bare) {
		q.needles = []string{q.bare}
	}
	return q
}

// IsDN reports whether the query reads as a DN (every part a type=value pair of a known type) rather than as a
// bare value such as a UUID.
func (q DNQuery) IsDN() bool { return q.attrs != nil }

// Match reports whether the query names dn (see MatchDN).
func (q DNQuery) Match(dn string) bool {
	if q.attrs == nil && q.bare == "" {
		return false
	}
	if literalDN(dn) {
		for _, n := range q.needles {
			if !containsFold(dn, n) {
				return false
			}
		}
	}
	have, ok := ParseDN(dn)
	return ok && q.MatchParsed(have)
}

// MatchParsed is Match for a DN parsed once with ParseDN.
func (q DNQuery) MatchParsed(dn ParsedDN) bool {
	if q.attrs != nil {
		return containsAttributes(dn.attrs, q.attrs)
	}
	if q.bare == "" {
		return false
	}
	for _, a := range dn.attrs {
		if a.value == q.bare {
			return true
		}
	}
	return false
}

// Same reports whether the query, read as a DN, is the whole of dn: the same attributes, each as often (see
// SameDN).
func (q DNQuery) Same(dn ParsedDN) bool {
	return q.attrs != nil && len(q.attrs) == len(dn.attrs) && containsAttributes(dn.attrs, q.attrs)
}

// containsAttributes reports whether have holds every attribute of want, each at least as often. DNs are short:
// up to 16 attributes are ticked off in place, without allocating, for a filter that runs it over every key.
func containsAttributes(have, want []dnAttribute) bool {
	if len(want) > len(have) {
		return false
	}
	if len(have) > 16 {
		counts := make(map[dnAttribute]int, len(have))
		for _, a := range have {
			counts[a]++
		}
		for _, a := range want {
			if counts[a] == 0 {
				return false
			}
			counts[a]--
		}
		return true
	}
	var used [16]bool
next:
	for _, w := range want {
		for i, h := range have {
			if !used[i] && h == w {
				used[i] = true
				continue next
			}
		}
		return false
	}
	return true
}

// plainASCII reports whether a folded value is printable ASCII without spaces or characters a DN escapes or
// quotes, so that a DN without backslashes spells it as it is.
func plainASCII(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`,+"\<>;=#/`, c) >= 0 {
			return false
		}
	}
	return true
}

// literalDN reports whether dn spells every value as it is: no escapes, nothing but ASCII (whose case folding
// could turn another character into an ASCII letter, as the Kelvin sign becomes k).
func literalDN(dn string) bool {
	for i := 0; i < len(dn); i++ {
		if dn[i] == '\\' || dn[i] >= 0x80 {
			return false
		}
	}
	return true
}

// containsFold reports whether s contains the lower-case ASCII needle, ignoring the case of ASCII letters in s.
func containsFold(s, needle string) bool {
	for i := 0; i+len(needle) <= len(s); i++ {
		if equalFoldASCII(s[i:i+len(needle)], needle) {
			return true
		}
	}
	return false
}

// equalFoldASCII reports whether s equals the lower-case ASCII t, ignoring the case of ASCII letters in s.
func equalFoldASCII(s, t string) bool {
	for i := 0; i < len(t); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != t[i] {
			return false
		}
	}
	return true
}

// dnAttribute is one attribute of a DN, folded for comparison: the type as an OID, the value unescaped, in lower
// case, with its spaces trimmed and collapsed.
type dnAttribute struct{ oid, value string }

// parseDN reads a DN in any of the spellings MatchDN accepts. ok is false when s is empty or some part is not a
// type=value pair with a known type.
func parseDN(s string) (attrs []dnAttribute, ok bool) {
	s = trimDNLabel(strings.TrimSpace(s))
	if s == "" {
		return nil, false
	}
	var parts []string
	if strings.HasPrefix(s, "/") {
		parts = strings.Split(s[1:], "/")
	} else {
		parts = splitDNQuoted(s)
	}
	for _, p := range parts {
		typ, val, found := strings.Cut(p, "=")
		if !found {
			return nil, false
		}
		oid, known := attributeOID(strings.TrimSpace(typ))
		if !known {
			return nil, false
		}
		attrs = append(attrs, dnAttribute{oid: oid, value: foldDNValue(dnValue(val))})
	}
	return attrs, true
}

// trimDNLabel drops the label openssl and certificate viewers put before a DN: "subject=", "issuer= ",
// "Subject: ".
func trimDNLabel(s string) string {
	for _, label := range []string{"subject", "issuer"} {
		if len(s) > len(label) && strings.EqualFold(s[:len(label)], label) {
			rest := strings.TrimLeft(s[len(label):], " ")
			if strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, ":") {
				return strings.TrimSpace(rest[1:])
			}
		}
	}
	return s
}

// splitDNQuoted splits a DN at every comma, semicolon or plus sign that is neither escaped with a backslash nor
// inside double quotes (openssl's one-line format quotes values holding separators).
func splitDNQuoted(dn string) []string {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(dn); i++ {
		switch c := dn[i]; {
		case c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ',' || c == ';' || c == '+'):
			parts = append(parts, dn[start:i])
			start = i + 1
		}
	}
	return append(parts, dn[start:])
}

// dnValue returns an attribute value as written after '=', without the spaces around it, its quotes or its
// escapes.
func dnValue(v string) string {
	v = trimUnescapedSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	return unescapeValue(v)
}

// foldDNValue folds a value for comparison: lower case, spaces trimmed, runs of spaces made one.
func foldDNValue(v string) string {
	return strings.ToLower(strings.Join(strings.Fields(v), " "))
}

// attributeAliases are the other names tools write for attribute types: long names (RFC 4519), and the E and S
// of Windows and SAP tools.
var attributeAliases = map[string]string{
	"commonname":             "2.5.4.3",
	"surname":                "2.5.4.4",
	"countryname":            "2.5.4.6",
	"localityname":           "2.5.4.7",
	"stateorprovincename":    "2.5.4.8",
	"s":                      "2.5.4.8",
	"streetaddress":          "2.5.4.9",
	"organizationname":       "2.5.4.10",
	"organizationalunitname": "2.5.4.11",
	"givenname":              "2.5.4.42",
	"e":                      "1.2.840.113549.1.9.1",
	"email":                  "1.2.840.113549.1.9.1",
	"userid":                 "0.9.2342.19200300.100.1.1",
	"domaincomponent":        "0.9.2342.19200300.100.1.25",
}

// attributeOIDs maps the lower-cased short names DN writes (CN, OU, emailAddress, ...) to their OIDs.
var attributeOIDs = func() map[string]string {
	m := make(map[string]string, len(attributeNames)+len(attributeAliases))
	for oid, name := range attributeNames {
		m[strings.ToLower(name)] = oid
	}
	for name, oid := range attributeAliases {
		m[name] = oid
	}
	return m
}()

// attributeOID returns the OID of an attribute type written as a name (any case) or as a dotted OID (with or
// without RFC 2253's "OID." prefix).
func attributeOID(typ string) (string, bool) {
	if oid, ok := attributeOIDs[strings.ToLower(typ)]; ok {
		return oid, true
	}
	if len(typ) > 4 && strings.EqualFold(typ[:4], "oid.") {
		typ = typ[4:]
	}
	if isDottedOID(typ) {
		return typ, true
	}
	return "", false
}

// isDottedOID reports whether s is digits separated by single dots, with at least one dot.
func isDottedOID(s string) bool {
	dots := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			if i == 0 || i == len(s)-1 || s[i-1] == '.' {
				return false
			}
			dots++
		case c < '0' || c > '9':
			return false
		}
	}
	return dots > 0
}
