package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// scanOptions are the inputs of cfkeys scan.
type scanOptions struct {
	connect     connectOptions
	AllProfiles bool
	Orgs        []string
	Spaces      []string
	Within      string
	thresholds  thresholdFlags
	Policy      string
	Output      string
	OutputFile  string
	Timeout     time.Duration // the whole scan; 0 for none
}

func newScanCmd(a *app, runF func(*cobra.Command, *scanOptions) error) *cobra.Command {
	o := &scanOptions{}
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Read every service key of a foundation and report its certificate expiry",
		Long: `Scan sweeps a foundation: every service key the user can see, its certificate and the days it has left.
It is meant for cron and monitoring: credentials come from the environment, output can be JSON, CSV or
Prometheus text, and the exit status says what was found.

Which foundation: --api URL logs in with credentials from the environment, without the keyring:
CF_USERNAME and CF_PASSWORD (password grant; CF_ORIGIN selects an identity provider), or CF_CLIENT_ID and
CF_CLIENT_SECRET (client credentials). Without --api, scan uses a foundation you logged in to with cfkeys
login: --profile NAME, or the current one; --all-profiles sweeps every one.

Thresholds come from the policy (cfkeys policy --help): per kind of key, in days or as a share of the
certificate's lifetime; --warn and --critical override it for one run. Acknowledged keys (cfkeys ack) keep
their status but are shown as acked.

Exit status: 0 every key ok, 1 some key within the warning threshold or with a certificate that cannot be
read, 2 some key critical or expired, 3 the scan failed (login, network, usage) or some keys could not be
checked. Keys hidden by your role or still being created change nothing, nor do acknowledged keys.`,
		Example: `  CF_USERNAME=me CF_PASSWORD=... cfkeys scan --api https://api.cf.eu10.hana.ondemand.com
  cfkeys scan --api https://api.example.org --org acme-prod --within 30d --output json
  cfkeys scan --api https://api.example.org --output prometheus --output-file /var/lib/node_exporter/textfile/cfkeys.prom
  cfkeys scan --profile eu10
  cfkeys scan --all-profiles --within 14d`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !validOutput(o.Output) {
				return usageError(cmd, "--output must be one of %s, not %q", formatsList(), o.Output)
			}
			if runF != nil {
				return runF(cmd, o)
			}
			return runScan(cmd, a, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.connect.API, "api", "", "API URL of the foundation, e.g. https://api.cf.eu10.hana.ondemand.com")
	f.StringVar(&o.connect.Profile, "profile", "", "a foundation you logged in to with cfkeys login")
	f.BoolVar(&o.AllProfiles, "all-profiles", false, "sweep every foundation you logged in to")
	f.BoolVar(&o.connect.SkipSSLValidation, "skip-ssl-validation", false, "do not check the API's TLS certificate (insecure)")
	f.IntVar(&o.connect.Concurrency, "concurrency", cf.DefaultConcurrency, "parallel requests for key credentials")
	o.connect.Cache.addFlags(f)
	f.StringArrayVar(&o.Orgs, "org", nil, "only keys in this org (repeatable)")
	f.StringArrayVar(&o.Spaces, "space", nil, "only keys in this space (repeatable; within --org when given)")
	f.StringVar(&o.Within, "within", "", "only keys expiring within this time, expired ones included (e.g. 30d, 2w)")
	addPolicyFlags(cmd, &o.Policy, &o.thresholds)
	f.StringVarP(&o.Output, "output", "o", "table", "output format: "+formatsList())
	f.StringVar(&o.OutputFile, "output-file", "", "write the report to this file, replacing it atomically (for node_exporter's textfile collector)")
	addTimeoutFlags(cmd, &o.connect, &o.Timeout)
	return cmd
}

// runScan sweeps the foundation and prints the report. When the scan fails, Prometheus output still gets
// written, with cfkeys_scan_success 0, so monitoring alerts on the failure instead of keeping stale data.
func runScan(cmd *cobra.Command, a *app, o *scanOptions) error {
	r, err := scanReport(cmd, a, o)
	if err != nil {
		if o.Output == "prometheus" {
			failed := report.Report{GeneratedAt: a.now(), API: o.connect.API, Failed: true, Failure: describe(err)}
			if werr := a.emit(failed, o.Output, o.OutputFile, false); werr != nil {
				fmt.Fprintf(a.errOut, "cfkeys: %v\n", werr)
			}
		}
		return err
	}
	if err := a.emit(r, o.Output, o.OutputFile, o.AllProfiles); err != nil {
		return err
	}
	if o.Output == "csv" {
		// CSV has no place for errors; a cron job's mail shows them from stderr.
		for _, e := range r.Errors {
			fmt.Fprintln(a.errOut, safetext.Clean("cfkeys: could not check "+errorSubject(e)+": "+e.Message))
		}
	}
	return exitWith(r.ExitCode())
}

