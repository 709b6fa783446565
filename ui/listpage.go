package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// listPage is a list of foundations, orgs, spaces, instances or keys. It keeps its own cursor, filter, sort and
// "expiring soon" toggle, so going back to it restores them; its rows are derived from the snapshots, so it
// never fetches anything itself.
type listPage struct {
	kind       pageKind
	sc         scope
	title      string
	cursor     int
	offset     int
	selectedID string
	query      string
	input      textinput.Model
	typing     bool
	sort       sortMode
	expiring   bool

	base    []*row // every row of the page, rebuilt when the data changes
	baseGen int
	rows    []*row // the rows shown: base filtered and sorted
	natural []int
	sums    map[string]summary
	key     rowsKey
}

// rowsKey says what the cached rows were computed from.
type rowsKey struct {
	gen      int
	query    string
	sort     sortMode
	expiring bool
	minute   int64
	valid    bool
}

func newListPage(kind pageKind, sc scope, title string, c *common) *listPage {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "key, instance, space, org, GUID, subject/issuer DN, serial"
	ti.CharLimit = 256
	styles := ti.Styles()
	styles.Cursor.Blink = false // a steady cursor: no redraw every half second while typing
	ti.SetStyles(styles)
	return &listPage{kind: kind, sc: sc, title: title, input: ti, expiring: c.startExpiring}
}

func (p *listPage) crumb() string                { return p.title }
func (p *listPage) capturing() bool              { return p.typing }
func (p *listPage) asking() bool                 { return p.typing }
func (p *listPage) foundation() *foundationState { return p.sc.foundation }
func (p *listPage) init(*common) tea.Cmd         { return nil }

// refresh recomputes the rows when the data, filter, sort, toggle or minute changed, keeping the selected row.
func (p *listPage) refresh(c *common) {
	now := c.now()
	k := rowsKey{gen: c.dataGen, query: p.query, sort: p.sort, expiring: p.expiring, minute: now.Unix() / 60, valid: true}
	if k == p.key {
		return
	}
	p.key = k
	if p.base == nil || p.baseGen != c.dataGen {
		p.base, p.baseGen = buildRows(p.kind, p.sc, c.foundations), c.dataGen
	}
	q := newQuery(p.query)
	rows := make([]*row, 0, len(p.base))
	for _, r := range p.base {
		if r.matches(q) && (!p.expiring || r.expiring(now, c.within)) {
			rows = append(rows, r)
		}
	}
	sortRows(rows, p.sort)
	p.rows = rows
	p.sums = map[string]summary{}
	if p.kind != kindKeys && p.kind != kindAllKeys {
		for _, r := range rows {
			p.sums[r.id] = summarise(r.keys, now, c.th)
		}
	}
	p.natural = p.naturalWidths(c)
	p.cursor = 0
	for i, r := range rows {
		if r.id == p.selectedID {
			p.cursor = i
		}
	}
	p.clamp(0)
}

// naturalWidths are the widths the columns' contents want (titles included), at most 60 cells. Key pages take
// them from the widths measured once per snapshot, so a keystroke on 10,000 keys costs no text measuring.
func (p *listPage) naturalWidths(c *common) []int {
	cols := p.columns(c)
	natural := make([]int, len(cols))
	for i, col := range cols {
		natural[i] = safetext.Width(col.title)
	}
	if p.kind != kindKeys && p.kind != kindAllKeys {
		for _, r := range p.rows {
			for i, cell := range p.cells(r, c) {
				natural[i] = max(natural[i], min(safetext.Width(safetext.Clean(cell.text)), 60))
			}
		}
		return natural
	}
	// Key columns: status, days, valid until, key, [instance, space, org,] note; a foundation column first.
	off := 0
	if len(cols) == 9 {
		off = 1
		for _, r := range p.rows {
			natural[0] = max(natural[0], min(safetext.Width(safetext.Clean(r.foundation.Name)), 60))
		}
	}
	natural[off], natural[off+2] = 8, 11
	now := c.now()
	for _, r := range p.rows {
		if r.meta.hasCert {
			natural[off+1] = max(natural[off+1], len(strconv.Itoa(expiry.DaysRemaining(r.earliest, now)))+1)
		}
	}
	textCols := []int{0, 4} // key, note
	if p.kind == kindAllKeys {
		textCols = []int{0, 1, 2, 3, 4} // key, instance, space, org, note
	}
	for _, r := range p.rows {
		for j, w := range textCols {
			natural[off+3+j] = max(natural[off+3+j], min(r.meta.widths[w], 60))
		}
	}
	return natural
}

