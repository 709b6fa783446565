package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/cfkeys/cfkeys/cf"
)

// connectOptions say which foundation to talk to and how.
type connectOptions struct {
	API               string
	SkipSSLValidation bool
	Concurrency       int
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
	return cf.Options{SkipSSLValidation: o.SkipSSLValidation, Concurrency: o.Concurrency, Clock: a.now}
}

// warnSkipSSL reminds the user, every time, that certificate checks are off.
func (a *app) warnSkipSSL(o connectOptions) {
	if o.SkipSSLValidation {
		fmt.Fprintln(a.errOut, "cfkeys: warning: TLS certificate validation is off (--skip-ssl-validation); the connection is not protected against interception")
	}
}

// connect logs in to the foundation the options name, with credentials from the environment.
func (a *app) connect(ctx context.Context, o connectOptions) (*cf.Client, error) {
	if o.API == "" {
		return nil, errors.New("no foundation given: pass --api URL (credentials from CF_USERNAME/CF_PASSWORD or CF_CLIENT_ID/CF_CLIENT_SECRET)")
	}
	creds, err := a.envCredentials()
	if err != nil {
		return nil, err
	}
	a.warnSkipSSL(o)
	c, _, err := cf.Login(ctx, o.API, creds, a.clientOptions(o))
	return c, err
}
