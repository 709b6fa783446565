package profile

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/cfkeys/cfkeys/internal/filelock"
)

// Update changes the profile file under a lock: it re-reads the file, applies change and saves it, so that
// concurrent logins and logouts (cron jobs, several terminals) never lose each other's profiles. The lock is a
// file created exclusively next to the profile file, which works the same on every OS.
func Update(dir string, change func(*Config) error) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	unlock, err := lock(filepath.Join(dir, fileName+".lock"))
	if err != nil {
		return err
	}
	defer unlock()
	c, err := Load(dir)
	if err != nil {
		return err
	}
	if err := change(c); err != nil {
		return err
	}
	return c.Save(dir)
}

// lock takes the profile file's lock (see internal/filelock).
func lock(path string) (func(), error) { return filelock.Acquire(path, "the profile file") }
