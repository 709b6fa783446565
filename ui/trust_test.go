package ui

import (
	"errors"
	"testing"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
)

// TestDescribeErrRedacts: an error that quotes a secret of the process (a UAA echoing the posted password) shows
// in the UI with the secret redacted (issue 8 item 6).
func TestDescribeErrRedacts(t *testing.T) {
	t.Parallel()
	pw := cf.NewSecret("ui-echoed-password-42")
	got := describeErr(errors.New("logging in: 401 unauthorized: Bad credentials for password=" + pw.Reveal() + "\x1b[2J"))
	if want := "logging in: 401 unauthorized: Bad credentials for password=[redacted]"; got != want {
		t.Errorf("describeErr = %q, want %q", got, want)
	}
}

// TestNoteSaysWhyTheDatesDiffer: the UI's note of a key whose certificatedetails and certificate disagree says
// both dates, as the scan's table does (issue 8 item 5).
func TestNoteSaysWhyTheDatesDiffer(t *testing.T) {
	t.Parallel()
	k := &cf.KeyReport{Finding: expiry.Finding{Kind: expiry.KindCertificate, Certificate: &expiry.Certificate{SubjectDN: `CN=Acme\, Inc.,O=x`,
		Disagreement: "certificatedetails says 2030-01-01, the certificate itself expires 2026-12-04"}}}
	want := "Acme, Inc. (certificatedetails says 2030-01-01, the certificate itself expires 2026-12-04)"
	if got := noteOf(k); got != want {
		t.Errorf("note = %q, want %q", got, want)
	}
}
