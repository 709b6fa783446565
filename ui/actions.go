package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// actionKeys are the bindings of what the UI does to keys and with what it shows.
type actionKeys struct {
	Rotate, Create, Delete           key.Binding
	SaveChain, SaveCreds             key.Binding
	CopyCommand, CopySummary, Export key.Binding
	Mark, MarkAll                    key.Binding
}

func defaultActionKeys(b func([]string, string, string) key.Binding) actionKeys {
	return actionKeys{
		Rotate:      b([]string{"R"}, "R", "rotate: renew the key(s)"),
		Create:      b([]string{"n", "+"}, "n/+", "new key (+ where n steps)"),
		Delete:      b([]string{"D"}, "D", "delete (type its name)"),
		SaveChain:   b([]string{"c"}, "c", "save the chain (PEM)"),
		SaveCreds:   b([]string{"w"}, "w", "save credentials (0600)"),
		CopyCommand: b([]string{"C"}, "C", "copy the cf command"),
		CopySummary: b([]string{"t"}, "t", "copy a ticket line"),
		Export:      b([]string{"E"}, "E", "export the list shown"),
		Mark:        b([]string{"space"}, "space", "mark the key"),
		MarkAll:     b([]string{"*"}, "*", "mark every key shown"),
	}
}

// actions is what the write actions are doing: their runs (running, or finished and not yet seen), the marked
// rows of each list, and the keys to select once a refresh shows them.
type actions struct {
	runs       []*run
	selectNext map[*foundationState]string // a key GUID
}

// run is one write in the background (a rotation, a create, a delete): one line per key on the status line.
type run struct {
	f       *foundationState
	verb    string
	order   []string          // key GUIDs in the plan's order
	lines   map[string]string // GUID -> progress text
	done    bool
	failed  bool
	outcome string
}

func (r *run) text() string {
	if r.done {
		return r.outcome
	}
	parts := make([]string, 0, len(r.order))
	for _, g := range r.order {
		parts = append(parts, r.lines[g])
	}
	return r.verb + " " + strings.Join(parts, " · ")
}

// clientOf is the cf.Client behind a backend that has one (the real ones; test stubs have none).
type clientOf interface{ client() *cf.Client }

func (b *clientBackend) client() *cf.Client { return b.c }

// writer is the client to change a foundation with, or why there is none: the foundation is read-only (and how
// to allow writes), not connected, or not backed by a Cloud Controller.
func (m *Model) writer(f *foundationState) (*cf.Client, string) {
	if f == nil {
		return nil, "choose a key or instance of one foundation first"
	}
	name := safetext.Clean(f.Name)
	if !f.AllowWrites {
		return nil, fmt.Sprintf("%s is read-only: allow writes with cfkeys profiles set %s --allow-writes on (or log in with --allow-writes), then start cfkeys again", name, name)
	}
	if f.backend == nil {
		return nil, name + " is not connected yet"
	}
	co, ok := f.backend.(clientOf)
	if !ok {
		return nil, name + " cannot be changed from here"
	}
	return co.client(), ""
}

// writeBadges marks read-only foundations in the header.
func (m *Model) writeBadges() []string {
	f := m.top().foundation()
	n, ro := 0, 0
	for _, fs := range m.c.foundations {
		if f == nil || f == fs {
			n++
			if !fs.AllowWrites {
				ro++
			}
		}
	}
	switch {
	case ro == 0:
		return nil
	case ro == n:
		return []string{m.c.styles.Dim.Render("read-only")}
	}
	return []string{m.c.styles.Dim.Render(fmt.Sprintf("%d of %d read-only", ro, n))}
}

// actionLine is the status line of running writes, or the outcome of the last one until a key is pressed.
func (m *Model) actionLine() string {
	var parts []string
	failed := false
	for _, r := range m.acts.runs {
		parts = append(parts, r.text())
		failed = failed || r.failed
	}
	if len(parts) == 0 {
		return ""
	}
	text := safetext.Clean(strings.Join(parts, " │ "))
	if failed {
		return m.c.styles.Error.Render(text)
	}
	if m.acts.running() {
		return m.spinner.View() + " " + text
	}
	return m.c.styles.Bold.Render(text)
}

func (a *actions) running() bool {
	return slices.ContainsFunc(a.runs, func(r *run) bool { return !r.done })
}

// newRun starts a run's line; the outcomes of finished runs, failures too, give way to it.
func (a *actions) newRun(f *foundationState, verb string, keys ...*cf.KeyReport) *run {
	a.runs = slices.DeleteFunc(a.runs, func(r *run) bool { return r.done })
	r := &run{f: f, verb: verb, lines: map[string]string{}}
	for _, k := range keys {
		r.order = append(r.order, k.GUID)
		r.lines[k.GUID] = safetext.Clean(k.Name)
	}
	a.runs = append(a.runs, r)
	return r
}

// dropFinished forgets the outcomes of runs that went well once the user has seen them (a key pressed); a
// failure stays on the status line until the next action.
func (a *actions) dropFinished() {
	a.runs = slices.DeleteFunc(a.runs, func(r *run) bool { return r.done && !r.failed })
}

