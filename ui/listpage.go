package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// listPage is a list of foundations, orgs, spaces, instances or keys. It keeps its own cursor, filter, sort and
// position, so going back to it restores them (the "expiring soon" toggle is the session's, kept across pages); its rows are derived from the snapshots, so it
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
	reverse    bool // S: the order reversed

	spec     *listSpec
	base     []*row // every row of the page, rebuilt when the data changes
	baseGen  int
	baseSort sortMode
	baseRev  bool
	hay      haystack // the key rows' search texts, joined, in base order (and the last filter's hits)
	serials  haystack // their folded serials
	rows     []*row   // the rows shown: base filtered and sorted
	sums     map[string]summary
	slots    map[expiry.Status]int // the width of each status's count in the KEYS column, so counts align
	key      rowsKey
	cols     []column // the columns, and their widths for the terminal (0: dropped)
	widths   []int
	full     []int // every column at the width it wants: the line < and > scroll over
	hx       int   // cells scrolled to the right (0: the fitted columns)
	laidOut  layoutKey
}

// layoutKey says what the columns' widths were computed for: every row of the page (not only those the filter
// keeps, so columns stand still while a filter is typed), the minute (days change) and the width.
type layoutKey struct {
	sort   sortMode // the sorted column's title carries a mark
	gen    int
	minute int64
	width  int
}

// rowsKey says what the cached rows were computed from.
type rowsKey struct {
	gen      int
	query    string
	sort     sortMode
	reverse  bool
	expiring bool
	minute   int64
	valid    bool
}

func newListPage(kind pageKind, sc scope, title string, c *common) *listPage {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "key, instance, space, org, GUID, subject/issuer DN, serial; paste a GUID or DN to jump"
	ti.CharLimit = 256
	styles := ti.Styles()
	styles.Cursor.Blink = false // a steady cursor: no redraw every half second while typing
	ti.SetStyles(styles)
	return &listPage{kind: kind, spec: specs[kind], sc: sc, title: title, input: ti}
}

func (p *listPage) crumb() string                { return p.title }
func (p *listPage) capturing() bool              { return p.typing }
func (p *listPage) asking() bool                 { return p.typing }
func (p *listPage) foundation() *foundationState { return p.sc.foundation }
func (p *listPage) init(*common) tea.Cmd         { return nil }

// refresh recomputes the rows when the data, filter, sort, toggle or minute changed, keeping the selected row.
func (p *listPage) refresh(c *common) {
	now := c.now()
	k := rowsKey{gen: c.dataGen, query: p.query, sort: p.sort, reverse: p.reverse, expiring: c.expiring, minute: now.Unix() / 60, valid: true}
	if k == p.key {
		return
	}
	filtered := k.query != p.key.query || k.expiring != p.key.expiring
	p.key = k
	if p.base == nil || p.baseGen != c.dataGen || p.baseSort != p.sort || p.baseRev != p.reverse {
		// The base is kept sorted, so a keystroke of the filter only filters: the rows it keeps are in order.
		if p.base == nil || p.baseGen != c.dataGen {
			p.base = buildRows(p.kind, p.sc, c.foundations)
		}
		sortRows(p.base, p.sort)
		if p.reverse {
			slices.Reverse(p.base)
		}
		p.baseGen, p.baseSort, p.baseRev = c.dataGen, p.sort, p.reverse
		p.hay, p.serials = haystack{}, haystack{}
		if p.spec.keys {
			p.hay = newHaystack(len(p.base), func(i int) string { return p.base[i].meta.search })
			p.serials = newHaystack(len(p.base), func(i int) string { return p.base[i].meta.serial })
		}
	}
	q := newQuery(p.query)
	if p.sc.foundation != nil {
		q.markDN([]*foundationState{p.sc.foundation})
	} else {
		q.markDN(c.foundations)
	}
	var hit []bool
	kept := len(p.base)
	if p.spec.keys && q.lower != "" {
		// The same test as row.matches, as two scans of the joined texts and the keys markDN found by their DNs.
		hit = make([]bool, len(p.base))
		p.hay.mark(q.lower, hit)
		p.serials.mark(q.serial, hit)
		if !q.namesNoDN() {
			p.markDN(q, hit)
		}
		kept = 0
		for _, h := range hit {
			if h {
				kept++
			}
		}
	}
	rows := make([]*row, 0, kept) // a keystroke that keeps few rows allocates for few
	for i, r := range p.base {
		matched := (hit != nil && hit[i]) || (hit == nil && r.matches(q))
		if matched && (!c.expiring || c.judge.expiringRow(r, now, c.within)) {
			rows = append(rows, r)
		}
	}
	p.rows = rows
	p.sums = map[string]summary{}
	p.slots = map[expiry.Status]int{}
	if !p.spec.keys {
		for _, r := range rows {
			sum := summarise(r.foundation, r.keys, now, c.judge)
			p.sums[r.id] = sum
			for _, part := range countsText(sum, c.judge) {
				if len(r.keys) > sum.reading { // "no keys" while every key is being read is no count
					p.slots[part.status] = max(p.slots[part.status], safetext.Width(part.text))
				}
			}
		}
	}
	// The cursor follows its row (foundations re-sorting as they load, a refresh); when the row is gone, it keeps
	// its place (the row now there, or the last); a new filter starts at the top.
	found := false
	for i, r := range rows {
		if r.id == p.selectedID {
			p.cursor, found = i, true
		}
	}
	if !found && filtered {
		p.cursor = 0
	}
	p.clamp(0)
}

