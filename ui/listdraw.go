package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// cell is one cell's text and how to draw it.
type cell struct {
	text   string
	style  lipgloss.Style
	counts []countPart // a counts cell, drawn part by part
}

// entryOf is a key as cf/report sees it at an instant: the UI draws its notes and day cells from it, so the
// UI and cfkeys scan say the same words.
func entryOf(k *cf.KeyReport, now time.Time, th expiry.Thresholds) report.Entry {
	return report.FromKeys("", []cf.KeyReport{*k}, now, th)[0]
}

// noteOf is a key's last column, as the scan table writes it: its subject CN, a CA warning, or why there is no
// expiry. It does not depend on the instant. A failed read may quote the server, so secrets are redacted.
func noteOf(k *cf.KeyReport) string {
	return cf.Redact(report.Note(entryOf(k, time.Time{}, expiry.DefaultThresholds)))
}

// updatedText is a foundation row's refresh state.
func updatedText(f *foundationState, c *common) string {
	switch {
	case f.connecting:
		return "connecting…"
	case f.snap == nil && f.lastErr != nil:
		return "failed"
	case f.snap == nil:
		return "loading…"
	case f.showsCached():
		return "cached…"
	case f.partial:
		return "loading…"
	case !f.staleSince.IsZero():
		return "stale"
	}
	return f.updatedAt.In(c.now().Location()).Format("15:04:05")
}

// body draws the column titles and the rows in the cursor's window, as layout left them.
func (p *listPage) body(c *common) string {
	st := c.styles
	widths := p.shown()
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", marker))
	first := true
	for i, col := range p.cols {
		if widths[i] == 0 {
			continue
		}
		if !first {
			b.WriteString(strings.Repeat(" ", gap))
		}
		first = false
		title := col.title
		if title == p.sortTitle() {
			title += map[bool]string{false: " ↓", true: " ↑"}[p.reverse]
		}
		b.WriteString(st.TableHeader.Render(safetext.Pad(title, widths[i])))
	}
	lines := []string{p.scrolled(b.String(), c)}
	switch f := p.sc.foundation; {
	case len(p.rows) == 0 && f != nil && f.snap == nil && f.lastErr != nil:
		// A foundation that never loaded: its failure, whole and wrapped, is the page.
		lines = append(lines, st.Error.Render(truncateStyled("  could not read "+safetext.Clean(f.Name)+" (r retries, e lists every error):", c.width)))
		lines = append(lines, wrapIndented(describeErr(f.lastErr), c.width, "  ")...)
	case len(p.rows) == 0:
		lines = append(lines, truncateStyled("  "+st.Dim.Render(p.emptyText(c)), c.width))
	}
	x := p.cellCtx(c)
	for i := p.offset; i < len(p.rows) && i < p.offset+c.listRows(); i++ {
		lines = append(lines, p.scrolled(p.renderRow(p.rows[i], i == p.cursor, x), c))
	}
	return fillLines(lines, c.bodyHeight())
}

// scrolled is a drawn line as the screen shows it: the marker, then the columns from the scroll position on.
func (p *listPage) scrolled(line string, c *common) string {
	if p.hx == 0 {
		return line
	}
	return ansi.Cut(line, 0, marker) + ansi.Cut(line, marker+p.hx, marker+p.hx+c.width-marker)
}

// fillLines joins lines into exactly height lines, cutting or padding with empty ones.
func fillLines(lines []string, height int) string {
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:height], "\n")
}

// emptyText explains an empty list.
func (p *listPage) emptyText(c *common) string {
	f := p.sc.foundation
	switch {
	case f != nil && f.snap == nil && f.lastErr != nil:
		return "could not read " + f.Name + " (see the status line); r retries"
	case f != nil && f.snap == nil:
		return "loading " + f.Name + "…"
	case p.query != "" && c.expiring:
		return "nothing matches among keys expiring within " + fmt.Sprint(c.within) + " days (esc clears, x shows all)"
	case p.query != "":
		return "nothing matches the filter (esc clears it)"
	case c.expiring:
		return fmt.Sprintf("no key expires within %d days (x shows all)", c.within)
	}
	return p.spec.empty
}

