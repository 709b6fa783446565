package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/cfkeys/cfkeys/cf"
)

// progressBar draws a sweep's progress on one line of a terminal's stderr, at most ten times a second, and
// erases it when done. It is only used when stderr is a terminal: piped output gets nothing extra.
type progressBar struct {
	w     io.Writer
	now   func() time.Time
	mu    sync.Mutex
	last  time.Time
	drawn bool
}

func newProgressBar(w io.Writer, now func() time.Time) *progressBar {
	return &progressBar{w: w, now: now}
}

// Update draws p; it is a cf.SweepOptions.Progress callback.
func (b *progressBar) Update(p cf.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.now()
	final := p.Total > 0 && p.Done == p.Total
	if b.drawn && !final && t.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last, b.drawn = t, true
	line := string(p.Stage) + "…"
	if p.Stage == cf.StageCredentials && p.Total > 0 {
		const width = 30
		filled := width * p.Done / p.Total
		line = fmt.Sprintf("[%s%s] %d/%d %s", strings.Repeat("█", filled), strings.Repeat("░", width-filled), p.Done, p.Total, p.Stage)
	}
	fmt.Fprintf(b.w, "\r\x1b[2K%s", line)
}

// Done erases the bar.
func (b *progressBar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprint(b.w, "\r\x1b[2K")
		b.drawn = false
	}
}
