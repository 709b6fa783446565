package ui

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
)

// chromeHeight is the number of lines around a page's body: two header lines, the status line, the footer.
const chromeHeight = 4

// statusTTL is how long a transient status message stays.
const statusTTL = 5 * time.Second

// Model is the root of the UI: it routes messages to the page on top of the stack and owns the stack, the help
// overlay, the global keys and the refresh schedule. Build it with New.
type Model struct {
	env       env
	store     store
	c         common // the two together, as pages get them
	opts      Options
	stack     []page
	help      bool
	ask       *question // a yes/no question on the status line
	acts      actions   // what the write actions are doing (actions.go)
	status    string
	statusAt  time.Time
	spinner   spinner.Model
	animating bool // an animation tick is scheduled (the spinner turns while something loads)
	dropped   int  // answers dropped because their page or generation was gone (tests look at it)
}

// New builds the UI for the options.
func New(opts Options) *Model {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	if opts.Tick == nil {
		opts.Tick = tea.Tick
	}
	if opts.Thresholds == (expiry.Thresholds{}) {
		opts.Thresholds = expiry.DefaultThresholds
	}
	within := opts.ExpiringWithin
	if !opts.ExpiringWithinSet {
		within = opts.Thresholds.Warning
	}
	m := &Model{opts: opts, spinner: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
	m.env = env{width: 80, height: 24, keys: defaultKeys(), now: opts.Now, judge: newJudging(opts),
		within: within, expiring: opts.StartExpiring, ctx: opts.Context, help: help.New()}
	m.restyle(true, colorprofile.TrueColor)
	m.env.help.SetWidth(m.env.width)
	m.c = common{env: &m.env, store: &m.store}
	for _, f := range opts.Foundations {
		m.store.foundations = append(m.store.foundations, &foundationState{Foundation: f})
	}
	if len(m.store.foundations) > 1 {
		m.push(newListPage(kindFoundations, scope{}, "foundations", &m.c))
	} else if len(m.store.foundations) == 1 {
		f := m.store.foundations[0]
		m.push(newListPage(kindOrgs, scope{foundation: f}, f.Name, &m.c))
	}
	return m
}

// Messages of the UI's own work.
type (
	connectedMsg struct {
		name    string
		gen     int
		backend Backend
		err     error
	}
	loadedMsg struct {
		name string
		gen  int
		snap *Snapshot
		idx  *index // built off the event loop, with the snapshot
		err  error
	}
	tickMsg time.Time
	// animMsg turns the spinner and brings a running load's latest progress onto the screen.
	animMsg time.Time
)

// Init connects every foundation, starts the clock and asks the terminal for its background colour.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.tickCmd(), tea.RequestBackgroundColor}
	for _, f := range m.c.foundations {
		cmds = append(cmds, m.connect(f))
	}
	return tea.Batch(append(cmds, m.animate())...)
}

