package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf/policy"
	"github.com/cfkeys/cfkeys/ui"
)

// The UI resolves its policy exactly as scan does (--policy, $CFKEYS_POLICY, policy.yaml in the config
// directory, built-in; --warn/--critical over it) and writes acknowledgements to the store cfkeys ack uses.
func TestUIOptionsResolveThePolicy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	team := filepath.Join(t.TempDir(), "team.yaml")
	if err := os.WriteFile(team, []byte(policy.DefaultFile), 0o644); err != nil {
		t.Fatal(err)
	}
	stored := []policy.Ack{{Foundation: "https://api.example.org", GUID: "5f0e9c1a-1111-4222-8333-944455556666", Until: testNow.AddDate(0, 1, 0), Note: "rollback"}}
	if err := policy.SaveAcks(filepath.Join(dir, policy.AcksFile), stored); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		env       map[string]string
		args      []string
		label     string
		source    string
		overriden bool
		wantErr   string
	}{
		{name: "built-in", label: policy.BuiltIn, source: policy.BuiltIn},
		{name: "CFKEYS_POLICY", env: map[string]string{"CFKEYS_POLICY": team}, label: team, source: team},
		{name: "--policy", args: []string{"--policy", team}, label: team, source: team},
		{name: "--warn over the built-in", args: []string{"--warn", "45d"}, label: "built-in with --warn 45d", source: policy.BuiltIn, overriden: true},
		{name: "both in days", args: []string{"--warn", "45d", "--critical", "14d"}, label: "--warn 45d --critical 14d for every key", source: policy.BuiltIn, overriden: true},
		{name: "missing file", args: []string{"--policy", filepath.Join(dir, "nope.yaml")}, wantErr: "reading policy"},
		{name: "bad threshold", args: []string{"--warn", "soon"}, wantErr: "--warn"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"CFKEYS_CONFIG_DIR": dir}
			for k, v := range tc.env {
				env[k] = v
			}
			var out, errOut bytes.Buffer
			a := testApp(strings.NewReader(""), &out, &errOut, func(k string) string { return env[k] })
			var opts ui.Options
			var err error
			cmd := newDemoCmd(a, func(cmd *cobra.Command, o *demoOptions) error {
				opts, err = o.ui.options(cmd, a, nil)
				return nil
			})
			cmd.SetArgs(tc.args)
			cmd.SetOut(&out)
			cmd.SetErr(&errOut)
			if perr := cmd.Execute(); perr != nil {
				t.Fatal(perr)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if opts.Policy == nil || opts.Policy.Source != tc.source || opts.PolicyLabel != tc.label || opts.Policy.Overridden != tc.overriden {
				t.Errorf("policy %+v, label %q", opts.Policy, opts.PolicyLabel)
			}
			if opts.AcksPath != filepath.Join(dir, policy.AcksFile) {
				t.Errorf("acks path %q", opts.AcksPath)
			}
			if n := len(opts.Policy.Acks); n != 1 || opts.Policy.Acks[0].Source != opts.AcksPath {
				t.Errorf("acknowledgements %+v", opts.Policy.Acks)
			}
		})
	}
}
