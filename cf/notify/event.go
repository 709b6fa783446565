// Package notify tells people when service keys change state: a key entering warning, critical or expired, a
// new key, a key gone, and optionally a daily digest. It keeps what it already announced in a state file, so a
// restart does not announce everything again, and delivers through e-mail (SMTP) and webhooks (Slack, Microsoft
// Teams, generic JSON) with retries. Every string that came from the API is cleaned before it goes into a
// message; no message carries a secret: keys are described by their names, GUIDs and public certificate facts.
package notify

import (
	"time"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// Kind is what happened to a key.
type Kind string

// The kinds of event.
const (
	KindExpired  Kind = "expired"  // the key's certificate expired
	KindCritical Kind = "critical" // the key entered the critical threshold
	KindWarning  Kind = "warning"  // the key entered the warning threshold
	KindNew      Kind = "new"      // a key appeared
	KindGone     Kind = "gone"     // a key disappeared (deleted, or no longer visible)
	KindDigest   Kind = "digest"   // the key is listed in the daily digest (warning, critical or expired)
	KindTest     Kind = "test"     // a sample event of cfkeys notify test
)

// Key is a service key as the notifier remembers and announces it: where it lives and its certificate's public
// facts, never its credentials.
type Key struct {
	Foundation   string              `json:"foundation"`
	API          string              `json:"api,omitempty"`
	Profile      bool                `json:"profile,omitempty"` // the foundation is a stored profile (for the command to look at it)
	Org          string              `json:"org"`
	Space        string              `json:"space"`
	Instance     string              `json:"instance"`
	InstanceGUID string              `json:"instance_guid"`
	Offering     string              `json:"offering,omitempty"`
	Plan         string              `json:"plan,omitempty"`
	Name         string              `json:"name"`
	GUID         string              `json:"guid"`
	Status       string              `json:"status"`
	Days         *int                `json:"days,omitempty"`
	Certificate  *expiry.Certificate `json:"certificate,omitempty"`
	// Acked is set while an acknowledgement is in force: the key keeps its status but is not announced, and
	// when the acknowledgement lapses it is announced as if it had just reached its status.
	Acked bool `json:"acked,omitempty"`
}

// Event is one thing to announce.
type Event struct {
	Kind     Kind      `json:"kind"`
	Key      Key       `json:"key"`
	Previous string    `json:"previous,omitempty"` // the status before, for state changes
	At       time.Time `json:"at"`
}

// Foundation says which foundation a sweep's entries belong to.
type Foundation struct {
	Name    string // the profile name, or the API host for --api
	API     string
	Profile bool // Name is a stored profile
}

// keyFrom turns a report entry into the remembered form.
func keyFrom(f Foundation, e report.Entry) Key {
	return Key{Foundation: f.Name, API: f.API, Profile: f.Profile, Org: e.Org, Space: e.Space, Instance: e.Instance,
		InstanceGUID: e.InstanceGUID, Offering: e.Offering, Plan: e.Plan, Name: e.Name, GUID: e.GUID,
		Status: e.Status.String(), Days: e.DaysRemaining, Certificate: e.Certificate, Acked: e.Acked()}
}

// entry turns a remembered key back into a report entry (for the generic JSON payload), every API string
// cleaned: the receiver may show it anywhere.
func (k Key) entry() report.Entry {
	st, err := expiry.ParseStatus(k.Status)
	if err != nil {
		st = expiry.StatusUnknown
	}
	var cert *expiry.Certificate
	if k.Certificate != nil {
		c := *k.Certificate
		c.SubjectDN, c.IssuerDN, c.ChainSubjectDN, c.Serial = safetext.Clean(c.SubjectDN), safetext.Clean(c.IssuerDN), safetext.Clean(c.ChainSubjectDN), safetext.Clean(c.Serial)
		cert = &c
	}
	return report.Entry{Foundation: safetext.Clean(k.Foundation), Org: safetext.Clean(k.Org), Space: safetext.Clean(k.Space),
		Instance: safetext.Clean(k.Instance), InstanceGUID: safetext.Clean(k.InstanceGUID), Offering: safetext.Clean(k.Offering),
		Plan: safetext.Clean(k.Plan), Name: safetext.Clean(k.Name), GUID: safetext.Clean(k.GUID), Type: "key", Status: st,
		DaysRemaining: k.Days, Certificate: cert}
}

// ackedStatus is what Event.Previous says of a key whose acknowledgement lapsed.
const ackedStatus = "acked"

// announced ranks a remembered key as the announcements see it: an acknowledged key is never urgent.
func announced(k Key) int {
	if k.Acked {
		return 3
	}
	return urgency(k.Status)
}

// urgency ranks statuses that are announced: lower is more urgent; statuses never announced rank last.
func urgency(status string) int {
	switch status {
	case "expired":
		return 0
	case "critical":
		return 1
	case "warning":
		return 2
	}
	return 3
}

// diff compares a foundation's previous keys with its current entries and returns the events to announce and
// the keys to remember. first is the foundation's first successful sweep: keys already in warning, critical or
// expired are announced once, but existing keys are not "new". A key is announced when it becomes more urgent
// (ok to warning, warning to critical, ...); a key that gets better (renewed) is remembered silently, so it is
// announced again when it nears expiry the next time. Unknown keys (unreadable credentials) are not announced,
// nor are acknowledged keys: they count as ok until their acknowledgement lapses (its end date passed, the
// certificate changed, it was removed), and are then announced with their status, previously "acked".
func diff(prev map[string]Key, first bool, f Foundation, entries []report.Entry, now time.Time) ([]Event, map[string]Key) {
	next := make(map[string]Key, len(entries))
	var events []Event
	for _, e := range entries {
		k := keyFrom(f, e)
		next[k.GUID] = k
		old, seen := prev[k.GUID]
		switch {
		case !seen && !first:
			events = append(events, Event{Kind: KindNew, Key: k, At: now})
		case announced(k) < 3 && (!seen || announced(k) < announced(old)):
			previous := old.Status
			if old.Acked {
				previous = ackedStatus
			}
			events = append(events, Event{Kind: Kind(k.Status), Key: k, Previous: previous, At: now})
		}
	}
	for guid, old := range prev {
		if _, ok := next[guid]; !ok {
			events = append(events, Event{Kind: KindGone, Key: old, At: now})
		}
	}
	sortEvents(events)
	return events, next
}
