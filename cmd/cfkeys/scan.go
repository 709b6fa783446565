package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/report"
)

// scanOptions are the inputs of cfkeys scan.
type scanOptions struct {
	connect    connectOptions
	Orgs       []string
	Spaces     []string
	Within     string
	thresholds thresholdFlags
	Output     string
}

func newScanCmd(a *app, runF func(*cobra.Command, *scanOptions) error) *cobra.Command {
	o := &scanOptions{}
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Read every service key of a foundation and report its certificate expiry",
		Long: `Scan sweeps a foundation: every service key the user can see, its certificate and the days it has left.
It is meant for cron and monitoring: credentials come from the environment, output can be JSON, CSV or
Prometheus text, and the exit status says what was found.

Credentials: CF_USERNAME and CF_PASSWORD (password grant; CF_ORIGIN selects an identity provider), or
CF_CLIENT_ID and CF_CLIENT_SECRET (client credentials).

Exit status: 0 every key ok, 1 some key within the warning threshold, 2 some key critical or expired,
3 the scan failed (login, network, usage) or some keys could not be checked.`,
		Example: `  CF_USERNAME=me CF_PASSWORD=... cfkeys scan --api https://api.cf.eu10.hana.ondemand.com
  cfkeys scan --api https://api.example.org --org acme-prod --within 30d --output json
  cfkeys scan --api https://api.example.org --output prometheus > /var/lib/node_exporter/cfkeys.prom`,
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
	f.BoolVar(&o.connect.SkipSSLValidation, "skip-ssl-validation", false, "do not check the API's TLS certificate (insecure)")
	f.IntVar(&o.connect.Concurrency, "concurrency", cf.DefaultConcurrency, "parallel requests for key credentials")
	f.StringArrayVar(&o.Orgs, "org", nil, "only keys in this org (repeatable)")
	f.StringArrayVar(&o.Spaces, "space", nil, "only keys in this space (repeatable; within --org when given)")
	f.StringVar(&o.Within, "within", "", "only keys expiring within this time, expired ones included (e.g. 30d, 2w)")
	f.StringVar(&o.thresholds.warn, "warn", "30d", "warning threshold: a certificate with at most this long left is a warning")
	f.StringVar(&o.thresholds.critical, "critical", "7d", "critical threshold")
	f.StringVarP(&o.Output, "output", "o", "table", "output format: "+formatsList())
	return cmd
}

// runScan sweeps the foundation and prints the report.
func runScan(cmd *cobra.Command, a *app, o *scanOptions) error {
	th, err := o.thresholds.parse()
	if err != nil {
		return usageError(cmd, "%v", err)
	}
	within := -1
	if o.Within != "" {
		if within, err = expiry.ParseDays(o.Within); err != nil {
			return usageError(cmd, "--within: %v", err)
		}
	}
	if o.connect.Concurrency < 1 || o.connect.Concurrency > 64 {
		return usageError(cmd, "--concurrency must be between 1 and 64")
	}
	ctx := cmd.Context()
	client, err := a.connect(ctx, o.connect)
	if err != nil {
		return err
	}
	sweep := cf.SweepOptions{Orgs: o.Orgs, Spaces: o.Spaces, Concurrency: o.connect.Concurrency}
	var bar *progressBar
	if a.stderrTTY {
		bar = newProgressBar(a.errOut, a.now)
		sweep.Progress = bar.Update
	}
	res, err := client.Sweep(ctx, sweep)
	if bar != nil {
		bar.Done() // erase the bar before anything else reaches the terminal
	}
	if err != nil {
		return fmt.Errorf("scanning %s: %w", client.Endpoints().API, err)
	}
	r := report.Report{GeneratedAt: a.now(), API: client.Endpoints().API, Thresholds: th,
		Entries: report.FromKeys("", res.Keys, a.now(), th), Errors: report.ErrorsFrom("", res.Errors)}
	report.Sort(r.Entries)
	if within >= 0 {
		r.Entries = report.Within(r.Entries, within)
	}
	if err := a.writeReport(r, o.Output, false); err != nil {
		return err
	}
	return exitWith(r.ExitCode())
}
