package ui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/policy"
	"github.com/cfkeys/cfkeys/cf/report"
)

// statusAcked is the UI's own status for a key whose acknowledgement is in force. It stands beside expiry's
// statuses wherever a list shows one (a key's STATUS cell, a group's counts, the styles), so an acknowledged
// key is drawn "acked" in its own colour; the key keeps its true status and days (the DAYS cell, the detail
// page). Its value lies outside expiry's, which never produce it.
const statusAcked expiry.Status = 100

// uiStatuses are the statuses a list shows, most urgent first: an acknowledged key asks less than an unknown one
// (someone owns it) and more than an ok one (it is expiring, on purpose).
var uiStatuses = []expiry.Status{expiry.StatusExpired, expiry.StatusCritical, expiry.StatusWarning, expiry.StatusUnknown,
	statusAcked, expiry.StatusOK, expiry.StatusNone}

// urgency ranks a status by uiStatuses: lower is more urgent.
func urgency(s expiry.Status) int {
	for i, u := range uiStatuses {
		if u == s {
			return i
		}
	}
	return len(uiStatuses)
}

// statusName is a status as the UI writes it.
func statusName(s expiry.Status) string {
	if s == statusAcked {
		return "acked"
	}
	return s.String()
}

// judging is the policy the UI judges keys by, the same engine and the same policy as cfkeys scan (cf/policy):
// its rules and overrides, and the acknowledgements in force, those a policy file shares and those m stores.
type judging struct {
	pol      *policy.Policy
	label    string             // names the policy in the header
	acksPath string             // the acknowledgement store m writes and M lists; empty: none can be stored
	shared   []policy.Ack       // the policy file's acknowledgements
	stored   []policy.Ack       // the store's, as last read or written
	uniform  *expiry.Thresholds // one pair of day thresholds for every key (no policy given): counts say ≤Nd
	byPolicy bool               // x keeps the keys the policy calls expiring (no --within)
	acked    bool               // X: x keeps acknowledged keys too
	gen      int                // bumped when the acknowledgements change, so pages draw again
}

// newJudging builds the UI's judging from its options: the policy given (cfkeys resolves it as scan does), or
// one pair of thresholds for every key.
func newJudging(opts Options) *judging {
	j := &judging{acksPath: opts.AcksPath, label: opts.PolicyLabel}
	if opts.Policy == nil {
		th := opts.Thresholds
		j.pol, j.uniform = policy.Uniform(th), &th
		if j.label == "" {
			j.label = fmt.Sprintf("warn ≤%dd · crit ≤%dd for every key", th.Warning, th.Critical)
		}
		return j
	}
	j.pol, j.byPolicy = opts.Policy, !opts.ExpiringWithinSet
	if j.label == "" {
		j.label = opts.Policy.Source
	}
	for _, a := range opts.Policy.Acks {
		if j.acksPath != "" && a.Source == j.acksPath {
			j.stored = append(j.stored, a)
		} else {
			j.shared = append(j.shared, a)
		}
	}
	return j
}

// setStored installs the store's acknowledgements (after m or a removal) and judges every key again: no refetch.
func (j *judging) setStored(acks []policy.Ack) {
	j.stored = acks
	p := *j.pol
	p.Acks = append(append([]policy.Ack{}, j.shared...), acks...)
	j.pol = &p
	j.gen++
}

// all is every acknowledgement: the shared ones, then the stored ones.
func (j *judging) all() []policy.Ack { return append(append([]policy.Ack{}, j.shared...), j.stored...) }

// keyState is a key's verdict at an instant: its true status and days, and the status a list shows (acked when
// an acknowledgement is in force).
type keyState struct {
	status  expiry.Status // the true status
	shown   expiry.Status // status, or statusAcked
	days    int
	hasDays bool
	v       policy.Verdict
}

// state judges a key of a foundation at now, as scan does.
func (j *judging) state(f *foundationState, k *cf.KeyReport, now time.Time) keyState {
	v := j.pol.Judge(policyKey(f, k), now)
	ks := keyState{status: v.Status, shown: v.Status, days: v.Days, hasDays: v.HasDays, v: v}
	if v.Acked() {
		ks.shown = statusAcked
	}
	return ks
}

// policyKey is what the policy sees of a key: the foundation's profile name and API URL (rules match either,
// acknowledgements are keyed by the URL).
func policyKey(f *foundationState, k *cf.KeyReport) policy.Key {
	return report.PolicyKey(f.Name, f.API, *k)
}

