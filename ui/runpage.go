package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/cfkeys/cfkeys/cf/safetext"
)

// runPage follows a write of several keys, one line per key, while it runs and after; esc goes back (the write
// goes on, its progress on the status line).
type runPage struct {
	r *run
}

func (p *runPage) crumb() string                   { return p.r.verb }
func (p *runPage) init(*common) tea.Cmd            { return nil }
func (p *runPage) update(tea.Msg, *common) outcome { return outcome{} }
func (p *runPage) layout(*common)                  {}
func (p *runPage) capturing() bool                 { return false }
func (p *runPage) asking() bool                    { return false }
func (p *runPage) foundation() *foundationState    { return p.r.f }
func (p *runPage) statusLine(*common) string       { return "" }

func (p *runPage) body(c *common) string {
	st := c.styles
	lines := []string{""}
	for _, g := range p.r.order {
		lines = append(lines, truncateStyled("  • "+safetext.Clean(p.r.lines[g]), c.width))
	}
	lines = append(lines, "")
	switch {
	case p.r.done && p.r.failed:
		lines = append(lines, wrapIndented(p.r.outcome, c.width, "  ")...)
	case p.r.done:
		lines = append(lines, truncateStyled("  "+st.Bold.Render(safetext.Clean(p.r.outcome)), c.width), "", "  "+st.Dim.Render("esc goes back to the list, the first new key selected"))
	default:
		lines = append(lines, "  "+st.Dim.Render("esc goes back; the rotation goes on, its progress on the status line"))
	}
	return fillLines(lines, c.bodyHeight())
}

func (p *runPage) shortHelp(c *common) []key.Binding {
	return []key.Binding{c.keys.Help, footerKey(c.keys.Back, "esc", "back"), c.keys.Quit}
}

func (p *runPage) fullHelp(c *common) [][]key.Binding {
	return [][]key.Binding{{c.keys.Back}, {c.keys.Help, c.keys.Quit}}
}
