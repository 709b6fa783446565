package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "f.prom")
	if err := Write(path, 0o600, func(w io.Writer) error { _, err := io.WriteString(w, "one\n"); return err }); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode: %v %v", st, err)
	}
	// A failing writer leaves the old file and no temporary file.
	if err := Write(path, 0o644, func(w io.Writer) error { io.WriteString(w, "half"); return errors.New("boom") }); err == nil {
		t.Fatal("the writer's error was lost")
	}
	if b, _ := os.ReadFile(path); string(b) != "one\n" {
		t.Errorf("content after a failed write: %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	if err := Write(filepath.Join(dir, "missing", "x"), 0o644, func(io.Writer) error { return nil }); err == nil {
		t.Error("no error for a missing directory")
	}
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// TestWriteThroughSymlink: a link is kept and the file it names is replaced, whether the link is relative,
// absolute, a chain or dangling.
func TestWriteThroughSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	real := filepath.Join(dir, "data", "cfkeys.prom")
	if err := os.MkdirAll(filepath.Dir(real), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte("old\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	collector := filepath.Join(dir, "collector")
	if err := os.Mkdir(collector, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, link, to string }{
		{"relative", filepath.Join(collector, "rel.prom"), "../data/cfkeys.prom"},
		{"absolute", filepath.Join(collector, "abs.prom"), real},
		{"chain", filepath.Join(collector, "chain.prom"), "rel.prom"},
	}
	for i, tc := range tests {
		if err := os.Symlink(tc.to, tc.link); err != nil {
			t.Fatal(err)
		}
		content := fmt.Sprintf("new %d\n", i)
		if err := Write(tc.link, 0o644, writeString(content)); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if st, err := os.Lstat(tc.link); err != nil || st.Mode()&fs.ModeSymlink == 0 {
			t.Fatalf("%s: the link was replaced by a file (%v)", tc.name, err)
		}
		if b, _ := os.ReadFile(real); string(b) != content {
			t.Errorf("%s: target holds %q", tc.name, b)
		}
		if st, _ := os.Stat(real); st.Mode().Perm() != 0o640 {
			t.Errorf("%s: target mode %v, want 0640 kept", tc.name, st.Mode().Perm())
		}
	}
	for _, d := range []string{collector, filepath.Dir(real)} {
		for _, e := range mustReadDir(t, d) {
			if filepath.Ext(e.Name()) == ".tmp" {
				t.Errorf("left behind %s", e.Name())
			}
		}
	}

	dangling := filepath.Join(collector, "dangling.prom")
	if err := os.Symlink("../data/new.prom", dangling); err != nil {
		t.Fatal(err)
	}
	if err := Write(dangling, 0o644, writeString("fresh\n")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "data", "new.prom")); err != nil || string(b) != "fresh\n" {
		t.Errorf("dangling link target: %q %v", b, err)
	}
	if st, err := os.Lstat(dangling); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Error("the dangling link was replaced")
	}

	loop := filepath.Join(collector, "loop")
	if err := os.Symlink("loop", loop); err != nil {
		t.Fatal(err)
	}
	if err := Write(loop, 0o644, writeString("x")); err == nil {
		t.Error("a symlink loop was written")
	}
	if err := Write(collector, 0o644, writeString("x")); err == nil {
		t.Error("a directory was replaced")
	}
}

// TestWriteKeepsMode: replacing a file keeps its mode; a new file gets the one asked for, whatever the umask.
func TestWriteKeepsMode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.json")
	if err := Write(path, 0o644, writeString("1")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Fatalf("new file mode %v", st.Mode().Perm())
	}
	for _, mode := range []os.FileMode{0o600, 0o664, 0o444} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if err := Write(path, 0o644, writeString("2")); err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(path); st.Mode().Perm() != mode {
			t.Errorf("replaced file mode %v, want %v kept", st.Mode().Perm(), mode)
		}
	}
}

func mustReadDir(t *testing.T, dir string) []os.DirEntry {
	t.Helper()
	e, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestWritePrivate: a file of secrets is 0600 whether new or replacing a file of another mode.
func TestWritePrivate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "creds.json")
	for _, mode := range []os.FileMode{0, 0o644, 0o666} {
		if mode != 0 {
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
		}
		if err := WritePrivate(path, writeString("secret")); err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
			t.Errorf("over mode %v: got %v, want 0600", mode, st.Mode().Perm())
		}
	}
}
