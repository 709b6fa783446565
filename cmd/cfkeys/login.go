package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/profile"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// loginOptions are the inputs of cfkeys login.
type loginOptions struct {
	API               string
	Name              string
	Username          string
	Password          string
	PasswordStdin     bool
	Origin            string
	SSO               bool
	SSOPasscode       string
	ClientCredentials bool
	ClientID          string
	ClientSecret      string
	ClientSecretStdin bool
	SkipSSLValidation bool
	RememberPassword  bool
	FromCFConfig      bool
	CFHome            string
	AllowWrites       bool
}

func newLoginCmd(a *app, runF func(*cobra.Command, *loginOptions) error) *cobra.Command {
	o := &loginOptions{}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Log in to a foundation and keep the session in the OS keyring",
		Long: `Login logs in to a Cloud Foundry foundation and remembers it as a profile, so scan, find and the UI need
no credentials afterwards. The secrets (refresh and access tokens, a client secret, a password only with
--remember-password) go to the OS keyring: the macOS Keychain, the Windows Credential Manager, or a Secret
Service on Linux. The profile file (API, user, grant; no secret) is under the user config directory.

A missing username or password is asked for (the password hidden) when stdin is a terminal, and read from
CF_USERNAME and CF_PASSWORD otherwise. --password-stdin and --client-secret-stdin read the secret from the first
line of stdin (from a password manager or a file); -p and --client-secret put it on the command line, where
other users of the machine can read it in the process list, and cfkeys warns when they are used. --sso prints the address where you get a one-time passcode and asks for
it. The profile is named after the API host unless --name says otherwise; log in to several foundations
(BTP regions such as eu10 and us10) under different names.`,
		Example: `  cfkeys login -a https://api.cf.eu10.hana.ondemand.com --name eu10 -u jane.doe@example.com
  cfkeys login -a https://api.cf.us10.hana.ondemand.com --name us10 --sso
  cfkeys login -a https://api.cf.eu10.hana.ondemand.com --origin my-idp
  pass show cf/eu10 | cfkeys login -a https://api.cf.eu10.hana.ondemand.com -u jane.doe@example.com --password-stdin
  cfkeys login -a https://api.example.org --client-credentials --client-id monitor --client-secret-stdin < monitor.secret
  cfkeys login --from-cf-config`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(); err != nil {
				return usageError(cmd, "%v", err)
			}
			if runF != nil {
				return runF(cmd, o)
			}
			return runLogin(cmd.Context(), a, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.API, "api", "a", "", "API URL of the foundation")
	f.StringVar(&o.Name, "name", "", "profile name (default: the API host)")
	f.StringVarP(&o.Username, "username", "u", "", "user name (default: asked, or CF_USERNAME)")
	f.StringVarP(&o.Password, "password", "p", "", "password (default: asked, or CF_PASSWORD); other users can read it in the process list: prefer --password-stdin")
	f.BoolVar(&o.PasswordStdin, "password-stdin", false, "read the password from the first line of stdin")
	f.StringVar(&o.Origin, "origin", "", "identity provider origin key, e.g. sap.ids or a custom IdP")
	f.BoolVar(&o.SSO, "sso", false, "log in with a one-time passcode from your identity provider")
	f.StringVar(&o.SSOPasscode, "sso-passcode", "", "log in with this one-time passcode")
	f.BoolVar(&o.ClientCredentials, "client-credentials", false, "log in as a UAA client")
	f.StringVar(&o.ClientID, "client-id", "", "UAA client id (default: CF_CLIENT_ID)")
	f.StringVar(&o.ClientSecret, "client-secret", "", "UAA client secret (default: asked, or CF_CLIENT_SECRET); other users can read it in the process list: prefer --client-secret-stdin")
	f.BoolVar(&o.ClientSecretStdin, "client-secret-stdin", false, "read the UAA client secret from the first line of stdin")
	f.BoolVar(&o.SkipSSLValidation, "skip-ssl-validation", false, "do not check the API's TLS certificate (insecure)")
	f.BoolVar(&o.RememberPassword, "remember-password", false, "keep the password in the keyring to log in again when the refresh token expires (technical users)")
	f.BoolVar(&o.FromCFConfig, "from-cf-config", false, "import the session of an existing cf login")
	f.BoolVar(&o.AllowWrites, "allow-writes", false, "let cfkeys create, rotate and delete keys on this foundation (default: read-only)")
	f.StringVar(&o.CFHome, "cf-home", "", "the cf CLI's home directory (default: $CF_HOME, else your home directory)")
	return cmd
}

