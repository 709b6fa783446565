// Package testclock is the one clock of cfkeys' tests: the instant every in-process test starts at, and a clock
// a test moves by hand, shared by the fake foundation and the code under test. Tests that run a cfkeys process
// use the real clock instead (the process lives on it), never this one.
package testclock

import (
	"sync"
	"time"
)

// Start is the instant in-process tests start at: 2026-11-22 09:00 UTC. The fake foundation's certificates and
// tokens are made relative to its clock, so nothing a test expects depends on the day it runs.
var Start = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// Clock is a clock tests move by hand. It is safe for concurrent use: the fake foundation, the client and the
// test read it from several goroutines.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock standing at t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
