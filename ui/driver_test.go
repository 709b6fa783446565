package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// clock is a test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness drives a Model the way bubbletea would, but synchronously: every command is run and its message fed
// back, except clock ticks (tests send those themselves) and commands that block.
type harness struct {
	t     *testing.T
	m     *Model
	clock *clock
	quit  bool
}

func newHarness(t *testing.T, opts Options, width, height int) *harness {
	t.Helper()
	c := &clock{t: uiNow}
	if opts.Now == nil {
		opts.Now = c.Now
	}
	if opts.Context == nil {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		opts.Context = ctx
	}
	h := &harness{t: t, m: New(opts), clock: c}
	h.send(tea.WindowSizeMsg{Width: width, Height: height})
	h.run(h.m.Init())
	return h
}

// oneFoundation is a harness over one foundation served by a stub backend.
func oneFoundation(t *testing.T, b *stubBackend, opts Options, width, height int) *harness {
	opts.Foundations = []Foundation{{Name: "eu10", API: "https://api.cf.eu10.hana.ondemand.com", Connect: func(context.Context) (Backend, error) { return b, nil }}}
	return newHarness(t, opts, width, height)
}

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, cmd := h.m.Update(msg)
	h.run(cmd)
}

// run executes a command and everything it leads to.
func (h *harness) run(cmd tea.Cmd) {
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
		case <-time.After(200 * time.Millisecond):
			continue // a tick or a blocked load: the test decides when time passes
		}
		switch mm := msg.(type) {
		case nil, tickMsg, spinner.TickMsg:
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

// tick moves the clock and delivers a clock tick.
func (h *harness) tick(d time.Duration) {
	h.clock.Advance(d)
	h.send(tickMsg(h.clock.Now()))
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
