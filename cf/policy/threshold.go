package policy

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// Threshold is the point at which a certificate becomes a warning or critical: a number of whole days left
// ("30d"), or a share of the certificate's lifetime left ("20%": at most a fifth of its validity remains).
type Threshold struct {
	Days    int     // used when Percent is 0
	Percent float64 // a share of the lifetime, above 0 and below 100; 0 means Days applies
}

// Days returns a threshold of whole days.
func Days(n int) Threshold { return Threshold{Days: n} }

// Share returns a threshold of a share of the lifetime, in percent.
func Share(percent float64) Threshold { return Threshold{Percent: percent} }

// IsShare reports whether the threshold is a share of the lifetime.
func (t Threshold) IsShare() bool { return t.Percent > 0 }

// String writes the threshold as ParseThreshold reads it: "30d" or "20%".
func (t Threshold) String() string {
	if t.IsShare() {
		return strconv.FormatFloat(t.Percent, 'f', -1, 64) + "%"
	}
	return strconv.Itoa(t.Days) + "d"
}

// ParseThreshold reads a threshold as users write it: a share of the lifetime ("20%", "12.5%") or anything
// expiry.ParseDays reads ("30d", "2w", "30", "36h").
func ParseThreshold(s string) (Threshold, error) {
	in := strings.TrimSpace(s)
	if num, ok := strings.CutSuffix(in, "%"); ok {
		p, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || math.IsNaN(p) {
			return Threshold{}, fmt.Errorf("share %q: want a percentage such as 20%%", s)
		}
		if p <= 0 || p >= 100 {
			return Threshold{}, fmt.Errorf("share %q: want more than 0%% and less than 100%%", s)
		}
		return Share(p), nil
	}
	n, err := expiry.ParseDays(in)
	if err != nil {
		return Threshold{}, fmt.Errorf("%w (or a share of the lifetime such as 20%%)", err)
	}
	return Days(n), nil
}

// reached reports whether a certificate with the given time left (days, rounded down, and the exact remainder)
// has reached the threshold. A share needs the lifetime; ok is false when it is not known.
func (t Threshold) reached(days int, remaining, lifetime time.Duration) (hit, ok bool) {
	if !t.IsShare() {
		return days <= t.Days, true
	}
	if lifetime <= 0 {
		return false, false
	}
	return float64(remaining) <= float64(lifetime)*t.Percent/100, true
}

// checkOrder returns an error when a critical threshold is above its warning threshold of the same kind (a
// share and a day count cannot be compared until a certificate's lifetime is known).
func checkOrder(warning, critical Threshold) error {
	if warning.IsShare() != critical.IsShare() {
		return nil
	}
	if critical.IsShare() && critical.Percent > warning.Percent || !critical.IsShare() && critical.Days > warning.Days {
		return fmt.Errorf("critical threshold %s must not be above the warning threshold %s", critical, warning)
	}
	return nil
}