// markDN sets hit for the key rows whose subject or issuer DN the query names, as markDN found them. Rows come
// mostly from one foundation: its hits are looked up once per run of its rows, not once per row.
func (p *listPage) markDN(q query, hit []bool) {
	var ix *index
	var hits []bool
	marked := false
	for i, r := range p.base {
		if hit[i] {
			continue
		}
		m := r.meta
		if r.foundation.idx != ix {
			ix = r.foundation.idx
			hits, marked = q.dnHits[ix]
		}
		if marked && m.ord < len(ix.metas) && ix.metas[m.ord] == m {
			hit[i] = m.ord < len(hits) && hits[m.ord]
		} else {
			hit[i] = q.namesDN(ix, m)
		}
	}
}

// layout brings the page up to date for the next frame: its rows (when the data, filter, sort, toggle or minute
// changed), the columns' widths (when the rows or the terminal's width changed) and the cursor's window. The
// root calls it after every message, so drawing the page computes nothing.
func (p *listPage) layout(c *common) {
	p.refresh(c)
	if k := (layoutKey{sort: p.sort, gen: p.baseGen, minute: p.key.minute, width: c.width}); k != p.laidOut {
		p.laidOut = k
		p.cols = p.spec.columns(c.multi() && p.sc.foundation == nil)
		natural := p.naturalWidths(c)
		p.widths = layoutColumns(p.cols, natural, c.width)
		p.full = make([]int, len(p.cols))
		for i, col := range p.cols {
			p.full[i] = max(natural[i], col.min)
		}
	}
	p.hx = min(p.hx, p.maxScroll(c))
	p.clamp(c.listRows())
	p.input.SetWidth(max(c.width-2-16, 10)) // room for the match count beside it
}

// lineWidth is the width of a line whose columns have the given widths (0: dropped).
func lineWidth(widths []int) int {
	n, sum := 0, marker
	for _, w := range widths {
		if w > 0 {
			n++
			sum += w
		}
	}
	return sum + gap*max(n-1, 0)
}

// maxScroll is how far < and > can scroll: how much wider the whole line is than the screen.
func (p *listPage) maxScroll(c *common) int { return max(lineWidth(p.full)-c.width, 0) }

// shown are the widths the rows are drawn with: the fitted ones, or every column whole while scrolled.
func (p *listPage) shown() []int {
	if p.hx > 0 {
		return p.full
	}
	return p.widths
}

