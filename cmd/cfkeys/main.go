// Command cfkeys shows when the certificates in a Cloud Foundry foundation's service keys expire: a terminal UI
// to browse them, and headless commands (scan, find) for cron jobs and monitoring.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/charmbracelet/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], newSystemApp())
	stop()
	os.Exit(code)
}

// newSystemApp wires the app to the real terminal, environment and clock.
func newSystemApp() *app {
	a := defaultApp(os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	a.stdoutTTY = term.IsTerminal(os.Stdout.Fd())
	a.stderrTTY = term.IsTerminal(os.Stderr.Fd())
	a.stdinTTY = term.IsTerminal(os.Stdin.Fd())
	if a.stdoutTTY {
		if w, _, err := term.GetSize(os.Stdout.Fd()); err == nil {
			a.width = w
		}
	}
	if a.stdinTTY {
		a.readSecret = func(prompt string) (string, error) {
			fmt.Fprint(os.Stderr, prompt)
			b, err := term.ReadPassword(os.Stdin.Fd())
			fmt.Fprintln(os.Stderr)
			return string(b), err
		}
	}
	return a
}
