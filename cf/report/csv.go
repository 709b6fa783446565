package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// csvHeader are the CSV columns: the JSON fields, flattened.
var csvHeader = []string{"org", "space", "instance", "instance_guid", "service_offering", "service_plan", "name", "guid", "status",
	"days_remaining", "subject_dn", "issuer_dn", "serial", "not_after", "source", "chain_expires_first", "chain_not_after", "chain_subject_dn", "reason",
	"rule", "acked", "ack_until", "ack_owner", "ack_note"}

// WriteCSV writes a header and one row per key. A foundation column leads in multi-foundation reports. Text
// fields are made terminal-safe (control characters removed) and cells that a spreadsheet would run as a formula
// (starting with = + - @, after any tabs, carriage returns or spaces) are prefixed with a quote, as OWASP advises for CSV exports.
func WriteCSV(w io.Writer, r Report, multi bool) error {
	r = r.redacted()
	cw := csv.NewWriter(w)
	header := csvHeader
	if multi {
		header = append([]string{"foundation"}, header...)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, e := range r.Entries {
		days, subject, issuer, serial, notAfter, source, chainFirst, chainNotAfter, chainSubject := "", "", "", "", "", "", "", "", ""
		if e.DaysRemaining != nil {
			days = strconv.Itoa(*e.DaysRemaining)
		}
		if c := e.Certificate; c != nil {
			subject, issuer, serial, notAfter, source = c.SubjectDN, c.IssuerDN, c.Serial, rfc3339(c.NotAfter), string(c.Source)
			chainFirst = strconv.FormatBool(c.ChainExpiresFirst)
			if c.ChainExpiresFirst {
				chainNotAfter, chainSubject = rfc3339(c.ChainNotAfter), c.ChainSubjectDN
			}
		}
		reason := ""
		if e.Status == expiry.StatusUnknown || e.Certificate != nil {
			reason = e.Reason // why it is unknown, or what certificatedetails and the certificate disagree about
		}
		row := []string{cell(e.Org), cell(e.Space), cell(e.Instance), cell(e.InstanceGUID), cell(e.Offering), cell(e.Plan), cell(e.Name), cell(e.GUID),
			e.Status.String(), days, cell(subject), cell(issuer), cell(serial), notAfter, source, chainFirst, chainNotAfter, cell(chainSubject), cell(reason)}
		row = append(row, ackCells(e)...)
		if multi {
			row = append([]string{cell(e.Foundation)}, row...)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ackCells are the policy columns of a row: the rule, whether the key is acknowledged, and until when, by whom
// and why.
func ackCells(e Entry) []string {
	if e.Ack == nil {
		return []string{cell(e.Rule), "false", "", "", ""}
	}
	return []string{cell(e.Rule), "true", e.Ack.UntilText(), cell(e.Ack.Owner), cell(e.Ack.Note)}
}

// cell makes a text value safe for a terminal and for a spreadsheet. A spreadsheet skips leading tabs and
// carriage returns (which Clean has turned into spaces) before it looks for a formula, so a value such as
// "\t=HYPERLINK(...)" is quoted as well as "=HYPERLINK(...)".
func cell(s string) string {
	s = safetext.Clean(s)
	if t := strings.TrimLeft(s, " "); t != "" && strings.ContainsRune("=+-@", rune(t[0])) {
		return "'" + s
	}
	return s
}
