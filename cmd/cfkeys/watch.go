package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/notify"
	"github.com/cfkeys/cfkeys/cf/policy"
	"github.com/cfkeys/cfkeys/cf/profile"
	"github.com/cfkeys/cfkeys/cf/watch"
)

// watchOptions are the inputs of cfkeys watch.
type watchOptions struct {
	connect      connectOptions
	Profiles     []string
	AllProfiles  bool
	Orgs         []string
	Spaces       []string
	Interval     time.Duration
	Listen       string
	StateFile    string
	Digest       string
	Retries      int
	RetryBackoff time.Duration
	thresholds   thresholdFlags
	Policy       string
	targets      notifyFlags

	// Test hooks: the ticks that start sweeps, the wait between delivery attempts, the address the server
	// listens on, and a call after every round.
	ticks     <-chan time.Time
	sleep     func(context.Context, time.Duration) error
	listening func(addr string)
	swept     func()
}

// minInterval keeps a typo from sweeping a foundation every second.
const minInterval = time.Minute

func newWatchCmd(a *app, runF func(*cobra.Command, *watchOptions) error) *cobra.Command {
	o := &watchOptions{}
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Run as a service: sweep on an interval, serve Prometheus metrics, notify on changes",
		Long: `Watch sweeps foundations every --interval until it is stopped (SIGINT or SIGTERM), and serves on --listen:
  /metrics  Prometheus metrics: scan's per-key expiry and status gauges, sweep duration, requests, errors and
            the last success of each foundation, notification deliveries, and the process and Go collectors
  /healthz  200 while every foundation's last sweep succeeded within two intervals and notifications are
            delivered, else 503 with the reason
  /         a page linking both

Keys are judged by the policy, as scan judges them (cfkeys policy --help): the file --policy or
$CFKEYS_POLICY names, else policy.yaml in the config directory, else the built-in rules; --warn and
--critical override it. Watch reads the policy and the acknowledgements again before every sweep, so a key
acknowledged with cfkeys ack while it runs is left alone from the next sweep; a policy file broken meanwhile
keeps the last good one in force and shows in /healthz. A file malformed at the start is refused.

With --to (and --smtp-server), --webhook, or the policy file's notify section it announces changes: a key
entering warning, critical or expired, a new key, a key gone; with --digest HH:MM also a daily list of the
keys that need attention. Acknowledged keys are not announced; when the acknowledgement lapses, the key is
announced with its status. What it announced is kept in --state-file, so a restart does not announce it
again; a failed delivery is retried with backoff, then again at the next sweep.

Which foundations: --api URL with credentials from the environment (as scan), --profile NAME (repeatable),
--all-profiles, or the current profile. The SMTP password comes from the keyring (cfkeys notify
set-smtp-password) or the environment variable --smtp-password-env names, never from a flag.`,
		Example: `  cfkeys watch --all-profiles --interval 1h --to ops@example.org --smtp-server smtp.example.org:587 --smtp-user cfkeys
  CF_CLIENT_ID=monitor CF_CLIENT_SECRET=... cfkeys watch --api https://api.example.org --listen :9877 --webhook slack=env:SLACK_URL`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd, o)
			}
			return runWatch(cmd, a, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.connect.API, "api", "", "API URL of the foundation (credentials from CF_* environment variables)")
	f.StringArrayVar(&o.Profiles, "profile", nil, "a foundation you logged in to with cfkeys login (repeatable)")
	f.BoolVar(&o.AllProfiles, "all-profiles", false, "watch every foundation you logged in to")
	f.BoolVar(&o.connect.SkipSSLValidation, "skip-ssl-validation", false, "do not check the API's TLS certificate (insecure; with --api)")
	f.IntVar(&o.connect.Concurrency, "concurrency", cf.DefaultConcurrency, "parallel requests for key credentials")
	f.StringArrayVar(&o.Orgs, "org", nil, "only keys in this org (repeatable)")
	f.StringArrayVar(&o.Spaces, "space", nil, "only keys in this space (repeatable)")
	f.DurationVar(&o.Interval, "interval", time.Hour, "time between sweeps (at least 1m)")
	f.StringVar(&o.Listen, "listen", "127.0.0.1:9877", "address of the /metrics and /healthz server")
	f.StringVar(&o.StateFile, "state-file", "", "where what was announced is kept (default watch-state.json in the config directory)")
	f.StringVar(&o.Digest, "digest", "", "also send a daily digest of the keys that need attention at this time, HH:MM")
	f.IntVar(&o.Retries, "retries", 4, "delivery attempts per sweep before a notification waits for the next sweep")
	f.DurationVar(&o.RetryBackoff, "retry-backoff", 10*time.Second, "first wait between delivery attempts; it doubles after each")
	addPolicyFlags(cmd, &o.Policy, &o.thresholds)
	o.targets.add(f)
	return cmd
}

