package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/keystore"
	"github.com/cfkeys/cfkeys/cf/notify"
	"github.com/cfkeys/cfkeys/cf/policy"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// smtpPasswordKind is the keyring entry of an SMTP password; its profile part is smtpKeyringName.
const smtpPasswordKind keystore.Kind = "smtp-password"

// defaultSMTPPasswordEnv is where the SMTP password is read from when the keyring has none.
const defaultSMTPPasswordEnv = "CFKEYS_SMTP_PASSWORD"

// notifyFlags say where notifications go; watch and notify test share them.
type notifyFlags struct {
	smtpServer      string
	smtpSecurity    string
	smtpUser        string
	smtpPasswordEnv string
	from            string
	to              []string
	webhooks        []string

	tlsConfig *tls.Config // test hook: the TLS settings of the SMTP connection
}

func (n *notifyFlags) add(f *pflag.FlagSet) {
	f.StringVar(&n.smtpServer, "smtp-server", "", "SMTP server for e-mail notifications, host:port (e.g. smtp.example.org:587)")
	f.StringVar(&n.smtpSecurity, "smtp-security", "starttls", "how the SMTP connection is protected: starttls, tls or none (none refuses authentication except to localhost)")
	f.StringVar(&n.smtpUser, "smtp-user", "", "SMTP user name; the password comes from the keyring (cfkeys notify set-smtp-password) or the environment")
	f.StringVar(&n.smtpPasswordEnv, "smtp-password-env", defaultSMTPPasswordEnv, "environment variable holding the SMTP password, when the keyring has none")
	f.StringVar(&n.from, "from", "", "sender address of e-mail notifications (default cfkeys@ the SMTP server's domain)")
	f.StringArrayVar(&n.to, "to", nil, "recipient of e-mail notifications (repeatable)")
	f.StringArrayVar(&n.webhooks, "webhook", nil, "webhook for notifications, FORMAT=URL with FORMAT slack, teams or json; URL may be env:NAME (repeatable)")
}

// settingNames are what the user calls the e-mail settings where they were given: flags, or a policy file's
// fields. Errors name them, so the user knows what to change.
type settingNames struct{ security, to, passwordEnv string }

var (
	flagNames = settingNames{security: "--smtp-security", to: "--to", passwordEnv: "--smtp-password-env"}
	fileNames = settingNames{security: "security", to: "to", passwordEnv: "password_env"}
)

// smtpKeyringName is the keyring entry of the password of user at server.
func smtpKeyringName(user, server string) string { return "smtp:" + user + "@" + server }

// targets builds the notification targets the flags name.
func (a *app) notifyTargets(n notifyFlags, th expiry.Thresholds) ([]notify.Target, error) {
	var targets []notify.Target
	if n.smtpServer != "" || len(n.to) > 0 {
		m, err := a.mailTarget(n, flagNames)
		if err != nil {
			return nil, err
		}
		targets = append(targets, m)
	}
	for _, spec := range n.webhooks {
		w, err := notify.ParseWebhook(spec, a.getenv)
		if err != nil {
			return nil, fmt.Errorf("--webhook: %w", err)
		}
		w.Thresholds = th
		targets = append(targets, w)
	}
	return targets, nil
}

