package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf/profile"
)

type logoutOptions struct {
	Name string
	All  bool
}

func newLogoutCmd(a *app) *cobra.Command {
	o := &logoutOptions{}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Forget a foundation: remove its secrets from the OS keyring and its profile",
		Example: `  cfkeys logout              # the current profile
  cfkeys logout --name eu10
  cfkeys logout --all`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.All && o.Name != "" {
				return usageError(cmd, "--name and --all exclude each other")
			}
			return runLogout(a, o)
		},
	}
	cmd.Flags().StringVar(&o.Name, "name", "", "profile to log out of (default: the current one)")
	cmd.Flags().BoolVar(&o.All, "all", false, "log out of every foundation")
	return cmd
}

func runLogout(a *app, o *logoutOptions) error {
	cfg, dir, err := a.loadProfiles()
	if err != nil {
		return err
	}
	k := a.keyring(a.keyringTimeout(true))
	var names []string
	switch {
	case o.All:
		names = cfg.Names()
	case o.Name != "":
		if _, ok := cfg.Get(o.Name); !ok {
			if profile.ValidName(o.Name) == nil {
				// Secrets a failed or interrupted login left behind are removed all the same.
				if err := k.DeleteProfile(o.Name); err != nil {
					return err
				}
			}
			return fmt.Errorf("no profile %q (known: %v); removed any secrets it had left in the keyring", o.Name, cfg.Names())
		}
		names = []string{o.Name}
	default:
		p, err := cfg.Default()
		if err != nil {
			return err
		}
		names = []string{p.Name}
	}
	for _, name := range names {
		if err := k.DeleteProfile(name); err != nil {
			return err
		}
		if err := profile.Update(dir, func(c *profile.Config) error { c.Remove(name); return nil }); err != nil {
			return err
		}
		fmt.Fprintf(a.out, "Logged out of %s.\n", name)
	}
	if len(names) == 0 {
		fmt.Fprintln(a.out, "Not logged in to any foundation.")
	}
	return nil
}
