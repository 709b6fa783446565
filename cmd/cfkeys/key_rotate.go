package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// keyRotateOptions are the inputs of cfkeys key rotate.
type keyRotateOptions struct {
	write           writeOptions
	GUIDs           []string
	Within          string
	Orgs, Spaces    []string
	Offering, Plan  string
	DeleteOld       bool
	NameTemplate    string
	Concurrency     int
	Resume          bool
	CertificateFile string
	Output          string
}

func newKeyRotateCmd(a *app) *cobra.Command {
	o := &keyRotateOptions{}
	cmd := &cobra.Command{
		Use:   "rotate [GUID...]",
		Short: "Renew keys: create each successor, verify it, then (with --delete-old) delete the old key",
		Long: `Rotate renews service keys: the keys named by GUID, or every key whose certificate expires within --within.

It plans first: for each key the successor's name (--name-template, default {{.Name}}-{{.Date}}), the
parameters it will be created with (read from the broker where the offering allows it, else derived from the
old key), and what happens to the old key. An external-certificate key needs its owner's new certificate
(--certificate-file); without it the key is skipped. --dry-run prints the plan and changes nothing; otherwise a
terminal asks for confirmation, and without a terminal --yes is needed.

Then, --concurrency keys at a time: create the successor (annotated cfkeys.dev/replaces: OLD_GUID), wait for
it, read and verify it (a certificate where the old key had one, expiring later, same instance), annotate the
old key cfkeys.dev/replaced-by: NEW_GUID, and only with --delete-old delete the old key. Every step is written
to a journal; a run that was interrupted continues with --resume (or by running it again): it finds its
successors by their annotation, never creates a second one, and never deletes an old key whose successor is
not verified. Ctrl-C lets the steps in flight finish.

Exit status: 0 every key rotated, 1 some skipped (e.g. needs a certificate), 3 some failed or not done.`,
		Example: `  cfkeys key rotate --within 30d --org acme-prod --dry-run
  cfkeys key rotate 5b1c0e6e-1d2a-4f4e-9f57-0c2f4f3c9a11 --delete-old
  cfkeys key rotate --within 14d --offering it-rt --yes --delete-old --concurrency 4
  cfkeys key rotate --resume --yes --delete-old`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.GUIDs = args
			selections := 0
			for _, on := range []bool{len(args) > 0, o.Within != "", o.Resume} {
				if on {
					selections++
				}
			}
			if selections != 1 {
				return usageError(cmd, "name the keys to rotate: GUIDs, --within DAYS, or --resume")
			}
			for _, g := range args {
				if !cf.IsGUID(g) {
					return usageError(cmd, "%q is not a key GUID (cfkeys find NAME shows it)", g)
				}
			}
			if o.Output != "table" && o.Output != "json" {
				return usageError(cmd, "--output must be table or json")
			}
			if o.Concurrency < 1 || o.Concurrency > 32 {
				return usageError(cmd, "--concurrency must be 1 to 32")
			}
			return runKeyRotate(cmd, a, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Within, "within", "", "rotate keys whose certificates expire within this time, expired ones included (e.g. 30d)")
	f.StringArrayVar(&o.Orgs, "org", nil, "only keys in this org (repeatable)")
	f.StringArrayVar(&o.Spaces, "space", nil, "only keys in this space (repeatable)")
	f.StringVar(&o.Offering, "offering", "", "only keys of instances of this offering (e.g. it-rt)")
	f.StringVar(&o.Plan, "plan", "", "only keys of instances of this plan")
	f.BoolVar(&o.DeleteOld, "delete-old", false, "delete each old key once its successor is verified")
	f.StringVar(&o.NameTemplate, "name-template", cf.DefaultNameTemplate, "the successor's name (.Name, .Date, .Instance)")
	f.IntVar(&o.Concurrency, "concurrency", 1, "keys rotated at once (parameters are still read one at a time)")
	f.BoolVar(&o.Resume, "resume", false, "continue the last unfinished rotation of this foundation")
	f.StringVar(&o.CertificateFile, "certificate-file", "", "the new certificate (PEM) of an external-certificate key")
	f.StringVarP(&o.Output, "output", "o", "table", "output format of the plan and the summary: table or json")
	o.write.addFlags(cmd)
	return cmd
}

func runKeyRotate(cmd *cobra.Command, a *app, o *keyRotateOptions) error {
	ctx := cmd.Context()
	ropts := cf.RotateOptions{NameTemplate: o.NameTemplate, DeleteOld: o.DeleteOld, Concurrency: o.Concurrency, WaitTimeout: o.write.WaitTimeout}
	if o.CertificateFile != "" {
		data, err := os.ReadFile(o.CertificateFile)
		if err != nil {
			return fmt.Errorf("--certificate-file: %w", err)
		}
		ropts.CertificatePEM = string(data)
	}
	within := -1
	if o.Within != "" {
		var err error
		if within, err = expiry.ParseDays(o.Within); err != nil {
			return usageError(cmd, "--within: %v", err)
		}
	}
	conn, err := a.connectForWrite(ctx, o.write)
	if err != nil {
		return err
	}
	defer a.done(conn)
	c := conn.client
	api := c.Endpoints().API
	dir, err := cf.JournalDir(a.getenv)
	if err != nil {
		return err
	}

	var journal *cf.Journal
	guids := o.GUIDs
	if o.Resume {
		if journal, err = cf.LatestUnfinished(dir, api); err != nil {
			return fmt.Errorf("%w for %s in %s", err, api, dir)
		}
		fmt.Fprintf(a.errOut, "cfkeys: resuming %s\n", journal.Path())
		for _, e := range journal.Doc().Items {
			if e.Step != cf.StepDone && e.Step != cf.StepSkipped {
				guids = append(guids, e.OldGUID)
			}
		}
	}
	keys, err := a.selectKeys(ctx, c, o, guids, within)
	if err != nil {
		return conn.wrap(err)
	}
	items, err := c.PlanRotation(ctx, keys, ropts)
	if err != nil {
		return conn.wrap(err)
	}
	todo := 0
	for _, it := range items {
		if it.Step == cf.StepPlanned {
			todo++
		}
	}
	if err := a.writePlan(o, items); err != nil {
		return err
	}
	if o.write.DryRun {
		fmt.Fprintf(a.errOut, "cfkeys: dry run: %d of %d keys would be rotated; nothing was changed\n", todo, len(items))
		return exitWith(rotationExit(items, true))
	}
	if todo == 0 {
		fmt.Fprintln(a.errOut, "cfkeys: nothing to rotate")
		code := rotationExit(items, false)
		if journal != nil && code != report.ExitFailed {
			if err := settleGoneKeys(journal, keys, a.now()); err != nil {
				return err
			}
			if err := journal.Finish(a.now()); err != nil {
				return err
			}
		}
		return exitWith(code)
	}
	question := fmt.Sprintf("Rotate %d keys", todo)
	if o.DeleteOld {
		question += " and delete the old ones once their successors are verified"
	}
	if err := a.confirm(o.write, question+"? Type yes to go on: ", "yes"); err != nil {
		return err
	}
	if journal == nil {
		if journal, err = cf.NewJournal(dir, api, "key rotate", a.now()); err != nil {
			return err
		}
	}
	if err := settleGoneKeys(journal, keys, a.now()); err != nil {
		return err
	}
	ropts.Journal = journal
	if a.stderrTTY {
		ropts.Progress = func(it cf.RotationItem) {
			if it.Step != cf.StepPlanned && it.Step != cf.StepSkipped {
				fmt.Fprintf(a.errOut, "cfkeys: %s: %s\n", safetext.Clean(it.Old.Name), it.Step)
			}
		}
	}
	stopNote := make(chan struct{})
	noteDone := make(chan struct{})
	go func() { // tells an interrupted user why cfkeys does not stop at once
		defer close(noteDone)
		select {
		case <-ctx.Done():
			fmt.Fprintln(a.errOut, "cfkeys: interrupted: finishing the steps in flight (each at most --wait-timeout), starting no new one")
		case <-stopNote:
		}
	}()
	jerr := c.ApplyRotation(ctx, items, ropts)
	close(stopNote)
	<-noteDone
	if locked := (*cf.RotationLockedError)(nil); errors.As(jerr, &locked) {
		return locked // another run is rotating this foundation: this one changed nothing
	}
	if jerr != nil {
		fmt.Fprintf(a.errOut, "cfkeys: warning: %v (the foundation's annotations still let a new run continue)\n", jerr)
	}
	code := rotationExit(items, false)
	if code != report.ExitFailed {
		_ = journal.Finish(a.now())
	}
	if err := a.writeSummary(o, items, journal.Path()); err != nil {
		return err
	}
	return exitWith(code)
}

// settleGoneKeys records in a resumed journal what became of the keys it lists that are gone from the foundation:
// an old key whose successor was verified before it vanished was deleted by the interrupted run (done); any other
// is skipped. Without this a journal whose last key was deleted just before the interruption would stay
// unfinished, offered to every --resume.
func settleGoneKeys(journal *cf.Journal, keys []cf.KeyReport, now time.Time) error {
	present := map[string]bool{}
	for _, k := range keys {
		present[k.GUID] = true
	}
	for _, e := range journal.Doc().Items {
		if present[e.OldGUID] || e.Step == cf.StepDone || e.Step == cf.StepSkipped {
			continue
		}
		switch e.Step {
		case cf.StepAnnotated, cf.StepDeleting:
			e.Step, e.Error = cf.StepDone, ""
		default:
			e.Step, e.Error = cf.StepSkipped, "the old key is gone"
		}
		if err := journal.Record(e, now); err != nil {
			return err
		}
	}
	return nil
}

// selectKeys reads the keys named by GUID, or sweeps for the keys expiring within the given days.
func (a *app) selectKeys(ctx context.Context, c *cf.Client, o *keyRotateOptions, guids []string, within int) ([]cf.KeyReport, error) {
	var keys []cf.KeyReport
	if within < 0 {
		seen := map[string]bool{}
		for _, g := range guids {
			g = strings.ToLower(g)
			if seen[g] {
				continue
			}
			seen[g] = true
			k, err := c.FindByGUID(ctx, g)
			if cf.IsNotFound(err) && o.Resume {
				fmt.Fprintf(a.errOut, "cfkeys: key %s is gone (deleted by the interrupted run or someone else)\n", g)
				continue
			}
			if err != nil {
				return nil, err
			}
			if k.Type != "key" {
				return nil, fmt.Errorf("%s is an app binding, not a service key", g)
			}
			keys = append(keys, k)
		}
		return keys, nil
	}
	res, err := c.Sweep(ctx, cf.SweepOptions{Orgs: o.Orgs, Spaces: o.Spaces})
	if err != nil {
		return nil, err
	}
	for _, k := range res.Keys {
		if (o.Offering != "" && k.Instance.OfferingName != o.Offering) || (o.Plan != "" && k.Instance.PlanName != o.Plan) {
			continue
		}
		if _, days, ok := expiry.Classify(k.Finding, a.now(), expiry.DefaultThresholds); ok && days <= within {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

func (a *app) writePlan(o *keyRotateOptions, items []cf.RotationItem) error {
	rows := make([]cf.PlanRow, len(items))
	for i, it := range items {
		rows[i] = it.Row(o.DeleteOld)
	}
	if o.Output == "json" {
		return writeJSONDoc(a, map[string]any{"plan": rows})
	}
	table := [][]string{cf.PlanHeader}
	for _, r := range rows {
		table = append(table, r.PlanCells())
	}
	writeRows(a, table)
	return nil
}

func (a *app) writeSummary(o *keyRotateOptions, items []cf.RotationItem, journal string) error {
	rows := make([]cf.PlanRow, len(items))
	for i, it := range items {
		rows[i] = it.Row(o.DeleteOld)
		if it.Step == cf.StepPlanned && it.Err == nil {
			rows[i].Note = "not started (interrupted)"
		}
	}
	if o.Output == "json" {
		return writeJSONDoc(a, map[string]any{"summary": rows, "journal": journal})
	}
	fmt.Fprintln(a.out)
	table := [][]string{{"OLD KEY", "OLD GUID", "OLD EXPIRY", "NEW KEY", "NEW GUID", "NEW EXPIRY", "RESULT"}}
	kept := 0
	for i, r := range rows {
		result := string(r.Step)
		if r.Note != "" {
			result += ": " + r.Note
		}
		if items[i].Step == cf.StepDone && !o.DeleteOld {
			kept++
		}
		table = append(table, []string{r.OldName, r.OldGUID, cf.DayOf(r.OldExpiry), r.NewName, r.NewGUID, cf.DayOf(r.NewExpiry), result})
	}
	writeRows(a, table)
	if kept > 0 {
		fmt.Fprintf(a.out, "\nThe %d old keys stay for their consumers; once these use the new credentials, delete each with: cfkeys key delete OLD_GUID\n", kept)
	}
	fmt.Fprintf(a.out, "Journal: %s\n", journal)
	return nil
}

// writeJSONDoc writes v as indented JSON, terminal-safe as scan's JSON is: bidi, C1 and DEL escaped.
func writeJSONDoc(a *app, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := a.out.Write(report.EscapeTerminalUnsafe(buf.Bytes())) // names may hold bidi and C1 controls
	return err
}

// rotationExit is the exit status of a rotation: 0 every key rotated (or, for a plan, would be), 1 some skipped,
// 3 some failed or not done.
func rotationExit(items []cf.RotationItem, plan bool) int {
	code := 0
	for _, it := range items {
		switch {
		case it.Step == cf.StepSkipped:
			code = max(code, 1)
		case plan && it.Step == cf.StepPlanned:
		case it.Step != cf.StepDone:
			code = report.ExitFailed
		}
	}
	return code
}