// mailTarget builds the e-mail target of the settings n, whose errors call them by names.
func (a *app) mailTarget(n notifyFlags, names settingNames) (*notify.Mail, error) {
	if n.smtpServer == "" {
		return nil, errors.New("--to needs --smtp-server")
	}
	sec, err := notify.ParseSecurity(n.smtpSecurity)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", names.security, err)
	}
	m := &notify.Mail{Addr: n.smtpServer, Security: sec, Username: n.smtpUser, From: n.from, To: n.to, TLSConfig: n.tlsConfig}
	if m.From == "" {
		host, _, _ := strings.Cut(n.smtpServer, ":")
		m.From = "cfkeys@" + strings.TrimPrefix(host, "smtp.")
	}
	if n.smtpUser != "" {
		pw, err := a.keyring(a.keyringTimeout(false)).Lookup(smtpKeyringName(n.smtpUser, n.smtpServer), smtpPasswordKind)
		if err != nil && a.getenv(n.smtpPasswordEnv) == "" {
			return nil, fmt.Errorf("reading the SMTP password: %w", err)
		}
		if pw == "" { // none stored, or a headless host without a keyring: the environment is the way
			pw = a.getenv(n.smtpPasswordEnv)
		}
		m.Password = cf.NewSecret(pw)
	}
	switch err := m.Validate(); {
	case errors.Is(err, notify.ErrNoRecipient):
		return nil, fmt.Errorf("%w: give %s", err, names.to)
	case errors.Is(err, notify.ErrNoPassword):
		return nil, fmt.Errorf("%w: from the keyring (cfkeys notify set-smtp-password) or the environment ($%s, which %s names)",
			err, n.smtpPasswordEnv, names.passwordEnv)
	case err != nil:
		return nil, err
	}
	return m, nil
}

// notifyTestOptions are the inputs of cfkeys notify test.
type notifyTestOptions struct {
	targets notifyFlags
	Policy  string
}

func newNotifyCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "Check and set up the notifications of cfkeys watch",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newNotifyTestCmd(a, nil), newSetSMTPPasswordCmd(a))
	return cmd
}

func newNotifyTestCmd(a *app, runF func(*cobra.Command, *notifyTestOptions) error) *cobra.Command {
	o := &notifyTestOptions{}
	cmd := &cobra.Command{
		Use:   "test",
		Short: "Send one sample notification to check the e-mail and webhook settings",
		Long: `Test sends one sample message, about a made-up key, to every target the flags and the policy file's
notify section name, as cfkeys watch would: e-mail through the SMTP server and each webhook. It exits 0 when
every target accepted it.`,
		Example: `  CFKEYS_SMTP_PASSWORD=... cfkeys notify test --smtp-server smtp.example.org:587 --smtp-user cfkeys --to ops@example.org
  SLACK_URL=https://hooks.slack.com/services/... cfkeys notify test --webhook slack=env:SLACK_URL
  cfkeys notify test --policy team-policy.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd, o)
			}
			return runNotifyTest(cmd, a, o)
		},
	}
	o.targets.add(cmd.Flags())
	cmd.Flags().StringVar(&o.Policy, "policy", "", "policy file whose notify section names targets too (default: $CFKEYS_POLICY, else policy.yaml in the config directory)")
	return cmd
}

func runNotifyTest(cmd *cobra.Command, a *app, o *notifyTestOptions) error {
	targets, err := a.notifyTargets(o.targets, expiry.DefaultThresholds)
	if err != nil {
		return usageError(cmd, "%v", err)
	}
	path, explicit, err := a.policyPath(o.Policy)
	if err != nil {
		return err
	}
	p, err := policy.Load(path, explicit)
	if err != nil {
		return err
	}
	if targets, err = a.policyTargets(targets, o.targets, p, expiry.DefaultThresholds); err != nil {
		return err
	}
	if len(targets) == 0 {
		return usageError(cmd, "name a target: --to with --smtp-server, --webhook, or a notify section in the policy file (%s)", path)
	}
	now := a.now()
	days := 12
	sample := notify.Event{Kind: notify.KindTest, At: now, Key: notify.Key{
		Foundation: "example", Org: "example-org", Space: "example-space", Instance: "example-instance",
		InstanceGUID: "00000000-0000-4000-8000-000000000001", Name: "example-key", GUID: "00000000-0000-4000-8000-000000000002",
		Status: "warning", Days: &days, Certificate: &expiry.Certificate{SubjectDN: "CN=example-key,OU=cfkeys test", NotAfter: now.Add(time.Duration(days) * 24 * time.Hour)},
	}}
	failed := 0
	for _, t := range targets {
		if err := t.Send(cmd.Context(), notify.Batch{Events: []notify.Event{sample}, Now: now}); err != nil {
			failed++
			fmt.Fprintln(a.errOut, "cfkeys: "+safetext.Clean(err.Error()))
			continue
		}
		fmt.Fprintln(a.out, "sent to "+safetext.Clean(t.ID()))
	}
	if failed > 0 {
		return exitWith(3)
	}
	return nil
}

func newSetSMTPPasswordCmd(a *app) *cobra.Command {
	var server, user string
	cmd := &cobra.Command{
		Use:   "set-smtp-password",
		Short: "Store the SMTP password of watch's e-mail notifications in the OS keyring",
		Long: `Set-smtp-password reads the password from the terminal (never from a flag) and stores it in the OS keyring,
where cfkeys watch and cfkeys notify test find it for the same --smtp-server and --smtp-user.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if server == "" || user == "" {
				return usageError(cmd, "give --smtp-server and --smtp-user")
			}
			pw, err := a.readSecret("SMTP password for " + user + "@" + server + ": ")
			if err != nil {
				return fmt.Errorf("reading the SMTP password: %w", err)
			}
			if pw == "" {
				return errors.New("empty password: nothing stored")
			}
			if err := a.keyring(a.keyringTimeout(true)).Set(smtpKeyringName(user, server), smtpPasswordKind, pw); err != nil {
				return fmt.Errorf("storing the SMTP password: %w", err)
			}
			fmt.Fprintln(a.out, "stored the SMTP password of "+safetext.Clean(user)+" at "+safetext.Clean(server)+" in the OS keyring")
			return nil
		},
	}
	cmd.Flags().StringVar(&server, "smtp-server", "", "SMTP server, host:port")
	cmd.Flags().StringVar(&user, "smtp-user", "", "SMTP user name")
	return cmd
}

