package notify

import (
	"bytes"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// Row is one affected key as every message shows it. Every field is cleaned for a terminal (and escaped again by
// each format as it needs).
type Row struct {
	Change     string // what happened, e.g. "entered warning", "new key", "gone"
	Kind       Kind
	Foundation string
	Org        string
	Space      string
	Instance   string
	Key        string
	Status     string
	Days       string // "12", "-3" or "" without a certificate
	Expiry     string // "2026-12-04 09:00 UTC" or ""
	SubjectCN  string
	Command    string // the cfkeys command that shows the key, "" when the GUID looks wrong
}

// Message is what a batch of events says, ready for every target.
type Message struct {
	Subject string
	Intro   string
	Rows    []Row
	Text    string
	HTML    string
}

// isGUID says whether s looks like a GUID from the Cloud Controller (1 to 64 letters, digits and hyphens);
// anything else is not put into a command line. It is a loop, not a regular expression: the {1,64} repetition
// compiled at start-up cost every cfkeys command 700 allocations.
func isGUID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// Compose builds the message for a batch of events.
func Compose(events []Event, now time.Time) Message {
	m := Message{Rows: make([]Row, 0, len(events))}
	counts := map[Kind]int{}
	for _, e := range events {
		counts[e.Kind]++
		m.Rows = append(m.Rows, rowOf(e))
	}
	m.Subject = subject(counts, len(events))
	m.Intro = fmt.Sprintf("cfkeys found %s at %s.", summary(counts), now.UTC().Format("2006-01-02 15:04 MST"))
	m.Text = textBody(m)
	m.HTML = htmlBody(m)
	return m
}

// subject summarises a batch in a mail subject line.
func subject(counts map[Kind]int, n int) string {
	if counts[KindDigest] == n && n > 0 {
		return fmt.Sprintf("cfkeys daily digest: %s", plural(n, "service key needs", "service keys need")+" attention")
	}
	if counts[KindTest] == n && n > 0 {
		return "cfkeys test notification"
	}
	return "cfkeys: " + summary(counts)
}

// summary says how many keys of each kind a batch holds, most urgent first.
func summary(counts map[Kind]int) string {
	var parts []string
	for _, k := range []struct {
		kind       Kind
		one, other string
	}{
		{KindExpired, "key expired", "keys expired"}, {KindCritical, "key critical", "keys critical"},
		{KindWarning, "key in warning", "keys in warning"}, {KindNew, "new key", "new keys"},
		{KindGone, "key gone", "keys gone"}, {KindDigest, "key to watch", "keys to watch"},
		{KindTest, "sample key", "sample keys"},
	} {
		if n := counts[k.kind]; n > 0 {
			parts = append(parts, plural(n, k.one, k.other))
		}
	}
	if len(parts) == 0 {
		return "nothing new"
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, other string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + other
}

// rowOf describes one event.
func rowOf(e Event) Row {
	k := e.Key
	r := Row{Kind: e.Kind, Foundation: clean(k.Foundation), Org: clean(k.Org), Space: clean(k.Space), Instance: clean(k.Instance),
		Key: clean(k.Name), Status: clean(k.Status)}
	switch e.Kind {
	case KindExpired, KindCritical, KindWarning:
		r.Change = "now " + string(e.Kind)
		if e.Previous == ackedStatus {
			r.Change += " (its acknowledgement lapsed)"
		} else if e.Previous != "" {
			r.Change += " (was " + clean(e.Previous) + ")"
		}
	case KindNew:
		r.Change = "new key"
	case KindGone:
		r.Change = "gone"
	case KindDigest:
		r.Change = string(k.Status)
	case KindTest:
		r.Change = "sample"
	}
	if k.Days != nil {
		r.Days = strconv.Itoa(*k.Days)
	}
	if c := k.Certificate; c != nil {
		r.Expiry = c.Effective().UTC().Format("2006-01-02 15:04 MST")
		r.SubjectCN = clean(expiry.CommonName(c.SubjectDN))
	}
	if isGUID(k.GUID) && e.Kind != KindGone {
		r.Command = "cfkeys find " + k.GUID
		switch {
		case k.Profile && safeArg(k.Foundation):
			r.Command += " --profile " + k.Foundation
		case !k.Profile && safeArg(k.API):
			r.Command += " --api " + k.API
		}
	}
	return r
}

// safeArg reports whether s can stand in a shell command line unquoted.
func safeArg(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.:/", c)) {
			return false
		}
	}
	return true
}

