package main

import (
	"strings"
	"testing"
)

// Piped, cfkeys demo refuses the flags a terminal refuses, with the same exit code, and honours the thresholds
// and --within it is given.
func TestDemoPipedChecksTheUIFlags(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := run(t, nil, "demo", "--warn", "5d", "--critical", "10d")
	if code != 3 || stdout != "" || !strings.Contains(stderr, "critical") {
		t.Errorf("inverted thresholds: exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
	_, stderr, code = run(t, nil, "demo", "--refresh", "-1s")
	if code != 3 || !strings.Contains(stderr, "--refresh must not be negative") {
		t.Errorf("negative refresh: exit %d %q", code, stderr)
	}
	stdout, _, _ = run(t, nil, "demo", "--warn", "100d", "--critical", "7d")
	if strings.Contains(stdout, "4 warning") || !strings.Contains(stdout, "100") {
		t.Errorf("--warn 100d was not used:\n%s", stdout)
	}
	stdout, _, _ = run(t, nil, "demo", "--within", "0d")
	if strings.Contains(stdout, " ok ") || !strings.Contains(stdout, "expired") {
		t.Errorf("--within 0d kept keys that are not expired:\n%s", stdout)
	}
}
