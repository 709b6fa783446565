package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// newLiveFoundation serves data on the real clock, the one a cfkeys process lives on, so that both agree on "now"
// whatever day the test runs. Expectations against it must not depend on the date.
func newLiveFoundation(t *testing.T, data cffake.Dataset) *testFoundation {
	t.Helper()
	return newFoundationAt(t, data, time.Now)
}

// cfkeysRun runs cfkeys as a process of its own, with the given environment and nothing else of ours but PATH and
// a HOME of its own. The program is this test binary, which testscript.Main (script_test.go) put on PATH under the
// name cfkeys: no go build.
func cfkeysRun(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	bin, err := exec.LookPath("cfkeys")
	if err != nil {
		t.Fatalf("cfkeys is not on PATH (testscript.Main puts it there): %v", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}
