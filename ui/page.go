package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// env is the environment every page draws and decides with (the soft-serve pattern: one small shared struct):
// the screen's size, styles, keys, the clock, the thresholds and the context of every request.
type env struct {
	width, height int
	styles        Styles
	keys          keyMap
	help          help.Model // the footer, built once, restyled with the palette
	now           func() time.Time
	judge         *judging        // the policy every key is judged by
	within        int             // days the "expiring soon" filter keeps
	expiring      bool            // the "expiring soon" filter, one setting of the session (x, --within)
	marks         map[string]bool // marked key rows by row id: R rotates those a list shows (marks.go)
	ctx           context.Context
}

// bodyHeight is the number of lines a page's body has: the screen less the header, status line and footer.
func (e *env) bodyHeight() int { return max(e.height-chromeHeight, 1) }

// listRows is the number of rows a list shows: its body less the column titles.
func (e *env) listRows() int { return max(e.bodyHeight()-1, 1) }

// common is what a page is handed: the environment and the store of foundations.
type common struct {
	*env
	*store
}

// outcome is what a page asks the root to do after a key.
type outcome struct {
	cmd     tea.Cmd
	push    page // open this page on top
	replace bool // push replaces the page (n and N step from one key's detail to the next)
	handled bool // the page used the key
	status  string
	pop     bool // close the page (a form done or cancelled)
}

// page is one screen of the navigation stack.
type page interface {
	// crumb is the page's segment of the breadcrumb.
	crumb() string
	// init returns the work the page needs when it opens (a details fetch), or nil.
	init(c *common) tea.Cmd
	// update reacts to a key or a message meant for the page; keys it does not handle go to the root (back,
	// quit, help, ...).
	update(msg tea.Msg, c *common) outcome
	// layout brings the page up to date after a message (rows, widths, wrapping, scroll position), so that
	// drawing it computes nothing.
	layout(c *common)
	// body draws the page's area of the screen, exactly c.bodyHeight() lines. It changes nothing.
	body(c *common) string
	// statusLine is what the page says on the status line (filter input, loading, warnings), if anything.
	statusLine(c *common) string
	// capturing reports whether the page is taking text input (a filter being typed): then every key but
	// ctrl+c goes to it.
	capturing() bool
	// asking reports whether the page waits for an answer (a filter being typed, a reveal to confirm): its
	// status line then wins over every other message.
	asking() bool
	// foundation is the foundation the page belongs to (nil for pages over all foundations).
	foundation() *foundationState
	// shortHelp and fullHelp list the page's bindings for the footer and the help overlay.
	shortHelp(c *common) []key.Binding
	fullHelp(c *common) [][]key.Binding
}
