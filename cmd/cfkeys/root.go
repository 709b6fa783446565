package main

import (
	"github.com/spf13/cobra"
)

// Set at build time by goreleaser (-ldflags -X).
var (
	version = "dev"
	commit  = ""
	date    = ""
)

func newRootCmd(a *app) *cobra.Command {
	uo := &uiOptions{}
	root := &cobra.Command{
		Use:   "cfkeys",
		Short: "See when the certificates in your Cloud Foundry service keys expire",
		Long: `cfkeys reads every service key of a Cloud Foundry foundation (SAP BTP included), finds the client
certificate in its credentials (SAP's certificatedetails, or any PEM chain) and shows how many days it has left.

Without a command, cfkeys opens its terminal UI on the foundations you logged in to (cfkeys login).

Try it without an account:  cfkeys demo
Log in, then browse:        cfkeys login -a https://api.cf.eu10.hana.ondemand.com && cfkeys
Scan a foundation:          CF_USERNAME=me CF_PASSWORD=... cfkeys scan --api https://api.cf.eu10.hana.ondemand.com`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUI(cmd, a, uo)
		},
	}
	uo.addFlags(root, true)
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(newScanCmd(a, nil), newFindCmd(a, nil), newDemoCmd(a, nil), newLoginCmd(a, nil), newLogoutCmd(a),
		newProfilesCmd(a), newVersionCmd(a), newPolicyCmd(a), newAckCmd(a, nil))
	root.AddCommand(newCacheCmd(a))
	root.AddCommand(newWatchCmd(a, nil))
	root.AddCommand(newNotifyCmd(a))
	root.AddCommand(newKeyCmd(a))
	root.AddCommand(newInstanceCmd(a))
	root.AddCommand(taggedCommands(a)...)
	return root
}
