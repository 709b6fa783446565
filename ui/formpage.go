package ui

import (
	"fmt"
	"strings"
	"sync"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/cfkeys/cfkeys/cf/safetext"
)

// formPage is an action's questions (a huh form) on the page stack, below the lines that explain it (a rotation's
// plan). esc cancels and nothing is done; when the form is complete, done says what happens, and the page goes.
type formPage struct {
	title string
	f     *foundationState
	form  *huh.Form
	intro []string // drawn above the form, cleaned for the terminal
	done  func(m *Model) tea.Cmd
	width int
}

func newFormPage(title string, f *foundationState, intro []string, done func(m *Model) tea.Cmd, groups ...*huh.Group) *formPage {
	form := huh.NewForm(groups...).WithShowHelp(true).WithShowErrors(true)
	km := huh.NewDefaultKeyMap()
	km.Quit = key.NewBinding(key.WithKeys("esc"))
	form.WithKeyMap(km)
	return &formPage{title: title, f: f, form: form, intro: intro, done: done}
}

func (p *formPage) crumb() string                { return p.title }
func (p *formPage) capturing() bool              { return true }
func (p *formPage) asking() bool                 { return false }
func (p *formPage) foundation() *foundationState { return p.f }

func (p *formPage) init(c *common) tea.Cmd {
	p.form.WithTheme(formTheme(c.styles))
	p.layout(c)
	return p.form.Init()
}

// update hands the form a message it is sent while covered or as a paste; the root's actionKey and actionMsg
// hand it everything else.
func (p *formPage) update(msg tea.Msg, _ *common) outcome {
	_, cmd := p.form.Update(msg)
	return outcome{handled: true, cmd: cmd}
}

func (p *formPage) layout(c *common) {
	if p.width != c.width {
		p.width = c.width
		p.form.WithWidth(min(c.width-2, 100))
	}
}

func (p *formPage) body(c *common) string {
	form := strings.Split(p.form.View(), "\n")
	intro := p.intro
	// The form always shows whole: a long plan gives way at its end, saying how much is left out.
	if room := c.bodyHeight() - len(form) - 1; len(intro) > room {
		cut := max(room-1, 0)
		intro = append(intro[:cut:cut], c.styles.Dim.Render(fmt.Sprintf("… %d more lines (a taller terminal shows them)", len(p.intro)-cut)))
	}
	var lines []string
	for _, l := range intro {
		lines = append(lines, truncateStyled(l, c.width))
	}
	if len(lines) > 0 {
		lines = append(lines, "")
	}
	lines = append(lines, form...)
	return fillLines(lines, c.bodyHeight())
}

// statusLine leaves the line to the form's own help (enter, shift+tab, y/n) and to messages.
func (p *formPage) statusLine(*common) string { return "" }

func (p *formPage) shortHelp(c *common) []key.Binding {
	return []key.Binding{footerKey(c.keys.Back, "esc", "cancel (nothing is sent)")}
}

func (p *formPage) fullHelp(c *common) [][]key.Binding {
	return [][]key.Binding{{footerKey(c.keys.Back, "esc", "cancel, nothing is sent")}}
}

// formTheme draws forms in the UI's palette: titles in the accent, errors as the UI draws errors, the focused
// button reversed; without colour, only bold and reverse.
// huh asks its theme for the styles on every draw; they are built once per form.
func formTheme(st Styles) huh.Theme {
	var (
		once   sync.Once
		styles *huh.Styles
	)
	return huh.ThemeFunc(func(bool) *huh.Styles {
		once.Do(func() { styles = formStyles(st) })
		return styles
	})
}

// formStyles are the form's styles in the UI's palette.
func formStyles(st Styles) *huh.Styles {
	t := huh.ThemeBase(st.dark)
	t.Focused.Title = st.CrumbCurrent
	t.Focused.Description = st.Dim
	t.Focused.ErrorIndicator = st.Error.SetString(" *")
	t.Focused.ErrorMessage = st.Error
	t.Focused.Base = t.Focused.Base.BorderForeground(st.Key.GetForeground())
	t.Focused.FocusedButton = st.Selected.Bold(true).Padding(0, 2).MarginRight(1)
	t.Focused.BlurredButton = lipgloss.NewStyle().Padding(0, 2).MarginRight(1)
	t.Focused.SelectSelector = st.Key.SetString("> ")
	t.Focused.TextInput.Prompt = st.Key
	t.Blurred = t.Focused
	t.Blurred.Base = t.Blurred.Base.BorderStyle(lipgloss.HiddenBorder())
	t.Blurred.Title = st.Bold
	t.Blurred.SelectSelector = lipgloss.NewStyle().SetString("  ")
	t.Help.ShortKey, t.Help.ShortDesc = st.Key, st.Dim
	return t
}

// cleanLines makes every line of text safe for the terminal.
func cleanLines(lines ...string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = safetext.Clean(l)
	}
	return out
}
