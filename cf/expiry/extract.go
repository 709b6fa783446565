package expiry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxDepth bounds the walk of a credentials tree; brokers nest a few levels, never dozens.
const maxDepth = 64

// Extract reads a service key's credentials (the JSON object under "credentials" in a details response) and
// returns what it says about the key's certificate.
//
// It walks the whole tree. A certificatedetails object (SAP Integration Suite) wins wherever it sits; its PEM chain,
// when present, is still read to find the leaf's NotBefore, any CA that expires before the leaf, and whether the
// leaf itself expires at another date (the earlier of the two then counts, and the certificate says why). Without
// certificatedetails, every string holding a PEM certificate is decoded and the leaf (a non-CA certificate; the
// earliest-expiring one if there are several) gives the expiry. Credentials with neither are KindNone, unless a
// certificate field is present but unreadable, or the key claims to be an x509 key, which makes them KindUnknown.
func Extract(credentials []byte) Finding {
	trimmed := bytes.TrimSpace(credentials)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return Finding{Kind: KindNone, Reason: "the key has no credentials"}
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return Unknown("the credentials are not valid JSON")
	}
	if dec.More() {
		return Unknown("the credentials are not valid JSON")
	}
	var w walker
	w.walk(tree, "", 0)
	return w.decide()
}

// detailsCandidate is a certificatedetails object found at path.
type detailsCandidate struct {
	path   string
	fields map[string]any
}

// pemCandidate is a string at path that holds at least one PEM certificate header.
type pemCandidate struct {
	path  string
	value string
}

// walker collects the parts of a credentials tree that matter for expiry.
type walker struct {
	details   []detailsCandidate
	pems      []pemCandidate
	badCert   []string // paths of certificate-named fields whose string holds no PEM certificate
	x509      bool     // a credential-type field says x509
	hasSecret bool     // a client secret is present
	tooDeep   bool
}

func (w *walker) walk(v any, path string, depth int) {
	if depth > maxDepth {
		w.tooDeep = true
		return
	}
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			child := t[k]
			p := joinPath(path, k)
			lk := FoldName(k)
			if obj, ok := child.(map[string]any); ok && lk == "certificatedetails" {
				w.details = append(w.details, detailsCandidate{path: p, fields: obj})
				continue
			}
			if s, ok := child.(string); ok {
				w.leaf(lk, p, s)
				continue
			}
			w.walk(child, p, depth+1)
		}
	case []any:
		for i, child := range t {
			p := path + "[" + strconv.Itoa(i) + "]"
			if s, ok := child.(string); ok {
				w.leaf("", p, s)
				continue
			}
			w.walk(child, p, depth+1)
		}
	}
}

// leaf looks at one string value named name (folded by FoldName) at path.
func (w *walker) leaf(name, path, s string) {
	switch {
	case strings.Contains(s, pemCertHeader):
		w.pems = append(w.pems, pemCandidate{path: path, value: s})
	case isCertificateField(name) && strings.TrimSpace(s) != "":
		w.badCert = append(w.badCert, path)
	case name == "credentialtype" && strings.EqualFold(strings.TrimSpace(s), "x509"):
		w.x509 = true
	case name == "clientsecret":
		w.hasSecret = true
	}
}

// decide turns what the walk collected into a Finding.
func (w *walker) decide() Finding {
	certs, pemErr := w.decodePEMs()

	var detailsErr string
	if len(w.details) > 0 {
		cert, err := w.fromDetails(certs)
		if err == nil {
			return Finding{Kind: KindCertificate, Certificate: cert, Reason: cert.Disagreement}
		}
		detailsErr = err.Error()
	}
	if leaf := pickLeaf(certs); leaf != nil {
		return Finding{Kind: KindCertificate, Certificate: leaf.describe(certs)}
	}
	switch {
	case detailsErr != "":
		return Unknown(detailsErr)
	case pemErr != "":
		return Unknown(pemErr)
	case len(w.badCert) > 0:
		return Unknown(fmt.Sprintf("field %s holds no PEM certificate", w.badCert[0]))
	case w.x509:
		return Unknown("the key is an x509 key but its credentials hold no certificate (hidden or removed)")
	case w.tooDeep:
		return Unknown(fmt.Sprintf("the credentials nest deeper than %d levels", maxDepth))
	case w.hasSecret:
		return Finding{Kind: KindNone, Reason: "client id and secret, no certificate"}
	}
	return Finding{Kind: KindNone, Reason: "no certificate in the credentials"}
}

// decodePEMs decodes every PEM candidate. It returns the certificates found and, when some candidate could not be
// decoded at all, a reason naming the first such field.
func (w *walker) decodePEMs() ([]parsedCert, string) {
	var all []parsedCert
	var firstErr string
	for i, c := range w.pems {
		certs, err := decodeChain(c.value, c.path, i)
		all = append(all, certs...)
		switch {
		case err == nil || len(certs) > 0 || firstErr != "":
		case errors.Is(err, errNotPEM):
			firstErr = fmt.Sprintf("the certificate in %s is not valid PEM", c.path)
		default:
			firstErr = fmt.Sprintf("the certificate in %s cannot be parsed: %v", c.path, err)
		}
	}
	return all, firstErr
}

