package ui

import (
	"image/color"

	"charm.land/lipgloss/v2"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// swatch is how one status is drawn: a foreground, an optional background (a badge), bold or not.
type swatch struct {
	fg, bg string // hex; empty for the terminal's default
	bold   bool
}

// statusSwatch decides each status's colours for a dark or light terminal background. Expired keys get a badge
// (white on red) so they stand apart from critical ones (red text) even for readers who confuse hues; none is
// dimmed, unknown is violet.
func statusSwatch(s expiry.Status, dark bool) swatch {
	if dark {
		switch s {
		case expiry.StatusExpired:
			return swatch{fg: "#ffffff", bg: "#c01c28", bold: true}
		case expiry.StatusCritical:
			return swatch{fg: "#ff6b6b", bold: true}
		case expiry.StatusWarning:
			return swatch{fg: "#f5c542"}
		case expiry.StatusOK:
			return swatch{fg: "#57d38c"}
		case expiry.StatusUnknown:
			return swatch{fg: "#c49cff"}
		case expiry.StatusNone:
			return swatch{fg: "#9a9a9a"}
		}
	}
	switch s {
	case expiry.StatusExpired:
		return swatch{fg: "#ffffff", bg: "#a51d2d", bold: true}
	case expiry.StatusCritical:
		return swatch{fg: "#b3001b", bold: true}
	case expiry.StatusWarning:
		return swatch{fg: "#8a5300"}
	case expiry.StatusOK:
		return swatch{fg: "#1b6f3a"}
	case expiry.StatusUnknown:
		return swatch{fg: "#6a2fb8"}
	case expiry.StatusNone:
		return swatch{fg: "#666666"}
	}
	return swatch{}
}

// Styles are every style the UI draws with, for one background and colour setting.
type Styles struct {
	dark, noColor bool
	status        map[expiry.Status]lipgloss.Style
	Title         lipgloss.Style
	Crumb         lipgloss.Style
	CrumbCurrent  lipgloss.Style
	Dim           lipgloss.Style
	Bold          lipgloss.Style
	Warning       lipgloss.Style // the skip-ssl banner, reveal warnings
	Error         lipgloss.Style
	TableHeader   lipgloss.Style
	Selected      lipgloss.Style
	Key           lipgloss.Style // a key name in the footer and help
	Box           lipgloss.Style // the help overlay
}

// NewStyles builds the styles for a dark or light background; noColor keeps only bold, faint and reverse, so
// every status stays readable from its text.
func NewStyles(dark, noColor bool) Styles {
	ld := lipgloss.LightDark(dark)
	c := func(light, darkHex string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(darkHex)) }
	s := Styles{dark: dark, noColor: noColor, status: map[expiry.Status]lipgloss.Style{}}
	for _, st := range expiry.Statuses {
		sw := statusSwatch(st, dark)
		style := lipgloss.NewStyle().Bold(sw.bold)
		if !noColor {
			style = style.Foreground(lipgloss.Color(sw.fg))
			if sw.bg != "" {
				style = style.Background(lipgloss.Color(sw.bg))
			}
		} else if st == expiry.StatusExpired {
			style = style.Reverse(true)
		} else if st == expiry.StatusNone {
			style = style.Faint(true)
		}
		s.status[st] = style
	}
	base := lipgloss.NewStyle()
	s.Bold = base.Bold(true)
	s.Dim = base.Faint(true)
	s.TableHeader = base.Bold(true).Underline(true)
	s.Selected = base.Reverse(true)
	s.Box = base.Border(lipgloss.RoundedBorder()).Padding(0, 1)
	if noColor {
		s.Title = base.Bold(true)
		s.Crumb = base
		s.CrumbCurrent = base.Bold(true)
		s.Warning = base.Bold(true).Reverse(true)
		s.Error = base.Bold(true)
		s.Key = base.Bold(true)
		return s
	}
	s.Title = base.Bold(true).Foreground(c("#1c5fb8", "#7ab8ff"))
	s.Crumb = base.Foreground(c("#444444", "#b0b0b0"))
	s.CrumbCurrent = base.Bold(true).Foreground(c("#1c5fb8", "#7ab8ff"))
	s.Warning = base.Bold(true).Foreground(lipgloss.Color("#ffffff")).Background(c("#a51d2d", "#c01c28"))
	s.Error = base.Bold(true).Foreground(c("#b3001b", "#ff6b6b"))
	s.Key = base.Bold(true).Foreground(c("#1c5fb8", "#7ab8ff"))
	s.Box = s.Box.BorderForeground(c("#888888", "#666666"))
	return s
}

// Status returns the style of a status.
func (s Styles) Status(st expiry.Status) lipgloss.Style { return s.status[st] }
