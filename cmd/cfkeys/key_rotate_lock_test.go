package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/cffake"
)

// TestKeyRotateWhileAnotherRuns: while another cfkeys (here: a live process, this one) holds the foundation's
// rotation lock in the state directory, key rotate --yes waits its while, then fails naming the lock and the
// other run, sends no write and leaves no journal for --resume to pick up.
func TestKeyRotateWhileAnotherRuns(t *testing.T) {
	t.Parallel()
	b := newWriteBench(t, cffake.DemoData)
	dir := b.env["CFKEYS_STATE_DIR"]
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	lock := cf.RotationLockPath(dir, b.f.url)
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%d on %s: rotating since 2026-11-22T08:59:00Z, journal %s", os.Getpid(), strings.Join(strings.Fields(host), "_"), filepath.Join(dir, "rotate-cron.json"))
	if err := os.WriteFile(lock, []byte(holder+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := b.run("key", "rotate", b.key("crm-sync-sender").GUID, "--yes", "--api", b.f.url, "--allow-writes", "--delete-old")
	if code == 0 || b.writes() != 0 {
		t.Fatalf("exit %d, %d writes: %s", code, b.writes(), stderr)
	}
	for _, want := range []string{"another rotation of " + b.f.url + " is running", lock, fmt.Sprintf("process %d ", os.Getpid()), "rotate-cron.json", "nothing was changed"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if journals, _ := filepath.Glob(filepath.Join(dir, "rotate-*.json")); len(journals) != 0 {
		t.Errorf("the refused run left journals %v", journals)
	}
	if _, err := os.Stat(lock); err != nil {
		t.Errorf("the other run's lock was removed: %v", err)
	}
}
