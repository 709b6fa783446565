// Package report turns a sweep into what cfkeys prints: JSON (a versioned schema), CSV, an aligned table and
// Prometheus text, all from one list of entries ordered by urgency. Status and days remaining are computed here,
// from the certificate's expiry, the thresholds and the given instant, so every format agrees.
package report

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/policy"
)

// Schema is the version of the JSON output; it changes only when a field changes meaning or disappears.
const Schema = 1

// Entry is one key as every output format shows it.
type Entry struct {
	Foundation    string // the profile name, in multi-foundation reports
	Org           string
	Space         string
	Instance      string
	InstanceGUID  string
	Offering      string
	Plan          string
	Name          string
	GUID          string
	Type          string
	Status        expiry.Status
	DaysRemaining *int // nil for none and unknown
	Certificate   *expiry.Certificate
	Reason        string // set for unknown (and none, for the table's notes)
	// Broken marks an unknown key whose certificate or credentials cannot be read (not one hidden by the user's
	// role or still being created): it needs attention.
	Broken bool
	// Rule names the policy rule that set the key's thresholds; Warning and Critical are the thresholds it
	// applied (a share of the lifetime falls back to days when the certificate's issue date is unknown, which
	// LifetimeUnknown marks).
	Rule            string
	Warning         policy.Threshold
	Critical        policy.Threshold
	LifetimeUnknown bool
	// Ack is the acknowledgement in force for the key, or nil. An acknowledged key keeps its Status but does
	// not raise the exit code.
	Ack *policy.Ack
}

// Acked reports whether an acknowledgement is in force for the key.
func (e Entry) Acked() bool { return e.Ack != nil }

// Foundation names one of the foundations of a multi-foundation report.
type Foundation struct {
	Name string `json:"name"`
	API  string `json:"api"`
}

// Report is the result of one scan or lookup.
type Report struct {
	GeneratedAt time.Time
	API         string       // the API URL; empty in multi-foundation reports (each entry names its foundation)
	Foundations []Foundation // the foundations of a multi-foundation report
	Thresholds  expiry.Thresholds
	// Policy is where per-key thresholds came from (a policy file's path, or policy.BuiltIn); empty when one pair
	// of Thresholds applied to every key.
	Policy  string
	Entries []Entry
	Errors  []Error
	// Failed marks a scan that could not run at all (login, network): it has no entries, and Failure says why.
	// Only the Prometheus format writes such a report, so that monitoring sees the failure instead of old data.
	Failed  bool
	Failure string
}

// Error is a failure that concerned one key (or one foundation of several) without stopping the scan.
type Error struct {
	Foundation string `json:"foundation,omitempty"`
	GUID       string `json:"guid,omitempty"`
	Message    string `json:"message"`
}

// FromKeys builds entries for swept keys at the instant now, with one pair of thresholds for every key.
// foundation is empty for single-foundation reports.
func FromKeys(foundation string, keys []cf.KeyReport, now time.Time, th expiry.Thresholds) []Entry {
	return Judge(policy.Uniform(th), foundation, "", keys, now)
}

// Judge builds entries for swept keys at the instant now, each judged by the policy: its rule's thresholds and
// any acknowledgement. foundation is the profile name (empty for single-foundation reports), api the
// foundation's API URL, which acknowledgements are keyed by.
func Judge(p *policy.Policy, foundation, api string, keys []cf.KeyReport, now time.Time) []Entry {
	out := make([]Entry, 0, len(keys))
	for _, k := range keys {
		v := p.Judge(PolicyKey(foundation, api, k), now)
		e := Entry{
			Foundation: foundation, Org: k.Instance.OrgName, Space: k.Instance.SpaceName, Instance: k.Instance.Name,
			InstanceGUID: k.Instance.GUID, Offering: k.Instance.OfferingName, Plan: k.Instance.PlanName,
			Name: k.Name, GUID: k.GUID, Type: k.Type, Status: v.Status, Certificate: k.Finding.Certificate, Reason: k.Finding.Reason,
			Broken: k.Finding.NeedsAttention(), Rule: v.Rule, Warning: v.Warning, Critical: v.Critical, LifetimeUnknown: v.LifetimeUnknown,
			Ack: v.Ack,
		}
		if v.HasDays {
			d := v.Days
			e.DaysRemaining = &d
		}
		out = append(out, e)
	}
	return out
}

// PolicyKey is what the policy sees of a swept key.
func PolicyKey(foundation, api string, k cf.KeyReport) policy.Key {
	return policy.Key{Foundation: foundation, API: api, Org: k.Instance.OrgName, Space: k.Instance.SpaceName,
		Offering: k.Instance.OfferingName, Plan: k.Instance.PlanName, Instance: k.Instance.Name, Name: k.Name, GUID: k.GUID,
		Finding: k.Finding}
}