// scanReport sweeps the foundation (or every stored one) and returns the report, sorted and filtered.
func scanReport(cmd *cobra.Command, a *app, o *scanOptions) (report.Report, error) {
	var r report.Report
	j, err := a.judging(cmd, o.Policy, o.thresholds)
	if err != nil {
		return r, err
	}
	within := -1
	if o.Within != "" {
		if within, err = expiry.ParseDays(o.Within); err != nil {
			return r, usageError(cmd, "--within: %v", err)
		}
	}
	if err := validConcurrency(o.connect.Concurrency); err != nil {
		return r, usageError(cmd, "%v", err)
	}
	if err := validTimeouts(o.connect.RequestTimeout, o.Timeout); err != nil {
		return r, usageError(cmd, "%v", err)
	}
	ctx, cancel := withTimeout(cmd.Context(), o.Timeout)
	defer cancel()
	sweep := cf.SweepOptions{Orgs: o.Orgs, Spaces: o.Spaces, Concurrency: o.connect.Concurrency}
	if o.AllProfiles {
		if o.connect.API != "" || o.connect.Profile != "" {
			return r, usageError(cmd, "--all-profiles excludes --api and --profile")
		}
		if o.connect.SkipSSLValidation {
			return r, errSkipSSLWithProfile
		}
		if r, err = a.scanAll(ctx, o.connect, sweep, j); err != nil {
			return r, explainTimeout(err, o.Timeout)
		}
	} else {
		conn, err := a.connect(ctx, o.connect)
		if err != nil {
			return r, explainTimeout(err, o.Timeout)
		}
		var bar *progressBar
		if a.stderrTTY {
			bar = newProgressBar(a.errOut, a.now)
			sweep.Progress = bar.Update
		}
		res, err := conn.client.Sweep(ctx, sweep)
		if bar != nil {
			bar.Done() // erase the bar before anything else reaches the terminal
		}
		a.done(conn)
		if err != nil {
			return r, fmt.Errorf("scanning %s: %w", conn.client.Endpoints().API, explainTimeout(conn.wrap(err), o.Timeout))
		}
		api := conn.client.Endpoints().API
		r = report.Report{GeneratedAt: a.now(), API: api, Thresholds: j.thresholds, Policy: j.label,
			Entries: report.Judge(j.policy, "", api, res.Keys, a.now()), Errors: report.ErrorsFrom("", res.Errors)}
	}
	report.Sort(r.Entries)
	if within >= 0 {
		r.Entries = report.Within(r.Entries, within)
	}
	return r, nil
}

// validConcurrency checks --concurrency: parallel credential reads, bounded so a typo cannot open thousands of
// connections to the Cloud Controller.
func validConcurrency(n int) error {
	if n < 1 || n > 64 {
		return fmt.Errorf("--concurrency must be between 1 and 64, not %d", n)
	}
	return nil
}

// scanAll sweeps every stored foundation in parallel. A foundation that cannot be swept (session expired, network
// down) becomes an error of the report; the others are reported as usual.
func (a *app) scanAll(ctx context.Context, o connectOptions, sweep cf.SweepOptions, j judging) (report.Report, error) {
	cfg, dir, err := a.loadProfiles()
	if err != nil {
		return report.Report{}, err
	}
	if len(cfg.Profiles) == 0 {
		return report.Report{}, fmt.Errorf("no foundations in %s: log in with cfkeys login -a API first", dir)
	}
	type outcome struct {
		res *cf.SweepResult
		err error
	}
	results := make([]outcome, len(cfg.Profiles))
	var wg sync.WaitGroup
	for i, p := range cfg.Profiles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := a.openProfile(p, o)
			if err != nil {
				results[i].err = err
				return
			}
			res, err := conn.client.Sweep(ctx, sweep)
			a.done(conn)
			results[i] = outcome{res: res, err: conn.wrap(err)}
		}()
	}
	wg.Wait()
	r := report.Report{GeneratedAt: a.now(), Thresholds: j.thresholds, Policy: j.label}
	for i, p := range cfg.Profiles {
		r.Foundations = append(r.Foundations, report.Foundation{Name: p.Name, API: p.API})
		if err := results[i].err; err != nil {
			if errors.Is(err, context.Canceled) {
				return report.Report{}, err
			}
			r.Errors = append(r.Errors, report.Error{Foundation: p.Name, Message: describe(err)})
			continue
		}
		r.Entries = append(r.Entries, report.Judge(j.policy, p.Name, p.API, results[i].res.Keys, a.now())...)
		r.Errors = append(r.Errors, report.ErrorsFrom(p.Name, results[i].res.Errors)...)
	}
	return r, nil
}

// errorSubject names what a report error is about: a key by its GUID, or a foundation.
func errorSubject(e report.Error) string {
	switch {
	case e.GUID != "" && e.Foundation != "":
		return "key " + e.GUID + " of " + e.Foundation
	case e.GUID != "":
		return "key " + e.GUID
	}
	return "foundation " + e.Foundation
}