func (o *loginOptions) validate() error {
	modes := 0
	for _, on := range []bool{o.SSO, o.SSOPasscode != "", o.ClientCredentials, o.FromCFConfig} {
		if on {
			modes++
		}
	}
	switch {
	case modes > 1:
		return errors.New("choose one of --sso, --sso-passcode, --client-credentials and --from-cf-config")
	case o.FromCFConfig && o.API != "":
		return errors.New("--from-cf-config takes the API from the cf CLI config; leave out --api")
	case !o.FromCFConfig && o.API == "":
		return errors.New("no API given: use -a URL")
	case o.Origin != "" && modes > 0:
		return errors.New("--origin only applies to a username and password login")
	case o.RememberPassword && modes > 0:
		return errors.New("--remember-password only applies to a username and password login")
	case !o.ClientCredentials && (o.ClientID != "" || o.ClientSecret != "" || o.ClientSecretStdin):
		return errors.New("--client-id, --client-secret and --client-secret-stdin need --client-credentials")
	case modes > 0 && (o.Username != "" || o.Password != "" || o.PasswordStdin):
		return errors.New("-u, -p and --password-stdin are for a username and password login, not with --sso, --sso-passcode, --client-credentials or --from-cf-config")
	case o.PasswordStdin && o.Password != "":
		return errors.New("give the password with -p or --password-stdin, not both")
	case o.ClientSecretStdin && o.ClientSecret != "":
		return errors.New("give the client secret with --client-secret or --client-secret-stdin, not both")
	case o.FromCFConfig && o.SkipSSLValidation:
		return errors.New("--from-cf-config takes the TLS setting from the cf CLI config (cf api --skip-ssl-validation); leave out --skip-ssl-validation")
	case o.Name != "":
		return profile.ValidName(o.Name)
	}
	return nil
}

func runLogin(ctx context.Context, a *app, o *loginOptions) error {
	a.warnSecretArgs(o)
	if o.FromCFConfig {
		return importCFConfig(ctx, a, o)
	}
	api, err := cf.NormaliseAPI(o.API)
	if err != nil {
		return err
	}
	name := o.Name
	if name == "" {
		name = profile.DefaultName(api)
		if err := profile.ValidName(name); err != nil {
			return fmt.Errorf("%v: choose a name with --name", err)
		}
	}
	if err := a.probeKeyring(name); err != nil {
		return err // before any prompt or grant: nothing is spent on a login that could not be stored
	}
	opts := a.cfOptions(cf.Options{SkipSSLValidation: o.SkipSSLValidation})
	a.warnSkipSSL(o.SkipSSLValidation, api)
	ep, err := cf.Discover(ctx, api, opts)
	if err != nil {
		return err
	}
	creds, err := a.loginCredentials(ctx, o, ep, opts)
	if err != nil {
		return err
	}
	_, sess, err := cf.LoginAt(ctx, ep, creds, opts, nil)
	if err != nil {
		return err
	}
	p := profile.Profile{Name: name, API: ep.API, Login: ep.Login, UAA: ep.UAA, CCVersion: ep.CCVersion, Grant: creds.Grant,
		Username: creds.Username, ClientID: creds.ClientID, Origin: creds.Origin, SkipSSLValidation: o.SkipSSLValidation,
		RememberPassword: o.RememberPassword, LoggedInAt: a.now().UTC(), AllowWrites: o.AllowWrites}
	if c, ok := sess.Claims(); ok && p.Username == "" && creds.Grant != cf.GrantClientCredentials {
		p.Username, p.Origin = c.UserName, c.Origin // an SSO login learns the user from its token
	}
	if err := a.saveLogin(p, sess, creds); err != nil {
		return err
	}
	fmt.Fprintf(a.out, "Logged in to %s as %s; saved as profile %q (secrets in the OS keyring).\n", p.API, p.Principal(), p.Name)
	return nil
}

