package ui

import (
	"errors"
	"testing"

	"github.com/cfkeys/cfkeys/cf"
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
