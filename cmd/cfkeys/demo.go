package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/ui"
)

// demoOptions are the inputs of cfkeys demo.
type demoOptions struct {
	ui        uiOptions
	ServeOnly bool
	Listen    string
	Latency   time.Duration
	Hostile   bool
}

func newDemoCmd(a *app, runF func(*cobra.Command, *demoOptions) error) *cobra.Command {
	o := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Try cfkeys on an embedded fake foundation, no account needed",
		Long: `Demo starts a fake Cloud Foundry foundation inside cfkeys, on a loopback address, and opens the UI on it (no
login, no keyring); without a terminal it prints the scan table instead. Its keys: SAP
Integration Suite certificate and client-secret keys, XSUAA x509 keys, Event Mesh, Identity and Audit Log keys,
expiring from weeks ago to over a year ahead, a key still being created and a malformed certificate.

With --serve-only it only serves the fake foundation, until interrupted, and prints on stdout its API URL and
a user who may read every key:

  api: http://127.0.0.1:PORT
  username: admin
  password: ...

The following lines name a user with fewer rights ("developer": a Space Developer in most spaces, only an
auditor in acme-dev/sandbox, no member of partner-hub) and a UAA client (client credentials, admin read-only).
Passwords change with every start. It is built to serve the cf CLI v8 as well: cf api URL; cf auth admin PASSWORD.`,
		Example: `  cfkeys demo
  cfkeys demo --serve-only --listen 127.0.0.1:8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd, o)
			}
			return runDemo(cmd, a, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.ServeOnly, "serve-only", false, "only serve the fake foundation until interrupted")
	f.StringVar(&o.Listen, "listen", "127.0.0.1:0", "loopback address to serve on (port 0 picks a free one)")
	f.DurationVar(&o.Latency, "latency", 0, "latency added to every request of the fake foundation")
	f.BoolVar(&o.Hostile, "hostile-names", false, "add an org whose names hold escape sequences and very long or wide text")
	o.ui.addFlags(cmd, false)
	return cmd
}

// demoFoundation is the fake foundation served on a loopback listener.
type demoFoundation struct {
	fake *cffake.Server
	api  string
	stop func()
}

// startDemo serves a fake foundation on a loopback address until stop is called.
func startDemo(o *demoOptions, now func() time.Time) (*demoFoundation, error) {
	host, _, err := net.SplitHostPort(o.Listen)
	if err != nil {
		return nil, fmt.Errorf("--listen %q: %w", o.Listen, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("--listen %q: the demo foundation only serves on a loopback address (127.0.0.1, ::1, localhost)", o.Listen)
	}
	fake, err := cffake.New(cffake.Options{Clock: now, Latency: o.Latency, Data: cffake.Dataset{Hostile: o.Hostile}})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", o.Listen, err)
	}
	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	// Close, not Shutdown: Shutdown counts a connection the client opened but never used as busy and waits out its
	// whole timeout for it (2 s at every demo's end); when stop is called every request has had its answer.
	stop := func() { _ = srv.Close() }
	return &demoFoundation{fake: fake, api: "http://" + ln.Addr().String(), stop: stop}, nil
}

// login logs in to the demo foundation as the admin.
func (d *demoFoundation) login(ctx context.Context, a *app) (*cf.Client, error) {
	creds := cf.Credentials{Grant: cf.GrantPassword, Username: cffake.AdminUser, Password: cf.NewSecret(d.fake.Password(cffake.AdminUser))}
	c, _, err := cf.Login(ctx, d.api, creds, a.cfOptions(cf.Options{}))
	return c, err
}

// uiFoundation is the demo foundation as the UI shows it. It is there to try things on, so it allows writes: its
// UI creates, rotates and deletes keys. (Served with --serve-only it is an --api foundation like any other, and
// cfkeys key ... --api URL needs --allow-writes.)
func (d *demoFoundation) uiFoundation(client *cf.Client, concurrency int) ui.Foundation {
	return ui.Foundation{Name: "demo", API: d.api, AllowWrites: true, Connect: func(context.Context) (ui.Backend, error) {
		return ui.ClientBackend(client, concurrency, nil), nil
	}}
}

func runDemo(cmd *cobra.Command, a *app, o *demoOptions) error {
	// The UI's flags are checked before anything starts, with or without a terminal: piped or not, the same
	// flags are refused the same way.
	opts, err := o.ui.options(cmd, a, nil)
	if err != nil {
		return err
	}
	d, err := startDemo(o, a.now)
	if err != nil {
		return err
	}
	defer d.stop()
	ctx := cmd.Context()
	if o.ServeOnly {
		fmt.Fprintf(a.out, "api: %s\nusername: %s\npassword: %s\n", d.api, cffake.AdminUser, d.fake.Password(cffake.AdminUser))
		fmt.Fprintf(a.out, "developer-username: %s\ndeveloper-password: %s\n", cffake.DeveloperUser, d.fake.Password(cffake.DeveloperUser))
		fmt.Fprintf(a.out, "client-id: %s\nclient-secret: %s\n", cffake.MonitorClient, d.fake.ClientSecret(cffake.MonitorClient))
		fmt.Fprintln(a.errOut, "cfkeys: serving the demo foundation; press Ctrl+C to stop")
		fmt.Fprintf(a.errOut, "cfkeys: it allows writes: try CF_USERNAME=%s CF_PASSWORD=... cfkeys key rotate --api %s --allow-writes --within 30d --dry-run\n", cffake.AdminUser, d.api)
		<-ctx.Done()
		return nil
	}
	client, err := d.login(ctx, a)
	if err != nil {
		return fmt.Errorf("logging in to the demo foundation: %w", err)
	}
	if a.stdoutTTY && a.stdinTTY {
		opts.Foundations = []ui.Foundation{d.uiFoundation(client, o.ui.Concurrency)}
		return ui.Run(opts, a.in, a.out)
	}
	// Without a terminal, the scan table, judged by the policy as scan judges it (--warn/--critical override it).
	j, err := a.judging(cmd, "", o.ui.thresholds)
	if err != nil {
		return err
	}
	res, err := client.Sweep(ctx, cf.SweepOptions{Concurrency: o.ui.Concurrency})
	if err != nil {
		return err
	}
	r := report.Report{GeneratedAt: a.now(), API: d.api, Thresholds: j.thresholds, Policy: j.label,
		Entries: report.Judge(j.policy, "", d.api, res.Keys, a.now())}
	if opts.StartExpiring {
		r.Entries = report.Within(r.Entries, opts.ExpiringWithin)
	}
	report.Sort(r.Entries)
	return a.writeReport(r, "table", false)
}