// clamp keeps the cursor on a row and the offset such that the cursor is visible in height rows.
func (p *listPage) clamp(height int) {
	if p.cursor >= len(p.rows) {
		p.cursor = len(p.rows) - 1
	}
	if p.cursor < 0 {
		p.cursor = 0
	}
	if height > 0 {
		if p.cursor < p.offset {
			p.offset = p.cursor
		}
		if p.cursor >= p.offset+height {
			p.offset = p.cursor - height + 1
		}
		if maxOff := max(len(p.rows)-height, 0); p.offset > maxOff {
			p.offset = maxOff
		}
	}
	if p.offset < 0 {
		p.offset = 0
	}
	if len(p.rows) > 0 {
		p.selectedID = p.rows[p.cursor].id
	}
}

// selected returns the row under the cursor.
func (p *listPage) selected() (*row, bool) {
	if p.cursor < 0 || p.cursor >= len(p.rows) {
		return nil, false
	}
	return p.rows[p.cursor], true
}

// rowsHeight is the number of rows the page shows in a body of height lines (one goes to the column titles).
func rowsHeight(height int) int { return max(height-1, 1) }

func (p *listPage) update(msg tea.Msg, c *common) outcome {
	p.refresh(c)
	if p.typing {
		return p.updateFilter(msg, c)
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return outcome{}
	}
	page := rowsHeight(c.height - chromeHeight)
	switch {
	case key.Matches(km, c.keys.Up):
		p.cursor--
	case key.Matches(km, c.keys.Down):
		p.cursor++
	case key.Matches(km, c.keys.PageUp):
		p.cursor -= page
	case key.Matches(km, c.keys.PageDown):
		p.cursor += page
	case key.Matches(km, c.keys.Top):
		p.cursor = 0
	case key.Matches(km, c.keys.Bottom):
		p.cursor = len(p.rows) - 1
	case key.Matches(km, c.keys.Open):
		r, ok := p.selected()
		if !ok {
			return outcome{handled: true}
		}
		return outcome{handled: true, push: openRow(p.kind, r, c)}
	case key.Matches(km, c.keys.Filter):
		p.typing = true
		p.input.SetValue(p.query)
		p.input.CursorEnd()
		return outcome{handled: true, cmd: p.input.Focus()}
	case key.Matches(km, c.keys.Back) && km.String() == "esc" && p.query != "":
		p.query = "" // esc clears a kept filter before it goes back
		p.refresh(c)
		return outcome{handled: true}
	case key.Matches(km, c.keys.Expiring):
		p.expiring = !p.expiring
		p.refresh(c)
		state := "off"
		if p.expiring {
			state = fmt.Sprintf("on: keys expiring within %d days, expired included", c.within)
		}
		return outcome{handled: true, status: "expiring only " + state}
	case key.Matches(km, c.keys.Sort):
		p.sort = (p.sort + 1) % sortModes
		p.refresh(c)
		return outcome{handled: true, status: "sorted by " + p.sort.String()}
	case key.Matches(km, c.keys.CopyGUID), key.Matches(km, c.keys.CopyDN):
		r, ok := p.selected()
		if !ok || r.key == nil {
			return outcome{handled: true, status: "select a key to copy its binding GUID or subject DN"}
		}
		return copyKey(r.key, key.Matches(km, c.keys.CopyDN))
	default:
		return outcome{}
	}
	p.clamp(page)
	return outcome{handled: true}
}

