package main

import (
	"fmt"

	"github.com/spf13/cobra"
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
	var names []string
	switch {
	case o.All:
		names = cfg.Names()
	case o.Name != "":
		if _, ok := cfg.Get(o.Name); !ok {
			return fmt.Errorf("no profile %q (known: %v)", o.Name, cfg.Names())
		}
		names = []string{o.Name}
	default:
		p, err := cfg.Default()
		if err != nil {
			return err
		}
		names = []string{p.Name}
	}
	k := a.keyring(a.keyringTimeout(true))
	for _, name := range names {
		if err := k.DeleteProfile(name); err != nil {
			return err
		}
		cfg.Remove(name)
		if err := cfg.Save(dir); err != nil {
			return err
		}
		fmt.Fprintf(a.out, "Logged out of %s.\n", name)
	}
	if len(names) == 0 {
		fmt.Fprintln(a.out, "Not logged in to any foundation.")
	}
	return nil
}
