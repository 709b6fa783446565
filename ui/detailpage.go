package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// pageIDs numbers detail pages, so an answer for a page the user has left is recognised and dropped.
var pageIDs atomic.Int64

// reveal is the state of a detail page's secrets.
type reveal int

const (
	hidden     reveal = iota
	confirming        // v pressed once: the warning is shown, v again reveals
	revealed
)

// detailPage shows one key: where it lives, its certificate and its credentials with secrets masked.
type detailPage struct {
	id      int64
	f       *foundationState
	guid    string
	key     *cf.KeyReport
	loading bool
	creds   *cf.KeyCredentials
	credErr error
	reveal  reveal
	goneAt  time.Time      // when a refresh first no longer listed the key (zero while it is listed)
	from    *listPage      // the list the key was opened from: n and N step through its matches
	view    viewport.Model // the page's lines, scrolled
	built   detailKey      // what the lines were built from
}

// detailKey says what a detail page's lines were built from; when any of it changes they are built again.
type detailKey struct {
	key     *cf.KeyReport
	creds   *cf.KeyCredentials
	credErr error
	loading bool
	reveal  reveal
	width   int
	minute  int64
	dark    bool
	noColor bool
	goneAt  time.Time
	judged  int // the acknowledgements' generation
}

func newDetailPage(f *foundationState, k *cf.KeyReport) *detailPage {
	return &detailPage{id: pageIDs.Add(1), f: f, guid: k.GUID, key: k, loading: true, view: viewport.New()}
}

// detailsMsg carries a key's credentials to the detail page that asked for them.
type detailsMsg struct {
	pageID int64
	creds  cf.KeyCredentials
	err    error
}

func (p *detailPage) init(c *common) tea.Cmd {
	backend, id, guid := p.f.backend, p.id, p.guid
	if backend == nil {
		p.loading, p.credErr = false, fmt.Errorf("%s is not connected", p.f.Name)
		return nil
	}
	ctx := c.ctx
	return func() tea.Msg {
		creds, err := backend.Details(ctx, guid)
		return detailsMsg{pageID: id, creds: creds, err: err}
	}
}

func (p *detailPage) crumb() string                { return p.key.Name }
func (p *detailPage) capturing() bool              { return false }
func (p *detailPage) asking() bool                 { return p.reveal == confirming }
func (p *detailPage) foundation() *foundationState { return p.f }

// current follows the key into the latest snapshot, so a refresh updates the page; when a refresh no longer
// lists it, the page keeps what it knew and notes since when it is gone.
func (p *detailPage) current() *cf.KeyReport {
	if p.f.idx != nil {
		if k, ok := p.f.idx.keyByGUID[p.guid]; ok {
			p.key, p.goneAt = k, time.Time{}
		} else if p.goneAt.IsZero() {
			p.goneAt = p.f.updatedAt
		}
	}
	return p.key
}

func (p *detailPage) update(msg tea.Msg, c *common) outcome {
	switch m := msg.(type) {
	case detailsMsg:
		if m.pageID != p.id {
			return outcome{}
		}
		p.loading = false
		if m.err != nil {
			p.credErr = m.err
		} else {
			creds := m.creds
			p.creds = &creds
		}
		return outcome{handled: true}
	case tea.MouseWheelMsg:
		switch m.Button {
		case tea.MouseWheelUp:
			p.view.ScrollUp(3)
		case tea.MouseWheelDown:
			p.view.ScrollDown(3)
		}
		return outcome{handled: true}
	case tea.KeyPressMsg:
		k := p.current()
		switch {
		case key.Matches(m, c.keys.Reveal):
			return p.toggleReveal()
		case p.reveal == confirming:
			p.reveal = hidden // any other key cancels the reveal
		}
		if c.keys.scroll(&p.view, m) {
			return outcome{handled: true}
		}
		switch {
		case key.Matches(m, c.keys.NextMatch), key.Matches(m, c.keys.PrevMatch):
			// The next key the list's filter kept, in full: like n in less, one match after the other.
			if p.from != nil {
				p.from.refresh(c) // a refresh may have changed the list under this page
			}
			if p.from == nil || !p.from.step(key.Matches(m, c.keys.NextMatch)) {
				return outcome{handled: true, status: noMatches}
			}
			r := p.from.rows[p.from.cursor]
			next := newDetailPage(r.foundation, r.key)
			next.from = p.from
			return outcome{handled: true, push: next, replace: true}
		case key.Matches(m, c.keys.CopyGUID):
			return copyKey(k, false)
		case key.Matches(m, c.keys.CopyDN):
			return copyKey(k, true)
		case key.Matches(m, c.keys.Ack):
			return ackKey(&row{foundation: p.f, key: k}, c)
		}
	}
	return outcome{}
}

