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
	root := &cobra.Command{
		Use:   "cfkeys",
		Short: "See when the certificates in your Cloud Foundry service keys expire",
		Long: `cfkeys reads every service key of a Cloud Foundry foundation (SAP BTP included), finds the client
certificate in its credentials (SAP's certificatedetails, or any PEM chain) and shows how many days it has left.

Try it without an account:  cfkeys demo
Scan a foundation:          CF_USERNAME=me CF_PASSWORD=... cfkeys scan --api https://api.cf.eu10.hana.ondemand.com`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(newScanCmd(a, nil), newFindCmd(a, nil), newDemoCmd(a, nil), newLoginCmd(a, nil), newLogoutCmd(a),
		newProfilesCmd(a), newVersionCmd(a))
	return root
}