// tickCmd schedules the next clock tick, once a second: statuses follow the clock and refreshes fall due.
func (m *Model) tickCmd() tea.Cmd {
	return m.opts.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// animate starts the animation ticks unless they run: the spinner turns and progress shows while something
// loads, and they stop when nothing does.
func (m *Model) animate() tea.Cmd {
	if m.animating || !m.anyBusy() {
		return nil
	}
	m.animating = true
	return m.opts.Tick(m.spinner.Spinner.FPS, func(t time.Time) tea.Msg { return animMsg(t) })
}

// pullProgress copies each running load's latest progress report into its foundation, and shows what a first
// load has listed so far (a later refresh keeps showing the last whole snapshot instead), at most every
// partialRedraw by the ticks' time: each one rebuilds the pages' rows.
func (m *Model) pullProgress(at time.Time) {
	for _, f := range m.c.foundations {
		if f.busy && f.latest != nil {
			if p := f.latest.Load(); p != nil {
				f.progress = *p
			}
		}
		due := f.snap == nil || at.Sub(f.partialAt) >= partialRedraw || at.Before(f.partialAt)
		if f.busy && f.early != nil && (f.snap == nil || f.partial) && due {
			if s := f.early.Swap(nil); s != nil {
				m.store.installPartial(f, s)
				f.partialAt = at
			}
		}
	}
}

// partialRedraw is how often, at most, a first load's partial snapshot replaces the one shown: rebuilding the
// rows of 10,000 keys takes tens of milliseconds of the event loop.
const partialRedraw = 500 * time.Millisecond

// connect opens a foundation (keyring, session) in a Cmd: it may take seconds, never in Update.
func (m *Model) connect(f *foundationState) tea.Cmd {
	if f.Connect == nil {
		return nil
	}
	f.connecting = true
	f.gen++
	ctx, cancel := context.WithCancel(m.opts.Context)
	f.cancel = cancel
	name, gen, connect := f.Name, f.gen, f.Connect
	return func() tea.Msg {
		defer cancel()
		b, err := connect(ctx)
		return connectedMsg{name: name, gen: gen, backend: b, err: err}
	}
}

// refresh starts a load of a foundation unless one is running. Its answers carry a new generation; answers of
// an older generation are dropped.
func (m *Model) refresh(f *foundationState) tea.Cmd {
	if f.busy || f.connecting {
		return nil
	}
	if f.backend == nil {
		return tea.Batch(m.connect(f), m.animate())
	}
	f.gen++
	f.busy, f.progress = true, cf.Progress{}
	latest := &atomic.Pointer[cf.Progress]{}
	f.latest = latest
	ctx, cancel := context.WithCancel(m.opts.Context)
	f.cancel = cancel
	gen, name, backend := f.gen, f.Name, f.backend
	// The load keeps only its latest progress and partial snapshot; the animation ticks bring them to the screen.
	early := &atomic.Pointer[earlySnapshot]{}
	f.early = early
	send := func(p cf.Progress) { latest.Store(&p) }
	load := func() tea.Msg {
		defer cancel()
		snap, err := backend.Load(ctx, send, func(s *Snapshot) {
			early.Store(&earlySnapshot{snap: s, idx: newIndex(s)}) // indexing takes a while: here, not in Update
		})
		msg := loadedMsg{name: name, gen: gen, snap: snap, err: err}
		if err == nil {
			msg.idx = newIndex(snap) // indexing 10,000 keys takes tens of milliseconds: not in Update
		}
		return msg
	}
	return tea.Batch(load, m.animate())
}

// top is the page on screen, nil when there is none.
func (m *Model) top() page {
	if len(m.stack) == 0 {
		return nil
	}
	return m.stack[len(m.stack)-1]
}

// push opens a page on top of the stack and returns the work it needs.
func (m *Model) push(p page) tea.Cmd {
	m.stack = append(m.stack, p)
	return p.init(&m.c)
}

// pop drops the page on top unless it is the last one; what it held (a detail page's revealed secrets, an answer
// it waits for) goes with it.
func (m *Model) pop() bool {
	if len(m.stack) <= 1 {
		return false
	}
	m.stack[len(m.stack)-1] = nil
	m.stack = m.stack[:len(m.stack)-1]
	return true
}

// popTo drops every page above the i-th.
func (m *Model) popTo(i int) {
	for len(m.stack) > i+1 && m.pop() {
	}
}

// restyle builds the styles for a background and colour profile, and the footer's help with them.
func (m *Model) restyle(dark bool, profile colorprofile.Profile) {
	m.env.styles = NewStyles(dark, profile, m.opts.NoColor)
	m.env.help.Styles = help.DefaultStyles(dark)
	if m.opts.NoColor {
		m.env.help.Styles = help.Styles{}
	}
}

// Update routes one message, then lets the page on top lay itself out for the next frame.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.route(msg)
	if p := m.top(); p != nil {
		p.layout(&m.c)
	}
	return m, cmd
}

