// Package watch runs cfkeys as a service: it sweeps foundations on an interval, keeps the last sweep of each for
// Prometheus (/metrics) and a health check (/healthz), and hands each successful sweep to the notifier, which
// announces the keys whose state changed.
package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/notify"
	"github.com/cfkeys/cfkeys/cf/policy"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// Foundation is one foundation to watch.
type Foundation struct {
	notify.Foundation
	// Sweep sweeps the foundation once. It owns the connection: it logs in again after a failure.
	Sweep func(ctx context.Context) (*cf.SweepResult, error)
}

// Classifier judges a foundation's swept keys at the instant now: each key's status, the rule that set its
// thresholds and any acknowledgement. The policy engine plugs in here (Judge), and metrics, health and
// notifications all follow what it says.
type Classifier func(f notify.Foundation, keys []cf.KeyReport, now time.Time) []report.Entry

// Judge returns a classifier that judges keys by the policy current returns when asked: watch asks at every
// sweep, so acknowledgements made while it runs count from the next sweep.
func Judge(current func() *policy.Policy) Classifier {
	return func(f notify.Foundation, keys []cf.KeyReport, now time.Time) []report.Entry {
		// As scan: the foundation a policy rule or acknowledgement names is a profile name or the API URL; the
		// host that names an --api foundation in watch is neither.
		name := ""
		if f.Profile {
			name = f.Name
		}
		entries := report.Judge(current(), name, f.API, keys, now)
		for i := range entries {
			entries[i].Foundation = f.Name
		}
		return entries
	}
}

// Options configure a Watcher.
type Options struct {
	Foundations []Foundation
	Interval    time.Duration
	// Classify judges the keys (default: Judge by the built-in policy, as scan without a policy file).
	Classify Classifier
	// Prepare, when set, is called before each round of sweeps (watch reloads its policy there). Its error is
	// logged and reported by Health until a later call succeeds; the round runs anyway.
	Prepare func() error
	// Clock returns "now" for days remaining, health and timestamps (default time.Now).
	Clock func() time.Time
	// Ticks, when set, starts each sweep after the first instead of a ticker on Interval (tests).
	Ticks <-chan time.Time
	// Notifier, when set, hears of every successful sweep.
	Notifier *notify.Notifier
	// Log receives one line per sweep and per failure (default: discarded).
	Log *slog.Logger
	// Swept, when set, is called after each round of sweeps and deliveries (tests wait on it).
	Swept func()
}

// Snapshot is the last sweep of one foundation.
type Snapshot struct {
	Foundation  notify.Foundation
	Entries     []report.Entry
	Errors      int           // keys the last successful sweep could not check
	Duration    time.Duration // of the last sweep, successful or not
	Requests    int64         // of the last successful sweep
	LastAttempt time.Time
	LastSuccess time.Time
	LastError   string // of the last sweep, cleaned; "" when it succeeded
	// Totals since start.
	Sweeps, Failures, TotalRequests int64
}

// Watcher sweeps foundations and keeps their last results.
type Watcher struct {
	opts Options

	mu         sync.RWMutex
	snaps      []Snapshot
	prepareErr string // of the last Prepare, cleaned; "" when it succeeded
}

// New returns a watcher; nothing runs until Run.
func New(o Options) (*Watcher, error) {
	if len(o.Foundations) == 0 {
		return nil, errors.New("no foundation to watch")
	}
	if o.Interval <= 0 {
		return nil, fmt.Errorf("the interval must be positive, not %s", o.Interval)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Classify == nil {
		builtIn := policy.Default()
		o.Classify = Judge(func() *policy.Policy { return builtIn })
	}
	w := &Watcher{opts: o, snaps: make([]Snapshot, len(o.Foundations))}
	for i, f := range o.Foundations {
		w.snaps[i].Foundation = f.Foundation
	}
	return w, nil
}

// Run sweeps at once, then on every tick, until ctx ends. It returns nil when ctx was cancelled (a clean stop).
func (w *Watcher) Run(ctx context.Context) error {
	ticks := w.opts.Ticks
	if ticks == nil {
		t := time.NewTicker(w.opts.Interval)
		defer t.Stop()
		ticks = t.C
	}
	for {
		w.Round(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-ticks:
		}
	}
}

// Round sweeps every foundation in parallel, then lets the notifier compare and deliver.
func (w *Watcher) Round(ctx context.Context) {
	if w.opts.Prepare != nil {
		msg := ""
		if err := w.opts.Prepare(); err != nil {
			msg = safetext.Clean(err.Error())
			w.opts.Log.Error("preparing the sweep", "error", msg)
		}
		w.mu.Lock()
		w.prepareErr = msg
		w.mu.Unlock()
	}
	var wg sync.WaitGroup
	for i := range w.opts.Foundations {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.sweep(ctx, i)
		}()
	}
	wg.Wait()
	if n := w.opts.Notifier; n != nil && ctx.Err() == nil {
		if _, err := n.Digest(); err != nil {
			w.opts.Log.Error("daily digest", "error", safetext.Clean(err.Error()))
		}
		if err := n.Flush(ctx); err != nil && ctx.Err() == nil {
			w.opts.Log.Error("notification delivery failed; will retry at the next sweep", "error", safetext.Clean(err.Error()))
		}
	}
	if w.opts.Swept != nil {
		w.opts.Swept()
	}
}

