package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// Output formats of scan and find.
var outputFormats = []string{"table", "json", "csv", "prometheus"}

func validOutput(f string) bool {
	for _, o := range outputFormats {
		if f == o {
			return true
		}
	}
	return false
}

// statusSGR are the terminal colours of the table's status column (the UI has its own palette).
var statusSGR = map[expiry.Status]string{
	expiry.StatusExpired:  "1;31",
	expiry.StatusCritical: "31",
	expiry.StatusWarning:  "33",
	expiry.StatusUnknown:  "35",
	expiry.StatusOK:       "32",
	expiry.StatusNone:     "2",
}

// ackedSGR is the colour of an acknowledged key's status: known, owned, and quieter than any alarm.
const ackedSGR = "2;36"

// writeReport prints a report in the chosen format on stdout.
func (a *app) writeReport(r report.Report, format string, multi bool) error {
	return a.render(a.out, true, r, format, multi)
}

// emit writes a report on stdout, or, with a path, to that file, replaced atomically.
func (a *app) emit(r report.Report, format, path string, multi bool) error {
	if path == "" {
		return a.writeReport(r, format, multi)
	}
	return writeFileAtomic(path, func(w io.Writer) error { return a.render(w, false, r, format, multi) })
}

// render writes a report in the chosen format to w; a table is fitted and coloured only when w is stdout and
// stdout is a terminal.
func (a *app) render(w io.Writer, stdout bool, r report.Report, format string, multi bool) error {
	switch format {
	case "json":
		return report.WriteJSON(w, r)
	case "csv":
		return report.WriteCSV(w, r, multi)
	case "prometheus":
		return report.WritePrometheus(w, r)
	}
	if !stdout {
		return report.WriteTable(w, r, report.TableOptions{Multi: multi})
	}
	opts := report.TableOptions{Width: a.width, Multi: multi}
	if a.colour() {
		opts.Style = func(s expiry.Status, cell string) string {
			return "\x1b[" + statusSGR[s] + "m" + cell + "\x1b[0m"
		}
		opts.AckedStyle = func(cell string) string { return "\x1b[" + ackedSGR + "m" + cell + "\x1b[0m" }
	}
	return report.WriteTable(a.out, r, opts)
}

// thresholdFlags are --warn and --critical, shared by the commands that classify keys.
type thresholdFlags struct {
	warn, critical string
}

func formatsList() string { return strings.Join(outputFormats, "|") }

// writeRows prints rows as aligned columns, every cell cleaned for the terminal (ack list, profiles, cache,
// key rotate plans).
func writeRows(a *app, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			r[i] = safetext.Clean(c)
			widths[i] = max(widths[i], safetext.Width(r[i]))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			if i == len(r)-1 {
				b.WriteString(c)
			} else {
				b.WriteString(safetext.Pad(c, widths[i]) + "  ")
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprint(a.out, b.String())
}
