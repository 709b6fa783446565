package ui

import (
	"sync"

	"github.com/cfkeys/cfkeys/cf"
)

// partialRelay hands a load's partial snapshots to the UI's callback in a goroutine of its own, so the sweep,
// which offers them from its only goroutine, never waits while the UI indexes thousands of keys. Only the latest
// snapshot offered matters: one offered while the callback is busy with an earlier one replaces any still
// waiting.
type partialRelay struct {
	mu      sync.Mutex
	next    *Snapshot
	wake    chan struct{} // one pending wake-up at most
	done    chan struct{}
	stopped chan struct{}
}

// newPartialRelay starts the relay's goroutine; stop ends it.
func newPartialRelay(deliver func(*Snapshot)) *partialRelay {
	r := &partialRelay{wake: make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(r.stopped)
		for {
			select {
			case <-r.done:
				return
			case <-r.wake:
				r.mu.Lock()
				s := r.next
				r.next = nil
				r.mu.Unlock()
				if s != nil {
					deliver(s)
				}
			}
		}
	}()
	return r
}

// offer replaces the snapshot waiting to be delivered, without waiting.
func (r *partialRelay) offer(s *Snapshot) {
	r.mu.Lock()
	r.next = s
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// stop ends the relay once any delivery under way is over: nothing is delivered after it returns. A snapshot
// still waiting is dropped, since the whole one follows.
func (r *partialRelay) stop() {
	close(r.done)
	<-r.stopped
}

// partialView puts together what a load knows from its two sources, the org and space listings and the sweep's
// partial results, and relays it: each source's latest news goes out with the other's.
type partialView struct {
	mu     sync.Mutex
	snap   Snapshot // the latest of each source; slices are never changed once handed over
	relay  *partialRelay
	closed bool
}

func newPartialView(deliver func(*Snapshot)) *partialView {
	return &partialView{relay: newPartialRelay(deliver)}
}

// names takes the orgs and spaces.
func (v *partialView) names(orgs []cf.Organization, spaces []cf.Space) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.snap.Orgs, v.snap.Spaces = orgs, spaces
	v.offer()
}

// swept takes a partial result of the sweep (cf.SweepOptions.OnPartial).
func (v *partialView) swept(r cf.SweepResult) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.snap.Instances, v.snap.Keys, v.snap.Errors, v.snap.Cached = r.Instances, r.Keys, r.Errors, r.FromCache
	v.offer()
}

// offer relays a copy of what is known (mu held).
func (v *partialView) offer() {
	if !v.closed {
		s := v.snap
		v.relay.offer(&s)
	}
}

// stop ends the relay: nothing is delivered after it returns.
func (v *partialView) stop() {
	v.mu.Lock()
	v.closed = true
	v.mu.Unlock()
	v.relay.stop()
}