// renderRow draws one row: a marker, then each visible cell padded to its width.
func (p *listPage) renderRow(r *row, selected bool, x *cellCtx) string {
	st := x.st
	var b strings.Builder
	sel := func(s lipgloss.Style) lipgloss.Style {
		if selected {
			return s.Reverse(true)
		}
		return s
	}
	mark := " " // • marks a row the last refresh changed or added
	if r.foundation != nil && r.foundation.markedRow(r) {
		mark = "•"
	}
	if x.c != nil && x.c.marks[r.id] { // * marks a row picked for a rotation (marks.go)
		mark = "*"
	}
	if selected {
		b.WriteString(sel(st.Bold).Render("▶" + mark))
	} else {
		b.WriteString(" " + st.Bold.Render(mark))
	}
	first := true
	widths := p.shown()
	for i, col := range p.cols {
		w := widths[i]
		if w == 0 {
			continue
		}
		if !first {
			b.WriteString(sel(lipgloss.NewStyle()).Render(strings.Repeat(" ", gap)))
		}
		first = false
		cl := col.cell(r, x)
		if cl.counts != nil {
			b.WriteString(renderCounts(cl.counts, w, st, selected))
			continue
		}
		text := safetext.Fit(cl.text, w)
		if col.middle {
			text = safetext.FitMiddle(cl.text, w)
		}
		b.WriteString(highlight(text, p.query, sel(cl.style)))
	}
	return b.String()
}

// renderCounts draws "2 expired  1 ≤7d  3 ≤30d  12 ok", each part in its status's style, within width cells.
func renderCounts(parts []countPart, width int, st Styles, selected bool) string {
	var b strings.Builder
	used := 0
	for i, part := range parts {
		sep := ""
		if i > 0 {
			sep = "  "
		}
		w := safetext.Width(sep+part.text) + part.pad
		if used+w > width {
			if rest := width - used; rest > 0 {
				b.WriteString(safetext.Pad(sep+"…", rest))
				used = width
			}
			break
		}
		s := st.Status(part.status)
		if selected {
			s = s.Reverse(true)
		}
		b.WriteString(sep + s.Render(part.text) + strings.Repeat(" ", part.pad))
		used += w
	}
	if used < width {
		b.WriteString(strings.Repeat(" ", width-used))
	}
	return b.String()
}

// position says where the cursor is among the rows and how many there are: "412/9,000 keys", or with a
// filter or the toggle on, "3/12 of 9,000 keys".
func (p *listPage) position() string {
	n := len(p.rows)
	noun := p.spec.noun[1]
	if len(p.base) == 1 {
		noun = p.spec.noun[0]
	}
	at := "0"
	if n > 0 {
		at = thousands(p.cursor + 1)
	}
	if n == len(p.base) {
		return at + "/" + thousands(n) + " " + noun
	}
	return at + "/" + thousands(n) + " of " + thousands(len(p.base)) + " " + noun
}

// sortText says the order: "days remaining", "name, reversed".
func (p *listPage) sortText() string {
	if p.reverse {
		return p.sort.String() + ", reversed"
	}
	return p.sort.String()
}

// sortTitle is the title of the column the rows are sorted by, marked in the header.
func (p *listPage) sortTitle() string {
	has := func(title string) bool {
		return slices.ContainsFunc(p.cols, func(c column) bool { return c.title == title })
	}
	switch {
	case p.sort == sortDays && has("DAYS"):
		return "DAYS"
	case p.sort == sortDays:
		return "STATUS"
	case p.sort == sortOrgSpace:
		return "ORG"
	case p.spec.keys:
		return "KEY"
	case len(p.cols) > 0:
		return p.cols[0].title
	}
	return ""
}

// highlight draws a cell's text in its style with the first match of the filter (case-insensitive) underlined
// and bold, so what matched stands out.
func highlight(text, query string, style lipgloss.Style) string {
	if query == "" {
		return style.Render(text)
	}
	i := strings.Index(strings.ToLower(text), strings.ToLower(query))
	if i < 0 || len(strings.ToLower(text)) != len(text) {
		return style.Render(text)
	}
	j := i + len(query)
	return style.Render(text[:i]) + style.Underline(true).Bold(true).Render(text[i:j]) + style.Render(text[j:])
}

// matchCount says how many rows a filter keeps: "no match", "1 match", "1,204 matches".
func matchCount(n int) string {
	switch n {
	case 0:
		return "no match"
	case 1:
		return "1 match"
	}
	return thousands(n) + " matches"
}

// thousands writes n with thousands separators: 9,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
