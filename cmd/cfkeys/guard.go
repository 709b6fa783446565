package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// writeOptions are the inputs every command that changes a foundation shares.
type writeOptions struct {
	connect     connectOptions
	AllowWrites bool
	DryRun      bool
	Yes         bool
	WaitTimeout time.Duration
}

func (o *writeOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.connect.API, "api", "", "API URL of the foundation (credentials from CF_USERNAME/CF_PASSWORD or CF_CLIENT_ID/CF_CLIENT_SECRET)")
	f.StringVar(&o.connect.Profile, "profile", "", "a foundation you logged in to with cfkeys login")
	f.BoolVar(&o.connect.SkipSSLValidation, "skip-ssl-validation", false, "do not check the API's TLS certificate (insecure; --api only)")
	f.BoolVar(&o.AllowWrites, "allow-writes", false, "allow this command to change the foundation given with --api (profiles keep their own setting)")
	f.BoolVar(&o.DryRun, "dry-run", false, "print the requests it would send, and send none that changes anything")
	f.BoolVar(&o.Yes, "yes", false, "do not ask for confirmation (needed without a terminal)")
	f.DurationVar(&o.WaitTimeout, "wait-timeout", cf.DefaultWaitTimeout, "how long to wait for each job of the Cloud Controller")
}

// readOnlyError refuses a write on a read-only foundation before any request; it exits 3.
type readOnlyError struct{ msg string }

func (e *readOnlyError) Error() string { return e.msg }

// guardWrites refuses a write on a foundation that does not allow writes, before any request: in --api mode the
// command needs --allow-writes, and a profile needs allow_writes (cfkeys login --allow-writes, or cfkeys profiles
// set NAME --allow-writes on). A dry run changes nothing and passes.
func (a *app) guardWrites(o writeOptions) error {
	if o.connect.API != "" {
		if o.AllowWrites || o.DryRun {
			return nil
		}
		return &readOnlyError{fmt.Sprintf("%s is read-only for cfkeys: pass --allow-writes to let this command change it (or --dry-run to see what it would do)", safetext.Clean(o.connect.API))}
	}
	if o.AllowWrites {
		return errors.New("--allow-writes applies to --api; a profile keeps its own setting: cfkeys profiles set NAME --allow-writes on")
	}
	cfg, _, err := a.loadProfiles()
	if err != nil {
		return err
	}
	p, ok := cfg.Get(o.connect.Profile)
	if o.connect.Profile == "" {
		if p, err = cfg.Default(); err != nil {
			return err
		}
	} else if !ok {
		return fmt.Errorf("no profile %q (known: %v): run cfkeys login", o.connect.Profile, cfg.Names())
	}
	if p.AllowWrites || o.DryRun {
		return nil
	}
	return &readOnlyError{fmt.Sprintf("profile %q is read-only: allow writes with cfkeys profiles set %s --allow-writes on (or log in with --allow-writes), or use --dry-run", p.Name, p.Name)}
}

// connectForWrite checks the guard, then connects.
func (a *app) connectForWrite(ctx context.Context, o writeOptions) (*connection, error) {
	if err := a.guardWrites(o); err != nil {
		return nil, &exitError{code: report.ExitFailed, err: err}
	}
	return a.connect(ctx, o.connect)
}

// confirm asks on a terminal for the exact answer want; without a terminal it needs --yes.
func (a *app) confirm(o writeOptions, question, want string) error {
	if o.Yes {
		return nil
	}
	if !a.stdinTTY {
		return errors.New("not changing anything without confirmation: there is no terminal to ask on, pass --yes")
	}
	answer, err := a.readLine(question)
	if err != nil {
		return err
	}
	if strings.TrimSpace(answer) != want {
		return errors.New("not confirmed; nothing changed")
	}
	return nil
}

// printRequest prints a request a dry run would send, its body with secrets masked and PEM abbreviated.
func (a *app) printRequest(method, path string, body map[string]any) {
	fmt.Fprintf(a.out, "%s %s\n", method, safetext.Clean(path))
	if body == nil {
		return
	}
	text, err := cf.SafeJSON(body)
	if err != nil {
		return
	}
	for _, line := range strings.Split(text, "\n") {
		fmt.Fprintf(a.out, "  %s\n", safetext.Clean(line))
	}
}

// readParameters reads --parameters: inline JSON, or @FILE.
func readParameters(v string) (map[string]any, error) {
	if v == "" {
		return nil, nil
	}
	data := []byte(v)
	if strings.HasPrefix(v, "@") {
		var err error
		if data, err = os.ReadFile(v[1:]); err != nil {
			return nil, fmt.Errorf("--parameters: %w", err)
		}
	}
	return cf.ParseParameters(data)
}
