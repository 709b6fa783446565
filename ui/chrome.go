package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// header is two lines: the breadcrumb with the data's freshness, then thresholds, sort and warnings.
func (m *Model) header() string {
	st := m.c.styles
	w := m.c.width
	var crumbs []string
	for _, p := range m.stack {
		crumbs = append(crumbs, safetext.Clean(p.crumb()))
	}
	right := m.freshness()
	title := st.Title.Render("cfkeys")
	avail := w - lipgloss.Width(title) - lipgloss.Width(right) - 2
	line1 := title + " " + m.breadcrumb(crumbs, avail)
	if pad := w - lipgloss.Width(line1) - lipgloss.Width(right); pad > 0 {
		line1 += strings.Repeat(" ", pad) + right
	}

	var parts []string
	for _, f := range m.c.foundations {
		if f.SkipSSLValidation && (m.top().foundation() == nil || m.top().foundation() == f) {
			parts = append(parts, st.Warning.Render(" TLS NOT VERIFIED: "+safetext.Clean(f.Name)+" "))
		}
	}
	parts = append(parts, m.writeBadges()...) // read-only (actions.go)
	parts = append(parts, st.Dim.Render(safetext.Clean(m.c.judge.headerText())))
	if lp, ok := m.top().(*listPage); ok {
		parts = append(parts, st.Bold.Render(lp.position()), st.Dim.Render("sort: "+lp.sortText()))
		if m.env.expiring {
			parts = append(parts, st.Status(expiry.StatusWarning).Render(m.c.judge.expiringText(m.c.within)))
		}
		if lp.query != "" && !lp.typing {
			parts = append(parts, st.Bold.Render("filter: "+safetext.Clean(lp.query)))
		}
	}
	line2 := truncateStyled(strings.Join(parts, "  "), w)
	return truncateStyled(line1, w) + "\n" + line2
}

// breadcrumb joins the crumbs within width. The longest crumb is shortened first (down to the next longest, and
// to no less than 8 cells), so one long key name does not push the foundation, org and space out; only when
// every crumb is short are the oldest dropped (shown as …).
func (m *Model) breadcrumb(crumbs []string, width int) string {
	st := m.c.styles
	sep := st.Dim.Render(" › ")
	const shortest = 8
	cs := slices.Clone(crumbs)
	total := func(cs []string) int {
		n := 3 * max(len(cs)-1, 0)
		for _, c := range cs {
			n += safetext.Width(c)
		}
		return n
	}
	for total(cs) > width {
		longest, next := 0, 0
		for i, c := range cs {
			if w := safetext.Width(c); w > safetext.Width(cs[longest]) {
				longest = i
			}
		}
		for i, c := range cs {
			if i != longest {
				next = max(next, safetext.Width(c))
			}
		}
		w := safetext.Width(cs[longest])
		if w <= shortest {
			break
		}
		target := max(w-(total(cs)-width), next, shortest)
		if target >= w {
			target = w - 1
		}
		cs[longest] = safetext.Truncate(cs[longest], target)
	}
	render := func(cs []string, elided bool) string {
		var parts []string
		if elided {
			parts = append(parts, st.Crumb.Render("…"))
		}
		for i, c := range cs {
			if i == len(cs)-1 {
				parts = append(parts, st.CrumbCurrent.Render(c))
			} else {
				parts = append(parts, st.Crumb.Render(c))
			}
		}
		return strings.Join(parts, sep)
	}
	for i := 0; i < len(cs); i++ {
		if s := render(cs[i:], i > 0); lipgloss.Width(s) <= width || i == len(cs)-1 {
			if lipgloss.Width(s) > width {
				return st.CrumbCurrent.Render(safetext.Truncate(cs[len(cs)-1], max(width, 1)))
			}
			return s
		}
	}
	return ""
}

// freshness says when the current foundation's data was read: "updated 12:03:04, 15s ago", or since when it
// is stale, with a spinner while a refresh runs.
func (m *Model) freshness() string {
	st := m.c.styles
	now := m.c.now()
	fs := m.c.foundations
	if f := m.top().foundation(); f != nil {
		fs = []*foundationState{f}
	}
	busy, cached := false, false
	var oldest, staleSince time.Time
	for _, f := range fs {
		busy = busy || f.busy || f.connecting
		cached = cached || f.showsCached()
		if !f.updatedAt.IsZero() && (oldest.IsZero() || f.updatedAt.Before(oldest)) {
			oldest = f.updatedAt
		}
		if !f.staleSince.IsZero() && (staleSince.IsZero() || f.staleSince.Before(staleSince)) {
			staleSince = f.staleSince
		}
	}
	var s string
	switch {
	case !staleSince.IsZero():
		s = st.Warning.Render(" stale since " + staleSince.In(now.Location()).Format("15:04:05") + " ")
	case cached: // what is shown comes in part from an earlier run, and the first load is not done
		s = st.Dim.Render("cached, refreshing")
	case !oldest.IsZero():
		s = st.Dim.Render("updated " + oldest.In(now.Location()).Format("15:04:05") + ", " + ago(now.Sub(oldest)))
	}
	if busy {
		s = m.spinner.View() + " " + s
	}
	return strings.TrimSpace(s)
}