// runWatch validates the options, then sweeps and serves until the command's context ends.
func runWatch(cmd *cobra.Command, a *app, o *watchOptions) error {
	j, err := a.judging(cmd, o.Policy, o.thresholds)
	if err != nil {
		return err // a malformed policy is refused at the start, with its line
	}
	if o.Interval < minInterval {
		return usageError(cmd, "--interval must be at least %s, not %s", minInterval, o.Interval)
	}
	if err := validConcurrency(o.connect.Concurrency); err != nil {
		return usageError(cmd, "%v", err)
	}
	if o.Retries < 1 {
		return usageError(cmd, "--retries must be at least 1")
	}
	var digest *notify.TimeOfDay
	if o.Digest != "" {
		d, err := notify.ParseTimeOfDay(o.Digest)
		if err != nil {
			return usageError(cmd, "--digest: %v", err)
		}
		digest = &d
	} else if digest, err = policyDigest(j.policy); err != nil {
		return err
	}
	foundations, err := a.watchFoundations(o)
	if err != nil {
		return usageError(cmd, "%v", err)
	}
	targets, err := a.notifyTargets(o.targets, j.thresholds)
	if err != nil {
		return usageError(cmd, "%v", err)
	}
	if targets, err = a.policyTargets(targets, o.targets, j.policy, j.thresholds); err != nil {
		return err
	}
	for _, t := range targets {
		if w, ok := t.(*notify.Webhook); ok {
			w.Policy = j.label // the generic JSON payload names the policy, as scan's JSON does
		}
	}
	log := slog.New(slog.NewTextHandler(a.errOut, nil))
	var n *notify.Notifier
	if len(targets) > 0 {
		path := o.StateFile
		if path == "" {
			dir, err := profile.Dir(a.getenv)
			if err != nil {
				return err
			}
			path = filepath.Join(dir, "watch-state.json")
		}
		if n, err = notify.New(notify.Options{Targets: targets, StatePath: path, Clock: a.now, Sleep: o.sleep,
			Attempts: o.Retries, Backoff: o.RetryBackoff, Digest: digest}); err != nil {
			return err
		}
	} else {
		log.Info("no notification target (--to, --webhook, the policy's notify section): serving metrics only")
	}
	pol := &livePolicy{current: j.policy, load: func() (*policy.Policy, error) {
		j, err := a.judging(cmd, o.Policy, o.thresholds)
		return j.policy, err
	}}
	w, err := watch.New(watch.Options{Foundations: foundations, Interval: o.Interval, Clock: a.now,
		Classify: watch.Judge(pol.Current), Prepare: pol.Reload, Ticks: o.ticks, Notifier: n, Log: log, Swept: o.swept})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("listening for /metrics: %w", err)
	}
	srv := metricsServer(w.Handler())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("serving /metrics and /healthz", "address", ln.Addr().String(), "foundations", len(foundations), "interval", o.Interval,
		"policy", j.policy.Source)
	if o.listening != nil {
		o.listening(ln.Addr().String())
	}
	ctx := cmd.Context()
	runErr := w.Run(ctx)
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving /metrics: %w", err)
	}
	log.Info("stopped")
	return runErr
}