// updateFilter handles keys while the filter is being typed: the list follows every keystroke.
func (p *listPage) updateFilter(msg tea.Msg, c *common) outcome {
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch km.String() {
		case "enter":
			p.typing = false
			p.input.Blur()
			return outcome{handled: true}
		case "esc":
			p.typing, p.query = false, ""
			p.input.Blur()
			p.input.SetValue("")
			p.refresh(c)
			return outcome{handled: true}
		case "up", "down", "pgup", "pgdown":
			p.typing = false // leave the text, keep the filter, and move
			p.input.Blur()
			return p.update(msg, c)
		}
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	p.query = strings.TrimSpace(p.input.Value())
	p.refresh(c)
	p.clamp(rowsHeight(c.height - chromeHeight))
	if p.kind == kindAllKeys && cf.IsGUID(p.query) {
		// A full binding GUID jumps straight to its key, even one the expiring toggle hides: the user asked for
		// exactly that key.
		for _, r := range p.base {
			if r.key != nil && strings.EqualFold(r.key.GUID, p.query) {
				p.typing, p.query = false, ""
				p.input.Blur()
				p.input.SetValue("")
				p.refresh(c)
				for i, shown := range p.rows {
					if shown.id == r.id {
						p.cursor, p.selectedID = i, r.id
					}
				}
				return outcome{handled: true, cmd: cmd, push: newDetailPage(r.foundation, r.key)}
			}
		}
	}
	return outcome{handled: true, cmd: cmd}
}

// openRow returns the page a row opens.
func openRow(kind pageKind, r *row, c *common) page {
	switch kind {
	case kindFoundations:
		return newListPage(kindOrgs, scope{foundation: r.foundation}, r.name, c)
	case kindOrgs:
		return newListPage(kindSpaces, scope{foundation: r.foundation, orgGUID: r.orgGUID}, r.name, c)
	case kindSpaces:
		return newListPage(kindInstances, scope{foundation: r.foundation, orgGUID: r.orgGUID, spaceGUID: r.spaceGUID}, r.name, c)
	case kindInstances:
		return newListPage(kindKeys, scope{foundation: r.foundation, orgGUID: r.orgGUID, spaceGUID: r.spaceGUID, instGUID: r.inst.GUID}, r.name, c)
	}
	return newDetailPage(r.foundation, r.key)
}

// copyKey puts a key's binding GUID or subject DN on the clipboard with OSC 52, which works over SSH.
func copyKey(k *cf.KeyReport, dn bool) outcome {
	if !dn {
		return outcome{handled: true, cmd: tea.SetClipboard(k.GUID), status: "copied the binding GUID of " + safetext.Clean(k.Name) + " to the clipboard"}
	}
	if k.Finding.Certificate == nil || k.Finding.Certificate.SubjectDN == "" {
		return outcome{handled: true, status: safetext.Clean(k.Name) + " has no certificate subject to copy"}
	}
	return outcome{handled: true, cmd: tea.SetClipboard(safetext.Clean(k.Finding.Certificate.SubjectDN)), status: "copied the subject DN of " + safetext.Clean(k.Name) + " to the clipboard"}
}

// cell is one cell's text and how to draw it.
type cell struct {
	text   string
	style  lipgloss.Style
	counts []countPart // a counts cell, drawn part by part
}

