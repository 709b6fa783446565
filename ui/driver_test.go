package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/internal/testclock"
)

// harness drives a Model the way bubbletea would, but synchronously: every command is run and its message fed
// back. Ticks are not waited for: the UI's Tick option is a fake timer, whose ticks fire when the test moves the
// clock. A command that blocks on purpose (a stub load held at its gate) says so through parked and is left
// running; any other command that does not answer fails the test instead of being skipped.
type harness struct {
	t      *testing.T
	m      *Model
	clock  *testclock.Clock
	quit   bool
	timers []timer
	parked chan struct{}
}

// timer is a tick the UI asked for: it fires fn once the clock reaches due.
type timer struct {
	due time.Time
	fn  func(time.Time) tea.Msg
}

// timerMsg is what the fake Tick's command answers at once: the driver records it instead of waiting.
type timerMsg struct {
	d  time.Duration
	fn func(time.Time) tea.Msg
}

func newHarness(t *testing.T, opts Options, width, height int) *harness {
	return newParkedHarness(t, opts, width, height, make(chan struct{}, 16))
}

func newParkedHarness(t *testing.T, opts Options, width, height int, parked chan struct{}) *harness {
	t.Helper()
	c := testclock.New(uiNow)
	if opts.Now == nil {
		opts.Now = c.Now
	}
	if opts.Context == nil {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		opts.Context = ctx
	}
	opts.Tick = func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		return func() tea.Msg { return timerMsg{d: d, fn: fn} }
	}
	h := &harness{t: t, m: New(opts), clock: c, parked: parked}
	h.send(tea.WindowSizeMsg{Width: width, Height: height})
	h.run(h.m.Init())
	return h
}

// oneFoundation is a harness over one foundation served by a stub backend.
func oneFoundation(t *testing.T, b *stubBackend, opts Options, width, height int) *harness {
	parked := make(chan struct{}, 16)
	b.mu.Lock()
	b.parked = parked
	b.mu.Unlock()
	opts.Foundations = []Foundation{{Name: "eu10", API: "https://api.cf.eu10.hana.ondemand.com", Connect: func(context.Context) (Backend, error) { return b, nil }}}
	return newParkedHarness(t, opts, width, height, parked)
}

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, cmd := h.m.Update(msg)
	h.run(cmd)
}

// run executes a command and everything it leads to.
func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		var msg tea.Msg
		select {
		case msg = <-done:
		case <-h.parked:
			continue // held on purpose: the test lets it go (or sends its answer) itself
		case <-time.After(10 * time.Second):
			h.t.Fatal("a command neither answered nor parked within 10s")
		}
		switch mm := msg.(type) {
		case nil:
		case timerMsg:
			h.timers = append(h.timers, timer{due: h.clock.Now().Add(mm.d), fn: mm.fn})
		case tea.BatchMsg:
			queue = append(queue, mm...)
		case tea.QuitMsg:
			h.quit = true
		default:
			_, next := h.m.Update(mm)
			queue = append(queue, next)
		}
	}
}

// fire delivers the ticks that are due, in order; those they schedule wait for the clock to move again.
func (h *harness) fire() {
	h.t.Helper()
	now := h.clock.Now()
	var due []timer
	kept := h.timers[:0]
	for _, tm := range h.timers {
		if !tm.due.After(now) {
			due = append(due, tm)
		} else {
			kept = append(kept, tm)
		}
	}
	h.timers = kept
	for _, tm := range due {
		h.send(tm.fn(now))
	}
}

// press sends keys: single characters, or names such as "enter", "esc", "up", "down", "pgdown", "ctrl+c".
func (h *harness) press(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(keyMsg(k))
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	special := map[string]rune{"enter": tea.KeyEnter, "esc": tea.KeyEscape, "up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft,
		"right": tea.KeyRight, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "backspace": tea.KeyBackspace, "home": tea.KeyHome, "end": tea.KeyEnd}
	if r, ok := special[k]; ok {
		return tea.KeyPressMsg{Code: r}
	}
	if k == "ctrl+c" {
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// typeText types text into whatever has focus.
func (h *harness) typeText(s string) {
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// tick moves the clock and fires the ticks that fell due (the clock tick, animation).
func (h *harness) tick(d time.Duration) {
	h.t.Helper()
	h.clock.Advance(d)
	h.fire()
}

// screen is the current view without styles.
func (h *harness) screen() string {
	return ansi.Strip(h.m.View().Content)
}

// raw is the current view with its escape sequences.
func (h *harness) raw() string { return h.m.View().Content }

func (h *harness) mustShow(subs ...string) {
	h.t.Helper()
	s := h.screen()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			h.t.Fatalf("screen lacks %q:\n%s", sub, s)
		}
	}
}

func (h *harness) mustNotShow(subs ...string) {
	h.t.Helper()
	s := h.screen()
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			h.t.Fatalf("screen shows %q:\n%s", sub, s)
		}
	}
}

// line returns the screen line holding sub.
func (h *harness) line(sub string) string {
	for _, l := range strings.Split(h.screen(), "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	h.t.Fatalf("no line holds %q:\n%s", sub, h.screen())
	return ""
}

// fits checks the screen is exactly height lines, none wider than width.
func (h *harness) fits(width, height int) {
	h.t.Helper()
	lines := strings.Split(h.raw(), "\n")
	if len(lines) != height {
		h.t.Errorf("%d lines, want %d", len(lines), height)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > width {
			h.t.Errorf("line %d is %d cells wide (max %d): %q", i, w, width, ansi.Strip(l))
		}
	}
}

func defaultOpts() Options {
	return Options{Thresholds: expiry.DefaultThresholds, Refresh: time.Minute}
}
