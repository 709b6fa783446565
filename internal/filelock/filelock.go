// Package filelock serialises read-modify-write changes of a file between cfkeys processes (cron jobs, several
// terminals) with a lock file created exclusively next to it, which works the same on every OS.
package filelock

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Wait bounds how long Acquire waits for another process to finish its change.
const Wait = 10 * time.Second

// Stale is the age after which a lock file is taken to be left behind by a process that died holding it; a
// change of a cfkeys file takes milliseconds.
const Stale = 30 * time.Second

// Acquire creates path exclusively, waiting while another process holds it, and returns the function that
// removes it. what names the locked file in errors ("the profile file").
//
// Goroutines of one process queue for the path among themselves first and wait on each other directly; only a
// lock held by another process is polled for.
func Acquire(path, what string) (func(), error) {
	deadline := time.Now().Add(Wait)
	turn := localTurn(path)
	select {
	case turn <- struct{}{}:
	case <-time.After(Wait):
		return nil, fmt.Errorf("%s is locked by this cfkeys for more than %v (%s)", what, Wait, path)
	}
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			fmt.Fprintf(f, "%d\n", os.Getpid())
			f.Close()
			return func() {
				os.Remove(path)
				<-turn
			}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			<-turn
			return nil, fmt.Errorf("locking %s: %w", what, err)
		}
		if st, serr := os.Stat(path); serr == nil && time.Since(st.ModTime()) > Stale {
			os.Remove(path) // left by a process that died holding it
			continue
		}
		if time.Now().After(deadline) {
			<-turn
			return nil, fmt.Errorf("%s is locked by another cfkeys (%s); if none is running, remove that file", what, path)
		}
		time.Sleep(20 * time.Millisecond) // polling another process's lock file: there is nothing to wait on
	}
}

// turns holds, for each lock path this process has used, a channel of capacity one: holding its slot is this
// process's turn at the path.
var turns sync.Map

// localTurn returns the turn channel of path (made absolute, so two spellings of one file share it).
func localTurn(path string) chan struct{} {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	ch, _ := turns.LoadOrStore(path, make(chan struct{}, 1))
	return ch.(chan struct{})
}
