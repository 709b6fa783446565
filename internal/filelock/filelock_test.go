package filelock

import (
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// TestAcquireInOneProcess: goroutines of one process take the lock in turn (never two at once) by waiting on each
// other, not on the lock file, and two spellings of one path are one lock.
func TestAcquireInOneProcess(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.lock")
	t.Chdir(dir)
	var holders, most atomic.Int32
	var wg sync.WaitGroup
	for i := range 16 {
		p := path
		if i%2 == 1 {
			p = "x.lock" // relative to the working directory: the same file
		}
		wg.Go(func() {
			unlock, err := Acquire(p, "the test file")
			if err != nil {
				t.Error(err)
				return
			}
			n := holders.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("holding the lock without its file: %v", err)
			}
			holders.Add(-1)
			unlock()
		})
	}
	wg.Wait()
	if m := most.Load(); m != 1 {
		t.Errorf("%d goroutines held the lock at once", m)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("lock file left behind: %v", err)
	}
}
