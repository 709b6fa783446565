package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// deletedMsg is the answer of a key delete.
type deletedMsg struct {
	run *run
	f   *foundationState
	key cf.KeyReport
	err error
}

// deleteSelected opens the form that deletes the selected key once its name is typed.
func (m *Model) deleteSelected() tea.Cmd {
	f, k := m.selectedKey()
	if k == nil {
		m.setStatus("select a key to delete")
		return nil
	}
	c, why := m.writer(f)
	if why != "" {
		m.setStatus(why)
		return nil
	}
	old := *k
	var typed string
	intro := cleanLines(fmt.Sprintf("Delete key %s (%s)?", old.Name, old.Path()),
		"Whoever uses it loses access at once: rotate it first. Type the key's name to delete it; anything else deletes nothing.")
	done := func(m *Model) tea.Cmd {
		if strings.TrimSpace(typed) != old.Name {
			m.setStatus("the name does not match " + safetext.Clean(old.Name) + ": nothing was deleted")
			return nil
		}
		r := m.acts.newRun(f, "deleting", &old)
		ctx := m.c.ctx
		return func() tea.Msg {
			err := c.DeleteKey(ctx, old.GUID, 0)
			if err != nil {
				err = cf.ExplainWrite(err, old.Instance.OrgName, old.Instance.SpaceName)
			}
			return deletedMsg{run: r, f: f, key: old, err: err}
		}
	}
	return m.push(newFormPage("delete "+old.Name, f, intro, done,
		huh.NewGroup(huh.NewInput().Title("Type the key's name to confirm").Value(&typed))))
}

// deleted says how the delete ended, leaves the deleted key's detail page and refreshes the lists.
func (m *Model) deleted(msg deletedMsg) tea.Cmd {
	r := msg.run
	r.done = true
	if msg.err != nil {
		r.failed, r.outcome = true, "deleting "+safetext.Clean(msg.key.Name)+" failed: "+cf.Redact(describeErr(msg.err))
		return nil
	}
	r.outcome = "deleted " + safetext.Clean(msg.key.Path())
	for i, p := range m.stack {
		if d, ok := p.(*detailPage); ok && d.guid == msg.key.GUID && i > 0 {
			m.popTo(i - 1)
			break
		}
	}
	return m.refreshSelecting(msg.f, "")
}
