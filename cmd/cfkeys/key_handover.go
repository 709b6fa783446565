package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// checkCredentialsFile refuses, before the key exists, a --credentials-file that could not be written afterwards:
// a file that exists (unless force) or is not a regular file, a directory that is missing or not a directory, or
// one this user cannot create files in (probed by creating and removing a file there, as the atomic write will).
// A key whose credentials cannot be handed over would leave its secret with nobody.
func checkCredentialsFile(path string, force bool) (rerr error) {
	target := path
	st, err := os.Lstat(path)
	switch {
	case err == nil && !force:
		return fmt.Errorf("--credentials-file %s exists; pass --force to replace it", path)
	case err == nil:
		if resolved, eerr := filepath.EvalSymlinks(path); eerr == nil {
			target = resolved
			st, err = os.Stat(target)
		}
		if err == nil && !st.Mode().IsRegular() {
			return fmt.Errorf("--credentials-file %s is not a regular file", path)
		}
	case !errors.Is(err, fs.ErrNotExist):
		lstatErr := err
		defer func() { // the directory's own trouble, found below, says more (a file where a directory should be)
			if rerr == nil {
				rerr = fmt.Errorf("--credentials-file %s: %w", path, lstatErr)
			}
		}()
	}
	dir := filepath.Dir(target)
	switch ds, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("--credentials-file %s: the directory %s does not exist; create it first", path, dir)
	case err != nil:
		return fmt.Errorf("--credentials-file %s: %w", path, err)
	case !ds.IsDir():
		return fmt.Errorf("--credentials-file %s: %s is not a directory", path, dir)
	}
	probe, err := os.CreateTemp(dir, ".cfkeys-credentials-probe-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the probe's own name would only confuse
		}
		return fmt.Errorf("--credentials-file %s: cannot write in %s: %w", path, dir, err)
	}
	probe.Close()
	if err := os.Remove(probe.Name()); err != nil {
		return fmt.Errorf("--credentials-file %s: cannot remove a file in %s: %w", path, dir, err)
	}
	return nil
}
