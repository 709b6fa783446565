package cf

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// CacheDir returns the directory of the findings cache: $CFKEYS_CACHE_DIR, else cfkeys in the user cache
// directory (~/.cache/cfkeys on Linux, ~/Library/Caches/cfkeys on macOS, %LocalAppData%\cfkeys on Windows).
func CacheDir(getenv func(string) string) (string, error) {
	if d := getenv("CFKEYS_CACHE_DIR"); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory (set CFKEYS_CACHE_DIR): %w", err)
	}
	return filepath.Join(base, "cfkeys"), nil
}

// FindingsCache describes one file of the findings cache: whose view of which foundation it holds, and how much.
type FindingsCache struct {
	Path      string
	Origin    string // the API's scheme://host[:port]
	Principal string // "user:<id>" or "client:<id>"
	SavedAt   time.Time
	Size      int64
	// Keys counts the findings held, Certificates those with a certificate.
	Keys, Certificates int
	// OldestRead and NewestRead bound when the findings' credentials were read.
	OldestRead, NewestRead time.Time
	// Err says why the file cannot be used (the next scan of its foundation rewrites it); the fields above but
	// Path and Size are then empty.
	Err error
}

// FindingsCaches describes every findings file in dir, ordered by origin and principal. A directory that does
// not exist holds none.
func FindingsCaches(dir string) ([]FindingsCache, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*"+findingsExt))
	if err != nil {
		return nil, fmt.Errorf("listing the cache directory %s: %w", dir, err)
	}
	out := make([]FindingsCache, 0, len(files))
	for _, path := range files {
		fc := FindingsCache{Path: path}
		if fi, err := os.Stat(path); err == nil {
			fc.Size = fi.Size()
		}
		f, err := readFindingsFile(path, "", "")
		switch {
		case err != nil:
			fc.Err = err
		case f != nil:
			fc.Origin, fc.Principal, fc.SavedAt, fc.Keys = f.Origin, f.Principal, f.SavedAt, len(f.Keys)
			for _, k := range f.Keys {
				if k.Kind == storedCertificateKind {
					fc.Certificates++
				}
				if fc.OldestRead.IsZero() || k.ReadAt.Before(fc.OldestRead) {
					fc.OldestRead = k.ReadAt
				}
				if k.ReadAt.After(fc.NewestRead) {
					fc.NewestRead = k.ReadAt
				}
			}
		default:
			continue // removed since the listing
		}
		out = append(out, fc)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Origin != out[j].Origin {
			return out[i].Origin < out[j].Origin
		}
		return out[i].Principal < out[j].Principal
	})
	return out, nil
}

// APIOrigin returns the origin (scheme://host[:port], as clients and findings files name it) of an API URL.
func APIOrigin(api string) (string, bool) {
	u, err := url.Parse(api)
	if err != nil || u.Host == "" {
		return "", false
	}
	return originOf(u), true
}

// ClearFindingsCaches removes the findings files in dir: all of them when api is empty, else those of the
// foundation at api (every user's). It returns how many it removed. Files it cannot attribute to a foundation
// (corrupt ones) are removed only when clearing everything.
func ClearFindingsCaches(dir, api string) (int, error) {
	origin := ""
	if api != "" {
		var ok bool
		if origin, ok = APIOrigin(api); !ok {
			return 0, fmt.Errorf("API URL %q is not a URL", api)
		}
	}
	caches, err := FindingsCaches(dir)
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, fc := range caches {
		if origin != "" && fc.Origin != origin {
			continue
		}
		if err := os.Remove(fc.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("removing %s: %w", fc.Path, err)
		}
		removed++
	}
	return removed, nil
}
