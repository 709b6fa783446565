package ui

import (
	"slices"
	"strings"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// rdns folds a distinguished name into its RDNs, each "type=value" in lower case with the spaces around "," and
// "=" gone, sorted: so "C = DE, O = Acme, CN = x" (openssl), "CN=x,O=Acme,C=DE" (RFC 4514, most specific first)
// and "/C=DE/O=Acme/CN=x" (openssl's old form) are the same DN. It returns nil for text that is no DN of at least
// two RDNs.
func rdns(dn string) []string {
	dn = strings.TrimSpace(dn)
	var parts []string
	if strings.HasPrefix(dn, "/") {
		parts = strings.Split(dn[1:], "/")
	} else {
		start, escaped := 0, false
		for i, r := range dn {
			switch {
			case escaped:
				escaped = false
			case r == '\\':
				escaped = true
			case r == ',' || r == ';':
				parts = append(parts, dn[start:i])
				start = i + 1
			}
		}
		parts = append(parts, dn[start:])
	}
	if len(parts) < 2 {
		return nil
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		t, v, ok := strings.Cut(p, "=")
		t, v = strings.TrimSpace(t), strings.TrimSpace(v)
		if !ok || t == "" || strings.ContainsAny(t, " \t") {
			return nil
		}
		out = append(out, strings.ToLower(t+"="+v))
	}
	slices.Sort(out)
	return out
}

// containsRDNs reports whether every RDN of want is among have (both sorted).
func containsRDNs(have, want []string) bool {
	for _, w := range want {
		if _, ok := slices.BinarySearch(have, w); !ok {
			return false
		}
	}
	return true
}

// lookup finds the one key a pasted text names among the foundations in scope: a binding GUID, a subject DN in
// any of the ways DNs are written, or a UUID that is a certificate's CN (SAP's CNs are UUIDs). It returns nil
// unless exactly one key is named.
func lookup(text string, scoped *foundationState, all []*foundationState) (*foundationState, *cf.KeyReport) {
	text = strings.TrimSpace(text)
	guid := cf.IsGUID(text)
	want := rdns(text)
	if !guid && want == nil {
		return nil, nil
	}
	var hitF *foundationState
	var hit *cf.KeyReport
	hits := 0
	for _, f := range all {
		if (scoped != nil && f != scoped) || f.idx == nil {
			continue
		}
		if guid {
			for g, k := range f.idx.keyByGUID {
				if strings.EqualFold(g, text) {
					return f, k // a binding GUID is unique: it wins over a CN
				}
			}
		}
		for _, k := range f.idx.keys {
			c := k.Finding.Certificate
			if c == nil {
				continue
			}
			m := f.idx.meta[k]
			named := false
			if guid {
				named = strings.EqualFold(safetext.Clean(expiry.CommonName(c.SubjectDN)), text)
			} else {
				named = len(m.subjectRDNs) == len(want) && containsRDNs(m.subjectRDNs, want)
			}
			if named {
				hits++
				hitF, hit = f, k
			}
		}
	}
	if hits != 1 {
		return nil, nil
	}
	return hitF, hit
}
