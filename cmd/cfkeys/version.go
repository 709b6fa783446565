package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionString says which cfkeys this is: the release version and commit when built by goreleaser, the module
// version when installed with go install.
func versionString() string {
	s := "cfkeys " + releaseVersion()
	if commit != "" {
		s += " (" + commit
		if date != "" {
			s += ", " + date
		}
		s += ")"
	}
	return fmt.Sprintf("%s %s %s/%s", s, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// releaseVersion is the version alone: goreleaser's main.version, else the module version, else "dev".
func releaseVersion() string {
	v := version
	if v == "dev" {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	return v
}

// userAgent is what every request of this binary says it is.
func userAgent() string { return "cfkeys/" + releaseVersion() }

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the cfkeys version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(a.out, versionString())
			return err
		},
	}
}
