package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// The built binary, run twice as cron would: the second process reads no credentials and sends 4 requests, and
// the cache file it relies on is its owner's alone.
func TestE2EWarmScanInNewProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	f := newLiveFoundation(t, cffake.DemoData)
	cache := filepath.Join(t.TempDir(), "cache")
	env := []string{"CF_USERNAME=" + cffake.AdminUser, "CF_PASSWORD=" + f.fake.Password(cffake.AdminUser), "CFKEYS_CACHE_DIR=" + cache}
	var cold, warm string
	var code int
	if req, det := f.cost(t, func() { cold, _, code = cfkeysRun(t, env, "scan", "--api", f.url) }); code != 2 || det != 22 || req != 4+22 {
		t.Fatalf("cold scan: exit %d, %d requests, %d credential reads", code, req, det)
	}
	if req, det := f.cost(t, func() { warm, _, code = cfkeysRun(t, env, "scan", "--api", f.url) }); code != 2 || det != 0 || req != 4 {
		t.Errorf("warm scan in a new process: exit %d, %d requests, %d credential reads; want 4 and 0", code, req, det)
	}
	if !strings.Contains(warm, "23 keys: 2 expired, 6 critical, 2 warning, 2 unknown, 7 ok, 4 none") || warm != cold {
		t.Errorf("warm scan:\n%s\ncold scan:\n%s", warm, cold)
	}
	if fi, err := os.Stat(cache); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("cache directory: %v %v", fi, err)
	}
	files, _ := filepath.Glob(filepath.Join(cache, "*.findings.json"))
	for _, name := range files {
		if fi, err := os.Stat(name); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("cache file %s: %v %v", name, fi, err)
		}
	}
	if len(files) != 1 {
		t.Errorf("cache files: %v", files)
	}
}