// policyTargets adds the targets of the policy file's notify section to those of the flags: the flags' e-mail
// settings, when given, replace the file's for this run; webhooks of both are used, each once. A value the file
// gets wrong is refused with its line.
func (a *app) policyTargets(targets []notify.Target, flags notifyFlags, p *policy.Policy, th expiry.Thresholds) ([]notify.Target, error) {
	if p == nil || p.Notify == nil {
		return targets, nil
	}
	fail := func(line int, reason string) error {
		return &policy.FileError{Path: p.Source, Line: line, Reason: reason}
	}
	out := append([]notify.Target(nil), targets...)
	seen := map[string]bool{}
	for _, t := range targets {
		seen[t.ID()] = true
	}
	if s := p.Notify.SMTP; s != nil && flags.smtpServer == "" && len(flags.to) == 0 {
		fromFile := notifyFlags{smtpServer: s.Server, smtpSecurity: s.Security, smtpUser: s.User, smtpPasswordEnv: s.PasswordEnv,
			from: s.From, to: s.To, tlsConfig: flags.tlsConfig}
		if fromFile.smtpSecurity == "" {
			fromFile.smtpSecurity = "starttls"
		}
		if fromFile.smtpPasswordEnv == "" {
			fromFile.smtpPasswordEnv = defaultSMTPPasswordEnv
		}
		m, err := a.mailTarget(fromFile, fileNames)
		if err != nil {
			return nil, fail(s.Line, "notify.smtp: "+err.Error())
		}
		out = append(out, m)
		seen[m.ID()] = true
	}
	for _, spec := range p.Notify.Webhooks {
		w, err := notify.ParseWebhook(spec.Spec, a.getenv)
		if err != nil {
			return nil, fail(spec.Line, "notify.webhooks: "+err.Error())
		}
		if seen[w.ID()] {
			continue // given on the command line too
		}
		seen[w.ID()] = true
		w.Thresholds = th
		out = append(out, w)
	}
	return out, nil
}

// policyDigest is the time of the daily digest the policy file's notify section asks for, or nil.
func policyDigest(p *policy.Policy) (*notify.TimeOfDay, error) {
	if p == nil || p.Notify == nil || p.Notify.Digest == "" {
		return nil, nil
	}
	d, err := notify.ParseTimeOfDay(p.Notify.Digest)
	if err != nil {
		return nil, &policy.FileError{Path: p.Source, Line: p.Notify.DigestLine, Reason: "notify.digest: " + err.Error()}
	}
	return &d, nil
}
