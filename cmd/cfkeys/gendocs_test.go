package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/internal/gendocs"
)

// The man pages and completions a release ships come from the command tree, the same on every run of a
// commit, and the released binary has no command to write them.
func TestReleaseDocs(t *testing.T) {
	t.Parallel()
	write := func() string {
		dir := t.TempDir()
		if err := gendocs.Write(newRootCmd(testApp(strings.NewReader(""), io.Discard, io.Discard, func(string) string { return "" })), dir, testNow); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	dir := write()
	man := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "man", name))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		page, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return string(page)
	}
	for _, want := range []string{`.TH "CFKEYS" "1" "Nov 2026" "cfkeys" "cfkeys manual"`, "cfkeys - See when the certificates", `\fBcfkeys-scan(1)\fP`, `\fBcfkeys-login(1)\fP`} {
		if !strings.Contains(man("cfkeys.1.gz"), want) {
			t.Errorf("cfkeys.1 lacks %q", want)
		}
	}
	for _, want := range []string{`\fB--output-file\fP=""`, "Exit status: 0 every key ok"} {
		if !strings.Contains(man("cfkeys-scan.1.gz"), want) {
			t.Errorf("cfkeys-scan.1 lacks %q", want)
		}
	}
	for _, page := range []string{"cfkeys-find.1.gz", "cfkeys-demo.1.gz", "cfkeys-completion-bash.1.gz"} {
		_ = man(page)
	}
	for shell, want := range map[string]string{"bash": "# bash completion V2 for cfkeys", "zsh": "#compdef cfkeys", "fish": "complete -c cfkeys"} {
		b, err := os.ReadFile(filepath.Join(dir, "completions", gendocs.Completions[shell]))
		if err != nil || !bytes.Contains(b, []byte(want)) {
			t.Errorf("%s completion: %v, lacks %q", shell, err, want)
		}
	}

	again := write()
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		a, _ := os.ReadFile(path)
		b, err := os.ReadFile(filepath.Join(again, rel))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs: %v", rel, err)
		}
		return nil
	})

	if _, stderr, code := run(t, nil, "__gendocs", t.TempDir()); code != 3 || !strings.Contains(stderr, "unknown command") {
		t.Errorf("__gendocs in a released build: exit %d %q", code, stderr)
	}
}
