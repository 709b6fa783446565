package ui

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/policy"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// policyBadge names the policy in the header: where its rules come from.
func (m *Model) policyBadge() []string {
	p := m.c.policy
	if p == nil {
		return nil
	}
	src := p.Source
	if src != policy.BuiltIn {
		src = filepath.Base(src)
	}
	if p.Overridden {
		src += " (--warn/--critical)"
	}
	return []string{m.c.styles.Dim.Render("policy: " + safetext.Clean(src))}
}

// verdict is what the policy says about a key of a foundation now.
func verdict(c *common, f *foundationState, k *cf.KeyReport) (policy.Verdict, bool) {
	if c.policy == nil {
		return policy.Verdict{}, false
	}
	return c.policy.Judge(report.PolicyKey(f.Name, f.API, *k), c.now()), true
}

// policyLines name the rule that sets the key's thresholds, and the acknowledgement in force.
func (p *detailPage) policyLines(c *common) []string {
	v, ok := verdict(c, p.f, p.current())
	if !ok {
		return nil
	}
	st := c.styles
	rule := fmt.Sprintf("rule %s: warn ≤%s · crit ≤%s → %s", v.Rule, v.Warning, v.Critical, v.Status)
	if v.LifetimeUnknown {
		rule += " (the certificate's lifetime is not known: days applied)"
	}
	out := []string{st.Bold.Render(safetext.Pad("Policy", 16)) + safetext.Clean(rule)}
	if a := v.Ack; a != nil {
		text := "acked until " + a.UntilText()
		if a.Owner != "" {
			text += " by " + a.Owner
		}
		text += ": " + a.Note
		out = append(out, st.Bold.Render(safetext.Pad("Acknowledged", 16))+st.Dim.Render(safetext.Clean(text)))
	}
	return out
}

// ackForm asks until when, why and by whom a key is acknowledged, and stores the acknowledgement as cfkeys ack
// does (the store in the config directory, keyed by foundation and binding GUID).
func (m *Model) ackForm(f *foundationState, k *cf.KeyReport) tea.Cmd {
	if m.c.policy == nil || m.opts.AcksPath == "" {
		m.setStatus("acknowledgements are not kept here: use cfkeys ack")
		return nil
	}
	now := m.c.now()
	var until, note, owner string
	intro := cleanLines(fmt.Sprintf("Acknowledge %s (%s): it keeps its status and days, but raises no alarm until the date, or until its certificate changes.", k.Name, k.Path()))
	pk := report.PolicyKey(f.Name, f.API, *k)
	path := m.opts.AcksPath
	done := func(m *Model) tea.Cmd {
		at, err := policy.ParseUntil(until, now)
		if err != nil {
			m.setStatus("until: " + err.Error() + "; nothing stored")
			return nil
		}
		ack := policy.NewAck(pk, at, strings.TrimSpace(note), strings.TrimSpace(owner), now)
		err = policy.UpdateAcks(path, func(acks []policy.Ack) ([]policy.Ack, error) { return policy.PutAck(acks, ack), nil })
		if err != nil {
			m.setStatus("storing the acknowledgement: " + err.Error())
			return nil
		}
		m.c.policy.Acks = policy.PutAck(m.c.policy.Acks, ack)
		m.store.dataGen++ // lists show the key as acknowledged
		for _, p := range m.stack {
			if d, ok := p.(*detailPage); ok {
				d.built = detailKey{} // its lines name the acknowledgement: built again
			}
		}
		text := fmt.Sprintf("acknowledged %s until %s", k.Name, ack.UntilText())
		if ack.Serial != "" {
			text += "; it lapses when the certificate " + ack.Serial + " is replaced"
		}
		m.setStatus(text)
		return nil
	}
	return m.push(newFormPage("acknowledge "+k.Name, f, intro, done, huh.NewGroup(
		huh.NewInput().Title("Until").Description("the last day it holds: 2027-01-31, or 30d from today").Value(&until).Validate(func(s string) error {
			_, err := policy.ParseUntil(s, now)
			return err
		}),
		huh.NewInput().Title("Note").Description("why the key may stay as it is (a change ticket, a partner)").Value(&note).Validate(func(s string) error {
			if strings.TrimSpace(s) == "" {
				return errors.New("say why: an acknowledgement without a reason is never reviewed")
			}
			return nil
		}),
		huh.NewInput().Title("Owner").Description("who answers for the key (optional)").Value(&owner))))
}

// acksPage lists the acknowledgements: those of the policy file and those stored, with whether they still hold.
type acksPage struct {
	f      *foundationState
	offset int
}

func (p *acksPage) crumb() string                { return "acknowledgements" }
func (p *acksPage) init(*common) tea.Cmd         { return nil }
func (p *acksPage) layout(*common)               {}
func (p *acksPage) capturing() bool              { return false }
func (p *acksPage) asking() bool                 { return false }
func (p *acksPage) foundation() *foundationState { return p.f }
func (p *acksPage) statusLine(*common) string    { return "" }

func (p *acksPage) update(msg tea.Msg, c *common) outcome {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return outcome{}
	}
	switch {
	case key.Matches(km, c.keys.Down):
		p.offset++
	case key.Matches(km, c.keys.Up):
		p.offset = max(p.offset-1, 0)
	default:
		return outcome{}
	}
	return outcome{handled: true}
}

func (p *acksPage) body(c *common) string {
	st := c.styles
	var acks []policy.Ack
	if c.policy != nil {
		acks = c.policy.Acks
	}
	if len(acks) == 0 {
		return fillLines([]string{"", "  " + st.Dim.Render("No acknowledgements. m on a key acknowledges it (until a date, with a note and an owner).")}, c.bodyHeight())
	}
	rows := [][]string{{"STATE", "UNTIL", "FOUNDATION", "KEY", "GUID", "OWNER", "NOTE"}}
	now := c.now()
	for _, a := range acks {
		state := "active"
		if !now.Before(a.Ends()) {
			state = policy.AckEnded.String()
		}
		k := a.Key
		if k == "" {
			k = "-"
		}
		rows = append(rows, []string{state, a.UntilText(), a.Foundation, k, a.GUID, a.Owner, a.Note})
	}
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r {
			r[i] = safetext.Clean(cell)
			widths[i] = max(widths[i], safetext.Width(r[i]))
		}
	}
	var lines []string
	for i, r := range rows {
		var b strings.Builder
		b.WriteString("  ")
		for j, cell := range r {
			if j < len(r)-1 {
				cell = safetext.Pad(cell, widths[j]) + "  "
			}
			b.WriteString(cell)
		}
		line := truncateStyled(b.String(), c.width)
		if i == 0 {
			line = st.TableHeader.Render(line)
		}
		lines = append(lines, line)
	}
	p.offset = min(p.offset, max(len(lines)-c.bodyHeight(), 0))
	return fillLines(append(lines[:1:1], lines[1+min(p.offset, len(lines)-1):]...), c.bodyHeight())
}

func (p *acksPage) shortHelp(c *common) []key.Binding {
	return []key.Binding{c.keys.Help, footerKey(c.keys.Back, "esc", "back"), c.keys.Quit}
}

func (p *acksPage) fullHelp(c *common) [][]key.Binding {
	return [][]key.Binding{{c.keys.Up, c.keys.Down, c.keys.Back}, {c.keys.Help, c.keys.Quit}}
}
