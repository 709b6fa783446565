// Package gendocs writes what a release ships beside the cfkeys binary: a man page per command and the shell
// completions for bash, zsh and fish. Both are generated from the command tree, so they never drift from the
// flags. The binary itself does not link this package (it is built into `go run -tags gendocs ./cmd/cfkeys
// __gendocs DIR` only, which goreleaser runs before a release), so the man page renderer costs users nothing.
package gendocs

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// Completions are the file names of the completion scripts under DIR/completions, by shell, as the shells'
// packages expect them (bash-completion's completions/NAME, zsh's _NAME, fish's NAME.fish).
var Completions = map[string]string{"bash": "cfkeys.bash", "zsh": "_cfkeys", "fish": "cfkeys.fish"}

// Write writes the man pages of root and its visible subcommands to dir/man (gzipped, NAME.1.gz, as
// distributions install them) and the completion scripts to dir/completions. The pages carry date, so that the
// same commit always yields the same files.
func Write(root *cobra.Command, dir string, date time.Time) error {
	// The completion command appears in the man pages as it does in --help; cobra adds it only at Execute.
	root.InitDefaultCompletionCmd()
	if err := writeMan(root, filepath.Join(dir, "man"), date); err != nil {
		return err
	}
	return writeCompletions(root, filepath.Join(dir, "completions"))
}

func writeMan(root *cobra.Command, dir string, date time.Time) error {
	plain, err := os.MkdirTemp("", "cfkeys-man")
	if err != nil {
		return fmt.Errorf("writing man pages: %w", err)
	}
	defer os.RemoveAll(plain)
	header := &doc.GenManHeader{Title: strings.ToUpper(root.Name()), Section: "1", Date: &date, Source: root.Name(), Manual: root.Name() + " manual"}
	if err := doc.GenManTreeFromOpts(root, doc.GenManTreeOptions{Header: header, Path: plain, CommandSeparator: "-"}); err != nil {
		return fmt.Errorf("writing man pages: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing man pages: %w", err)
	}
	pages, err := os.ReadDir(plain)
	if err != nil {
		return fmt.Errorf("writing man pages: %w", err)
	}
	for _, p := range pages {
		page, err := os.ReadFile(filepath.Join(plain, p.Name()))
		if err != nil {
			return fmt.Errorf("reading man page %s: %w", p.Name(), err)
		}
		if err := writeFile(filepath.Join(dir, p.Name()+".gz"), gzipped(page)); err != nil {
			return err
		}
	}
	return nil
}

// gzipped compresses b without a name or time in the header, so the same page always gives the same bytes.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b) // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	return buf.Bytes()
}

func writeCompletions(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing completions: %w", err)
	}
	gen := map[string]func(io.Writer) error{
		"bash": func(w io.Writer) error { return root.GenBashCompletionV2(w, true) },
		"zsh":  root.GenZshCompletion,
		"fish": func(w io.Writer) error { return root.GenFishCompletion(w, true) },
	}
	for shell, name := range Completions {
		var buf bytes.Buffer
		if err := gen[shell](&buf); err != nil {
			return fmt.Errorf("writing the %s completion: %w", shell, err)
		}
		if err := writeFile(filepath.Join(dir, name), buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, b []byte) error {
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
