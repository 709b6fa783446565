package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/policy"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// acksPage is M: every acknowledgement, those of the store (m, cfkeys ack) and those a policy file shares, with
// whether each still holds. d removes a stored one (after a y); a shared one is removed by editing its file.
type acksPage struct {
	cursor   int
	offset   int
	removing *policy.Ack // d pressed: waiting for y
}

func newAcksPage() *acksPage { return &acksPage{} }

func (p *acksPage) crumb() string                { return "acknowledgements" }
func (p *acksPage) capturing() bool              { return false }
func (p *acksPage) asking() bool                 { return p.removing != nil }
func (p *acksPage) foundation() *foundationState { return nil }
func (p *acksPage) init(*common) tea.Cmd         { return nil }

// ackRow is one acknowledgement as the page shows it.
type ackRow struct {
	ack        policy.Ack
	state      string // active, ended, certificate changed
	lapsed     bool
	foundation string // the foundation's name when it is shown here, else the API URL
	key        string
	shared     bool // from a policy file
}

// rows lists the acknowledgements: whether each holds is judged against the key's certificate when the key is
// in a loaded foundation, else by its end date alone.
func (p *acksPage) rows(c *common) []ackRow {
	now := c.now()
	var out []ackRow
	for _, a := range c.judge.all() {
		r := ackRow{ack: a, foundation: a.Foundation, key: a.Key, shared: a.Source != c.judge.acksPath}
		cert, found := (*cf.KeyReport)(nil), false
		for _, f := range c.foundations {
			if f.idx == nil {
				continue
			}
			for _, guid := range []string{a.GUID, strings.ToLower(a.GUID)} {
				if k, ok := f.idx.keyByGUID[guid]; ok && !found && a.For(policyKey(f, k)) {
					r.foundation, r.key, cert, found = f.Name, k.Name, k, true
				}
			}
			if !found && strings.EqualFold(strings.TrimRight(f.API, "/"), strings.TrimRight(a.Foundation, "/")) {
				r.foundation = f.Name
			}
		}
		st := policy.AckActive
		switch {
		case found:
			st = a.State(cert.Finding.Certificate, now)
		case !now.Before(a.Ends()):
			st = policy.AckEnded
		}
		r.state, r.lapsed = st.String(), st != policy.AckActive
		if r.key == "" {
			r.key = a.GUID
		}
		out = append(out, r)
	}
	return out
}

func (p *acksPage) update(msg tea.Msg, c *common) outcome {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return outcome{}
	}
	rows := p.rows(c)
	if a := p.removing; a != nil {
		p.removing = nil
		if km.String() != "y" {
			return outcome{handled: true, status: "kept"}
		}
		done := "removed the acknowledgement of " + safetext.Clean(orDash(a.Key))
		foundation, guid := a.Foundation, a.GUID
		return outcome{handled: true, cmd: writeAcks(c.judge.acksPath, done, func(acks []policy.Ack) ([]policy.Ack, error) {
			return policy.RemoveAcks(acks, foundation, guid), nil
		})}
	}
	switch {
	case key.Matches(km, c.keys.Up):
		p.cursor--
	case key.Matches(km, c.keys.Down):
		p.cursor++
	case key.Matches(km, c.keys.Top):
		p.cursor = 0
	case key.Matches(km, c.keys.Bottom):
		p.cursor = len(rows) - 1
	case key.Matches(km, c.keys.PageUp):
		p.cursor -= c.listRows()
	case key.Matches(km, c.keys.PageDown):
		p.cursor += c.listRows()
	case key.Matches(km, c.keys.RemoveAck):
		if p.cursor >= len(rows) {
			return outcome{handled: true, status: "no acknowledgement to remove"}
		}
		r := rows[p.cursor]
		if r.shared {
			return outcome{handled: true, status: "this acknowledgement is in " + safetext.Clean(r.ack.Source) + ": edit that file to remove it"}
		}
		a := r.ack
		p.removing = &a
		return outcome{handled: true}
	default:
		return outcome{}
	}
	p.clamp(len(rows), c.listRows())
	return outcome{handled: true}
}