// ago renders a duration as "15s ago", "3m ago", "2h ago".
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(max(d, 0)/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd ago", int(d/(24*time.Hour)))
}

// statusView is the line above the footer: the page's own line (a filter being typed), else the newest message,
// else the state of the foundations' refreshes.
func (m *Model) statusView() string {
	st := m.c.styles
	w := m.c.width
	// The page's own line comes first while it asks for something (a filter being typed, a reveal to confirm); a kept filter or the expiring toggle are shown in
	// the header already, so they never hide a failure or a sweep's progress.
	if m.ask != nil {
		return truncateStyled(st.Warning.Render(" "+m.ask.text+" "), w)
	}
	if s := m.top().statusLine(&m.c); s != "" && m.top().asking() {
		return truncateStyled(s, w)
	}
	if m.status != "" {
		return truncateStyled(st.Bold.Render(safetext.Clean(m.status)), w)
	}
	if s := m.actionLine(); s != "" { // a running or finished write (actions.go)
		return truncateStyled(s, w)
	}
	fs := m.c.foundations
	if f := m.top().foundation(); f != nil {
		fs = []*foundationState{f}
	}
	var parts []string
	for _, f := range fs {
		prefix := ""
		if len(m.c.foundations) > 1 {
			prefix = safetext.Clean(f.Name) + ": "
		}
		switch {
		case f.connecting:
			parts = append(parts, prefix+"connecting…")
		case f.busy:
			p := f.progress
			text := prefix + "refreshing"
			if p.Stage != "" {
				text = prefix + string(p.Stage)
			}
			if f.showsCached() && p.Stage != "" {
				text = prefix + "cached, refreshing: " + string(p.Stage)
			} else if f.showsCached() {
				text = prefix + "cached, refreshing"
			}
			if p.Total > 0 {
				text += fmt.Sprintf(" %d/%d", p.Done, p.Total)
			}
			parts = append(parts, m.spinner.View()+" "+text)
		case f.lastErr != nil:
			// Which data is shown and when the next try is always fit; the error gives way from its start, since
			// its end holds the cause (a status code, a title) and its start only the operation.
			var facts []string
			if f.snap != nil {
				facts = append(facts, "data of "+f.updatedAt.In(m.c.now().Location()).Format("15:04:05"))
			}
			if !f.nextAt.IsZero() {
				facts = append(facts, "retry at "+f.nextAt.In(m.c.now().Location()).Format("15:04:05"))
			} else {
				facts = append(facts, "r retries")
			}
			tail := " [" + strings.Join(facts, ", ") + "]"
			room := w/speaking(fs) - safetext.Width(prefix) - safetext.Width(tail)
			text := fitTail(describeErr(f.lastErr), room)
			if causeLeads(f.lastErr) {
				text = safetext.Truncate(describeErr(f.lastErr), room)
			}
			parts = append(parts, st.Error.Render(prefix+text+tail))
		case f.changes.any() && (f.snap == nil || len(f.snap.Errors) == 0):
			parts = append(parts, st.Bold.Render(prefix+f.changes.String()))
		case f.snap != nil && len(f.snap.Errors) > 0:
			parts = append(parts, st.Status(expiry.StatusUnknown).Render(fmt.Sprintf("%s%d keys could not be read (a server error; their detail says why)", prefix, len(f.snap.Errors))))
		}
	}
	if len(parts) == 0 {
		if s := m.top().statusLine(&m.c); s != "" {
			return truncateStyled(s, w)
		}
	}
	return truncateStyled(strings.Join(parts, "  "), w)
}

// footer is one line of the page's main keys.
func (m *Model) footer() string {
	bindings := m.withActionKeys(m.top().shortHelp(&m.c)) // the actions that apply here (actions.go)
	if len(m.stack) == 1 {                                // nothing to go back to
		bindings = slices.DeleteFunc(slices.Clone(bindings), func(b key.Binding) bool { return b.Help().Key == "esc" })
	}
	return truncateStyled(m.env.help.ShortHelpView(bindings), m.c.width)
}

