package ui

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// luminance is the WCAG relative luminance of a #rrggbb colour.
func luminance(hex string) float64 {
	ch := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(0) + 0.7152*ch(1) + 0.0722*ch(2)
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// TestStatusColoursReadable checks every status colour against typical dark and light terminal backgrounds
// (WCAG contrast of at least 4.5:1 for text, 3:1 for the faint "none"), and that the six statuses look different.
func TestStatusColoursReadable(t *testing.T) {
	t.Parallel()
	backgrounds := map[bool][]string{true: {"#000000", "#1e1e1e", "#282c34"}, false: {"#ffffff", "#fdf6e3", "#f0f0f0"}}
	for _, dark := range []bool{true, false} {
		seen := map[string]expiry.Status{}
		for _, st := range uiStatuses {
			sw := statusSwatch(st, dark)
			if sw.fg.hex == "" {
				t.Fatalf("%v (dark %v) has no colour", st, dark)
			}
			id := sw.fg.hex + "/" + sw.bg.hex + "/" + strconv.FormatBool(sw.bold)
			if other, dup := seen[id]; dup {
				t.Errorf("dark %v: %v and %v look the same", dark, st, other)
			}
			seen[id] = st
			min := 4.5
			if st == expiry.StatusNone {
				min = 3
			}
			for _, bg := range backgrounds[dark] {
				against := bg
				if sw.hasBg {
					against = sw.bg.hex
				}
				if c := contrast(sw.fg.hex, against); c < min {
					t.Errorf("dark %v: %v %s on %s has contrast %.2f, want >= %.1f", dark, st, sw.fg.hex, against, c, min)
				}
			}
		}
	}
}

func TestNoColorKeepsStatusText(t *testing.T) {
	t.Parallel()
	s := NewStyles(true, colorprofile.TrueColor, true)
	for _, st := range uiStatuses {
		out := s.Status(st).Render(st.String())
		if !strings.Contains(out, st.String()) {
			t.Errorf("%v: %q", st, out)
		}
		if strings.Contains(out, "38;") || strings.Contains(out, "48;") {
			t.Errorf("%v: colour without colour: %q", st, out)
		}
	}
	coloured := NewStyles(true, colorprofile.TrueColor, false).Status(expiry.StatusWarning).Render("warning")
	if !strings.Contains(coloured, "38;2;") {
		t.Errorf("colour missing: %q", coloured)
	}
}

// Each status stays distinct however many colours the terminal has: a row of each status is drawn in each
// profile (as Bubble Tea writes it to such a terminal) and no two look the same. In 16 colours (TERM=xterm,
// linux, PuTTY) warning used to turn into critical's bright red.
func TestStatusesDistinctInEveryProfile(t *testing.T) {
	t.Parallel()
	for _, profile := range []colorprofile.Profile{colorprofile.ANSI, colorprofile.ANSI256, colorprofile.TrueColor} {
		for _, dark := range []bool{true, false} {
			s := NewStyles(dark, profile, false)
			seen := map[string]expiry.Status{}
			for _, st := range uiStatuses {
				var out strings.Builder
				w := &colorprofile.Writer{Forward: &out, Profile: profile}
				if _, err := w.WriteString(s.Status(st).Render("x")); err != nil {
					t.Fatal(err)
				}
				// Bold does not count: on many terminals bold red is just red.
				colours := colourParams(out.String())
				if other, dup := seen[colours]; dup {
					t.Errorf("%v dark %v: %v and %v are both drawn in %q", profile, dark, st, other, colours)
				}
				seen[colours] = st
			}
		}
	}
	// Without colour the text and bold, faint and reverse tell them apart: expired and none differ from the rest.
	s := NewStyles(true, colorprofile.TrueColor, true)
	if s.Status(expiry.StatusExpired).Render("x") == s.Status(expiry.StatusCritical).Render("x") {
		t.Error("NO_COLOR: expired looks like critical")
	}
}

// colourParams are the SGR parameters of a styled text other than bold, faint and reset.
func colourParams(s string) string {
	var params []string
	for _, seq := range strings.Split(s, "\x1b[")[1:] {
		body, _, _ := strings.Cut(seq, "m")
		for _, p := range strings.Split(body, ";") {
			if p != "" && p != "0" && p != "1" && p != "2" {
				params = append(params, p)
			}
		}
	}
	return strings.Join(params, ";")
}