// toggleReveal asks before showing secrets, shows them on the second v, and hides them on the third.
func (p *detailPage) toggleReveal() outcome {
	switch {
	case p.creds == nil:
		return outcome{handled: true, status: "no credentials to reveal"}
	case p.reveal == hidden:
		p.reveal = confirming
		return outcome{handled: true}
	case p.reveal == confirming:
		p.reveal = revealed
		return outcome{handled: true}
	}
	p.reveal = hidden
	return outcome{handled: true, status: "secrets hidden"}
}

// lines is the page's content, before scrolling.
func (p *detailPage) lines(c *common) []string {
	k := p.current()
	st := c.styles
	now := c.now()
	ks := c.judge.state(p.f, k, now)
	var out []string
	if !p.goneAt.IsZero() {
		out = append(out, st.Warning.Render(fmt.Sprintf(" ⚠ GONE: the refresh of %s no longer lists this key (deleted?); esc goes back ",
			p.goneAt.In(now.Location()).Format("15:04:05"))), "")
	}
	valueWidth := max(c.width-16, 20)
	put := func(label string, lines []string) {
		for i, l := range lines {
			if i == 0 {
				out = append(out, st.Bold.Render(safetext.Pad(label, 16))+l)
			} else {
				out = append(out, strings.Repeat(" ", 16)+l)
			}
		}
	}
	// Long values wrap under themselves rather than being cut: DNs at their RDNs, other text at spaces and slashes.
	field := func(label, value string) { put(label, wrapText(safetext.Clean(value), valueWidth)) }
	dnField := func(label, dn string) { put(label, wrapDN(safetext.Clean(dn), valueWidth)) }
	statusText := ks.status.String()
	if ks.v.Acked() {
		statusText = "acked (" + statusText + ")"
	}
	if ks.hasDays {
		switch {
		case ks.days < 0:
			statusText += fmt.Sprintf(" · expired %d days ago", -ks.days)
		case ks.days == 0:
			statusText += " · expires within a day"
		default:
			statusText += fmt.Sprintf(" · %d days left", ks.days)
		}
	}
	statusStyle := st.Status(ks.shown)
	if k.Reading { // a first load has listed the key and not yet read its credentials
		statusText, statusStyle = "… its credentials are being read", st.Dim
	}
	out = append(out, st.Bold.Render(safetext.Pad("Status", 16))+statusStyle.Render(statusText))
	for _, rf := range ruleFields(ks) {
		field(rf[0], rf[1])
	}
	i := k.Instance
	field("Key", k.Name)
	field("Path", i.OrgName+" / "+i.SpaceName+" / "+i.Name+" / "+k.Name)
	field("Instance", fmt.Sprintf("%s (%s, plan %s)", i.Name, i.OfferingName, i.PlanName))
	if c.multi() {
		field("Foundation", p.f.Name+" ("+p.f.API+")")
	}
	field("Binding GUID", k.GUID)
	if cert := k.Finding.Certificate; cert != nil {
		until := cert.Effective() // a CA that expires first ends the key's life then
		field("Valid until", utcAndLocal(until, now.Location()))
		if cert.ChainExpiresFirst {
			field("Leaf valid to", cert.NotAfter.UTC().Format("2006-01-02 15:04:05 UTC")+"  (the certificate itself)")
		}
		if !cert.NotBefore.IsZero() {
			field("Valid from", cert.NotBefore.UTC().Format("2006-01-02 15:04:05 UTC"))
		}
		dnField("Subject DN", cert.SubjectDN)
		dnField("Issuer DN", cert.IssuerDN)
		field("Serial", cert.Serial)
		source := "SAP certificatedetails"
		if cert.Source == expiry.SourcePEM {
			source = "PEM certificate"
		}
		field("Expiry from", source+" ("+cert.Path+")")
		if cert.ChainExpiresFirst {
			// The date leads, so it survives a narrow screen; the CA's DN, which can be long, wraps as a field.
			out = append(out, st.Warning.Render(" ⚠ "+caWarning(cert.ChainNotAfter, now)+" "))
			dnField("Expiring CA", cert.ChainSubjectDN)
		}
	} else {
		field("Certificate", noteOf(k))
	}
	lo := k.LastOperation
	opText := lo.Describe()
	if !lo.UpdatedAt.IsZero() {
		opText += " at " + lo.UpdatedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	if lo.Description != "" {
		opText += ": " + lo.Description
	}
	field("Last operation", opText)
	if !k.CreatedAt.IsZero() {
		field("Created", k.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	out = append(out, "")
	switch {
	case p.loading:
		out = append(out, st.Dim.Render("loading credentials…"))
	case p.credErr != nil:
		out = append(out, st.Error.Render("credentials: ")+describeErr(p.credErr))
	case p.reveal == revealed:
		out = append(out, st.Warning.Render(" SECRETS VISIBLE · v hides them · leaving this page hides them "))
		out = append(out, p.jsonLines(p.creds.Reveal(), c)...)
	default:
		out = append(out, st.Bold.Render("Credentials")+st.Dim.Render(" (secrets masked, certificates abbreviated; v shows everything)"))
		masked, err := p.creds.Display()
		if err != nil {
			out = append(out, st.Error.Render(describeErr(err)))
		} else {
			out = append(out, p.jsonLines(masked, c)...)
		}
	}
	return append(out, p.chainLines(c)...) // every certificate of the chain (certview.go)
}

// jsonLines indents JSON and wraps long lines (PEM blocks) to the width, every line cleaned for the terminal.
func (p *detailPage) jsonLines(raw []byte, c *common) []string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		buf.Reset()
		buf.Write(raw)
	}
	var out []string
	width := max(c.width-2, 20)
	for _, l := range strings.Split(buf.String(), "\n") {
		for _, w := range wrapJSONLine(safetext.Clean(l), width) {
			out = append(out, "  "+w)
		}
	}
	return out
}

// layout sizes the viewport to the body and builds the page's lines again when the key, its credentials, the
// reveal state, the width, the minute or the palette changed; the scroll position is kept.
func (p *detailPage) layout(c *common) {
	p.view.SetWidth(c.width)
	p.view.SetHeight(c.bodyHeight())
	p.view.SetYOffset(p.view.YOffset()) // a taller screen may leave nothing below: scroll back up
	k := detailKey{key: p.current(), creds: p.creds, credErr: p.credErr, loading: p.loading, reveal: p.reveal, width: c.width,
		minute: c.now().Unix() / 60, dark: c.styles.dark, noColor: c.styles.noColor, goneAt: p.goneAt,
		judged: c.judge.gen}
	if k == p.built {
		return
	}
	p.built = k
	y := p.view.YOffset()
	p.view.SetContentLines(p.lines(c))
	p.view.SetYOffset(y)
}

func (p *detailPage) body(c *common) string {
	return fillLines(strings.Split(p.view.View(), "\n"), c.bodyHeight())
}

// position says where the viewport is when the page is taller than the screen: "lines 1-20 of 64".
func (p *detailPage) position() string {
	total, h := p.view.TotalLineCount(), p.view.Height()
	if total <= h {
		return ""
	}
	top := p.view.YOffset() + 1
	return fmt.Sprintf("lines %d-%d of %d · ↑/↓ pgup/pgdn g/G scroll", top, min(top+h-1, total), total)
}

func (p *detailPage) statusLine(c *common) string {
	if p.reveal == confirming {
		return c.styles.Warning.Render(" Reveal secrets? v shows them, any other key cancels. Anyone who can see your screen can read them. ")
	}
	if pos := p.position(); pos != "" {
		return c.styles.Dim.Render(pos)
	}
	return ""
}

func (p *detailPage) shortHelp(c *common) []key.Binding {
	k := c.keys
	reveal := footerKey(k.Reveal, "v", "reveal")
	if p.reveal == revealed {
		reveal = footerKey(k.Reveal, "v", "hide")
	}
	return []key.Binding{k.Help, footerKey(k.Back, "esc", "back"), reveal, k.AllKeys, k.Refresh, k.Quit,
		k.CopyGUID, footerKey(k.CopyDN, "Y", "copy DN"), footerKey(k.Ack, "m", "ack"), footerKey(k.Acks, "M", "acks"), k.Up, k.Down}
}

func (p *detailPage) fullHelp(c *common) [][]key.Binding {
	k := c.keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.HalfUp, k.HalfDown, k.Top, k.Bottom, k.Back},
		{k.NextMatch, k.PrevMatch, k.CopyGUID, k.CopyDN, k.Reveal, k.AllKeys, k.Refresh, k.Errors}, {k.Ack, k.Acks, k.Help, k.Quit}}
}

// caWarning says when a CA that expires before the key's own certificate ends the key: ahead, today or past.
func caWarning(at, now time.Time) string {
	day := at.UTC().Format("2006-01-02")
	switch d := expiry.DaysRemaining(at, now); {
	case d < 0:
		return fmt.Sprintf("its CA expired %d days ago (%s): the key stopped working then", -d, day)
	case d == 0:
		return fmt.Sprintf("its CA expires today (%s): the key stops working then", day)
	default:
		return fmt.Sprintf("its CA expires first, on %s (%d days): the key stops working then", day, d)
	}
}

// utcAndLocal is an instant in UTC, and in the local zone beside it unless that is UTC too.
func utcAndLocal(t time.Time, loc *time.Location) string {
	utc := t.UTC().Format("2006-01-02 15:04:05 UTC")
	local := t.In(loc)
	if _, off := local.Zone(); off == 0 {
		return utc
	}
	return utc + "  (" + local.Format("2006-01-02 15:04:05 MST") + " local)"
}
