//go:build gendocs

package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/internal/gendocs"
)

// taggedCommands adds __gendocs, which writes the man pages and shell completions a release ships (goreleaser's
// before hook: go run -tags gendocs ./cmd/cfkeys __gendocs --date DATE build). Released binaries are built
// without the tag and do not have it.
func taggedCommands(a *app) []*cobra.Command {
	date := ""
	cmd := &cobra.Command{
		Use:    "__gendocs DIR",
		Short:  "Write the man pages and shell completions into DIR/man and DIR/completions",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var t time.Time
			if date != "" {
				var err error
				if t, err = time.Parse(time.RFC3339, date); err != nil {
					return usageError(cmd, "--date %q: %v", date, err)
				}
			}
			// goreleaser's CommitDate is the zero time when it has no git information (a snapshot of a clone
			// without a remote): date such pages today rather than in the year 1.
			if t.IsZero() {
				t = a.now()
			}
			if err := gendocs.Write(cmd.Root(), args[0], t); err != nil {
				return err
			}
			_, err := fmt.Fprintf(a.out, "man pages and completions written to %s\n", args[0])
			return err
		},
	}
	cmd.Flags().StringVar(&date, "date", "", "date of the man pages, RFC 3339 (default, and for the zero time: now)")
	return []*cobra.Command{cmd}
}
