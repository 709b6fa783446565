package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// parseCommandLine checks a cfkeys command line from the docs against the real commands: the subcommand exists
// and every flag is one it has, with a value of the right type.
func parseCommandLine(t *testing.T, where string, args []string) {
	t.Helper()
	root := newRootCmd(defaultApp(strings.NewReader(""), io.Discard, io.Discard, func(string) string { return "" }))
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == root {
		t.Errorf("%s: no cfkeys command in %q", where, args)
		return
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Errorf("%s: %v", where, err)
	}
	if extra := cmd.Flags().Args(); len(extra) > 0 {
		t.Errorf("%s: stray arguments %q", where, extra)
	}
}

func TestKubernetesExamplesUseRealFlags(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../../docs/kubernetes/*.yaml")
	if len(files) < 2 {
		t.Fatalf("examples: %v", files)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		found := 0
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if doc["apiVersion"] == nil || doc["kind"] == nil {
				t.Errorf("%s: a document without apiVersion and kind", file)
			}
			for _, args := range containerArgs(doc) {
				found++
				parseCommandLine(t, file, args)
			}
		}
		if found == 0 {
			t.Errorf("%s: no cfkeys container", file)
		}
	}
}

// containerArgs finds the args of every container anywhere in a manifest.
func containerArgs(node any) [][]string {
	var out [][]string
	switch n := node.(type) {
	case map[string]any:
		if cs, ok := n["containers"].([]any); ok {
			for _, c := range cs {
				if args, ok := c.(map[string]any)["args"].([]any); ok {
					var s []string
					for _, a := range args {
						s = append(s, a.(string))
					}
					out = append(out, s)
				}
			}
		}
		for _, v := range n {
			out = append(out, containerArgs(v)...)
		}
	case []any:
		for _, v := range n {
			out = append(out, containerArgs(v)...)
		}
	}
	return out
}

func TestSystemdUnitUsesRealFlags(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../docs/cfkeys-watch.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := strings.ReplaceAll(string(data), "\\\n", " ")
	for _, line := range strings.Split(unit, "\n") {
		if cmdline, ok := strings.CutPrefix(line, "ExecStart="); ok {
			fields := strings.Fields(cmdline)
			if len(fields) < 2 || filepath.Base(fields[0]) != "cfkeys" {
				t.Fatalf("ExecStart: %q", cmdline)
			}
			parseCommandLine(t, "cfkeys-watch.service", fields[1:])
			return
		}
	}
	t.Error("no ExecStart")
}
