package cf

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cfkeys/cfkeys/cf/safetext"
	"github.com/cfkeys/cfkeys/internal/filelock"
)

// RotationLockWait is how long a rotation waits for another rotation of the same foundation to finish before it
// gives up: long enough for a run that is just ending, short enough that cron does not pile up.
const RotationLockWait = 5 * time.Second

// RotationLockedError says another cfkeys is rotating keys of the same foundation (cron and a person, or two
// --resume runs); two runs at once could each create a successor of the same key, so this one changed nothing.
type RotationLockedError struct {
	API    string // the foundation's API origin
	Path   string // the lock file
	Holder string // who holds it: process, host, command, journal and start, as that run wrote them
}

func (e *RotationLockedError) Error() string {
	holder := "another cfkeys"
	if e.Holder != "" {
		holder += " (process " + e.Holder + ")"
	}
	return fmt.Sprintf("another rotation of %s is running: %s holds the lock %s; nothing was changed. "+
		"Run again when it has finished, or remove that file if it is not running", e.API, holder, e.Path)
}

// RotationLockPath returns the lock file of the rotations of the foundation at origin (scheme://host) in dir:
// one per API origin, named after its host (readable) and a hash of the whole origin (unique).
func RotationLockPath(dir, origin string) string {
	sum := sha256.Sum256([]byte(origin))
	host := origin
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	host = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, host)
	return filepath.Join(dir, "rotate-"+host+"-"+hex.EncodeToString(sum[:6])+".lock")
}

// lockRotation takes the exclusive lock of this client's foundation in dir for the apply phase of a rotation,
// waiting up to RotationLockWait (in the client's Sleep) for a run that holds it. A lock whose process is gone
// (a killed run, on this host) is taken over: its journal and the foundation's annotations let this run continue.
func (c *Client) lockRotation(ctx context.Context, dir string, journal *Journal) (func(), error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the state directory %s: %w", dir, err)
	}
	host, _ := os.Hostname()
	holder := fmt.Sprintf("on %s: rotating since %s", hostField(host), c.opts.Clock().UTC().Format(time.RFC3339))
	if journal != nil {
		holder += ", journal " + journal.Path()
	}
	path := RotationLockPath(dir, c.origin)
	unlock, err := filelock.AcquireWith(path, filelock.Options{
		What:   "the rotations of " + c.origin,
		Holder: holder,
		Wait:   RotationLockWait,
		Gone:   func(content string) bool { return holderGone(content, hostField(host)) },
		Sleep:  func(d time.Duration) { _ = c.opts.Sleep(ctx, d) },
	})
	var locked *filelock.LockedError
	if errors.As(err, &locked) {
		return nil, &RotationLockedError{API: c.origin, Path: path, Holder: safetext.Clean(locked.Holder)}
	}
	return unlock, err
}

// hostField is the host name as a lock file holds it: one field.
func hostField(host string) string {
	if host = strings.Join(strings.Fields(host), "_"); host == "" {
		return "unknown-host"
	}
	return host
}

// holderGone reads a rotation lock's content ("PID on HOST: ...") and reports whether its process, on this host,
// is no longer running. A lock held on another host (a shared state directory) is never judged gone.
func holderGone(content, host string) bool {
	f := strings.Fields(content)
	if len(f) < 3 || f[1] != "on" || strings.TrimSuffix(f[2], ":") != host {
		return false
	}
	pid, err := strconv.Atoi(f[0])
	return err == nil && pid > 0 && pid != os.Getpid() && processGone(pid)
}

// discardIfEmpty removes the file of a journal that recorded nothing (a run that could not start), so that
// --resume does not take it for an interrupted run.
func (j *Journal) discardIfEmpty() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.doc.Items) == 0 {
		_ = os.Remove(j.path)
	}
}
