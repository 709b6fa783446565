package expiry

import (
	"testing"
	"time"
)

func TestDaysRemaining(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		notAfter time.Time
		want     int
	}{
		{"exactly now", now, 0},
		{"one second left", now.Add(time.Second), 0},
		{"23h59 left", now.Add(24*time.Hour - time.Second), 0},
		{"24h left", now.Add(24 * time.Hour), 1},
		{"412 days", now.AddDate(0, 0, 412).Add(time.Hour), 412},
		{"one second ago", now.Add(-time.Second), -1},
		{"exactly one day ago", now.Add(-24 * time.Hour), -1},
		{"3 days and a bit ago", now.Add(-72*time.Hour - time.Minute), -4},
		{"other time zone same instant", now.In(time.FixedZone("x", 5*3600)).Add(48 * time.Hour), 2},
		{"half a second ago", now.Add(-time.Second / 2), -1},
		{"year 9999, beyond time.Duration", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), 2912117},
		{"year 0000, beyond time.Duration", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), -740308},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := DaysRemaining(tc.notAfter, now); got != tc.want {
				t.Errorf("DaysRemaining = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestStatusFor(t *testing.T) {
	t.Parallel()
	th := DefaultThresholds
	tests := []struct {
		days int
		want Status
	}{
		{-400, StatusExpired}, {-1, StatusExpired}, {0, StatusCritical}, {7, StatusCritical}, {8, StatusWarning},
		{30, StatusWarning}, {31, StatusOK}, {412, StatusOK},
	}
	for _, tc := range tests {
		if got := StatusFor(tc.days, th); got != tc.want {
			t.Errorf("StatusFor(%d) = %v, want %v", tc.days, got, tc.want)
		}
	}
	if got := StatusFor(3, Thresholds{Warning: 2, Critical: 1}); got != StatusOK {
		t.Errorf("custom thresholds: %v", got)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	cert := Finding{Kind: KindCertificate, Certificate: &Certificate{NotAfter: now.AddDate(0, 0, 5)}}
	if s, d, ok := Classify(cert, now, DefaultThresholds); s != StatusCritical || d != 5 || !ok {
		t.Errorf("cert: %v %d %v", s, d, ok)
	}
	if s, _, ok := Classify(Finding{Kind: KindNone}, now, DefaultThresholds); s != StatusNone || ok {
		t.Errorf("none: %v %v", s, ok)
	}
	if s, _, ok := Classify(Unknown("x"), now, DefaultThresholds); s != StatusUnknown || ok {
		t.Errorf("unknown: %v %v", s, ok)
	}
	if s, _, ok := Classify(Finding{Kind: KindCertificate}, now, DefaultThresholds); s != StatusUnknown || ok {
		t.Errorf("certificate kind without certificate: %v %v", s, ok)
	}
	// A CA expiring before the leaf decides: the key stops working with it.
	caFirst := Finding{Kind: KindCertificate, Certificate: &Certificate{NotAfter: now.AddDate(0, 0, 300), ChainExpiresFirst: true, ChainNotAfter: now.AddDate(0, 0, 3)}}
	if s, d, _ := Classify(caFirst, now, DefaultThresholds); s != StatusCritical || d != 3 {
		t.Errorf("CA first: %v %d", s, d)
	}
	if !caFirst.Certificate.Effective().Equal(now.AddDate(0, 0, 3)) {
		t.Error("Effective is not the CA's expiry")
	}
	if !Unknown("x").NeedsAttention() || UnknownBecause(CauseHidden, "x").NeedsAttention() || UnknownBecause(CausePending, "x").NeedsAttention() {
		t.Error("NeedsAttention")
	}
	// The same finding changes status as the clock moves: no refetch needed.
	if s, d, _ := Classify(cert, now.AddDate(0, 0, 6), DefaultThresholds); s != StatusExpired || d != -1 {
		t.Errorf("later: %v %d", s, d)
	}
}

func TestParseDays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"30d", 30, false}, {"7", 7, false}, {"2w", 14, false}, {"36h", 1, false}, {"0d", 0, false}, {" 10D ", 10, false},
		{"", 0, true}, {"-3d", 0, true}, {"soon", 0, true}, {"3x", 0, true}, {"-5h", 0, true}, {"999999999999w", 0, true},
	}
	for _, tc := range tests {
		got, err := ParseDays(tc.in)
		if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
			t.Errorf("ParseDays(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestStatusNames(t *testing.T) {
	t.Parallel()
	for _, s := range Statuses {
		back, err := ParseStatus(s.String())
		if err != nil || back != s {
			t.Errorf("round trip of %v: %v %v", s, back, err)
		}
	}
	if _, err := ParseStatus("fine"); err == nil {
		t.Error("ParseStatus accepted an unknown name")
	}
	if err := (Thresholds{Warning: 5, Critical: 10}).Validate(); err == nil {
		t.Error("critical above warning accepted")
	}
}
