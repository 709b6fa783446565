package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/policy"
	"github.com/cfkeys/cfkeys/cf/profile"
	"github.com/cfkeys/cfkeys/cf/safetext"
	"github.com/cfkeys/cfkeys/internal/atomicfile"
)

// judging is the policy a command judges keys by, with what its report says about it.
type judging struct {
	policy *policy.Policy
	// thresholds are the report's headline thresholds: the command line's, or the fallback rule's.
	thresholds expiry.Thresholds
	// label names the policy in reports; empty when one pair of day thresholds applies to every key.
	label string
}

// policyPath says which policy file applies: --policy, else $CFKEYS_POLICY (both explicit: the file must
// exist), else policy.yaml in the config directory (optional).
func (a *app) policyPath(flag string) (path string, explicit bool, err error) {
	switch {
	case flag != "":
		return flag, true, nil
	case a.getenv("CFKEYS_POLICY") != "":
		return a.getenv("CFKEYS_POLICY"), true, nil
	}
	dir, err := profile.Dir(a.getenv)
	if err != nil {
		return "", false, err
	}
	return filepath.Join(dir, policy.FileName), false, nil
}

// acksPath is the acknowledgement store: acks.json in the config directory.
func (a *app) acksPath() (string, error) {
	dir, err := profile.Dir(a.getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, policy.AcksFile), nil
}

// judging loads the policy file and the acknowledgements, and applies --warn and --critical over the file's
// thresholds for this run.
func (a *app) judging(cmd *cobra.Command, file string, th thresholdFlags) (judging, error) {
	warn, crit, err := th.overrides(cmd)
	if err != nil {
		return judging{}, usageError(cmd, "%v", err)
	}
	path, explicit, err := a.policyPath(file)
	if err != nil {
		return judging{}, err
	}
	p, err := policy.Load(path, explicit)
	if err != nil {
		return judging{}, err
	}
	if p, err = p.Override(warn, crit); err != nil {
		return judging{}, usageError(cmd, "--warn/--critical: %v", err)
	}
	acksPath, err := a.acksPath()
	if err != nil {
		return judging{}, err
	}
	stored, err := policy.LoadAcks(acksPath)
	if err != nil {
		return judging{}, err
	}
	p.Acks = append(p.Acks, stored...)
	j := judging{policy: p, thresholds: expiry.DefaultThresholds, label: p.Source}
	if warn != nil && !warn.IsShare() {
		j.thresholds.Warning = warn.Days
	}
	if crit != nil && !crit.IsShare() {
		j.thresholds.Critical = crit.Days
	}
	switch {
	case warn != nil && crit != nil && !warn.IsShare() && !crit.IsShare():
		j.label = "" // one pair of thresholds for every key, as the summary has always said
	case warn != nil && crit != nil:
		j.label = "--warn " + warn.String() + " --critical " + crit.String()
	case warn != nil:
		j.label += " with --warn " + warn.String()
	case crit != nil:
		j.label += " with --critical " + crit.String()
	}
	return j, nil
}

// overrides parses --warn and --critical when given: days ("30d") or a share of the lifetime ("20%").
func (t thresholdFlags) overrides(cmd *cobra.Command) (warn, crit *policy.Threshold, err error) {
	parse := func(name, v string) (*policy.Threshold, error) {
		if !cmd.Flags().Changed(name) {
			return nil, nil
		}
		th, err := policy.ParseThreshold(v)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", name, err)
		}
		return &th, nil
	}
	if warn, err = parse("warn", t.warn); err != nil {
		return nil, nil, err
	}
	crit, err = parse("critical", t.critical)
	return warn, crit, err
}

// addPolicyFlags adds --policy, --warn and --critical to a command that judges keys.
func addPolicyFlags(cmd *cobra.Command, file *string, th *thresholdFlags) {
	f := cmd.Flags()
	f.StringVar(file, "policy", "", "policy file (default: $CFKEYS_POLICY, else policy.yaml in the config directory)")
	f.StringVar(&th.warn, "warn", "", "warning threshold for every key, overriding the policy for this run (e.g. 30d, 2w, 20%)")
	f.StringVar(&th.critical, "critical", "", "critical threshold for every key, overriding the policy for this run")
}

func newPolicyCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Write or check the policy that sets each key's thresholds",
		Long: `The policy decides which thresholds apply to which keys: rules match by foundation, org, space, offering,
plan, instance or key name (globs; the first match wins) and set warning and critical as days left (30d) or as
a share of the certificate's lifetime left (20%). Without a policy file the built-in one applies, the same
that policy init writes.

The file is policy.yaml in the config directory, or the one --policy or $CFKEYS_POLICY names (a team can
keep one in git). It may also carry acknowledgements a team shares.`,
		Args: cobra.NoArgs,
	}
	var file string
	force := false
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Write the default policy file, to edit",
		Example: `  cfkeys policy init
  cfkeys policy init --policy ./cfkeys-policy.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runPolicyInit(a, file, force) },
	}
	initCmd.Flags().StringVar(&file, "policy", "", "where to write it (default: $CFKEYS_POLICY, else policy.yaml in the config directory)")
	initCmd.Flags().BoolVar(&force, "force", false, "replace an existing file")
	checkCmd := &cobra.Command{
		Use:   "check",
		Short: "Check the policy file and show its rules and acknowledgements",
		Long: `Check reads the policy file as scan would and lists its rules in order. A malformed file is refused with
the line and the reason (exit status 3).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runPolicyCheck(a, file) },
	}
	checkCmd.Flags().StringVar(&file, "policy", "", "the policy file (default: $CFKEYS_POLICY, else policy.yaml in the config directory)")
	cmd.AddCommand(initCmd, checkCmd)
	return cmd
}

// runPolicyInit writes the default policy, never over an existing file unless forced.
func runPolicyInit(a *app, file string, force bool) error {
	path, _, err := a.policyPath(file)
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil && !force {
		return fmt.Errorf("%s exists; edit it, or replace it with --force", path)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("checking %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating the directory of %s: %w", path, err)
	}
	err = atomicfile.Write(path, 0o644, func(w io.Writer) error {
		_, err := io.WriteString(w, policy.DefaultFile)
		return err
	})
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	fmt.Fprintf(a.out, "wrote %s\n", path)
	return nil
}

// runPolicyCheck loads the policy and prints its rules.
func runPolicyCheck(a *app, file string) error {
	path, explicit, err := a.policyPath(file)
	if err != nil {
		return err
	}
	p, err := policy.Load(path, explicit)
	if err != nil {
		return err
	}
	var lines []string
	if p.Source == policy.BuiltIn {
		lines = append(lines, fmt.Sprintf("no %s: the built-in policy applies (cfkeys policy init writes it out to edit)", path))
	} else {
		lines = append(lines, fmt.Sprintf("%s: %d rules, %d acknowledgements", path, len(p.Rules), len(p.Acks)))
	}
	for _, r := range p.Rules {
		lines = append(lines, fmt.Sprintf("  %-20s warning %-5s critical %-5s %s", r.Name, r.Warning, r.Critical, r.Match))
	}
	for _, ak := range p.Acks {
		lines = append(lines, fmt.Sprintf("  ack %s on %s until %s: %s", ak.GUID, ak.Foundation, ak.UntilText(), ak.Note))
	}
	lines = append(lines, notifyLines(p.Notify)...)
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(safetext.Clean(l) + "\n")
	}
	fmt.Fprint(a.out, b.String())
	return nil
}

// notifyLines describe the policy's notify section for policy check, without a webhook URL written in the file
// (it holds a token): those are named by their format only.
func notifyLines(n *policy.Notify) []string {
	if n == nil {
		return nil
	}
	var lines []string
	if s := n.SMTP; s != nil {
		line := "  notify by e-mail through " + s.Server + " to " + strings.Join(s.To, ", ")
		if s.User != "" {
			env := s.PasswordEnv
			if env == "" {
				env = defaultSMTPPasswordEnv
			}
			line += " as " + s.User + " (password from the keyring or $" + env + ")"
		}
		lines = append(lines, line)
	}
	for _, w := range n.Webhooks {
		format, target, _ := strings.Cut(w.Spec, "=")
		if !strings.HasPrefix(target, "env:") {
			target = "a URL written in the file"
		}
		lines = append(lines, "  notify by webhook "+format+" ("+target+")")
	}
	if n.Digest != "" {
		lines = append(lines, "  daily digest at "+n.Digest)
	}
	return lines
}
