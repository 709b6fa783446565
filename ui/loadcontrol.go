package ui

import (
	"errors"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/cfkeys/cfkeys/cf/safetext"
)

// errCancelled is what a foundation says after the user cancelled its load.
var errCancelled = errors.New("the load was cancelled (r starts it again)")

// question is a yes/no question on the status line: y answers yes, any other key no.
type question struct {
	text string
	yes  func() tea.Cmd
}

// running lists the foundations in view whose connection or load is running.
func (m *Model) running() []*foundationState {
	var out []*foundationState
	cur := m.top().foundation()
	for _, f := range m.store.foundations {
		if (cur == nil || cur == f) && (f.busy || f.connecting) {
			out = append(out, f)
		}
	}
	return out
}

// offerCancel asks whether to cancel the running loads in view.
func (m *Model) offerCancel(fs []*foundationState) {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = safetext.Clean(f.Name)
	}
	m.ask = &question{
		text: "Cancel loading " + strings.Join(names, ", ") + "? y cancels, any other key keeps it loading",
		yes: func() tea.Cmd {
			for _, f := range fs {
				m.cancelLoad(f)
			}
			m.setStatus("cancelled; r loads again")
			return nil
		},
	}
}

// cancelLoad stops a foundation's connection or load at once: its answer, when it comes, is dropped (the
// generation moves on), and the foundation keeps its last snapshot, marked stale.
func (m *Model) cancelLoad(f *foundationState) {
	if !f.busy && !f.connecting {
		return
	}
	if f.cancel != nil {
		f.cancel()
	}
	f.gen++
	f.busy, f.connecting, f.cancel, f.early = false, false, nil, nil
	m.store.dropPartial(f)
	f.lastErr = errCancelled
	if f.snap != nil && f.staleSince.IsZero() {
		f.staleSince = m.c.now()
	}
	f.nextAt = time.Time{} // the user stopped it: no background retry until r
}
