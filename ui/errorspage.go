package ui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// errorsPage shows every failure in full, wrapped: each foundation's last failed connection or load, and the keys
// its last sweep could not read. The status line may cut a message; this page never does.
type errorsPage struct {
	f     *foundationState // nil: every foundation
	view  viewport.Model
	built errorsKey
}

// errorsKey says what the page's lines were built from.
type errorsKey struct {
	gen, width int
	errs       string
}

func newErrorsPage(f *foundationState) *errorsPage { return &errorsPage{f: f, view: viewport.New()} }

func (p *errorsPage) crumb() string                { return "errors" }
func (p *errorsPage) init(*common) tea.Cmd         { return nil }
func (p *errorsPage) capturing() bool              { return false }
func (p *errorsPage) asking() bool                 { return false }
func (p *errorsPage) foundation() *foundationState { return p.f }
func (p *errorsPage) statusLine(*common) string    { return "" }

func (p *errorsPage) update(msg tea.Msg, c *common) outcome {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return outcome{}
	}
	return outcome{handled: c.keys.scroll(&p.view, km)}
}

func (p *errorsPage) layout(c *common) {
	p.view.SetWidth(c.width)
	p.view.SetHeight(c.bodyHeight())
	p.view.SetYOffset(p.view.YOffset())
	var errs []string
	for _, f := range p.foundations(c) {
		if f.lastErr != nil {
			errs = append(errs, f.lastErr.Error())
		}
	}
	k := errorsKey{gen: c.dataGen, width: c.width, errs: strings.Join(errs, "\x00")}
	if k == p.built {
		return
	}
	p.built = k
	p.view.SetContentLines(p.lines(c))
}

func (p *errorsPage) foundations(c *common) []*foundationState {
	if p.f != nil {
		return []*foundationState{p.f}
	}
	return c.foundations
}

// lines are the failures, each message whole and wrapped under its heading.
func (p *errorsPage) lines(c *common) []string {
	st := c.styles
	var out []string
	for _, f := range p.foundations(c) {
		name := safetext.Clean(f.Name)
		if f.lastErr != nil {
			state := "failed"
			if f.snap != nil {
				state = "showing the data of " + f.updatedAt.In(c.now().Location()).Format("2006-01-02 15:04:05")
			}
			out = append(out, st.Error.Render(name+": "+state))
			out = append(out, wrapIndented(describeErr(f.lastErr), c.width, "  ")...)
			out = append(out, "")
		}
		if f.snap != nil && len(f.snap.Errors) > 0 {
			out = append(out, st.Bold.Render(fmt.Sprintf("%s: %d keys could not be read", name, len(f.snap.Errors))))
			for _, e := range f.snap.Errors {
				text := e.Message
				if e.GUID != "" {
					text = e.GUID + ": " + text
				}
				out = append(out, wrapIndented(safetext.Clean(text), c.width, "  ")...)
			}
			out = append(out, "")
		}
	}
	if len(out) == 0 {
		return []string{st.Dim.Render("  no errors")}
	}
	return out
}

// wrapIndented wraps text to width at word boundaries (cutting words longer than a line), each line indented.
func wrapIndented(text string, width int, indent string) []string {
	limit := max(width-len(indent), 10)
	lines := strings.Split(ansi.Wrap(text, limit, "/"), "\n")
	for i, l := range lines {
		lines[i] = indent + l
	}
	return lines
}

func (p *errorsPage) body(c *common) string {
	return fillLines(strings.Split(p.view.View(), "\n"), c.bodyHeight())
}

func (p *errorsPage) shortHelp(c *common) []key.Binding {
	k := c.keys
	return []key.Binding{k.Help, footerKey(k.Back, "esc", "back"), k.Refresh, k.Quit, k.Up, k.Down}
}

func (p *errorsPage) fullHelp(c *common) [][]key.Binding {
	k := c.keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Back}, {k.Refresh}, {k.Help, k.Quit}}
}

// describeErr is an error as the UI shows it, without the process's secrets (a server may echo one), cleaned for
// the terminal, its cause first: "connection refused
// (listing organizations: GET …: dial tcp …: connect)". The operations around a cause are what a narrow status
// line may cut; the cause is what the reader needs.
func describeErr(err error) string {
	msg := cf.Redact(err.Error())
	inner := err
	for {
		u := errors.Unwrap(inner)
		if u == nil {
			break
		}
		inner = u
	}
	cause := cf.Redact(inner.Error())
	switch {
	case inner == err || cause == "" || cause == msg:
		return safetext.Clean(msg)
	case strings.HasSuffix(msg, ": "+cause):
		return safetext.Clean(cause + " (" + strings.TrimSuffix(msg, ": "+cause) + ")")
	}
	// The cause sits inside a wrapper's sentence ("cannot reach …: 4 connection attempts in a row failed (last:
	// …: connection refused)"): it still leads, and the whole message follows.
	return safetext.Clean(cause + " (" + msg + ")")
}

// causeLeads reports whether describeErr put the error's cause first (then the end of the text may be cut, not
// its start).
func causeLeads(err error) bool { return describeErr(err) != safetext.Clean(cf.Redact(err.Error())) }