// fromDetails builds the certificate from the earliest usable certificatedetails object, completing it with the
// matching PEM leaf when there is one.
func (w *walker) fromDetails(certs []parsedCert) (*Certificate, error) {
	var best *Certificate
	var firstErr error
	for _, d := range w.details {
		until, err := detailsTime(field(d.fields, "validuntil"))
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("%s.validuntil: %w", d.path, err)
			}
			continue
		}
		c := &Certificate{
			SubjectDN: stringField(d.fields, "subjectdn"),
			IssuerDN:  stringField(d.fields, "issuerdn"),
			Serial:    normaliseSerial(stringField(d.fields, "serialnumber")),
			NotAfter:  until,
			Source:    SourceCertificateDetails,
			Path:      d.path,
		}
		if best == nil || c.NotAfter.Before(best.NotAfter) {
			best = c
		}
	}
	if best == nil {
		return nil, firstErr
	}
	if leaf := matchLeaf(certs, best.SubjectDN); leaf != nil {
		pem := leaf.describe(certs)
		best.NotBefore = pem.NotBefore
		if best.IssuerDN == "" {
			best.IssuerDN = pem.IssuerDN
		}
		if best.Serial == "" {
			best.Serial = pem.Serial
		}
		reconcile(best, pem)
		if pem.ChainExpiresFirst && pem.ChainNotAfter.Before(best.NotAfter) {
			best.ChainExpiresFirst = true
			best.ChainNotAfter = pem.ChainNotAfter
			best.ChainSubjectDN = pem.ChainSubjectDN
		}
	}
	return best, nil
}

// reconcile settles a certificatedetails expiry (in c) against the PEM certificate of the same credentials:
// the earlier date decides, since a stale certificatedetails (a broker that copied it once and never again) must
// not make a certificate with two days left look fine, and a PEM that outlives its details is at best a surprise.
// When they differ by a second or more, c.Disagreement says both dates. SAP writes validuntil with milliseconds
// and a certificate holds whole seconds, so a difference below a second is the same date.
func reconcile(c, pem *Certificate) {
	diff := c.NotAfter.Sub(pem.NotAfter)
	if diff > -time.Second && diff < time.Second {
		return
	}
	details := c.NotAfter
	c.Disagreement = fmt.Sprintf("certificatedetails says %s, the certificate itself expires %s", dayOrInstant(details, pem.NotAfter), dayOrInstant(pem.NotAfter, details))
	if pem.NotAfter.Before(details) {
		c.NotAfter, c.Source, c.Path = pem.NotAfter, SourcePEM, pem.Path
	}
}

// dayOrInstant writes t as a date, or as a date and time when other falls on the same day.
func dayOrInstant(t, other time.Time) string {
	if t.UTC().Format(time.DateOnly) != other.UTC().Format(time.DateOnly) {
		return t.UTC().Format(time.DateOnly)
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// detailsTimeLayouts are the validuntil formats accepted, SAP's own (RFC 3339 with milliseconds) first.
var detailsTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05"}

// detailsTime parses a certificatedetails validuntil value.
func detailsTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		if v == nil {
			return time.Time{}, errors.New("missing")
		}
		return time.Time{}, errors.New("not a string")
	}
	s = strings.TrimSpace(s)
	for _, layout := range detailsTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("not a timestamp")
}

// field returns obj[name], the key matched without regard to case, dashes or underscores (validUntil,
// valid_until). With several spellings present, the alphabetically first key wins, so the result is stable.
func field(obj map[string]any, name string) any {
	best, found := "", false
	for k := range obj {
		if FoldName(k) == name && (!found || k < best) {
			best, found = k, true
		}
	}
	if !found {
		return nil
	}
	return obj[best]
}

// stringField returns field(obj, name) when it is a string.
func stringField(obj map[string]any, name string) string {
	if s, ok := field(obj, name).(string); ok {
		return strings.TrimSpace(s)
	}
	return ""
}

// nameFolder drops the separators that vary between spellings of one field name.
var nameFolder = strings.NewReplacer("-", "", "_", "", ".", "")

// FoldName folds the spellings brokers use for one credentials field name to one: certificateDetails,
// certificate_details and certificate-details all become "certificatedetails". It is the one rule by which field
// names are recognised, both for the certificate (here) and for secrets (cf.IsSecretField).
func FoldName(name string) string {
	return nameFolder.Replace(strings.ToLower(name))
}

// isCertificateField reports whether a field's folded name says it holds a certificate.
func isCertificateField(folded string) bool {
	switch folded {
	case "certificate", "cert", "x509", "clientcertificate", "clientcert", "certificatechain", "certchain", "x509certificate":
		return true
	}
	return false
}

// joinPath appends a field name to a dotted path.
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
