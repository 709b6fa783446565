package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/policy"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// ackOptions are the inputs of cfkeys ack.
type ackOptions struct {
	connect connectOptions
	Query   string
	Orgs    []string
	Spaces  []string
	Until   string
	Note    string
	Owner   string
	All     bool
	List    bool
	Remove  bool
	Policy  string
}

func newAckCmd(a *app, runF func(*cobra.Command, *ackOptions) error) *cobra.Command {
	o := &ackOptions{}
	cmd := &cobra.Command{
		Use:   "ack GUID|QUERY --until DATE --note TEXT",
		Short: "Acknowledge a key that is expiring on purpose, until a date, with a note and an owner",
		Long: `Ack records that someone knows about a key and why it may stay as it is (kept for a rollback, owned by a
decommissioned partner). An acknowledged key keeps its status and days, but is shown as acked and does not
raise scan's exit status. The acknowledgement lapses on its own when its end date has passed or when the
key's certificate changes (a new serial or expiry), and the key counts again.

The key is found as cfkeys find finds it: by binding GUID, or by name, subject, issuer or serial (one match,
or --all). Acknowledgements are kept in acks.json in the config directory (readable by you only), keyed by
foundation and binding GUID; a team can share some in its policy file (cfkeys policy --help).`,
		Example: `  cfkeys ack 5f0e9c1a-1111-4222-8333-944455556666 --until 2027-01-31 --note "partner decommissioned, CHG0042" --owner integration-team
  cfkeys ack grafana-monitoring --profile eu10 --until 30d --note "rollback key, delete after go-live"
  cfkeys ack --list
  cfkeys ack --remove 5f0e9c1a-1111-4222-8333-944455556666`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Query = args[0]
			}
			if err := o.validate(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd, o)
			}
			switch {
			case o.List:
				return runAckList(a, o)
			case o.Remove:
				return runAckRemove(a, o)
			}
			return runAck(cmd, a, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Until, "until", "", "the last day the acknowledgement holds: 2027-01-31, or a time from today such as 30d")
	f.StringVar(&o.Note, "note", "", "why the key may stay as it is (a change ticket, a partner)")
	f.StringVar(&o.Owner, "owner", "", "who answers for the key")
	f.BoolVar(&o.All, "all", false, "acknowledge every key the query matches (without it, a query must match one key)")
	f.BoolVar(&o.List, "list", false, "list the acknowledgements")
	f.BoolVar(&o.Remove, "remove", false, "remove the acknowledgement of the key with this binding GUID")
	f.StringVar(&o.Policy, "policy", "", "with --list: the policy file whose shared acknowledgements to list too")
	f.StringVar(&o.connect.API, "api", "", "API URL of the foundation (credentials from CF_* environment variables)")
	f.StringVar(&o.connect.Profile, "profile", "", "a foundation you logged in to with cfkeys login (default: the current one)")
	f.BoolVar(&o.connect.SkipSSLValidation, "skip-ssl-validation", false, "do not check the API's TLS certificate (insecure)")
	f.IntVar(&o.connect.Concurrency, "concurrency", cf.DefaultConcurrency, "parallel requests for key credentials")
	f.StringArrayVar(&o.Orgs, "org", nil, "search only this org (repeatable)")
	f.StringArrayVar(&o.Spaces, "space", nil, "search only this space (repeatable)")
	return cmd
}

// validate checks that the flags make one request: acknowledge, list or remove.
func (o *ackOptions) validate(cmd *cobra.Command) error {
	switch {
	case o.List && o.Remove:
		return usageError(cmd, "--list and --remove exclude each other")
	case o.List && o.Query != "":
		return usageError(cmd, "--list takes no GUID or query")
	case o.Remove && !cf.IsGUID(o.Query):
		return usageError(cmd, "--remove needs the binding GUID of the key (cfkeys ack --list shows them)")
	case o.List || o.Remove:
		return nil
	case strings.TrimSpace(o.Query) == "":
		return usageError(cmd, "name the key to acknowledge: a binding GUID or a query as cfkeys find takes")
	case strings.TrimSpace(o.Until) == "":
		return usageError(cmd, "--until is required: an acknowledgement without an end date is never reviewed")
	case strings.TrimSpace(o.Note) == "":
		return usageError(cmd, "--note is required: say why the key may stay as it is")
	}
	return validConcurrency(o.connect.Concurrency)
}