// route handles one message.
func (m *Model) route(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.width, m.c.height = max(msg.Width, 20), max(msg.Height, chromeHeight+2)
		m.env.help.SetWidth(m.c.width)
		return nil
	case tea.BackgroundColorMsg:
		m.restyle(msg.IsDark(), m.env.styles.profile)
		return nil
	case tea.ColorProfileMsg:
		m.restyle(m.env.styles.dark, msg.Profile)
		return nil
	case animMsg:
		m.animating = false
		m.pullProgress(time.Time(msg))
		if !m.anyBusy() {
			return nil
		}
		// The spinner's own tick is not used (it would sleep on the wall clock): its frame moves on ours.
		m.spinner, _ = m.spinner.Update(spinner.TickMsg{ID: m.spinner.ID(), Time: time.Time(msg)})
		return m.animate()
	case tickMsg:
		m.pullProgress(time.Time(msg))
		return tea.Batch(m.dueRefreshes(), m.tickCmd())
	case connectedMsg:
		return m.connected(msg)
	case loadedMsg:
		m.loaded(msg)
		return nil
	case detailsMsg:
		for _, p := range m.stack {
			if d, ok := p.(*detailPage); ok && d.id == msg.pageID {
				d.update(msg, &m.c) // the page may be covered (a pressed on it): it gets its answer all the same
				return nil
			}
		}
		m.dropped++ // the user left the page that asked
		return nil
	case acksSavedMsg:
		return m.acksSaved(msg)
	case tea.KeyPressMsg:
		return m.key(msg)
	case tea.PasteMsg:
		if p := m.top(); p != nil && p.capturing() {
			return m.apply(p.update(msg, &m.c))
		}
	case tea.MouseWheelMsg, tea.MouseClickMsg:
		if p := m.top(); p != nil && !m.help && m.ask == nil && !p.capturing() {
			return m.apply(p.update(msg, &m.c))
		}
	default:
		return m.actionMsg(msg) // the actions' answers and their forms' own messages (actions.go)
	}
	return nil
}

func (m *Model) anyBusy() bool {
	for _, f := range m.c.foundations {
		if f.busy || f.connecting {
			return true
		}
	}
	return false
}

// connected installs a foundation's backend and starts its first load.
func (m *Model) connected(msg connectedMsg) tea.Cmd {
	f := m.store.named(msg.name)
	if f == nil || msg.gen != f.gen || !f.connecting {
		m.dropped++ // cancelled, or a connection of an older generation
		return nil
	}
	f.connecting, f.cancel = false, nil
	if msg.err != nil {
		f.lastErr = msg.err
		if !f.updatedAt.IsZero() && f.staleSince.IsZero() {
			f.staleSince = m.c.now()
		}
		m.schedule(f)
		return nil
	}
	f.backend = msg.backend
	return m.refresh(f)
}

// loaded installs a load's snapshot, or keeps the last good one and marks it stale.
func (m *Model) loaded(msg loadedMsg) {
	f := m.store.named(msg.name)
	if f == nil || msg.gen != f.gen {
		m.dropped++
		return
	}
	f.busy, f.cancel, f.early = false, nil, nil
	m.status = "" // a message about the refresh ("refreshing…") is out of date; the outcome takes the line
	now := m.c.now()
	if msg.err != nil {
		m.store.dropPartial(f)
		f.lastErr = msg.err
		if f.staleSince.IsZero() && f.snap != nil {
			f.staleSince = now
		}
		if errors.Is(msg.err, cf.ErrSessionExpired) {
			f.backend = nil // a new session is needed; the next refresh reconnects
		}
	} else {
		if msg.idx == nil {
			msg.idx = newIndex(msg.snap)
		}
		m.store.install(f, msg.snap, msg.idx, now, m.c.judge)
		m.afterInstall(f) // a key an action made is selected (actions.go)
	}
	m.schedule(f)
}

// schedule plans a foundation's next background refresh (none when refreshing is off).
func (m *Model) schedule(f *foundationState) {
	if m.opts.Refresh > 0 {
		f.nextAt = m.c.now().Add(m.opts.Refresh)
	} else {
		f.nextAt = time.Time{}
	}
}

// dueRefreshes starts the refreshes whose time has come.
func (m *Model) dueRefreshes() tea.Cmd {
	now := m.c.now()
	var cmds []tea.Cmd
	for _, f := range m.c.foundations {
		if !f.nextAt.IsZero() && !now.Before(f.nextAt) && !f.busy && !f.connecting {
			f.nextAt = time.Time{}
			cmds = append(cmds, m.refresh(f))
		}
	}
	if m.status != "" && now.Sub(m.statusAt) > statusTTL {
		m.status = ""
	}
	return tea.Batch(cmds...)
}

