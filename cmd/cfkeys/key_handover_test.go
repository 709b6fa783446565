package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// TestCredentialsFileRefusedBeforeTheKeyExists: a --credentials-file that could not be written once the key exists
// (its directory missing, not a directory, or not writable; the path a directory) is refused before any request,
// by key create and by instance create --key: a key whose credentials nobody receives must not be created.
func TestCredentialsFileRefusedBeforeTheKeyExists(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	aFile := filepath.Join(base, "a-file")
	if err := os.WriteFile(aFile, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(base, "read-only")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want    string
		force, needsNonRoot bool
		needsSys            bool
	}{
		{name: "missing directory", path: filepath.Join(base, "no-such-dir", "creds.json"), want: "no-such-dir does not exist"},
		{name: "parent is a file", path: filepath.Join(aFile, "creds.json"), want: "a-file is not a directory"},
		{name: "path is a directory", path: base, force: true, want: "is not a regular file"},
		{name: "unwritable directory", path: filepath.Join(readOnly, "creds.json"), want: "cannot write in " + readOnly, needsNonRoot: true},
		{name: "read-only place", path: "/sys/cfkeys-creds.json", want: "cannot write in /sys", needsSys: true}, // even root
	}
	commands := map[string][]string{
		"key create":          {"key", "create", "--instance", "cpi-dev", "--name", "k", "--key-type", "certificate", "--validity", "90"},
		"instance create key": {"instance", "create", "--offering", "it-rt", "--plan", "api", "--name", "x", "--org", "acme-dev", "--space", "dev", "--key", "k"},
	}
	for _, tc := range tests {
		for cname, args := range commands {
			t.Run(tc.name+"/"+cname, func(t *testing.T) {
				t.Parallel()
				if tc.needsNonRoot && os.Geteuid() == 0 {
					t.Skip("root writes in any directory")
				}
				if _, err := os.Stat("/sys/kernel"); tc.needsSys && (runtime.GOOS != "linux" || err != nil) {
					t.Skip("needs Linux's sysfs")
				}
				b := newWriteBench(t, cffake.DemoData)
				args := append(append([]string(nil), args...), "--credentials-file", tc.path, "--api", b.f.url, "--allow-writes")
				if tc.force {
					args = append(args, "--force")
				}
				_, stderr, code := b.run(args...)
				if code == 0 || b.f.fake.Requests() != 0 {
					t.Fatalf("exit %d after %d requests: %s", code, b.f.fake.Requests(), stderr)
				}
				if !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "--credentials-file") {
					t.Errorf("stderr %q, want it to name --credentials-file and %q", stderr, tc.want)
				}
			})
		}
	}
	t.Cleanup(func() { // after the parallel subtests
		if entries, _ := os.ReadDir(base); len(entries) != 2 {
			t.Errorf("the probe left files behind: %v", entries)
		}
	})
}

// TestCredentialsFileCheckLeavesNothing: a writable place passes, and the probe that proved it leaves no file.
func TestCredentialsFileCheckLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := checkCredentialsFile(filepath.Join(dir, "creds.json"), false); err != nil {
		t.Fatalf("a writable place refused: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}
