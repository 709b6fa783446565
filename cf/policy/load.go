package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Load reads the policy file at path. A missing file is the built-in policy when the path is only the default
// one (explicit false), and an error when the user named it (--policy, CFKEYS_POLICY).
func Load(path string, explicit bool) (*Policy, error) {
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		return Default(), nil
	case err != nil:
		return nil, fmt.Errorf("reading policy: %w", err)
	}
	return Parse(path, b)
}