// ErrorsFrom converts a sweep's per-key errors.
func ErrorsFrom(foundation string, errs []cf.SweepError) []Error {
	out := make([]Error, 0, len(errs))
	for _, e := range errs {
		out = append(out, Error{Foundation: foundation, GUID: e.GUID, Message: e.Message})
	}
	return out
}

// Sort orders entries by urgency: certificate keys by days remaining (expired first), then unknown, then keys
// without a certificate; ties by foundation, org, space, instance, key name and GUID.
func Sort(entries []Entry) {
	rank := func(e Entry) int {
		switch {
		case e.DaysRemaining != nil:
			return 0
		case e.Status == expiry.StatusUnknown:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(entries, func(a, b Entry) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		if a.DaysRemaining != nil && b.DaysRemaining != nil {
			if c := a.Certificate.Effective().Compare(b.Certificate.Effective()); c != 0 {
				return c
			}
		}
		for _, p := range [][2]string{{a.Foundation, b.Foundation}, {a.Org, b.Org}, {a.Space, b.Space}, {a.Instance, b.Instance}, {a.Name, b.Name}, {a.GUID, b.GUID}} {
			if c := cmp.Compare(p[0], p[1]); c != 0 {
				return c
			}
		}
		return 0
	})
}

// Within keeps the certificate keys that expire within days (expired ones included).
func Within(entries []Entry, days int) []Entry {
	out := entries[:0:0]
	for _, e := range entries {
		if e.DaysRemaining != nil && *e.DaysRemaining <= days {
			out = append(out, e)
		}
	}
	return out
}

// RuleText says which rule set a key's thresholds and what they are: "xsuaa-x509 (warning ≤ 20% of its
// lifetime, critical ≤ 10%)".
func RuleText(e Entry) string {
	if e.Rule == "" {
		return ""
	}
	th := func(t policy.Threshold) string {
		if t.IsShare() {
			return t.String() + " of its lifetime"
		}
		return t.String()
	}
	out := fmt.Sprintf("%s (warning ≤ %s, critical ≤ %s)", e.Rule, th(e.Warning), th(e.Critical))
	if e.LifetimeUnknown {
		out += "; the issue date is unknown, so days replace its shares"
	}
	return out
}

// AckedCount returns how many entries are acknowledged.
func AckedCount(entries []Entry) int {
	n := 0
	for _, e := range entries {
		if e.Acked() {
			n++
		}
	}
	return n
}

// Counts returns how many entries have each status.
func Counts(entries []Entry) map[expiry.Status]int {
	c := map[expiry.Status]int{}
	for _, e := range entries {
		c[e.Status]++
	}
	return c
}

// Exit codes, as a monitoring plugin's.
const (
	ExitOK       = 0 // every key ok (or without certificate)
	ExitWarning  = 1 // some key is a warning, or has a certificate that cannot be read
	ExitCritical = 2 // some key is critical or expired
	ExitFailed   = 3 // the scan failed, or some keys could not be checked
)

// redacted returns a copy of the report in which the texts that may quote a server (error messages, the failure,
// reasons) hold no secret of the process (see cf.Redact). Every writer starts with it, so no format, on stdout or
// in a file, carries a password or token that a UAA or Cloud Controller echoed.
func (r Report) redacted() Report {
	r.Failure = cf.Redact(r.Failure)
	errs := make([]Error, len(r.Errors))
	for i, e := range r.Errors {
		e.Message = cf.Redact(e.Message)
		errs[i] = e
	}
	r.Errors = errs
	entries := make([]Entry, len(r.Entries))
	for i, e := range r.Entries {
		e.Reason = cf.Redact(e.Reason)
		entries[i] = e
	}
	r.Entries = entries
	return r
}

// ExitCode returns the status a scan exits with: critical or expired keys win (2); otherwise keys the scan could
// not check (errors) make it 3, since one of them may be the next to expire; otherwise warnings and keys whose
// certificate cannot be read give 1. Keys hidden by the user's role or still being created change nothing, nor
// do acknowledged keys.
func (r Report) ExitCode() int {
	var counted []Entry
	for _, e := range r.Entries {
		if !e.Acked() {
			counted = append(counted, e)
		}
	}
	c := Counts(counted)
	broken := false
	for _, e := range counted {
		broken = broken || e.Broken
	}
	switch {
	case c[expiry.StatusExpired] > 0 || c[expiry.StatusCritical] > 0:
		return ExitCritical
	case len(r.Errors) > 0:
		return ExitFailed
	case c[expiry.StatusWarning] > 0 || broken:
		return ExitWarning
	}
	return ExitOK
}