// runAck finds the key (or keys) and stores an acknowledgement for the certificate each holds now.
func runAck(cmd *cobra.Command, a *app, o *ackOptions) error {
	until, err := policy.ParseUntil(o.Until, a.now())
	if err != nil {
		return usageError(cmd, "--until: %v", err)
	}
	path, err := a.acksPath()
	if err != nil {
		return err
	}
	if _, err := policy.LoadAcks(path); err != nil { // before any request: a broken store is reported before the work
		return err
	}
	conn, err := a.connect(cmd.Context(), o.connect)
	if err != nil {
		return err
	}
	defer a.done(conn)
	res, err := conn.client.Find(cmd.Context(), o.Query, cf.SweepOptions{Orgs: o.Orgs, Spaces: o.Spaces, Concurrency: o.connect.Concurrency})
	found := res.Keys // as cfkeys find finds them
	switch {
	case cf.IsNotFound(err) || err == nil && len(found) == 0:
		fmt.Fprintf(a.errOut, "cfkeys: no key matches %q\n", safetext.Clean(o.Query))
		return exitWith(1)
	case err != nil:
		return conn.wrap(err)
	case len(found) > 1 && !o.All:
		var names []string
		for _, k := range found {
			names = append(names, k.Name+" ("+k.GUID+")")
		}
		return usageError(cmd, "%q matches %d keys: %s; name one by its GUID, or acknowledge them all with --all",
			o.Query, len(found), strings.Join(names, ", "))
	}
	api := conn.client.Endpoints().API
	var lines []string
	var made []policy.Ack
	for _, k := range found {
		ack := policy.NewAck(report.PolicyKey(conn.name, api, k), until, o.Note, o.Owner, a.now())
		made = append(made, ack)
		line := fmt.Sprintf("acknowledged %s (%s) on %s until %s", k.Name, k.GUID, api, ack.UntilText())
		if ack.Serial != "" {
			line += "; it lapses when the certificate " + ack.Serial + " is replaced"
		}
		lines = append(lines, line)
	}
	err = policy.UpdateAcks(path, func(acks []policy.Ack) ([]policy.Ack, error) {
		for _, ack := range made {
			acks = policy.PutAck(acks, ack)
		}
		return acks, nil
	})
	if err != nil {
		return err
	}
	for _, l := range lines {
		fmt.Fprintln(a.out, safetext.Clean(l))
	}
	return nil
}

// runAckList prints the stored acknowledgements and those of the policy file, with whether their end date has
// passed (whether a certificate changed needs the foundation: scan shows it).
func runAckList(a *app, o *ackOptions) error {
	path, err := a.acksPath()
	if err != nil {
		return err
	}
	acks, err := policy.LoadAcks(path)
	if err != nil {
		return err
	}
	ppath, explicit, err := a.policyPath(o.Policy)
	if err != nil {
		return err
	}
	p, err := policy.Load(ppath, explicit)
	if err != nil {
		return err
	}
	acks = append(acks, p.Acks...)
	if len(acks) == 0 {
		fmt.Fprintln(a.out, "No acknowledgements. Acknowledge a key with: cfkeys ack GUID --until DATE --note TEXT")
		return nil
	}
	rows := [][]string{{"STATE", "UNTIL", "FOUNDATION", "KEY", "GUID", "OWNER", "NOTE"}}
	for _, ak := range acks {
		state := "active"
		if !a.now().Before(ak.Ends()) {
			state = policy.AckEnded.String()
		}
		key := ak.Key
		if key == "" {
			key = "-"
		}
		rows = append(rows, []string{state, ak.UntilText(), ak.Foundation, key, ak.GUID, ak.Owner, ak.Note})
	}
	writeRows(a, rows)
	fmt.Fprintf(a.out, "\n%s\n", safetext.Clean(fmt.Sprintf("stored in %s; shared ones in %s", path, p.Source)))
	return nil
}

// runAckRemove drops the stored acknowledgement of a binding GUID (of one foundation with --api).
func runAckRemove(a *app, o *ackOptions) error {
	path, err := a.acksPath()
	if err != nil {
		return err
	}
	removed := 0
	err = policy.UpdateAcks(path, func(acks []policy.Ack) ([]policy.Ack, error) {
		left := policy.RemoveAcks(acks, o.connect.API, o.Query)
		if removed = len(acks) - len(left); removed == 0 {
			return nil, errNoAck
		}
		return left, nil
	})
	if errors.Is(err, errNoAck) {
		fmt.Fprintf(a.errOut, "cfkeys: no stored acknowledgement for %s (one in a policy file is removed by editing the file)\n", safetext.Clean(o.Query))
		return exitWith(1)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "removed %d acknowledgement(s) of %s\n", removed, strings.ToLower(o.Query))
	return nil
}

// errNoAck stops a removal that found nothing to remove, before anything is written.
var errNoAck = errors.New("no such acknowledgement")