// clean makes an API string safe for any message: no control characters or escape sequences, and at most 200
// characters, so one hostile name cannot fill a mail.
func clean(s string) string {
	s = safetext.Clean(s)
	if r := []rune(s); len(r) > 200 {
		s = string(r[:199]) + safetext.Ellipsis
	}
	return s
}

// columns are the table's headings and cells, in order.
var columns = []struct {
	head string
	cell func(Row) string
}{
	{"CHANGE", func(r Row) string { return r.Change }},
	{"FOUNDATION", func(r Row) string { return r.Foundation }},
	{"ORG", func(r Row) string { return r.Org }},
	{"SPACE", func(r Row) string { return r.Space }},
	{"INSTANCE", func(r Row) string { return r.Instance }},
	{"KEY", func(r Row) string { return r.Key }},
	{"DAYS", func(r Row) string { return r.Days }},
	{"EXPIRES", func(r Row) string { return r.Expiry }},
	{"SUBJECT CN", func(r Row) string { return r.SubjectCN }},
}

// textBody is the plain-text body: the intro, an aligned table, and the commands to look at each key.
func textBody(m Message) string {
	var b strings.Builder
	b.WriteString(m.Intro + "\n\n")
	widths := make([]int, len(columns))
	for i, c := range columns {
		widths[i] = safetext.Width(c.head)
		for _, r := range m.Rows {
			widths[i] = max(widths[i], safetext.Width(c.cell(r)))
		}
	}
	line := func(cell func(int) string) {
		var l strings.Builder
		for i := range columns {
			s := cell(i)
			l.WriteString(s)
			if i < len(columns)-1 {
				l.WriteString(strings.Repeat(" ", widths[i]-safetext.Width(s)+2))
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
	line(func(i int) string { return columns[i].head })
	for _, r := range m.Rows {
		line(func(i int) string { return columns[i].cell(r) })
	}
	var cmds []string
	for _, r := range m.Rows {
		if r.Command != "" {
			cmds = append(cmds, "  "+r.Command+"    # "+r.Key)
		}
	}
	if len(cmds) > 0 {
		b.WriteString("\nTo look at a key:\n" + strings.Join(cmds, "\n") + "\n")
	}
	b.WriteString("\n-- \ncfkeys watch\n")
	return b.String()
}

// htmlTemplate is parsed on first use, not at start-up: every cfkeys command would otherwise pay the parse
// (about 0.9 ms, most of the package's init) though only a notification sends HTML.
var htmlTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("mail").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: sans-serif">
<p>{{.Intro}}</p>
<table cellpadding="4" cellspacing="0" border="1" style="border-collapse: collapse">
<tr>{{range .Heads}}<th align="left">{{.}}</th>{{end}}<th align="left">TO LOOK AT IT</th></tr>
{{range .Rows}}<tr>{{range .Cells}}<td>{{.}}</td>{{end}}<td><code>{{.Command}}</code></td></tr>
{{end}}</table>
<p style="color: #666">cfkeys watch</p>
</body></html>
`))
})

// htmlBody is the HTML body: the same table, every cell escaped by html/template.
func htmlBody(m Message) string {
	type row struct {
		Cells   []string
		Command string
	}
	data := struct {
		Subject, Intro string
		Heads          []string
		Rows           []row
	}{Subject: m.Subject, Intro: m.Intro}
	for _, c := range columns {
		data.Heads = append(data.Heads, c.head)
	}
	for _, r := range m.Rows {
		cells := make([]string, 0, len(columns))
		for _, c := range columns {
			cells = append(cells, c.cell(r))
		}
		data.Rows = append(data.Rows, row{Cells: cells, Command: r.Command})
	}
	var b bytes.Buffer
	if err := htmlTemplate().Execute(&b, data); err != nil {
		return "" // cannot happen with strings only; the text part still carries everything
	}
	return b.String()
}
