package ui

import (
	"errors"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/policy"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// The fields of the acknowledgement form, in order.
const (
	fieldUntil = iota
	fieldNote
	fieldOwner
	ackFields
)

// ackForm is m's small form: until when, why and who owns a key's acknowledgement. It writes through cf/policy
// to the store cfkeys ack uses, and the lists judge the key again without a refetch. Every key goes to it while
// it is open (q and ? are text); esc cancels, tab and enter move on, enter on the last field (or ctrl+s) saves.
type ackForm struct {
	f      *foundationState
	key    *cf.KeyReport
	inputs [ackFields]textinput.Model
	focus  int
	err    string // why the last save was refused; what was typed stays
	saving bool
}

// ackKey opens the form for a selected key, or says why it cannot.
func ackKey(r *row, c *common) outcome {
	switch {
	case r == nil || r.key == nil:
		return outcome{handled: true, status: "select a key to acknowledge it"}
	case c.judge.acksPath == "":
		return outcome{handled: true, status: "acknowledgements cannot be stored here (no config directory): use cfkeys ack"}
	case strings.TrimSpace(r.foundation.API) == "" || strings.TrimSpace(r.key.GUID) == "":
		// The store is keyed by API URL and binding GUID; an entry without them would spoil it for scan too.
		return outcome{handled: true, status: "this key's foundation has no API URL to acknowledge it by"}
	}
	return outcome{handled: true, push: newAckForm(r.foundation, r.key, c)}
}

// newAckForm builds the form, filled in from the key's stored acknowledgement when it has one (m again edits it).
func newAckForm(f *foundationState, k *cf.KeyReport, c *common) *ackForm {
	p := &ackForm{f: f, key: k}
	labels := [ackFields][2]string{
		{"until  ", "2027-01-31, or a time from today such as 30d"},
		{"note   ", "why the key may stay as it is (a change ticket, a partner)"},
		{"owner  ", "who answers for it (optional)"},
	}
	for i := range p.inputs {
		ti := textinput.New()
		ti.Prompt = labels[i][0]
		ti.Placeholder = labels[i][1]
		ti.CharLimit = 256
		styles := ti.Styles()
		styles.Cursor.Blink = false
		ti.SetStyles(styles)
		p.inputs[i] = ti
	}
	for _, a := range c.judge.stored {
		if a.For(policyKey(f, k)) {
			p.inputs[fieldUntil].SetValue(a.UntilText())
			p.inputs[fieldNote].SetValue(a.Note)
			p.inputs[fieldOwner].SetValue(a.Owner)
		}
	}
	return p
}

func (p *ackForm) crumb() string                { return "acknowledge" }
func (p *ackForm) capturing() bool              { return true }
func (p *ackForm) asking() bool                 { return true }
func (p *ackForm) foundation() *foundationState { return p.f }
func (p *ackForm) init(*common) tea.Cmd         { return p.inputs[p.focus].Focus() }

// layout fits the inputs to the screen.
func (p *ackForm) layout(c *common) {
	for i := range p.inputs {
		p.inputs[i].SetWidth(max(c.width-12, 10))
	}
}

func (p *ackForm) update(msg tea.Msg, c *common) outcome {
	if p.saving {
		return outcome{handled: true} // the write is under way: its answer closes the form or says why not
	}
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch km.String() {
		case "esc":
			return outcome{handled: true, pop: true, status: "nothing acknowledged"}
		case "tab", "down":
			return outcome{handled: true, cmd: p.move(1)}
		case "shift+tab", "up":
			return outcome{handled: true, cmd: p.move(-1)}
		case "enter":
			if p.focus < ackFields-1 {
				return outcome{handled: true, cmd: p.move(1)}
			}
			return p.save(c)
		case "ctrl+s":
			return p.save(c)
		}
	}
	var cmd tea.Cmd
	p.inputs[p.focus], cmd = p.inputs[p.focus].Update(msg)
	p.err = ""
	return outcome{handled: true, cmd: cmd}
}

// move puts the focus on the next (or previous) field, wrapping around.
func (p *ackForm) move(d int) tea.Cmd {
	p.inputs[p.focus].Blur()
	p.focus = (p.focus + d + ackFields) % ackFields
	return p.inputs[p.focus].Focus()
}

