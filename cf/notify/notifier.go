package notify

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/report"
)

// Batch is what one delivery carries.
type Batch struct {
	Events []Event
	Now    time.Time
}

// Target is where notifications go: an SMTP server, a webhook.
type Target interface {
	// ID names the target without any secret; it keys the target's outbox in the state file and its metrics.
	ID() string
	// Send delivers one batch; an error means it did not arrive (it is retried).
	Send(ctx context.Context, b Batch) error
}

// TargetStatus is how deliveries to a target went, for /metrics and /healthz.
type TargetStatus struct {
	ID           string
	Sent         int       // batches delivered
	Failures     int       // failed attempts
	Dropped      int       // events dropped from a full outbox
	Pending      int       // events waiting in the outbox
	LastError    string    // of the last failed delivery, "" once one succeeds
	FailingSince time.Time // zero while deliveries succeed
}

// Options configure a Notifier.
type Options struct {
	Targets   []Target
	StatePath string
	Clock     func() time.Time
	// Sleep waits between attempts; tests record the waits instead (default: a timer that ctx cancels).
	Sleep func(ctx context.Context, d time.Duration) error
	// Attempts is how many times a delivery is tried per Flush (default 4).
	Attempts int
	// Backoff is the first wait between attempts; it doubles after each (default 10s).
	Backoff time.Duration
	// Digest, when set, is the time of day (UTC offset of Clock's location) of the daily digest.
	Digest *TimeOfDay
}

// TimeOfDay is a wall-clock time, for the daily digest.
type TimeOfDay struct{ Hour, Minute int }

// ParseTimeOfDay reads HH:MM.
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return TimeOfDay{}, fmt.Errorf("time of day %q: want HH:MM, e.g. 08:00", s)
	}
	return TimeOfDay{Hour: t.Hour(), Minute: t.Minute()}, nil
}

// Notifier turns sweeps into notifications: it compares each sweep with the keys it remembers, queues what
// changed for every target, delivers with retries and persists its state after every change.
type Notifier struct {
	opts Options

	mu      sync.Mutex
	state   *State
	status  map[string]*TargetStatus
	saveErr error // of the last save; a restart would repeat what was sent since
}

// New loads the state and returns a notifier.
func New(o Options) (*Notifier, error) {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = cf.Sleep
	}
	if o.Attempts <= 0 {
		o.Attempts = 4
	}
	if o.Backoff <= 0 {
		o.Backoff = 10 * time.Second
	}
	st := newState()
	if o.StatePath != "" {
		var err error
		if st, err = LoadState(o.StatePath); err != nil {
			return nil, err
		}
		// Write it back at once: a state that cannot be saved would announce everything again after a restart,
		// so that is found out now rather than after the first change.
		if err := st.Save(o.StatePath); err != nil {
			return nil, err
		}
	}
	n := &Notifier{opts: o, state: st, status: map[string]*TargetStatus{}}
	for _, t := range o.Targets {
		if _, dup := n.status[t.ID()]; dup {
			return nil, fmt.Errorf("notification target %s given twice", t.ID())
		}
		n.status[t.ID()] = &TargetStatus{ID: t.ID(), Pending: len(st.Outbox[t.ID()])}
	}
	return n, nil
}

// Observe compares a foundation's successful sweep with what was seen before, queues the events for every
// target and saves the state. It returns the events. Call it only for sweeps that succeeded: a failed sweep says
// nothing about which keys exist.
func (n *Notifier) Observe(f Foundation, entries []report.Entry) ([]Event, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	prev, seen := n.state.Foundations[f.Name]
	events, next := diff(prev, !seen, f, entries, n.opts.Clock())
	n.state.Foundations[f.Name] = next
	n.queueLocked(events)
	return events, n.saveLocked()
}

// Digest queues the daily digest (every key in warning, critical or expired, not acknowledged) when its time of day has passed
// since the last one. It returns whether it did.
func (n *Notifier) Digest() (bool, error) {
	if n.opts.Digest == nil {
		return false, nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	now := n.opts.Clock()
	due := time.Date(now.Year(), now.Month(), now.Day(), n.opts.Digest.Hour, n.opts.Digest.Minute, 0, 0, now.Location())
	if now.Before(due) || !n.state.LastDigest.Before(due) {
		return false, nil
	}
	var events []Event
	for _, keys := range n.state.Foundations {
		for _, k := range keys {
			if announced(k) < 3 {
				events = append(events, Event{Kind: KindDigest, Key: k, At: now})
			}
		}
	}
	n.state.LastDigest = now
	sortEvents(events)
	n.queueLocked(events)
	return len(events) > 0, n.saveLocked()
}

func (n *Notifier) queueLocked(events []Event) {
	if len(events) == 0 {
		return
	}
	for _, t := range n.opts.Targets {
		dropped := n.state.enqueue(t.ID(), events)
		s := n.status[t.ID()]
		s.Dropped += dropped
		s.Pending = len(n.state.Outbox[t.ID()])
	}
}

func (n *Notifier) saveLocked() error {
	if n.opts.StatePath == "" {
		return nil
	}
	n.saveErr = n.state.Save(n.opts.StatePath)
	return n.saveErr
}

// StateError returns why the state could not be saved the last time, or nil.
func (n *Notifier) StateError() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.saveErr
}

// Flush delivers every target's outbox, each as one batch, trying up to Attempts times with a doubling wait. A
// delivered outbox is emptied and the state saved; one that still fails stays for the next Flush (also after a
// restart). It returns the delivery errors joined.
func (n *Notifier) Flush(ctx context.Context) error {
	var errs []error
	for _, t := range n.opts.Targets {
		if err := n.flushTarget(ctx, t); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (n *Notifier) flushTarget(ctx context.Context, t Target) error {
	n.mu.Lock()
	events := append([]Event(nil), n.state.Outbox[t.ID()]...)
	n.mu.Unlock()
	if len(events) == 0 {
		return nil
	}
	wait := n.opts.Backoff
	var err error
	for attempt := 1; attempt <= n.opts.Attempts; attempt++ {
		if attempt > 1 {
			if serr := n.opts.Sleep(ctx, wait); serr != nil {
				return serr
			}
			wait *= 2
		}
		if err = t.Send(ctx, Batch{Events: events, Now: n.opts.Clock()}); err == nil {
			break
		}
		n.mu.Lock()
		s := n.status[t.ID()]
		s.Failures++
		s.LastError = err.Error()
		if s.FailingSince.IsZero() {
			s.FailingSince = n.opts.Clock()
		}
		n.mu.Unlock()
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	// Events queued while this batch was in flight stay for the next Flush.
	n.state.Outbox[t.ID()] = append([]Event(nil), n.state.Outbox[t.ID()][min(len(events), len(n.state.Outbox[t.ID()])):]...)
	if len(n.state.Outbox[t.ID()]) == 0 {
		delete(n.state.Outbox, t.ID())
	}
	s := n.status[t.ID()]
	s.Sent++
	s.LastError, s.FailingSince = "", time.Time{}
	s.Pending = len(n.state.Outbox[t.ID()])
	return n.saveLocked()
}

// Status returns how deliveries went, one entry per target in the order given.
func (n *Notifier) Status() []TargetStatus {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]TargetStatus, 0, len(n.opts.Targets))
	for _, t := range n.opts.Targets {
		out = append(out, *n.status[t.ID()])
	}
	return out
}

// SendNow delivers a batch to every target once, without retries or state: cfkeys notify test.
func SendNow(ctx context.Context, targets []Target, b Batch) error {
	var errs []error
	for _, t := range targets {
		if err := t.Send(ctx, b); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
