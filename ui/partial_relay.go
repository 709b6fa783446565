package ui

import "sync"

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
