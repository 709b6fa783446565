package ui

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/internal/atomicfile"
)

// exportReport is the list as shown (filtered and sorted) as a scan report, so the file has scan's schema.
func (m *Model) exportReport(lp *listPage) (report.Report, bool) {
	now := m.c.now()
	j := m.c.judge
	r := report.Report{GeneratedAt: now, Thresholds: expiry.DefaultThresholds}
	if j.uniform != nil {
		r.Thresholds = *j.uniform
	} else {
		r.Policy = j.label // as scan names the policy its entries were judged by
	}
	multi := false
	seen := map[*foundationState]bool{}
	for _, row := range lp.rows {
		if row.key == nil {
			continue
		}
		f := row.foundation
		if !seen[f] {
			seen[f] = true
			r.Foundations = append(r.Foundations, report.Foundation{Name: f.Name, API: f.API})
		}
		name := ""
		if m.c.multi() {
			name = f.Name
		}
		// Judged as the list judges it (the policy, acknowledgements), keyed by the foundation's API URL.
		r.Entries = append(r.Entries, report.Judge(j.pol, name, f.API, []cf.KeyReport{*row.key}, now)...)
	}
	if len(r.Foundations) == 1 && !m.c.multi() {
		r.API, r.Foundations = r.Foundations[0].API, nil
	} else {
		multi = true
	}
	return r, multi
}

// exportForm asks for a format and a file, then writes the list as shown there.
func (m *Model) exportForm(lp *listPage) tea.Cmd {
	format, path := "json", ""
	dir := m.opts.Dir
	done := func(m *Model) tea.Cmd {
		if strings.TrimSpace(path) == "" {
			path = "cfkeys-export." + format
		}
		full := resolvePath(dir, path)
		r, multi := m.exportReport(lp)
		err := atomicfile.Write(full, 0o644, func(w io.Writer) error {
			if format == "csv" {
				return report.WriteCSV(w, r, multi)
			}
			return report.WriteJSON(w, r)
		})
		if err != nil {
			m.setStatus(fmt.Sprintf("exporting to %s: %v", full, err))
			return nil
		}
		m.setStatus(fmt.Sprintf("exported %d %s to %s (%s)", len(r.Entries), plural(len(r.Entries), "row", "rows"), full, strings.ToUpper(format)))
		return nil
	}
	intro := []string{fmt.Sprintf("Export the %d keys the list shows, in its order, with scan's schema.", len(lp.rows))}
	return m.push(newFormPage("export", lp.foundation(), intro, done, huh.NewGroup(
		huh.NewSelect[string]().Title("Format").Options(huh.NewOption("JSON", "json"), huh.NewOption("CSV", "csv")).Value(&format),
		huh.NewInput().Title("File").Placeholder("cfkeys-export.json (or .csv)").Value(&path).Validate(func(s string) error {
			if s = strings.TrimSpace(s); s == "" {
				s = "cfkeys-export." + format
			}
			if _, err := os.Lstat(resolvePath(dir, s)); err == nil {
				return errors.New("the file exists: name another (it is not replaced)")
			}
			return nil
		}))))
}