// naturalWidths are the widths the columns' contents want (titles included), at most 60 cells for names, over
// every row of the page. Lists of keys take them from widths measured once per snapshot.
func (p *listPage) naturalWidths(c *common) []int {
	x := p.cellCtx(c)
	natural := make([]int, len(p.cols))
	for i, col := range p.cols {
		natural[i] = safetext.Width(col.title)
		if col.title == p.sortTitle() {
			natural[i] += 2 // room for the sort mark
		}
		if col.max > 0 && col.max == col.min {
			continue // a fixed width: nothing to measure
		}
		for _, r := range p.base {
			w := 0
			if col.width != nil {
				w = col.width(r, x)
			} else {
				w = measure(col.cell(r, x).text)
			}
			if !col.wide {
				w = min(w, 60)
			}
			natural[i] = max(natural[i], w)
		}
	}
	return natural
}

func (p *listPage) cellCtx(c *common) *cellCtx {
	return &cellCtx{now: c.now(), judge: c.judge, st: c.styles, sums: p.sums, slots: p.slots, q: newQuery(p.query), c: c}
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

func (p *listPage) update(msg tea.Msg, c *common) outcome {
	p.refresh(c)
	if p.typing {
		return p.updateFilter(msg, c)
	}
	switch m := msg.(type) {
	case tea.MouseWheelMsg:
		switch m.Button {
		case tea.MouseWheelUp:
			p.cursor -= 3
		case tea.MouseWheelDown:
			p.cursor += 3
		}
		p.clamp(c.listRows())
		return outcome{handled: true}
	case tea.MouseClickMsg:
		// The rows start below the two header lines and the column titles.
		if i := p.offset + m.Y - 3; m.Button == tea.MouseLeft && m.Y >= 3 && i < len(p.rows) {
			if i == p.cursor {
				return outcome{handled: true, push: p.spec.open(p.rows[i], c)} // a click on the selected row opens it
			}
			p.cursor = i
			p.clamp(c.listRows())
		}
		return outcome{handled: true}
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return outcome{}
	}
	page := c.listRows()
	switch {
	case key.Matches(km, c.keys.Up):
		p.cursor--
	case key.Matches(km, c.keys.Down):
		p.cursor++
	case key.Matches(km, c.keys.PageUp):
		p.cursor -= page
	case key.Matches(km, c.keys.PageDown):
		p.cursor += page
	case key.Matches(km, c.keys.HalfUp):
		p.cursor -= max(page/2, 1)
	case key.Matches(km, c.keys.HalfDown):
		p.cursor += max(page/2, 1)
	case key.Matches(km, c.keys.Top):
		p.cursor = 0
	case key.Matches(km, c.keys.Bottom):
		p.cursor = len(p.rows) - 1
	case key.Matches(km, c.keys.Open):
		r, ok := p.selected()
		if !ok {
			return outcome{handled: true}
		}
		next := p.spec.open(r, c)
		if d, ok := next.(*detailPage); ok {
			d.from = p // n and N on the detail step through this list's matches
		}
		return outcome{handled: true, push: next}
	case key.Matches(km, c.keys.NextMatch), key.Matches(km, c.keys.PrevMatch):
		if !p.step(key.Matches(km, c.keys.NextMatch)) {
			return outcome{handled: true, status: noMatches}
		}
		return outcome{handled: true}
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
		c.expiring = !c.expiring
		p.refresh(c)
		state := "off"
		if c.expiring {
			state = "on: " + c.judge.expiringText(c.within)
		}
		return outcome{handled: true, status: "expiring only " + state}
	case key.Matches(km, c.keys.ScrollRight):
		if p.maxScroll(c) == 0 {
			return outcome{handled: true, status: "every column is whole: nothing to scroll"}
		}
		p.hx = min(p.hx+hstep, p.maxScroll(c))
		return outcome{handled: true}
	case key.Matches(km, c.keys.ScrollLeft):
		p.hx = max(p.hx-hstep, 0)
		return outcome{handled: true}
	case key.Matches(km, c.keys.Sort):
		sorts := p.spec.sorts
		p.sort = sorts[(slices.Index(sorts, p.sort)+1)%len(sorts)]
		p.refresh(c)
		return outcome{handled: true, status: "sorted by " + p.sortText()}
	case key.Matches(km, c.keys.Reverse):
		p.reverse = !p.reverse
		p.refresh(c)
		return outcome{handled: true, status: "sorted by " + p.sortText()}
	case key.Matches(km, c.keys.CopyGUID), key.Matches(km, c.keys.CopyDN):
		r, ok := p.selected()
		if !ok || r.key == nil {
			return outcome{handled: true, status: "select a key to copy its binding GUID or subject DN"}
		}
		return copyKey(r.key, key.Matches(km, c.keys.CopyDN))
	case key.Matches(km, c.keys.Ack):
		r, _ := p.selected()
		return ackKey(r, c)
	default:
		return outcome{}
	}
	p.clamp(page)
	return outcome{handled: true}
}

// noMatches says what n and N need.
const noMatches = "n and N step through what a filter kept: / sets one"

// step moves the cursor to the next (or previous) row the kept filter matched, wrapping around; false when no
// filter is kept or nothing matched.
func (p *listPage) step(next bool) bool {
	if p.query == "" || len(p.rows) == 0 {
		return false
	}
	d := 1
	if !next {
		d = -1
	}
	p.cursor = (p.cursor + d + len(p.rows)) % len(p.rows)
	p.selectedID = p.rows[p.cursor].id
	return true
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
	// A full binding GUID, a subject DN (written any way) or a UUID CN jumps straight to its key from any list,
	// even one the filter or the expiring toggle hides: the user asked for exactly that key. The list is not
	// filtered by a text that leaves it.
	if f, k := lookup(p.query, p.sc.foundation, c.foundations); k != nil {
		p.typing, p.query = false, ""
		p.input.Blur()
		p.input.SetValue("")
		p.refresh(c)
		id := f.Name + "/" + k.GUID
		for i, shown := range p.rows {
			if shown.id == id {
				p.cursor, p.selectedID = i, id
			}
		}
		return outcome{handled: true, cmd: cmd, push: newDetailPage(f, k)}
	}
	p.refresh(c)
	p.clamp(c.listRows())
	return outcome{handled: true, cmd: cmd}
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

func (p *listPage) statusLine(c *common) string {
	if p.typing {
		return p.input.View() + "  " + c.styles.Dim.Render(matchCount(len(p.rows)))
	}
	var parts []string
	if p.query != "" {
		parts = append(parts, fmt.Sprintf("filter %q (%s)", safetext.Clean(p.query), matchCount(len(p.rows))))
	}
	switch {
	case p.hx > 0:
		parts = append(parts, fmt.Sprintf("scrolled %d cells right (< back)", p.hx))
	case p.maxScroll(c) > 0:
		parts = append(parts, "some columns are cut or hidden: > scrolls")
	}
	if c.expiring {
		parts = append(parts, c.judge.expiringText(c.within))
	}
	return strings.Join(parts, " · ")
}

func (p *listPage) shortHelp(c *common) []key.Binding {
	k := c.keys
	// Most wanted first: the footer is cut at the screen's edge, and on 80 columns the last ones go.
	b := []key.Binding{k.Help, footerKey(k.Filter, "/", "filter"), k.AllKeys, footerKey(k.Expiring, "x", "soon"), k.Sort, k.Refresh, k.Quit,
		footerKey(k.Open, "enter", "open"), footerKey(k.Back, "esc", "back"), footerKey(k.Errors, "e", "errors")}
	if p.spec.keys {
		b = append(b, footerKey(k.Ack, "m", "ack"), k.CopyGUID, footerKey(k.CopyDN, "Y", "copy DN"))
	}
	return append(b, footerKey(k.Acks, "M", "acks"))
}

func (p *listPage) fullHelp(c *common) [][]key.Binding {
	k := c.keys
	nav := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.HalfUp, k.HalfDown, k.Top, k.Bottom, k.Open, k.Back}
	list := []key.Binding{k.Filter, k.NextMatch, k.PrevMatch, k.Expiring, k.Sort, k.Reverse, k.AllKeys, k.Refresh, k.Errors, k.ScrollLeft, k.ScrollRight}
	if p.spec.keys {
		list = append(list, k.CopyGUID, k.CopyDN, k.Ack)
	}
	list = append(list, k.Acks, k.AckedToo)
	return [][]key.Binding{nav, list, {k.Help, k.Quit}}
}

// hstep is how many cells < and > scroll.
const hstep = 8
