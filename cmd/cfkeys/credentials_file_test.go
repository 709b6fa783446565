package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// TestCredentialsFileForcedIsPrivate: --force over an existing world-readable file leaves the new key's
// credentials readable by their owner only, as the message says, not with the old file's mode.
func TestCredentialsFileForcedIsPrivate(t *testing.T) {
	t.Parallel()
	b := newWriteBench(t, cffake.DemoData)
	credsFile := filepath.Join(t.TempDir(), "handover.json")
	if err := os.WriteFile(credsFile, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(credsFile, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	_, stderr, code := b.run("key", "create", "--instance", "cpi-dev", "--name", "k", "--key-type", "certificate", "--validity", "90",
		"--credentials-file", credsFile, "--force", "--api", b.f.url, "--allow-writes")
	if code != 0 || !strings.Contains(stderr, "(mode 0600)") {
		t.Fatalf("create: exit %d %q", code, stderr)
	}
	st, err := os.Stat(credsFile)
	data, _ := os.ReadFile(credsFile)
	if err != nil || !strings.Contains(string(data), "PRIVATE KEY") {
		t.Fatalf("credentials file: %v\n%.100s", err, data)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %v, want 0600", st.Mode().Perm())
	}
}
