// Package policy decides how urgent a service key is: which rule's thresholds apply to it (by foundation, org,
// space, offering, plan, instance or key name, first match wins), whether its certificate has reached them
// (days left, or a share of its lifetime left), and whether someone has acknowledged it.
//
// Everything here is pure: the policy comes in as YAML bytes or values, the current time as an argument, and
// nothing is fetched or printed (apart from the acknowledgement store, which reads and writes one file). scan,
// find, the UI and notifications all judge keys through Policy.Judge, so they agree.
package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// BuiltIn is the Source of the policy used when no policy file exists.
const BuiltIn = "built-in"

// Policy is a list of rules and the acknowledgements in force.
type Policy struct {
	// Source says where the policy came from: a file path, or BuiltIn.
	Source string
	// Rules are tried in order; the first that matches a key sets its thresholds. A key no rule matches gets
	// Fallback.
	Rules []Rule
	// Acks are the acknowledgements: those of the policy file, then those of the store.
	Acks []Ack
	// Overridden is set when --warn or --critical replaced the file's thresholds for this run.
	Overridden bool
	// Notify is the file's notify section (cfkeys watch's targets), or nil.
	Notify *Notify
}

// Rule sets the thresholds of the keys it matches.
type Rule struct {
	Name     string
	Match    Match
	Warning  Threshold
	Critical Threshold
	Line     int // the rule's line in the policy file; 0 for built-in rules
}

// Match selects keys by glob patterns ("*", "?"); an empty field matches anything.
type Match struct {
	Foundation string // the profile name or the API URL
	Org        string
	Space      string
	Offering   string
	Plan       string
	Instance   string
	Key        string
}

// Fallback is the rule for keys that no rule matches, and the day thresholds a share falls back to when a
// certificate's lifetime is not known.
var Fallback = Rule{Name: "default", Warning: Days(30), Critical: Days(7)}

// Default returns the built-in policy, the one `cfkeys policy init` writes: 30 and 7 days for Integration Suite
// keys and everything else, shares of the lifetime for XSUAA and Identity keys, which are issued for days.
func Default() *Policy {
	return &Policy{Source: BuiltIn, Rules: []Rule{
		{Name: "integration-suite", Match: Match{Offering: "it-rt"}, Warning: Days(30), Critical: Days(7)},
		{Name: "xsuaa-x509", Match: Match{Offering: "xsuaa"}, Warning: Share(20), Critical: Share(10)},
		{Name: "identity-x509", Match: Match{Offering: "identity"}, Warning: Share(20), Critical: Share(10)},
		{Name: "default", Warning: Days(30), Critical: Days(7)},
	}}
}

// Uniform returns a policy with one pair of thresholds for every key, as --warn and --critical set before there
// were policies.
func Uniform(th expiry.Thresholds) *Policy {
	return &Policy{Source: BuiltIn, Rules: []Rule{{Name: "default", Warning: Days(th.Warning), Critical: Days(th.Critical)}}}
}

// Override returns a copy of the policy in which warning and critical (when not nil) replace every rule's
// thresholds: --warn and --critical for one run.
func (p *Policy) Override(warning, critical *Threshold) (*Policy, error) {
	q := *p
	if warning == nil && critical == nil {
		return &q, nil
	}
	q.Overridden = true
	q.Rules = make([]Rule, 0, len(p.Rules)+1)
	for _, r := range append(append([]Rule{}, p.Rules...), Fallback) {
		if warning != nil {
			r.Warning = *warning
		}
		if critical != nil {
			r.Critical = *critical
		}
		if err := checkOrder(r.Warning, r.Critical); err != nil {
			return nil, fmt.Errorf("with rule %q: %w", r.Name, err)
		}
		q.Rules = append(q.Rules, r)
	}
	return &q, nil
}

// Key is what the policy knows about a service key.
type Key struct {
	Foundation string // the profile name; empty for a foundation reached with --api
	API        string // the API URL of the foundation
	Org        string
	Space      string
	Offering   string
	Plan       string
	Instance   string
	Name       string
	GUID       string
	Finding    expiry.Finding
}

