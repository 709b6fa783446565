package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// Ack is an acknowledgement: someone knows a key is expiring (or expired) and has said why, until when, and who
// owns it. It is keyed by foundation and binding GUID, and remembers the certificate it was given for: when that
// certificate is replaced, or the end date passes, the acknowledgement lapses and the key counts again.
type Ack struct {
	// Foundation is the API URL of the key's foundation (a policy file may also name a profile).
	Foundation string `json:"foundation"`
	GUID       string `json:"guid"`
	// Key is the key's name when it was acknowledged, for lists; matching uses the GUID.
	Key string `json:"key,omitempty"`
	// Until is the last day (UTC) the acknowledgement holds.
	Until time.Time `json:"-"`
	Note  string    `json:"note"`
	Owner string    `json:"owner,omitempty"`
	// Serial and NotAfter identify the certificate acknowledged; both empty means any certificate (an
	// acknowledgement written by hand in a policy file without them).
	Serial   string    `json:"serial,omitempty"`
	NotAfter time.Time `json:"-"`
	// Created is when the acknowledgement was made (zero for those of a policy file).
	Created time.Time `json:"-"`
	// Source is where the acknowledgement is kept: the store's path or the policy file's.
	Source string `json:"-"`
	// Line is the acknowledgement's line in a policy file.
	Line int `json:"-"`
}

// AckState says whether an acknowledgement holds.
type AckState int

// The states of an acknowledgement.
const (
	AckActive             AckState = iota // it holds
	AckEnded                              // its end date has passed
	AckCertificateChanged                 // the key's certificate is no longer the one acknowledged
)

// String names the state as lists show it.
func (s AckState) String() string {
	switch s {
	case AckActive:
		return "active"
	case AckEnded:
		return "ended"
	case AckCertificateChanged:
		return "certificate changed"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// Ends is the instant the acknowledgement stops holding: the end of its Until day, UTC.
func (a Ack) Ends() time.Time {
	y, m, d := a.Until.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
}

// UntilText is the end date as users write it: 2027-01-31.
func (a Ack) UntilText() string { return a.Until.UTC().Format(time.DateOnly) }

// For reports whether the acknowledgement is about the key: same binding GUID, same foundation (by API URL, or
// by profile name for a hand-written one).
func (a Ack) For(k Key) bool {
	if !strings.EqualFold(strings.TrimSpace(a.GUID), strings.TrimSpace(k.GUID)) {
		return false
	}
	f := normalAPI(a.Foundation)
	return f == normalAPI(k.API) || (k.Foundation != "" && a.Foundation == k.Foundation)
}

// State says whether the acknowledgement holds for a key whose certificate is cert (nil for none) at now.
func (a Ack) State(cert *expiry.Certificate, now time.Time) AckState {
	if !now.Before(a.Ends()) {
		return AckEnded
	}
	if a.Serial == "" && a.NotAfter.IsZero() {
		return AckActive
	}
	if cert == nil {
		return AckCertificateChanged
	}
	if a.Serial != "" && !expiry.SameSerial(a.Serial, cert.Serial) {
		return AckCertificateChanged
	}
	if !a.NotAfter.IsZero() && !a.NotAfter.Equal(cert.NotAfter) {
		return AckCertificateChanged
	}
	return AckActive
}

// NewAck acknowledges a key until the end of the given day, for the certificate it holds now.
func NewAck(k Key, until time.Time, note, owner string, now time.Time) Ack {
	a := Ack{Foundation: normalAPI(k.API), GUID: strings.ToLower(strings.TrimSpace(k.GUID)), Key: k.Name, Until: until.UTC(),
		Note: note, Owner: owner, Created: now.UTC()}
	if c := k.Finding.Certificate; c != nil {
		a.Serial, a.NotAfter = c.Serial, c.NotAfter.UTC()
	}
	return a
}

// ParseUntil reads an end date: a day (2027-01-31) or a time from today (30d, 2w). It must not lie in the past.
func ParseUntil(s string, now time.Time) (time.Time, error) {
	in := strings.TrimSpace(s)
	today := now.UTC().Truncate(24 * time.Hour)
	var day time.Time
	if t, err := time.Parse(time.DateOnly, in); err == nil {
		day = t
	} else if n, derr := expiry.ParseDays(in); derr == nil {
		day = today.AddDate(0, 0, n)
	} else {
		return time.Time{}, fmt.Errorf("end date %q: want a day such as 2027-01-31 or a time from today such as 30d", s)
	}
	if day.Before(today) {
		return time.Time{}, fmt.Errorf("end date %s has passed", day.Format(time.DateOnly))
	}
	return day, nil
}

// normalAPI makes API URLs comparable: lower case, no trailing slash.
func normalAPI(s string) string { return strings.TrimRight(strings.ToLower(strings.TrimSpace(s)), "/") }
