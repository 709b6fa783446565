package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// findOptions are the inputs of cfkeys find.
type findOptions struct {
	connect    connectOptions
	Query      string
	Orgs       []string
	Spaces     []string
	thresholds thresholdFlags
	Policy     string
	Output     string
	Timeout    time.Duration // the whole lookup; 0 for none
}

func newFindCmd(a *app, runF func(*cobra.Command, *findOptions) error) *cobra.Command {
	o := &findOptions{}
	cmd := &cobra.Command{
		Use:   "find QUERY",
		Short: "Find service keys by binding GUID, certificate subject or issuer DN, serial or name",
		Long: `Find locates service keys and says where they live and when their certificates expire.

A binding GUID is answered with direct requests (the key, its instance, its credentials). Anything else is
matched, ignoring case, against every key's name, certificate subject DN, issuer DN and serial (with or
without 0x and colons), which needs a scan of the foundation (narrow it with --org and --space); so is a
GUID that no binding has, since SAP's certificate CNs are UUIDs too: a CN copied from a log finds its key.

A DN is matched attribute by attribute, so it may be pasted as openssl, Cloud Integration or a log writes it:
in either order ("C = DE, O = SAP SE, CN = ..."), with spaces after the commas, long or short type names,
quoted or escaped values, or only some of its attributes.

Exit status: 0 something found, 1 nothing found, 3 the lookup failed.`,
		Example: `  cfkeys find 5f0e9c1a-1111-4222-8333-944455556666 --api https://api.example.org
  cfkeys find "OU=SAP Cloud Platform Clients" --api https://api.example.org --org acme-prod
  cfkeys find "C = DE, O = SAP SE, OU = SAP Cloud Platform Clients, CN = ec9bcd22-956f-4a8e-9c55-1b2a3c4d5e6f" --profile eu10
  cfkeys find 0x5A3C9E10F2 --api https://api.example.org --output json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Query = args[0]
			if strings.TrimSpace(o.Query) == "" {
				return usageError(cmd, "the query is empty")
			}
			if o.Output != "table" && o.Output != "json" {
				return usageError(cmd, "--output must be table or json, not %q", o.Output)
			}
			if runF != nil {
				return runF(cmd, o)
			}
			return runFind(cmd, a, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.connect.API, "api", "", "API URL of the foundation (credentials from CF_* environment variables)")
	f.StringVar(&o.connect.Profile, "profile", "", "a foundation you logged in to with cfkeys login (default: the current one)")
	f.BoolVar(&o.connect.SkipSSLValidation, "skip-ssl-validation", false, "do not check the API's TLS certificate (insecure)")
	f.IntVar(&o.connect.Concurrency, "concurrency", cf.DefaultConcurrency, "parallel requests for key credentials")
	o.connect.Cache.addFlags(f)
	f.StringArrayVar(&o.Orgs, "org", nil, "search only this org (repeatable)")
	f.StringArrayVar(&o.Spaces, "space", nil, "search only this space (repeatable)")
	addPolicyFlags(cmd, &o.Policy, &o.thresholds)
	f.StringVarP(&o.Output, "output", "o", "table", "output format: table|json")
	addTimeoutFlags(cmd, &o.connect, &o.Timeout)
	return cmd
}

func runFind(cmd *cobra.Command, a *app, o *findOptions) error {
	j, err := a.judging(cmd, o.Policy, o.thresholds)
	if err != nil {
		return err
	}
	if err := validConcurrency(o.connect.Concurrency); err != nil {
		return usageError(cmd, "%v", err)
	}
	if err := validTimeouts(o.connect.RequestTimeout, o.Timeout); err != nil {
		return usageError(cmd, "%v", err)
	}
	ctx, cancel := withTimeout(cmd.Context(), o.Timeout)
	defer cancel()
	conn, err := a.connect(ctx, o.connect)
	if err != nil {
		return explainTimeout(err, o.Timeout)
	}
	defer a.done(conn)
	client := conn.client
	sweep := cf.SweepOptions{Orgs: o.Orgs, Spaces: o.Spaces, Concurrency: o.connect.Concurrency}
	var bar *progressBar
	if a.stderrTTY {
		bar = newProgressBar(a.errOut, a.now) // drawn only if a sweep runs
		sweep.Progress = bar.Update
	}
	res, err := client.Find(ctx, o.Query, sweep)
	if bar != nil {
		bar.Done()
	}
	if err != nil {
		return explainTimeout(conn.wrap(err), o.Timeout)
	}
	found, sweepErrors := res.Keys, res.Errors
	api := client.Endpoints().API
	r := report.Report{GeneratedAt: a.now(), API: api, Thresholds: j.thresholds, Policy: j.label,
		Entries: report.Judge(j.policy, "", api, found, a.now()), Errors: report.ErrorsFrom("", sweepErrors)}
	report.Sort(r.Entries)
	if o.Output == "json" {
		if err := report.WriteJSON(a.out, r); err != nil {
			return err
		}
	} else {
		writeFound(a, r)
	}
	if len(found) == 0 {
		switch {
		case o.Output == "json":
		case cf.IsGUID(o.Query):
			fmt.Fprintf(a.errOut, "cfkeys: no service key or binding with GUID %s is visible to this user, nor a certificate whose subject or issuer names it\n",
				strings.ToLower(strings.TrimSpace(o.Query)))
		default:
			fmt.Fprintf(a.errOut, "cfkeys: no key matches %q\n", safetext.Clean(o.Query))
		}
		return exitWith(1)
	}
	return nil
}

// writeFound prints each found key as a block: where it lives and what its certificate says.
func writeFound(a *app, r report.Report) {
	var b strings.Builder
	for i, e := range r.Entries {
		if i > 0 {
			b.WriteString("\n")
		}
		row := func(label, value string) {
			fmt.Fprintf(&b, "  %-14s %s\n", label, safetext.Clean(value))
		}
		fmt.Fprintf(&b, "%s\n", safetext.Clean(e.Name))
		row("binding guid", e.GUID)
		row("org / space", e.Org+" / "+e.Space)
		row("instance", fmt.Sprintf("%s (%s, plan %s) %s", e.Instance, e.Offering, e.Plan, e.InstanceGUID))
		status := e.Status.String()
		if e.DaysRemaining != nil {
			status = statusPhrase(e.Status, *e.DaysRemaining)
		}
		row("status", status)
		if e.Ack != nil {
			row("acked", report.AckNote(e))
		}
		if e.Rule != "" {
			row("policy rule", report.RuleText(e))
		}
		if c := e.Certificate; c != nil {
			until := c.Effective().UTC().Format("2006-01-02 15:04:05 UTC")
			if c.ChainExpiresFirst {
				until += " (when its CA expires; the certificate itself until " + c.NotAfter.UTC().Format("2006-01-02") + ")"
			}
			row("valid until", until)
			row("subject", c.SubjectDN)
			row("issuer", c.IssuerDN)
			row("serial", c.Serial)
			row("source", string(c.Source)+" ("+c.Path+")")
			if c.ChainExpiresFirst {
				row("warning", "CA "+c.ChainSubjectDN+" expires first, on "+c.ChainNotAfter.UTC().Format("2006-01-02"))
			}
			if c.Disagreement != "" {
				row("note", c.Disagreement)
			}
		} else if e.Reason != "" {
			row("note", e.Reason)
		}
	}
	for _, e := range r.Errors {
		b.WriteString(safetext.Clean("error: "+e.GUID+": "+e.Message) + "\n")
	}
	fmt.Fprint(a.out, cf.Redact(b.String())) // notes and errors may quote a server's echo
}

// statusPhrase says a status and the days remaining in words: "critical, 5 days left", "expired 3 days ago".
func statusPhrase(s expiry.Status, days int) string {
	switch {
	case days < -1:
		return fmt.Sprintf("%s %d days ago", s, -days)
	case days == -1:
		return fmt.Sprintf("%s yesterday", s)
	case days == 0:
		return fmt.Sprintf("%s, expires within a day", s)
	case days == 1:
		return fmt.Sprintf("%s, 1 day left", s)
	}
	return fmt.Sprintf("%s, %d days left", s, days)
}