// key handles a key press: help, the page's own keys, then the global ones.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	if msg.String() == "ctrl+c" {
		return tea.Quit
	}
	if m.help {
		m.help = false // any key closes the overlay
		return nil
	}
	if q := m.ask; q != nil {
		m.ask = nil
		if msg.String() == "y" {
			return q.yes()
		}
		return nil
	}
	p := m.top()
	if p == nil {
		if key.Matches(msg, m.c.keys.Quit) {
			return tea.Quit
		}
		return nil
	}
	if cmd, ok := m.actionKey(msg); ok { // forms, and the keys that act on keys (actions.go)
		return cmd
	}
	if p.capturing() {
		return m.apply(p.update(msg, &m.c))
	}
	k := m.c.keys
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.help = true
		return nil
	case key.Matches(msg, k.AllKeys):
		return m.allKeys()
	case key.Matches(msg, k.Refresh):
		return m.refreshNow()
	case key.Matches(msg, k.Acks):
		return m.openAcks()
	case key.Matches(msg, k.AckedToo):
		return m.toggleAckedToo()
	case key.Matches(msg, k.Errors):
		if _, ok := p.(*errorsPage); !ok {
			return m.push(newErrorsPage(p.foundation()))
		}
		return nil
	}
	out := p.update(msg, &m.c)
	if !out.handled && key.Matches(msg, k.Back) {
		if !m.pop() && len(m.running()) > 0 {
			m.offerCancel(m.running()) // esc on the first page while it loads
		}
		return nil
	}
	return m.apply(out)
}

// apply carries out what a page asked for.
func (m *Model) apply(out outcome) tea.Cmd {
	if out.status != "" {
		m.setStatus(out.status)
	}
	if out.pop {
		m.pop()
	}
	if out.push == nil {
		return out.cmd
	}
	if out.replace {
		m.pop()
	}
	return tea.Batch(out.cmd, m.push(out.push))
}

func (m *Model) setStatus(s string) {
	m.status, m.statusAt = s, m.c.now()
}

// allKeys shows every key of the current foundation (of all foundations at the root of several), going back to
// such a list if it is already on the stack.
func (m *Model) allKeys() tea.Cmd {
	top := m.top()
	if lp, ok := top.(*listPage); ok && lp.kind == kindAllKeys {
		return nil
	}
	// The list opens on top of where a was pressed, so esc comes back there; a key's detail page it covers hides
	// its secrets first.
	if d, ok := top.(*detailPage); ok {
		d.reveal = hidden
	}
	f := top.foundation()
	title := "all keys, all foundations"
	if f != nil {
		title = "all keys of " + f.Name
	}
	return m.push(newListPage(kindAllKeys, scope{foundation: f}, title, &m.c))
}

// refreshNow refreshes the current foundation (every foundation at the root of several).
func (m *Model) refreshNow() tea.Cmd {
	var cmds []tea.Cmd
	for _, f := range m.c.foundations {
		if cur := m.top().foundation(); cur == nil || cur == f {
			if f.busy || f.connecting {
				continue
			}
			cmds = append(cmds, m.refresh(f))
		}
	}
	if len(cmds) == 0 {
		if fs := m.running(); len(fs) > 0 {
			m.offerCancel(fs)
		}
		return nil
	}
	m.setStatus("refreshing…")
	return tea.Batch(cmds...)
}

// View draws the screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion // the wheel scrolls, a click selects (shift keeps the terminal's own selection)
	v.WindowTitle = "cfkeys"
	return v
}

func (m *Model) render() string {
	if m.top() == nil {
		return "no foundation to show: log in with cfkeys login, or try cfkeys demo"
	}
	if m.help {
		return m.helpView()
	}
	body := m.top().body(&m.c)
	return m.header() + "\n" + body + "\n" + m.statusView() + "\n" + m.footer()
}

// Dropped returns how many answers were dropped because their page or generation was gone.
func (m *Model) Dropped() int { return m.dropped }