// sweep sweeps foundation i and records the result.
func (w *Watcher) sweep(ctx context.Context, i int) {
	f := w.opts.Foundations[i]
	start := w.opts.Clock()
	res, err := f.Sweep(ctx)
	end := w.opts.Clock()
	if ctx.Err() != nil {
		return // stopping: a cancelled sweep is not a failure of the foundation
	}
	w.mu.Lock()
	s := &w.snaps[i]
	s.LastAttempt, s.Duration = end, end.Sub(start)
	s.Sweeps++
	if err != nil {
		s.Failures++
		s.LastError = safetext.Clean(err.Error())
		s.Entries, s.Errors = nil, 0 // as scan does: a failed sweep shows as cfkeys_scan_success 0, not as old data
		w.mu.Unlock()
		w.opts.Log.Error("sweep failed", "foundation", safetext.Clean(f.Name), "error", s.LastError)
		return
	}
	entries := w.opts.Classify(f.Foundation, res.Keys, end)
	report.Sort(entries)
	s.Entries, s.Errors, s.Requests = entries, len(res.Errors), res.Requests
	s.TotalRequests += res.Requests
	s.LastSuccess, s.LastError = end, ""
	w.mu.Unlock()
	w.opts.Log.Info("swept", "foundation", safetext.Clean(f.Name), "keys", len(entries), "errors", len(res.Errors),
		"requests", res.Requests, "duration", end.Sub(start).Round(time.Millisecond))
	if n := w.opts.Notifier; n != nil {
		events, err := n.Observe(f.Foundation, entries)
		if err != nil {
			w.opts.Log.Error("notification state", "error", safetext.Clean(err.Error()))
		}
		if len(events) > 0 {
			w.opts.Log.Info("state changes", "foundation", safetext.Clean(f.Name), "events", len(events))
		}
	}
}

// Snapshots returns a copy of the last sweep of every foundation.
func (w *Watcher) Snapshots() []Snapshot {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return append([]Snapshot(nil), w.snaps...)
}

// Health says whether the service is healthy: every foundation's last sweep succeeded, within two intervals,
// and no notification target is failing. The reasons say what is wrong, cleaned and with every secret the
// process knows redacted.
func (w *Watcher) Health() (bool, []string) {
	now := w.opts.Clock()
	var reasons []string
	w.mu.RLock()
	if w.prepareErr != "" {
		reasons = append(reasons, w.prepareErr)
	}
	w.mu.RUnlock()
	for _, s := range w.Snapshots() {
		name := safetext.Clean(s.Foundation.Name)
		switch {
		case s.LastSuccess.IsZero() && s.LastError == "":
			reasons = append(reasons, fmt.Sprintf("foundation %s: no sweep has finished yet", name))
		case s.LastError != "":
			reasons = append(reasons, fmt.Sprintf("foundation %s: the last sweep failed: %s", name, s.LastError))
		case now.Sub(s.LastSuccess) > 2*w.opts.Interval:
			reasons = append(reasons, fmt.Sprintf("foundation %s: no successful sweep since %s (more than two intervals)", name, s.LastSuccess.UTC().Format(time.RFC3339)))
		}
	}
	if n := w.opts.Notifier; n != nil {
		if err := n.StateError(); err != nil {
			reasons = append(reasons, "the notification state cannot be saved (a restart would repeat notifications): "+safetext.Clean(err.Error()))
		}
		for _, t := range n.Status() {
			if t.LastError != "" {
				reasons = append(reasons, fmt.Sprintf("notifications to %s failing since %s (%d waiting): %s", safetext.Clean(t.ID),
					t.FailingSince.UTC().Format(time.RFC3339), t.Pending, safetext.Clean(t.LastError)))
			}
		}
	}
	for i, r := range reasons {
		reasons[i] = cf.Redact(r) // /healthz is open to any client of the address: no echoed secret goes there
	}
	return len(reasons) == 0, reasons
}
