package ui

import (
	"image/color"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// tone is one colour as each colour profile draws it, chosen by hand for each: a 16-colour terminal (xterm,
// linux, PuTTY) would otherwise round neighbouring hues to the same SGR code, and warning turn red.
type tone struct {
	ansi    uint8  // 0-15
	ansi256 uint8  // 0-255
	hex     string // true colour
}

// color is the tone for a profile.
func (t tone) color(p colorprofile.Profile) color.Color {
	return lipgloss.Complete(p)(lipgloss.ANSIColor(t.ansi), lipgloss.ANSIColor(t.ansi256), lipgloss.Color(t.hex))
}

// swatch is how one status is drawn: a foreground, an optional background (a badge), bold or not.
type swatch struct {
	fg, bg tone
	hasBg  bool
	bold   bool
}

// statusPalette is every status's swatch, for a light and a dark background side by side. Expired keys get a
// badge (white on red) so they stand apart from critical ones (red text) even for readers who confuse hues; none
// is dimmed, unknown is violet. In 16 colours each status keeps its own code: expired a red background,
// critical bright red, warning yellow, ok green, unknown magenta, none grey.
var statusPalette = map[expiry.Status]struct{ light, dark swatch }{
	expiry.StatusExpired: {
		light: swatch{fg: tone{15, 231, "#ffffff"}, bg: tone{1, 124, "#a51d2d"}, hasBg: true, bold: true},
		dark:  swatch{fg: tone{15, 231, "#ffffff"}, bg: tone{1, 160, "#c01c28"}, hasBg: true, bold: true},
	},
	expiry.StatusCritical: {
		light: swatch{fg: tone{9, 124, "#b3001b"}, bold: true},
		dark:  swatch{fg: tone{9, 203, "#ff6b6b"}, bold: true},
	},
	expiry.StatusWarning: {
		light: swatch{fg: tone{3, 94, "#8a5300"}},
		dark:  swatch{fg: tone{11, 220, "#f5c542"}},
	},
	expiry.StatusOK: {
		light: swatch{fg: tone{2, 22, "#1b6f3a"}},
		dark:  swatch{fg: tone{10, 78, "#57d38c"}},
	},
	expiry.StatusUnknown: {
		light: swatch{fg: tone{5, 91, "#6a2fb8"}},
		dark:  swatch{fg: tone{13, 141, "#c49cff"}},
	},
	expiry.StatusNone: {
		light: swatch{fg: tone{8, 241, "#666666"}},
		dark:  swatch{fg: tone{8, 247, "#9a9a9a"}},
	},
}

// ackedSwatch is how an acknowledged key's status is drawn: cyan, as cfkeys scan's table draws it, a hue no
// other status has in any profile (16 colours: cyan 6 and bright cyan 14).
var ackedSwatch = struct{ light, dark swatch }{
	light: swatch{fg: tone{6, 30, "#00707a"}},
	dark:  swatch{fg: tone{14, 80, "#4fd1d9"}},
}

// statusSwatch is a status's swatch for a dark or light background.
func statusSwatch(s expiry.Status, dark bool) swatch {
	p, ok := statusPalette[s]
	if s == statusAcked || !ok {
		p = ackedSwatch
	}
	if dark {
		return p.dark
	}
	return p.light
}

// chromePalette is the colours of everything else, light and dark side by side.
var chromePalette = struct {
	accent, crumb, errText, border struct{ light, dark tone }
}{
	accent:  struct{ light, dark tone }{tone{4, 25, "#1c5fb8"}, tone{12, 111, "#7ab8ff"}},
	crumb:   struct{ light, dark tone }{tone{0, 238, "#444444"}, tone{7, 249, "#b0b0b0"}},
	errText: struct{ light, dark tone }{tone{1, 124, "#b3001b"}, tone{9, 203, "#ff6b6b"}},
	border:  struct{ light, dark tone }{tone{8, 245, "#888888"}, tone{8, 242, "#666666"}},
}

// Styles are every style the UI draws with, for one background, colour profile and colour setting.
type Styles struct {
	dark, noColor bool
	profile       colorprofile.Profile
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

// NewStyles builds the styles for a dark or light background in a colour profile (TrueColor when unknown);
// noColor keeps only bold, faint and reverse, so every status stays readable from its text.
func NewStyles(dark bool, profile colorprofile.Profile, noColor bool) Styles {
	if profile == colorprofile.Unknown {
		profile = colorprofile.TrueColor
	}
	ld := lipgloss.LightDark(dark)
	pick := func(p struct{ light, dark tone }) color.Color {
		return ld(p.light.color(profile), p.dark.color(profile))
	}
	s := Styles{dark: dark, noColor: noColor, profile: profile, status: map[expiry.Status]lipgloss.Style{}}
	for _, st := range uiStatuses {
		sw := statusSwatch(st, dark)
		style := lipgloss.NewStyle().Bold(sw.bold)
		switch {
		case !noColor:
			style = style.Foreground(sw.fg.color(profile))
			if sw.hasBg {
				style = style.Background(sw.bg.color(profile))
			}
		case st == expiry.StatusExpired:
			style = style.Reverse(true)
		case st == expiry.StatusNone:
			style = style.Faint(true)
		case st == statusAcked:
			style = style.Italic(true) // its text says acked; italic sets it apart where that is cut
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
	expired := statusSwatch(expiry.StatusExpired, dark)
	s.Title = base.Bold(true).Foreground(pick(chromePalette.accent))
	s.Crumb = base.Foreground(pick(chromePalette.crumb))
	s.CrumbCurrent = base.Bold(true).Foreground(pick(chromePalette.accent))
	s.Warning = base.Bold(true).Foreground(expired.fg.color(profile)).Background(expired.bg.color(profile))
	s.Error = base.Bold(true).Foreground(pick(chromePalette.errText))
	s.Key = base.Bold(true).Foreground(pick(chromePalette.accent))
	s.Box = s.Box.BorderForeground(pick(chromePalette.border))
	return s
}

// Status returns the style of a status.
func (s Styles) Status(st expiry.Status) lipgloss.Style { return s.status[st] }