// actionKey handles a key press for a form on top, or one of the action keys where it applies; ok says it did.
func (m *Model) actionKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	p := m.top()
	if fp, ok := p.(*formPage); ok {
		return m.formStep(fp, msg), true
	}
	if p.capturing() {
		return nil, false
	}
	if key.Matches(msg, m.c.keys.Quit) && m.acts.running() {
		m.ask = &question{text: "A change is running on the foundation: quit anyway? y quits (cfkeys key rotate --resume finishes a rotation), any other key stays",
			yes: func() tea.Cmd { return tea.Quit }}
		return nil, true
	}
	m.acts.dropFinished()
	ak := m.c.keys.actionKeys
	switch {
	case key.Matches(msg, ak.Rotate):
		return m.rotateSelected(), true
	case key.Matches(msg, ak.Create):
		if msg.String() == "n" && m.stepsMatches() {
			return nil, false // n and N step through what a kept filter matched; + creates
		}
		return m.createOnSelected(), true
	case key.Matches(msg, ak.Delete):
		return m.deleteSelected(), true
	case key.Matches(msg, ak.CopyCommand), key.Matches(msg, ak.CopySummary):
		_, k := m.selectedKey()
		if k == nil {
			return nil, false
		}
		if key.Matches(msg, ak.CopyCommand) {
			return m.apply(outcome{cmd: tea.SetClipboard(cfCommand(k)), status: "copied the cf CLI command for " + safetext.Clean(k.Name)}), true
		}
		return m.apply(outcome{cmd: tea.SetClipboard(ticketSummary(k, m.c.now())), status: "copied a ticket summary of " + safetext.Clean(k.Name)}), true
	case key.Matches(msg, ak.Mark), key.Matches(msg, ak.MarkAll):
		lp, ok := p.(*listPage)
		if !ok || !lp.spec.keys {
			return nil, false
		}
		return m.apply(outcome{status: m.mark(lp, key.Matches(msg, ak.MarkAll))}), true
	case key.Matches(msg, ak.Export):
		lp, ok := p.(*listPage)
		if !ok || !lp.spec.keys {
			return nil, false
		}
		return m.exportForm(lp), true
	case key.Matches(msg, ak.SaveChain), key.Matches(msg, ak.SaveCreds):
		d, ok := p.(*detailPage)
		if !ok {
			return nil, false
		}
		if key.Matches(msg, ak.SaveChain) {
			return m.saveChainForm(d), true
		}
		return m.saveCredsForm(d), true
	}
	return nil, false
}

// actionMsg handles the answers of the actions' work, and hands any other message to a form on top.
func (m *Model) actionMsg(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case streamMsg:
		return tea.Batch(m.actionMsg(msg.msg), listen(msg.ch))
	case rotationPlannedMsg:
		return m.rotationPlanned(msg)
	case rotationStepMsg:
		return m.rotationStep(msg)
	case rotationEndMsg:
		return m.rotationEnd(msg)
	case createdMsg:
		return m.created(msg)
	case deletedMsg:
		return m.deleted(msg)
	}
	if fp, ok := m.top().(*formPage); ok {
		return m.formStep(fp, msg)
	}
	return nil
}

// formStep hands a message to the form on top; esc cancels it, and a complete form goes and does its work.
func (m *Model) formStep(fp *formPage, msg tea.Msg) tea.Cmd {
	_, cmd := fp.form.Update(msg)
	switch fp.form.State {
	case huh.StateAborted:
		m.pop()
		m.setStatus(fp.title + ": cancelled; nothing was sent")
		return nil
	case huh.StateCompleted:
		m.pop()
		return fp.done(m)
	}
	return cmd
}

// streamMsg is one message of a background action's stream, with the stream to go on listening to.
type streamMsg struct {
	msg tea.Msg
	ch  <-chan tea.Msg
}

// listen waits for the next message of a stream; a closed stream ends it.
func listen(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return streamMsg{msg: msg, ch: ch}
	}
}

// stepsMatches reports whether n steps through matches on the page: a list with a kept filter, or a key's page
// opened from one.
func (m *Model) stepsMatches() bool {
	switch p := m.top().(type) {
	case *listPage:
		return p.query != ""
	case *detailPage:
		return p.from != nil && p.from.query != ""
	}
	return false
}

// selectedKey is the key under the cursor of a list of keys, or of a detail page.
func (m *Model) selectedKey() (*foundationState, *cf.KeyReport) {
	switch p := m.top().(type) {
	case *listPage:
		if r, ok := p.selected(); ok && r.key != nil {
			return r.foundation, r.key
		}
	case *detailPage:
		return p.f, p.current()
	}
	return nil, nil
}

