package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// TableOptions shape the table.
type TableOptions struct {
	// Width is the terminal width to fit in; 0 means no terminal (piped output): each column is then capped at
	// its own maximum (names at 64 cells, the note at 200), so one huge name cannot pad every row to its length.
	Width int
	// Multi adds a FOUNDATION column.
	Multi bool
	// Style, when set, decorates a status cell (already padded) for display, e.g. with colour.
	Style func(expiry.Status, string) string
	// AckedStyle, when set, decorates the status cell of an acknowledged key instead of Style.
	AckedStyle func(string) string
}

// column is one table column: its header, how to get a cell, and how far it may shrink.
type column struct {
	header string
	cell   func(Entry) string
	min    int
	shrink int  // order in which columns give up width (1 first); 0 never shrinks
	drop   bool // after shrinking to min, the column goes entirely before the next one shrinks
	max    int  // the widest the column gets in piped output; 0 for columns whose cells are short by nature
}

// Piped output caps: longer than any real name, shorter than what a hostile one could pad every row to.
const (
	maxPipedName = 64
	maxPipedNote = 200
)

func columns(multi bool) []column {
	cols := []column{
		{header: "STATUS", cell: StatusCell, min: 8},
		{header: "DAYS", cell: DaysCell, min: 5},
		{header: "VALID UNTIL", cell: func(e Entry) string {
			if e.Certificate == nil {
				return "-"
			}
			return e.Certificate.Effective().UTC().Format("2006-01-02")
		}, min: 10},
		{header: "ORG", cell: func(e Entry) string { return e.Org }, min: 6, shrink: 3, max: maxPipedName},
		{header: "SPACE", cell: func(e Entry) string { return e.Space }, min: 6, shrink: 4, max: maxPipedName},
		{header: "INSTANCE", cell: func(e Entry) string { return e.Instance }, min: 8, shrink: 2, max: maxPipedName},
		{header: "KEY", cell: func(e Entry) string { return e.Name }, min: 10, shrink: 5, max: maxPipedName},
		{header: "SUBJECT CN / NOTE", cell: Note, min: 10, shrink: 1, drop: true, max: maxPipedNote},
	}
	if multi {
		cols = append([]column{{header: "FOUNDATION", cell: func(e Entry) string { return e.Foundation }, min: 6, shrink: 6, max: maxPipedName}}, cols...)
	}
	return cols
}

// StatusCell is the status as the table shows it: "acked" for an acknowledged key (its true status moves to the
// note), else the status.
func StatusCell(e Entry) string {
	if e.Acked() {
		return "acked"
	}
	return e.Status.String()
}

// AckNote says what an acknowledgement is about: "expired, acked until 2027-01-31 by ops: partner gone".
func AckNote(e Entry) string {
	if e.Ack == nil {
		return ""
	}
	n := e.Status.String() + ", acked until " + e.Ack.UntilText()
	if e.Ack.Owner != "" {
		n += " by " + e.Ack.Owner
	}
	if e.Ack.Note != "" {
		n += ": " + e.Ack.Note
	}
	return n
}

// DaysCell renders days remaining as the table and UI show them: "-3d", "0d", "412d", "-" for none or unknown.
func DaysCell(e Entry) string {
	if e.DaysRemaining == nil {
		return "-"
	}
	return strconv.Itoa(*e.DaysRemaining) + "d"
}

// Note is the last table column: the subject's CN, a warning when a CA expires first, what certificatedetails and
// the certificate disagree about, or why there is no expiry.
func Note(e Entry) string {
	switch {
	case e.Acked():
		return AckNote(e)
	case e.Certificate != nil:
		n := expiry.CommonName(e.Certificate.SubjectDN)
		if e.Certificate.ChainExpiresFirst {
			n += fmt.Sprintf(" (CA expires first: %s)", e.Certificate.ChainNotAfter.UTC().Format("2006-01-02"))
		}
		if d := e.Certificate.Disagreement; d != "" {
			n += " (" + d + ")"
		}
		return n
	case e.Status == expiry.StatusNone:
		return "no certificate"
	}
	return e.Reason
}