// columns are the page's columns.
func (p *listPage) columns(c *common) []column {
	status := column{title: "STATUS", min: 8, max: 8}
	counts := column{title: "KEYS", min: 12, weight: 3}
	switch p.kind {
	case kindFoundations:
		return []column{{title: "FOUNDATION", min: 10, weight: 2}, {title: "API", min: 12, weight: 2, drop: 2}, status, counts, {title: "UPDATED", min: 8, max: 19, drop: 1}}
	case kindOrgs:
		return []column{{title: "ORG", min: 12, weight: 2}, status, counts}
	case kindSpaces:
		return []column{{title: "SPACE", min: 12, weight: 2}, status, counts}
	case kindInstances:
		return []column{{title: "INSTANCE", min: 12, weight: 2}, {title: "OFFERING / PLAN", min: 10, weight: 1, drop: 1}, status, counts}
	case kindKeys:
		return []column{status, {title: "DAYS", min: 5, max: 7}, {title: "VALID UNTIL", min: 11, max: 11, drop: 2}, {title: "KEY", min: 14, weight: 3},
			{title: "SUBJECT CN / NOTE", min: 12, weight: 2, drop: 1}}
	}
	cols := []column{status, {title: "DAYS", min: 5, max: 7}, {title: "VALID UNTIL", min: 11, max: 11, drop: 5}, {title: "KEY", min: 14, weight: 3},
		{title: "INSTANCE", min: 10, weight: 2, drop: 3}, {title: "SPACE", min: 8, weight: 1, drop: 2}, {title: "ORG", min: 8, weight: 1, drop: 1},
		{title: "SUBJECT CN / NOTE", min: 12, weight: 2, drop: 6}}
	if c.multi() && p.sc.foundation == nil {
		cols = append([]column{{title: "FOUNDATION", min: 8, max: 20, drop: 4}}, cols...)
	}
	return cols
}

// cells are a row's cells, in column order.
func (p *listPage) cells(r *row, c *common) []cell {
	st := c.styles
	if r.key == nil {
		sum := p.sums[r.id]
		statusCell := cell{text: sum.worst.String(), style: st.Status(sum.worst)}
		if len(r.keys) == 0 {
			statusCell = cell{text: "-", style: st.Dim}
		}
		countsCell := cell{text: joinCounts(countsText(sum, c.th)), counts: countsText(sum, c.th)}
		switch p.kind {
		case kindFoundations:
			return []cell{{text: r.name}, {text: r.detail, style: st.Dim}, statusCell, countsCell, {text: updatedText(r.foundation, c), style: st.Dim}}
		case kindInstances:
			return []cell{{text: r.name}, {text: r.detail, style: st.Dim}, statusCell, countsCell}
		}
		return []cell{{text: r.name}, statusCell, countsCell}
	}
	k := r.key
	ks := stateOf(k, c.now(), c.th)
	days, until := "-", "-"
	if ks.hasDays {
		days = fmt.Sprintf("%dd", ks.days)
		until = k.Finding.Certificate.Effective().UTC().Format("2006-01-02")
	}
	note := r.meta.note
	cells := []cell{{text: ks.status.String(), style: st.Status(ks.status)}, {text: days, style: st.Status(ks.status)}, {text: until}, {text: k.Name}}
	if p.kind == kindKeys {
		return append(cells, cell{text: note, style: st.Dim})
	}
	cells = append(cells, cell{text: k.Instance.Name}, cell{text: k.Instance.SpaceName}, cell{text: k.Instance.OrgName}, cell{text: note, style: st.Dim})
	if c.multi() && p.sc.foundation == nil {
		cells = append([]cell{{text: r.foundation.Name}}, cells...)
	}
	return cells
}

// noteOf is a key's last column: its subject CN, a CA warning, or why there is no expiry.
func noteOf(k *cf.KeyReport, s expiry.Status) string {
	switch c := k.Finding.Certificate; {
	case c != nil:
		n := report.CommonName(c.SubjectDN)
		if c.ChainExpiresFirst {
			n += " (CA expires " + c.ChainNotAfter.UTC().Format("2006-01-02") + ")"
		}
		return n
	case s == expiry.StatusNone:
		return "no certificate"
	}
	return k.Finding.Reason
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
	case !f.staleSince.IsZero():
		return "stale"
	}
	return f.updatedAt.In(c.now().Location()).Format("15:04:05")
}