// warnSecretArgs warns about secrets given as arguments: every user of the machine can read a process's
// arguments (ps, /proc/PID/cmdline) while it runs, and the shell keeps them in its history.
func (a *app) warnSecretArgs(o *loginOptions) {
	for _, f := range []struct {
		given         bool
		flag, instead string
	}{
		{o.Password != "", "-p/--password", "--password-stdin, CF_PASSWORD or the prompt"},
		{o.ClientSecret != "", "--client-secret", "--client-secret-stdin, CF_CLIENT_SECRET or the prompt"},
	} {
		if f.given {
			fmt.Fprintf(a.errOut, "cfkeys: warning: %s on the command line can be read by other users of this machine in the process list, and stays in your shell history; use %s instead\n", f.flag, f.instead)
		}
	}
}

// saveLogin stores the secrets in the keyring first, then the profile: a profile never names a session whose
// secrets were not stored. The profile file is changed under its lock, so parallel logins keep each other's
// profiles; secrets of a new profile that could not be saved are removed again, so none are stranded where
// logout cannot find them.
func (a *app) saveLogin(p profile.Profile, sess *cf.Session, creds cf.Credentials) error {
	cfg, dir, err := a.loadProfiles()
	if err != nil {
		return err
	}
	if other, clash := cfg.Clash(p.Name); clash {
		return clashError(p.Name, other)
	}
	_, existed := cfg.Get(p.Name)
	k := a.keyring(a.keyringTimeout(true))
	err = profile.StoreLogin(k, p, sess.Token(), creds)
	if err == nil {
		err = profile.Update(dir, func(c *profile.Config) error {
			if other, clash := c.Clash(p.Name); clash {
				return clashError(p.Name, other)
			}
			c.Put(p)
			return nil
		})
	}
	if err != nil && !existed {
		_ = k.DeleteProfile(p.Name) // best effort; the error that matters is err
	}
	return err
}

// clashError refuses a profile name that differs from an existing one only in case.
func clashError(name, other string) error {
	return fmt.Errorf("profile %q already exists as %q; names that differ only in case would share keyring entries on macOS and Windows: choose another --name, or log in as %q", name, other, other)
}

// loginCredentials gathers the credentials of a login from flags, prompts and the environment.
func (a *app) loginCredentials(ctx context.Context, o *loginOptions, ep cf.Endpoints, opts cf.Options) (cf.Credentials, error) {
	switch {
	case o.ClientCredentials:
		id := first(o.ClientID, a.getenv("CF_CLIENT_ID"))
		if id == "" && a.stdinTTY && !o.ClientSecretStdin {
			var err error
			if id, err = a.readLine("Client id: "); err != nil {
				return cf.Credentials{}, err
			}
		}
		secret, err := a.secretInput(o.ClientSecret, o.ClientSecretStdin, "CF_CLIENT_SECRET", "Client secret: ")
		if err != nil {
			return cf.Credentials{}, err
		}
		if id == "" || secret == "" {
			return cf.Credentials{}, errors.New("a client-credentials login needs a client id and secret (--client-id/--client-secret, or CF_CLIENT_ID/CF_CLIENT_SECRET)")
		}
		return cf.Credentials{Grant: cf.GrantClientCredentials, ClientID: id, ClientSecret: cf.NewSecret(secret)}, nil
	case o.SSO, o.SSOPasscode != "":
		code := o.SSOPasscode
		if code == "" {
			if !a.stdinTTY {
				return cf.Credentials{}, errors.New("--sso asks for a passcode and needs a terminal; pass it with --sso-passcode CODE")
			}
			info, err := cf.NewUAA(ep.Login, cf.NewHTTPClient(opts.SkipSSLValidation, 1), a.now).LoginInfo(ctx)
			if err != nil {
				return cf.Credentials{}, err
			}
			prompt, ok := info.PasscodePrompt()
			if !ok {
				prompt = "Temporary Authentication Code ( Get one at " + ep.Login + "/passcode )"
			}
			if code, err = a.readSecret(cleanPrompt(prompt) + ": "); err != nil {
				return cf.Credentials{}, err
			}
		}
		if strings.TrimSpace(code) == "" {
			return cf.Credentials{}, errors.New("no passcode given")
		}
		return cf.Credentials{Grant: cf.GrantPasscode, Passcode: cf.NewSecret(strings.TrimSpace(code))}, nil
	}
	user := o.Username
	if user == "" {
		if a.stdinTTY && !o.PasswordStdin { // stdin holds the password: the username comes from -u or CF_USERNAME
			var err error
			if user, err = a.readLine("Username: "); err != nil {
				return cf.Credentials{}, err
			}
		} else {
			user = a.getenv("CF_USERNAME")
		}
	}
	pass, err := a.secretInput(o.Password, o.PasswordStdin, "CF_PASSWORD", "Password: ")
	if err != nil {
		return cf.Credentials{}, err
	}
	if user == "" || pass == "" {
		return cf.Credentials{}, errors.New("a login needs a username and password (-u/-p, a terminal to ask on, or CF_USERNAME/CF_PASSWORD)")
	}
	return cf.Credentials{Grant: cf.GrantPassword, Username: user, Password: cf.NewSecret(pass), Origin: first(o.Origin, a.getenv("CF_ORIGIN"))}, nil
}

