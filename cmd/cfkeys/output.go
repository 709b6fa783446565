package main

import (
	"fmt"
	"strings"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/report"
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

// writeReport prints a report in the chosen format.
func (a *app) writeReport(r report.Report, format string, multi bool) error {
	switch format {
	case "json":
		return report.WriteJSON(a.out, r)
	case "csv":
		return report.WriteCSV(a.out, r, multi)
	case "prometheus":
		return report.WritePrometheus(a.out, r)
	}
	opts := report.TableOptions{Width: a.width, Multi: multi}
	if a.colour() {
		opts.Style = func(s expiry.Status, cell string) string {
			return "\x1b[" + statusSGR[s] + "m" + cell + "\x1b[0m"
		}
	}
	return report.WriteTable(a.out, r, opts)
}

// thresholdFlags are --warn and --critical, shared by the commands that classify keys.
type thresholdFlags struct {
	warn, critical string
}

func (t thresholdFlags) parse() (expiry.Thresholds, error) {
	w, err := expiry.ParseDays(t.warn)
	if err != nil {
		return expiry.Thresholds{}, fmt.Errorf("--warn: %w", err)
	}
	c, err := expiry.ParseDays(t.critical)
	if err != nil {
		return expiry.Thresholds{}, fmt.Errorf("--critical: %w", err)
	}
	th := expiry.Thresholds{Warning: w, Critical: c}
	return th, th.Validate()
}

func formatsList() string { return strings.Join(outputFormats, "|") }
