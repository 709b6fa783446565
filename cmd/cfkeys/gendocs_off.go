//go:build !gendocs

package main

import "github.com/spf13/cobra"

// taggedCommands are the commands only a tagged build has (gendocs.go); a released cfkeys has none.
func taggedCommands(*app) []*cobra.Command { return nil }
