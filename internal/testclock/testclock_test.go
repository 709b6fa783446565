package testclock

import (
	"sync"
	"testing"
	"time"
)

func TestClockMovesOnlyWhenAdvanced(t *testing.T) {
	t.Parallel()
	c := New(Start)
	if !c.Now().Equal(Start) {
		t.Fatalf("Now = %v, want %v", c.Now(), Start)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { c.Advance(time.Minute) })
	}
	wg.Wait()
	if got := c.Now().Sub(Start); got != 10*time.Minute {
		t.Errorf("after 10 advances of a minute the clock moved %v", got)
	}
}
