// Package ui is cfkeys' terminal UI: a bubbletea program that drills from foundation to org, space, service
// instance, service key and key detail, lists every key of a foundation by days remaining, colours keys by
// status, refreshes in the background and finds keys as you type.
//
// The root model (app.go) only routes: the page stack, the help overlay, global keys and the refresh
// schedule. Pages derive their rows from each foundation's latest snapshot, so going back never refetches and a
// refresh updates every page in place. All network and keyring work runs in tea.Cmds; answers are tagged with
// their foundation and a generation (or their page), and dropped when stale.
package ui

import (
	"context"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/policy"
)

// Options configure the UI.
type Options struct {
	// Foundations to show; more than one adds a foundations page at the root.
	Foundations []Foundation
	// Thresholds classify keys when no Policy is given: one pair for every key.
	Thresholds expiry.Thresholds
	// Policy judges every key (status, days, rule, acknowledgement) as cfkeys scan does; nil: Thresholds apply.
	Policy *policy.Policy
	// PolicyLabel names the policy in the header (built-in, a file's path, an override); default the policy's
	// Source.
	PolicyLabel string
	// AcksPath is the acknowledgement store (acks.json) m writes to and M lists, the one cfkeys ack uses; its
	// acknowledgements are those of Policy whose Source it is. Empty: keys cannot be acknowledged here.
	AcksPath string
	// Refresh is the interval of background refreshes; 0 turns them off.
	Refresh time.Duration
	// ExpiringWithin is the number of days the "expiring soon" filter keeps; 0 keeps expired keys and those
	// expiring today. Unless ExpiringWithinSet, the filter keeps the keys the Policy calls warning, critical or
	// expired (without a Policy: those within the warning threshold).
	ExpiringWithin    int
	ExpiringWithinSet bool
	// StartExpiring starts every list with the "expiring soon" filter on (cfkeys --within).
	StartExpiring bool
	// Now returns the current time (default time.Now); statuses follow it without refetching.
	Now func() time.Time
	// NoColor draws without colour (NO_COLOR); statuses stay readable from their text.
	NoColor bool
	// Tick schedules a message after a duration (default tea.Tick): the clock tick, the spinner and progress all
	// go through it, so tests deliver ticks themselves and never wait on the wall clock.
	Tick func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd
	// Context bounds every request the UI makes; cancel it to stop background work.
	Context context.Context
	// JournalDir is where rotations started from the UI keep their journal (cf.JournalDir), so cfkeys key rotate
	// --resume can finish one the UI could not; empty keeps none.
	JournalDir string
	// Dir is the directory the actions' relative file paths (exports, saved chains, credentials) are under
	// (default: the working directory).
	Dir string
}

// Foundation is one foundation the UI shows.
type Foundation struct {
	Name              string // profile name, or "demo"
	API               string
	SkipSSLValidation bool // shown as a permanent warning in the header
	// AllowWrites lets the UI create, rotate and delete keys (the profile's allow_writes; the demo allows them).
	// Without it the header says read-only and the write keys say how to allow writes.
	AllowWrites bool
	// Connect opens the foundation (reading the keyring, resuming the session). The UI calls it in a tea.Cmd.
	Connect func(ctx context.Context) (Backend, error)
}

// Backend reads a foundation.
type Backend interface {
	// Load reads a snapshot of the foundation, reporting progress as it goes. partial, called as listings
	// arrive and then as credentials are read (from any goroutine, never after Load returns), shows what is known
	// so far: orgs and spaces, then instances and keys, those still being read marked cf.KeyReport.Reading; the
	// result is the whole snapshot.
	Load(ctx context.Context, progress func(cf.Progress), partial func(*Snapshot)) (*Snapshot, error)
	// Details reads one key's credentials.
	Details(ctx context.Context, guid string) (cf.KeyCredentials, error)
}

// Snapshot is what one refresh of a foundation found.
type Snapshot struct {
	Orgs      []cf.Organization
	Spaces    []cf.Space
	Instances []cf.ServiceInstance
	Keys      []cf.KeyReport
	Errors    []cf.SweepError
	// Cached counts the keys whose findings came from the findings cache (or an earlier load) rather than from
	// reading their credentials now: a partial snapshot with some is shown as "cached, refreshing".
	Cached int
}

// ClientBackend is the Backend of a logged-in cf.Client. wrap, when set, rewrites errors (e.g. to name the profile
// in "session expired" messages).
func ClientBackend(c *cf.Client, concurrency int, wrap func(error) error) Backend {
	if wrap == nil {
		wrap = func(err error) error { return err }
	}
	return &clientBackend{c: c, concurrency: concurrency, wrap: wrap}
}

type clientBackend struct {
	c           *cf.Client
	concurrency int
	wrap        func(error) error
}

// Load lists orgs and spaces while the sweep lists instances and keys and reads credentials, and shows what is
// known as it comes: the names of orgs and spaces need not hold up the keys, nor the keys the names.
func (b *clientBackend) Load(ctx context.Context, progress func(cf.Progress), partial func(*Snapshot)) (*Snapshot, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The first failure fails the load and stops the other half, whose own failure (cancelled) then says nothing.
	var failed sync.Once
	var firstErr error
	fail := func(err error) {
		failed.Do(func() {
			firstErr = err
			cancel()
		})
	}
	view := newPartialView(partial)
	defer view.stop()
	var orgs []cf.Organization
	var spaces []cf.Space
	named := make(chan struct{})
	go func() {
		defer close(named)
		var err error
		if orgs, err = b.c.Organizations(ctx); err == nil {
			spaces, err = b.c.Spaces(ctx, nil)
		}
		if err != nil {
			fail(err)
			return
		}
		view.names(orgs, spaces)
	}()
	res, err := b.c.Sweep(ctx, cf.SweepOptions{Concurrency: b.concurrency, Progress: progress, OnPartial: view.swept})
	if err != nil {
		fail(err)
	}
	<-named
	if firstErr != nil {
		return nil, b.wrap(firstErr)
	}
	return &Snapshot{Orgs: orgs, Spaces: spaces, Instances: res.Instances, Keys: res.Keys, Errors: res.Errors, Cached: res.FromCache}, nil
}

func (b *clientBackend) Details(ctx context.Context, guid string) (cf.KeyCredentials, error) {
	creds, err := b.c.Details(ctx, guid)
	return creds, b.wrap(err)
}