// metricsServer serves /metrics, /healthz and / with every timeout set: a client that sends its request slowly,
// reads the answer slowly or keeps an idle connection open is cut off rather than held forever.
func metricsServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
}

// watchFoundations lists the foundations the options name, each with a sweep that keeps its connection and
// opens it again after a failure (an expired session, a network outage).
func (a *app) watchFoundations(o *watchOptions) ([]watch.Foundation, error) {
	sweep := cf.SweepOptions{Orgs: o.Orgs, Spaces: o.Spaces, Concurrency: o.connect.Concurrency}
	if o.connect.API != "" {
		if len(o.Profiles) > 0 || o.AllProfiles {
			return nil, errors.New("--api excludes --profile and --all-profiles")
		}
		u, err := url.Parse(o.connect.API)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("--api %q is not a URL", o.connect.API)
		}
		if _, err := a.envCredentials(); err != nil {
			return nil, err
		}
		co := o.connect
		f := notify.Foundation{Name: u.Host, API: o.connect.API}
		return []watch.Foundation{{Foundation: f, Sweep: a.reconnectingSweep(sweep, func(ctx context.Context) (*connection, error) {
			return a.connect(ctx, co)
		})}}, nil
	}
	if o.connect.SkipSSLValidation {
		return nil, errSkipSSLWithProfile
	}
	if o.AllProfiles && len(o.Profiles) > 0 {
		return nil, errors.New("--all-profiles excludes --profile")
	}
	cfg, dir, err := a.loadProfiles()
	if err != nil {
		return nil, err
	}
	var chosen []profile.Profile
	switch {
	case o.AllProfiles:
		chosen = cfg.Profiles
	case len(o.Profiles) > 0:
		for _, name := range o.Profiles {
			p, ok := cfg.Get(name)
			if !ok {
				return nil, fmt.Errorf("no profile %q in %s (known: %v): run cfkeys login", name, dir, cfg.Names())
			}
			chosen = append(chosen, p)
		}
	default:
		p, err := cfg.Default()
		if err != nil {
			return nil, err
		}
		chosen = []profile.Profile{p}
	}
	if len(chosen) == 0 {
		return nil, fmt.Errorf("no foundations in %s: log in with cfkeys login -a API first", dir)
	}
	out := make([]watch.Foundation, 0, len(chosen))
	for _, p := range chosen {
		co := o.connect
		out = append(out, watch.Foundation{Foundation: notify.Foundation{Name: p.Name, API: p.API, Profile: true},
			Sweep: a.reconnectingSweep(sweep, func(context.Context) (*connection, error) { return a.openProfile(p, co) })})
	}
	return out, nil
}

// reconnectingSweep returns a sweep that opens the connection when it has none and drops it after a failure,
// so the next sweep logs in afresh.
func (a *app) reconnectingSweep(o cf.SweepOptions, open func(context.Context) (*connection, error)) func(context.Context) (*cf.SweepResult, error) {
	var conn *connection // used by one sweep at a time: the watcher sweeps each foundation sequentially
	return func(ctx context.Context) (*cf.SweepResult, error) {
		if conn == nil {
			c, err := open(ctx)
			if err != nil {
				return nil, err
			}
			conn = c
		}
		res, err := conn.client.Sweep(ctx, o)
		a.done(conn)
		if err != nil {
			err = conn.wrap(err)
			conn = nil
			return nil, err
		}
		return res, nil
	}
}

// livePolicy is the policy watch judges by, read again before every round so that acknowledgements and edits
// made while it runs take effect. A reload that fails keeps the policy that was in force.
type livePolicy struct {
	load func() (*policy.Policy, error)

	mu      sync.Mutex
	current *policy.Policy
}

// Current returns the policy in force.
func (l *livePolicy) Current() *policy.Policy {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.current
}

// Reload reads the policy and the acknowledgements again.
func (l *livePolicy) Reload() error {
	p, err := l.load()
	if err != nil {
		return fmt.Errorf("reading the policy again failed, the one read before stays in force: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.current = p
	return nil
}
