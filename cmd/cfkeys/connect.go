package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/profile"
)

// connectOptions say which foundation to talk to and how.
type connectOptions struct {
	API               string
	SkipSSLValidation bool
	Concurrency       int
	Profile           string
	Cache             cacheOptions
	RequestTimeout    time.Duration // bounds one HTTP request, its body included (--request-timeout)
}

// addTimeoutFlags registers --request-timeout (one request, its body included) and --timeout (the whole command,
// 0 for none) of scan and find.
func addTimeoutFlags(cmd *cobra.Command, c *connectOptions, whole *time.Duration) {
	f := cmd.Flags()
	f.DurationVar(&c.RequestTimeout, "request-timeout", cf.DefaultRequestTimeout, "time limit of one HTTP request, reading its answer included")
	f.DurationVar(whole, "timeout", 0, "time limit of the whole run; when it passes, the report says what was read and lists the rest as not checked (0: none)")
}

// validTimeouts checks --request-timeout and --timeout.
func validTimeouts(request, whole time.Duration) error {
	if request <= 0 {
		return fmt.Errorf("--request-timeout must be positive, not %s", request)
	}
	if whole < 0 {
		return fmt.Errorf("--timeout must be positive, or 0 for none, not %s", whole)
	}
	return nil
}

// withTimeout bounds ctx by --timeout, when one is set.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// explainTimeout names --timeout in an error it caused (the listings ran out of time before any key was read).
func explainTimeout(err error, d time.Duration) error {
	if d > 0 && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("the time limit of --timeout %s ran out: %w", d, err)
	}
	return err
}

// envCredentials reads login credentials from the environment, as cron jobs provide them: CF_USERNAME and
// CF_PASSWORD for the password grant (CF_ORIGIN optional), or CF_CLIENT_ID and CF_CLIENT_SECRET for client
// credentials.
func (a *app) envCredentials() (cf.Credentials, error) {
	user, pass := a.getenv("CF_USERNAME"), a.getenv("CF_PASSWORD")
	id, secret := a.getenv("CF_CLIENT_ID"), a.getenv("CF_CLIENT_SECRET")
	switch {
	case id != "" && secret != "":
		return cf.Credentials{Grant: cf.GrantClientCredentials, ClientID: id, ClientSecret: cf.NewSecret(secret)}, nil
	case user != "" && pass != "":
		return cf.Credentials{Grant: cf.GrantPassword, Username: user, Password: cf.NewSecret(pass), Origin: a.getenv("CF_ORIGIN")}, nil
	case id != "" || secret != "":
		return cf.Credentials{}, errors.New("set both CF_CLIENT_ID and CF_CLIENT_SECRET for a client-credentials login")
	case user != "" || pass != "":
		return cf.Credentials{}, errors.New("set both CF_USERNAME and CF_PASSWORD for a password login")
	}
	return cf.Credentials{}, errors.New("no credentials: set CF_USERNAME and CF_PASSWORD, or CF_CLIENT_ID and CF_CLIENT_SECRET")
}

// clientOptions turns connect options into client options.
func (a *app) clientOptions(o connectOptions) cf.Options {
	opts := a.cfOptions(cf.Options{SkipSSLValidation: o.SkipSSLValidation, Concurrency: o.Concurrency, RequestTimeout: o.RequestTimeout})
	opts.DetailsCache = a.detailsCache(o.Cache)
	return opts
}

// warnSkipSSL reminds the user, every time, that certificate checks are off for a foundation.
func (a *app) warnSkipSSL(skip bool, api string) {
	if skip {
		fmt.Fprintf(a.errOut, "cfkeys: warning: TLS certificate validation is off for %s (--skip-ssl-validation); the connection is not protected against interception\n", api)
	}
}

// connection is a logged-in foundation a command works with.
type connection struct {
	name    string // the profile's name; empty for --api with environment credentials
	client  *cf.Client
	session *profile.Session // nil for --api
}

// wrap names the profile in a session-expired error.
func (c *connection) wrap(err error) error {
	if c.name == "" {
		return err
	}
	return profile.Expired(c.name, err)
}

// done warns when a refreshed token could not be stored.
func (a *app) done(c *connection) {
	if c.session != nil {
		if err := c.session.PersistError(); err != nil {
			fmt.Fprintf(a.errOut, "cfkeys: warning: could not store the refreshed session of %s: %v\n", c.name, err)
		}
	}
}

// connect opens the foundation the options name: --api with credentials from the environment (headless, no
// keyring), or a stored profile (--profile, else the current or only one).
func (a *app) connect(ctx context.Context, o connectOptions) (*connection, error) {
	if o.API != "" {
		if o.Profile != "" {
			return nil, errors.New("--api and --profile exclude each other: --api logs in with the CF_* environment variables, --profile uses a stored login")
		}
		creds, err := a.envCredentials()
		if err != nil {
			return nil, err
		}
		a.warnSkipSSL(o.SkipSSLValidation, o.API)
		c, _, err := cf.Login(ctx, o.API, creds, a.clientOptions(o))
		if err != nil {
			return nil, err
		}
		return &connection{client: c}, nil
	}
	if o.SkipSSLValidation {
		return nil, errSkipSSLWithProfile
	}
	cfg, dir, err := a.loadProfiles()
	if err != nil {
		return nil, err
	}
	var p profile.Profile
	if o.Profile != "" {
		var ok bool
		if p, ok = cfg.Get(o.Profile); !ok {
			return nil, fmt.Errorf("no profile %q in %s (known: %v): run cfkeys login", o.Profile, dir, cfg.Names())
		}
	} else if p, err = cfg.Default(); err != nil {
		return nil, err
	}
	return a.openProfile(p, o)
}

// errSkipSSLWithProfile refuses --skip-ssl-validation where a stored profile is used: the profile keeps the
// setting of its login, and a flag that silently changed nothing would leave a TLS error unexplained.
var errSkipSSLWithProfile = errors.New("--skip-ssl-validation applies to --api; a stored profile keeps the setting of its login (log in again with cfkeys login --skip-ssl-validation to change it)")

// openProfile resumes a stored profile's session from the keyring.
func (a *app) openProfile(p profile.Profile, o connectOptions) (*connection, error) {
	a.warnSkipSSL(p.SkipSSLValidation, p.API)
	s, err := profile.Open(p, a.keyring(a.keyringTimeout(false)), a.clientOptions(o))
	if err != nil {
		return nil, err
	}
	return &connection{name: p.Name, client: s.Client, session: s}, nil
}

// loadProfiles reads the profile file.
func (a *app) loadProfiles() (*profile.Config, string, error) {
	dir, err := profile.Dir(a.getenv)
	if err != nil {
		return nil, "", err
	}
	cfg, err := profile.Load(dir)
	return cfg, dir, err
}
