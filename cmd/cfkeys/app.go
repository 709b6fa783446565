package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// app is what every command runs with: the streams, the environment and the clock, injected so tests can drive
// the commands in-process exactly as a terminal or a cron job would.
type app struct {
	in        io.Reader
	out       io.Writer
	errOut    io.Writer
	getenv    func(string) string
	now       func() time.Time
	stdoutTTY bool
	stderrTTY bool
	stdinTTY  bool
	width     int // terminal width of stdout, 0 when not a terminal
}

func defaultApp(in io.Reader, out, errOut io.Writer, getenv func(string) string) *app {
	return &app{in: in, out: out, errOut: errOut, getenv: getenv, now: time.Now}
}

// colour reports whether output to stdout may be coloured (a terminal, and NO_COLOR unset; see no-color.org).
func (a *app) colour() bool { return a.stdoutTTY && a.getenv("NO_COLOR") == "" }

// exitError carries a specific exit status out of a command.
type exitError struct {
	code int
	err  error // nil when the command already said everything
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// exitWith ends a command with a status and nothing more to say.
func exitWith(code int) error {
	if code == 0 {
		return nil
	}
	return &exitError{code: code}
}

// Main runs cfkeys with args and returns the exit status. Errors are printed once, cleaned for the terminal:
// they may quote names and details that came from the API.
func Main(ctx context.Context, args []string, a *app) int {
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(a.in)
	root.SetOut(a.out)
	root.SetErr(a.errOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(a.errOut, "cfkeys: "+safetext.Clean(describe(ee.err)))
		}
		return ee.code
	}
	fmt.Fprintln(a.errOut, "cfkeys: "+safetext.Clean(describe(err)))
	return report.ExitFailed
}

// describe turns an error into the sentence a user needs, with a hint where one helps.
func describe(err error) string {
	var nf *cf.NotFoundError
	switch {
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.Is(err, cf.ErrSessionExpired):
		return err.Error() + " (log in again)"
	case errors.As(err, &nf):
		return err.Error()
	}
	return err.Error()
}

// usageError marks a mistake in the command line; it exits 3 like every failure, with the usage hint.
func usageError(cmd *cobra.Command, format string, args ...any) error {
	return fmt.Errorf("%s (see %s --help)", fmt.Sprintf(format, args...), cmd.CommandPath())
}
