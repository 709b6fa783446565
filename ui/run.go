package ui

import (
	"io"

	tea "charm.land/bubbletea/v2"
)

// Run runs the UI on the given terminal streams until the user quits or the options' context ends.
func Run(opts Options, in io.Reader, out io.Writer) error {
	m := New(opts)
	p := tea.NewProgram(m, tea.WithInput(in), tea.WithOutput(out), tea.WithContext(m.opts.Context))
	_, err := p.Run()
	if err != nil && m.opts.Context.Err() != nil {
		return nil // stopped from outside (a signal): not a failure
	}
	return err
}