// helpView is the ? overlay: the page's bindings and the colour legend.
func (m *Model) helpView() string {
	st := m.c.styles
	var cols []string
	for _, group := range m.withActionHelp(m.top().fullHelp(&m.c)) {
		var lines []string
		for _, b := range group {
			h := b.Help()
			lines = append(lines, st.Key.Render(safetext.Pad(h.Key, 9))+" "+h.Desc)
		}
		cols = append(cols, strings.Join(lines, "\n"))
	}
	var legend []string
	for _, s := range uiStatuses {
		legend = append(legend, st.Status(s).Render(safetext.Pad(statusName(s), 9))+" "+legendText(s, m.c.judge))
	}
	legendBlock := strings.Join(legend, "\n")
	// Key groups side by side and the legend beside them when the terminal is wide enough; otherwise stacked.
	inner := m.c.width - 6 // the box's border and padding, and a margin
	body := lipgloss.JoinHorizontal(lipgloss.Top, joinWithGap(append(cols, legendBlock), "   ")...)
	if lipgloss.Width(body) > inner {
		body = lipgloss.JoinHorizontal(lipgloss.Top, joinWithGap(cols, "   ")...) + "\n\n" + legendBlock
	}
	if lipgloss.Width(body) > inner {
		body = strings.Join(append(cols, legendBlock), "\n\n")
	}
	content := st.Title.Render("cfkeys: keys and colours") + "\n\n" + body + "\n\n" + st.Dim.Render("any key closes this help")
	lines := strings.Split(content, "\n")
	if max(m.c.height-2, 1) < len(lines) {
		lines = append(lines[:max(m.c.height-3, 1)], st.Dim.Render("… (enlarge the terminal for the rest)"))
	}
	for i, l := range lines {
		lines[i] = truncateStyled(l, inner)
	}
	box := st.Box.Render(strings.Join(lines, "\n"))
	return lipgloss.Place(m.c.width, m.c.height, lipgloss.Center, lipgloss.Center, box)
}

func legendText(s expiry.Status, j *judging) string {
	th := j.uniform
	switch {
	case s == expiry.StatusExpired:
		return "the certificate has expired"
	case s == expiry.StatusCritical && th != nil:
		return fmt.Sprintf("expires within %d days", th.Critical)
	case s == expiry.StatusCritical:
		return "critical by its policy rule"
	case s == expiry.StatusWarning && th != nil:
		return fmt.Sprintf("expires within %d days", th.Warning)
	case s == expiry.StatusWarning:
		return "warning by its policy rule"
	case s == expiry.StatusUnknown:
		return "cannot be read (see the key's detail)"
	case s == statusAcked:
		return "acknowledged (m), true days kept"
	case s == expiry.StatusOK && th != nil:
		return fmt.Sprintf("more than %d days left", th.Warning)
	case s == expiry.StatusOK:
		return "not yet at its rule's warning"
	}
	return "no certificate (client secret)"
}

func joinWithGap(cols []string, gap string) []string {
	var out []string
	for i, c := range cols {
		if i > 0 {
			out = append(out, gap)
		}
		out = append(out, c)
	}
	return out
}

// truncateStyled cuts a styled line to width cells.
func truncateStyled(s string, width int) string {
	if lipgloss.Width(s) <= width {
		return s
	}
	return truncANSI(s, width)
}

// truncANSI cuts a string holding styles to width cells, keeping its escape sequences whole.
func truncANSI(s string, width int) string { return ansi.Truncate(s, width, "…") }

// fitTail shortens s to at most w cells by cutting its start ("…" marks the cut): for messages whose end says
// the most, as an error's cause does.
func fitTail(s string, w int) string {
	if safetext.Width(s) <= w {
		return s
	}
	if w < 2 {
		return "…"
	}
	runes := []rune(s)
	width, i := 1, len(runes)
	for i > 0 {
		rw := safetext.Width(string(runes[i-1]))
		if width+rw > w {
			break
		}
		width += rw
		i--
	}
	return "…" + string(runes[i:])
}

// speaking counts the foundations with something for the status line, which share its width.
func speaking(fs []*foundationState) int {
	n := 0
	for _, f := range fs {
		if f.connecting || f.busy || f.lastErr != nil || f.changes.any() || f.snap != nil && len(f.snap.Errors) > 0 {
			n++
		}
	}
	return max(n, 1)
}