// selectedInstance is the instance of the row under the cursor (an instance, or a key's), of a list of one
// instance's keys, or of a detail page's key.
func (m *Model) selectedInstance() (*foundationState, *cf.ServiceInstance) {
	switch p := m.top().(type) {
	case *listPage:
		if r, ok := p.selected(); ok {
			if r.key != nil {
				si := r.key.Instance
				return r.foundation, &si
			}
			if r.inst != nil {
				return r.foundation, r.inst
			}
		}
		if f := p.sc.foundation; f != nil && p.sc.instGUID != "" && f.idx != nil {
			if si := f.idx.instByGUID[p.sc.instGUID]; si != nil {
				return f, si
			}
		}
	case *detailPage:
		si := p.current().Instance
		return p.f, &si
	}
	return nil, nil
}

// refreshSelecting refreshes a foundation now (a refresh in flight is superseded: it started before the change)
// and selects the key of guid in its lists once the refresh shows it.
func (m *Model) refreshSelecting(f *foundationState, guid string) tea.Cmd {
	if guid != "" {
		if m.acts.selectNext == nil {
			m.acts.selectNext = map[*foundationState]string{}
		}
		m.acts.selectNext[f] = guid
	}
	if f.busy {
		if f.cancel != nil {
			f.cancel()
		}
		f.busy = false // its answer carries an older generation and is dropped
	}
	return m.refresh(f)
}

// afterInstall selects, in every list of keys of the foundation, a key an action made once a refresh lists it.
func (m *Model) afterInstall(f *foundationState) {
	guid := m.acts.selectNext[f]
	if guid == "" || f.idx == nil || f.idx.keyByGUID[guid] == nil {
		return
	}
	delete(m.acts.selectNext, f)
	for _, p := range m.stack {
		if lp, ok := p.(*listPage); ok && lp.spec.keys && (lp.sc.foundation == nil || lp.sc.foundation == f) {
			lp.selectedID = f.Name + "/" + guid
		}
	}
}

// createKey is the key that creates on the page: n, or + where n steps through matches.
func (m *Model) createKey() string {
	if m.stepsMatches() {
		return "+"
	}
	return "n"
}

// withActionKeys adds to the footer the actions that apply on the page (after help, the most wanted).
func (m *Model) withActionKeys(b []key.Binding) []key.Binding {
	extra := m.applicable(true)
	if len(b) == 0 || len(extra) == 0 {
		return append(b, extra...)
	}
	return append(append(slices.Clone(b[:1]), extra...), b[1:]...)
}

// withActionHelp adds to the help overlay the actions that apply on the page, below the page's own keys (the
// group before help and quit), so the overlay keeps its columns and its legend.
func (m *Model) withActionHelp(groups [][]key.Binding) [][]key.Binding {
	extra := m.applicable(false)
	if len(extra) == 0 {
		return groups
	}
	if len(groups) < 2 {
		return append(groups, extra)
	}
	out := slices.Clone(groups)
	i := len(out) - 2
	out[i] = append(slices.Clone(out[i]), extra...)
	return out
}

// applicable lists the action bindings of the page on top: short for the footer (the writes, where the
// foundation allows them), all for the help overlay.
func (m *Model) applicable(short bool) []key.Binding {
	ak := m.c.keys.actionKeys
	p := m.top()
	if p == nil || p.capturing() {
		return nil
	}
	f := p.foundation()
	writes := f == nil || f.AllowWrites
	var out []key.Binding
	// add offers a binding; writes only where the foundation allows them (elsewhere the key says how to allow
	// them, but neither the footer nor the help offers it).
	add := func(b key.Binding, keys, desc string, write bool) {
		if write && !writes {
			return
		}
		if short {
			b = footerKey(b, keys, desc)
		}
		out = append(out, b)
	}
	// pair is two bindings on one line of the help, which has little room.
	pair := func(a, b key.Binding, desc string) {
		if !short {
			out = append(out, key.NewBinding(key.WithKeys(append(a.Keys(), b.Keys()...)...), key.WithHelp(a.Help().Key+"/"+b.Help().Key, desc)))
		}
	}
	switch p := p.(type) {
	case *listPage:
		switch {
		case p.spec.keys:
			add(ak.Rotate, "R", "rotate", true)
			add(ak.Create, m.createKey(), "new", true)
			add(ak.Delete, "D", "delete", true)
			pair(ak.Mark, ak.MarkAll, "mark key, all shown")
			pair(ak.CopyCommand, ak.CopySummary, "copy cf cmd, ticket")
			if !short {
				add(ak.Export, "E", "export", false)
			}
		case p.kind == kindInstances:
			add(ak.Create, m.createKey(), "new key", true)
		}
	case *detailPage:
		add(ak.Rotate, "R", "rotate", true)
		add(ak.Delete, "D", "delete", true)
		if !short {
			add(ak.Create, m.createKey(), "new", true)
		}
		pair(ak.CopyCommand, ak.CopySummary, "copy cf cmd, ticket")
		if p.creds != nil {
			if p.current().Finding.Certificate != nil {
				add(ak.SaveChain, "c", "save chain", false)
			}
			if !short {
				add(ak.SaveCreds, "w", "save credentials", false)
			}
		}
	}
	return out
}
