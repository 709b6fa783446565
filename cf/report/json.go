package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// jsonReport is the JSON document, schema 1.
type jsonReport struct {
	Schema      int          `json:"schema"`
	GeneratedAt string       `json:"generated_at"`
	API         string       `json:"api,omitempty"`
	Foundations []Foundation `json:"foundations,omitempty"`
	Thresholds  jsonTh       `json:"thresholds"`
	Policy      string       `json:"policy,omitempty"`
	Keys        []jsonEntry  `json:"keys"`
	Errors      []Error      `json:"errors"`
}

type jsonTh struct {
	WarningDays  int `json:"warning_days"`
	CriticalDays int `json:"critical_days"`
}

type jsonEntry struct {
	Foundation      string    `json:"foundation,omitempty"`
	Org             string    `json:"org"`
	Space           string    `json:"space"`
	Instance        string    `json:"instance"`
	InstanceGUID    string    `json:"instance_guid"`
	ServiceOffering string    `json:"service_offering"`
	ServicePlan     string    `json:"service_plan"`
	Name            string    `json:"name"`
	GUID            string    `json:"guid"`
	Status          string    `json:"status"`
	DaysRemaining   *int      `json:"days_remaining"`
	Certificate     *jsonCert `json:"certificate"`
	Reason          string    `json:"reason,omitempty"`
	Rule            string    `json:"rule,omitempty"`
	Ack             *jsonAck  `json:"ack,omitempty"`
}

// jsonAck is the acknowledgement in force for a key; a key without one has no "ack" field.
type jsonAck struct {
	Until     string `json:"until"`
	Note      string `json:"note"`
	Owner     string `json:"owner,omitempty"`
	CreatedAt string `json:"created_at,omitempty"`
	Source    string `json:"source,omitempty"`
}

type jsonCert struct {
	SubjectDN         string `json:"subject_dn"`
	IssuerDN          string `json:"issuer_dn"`
	Serial            string `json:"serial"`
	NotAfter          string `json:"not_after"`
	Source            string `json:"source"`
	ChainExpiresFirst bool   `json:"chain_expires_first,omitempty"`
	ChainNotAfter     string `json:"chain_not_after,omitempty"`
	ChainSubjectDN    string `json:"chain_subject_dn,omitempty"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// WriteJSON writes the report as one JSON object. Strings from the API are written as they are, JSON-escaped
// (control characters become \u escapes, so the document itself is safe on a terminal); HTML characters are not
// escaped, so names survive a round trip unharmed.
func WriteJSON(w io.Writer, r Report) error {
	r = r.redacted()
	doc := jsonReport{Schema: Schema, GeneratedAt: rfc3339(r.GeneratedAt), API: r.API, Foundations: r.Foundations,
		Thresholds: jsonTh{WarningDays: r.Thresholds.Warning, CriticalDays: r.Thresholds.Critical}, Policy: r.Policy,
		Keys: make([]jsonEntry, 0, len(r.Entries)), Errors: r.Errors}
	if doc.Errors == nil {
		doc.Errors = []Error{}
	}
	for _, e := range r.Entries {
		je := jsonEntry{Foundation: e.Foundation, Org: e.Org, Space: e.Space, Instance: e.Instance, InstanceGUID: e.InstanceGUID,
			ServiceOffering: e.Offering, ServicePlan: e.Plan, Name: e.Name, GUID: e.GUID, Status: e.Status.String(), DaysRemaining: e.DaysRemaining, Rule: e.Rule}
		if a := e.Ack; a != nil {
			je.Ack = &jsonAck{Until: a.UntilText(), Note: a.Note, Owner: a.Owner, Source: a.Source}
			if !a.Created.IsZero() {
				je.Ack.CreatedAt = rfc3339(a.Created)
			}
		}
		if e.Status == expiry.StatusUnknown || e.Certificate != nil {
			je.Reason = e.Reason // why it is unknown, or what certificatedetails and the certificate disagree about
		}
		if c := e.Certificate; c != nil {
			je.Certificate = &jsonCert{SubjectDN: c.SubjectDN, IssuerDN: c.IssuerDN, Serial: c.Serial, NotAfter: rfc3339(c.NotAfter), Source: string(c.Source), ChainExpiresFirst: c.ChainExpiresFirst}
			if c.ChainExpiresFirst {
				je.Certificate.ChainNotAfter = rfc3339(c.ChainNotAfter)
				je.Certificate.ChainSubjectDN = c.ChainSubjectDN
			}
		}
		doc.Keys = append(doc.Keys, je)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := w.Write(EscapeTerminalUnsafe(buf.Bytes()))
	return err
}

// EscapeTerminalUnsafe rewrites the characters encoding/json leaves raw but a terminal may act on, DEL, C1
// controls (U+0080-U+009F, e.g. an 8-bit CSI) and bidi controls, as \uXXXX escapes. (encoding/json escapes the
// C0 controls and U+2028/U+2029 itself.) They can only occur inside JSON strings, so the document still decodes
// to exactly the same values.
func EscapeTerminalUnsafe(b []byte) []byte {
	if isPlainASCII(b) {
		return b
	}
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}

// isPlainASCII reports whether b is ASCII without DEL, which EscapeTerminalUnsafe leaves as it is.
func isPlainASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x7f {
			return false
		}
	}
	return true
}
