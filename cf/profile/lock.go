package profile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// lockWait bounds how long Update waits for another cfkeys to finish its change of the profile file.
const lockWait = 10 * time.Second

// staleLock is the age after which a lock file is taken to be left behind by a process that died holding it;
// a change of the profile file takes milliseconds.
const staleLock = 30 * time.Second

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

// lock creates path exclusively, waiting while another process holds it, and returns the function that
// removes it.
func lock(path string) (func(), error) {
	deadline := time.Now().Add(lockWait)
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			fmt.Fprintf(f, "%d\n", os.Getpid())
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("locking the profile file: %w", err)
		}
		if st, serr := os.Stat(path); serr == nil && time.Since(st.ModTime()) > staleLock {
			os.Remove(path) // left by a process that died holding it
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the profile file is locked by another cfkeys (%s); if none is running, remove that file", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