// secretInput takes a secret from its flag, else from stdin when asked to (--password-stdin), else asks for it
// hidden on a terminal, else reads the environment.
func (a *app) secretInput(flag string, stdin bool, env, prompt string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if stdin {
		return a.readStdinSecret(strings.TrimSuffix(prompt, ": "))
	}
	if a.stdinTTY {
		return a.readSecret(prompt)
	}
	return a.getenv(env), nil
}

// maxStdinSecret bounds what --password-stdin reads: a password or client secret, never a file's worth.
const maxStdinSecret = 64 << 10

// readStdinSecret reads a secret from the first line of stdin, without the line break; the rest of stdin is left
// unread. Spaces are kept: they may be part of the secret.
func (a *app) readStdinSecret(what string) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(a.in, maxStdinSecret)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the %s from stdin: %w", strings.ToLower(what), err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("reading the %s from stdin: stdin is empty", strings.ToLower(what))
	}
	return line, nil
}

// importCFConfig imports the session of an existing cf CLI login.
func importCFConfig(ctx context.Context, a *app, o *loginOptions) error {
	path, err := profile.CFConfigPath(o.CFHome, a.getenv)
	if err != nil {
		return err
	}
	cc, err := profile.ReadCFConfig(path)
	if err != nil {
		return err
	}
	p, tok, creds, err := cc.Import(o.Name, a.now())
	if err != nil {
		return err
	}
	if err := profile.ValidName(p.Name); err != nil {
		return fmt.Errorf("%v: choose a name with --name", err)
	}
	p.AllowWrites = o.AllowWrites
	a.warnSkipSSL(p.SkipSSLValidation, p.API)
	client, sess, err := cf.Resume(p.Endpoints(), tok, creds, a.cfOptions(cf.Options{SkipSSLValidation: p.SkipSSLValidation}), nil)
	if err != nil {
		return err
	}
	// Make sure the session works (refreshing it if needed) before keeping it.
	if err := client.Ping(ctx); err != nil {
		if errors.Is(err, cf.ErrSessionExpired) {
			return fmt.Errorf("the cf CLI session in %s has expired: run cf login, then import again", path)
		}
		return err
	}
	if err := a.saveLogin(p, sess, creds); err != nil {
		return err
	}
	fmt.Fprintf(a.out, "Imported the cf CLI session for %s as %s; saved as profile %q (secrets in the OS keyring).\n", p.API, p.Principal(), p.Name)
	if p.Grant == cf.GrantClientCredentials {
		fmt.Fprintln(a.errOut, "cfkeys: note: the cf CLI does not keep client secrets, so this session ends when its token expires; log in with --client-credentials to stay logged in")
	}
	return nil
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// cleanPrompt makes a login server's prompt text safe to show.
func cleanPrompt(s string) string { return safetext.Clean(strings.TrimSpace(s)) }