// Verdict is what the policy says about a key at an instant.
type Verdict struct {
	Status  expiry.Status // the key's true status, acknowledged or not
	Days    int           // days remaining, when HasDays
	HasDays bool          // false for keys without a readable certificate
	// Rule is the name of the rule that set the thresholds; Warning and Critical are the thresholds applied.
	Rule     string
	Warning  Threshold
	Critical Threshold
	// LifetimeUnknown is set when the rule's share could not be applied because the certificate's issue date is
	// not known (SAP's certificatedetails without the PEM): Fallback's day thresholds applied instead.
	LifetimeUnknown bool
	// Ack is the acknowledgement in force for the key, or nil.
	Ack *Ack
}

// Acked reports whether an acknowledgement is in force: the key keeps its status but raises no alarm.
func (v Verdict) Acked() bool { return v.Ack != nil }

// Rule returns the rule that applies to a key: the first that matches, else Fallback.
func (p *Policy) Rule(k Key) Rule {
	for _, r := range p.Rules {
		if r.Match.matches(k) {
			return r
		}
	}
	return Fallback
}

// Judge returns the verdict on a key at the instant now.
func (p *Policy) Judge(k Key, now time.Time) Verdict {
	r := p.Rule(k)
	v := Verdict{Rule: r.Name, Warning: r.Warning, Critical: r.Critical, Ack: p.ack(k, now)}
	switch {
	case k.Finding.Kind == expiry.KindNone:
		v.Status = expiry.StatusNone
		return v
	case k.Finding.Kind == expiry.KindUnknown || k.Finding.Certificate == nil:
		v.Status = expiry.StatusUnknown
		return v
	}
	c := k.Finding.Certificate
	effective := c.Effective()
	v.Days, v.HasDays = expiry.DaysRemaining(effective, now), true
	if v.Days < 0 {
		v.Status = expiry.StatusExpired
		return v
	}
	remaining := effective.Sub(now)
	var lifetime time.Duration
	if !c.NotBefore.IsZero() {
		lifetime = c.NotAfter.Sub(c.NotBefore)
	}
	crit, ok := v.Critical.reached(v.Days, remaining, lifetime)
	if !ok {
		v.LifetimeUnknown, v.Critical = true, Fallback.Critical
		crit, _ = v.Critical.reached(v.Days, remaining, lifetime)
	}
	warn, ok := v.Warning.reached(v.Days, remaining, lifetime)
	if !ok {
		v.LifetimeUnknown, v.Warning = true, Fallback.Warning
		warn, _ = v.Warning.reached(v.Days, remaining, lifetime)
	}
	switch {
	case crit:
		v.Status = expiry.StatusCritical
	case warn:
		v.Status = expiry.StatusWarning
	default:
		v.Status = expiry.StatusOK
	}
	return v
}

// ack returns the first acknowledgement in force for the key, or nil.
func (p *Policy) ack(k Key, now time.Time) *Ack {
	for i := range p.Acks {
		a := &p.Acks[i]
		if a.For(k) && a.State(k.Finding.Certificate, now) == AckActive {
			return a
		}
	}
	return nil
}

// matches reports whether every pattern of the match fits the key. The foundation pattern may name the profile
// or the API URL.
func (m Match) matches(k Key) bool {
	if m.Foundation != "" && !globMatch(m.Foundation, k.Foundation) && !globMatch(m.Foundation, k.API) {
		return false
	}
	for _, f := range [][2]string{{m.Org, k.Org}, {m.Space, k.Space}, {m.Offering, k.Offering}, {m.Plan, k.Plan}, {m.Instance, k.Instance}, {m.Key, k.Name}} {
		if f[0] != "" && !globMatch(f[0], f[1]) {
			return false
		}
	}
	return true
}

// String describes the match as a policy file writes it: "offering=xsuaa plan=application", or "any key".
func (m Match) String() string {
	var parts []string
	for _, f := range [][2]string{{"foundation", m.Foundation}, {"org", m.Org}, {"space", m.Space}, {"offering", m.Offering}, {"plan", m.Plan}, {"instance", m.Instance}, {"key", m.Key}} {
		if f[1] != "" {
			parts = append(parts, f[0]+"="+f[1])
		}
	}
	if len(parts) == 0 {
		return "any key"
	}
	return strings.Join(parts, " ")
}
