package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/profile"
	"github.com/cfkeys/cfkeys/ui"
)

// uiOptions are the flags of the terminal UI (cfkeys with no command, and cfkeys demo).
type uiOptions struct {
	Profile     string
	Refresh     time.Duration
	Within      string
	thresholds  thresholdFlags
	Policy      string
	Concurrency int
	Cache       cacheOptions
}

func (o *uiOptions) addFlags(cmd *cobra.Command, withProfile bool) {
	f := cmd.Flags()
	if withProfile {
		f.StringVar(&o.Profile, "profile", "", "show only this foundation (default: every one you logged in to)")
		o.Cache.addFlags(f) // the demo's foundation is new each time: nothing to cache
	}
	f.DurationVar(&o.Refresh, "refresh", 60*time.Second, "refresh in the background this often (0 turns it off)")
	f.StringVar(&o.Within, "within", "", "start with the expiring-soon filter on, keeping keys that expire within this time (e.g. 30d)")
	addPolicyFlags(cmd, &o.Policy, &o.thresholds)
	f.IntVar(&o.Concurrency, "concurrency", cf.DefaultConcurrency, "parallel requests for key credentials")
}

// options turns the flags into UI options for the given foundations.
func (o *uiOptions) options(cmd *cobra.Command, a *app, foundations []ui.Foundation) (ui.Options, error) {
	// The UI judges keys by the policy scan uses, resolved the same way (--policy, $CFKEYS_POLICY, policy.yaml
	// in the config directory, built-in; --warn and --critical over it), with the same acknowledgements.
	j, err := a.judging(cmd, o.Policy, o.thresholds)
	if err != nil {
		return ui.Options{}, err
	}
	acks, err := a.acksPath()
	if err != nil {
		return ui.Options{}, err
	}
	label := j.label
	if label == "" { // --warn and --critical in days: one pair of thresholds for every key
		label = fmt.Sprintf("--warn %dd --critical %dd for every key", j.thresholds.Warning, j.thresholds.Critical)
	}
	if o.Refresh < 0 {
		return ui.Options{}, usageError(cmd, "--refresh must not be negative")
	}
	if err := validConcurrency(o.Concurrency); err != nil {
		return ui.Options{}, usageError(cmd, "%v", err)
	}
	opts := ui.Options{Foundations: foundations, Thresholds: j.thresholds, Policy: j.policy, PolicyLabel: label, AcksPath: acks, Refresh: o.Refresh, Now: a.now, NoColor: a.getenv("NO_COLOR") != "", Context: cmd.Context()}
	if dir, err := cf.JournalDir(a.getenv); err == nil {
		opts.JournalDir = dir // rotations from the UI can be resumed with cfkeys key rotate --resume
	}
	if o.Within != "" {
		days, err := expiry.ParseDays(o.Within)
		if err != nil {
			return ui.Options{}, usageError(cmd, "--within: %v", err)
		}
		opts.ExpiringWithin, opts.ExpiringWithinSet, opts.StartExpiring = days, true, true
	}
	return opts, nil
}

// runUI opens the UI on the stored foundations.
func runUI(cmd *cobra.Command, a *app, o *uiOptions) error {
	if !a.stdoutTTY || !a.stdinTTY {
		return errors.New("the UI needs a terminal; for scripts use cfkeys scan or cfkeys find")
	}
	cfg, _, err := a.loadProfiles()
	if err != nil {
		return err
	}
	profiles := cfg.Profiles
	if o.Profile != "" {
		p, ok := cfg.Get(o.Profile)
		if !ok {
			return fmt.Errorf("no profile %q (known: %v)", o.Profile, cfg.Names())
		}
		profiles = []profile.Profile{p}
	}
	if len(profiles) == 0 {
		return errors.New("not logged in to any foundation: run cfkeys login -a API, or try the UI on the demo foundation with cfkeys demo")
	}
	var foundations []ui.Foundation
	for _, p := range profiles {
		a.warnSkipSSL(p.SkipSSLValidation, p.API) // on stderr too, beside the UI header's warning: it stays after the UI
		foundations = append(foundations, profileFoundation(a, p, o))
	}
	opts, err := o.options(cmd, a, foundations)
	if err != nil {
		return err
	}
	return ui.Run(opts, a.in, a.out)
}

// profileFoundation is a logged-in foundation as the UI shows it: writes allowed as the profile says.
func profileFoundation(a *app, p profile.Profile, o *uiOptions) ui.Foundation {
	return ui.Foundation{Name: p.Name, API: p.API, SkipSSLValidation: p.SkipSSLValidation, AllowWrites: p.AllowWrites,
		Connect: func(ctx context.Context) (ui.Backend, error) {
			s, err := profile.Open(p, a.keyring(a.keyringTimeout(false)), a.clientOptions(connectOptions{Concurrency: o.Concurrency, Cache: o.Cache}))
			if err != nil {
				return nil, err
			}
			return ui.ClientBackend(s.Client, o.Concurrency, func(err error) error { return profile.Expired(p.Name, err) }), nil
		}}
}
