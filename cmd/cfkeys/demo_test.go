package main

import (
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/profile"
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

// The demo's UI allows writes (R, n, D act on its keys), on the same client the UI reads with.
func TestDemoUIAllowsWrites(t *testing.T) {
	t.Parallel()
	d, err := startDemo(&demoOptions{Listen: "127.0.0.1:0"}, func() time.Time { return time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	defer d.stop()
	f := d.uiFoundation(nil, 1)
	if !f.AllowWrites || f.Name != "demo" || f.API != d.api {
		t.Errorf("demo foundation %+v: want writes allowed", f)
	}
}

// A profile's allow_writes is what the UI allows on its foundation.
func TestProfileFoundationWrites(t *testing.T) {
	t.Parallel()
	for _, allow := range []bool{false, true} {
		f := profileFoundation(nil, profile.Profile{Name: "eu10", API: "https://api.cf.eu10.hana.ondemand.com", AllowWrites: allow}, &uiOptions{})
		if f.AllowWrites != allow || f.Name != "eu10" {
			t.Errorf("profile allow_writes %v: foundation %+v", allow, f)
		}
	}
}