// WriteTable writes an aligned table, most urgent first, then a summary line and the errors. Every string from
// the API is cleaned for the terminal; wide characters keep columns aligned; cells too long for Width (or, piped,
// for their column's cap) end in "…".
func WriteTable(w io.Writer, r Report, o TableOptions) error {
	r = r.redacted()
	cols := columns(o.Multi)
	cells := make([][]string, len(r.Entries))
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = safetext.Width(c.header)
	}
	for i, e := range r.Entries {
		cells[i] = make([]string, len(cols))
		for j, c := range cols {
			v := safetext.Clean(c.cell(e))
			cells[i][j] = v
			widths[j] = max(widths[j], safetext.Width(v))
		}
	}
	shown := len(cols)
	if o.Width > 0 {
		shown = fit(cols, widths, o.Width)
	} else {
		for j, c := range cols {
			if c.max > 0 {
				widths[j] = min(widths[j], c.max)
			}
		}
	}
	var b strings.Builder
	line := func(vals []string, status expiry.Status, acked, styled bool) {
		for j, v := range vals[:shown] {
			last := j == shown-1
			cellText := safetext.Truncate(v, widths[j])
			if !last {
				cellText = safetext.Pad(v, widths[j])
			}
			switch {
			case !styled || j != statusColumn(o.Multi):
			case acked && o.AckedStyle != nil:
				cellText = o.AckedStyle(cellText)
			case o.Style != nil:
				cellText = o.Style(status, cellText)
			}
			b.WriteString(cellText)
			if !last {
				b.WriteString("  ")
			}
		}
		b.WriteString("\n")
	}
	headers := make([]string, len(cols))
	for i, c := range cols {
		headers[i] = c.header
	}
	line(headers, 0, false, false)
	for i, e := range r.Entries {
		line(cells[i], e.Status, e.Acked(), true)
	}
	b.WriteString("\n" + Summary(r) + "\n")
	for _, e := range r.Errors {
		where := e.GUID
		if e.Foundation != "" {
			where = strings.TrimSpace(e.Foundation + " " + e.GUID)
		}
		b.WriteString(safetext.Clean(fmt.Sprintf("error: %s: %s", where, e.Message)) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func statusColumn(multi bool) int {
	if multi {
		return 1
	}
	return 0
}

// fit shrinks the shrinkable columns, in their order, until the table fits in width, and returns how many
// columns remain: a droppable last column (the note) goes entirely before a name column is cut, since cut names
// ("audit-wri…" twice) can no longer be told apart.
func fit(cols []column, widths []int, width int) int {
	shown := len(cols)
	total := func() int {
		t := 2 * (shown - 1)
		for _, w := range widths[:shown] {
			t += w
		}
		return t
	}
	for order := 1; order <= 6 && total() > width; order++ {
		for j, c := range cols[:shown] {
			if c.shrink != order {
				continue
			}
			widths[j] = max(c.min, widths[j]-(total()-width))
			if c.drop && j == shown-1 && total() > width {
				shown--
			}
		}
	}
	return shown
}

// Summary is the one-line count of keys by status with the thresholds.
func Summary(r Report) string {
	c := Counts(r.Entries)
	var parts []string
	for _, s := range expiry.Statuses {
		if n := c[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	noun := "keys"
	if len(r.Entries) == 1 {
		noun = "key"
	}
	out := fmt.Sprintf("%d %s", len(r.Entries), noun)
	if len(parts) > 0 {
		out += ": " + strings.Join(parts, ", ")
	}
	if n := AckedCount(r.Entries); n > 0 {
		out += fmt.Sprintf("; %d acked", n)
	}
	if r.Policy != "" {
		out += " (thresholds by policy " + safetext.Clean(r.Policy) + ")"
	} else {
		out += fmt.Sprintf(" (warning ≤ %dd, critical ≤ %dd)", r.Thresholds.Warning, r.Thresholds.Critical)
	}
	if n := len(r.Errors); n > 0 {
		out += fmt.Sprintf("; %d could not be checked", n)
	}
	return out
}