// alarming reports whether x keeps a key: one the policy calls expiring (warning, critical, expired), or with
// --within one expiring within that many days; acknowledged keys only when X asked for them.
func (j *judging) alarming(f *foundationState, k *cf.KeyReport, now time.Time, within int) bool {
	if k.Finding.Certificate == nil {
		return false
	}
	ks := j.state(f, k, now)
	if ks.v.Acked() && !j.acked {
		return false
	}
	if !j.byPolicy {
		return ks.hasDays && ks.days <= within
	}
	return ks.hasDays && ks.status.Soon()
}

// expiringRow reports whether x keeps a row: it holds a key x keeps.
func (j *judging) expiringRow(r *row, now time.Time, within int) bool {
	for _, k := range r.keys {
		if j.alarming(r.foundation, k, now, within) {
			return true
		}
	}
	return false
}

// expiringText says what x keeps, for the header and the status line.
func (j *judging) expiringText(within int) string {
	s := fmt.Sprintf("expiring ≤%dd only", within)
	if j.byPolicy {
		s = "expiring by the policy only"
	}
	if j.acked {
		s += ", acked too"
	}
	return s
}

// headerText names the policy that applies, for the header.
func (j *judging) headerText() string { return "policy: " + j.label }

// ruleFields are the detail page's lines about the policy: the rule that set the key's thresholds and the
// acknowledgement in force.
func ruleFields(ks keyState) [][2]string {
	v := ks.v
	e := report.Entry{Rule: v.Rule, Warning: v.Warning, Critical: v.Critical, LifetimeUnknown: v.LifetimeUnknown}
	out := [][2]string{{"Policy rule", report.RuleText(e)}}
	if a := v.Ack; a != nil {
		until := a.UntilText()
		if a.Serial != "" {
			until += " (or until the certificate " + a.Serial + " is replaced)"
		}
		out = append(out, [2]string{"Acked until", until})
		if a.Owner != "" {
			out = append(out, [2]string{"Ack owner", a.Owner})
		}
		out = append(out, [2]string{"Ack note", a.Note})
	}
	return out
}

// acksSavedMsg carries the acknowledgement store as a write (m, or a removal on M's page) left it.
type acksSavedMsg struct {
	acks []policy.Ack
	done string // what the write did, for the status line
	err  error
}

// writeAcks changes the store in a command (a file and its lock: never in Update) and answers with the store
// as written.
func writeAcks(path, done string, change func([]policy.Ack) ([]policy.Ack, error)) tea.Cmd {
	return func() tea.Msg {
		var saved []policy.Ack
		err := policy.UpdateAcks(path, func(acks []policy.Ack) ([]policy.Ack, error) {
			out, err := change(acks)
			saved = out
			return out, err
		})
		if err != nil {
			return acksSavedMsg{err: fmt.Errorf("acknowledgements %s: %w", path, err)}
		}
		for i := range saved {
			saved[i].Source = path
		}
		return acksSavedMsg{acks: saved, done: done}
	}
}

// acksSaved installs what a write of the store left, or says why it failed; the form that asked keeps what was
// typed when it failed, and closes when it worked.
func (m *Model) acksSaved(msg acksSavedMsg) tea.Cmd {
	if form, ok := m.top().(*ackForm); ok {
		form.saving = false
		if msg.err != nil {
			form.err = describeErr(msg.err)
			return nil
		}
		m.pop()
	}
	if msg.err != nil {
		m.setStatus(describeErr(msg.err))
		return nil
	}
	m.c.judge.setStored(msg.acks)
	m.store.dataGen++ // every list judges its keys again
	m.setStatus(msg.done)
	return nil
}

// openAcks opens the list of acknowledgements (M), unless it is open already.
func (m *Model) openAcks() tea.Cmd {
	if _, ok := m.top().(*acksPage); ok {
		return nil
	}
	if d, ok := m.top().(*detailPage); ok {
		d.reveal = hidden // a page covered hides its secrets
	}
	return m.push(newAcksPage())
}

// toggleAckedToo is X: x keeps acknowledged keys too (turning x on when it is off), or leaves them out again.
func (m *Model) toggleAckedToo() tea.Cmd {
	j := m.c.judge
	j.acked = !j.acked
	if j.acked {
		m.env.expiring = true
	}
	m.store.dataGen++
	state := "left out of x"
	if j.acked {
		state = "shown by x"
	}
	m.setStatus("acked keys " + state + " · " + strings.TrimSuffix(j.expiringText(m.c.within), " only"))
	return nil
}

// ackNote says what an acknowledgement is about, as scan's table does: "expired, acked until 2027-01-31 by ops:
// partner gone".
func ackNote(ks keyState) string {
	return report.AckNote(report.Entry{Status: ks.status, Ack: ks.v.Ack})
}
