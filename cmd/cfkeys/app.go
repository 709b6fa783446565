package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/keystore"
	"github.com/cfkeys/cfkeys/cf/profile"
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
	// keyring returns the OS keyring with a timeout per call; tests put an in-memory one here.
	keyring func(timeout time.Duration) *keystore.Keyring
	// readSecret reads a line from the terminal without echoing it (passwords, passcodes, client secrets).
	readSecret func(prompt string) (string, error)
	// goos is the operating system (runtime.GOOS), which decides whether a keyring can prompt.
	goos string
	// details, when set, is the cache of key findings of every client of the run; nil means the ones the cache
	// flags choose (cache.go), or the process-wide one for the demo.
	details *cf.DetailsCache
	// findings are the details caches the run's clients share, by --no-cache (cache.go).
	findings findingsCaches
	// sleep waits between retries of an API request and while a write polls its job; nil means a timer that
	// honours the context. In-process tests put one here that returns at once, so nothing waits on the wall clock.
	sleep func(context.Context, time.Duration) error
}

func defaultApp(in io.Reader, out, errOut io.Writer, getenv func(string) string) *app {
	a := &app{in: in, out: out, errOut: errOut, getenv: getenv, now: time.Now, keyring: keystore.New, goos: runtime.GOOS}
	a.readSecret = func(prompt string) (string, error) { return "", errors.New("no terminal to read a secret from") }
	return a
}

// keyringTimeout is the keyring timeout for calls that may need an unlock prompt (login, logout) or not. The
// long one applies only where a prompt can actually appear: without a graphical session (SSH, a container) a
// hanging keyring answers nobody, and the user hears about it within seconds.
func (a *app) keyringTimeout(prompting bool) time.Duration {
	if v := a.getenv("CFKEYS_KEYRING_TIMEOUT"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d
		}
	}
	if prompting && a.canPrompt() {
		return keystore.PromptTimeout
	}
	return keystore.DefaultTimeout
}

// canPrompt reports whether the keyring can show an unlock prompt: macOS and Windows always can; elsewhere only
// in a graphical session.
func (a *app) canPrompt() bool {
	return a.goos == "darwin" || a.goos == "windows" || a.getenv("DISPLAY") != "" || a.getenv("WAYLAND_DISPLAY") != ""
}

// probeKeyring checks that the keyring answers before a login spends its credentials (a one-time passcode
// cannot be used twice). After a few seconds without an answer it says it is waiting for an unlock prompt.
func (a *app) probeKeyring(name string) error {
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
		case <-time.After(keyringNoticeAfter):
			fmt.Fprintln(a.errOut, "cfkeys: waiting for the OS keyring (an unlock prompt may be open)...")
		}
	}()
	_, err := a.keyring(a.keyringTimeout(true)).Lookup(name, keystore.RefreshToken)
	return err
}

// keyringNoticeAfter is how long a keyring call may take before the user is told what it waits for.
const keyringNoticeAfter = 3 * time.Second

// readLine reads one line of input (a username at a prompt).
func (a *app) readLine(prompt string) (string, error) {
	fmt.Fprint(a.errOut, prompt)
	line, err := bufio.NewReader(a.in).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("reading %s: %w", strings.TrimSpace(strings.TrimSuffix(prompt, ": ")), err)
	}
	return strings.TrimSpace(line), nil
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

// Main runs cfkeys with args and returns the exit status. Errors are printed once, with the process's secrets
// redacted and cleaned for the terminal: they may quote names, details and echoes that came from the API.
func Main(ctx context.Context, args []string, a *app) int {
	a.errOut = cf.RedactWriter(a.errOut) // every message, warning and progress line: a server may have echoed a secret
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
			fmt.Fprintln(a.errOut, "cfkeys: "+safetext.Clean(cf.Redact(describe(ee.err))))
		}
		return ee.code
	}
	fmt.Fprintln(a.errOut, "cfkeys: "+safetext.Clean(cf.Redact(describe(err))))
	return report.ExitFailed
}

// describe turns an error into the sentence a user needs, with a hint where one helps.
func describe(err error) string {
	var expired *profile.ExpiredError
	switch {
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.As(err, &expired):
		return expired.Error()
	case errors.Is(err, cf.ErrSessionExpired):
		return err.Error() + " (log in again)"
	}
	return err.Error()
}

// usageError marks a mistake in the command line; it exits 3 like every failure, with the usage hint.
func usageError(cmd *cobra.Command, format string, args ...any) error {
	return fmt.Errorf("%s (see %s --help)", fmt.Sprintf(format, args...), cmd.CommandPath())
}

// cfOptions completes client options with what every client of this run shares.
func (a *app) cfOptions(o cf.Options) cf.Options {
	o.Clock = a.now
	o.Sleep = a.sleep
	o.DetailsCache = a.details
	o.UserAgent = userAgent()
	return o
}
