package filelock

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"
)

// Options tune AcquireWith for a lock held longer than a file change (a rotation holds its lock for minutes).
type Options struct {
	// What names the locked thing in errors ("the rotations of https://api.example.com").
	What string
	// Holder is written into the lock file after the process id, so that a waiting process can say who holds it.
	Holder string
	// Wait bounds how long to wait for the holder (default Wait).
	Wait time.Duration
	// Stale is the age of a lock file after which it is taken to be left behind; 0 never judges by age.
	Stale time.Duration
	// Gone, when set, reports from a lock file's content that its holder has died (its process is no more).
	Gone func(content string) bool
	// Sleep is the pause between tries (default time.Sleep); the wait is counted in its pauses, so a test that
	// replaces it waits no real time.
	Sleep func(time.Duration)
}

// LockedError says the lock is held by another process; Holder is what that process wrote into the lock file.
type LockedError struct {
	What, Path, Holder string
}

func (e *LockedError) Error() string {
	holder := "another cfkeys"
	if e.Holder != "" {
		holder = "another cfkeys (" + e.Holder + ")"
	}
	return fmt.Sprintf("%s: locked by %s through %s; if it is not running, remove that file", e.What, holder, e.Path)
}

// AcquireWith is Acquire with the waits, the staleness rule and the holder's note chosen by the caller.
func AcquireWith(path string, o Options) (func(), error) {
	if o.Wait == 0 {
		o.Wait = Wait
	}
	if o.Sleep == nil {
		o.Sleep = time.Sleep
	}
	const pause = 100 * time.Millisecond
	for waited := time.Duration(0); ; waited += pause {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			mine := fmt.Sprintf("%d %s\n", os.Getpid(), o.Holder)
			fmt.Fprint(f, mine)
			f.Close()
			return func() { // only our own lock: another process may have taken it over as left behind
				if data, err := os.ReadFile(path); err == nil && string(data) == mine {
					os.Remove(path)
				}
			}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("locking %s: %w", o.What, err)
		}
		data, rerr := os.ReadFile(path)
		content := strings.TrimSpace(string(data))
		if rerr == nil && o.Gone != nil && o.Gone(content) {
			os.Remove(path) // its holder died
			continue
		}
		if st, serr := os.Stat(path); serr == nil && o.Stale > 0 && time.Since(st.ModTime()) > o.Stale {
			os.Remove(path) // left by a process that died holding it
			continue
		}
		if waited >= o.Wait {
			return nil, &LockedError{What: o.What, Path: path, Holder: content}
		}
		o.Sleep(pause) // polling another process's lock file: there is nothing to wait on
	}
}
