package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/keystore"
	"github.com/cfkeys/cfkeys/cf/profile"
)

func newProfilesCmd(a *app) *cobra.Command {
	check := false
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List the foundations you are logged in to and whether their sessions are valid",
		Long: `Profiles lists the foundations you logged in to: name (* marks the current one), API, user or client, grant,
and the session as the keyring holds it: until when its access token runs, and what can renew it (refresh token,
stored client secret, remembered password), and whether cfkeys may change keys there (WRITES: read-only unless
allowed with login --allow-writes or profiles set NAME --allow-writes on). It contacts no foundation, so a session the foundation revoked still
looks usable; --check asks each foundation (one cheap request each) and says whether the session works. No
secret is shown.`,
		Example: `  cfkeys profiles
  cfkeys profiles --check
  cfkeys profiles set eu10 --allow-writes on`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runProfiles(cmd.Context(), a, check) },
	}
	cmd.Flags().BoolVar(&check, "check", false, "contact each foundation and check that its session works")
	cmd.AddCommand(newProfilesSetCmd(a))
	return cmd
}

// checkTimeout bounds the check of one foundation's session.
const checkTimeout = 20 * time.Second

func runProfiles(ctx context.Context, a *app, check bool) error {
	cfg, _, err := a.loadProfiles()
	if err != nil {
		return err
	}
	if len(cfg.Profiles) == 0 {
		fmt.Fprintln(a.out, "Not logged in to any foundation. Log in with: cfkeys login -a API")
		return nil
	}
	k := a.keyring(a.keyringTimeout(false))
	rows := [][]string{{"NAME", "API", "USER / CLIENT", "GRANT", "WRITES", "SESSION"}}
	keyringDown := false
	for _, p := range cfg.Profiles {
		name := p.Name
		if p.Name == cfg.Current {
			name += " *"
		}
		state := "keyring unavailable"
		if !keyringDown {
			s, err := sessionState(k, p, a.now())
			var ke *keystore.Error
			switch {
			case errors.As(err, &ke):
				keyringDown = true // one timeout is enough: do not wait for every profile
				fmt.Fprintf(a.errOut, "cfkeys: %v\n", err)
			case err != nil:
				state = "unknown: " + err.Error()
			default:
				state = s
			}
		}
		grant := string(p.Grant)
		if p.Origin != "" {
			grant += " (origin " + p.Origin + ")"
		}
		if p.SkipSSLValidation {
			state += "; TLS not verified"
		}
		writes := "read-only"
		if p.AllowWrites {
			writes = "allowed"
		}
		row := []string{name, p.API, p.Principal(), grant, writes, state}
		if check {
			row = append(row, a.checkProfile(ctx, p, keyringDown))
		}
		rows = append(rows, row)
	}
	if check {
		rows[0] = append(rows[0], "CHECK")
	}
	writeRows(a, rows)
	return nil
}

// checkProfile opens a profile's session and sends one cheap request: "ok", or what stands in the way.
func (a *app) checkProfile(ctx context.Context, p profile.Profile, keyringDown bool) string {
	if keyringDown {
		return "not checked: keyring unavailable"
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	conn, err := a.openProfile(p, connectOptions{Cache: cacheOptions{Off: true}}) // one request, no keys to remember
	if err == nil {
		err = conn.wrap(conn.client.Ping(ctx))
		a.done(conn)
	}
	if err != nil {
		return cf.Redact(describe(err)) // the check's answer may quote the token it sent
	}
	return "ok"
}

// sessionState says, from the keyring alone, whether a profile's session is usable and until when.
func sessionState(k *keystore.Keyring, p profile.Profile, now time.Time) (string, error) {
	get := func(kind keystore.Kind) (string, error) { return k.Lookup(p.Name, kind) }
	access, err := get(keystore.AccessToken)
	if err != nil {
		return "", err
	}
	refresh, err := get(keystore.RefreshToken)
	if err != nil {
		return "", err
	}
	var renew []string
	if refresh != "" {
		r := "refresh token"
		if c, ok := cf.ParseTokenClaims(refresh); ok && !c.Expiry.IsZero() {
			if !c.Expiry.After(now) {
				r = ""
			} else {
				r += " until " + c.Expiry.UTC().Format("2006-01-02 15:04 UTC")
			}
		}
		if r != "" {
			renew = append(renew, r)
		}
	}
	if p.Grant == cf.GrantClientCredentials {
		if s, err := get(keystore.ClientSecret); err != nil {
			return "", err
		} else if s != "" {
			renew = append(renew, "client secret stored")
		}
	}
	if p.RememberPassword {
		if s, err := get(keystore.Password); err != nil {
			return "", err
		} else if s != "" {
			renew = append(renew, "password remembered")
		}
	}
	var state string
	if c, ok := cf.ParseTokenClaims(access); ok && c.Expiry.After(now) {
		state = "access token until " + c.Expiry.UTC().Format("2006-01-02 15:04 UTC")
	} else if len(renew) > 0 {
		state = "renewable"
	} else {
		return "expired: run cfkeys login --name " + p.Name, nil
	}
	if len(renew) > 0 {
		state += " (" + strings.Join(renew, ", ") + ")"
	}
	return state, nil
}

func newProfilesSetCmd(a *app) *cobra.Command {
	var allowWrites string
	cmd := &cobra.Command{
		Use:   "set NAME --allow-writes on|off",
		Short: "Change a profile's settings: whether cfkeys may change keys on its foundation",
		Long: `Set changes a stored profile. --allow-writes on lets key create, rotate and delete change keys on the
profile's foundation; off (the default of every login) makes it read-only again. It contacts no foundation.`,
		Example: `  cfkeys profiles set eu10 --allow-writes on`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var on bool
			switch allowWrites {
			case "on":
				on = true
			case "off":
			default:
				return usageError(cmd, "--allow-writes takes on or off")
			}
			dir, err := profile.Dir(a.getenv)
			if err != nil {
				return err
			}
			name := args[0]
			err = profile.Update(dir, func(c *profile.Config) error {
				for i := range c.Profiles {
					if c.Profiles[i].Name == name {
						c.Profiles[i].AllowWrites = on
						return nil
					}
				}
				return fmt.Errorf("no profile %q (known: %v)", name, c.Names())
			})
			if err != nil {
				return err
			}
			state := "read-only"
			if on {
				state = "allows writes"
			}
			fmt.Fprintf(a.out, "Profile %q %s.\n", name, state)
			return nil
		},
	}
	cmd.Flags().StringVar(&allowWrites, "allow-writes", "", "on or off")
	_ = cmd.MarkFlagRequired("allow-writes")
	return cmd
}
