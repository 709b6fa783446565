// Package expiry finds the certificate in a service key's credentials and says how close it is to expiry.
//
// Everything here is pure: the credentials come in as JSON bytes, the current time comes in as an argument, and
// nothing is fetched or printed. A Finding never holds a secret: only the certificate's public facts (DNs, serial,
// validity) and, for keys whose certificate cannot be read, a reason that names the field but not its value.
package expiry

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Status is how urgent a key is. The order of the constants is the order of urgency, most urgent first, so that
// sorting by Status puts trouble on top.
type Status int

// The statuses a key can have.
const (
	StatusExpired  Status = iota // the certificate's NotAfter has passed
	StatusCritical               // at most Thresholds.Critical days remain
	StatusWarning                // at most Thresholds.Warning days remain
	StatusUnknown                // the key's credentials could not be read or hold an unreadable certificate
	StatusOK                     // more than Thresholds.Warning days remain
	StatusNone                   // the key holds no certificate (client-secret keys)
)

// Statuses lists every status in urgency order.
var Statuses = []Status{StatusExpired, StatusCritical, StatusWarning, StatusUnknown, StatusOK, StatusNone}

// String returns the status as it appears in JSON, CSV and table output.
func (s Status) String() string {
	switch s {
	case StatusExpired:
		return "expired"
	case StatusCritical:
		return "critical"
	case StatusWarning:
		return "warning"
	case StatusUnknown:
		return "unknown"
	case StatusOK:
		return "ok"
	case StatusNone:
		return "none"
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText makes a Status encode as its name in JSON.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseStatus is the inverse of Status.String.
func ParseStatus(name string) (Status, error) {
	for _, s := range Statuses {
		if s.String() == name {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown status %q (want one of expired, critical, warning, unknown, ok, none)", name)
}

// Soon reports whether the status belongs in an "expiring soon" view: warning, critical or expired.
func (s Status) Soon() bool {
	return s == StatusExpired || s == StatusCritical || s == StatusWarning
}

// Thresholds are the day counts at or below which a certificate is critical or a warning.
type Thresholds struct {
	Warning  int // days; default 30
	Critical int // days; default 7
}

// DefaultThresholds are the thresholds used when the user sets none.
var DefaultThresholds = Thresholds{Warning: 30, Critical: 7}

// Validate checks that the thresholds make sense together.
func (t Thresholds) Validate() error {
	if t.Critical < 0 || t.Warning < 0 {
		return fmt.Errorf("thresholds must not be negative (warning %dd, critical %dd)", t.Warning, t.Critical)
	}
	if t.Critical > t.Warning {
		return fmt.Errorf("critical threshold (%dd) must not be above the warning threshold (%dd)", t.Critical, t.Warning)
	}
	return nil
}

// DaysRemaining returns floor((notAfter - now) / 24h): 0 on the last day, negative once expired. It counts in
// whole seconds rather than with time.Duration, which saturates at about 292 years, so validity dates in year 0000
// or 9999 (both occur in real certificates: "no well-defined expiration" is 9999-12-31) give the right count.
func DaysRemaining(notAfter, now time.Time) int {
	return int(floorDiv(SecondsUntil(notAfter, now), 24*60*60))
}

// SecondsUntil returns notAfter - now in whole seconds, rounded down, without time.Duration's saturation.
func SecondsUntil(notAfter, now time.Time) int64 {
	secs := notAfter.Unix() - now.Unix()
	if notAfter.Nanosecond() < now.Nanosecond() {
		secs--
	}
	return secs
}

// floorDiv divides rounding towards minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Classify returns the status of a finding at the instant now, and the days remaining when the finding has a
// certificate (ok is false for none and unknown). Both follow the certificate's effective expiry: a CA in the
// chain that expires before the leaf ends the key's life first.
func Classify(f Finding, now time.Time, t Thresholds) (status Status, days int, ok bool) {
	switch f.Kind {
	case KindNone:
		return StatusNone, 0, false
	case KindUnknown:
		return StatusUnknown, 0, false
	}
	if f.Certificate == nil {
		return StatusUnknown, 0, false
	}
	days = DaysRemaining(f.Certificate.Effective(), now)
	return StatusFor(days, t), days, true
}

// StatusFor returns the status of a certificate with the given days remaining.
func StatusFor(days int, t Thresholds) Status {
	switch {
	case days < 0:
		return StatusExpired
	case days <= t.Critical:
		return StatusCritical
	case days <= t.Warning:
		return StatusWarning
	}
	return StatusOK
}

// ParseDays reads a day count as users write it on the command line: "30d", "2w", "30" (days), or a Go duration
// such as "36h" (rounded down to whole days).
func ParseDays(s string) (int, error) {
	in := strings.TrimSpace(strings.ToLower(s))
	if in == "" {
		return 0, fmt.Errorf("empty duration")
	}
	unit := 1
	num := in
	switch {
	case strings.HasSuffix(in, "d"):
		num = strings.TrimSuffix(in, "d")
	case strings.HasSuffix(in, "w"):
		num, unit = strings.TrimSuffix(in, "w"), 7
	}
	if n, err := strconv.Atoi(num); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("duration %q is negative", s)
		}
		if n > math.MaxInt32/7 {
			return 0, fmt.Errorf("duration %q is too large", s)
		}
		return n * unit, nil
	}
	d, err := time.ParseDuration(in)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want a number of days such as 30d, weeks such as 2w, or hours such as 36h", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	return int(d / (24 * time.Hour)), nil
}