// clamp keeps the cursor on a row and in the window.
func (p *acksPage) clamp(n, height int) {
	p.cursor = max(min(p.cursor, n-1), 0)
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+height {
		p.offset = p.cursor - height + 1
	}
	p.offset = max(min(p.offset, n-height), 0)
}

func (p *acksPage) layout(c *common) { p.clamp(len(p.rows(c)), c.listRows()) }

// ackTitles are the page's columns; each is as wide as its widest cell (at most ackMaxWidth), the note takes
// the rest of the line.
var ackTitles = []string{"STATE", "UNTIL", "FOUNDATION", "KEY", "OWNER", "NOTE"}

// ackMaxWidth caps a column other than the note.
const ackMaxWidth = 30

// cells are an acknowledgement's texts, in ackTitles' order, cleaned for the terminal.
func (r ackRow) cells() []string {
	state := r.state
	if r.lapsed {
		state = "lapsed: " + state
	}
	owner := r.ack.Owner
	if r.shared {
		owner = strings.TrimSpace(owner + " (policy file)")
	}
	out := []string{state, r.ack.UntilText(), r.foundation, r.key, orDash(owner), r.ack.Note}
	for i := range out {
		out[i] = safetext.Clean(out[i])
	}
	return out
}

func (p *acksPage) body(c *common) string {
	st := c.styles
	rows := p.rows(c)
	if len(rows) == 0 {
		return fillLines([]string{"", st.Dim.Render("  No acknowledgements. m on a key acknowledges it; cfkeys ack does from a script.")}, c.bodyHeight())
	}
	cells := make([][]string, len(rows))
	widths := make([]int, len(ackTitles))
	for i, t := range ackTitles {
		widths[i] = safetext.Width(t)
	}
	for i, r := range rows {
		cells[i] = r.cells()
		for j, s := range cells[i][:len(ackTitles)-1] {
			widths[j] = min(max(widths[j], safetext.Width(s)), ackMaxWidth)
		}
	}
	line := func(texts []string) string {
		var b strings.Builder
		b.WriteString("  ")
		used := 2
		for i, text := range texts {
			if i == len(texts)-1 {
				b.WriteString(safetext.Fit(text, max(c.width-used, 1)))
				break
			}
			b.WriteString(safetext.Fit(text, widths[i]) + "  ")
			used += widths[i] + 2
		}
		return b.String()
	}
	lines := []string{truncateStyled(st.TableHeader.Render(line(ackTitles)), c.width)}
	end := min(p.offset+c.listRows(), len(rows))
	for i := p.offset; i < end; i++ {
		r := rows[i]
		text := line(cells[i])
		switch {
		case i == p.cursor:
			text = st.Selected.Render(text)
		case r.lapsed:
			text = st.Dim.Render(text)
		default:
			text = st.Status(statusAcked).Render(text)
		}
		lines = append(lines, truncateStyled(text, c.width))
	}
	return fillLines(lines, c.bodyHeight())
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func (p *acksPage) statusLine(c *common) string {
	if a := p.removing; a != nil {
		return c.styles.Warning.Render(" Remove the acknowledgement of " + safetext.Clean(orDash(a.Key)) + "? y removes it, any other key keeps it ")
	}
	path := c.judge.acksPath
	if path == "" {
		path = "nowhere (no config directory)"
	}
	return c.styles.Dim.Render("stored in " + safetext.Clean(path) + " · lapsed ones no longer hold: the key counts again")
}

func (p *acksPage) shortHelp(c *common) []key.Binding {
	k := c.keys
	return []key.Binding{k.Help, footerKey(k.Back, "esc", "back"), footerKey(k.RemoveAck, "d", "remove"), k.Up, k.Down, k.Quit}
}

func (p *acksPage) fullHelp(c *common) [][]key.Binding {
	k := c.keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Back}, {k.RemoveAck, k.AllKeys, k.Refresh}, {k.Help, k.Quit}}
}
