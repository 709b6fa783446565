package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes this test binary the cfkeys command of the scripts: testscript puts a copy named cfkeys on
// PATH, and run under that name the binary is cfkeys itself. The binary is built once, by go test, and no test
// runs go build.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"cfkeys": main})
}

// TestScripts runs the end-to-end transcripts in testdata/script: the cfkeys binary as a user runs it, against
// the demo foundation it serves itself. Both live on the real clock, so no expectation there may name a date.
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			// A config directory of the script's own, so no script reads the profiles of the user running the tests.
			env.Setenv("CFKEYS_CONFIG_DIR", filepath.Join(env.WorkDir, "config"))
			// The findings cache and rotation journals too: a script never writes into the user's directories.
			env.Setenv("CFKEYS_CACHE_DIR", filepath.Join(env.WorkDir, "cache"))
			env.Setenv("CFKEYS_STATE_DIR", filepath.Join(env.WorkDir, "state"))
			env.Values[demoKey{}] = &demoSlot{}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":      cmdExits,
			"serve-demo": cmdServeDemo,
			"stop-demo":  cmdStopDemo,
		},
	})
}

// cmdExits runs a program, as exec does, and expects the exit status it is given:
//
//	exits 2 cfkeys scan --api $API
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits STATUS PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: status %q is not a number", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// servedDemo is `cfkeys demo --serve-only` running beside a script.
type servedDemo struct {
	cmd    *exec.Cmd
	stderr strings.Builder
	done   chan error
}

// demoKey finds a script's demoSlot among its values.
type demoKey struct{}

// demoSlot holds the demo a script serves, between serve-demo and stop-demo (or the script's end). A script's
// commands and defers run one after the other, so it needs no lock.
type demoSlot struct{ demo *servedDemo }

// take returns the served demo and empties the slot.
func (s *demoSlot) take() *servedDemo {
	d := s.demo
	s.demo = nil
	return d
}

// demoEnv names the script variables serve-demo sets, after the lines demo --serve-only prints.
var demoEnv = map[string]string{"api": "API", "username": "ADMIN_USER", "password": "ADMIN_PASSWORD",
	"developer-username": "DEV_USER", "developer-password": "DEV_PASSWORD", "client-id": "CLIENT_ID", "client-secret": "CLIENT_SECRET"}

// cmdServeDemo starts `cfkeys demo --serve-only` in the background and sets $API and the credentials it printed
// ($ADMIN_USER, $ADMIN_PASSWORD, $DEV_USER, $DEV_PASSWORD, $CLIENT_ID, $CLIENT_SECRET). The foundation runs on the
// real clock, the one every cfkeys the script runs lives on.
func cmdServeDemo(ts *testscript.TestScript, neg bool, args []string) {
	slot := ts.Value(demoKey{}).(*demoSlot)
	if neg || slot.demo != nil {
		ts.Fatalf("usage: serve-demo [demo flags...], once until stop-demo")
	}
	bin, err := exec.LookPath("cfkeys")
	ts.Check(err)
	d := &servedDemo{cmd: exec.Command(bin, append([]string{"demo", "--serve-only"}, args...)...), done: make(chan error, 1)}
	d.cmd.Env = []string{"PATH=" + ts.Getenv("PATH"), "HOME=" + ts.Getenv("WORK"), "CFKEYS_CONFIG_DIR=" + ts.Getenv("CFKEYS_CONFIG_DIR")}
	d.cmd.Stderr = &d.stderr
	stdout, err := d.cmd.StdoutPipe()
	ts.Check(err)
	ts.Check(d.cmd.Start())
	// fail stops the server before it reads its stderr (written until Wait returns) and fails the script.
	fail := func(problem string) {
		_ = d.cmd.Process.Kill()
		_ = d.cmd.Wait()
		ts.Fatalf("demo --serve-only %s (stderr: %s)", problem, d.stderr.String())
	}
	lines := bufio.NewScanner(stdout)
	seen := 0
	for seen < len(demoEnv) && lines.Scan() {
		k, v, ok := strings.Cut(lines.Text(), ": ")
		if !ok || demoEnv[k] == "" {
			fail(fmt.Sprintf("printed an unexpected line: %q", lines.Text()))
		}
		ts.Setenv(demoEnv[k], v)
		seen++
	}
	if seen < len(demoEnv) {
		fail(fmt.Sprintf("printed %d of its %d lines", seen, len(demoEnv)))
	}
	go func() {
		_, _ = io.Copy(io.Discard, stdout)
		d.done <- d.cmd.Wait()
	}()
	slot.demo = d
	// A script that ends without stop-demo leaves no process behind.
	ts.Defer(func() {
		if slot.take() != nil {
			_ = d.cmd.Process.Kill()
			<-d.done
		}
	})
}

// cmdStopDemo interrupts the served demo, as Ctrl+C does, and expects it to stop cleanly within seconds.
func cmdStopDemo(ts *testscript.TestScript, neg bool, args []string) {
	d := ts.Value(demoKey{}).(*demoSlot).take()
	if neg || len(args) != 0 || d == nil {
		ts.Fatalf("usage: stop-demo, after serve-demo")
	}
	ts.Check(d.cmd.Process.Signal(os.Interrupt))
	select {
	case err := <-d.done:
		if err != nil {
			ts.Fatalf("demo server did not stop cleanly on an interrupt: %v (stderr: %s)", err, d.stderr.String())
		}
		fmt.Fprint(ts.Stderr(), d.stderr.String())
	case <-time.After(10 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
		ts.Fatalf("demo server ignored the interrupt (stderr: %s)", d.stderr.String())
	}
}