// errNoNote refuses an acknowledgement without a reason, as cfkeys ack does.
var errNoNote = errors.New("a note is required: say why the key may stay as it is")

// save checks the fields as cfkeys ack does and writes the acknowledgement in a command; a refusal keeps what
// was typed and puts the focus on the field at fault.
func (p *ackForm) save(c *common) outcome {
	now := c.now()
	until, err := policy.ParseUntil(p.inputs[fieldUntil].Value(), now)
	if err != nil {
		p.err = err.Error()
		return outcome{handled: true, cmd: p.focusOn(fieldUntil)}
	}
	note := strings.TrimSpace(p.inputs[fieldNote].Value())
	if note == "" {
		p.err = errNoNote.Error()
		return outcome{handled: true, cmd: p.focusOn(fieldNote)}
	}
	a := policy.NewAck(policyKey(p.f, p.key), until, note, strings.TrimSpace(p.inputs[fieldOwner].Value()), now)
	p.saving, p.err = true, ""
	done := "acknowledged " + safetext.Clean(p.key.Name) + " until " + a.UntilText()
	if a.Serial != "" {
		done += "; it lapses when its certificate is replaced"
	}
	return outcome{handled: true, cmd: writeAcks(c.judge.acksPath, done, func(acks []policy.Ack) ([]policy.Ack, error) {
		return policy.PutAck(acks, a), nil
	})}
}

func (p *ackForm) focusOn(i int) tea.Cmd {
	p.inputs[p.focus].Blur()
	p.focus = i
	return p.inputs[i].Focus()
}

func (p *ackForm) body(c *common) string {
	st := c.styles
	ks := c.judge.state(p.f, p.key, c.now())
	status := statusName(ks.status)
	if ks.hasDays {
		status += " · " + daysLeftText(ks.days)
	}
	i := p.key.Instance
	lines := []string{
		st.Bold.Render("Acknowledge ") + safetext.Clean(p.key.Name) + st.Dim.Render(" ("+safetext.Clean(i.OrgName+" / "+i.SpaceName+" / "+i.Name)+")"),
		st.Dim.Render("now ") + st.Status(ks.status).Render(status) + st.Dim.Render(" · rule "+safetext.Clean(ks.v.Rule)),
		"",
	}
	for j := range p.inputs {
		marker := "  "
		if j == p.focus {
			marker = st.Key.Render("› ")
		}
		lines = append(lines, marker+p.inputs[j].View())
	}
	lines = append(lines, "")
	explain := "The key stays " + statusName(ks.status) + " with its days, shown as acked, and raises no alarm until the end date " +
		"or until its certificate is replaced. Written to " + safetext.Clean(c.judge.acksPath) + ", as cfkeys ack does."
	for _, l := range wrapText(explain, max(c.width-1, 20)) {
		lines = append(lines, st.Dim.Render(l))
	}
	for j, l := range lines {
		lines[j] = truncateStyled(l, c.width)
	}
	return fillLines(lines, c.bodyHeight())
}

// daysLeftText says days left as the detail page does.
func daysLeftText(d int) string {
	switch {
	case d < 0:
		return "expired " + strconv.Itoa(-d) + " days ago"
	case d == 0:
		return "expires within a day"
	}
	return strconv.Itoa(d) + " days left"
}

func (p *ackForm) statusLine(c *common) string {
	switch {
	case p.saving:
		return c.styles.Dim.Render("saving…")
	case p.err != "":
		return c.styles.Error.Render(safetext.Clean(p.err))
	}
	return c.styles.Dim.Render("tab/enter next field · enter on owner or ctrl+s saves · esc cancels")
}

func (p *ackForm) shortHelp(c *common) []key.Binding {
	b := func(keys, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc))
	}
	return []key.Binding{b("tab", "next field"), b("enter", "next / save"), b("ctrl+s", "save"), b("esc", "cancel")}
}

func (p *ackForm) fullHelp(c *common) [][]key.Binding { return [][]key.Binding{p.shortHelp(c)} }
