// Package atomicfile replaces files so that a reader sees the old content or the new, never half of either.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// maxLinks bounds how many symbolic links Write follows, as the kernel's ELOOP does.
const maxLinks = 40

// Write writes path through a temporary file in the same directory (named ".NAME.*.tmp", which collectors
// that read *.prom or *.json skip), synced, then renamed over path. On failure path is untouched and the
// temporary file removed.
//
// When path is a symbolic link (a textfile collector's directory often links to where a job writes), the file it
// points to is replaced, in its own directory, and the link stays a link; a dangling link gets its target
// created. A file that already exists keeps its permission bits; a new one gets perm. Anything but a regular
// file (a directory, a device) is refused.
func Write(path string, perm os.FileMode, write func(io.Writer) error) error {
	return replace(path, perm, true, write)
}

// WritePrivate is Write for a file that holds secrets (a key's credentials): the file gets mode 0600 whatever
// mode the file it replaces had, so replacing a world-readable file cannot leave the secrets world-readable.
func WritePrivate(path string, write func(io.Writer) error) error {
	return replace(path, 0o600, false, write)
}

// replace is Write; keepMode says whether an existing file's permission bits win over perm.
func replace(path string, perm os.FileMode, keepMode bool, write func(io.Writer) error) (err error) {
	target, err := resolve(path)
	if err != nil {
		return err
	}
	switch st, err := os.Stat(target); {
	case err == nil && !st.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file", target)
	case err == nil:
		if keepMode {
			perm = st.Mode().Perm()
		}
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), target)
}

// resolve follows path through symbolic links to the file they name, which need not exist yet. Links in the
// directories above it need no following: the rename goes through them as any open does.
func resolve(path string) (string, error) {
	for range maxLinks {
		st, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		path = link
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}
