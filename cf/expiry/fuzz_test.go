package expiry

import (
	"encoding/asn1"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The fuzz targets below run for a few seconds each in CI (.ci/run) and start from the seed corpus in
// testdata/fuzz/<target>; `go test ./cf/expiry -run '^$' -fuzz '^FuzzExtractTree$'` runs one for longer.

// fuzzSecret is a client secret planted beside every fuzzed certificate: no finding may ever quote it.
const fuzzSecret = "fuzz-client-secret-9f8e7d"

// FuzzExtractTree plants a PEM certificate and a certificatedetails object anywhere in a JSON tree, at a path and
// under spellings the fuzzer chooses, and checks that Extract finds them there: the earliest of the two dates
// wins, the path says where, and no reason quotes a secret or a PEM block.
func FuzzExtractTree(f *testing.F) {
	leafUntil := time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	c := buildChain(f, sapDN, leafUntil, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	f.Add("oauth", "certificatedetails", "2026-12-04T00:00:00.000Z", uint8(3), "")
	f.Add("", "certificateDetails", "2030-01-01T00:00:00Z", uint8(1), "")
	f.Add("a/0/b", "certificate_details", "not a date", uint8(7), "-----BEGIN CERTIFICATE-----")
	f.Add(strings.Repeat("x/", 70), "certificatedetails", "2027-03-01T10:00:00Z", uint8(3), "\x1b]52;c;eA==\x07")
	f.Fuzz(func(t *testing.T, path, detailsKey, validUntil string, mode uint8, extra string) {
		withPEM, withDetails, escaped, withChain := mode&1 != 0, mode&2 != 0, mode&4 != 0, mode&8 != 0
		// JSON holds no invalid UTF-8 (encoding/json replaces it), so names are made valid up front, where the
		// expected path is computed.
		path, detailsKey = strings.ToValidUTF8(path, "\uFFFD"), strings.ToValidUTF8(detailsKey, "\uFFFD")
		segments := strings.Split(path, "/")
		if path == "" {
			segments = nil
		}
		if len(segments) > 100 {
			return
		}
		shadowed := false // an object on the way whose name says certificatedetails hides what lies under it
		for _, s := range segments {
			shadowed = shadowed || FoldName(s) == "certificatedetails"
		}

		node := map[string]any{"clientsecret": fuzzSecret, "note": extra}
		pemPath := joinSegments(segments, "certificate")
		if withPEM {
			pem := c.leafPEM
			if withChain {
				pem += c.caPEM + c.rootPEM
			}
			if escaped {
				pem = strings.ReplaceAll(pem, "\n", `\n`)
			}
			node["certificate"] = pem
			node["key"] = c.keyPEM
		}
		isDetails := withDetails && FoldName(detailsKey) == "certificatedetails"
		if withDetails {
			if _, clash := node[detailsKey]; clash {
				return
			}
			node[detailsKey] = map[string]any{"validuntil": validUntil, "subjectdn": sapDN}
		}
		var tree any = node
		for i := len(segments) - 1; i >= 0; i-- {
			if n, ok := arrayIndex(segments[i]); ok {
				arr := make([]any, n+1)
				arr[n] = tree
				tree = arr
				continue
			}
			tree = map[string]any{segments[i]: tree}
		}
		fd := Extract(jsonOf(t, tree))

		if strings.Contains(fd.Reason, fuzzSecret) || strings.Contains(fd.Reason, "-----BEGIN") || strings.Contains(fd.Reason, "PRIVATE KEY") {
			t.Fatalf("reason quotes a secret or PEM: %q", fd.Reason)
		}
		if fd.Kind == KindCertificate && (fd.Certificate == nil || fd.Certificate.NotAfter.IsZero()) {
			t.Fatalf("certificate finding without an expiry: %+v", fd)
		}
		if fd.Kind == KindUnknown && fd.Reason == "" {
			t.Fatal("unknown finding without a reason")
		}
		if len(segments) > maxDepth-2 || shadowed || strings.Contains(extra, pemCertHeader) {
			return // too deep to be read, hidden under a details object, or a second (broken) certificate beside
		}
		until, detailsErr := detailsTime(validUntil)
		usable := isDetails && detailsErr == nil
		if !withPEM && !usable {
			return
		}
		if fd.Kind != KindCertificate {
			t.Fatalf("planted at %q (pem %v, details %v): kind %v, reason %q", path, withPEM, usable, fd.Kind, fd.Reason)
		}
		got := fd.Certificate
		switch {
		case usable && got.NotAfter.After(until):
			t.Fatalf("not after %v is later than certificatedetails' %v", got.NotAfter, until)
		case withPEM && !got.NotAfter.Before(leafUntil.Add(time.Second)):
			t.Fatalf("not after %v is later than the certificate's %v", got.NotAfter, leafUntil)
		case !usable && (got.Path != pemPath || !got.NotAfter.Equal(leafUntil)):
			t.Fatalf("PEM only: path %q, not after %v; want %q, %v", got.Path, got.NotAfter, pemPath, leafUntil)
		case usable && withPEM && (until.Sub(leafUntil).Abs() >= time.Second) != (got.Disagreement != ""):
			t.Fatalf("disagreement %q for details %v and certificate %v", got.Disagreement, until, leafUntil)
		}
	})
}

// joinSegments writes the path Extract reports for a field under the given segments.
// arrayIndex reports whether a fuzzed path segment stands for an array index (0 to 3), written as the path
// renders one: "00" or "+1" are object keys, not indices.
func arrayIndex(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n < 4 && strconv.Itoa(n) == s
}

func joinSegments(segments []string, field string) string {
	p := ""
	for _, s := range segments {
		if _, ok := arrayIndex(s); ok {
			p += "[" + s + "]"
			continue
		}
		p = joinPath(p, s)
	}
	return joinPath(p, field)
}

// FuzzDN renders fuzzed names: DN never panics on any bytes and never writes a raw control character, and
// CommonName reads back exactly the CN that DN escaped, whatever it holds.
func FuzzDN(f *testing.F) {
	f.Add("Acme, Inc.", "O+with;specials", uint8(0), []byte{})
	f.Add(" #lead", `back\slash "quoted"`, uint8(1), []byte{0x30, 0x00})
	f.Add("München 東京", "x", uint8(2), []byte{0x30, 0x03, 0x31, 0x01, 0x30})
	f.Add("tab\there\x00nul\x7f", "trail ", uint8(3), []byte("not DER"))
	f.Fuzz(func(t *testing.T, cn, org string, tag uint8, raw []byte) {
		for _, s := range []string{DN(raw), string(raw)} {
			_ = CommonName(s)
			_ = canonicalDN(s)
		}

		var value asn1.RawValue
		want := cn
		switch tag % 4 {
		case 0:
			value = utf8Str(cn)
			if !utf8.ValidString(cn) {
				want = "" // dumped as hex: no text to read back
			}
		case 1: // one-byte strings read as ISO 8859-1
			value = str(asn1.TagIA5String, cn)
			r := make([]rune, len(cn))
			for i := 0; i < len(cn); i++ {
				r[i] = rune(cn[i])
			}
			want = string(r)
		case 2:
			if !utf8.ValidString(cn) || strings.ContainsFunc(cn, func(r rune) bool { return r > 0xffff || (r >= 0xd800 && r < 0xe000) }) {
				return
			}
			value = bmpStr(cn)
		case 3:
			value = str(asn1.TagPrintableString, cn)
			want = ""
			if isASCII(cn) {
				want = cn
			}
		}
		dn := DN(rawName(t, rdn(oidC, str(asn1.TagPrintableString, "DE")), rdn(oidO, utf8Str(org)), rdn(oidCN, value)))
		if dn == "" {
			t.Fatal("DN of a valid name is empty")
		}
		for _, r := range dn {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("DN %q holds control character %U", dn, r)
			}
		}
		if want != "" || cn == "" {
			if got := CommonName(dn); got != want {
				t.Fatalf("CommonName(%q) = %q, want %q", dn, got, want)
			}
		}
	})
}

// isASCII reports whether s is 7-bit.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
