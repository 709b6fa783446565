// Package jsonfile reads and writes the JSON files cfkeys keeps for itself (notification state,
// acknowledgements, profiles, rotation journals): a missing file is no error, and a file is replaced atomically,
// readable by its owner only.
package jsonfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cfkeys/cfkeys/internal/atomicfile"
)

// Load decodes the file at path into v and reports whether the file exists: a missing file leaves v as it was
// and is no error, so a caller that prepared v with its defaults has an empty store. Both an unreadable file and
// one that is not JSON of v's shape are errors that name the path.
func Load(path string, v any) (found bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return true, fmt.Errorf("%s: %w", path, err)
	}
	return true, nil
}

// Save replaces the file at path with v as indented JSON, atomically (atomicfile.Write: a reader sees the old
// file or the new one). A new file is readable by its owner only (0600: these files name orgs, keys and people);
// a missing directory is created (0700).
func Save(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(path, 0o600, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false) // a note "<partner>" stays readable
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}