func (p *listPage) body(c *common, height int) string {
	p.refresh(c)
	rowsH := rowsHeight(height)
	p.clamp(rowsH)
	cols := p.columns(c)
	widths := layout(cols, p.natural, c.width)
	st := c.styles
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", marker))
	first := true
	for i, col := range cols {
		if widths[i] == 0 {
			continue
		}
		if !first {
			b.WriteString(strings.Repeat(" ", gap))
		}
		first = false
		b.WriteString(st.TableHeader.Render(safetext.Pad(col.title, widths[i])))
	}
	lines := []string{b.String()}
	if len(p.rows) == 0 {
		lines = append(lines, truncateStyled("  "+st.Dim.Render(p.emptyText(c)), c.width))
	}
	for i := p.offset; i < len(p.rows) && i < p.offset+rowsH; i++ {
		lines = append(lines, p.renderRow(p.rows[i], i == p.cursor, cols, widths, c))
	}
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
	case p.query != "" && p.expiring:
		return "nothing matches among keys expiring within " + fmt.Sprint(c.within) + " days (esc clears, x shows all)"
	case p.query != "":
		return "nothing matches the filter (esc clears it)"
	case p.expiring:
		return fmt.Sprintf("no key expires within %d days (x shows all)", c.within)
	}
	return map[pageKind]string{kindFoundations: "no foundations", kindOrgs: "no orgs visible to this user", kindSpaces: "no spaces in this org",
		kindInstances: "no managed service instances in this space", kindKeys: "no service keys on this instance", kindAllKeys: "no service keys"}[p.kind]
}

// renderRow draws one row: a marker, then each visible cell padded to its width.
func (p *listPage) renderRow(r *row, selected bool, cols []column, widths []int, c *common) string {
	st := c.styles
	cells := p.cells(r, c)
	var b strings.Builder
	sel := func(s lipgloss.Style) lipgloss.Style {
		if selected {
			return s.Reverse(true)
		}
		return s
	}
	if selected {
		b.WriteString(sel(st.Bold).Render("▶ "))
	} else {
		b.WriteString("  ")
	}
	first := true
	for i := range cols {
		if widths[i] == 0 {
			continue
		}
		if !first {
			b.WriteString(sel(lipgloss.NewStyle()).Render(strings.Repeat(" ", gap)))
		}
		first = false
		cl := cells[i]
		if cl.counts != nil {
			b.WriteString(renderCounts(cl.counts, widths[i], st, selected))
			continue
		}
		b.WriteString(sel(cl.style).Render(safetext.Fit(cl.text, widths[i])))
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
		w := safetext.Width(sep + part.text)
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
		b.WriteString(sep + s.Render(part.text))
		used += w
	}
	if used < width {
		b.WriteString(strings.Repeat(" ", width-used))
	}
	return b.String()
}

func (p *listPage) statusLine(c *common) string {
	if p.typing {
		p.input.SetWidth(max(c.width-2, 10))
		return p.input.View()
	}
	var parts []string
	if p.query != "" {
		parts = append(parts, fmt.Sprintf("filter %q (%d match)", safetext.Clean(p.query), len(p.rows)))
	}
	if p.expiring {
		parts = append(parts, fmt.Sprintf("expiring within %dd only", c.within))
	}
	return strings.Join(parts, " · ")
}

func (p *listPage) shortHelp(c *common) []key.Binding {
	k := c.keys
	// Most wanted first: the footer is cut at the screen's edge, and on 80 columns the last ones go.
	b := []key.Binding{k.Help, k.Filter, k.AllKeys, footerKey(k.Expiring, "x", "soon"), k.Sort, k.Refresh, k.Quit,
		footerKey(k.Open, "enter", "open"), footerKey(k.Back, "esc", "back")}
	if p.kind == kindKeys || p.kind == kindAllKeys {
		b = append(b, k.CopyGUID)
	}
	return b
}

func (p *listPage) fullHelp(c *common) [][]key.Binding {
	k := c.keys
	nav := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Open, k.Back}
	list := []key.Binding{k.Filter, k.Expiring, k.Sort, k.AllKeys, k.Refresh}
	if p.kind == kindKeys || p.kind == kindAllKeys {
		list = append(list, k.CopyGUID, k.CopyDN)
	}
	return [][]key.Binding{nav, list, {k.Help, k.Quit}}
}
