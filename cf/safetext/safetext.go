// Package safetext makes strings that came from a Cloud Foundry API safe to draw on a terminal and measures them
// in terminal cells.
//
// Names of orgs, spaces, instances and keys, certificate DNs and error details are chosen by other people. A name
// holding an escape sequence could recolour the screen, move the cursor, set the clipboard (OSC 52) or plant a
// link (OSC 8); a name holding Unicode bidi controls could make text read differently than it is. Clean removes
// all of those and replaces any other control character with a visible U+FFFD, so a hostile name shows up as
// odd-looking text rather than acting on the terminal.
package safetext

import (
	"strings"
	"unicode/utf8"

	"github.com/clipperhouse/displaywidth"
)

// Replacement is drawn in place of a control character that is not part of an escape sequence.
const Replacement = '\uFFFD'

// Ellipsis ends a string that Truncate shortened.
const Ellipsis = "…"

// Clean returns s with escape sequences (CSI, OSC, DCS, SOS, PM, APC and two-byte ESC sequences) removed, other
// C0/C1 control characters and DEL replaced by U+FFFD, tabs and line breaks (the Unicode line and paragraph
// separators U+2028 and U+2029 included) turned into single spaces, bidi
// override and isolate controls removed, and invalid UTF-8 replaced by U+FFFD. Clean never returns a string that
// makes a terminal do anything but print.
func Clean(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(Replacement)
			i++
		case r == 0x1b: // ESC
			i += escapeLen(s[i:])
		case r == 0x9b || r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f: // 8-bit CSI, OSC, DCS, SOS, PM, APC
			i += size + c1StringLen(s[i+size:], r == 0x9b)
		case r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == 0x2028 || r == 0x2029:
			b.WriteByte(' ')
			i += size
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			b.WriteRune(Replacement)
			i += size
		case isBidiControl(r):
			i += size
		default:
			b.WriteString(s[i : i+size])
			i += size
		}
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII only, the common case, which Clean returns unchanged.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// escapeLen returns how many bytes of s, which starts with ESC, belong to the escape sequence.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[': // CSI: parameters and intermediates, then one final byte 0x40-0x7e
		return 2 + csiBodyLen(s[2:])
	case ']', 'P', 'X', '^', '_': // OSC, DCS, SOS, PM, APC: a string up to BEL or ST
		return 2 + stringBodyLen(s[2:])
	default:
		if s[1] >= 0x20 && s[1] < 0x7f {
			// Intermediates (0x20-0x2f) then a final byte: e.g. ESC ( B, ESC 7, ESC c.
			n := 1
			for n < len(s) && s[n] >= 0x20 && s[n] <= 0x2f {
				n++
			}
			if n < len(s) {
				n++
			}
			return n
		}
		return 1 // a lone ESC before a control character: drop the ESC only
	}
}

// csiBodyLen returns the length of a CSI sequence after its introducer, final byte included.
func csiBodyLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x40 && c <= 0x7e {
			return i + 1
		}
		if c < 0x20 || c >= 0x7f {
			return i // malformed: stop before the stray byte and let Clean judge it
		}
	}
	return len(s)
}

// stringBodyLen returns the length of a control string (OSC and friends) after its introducer, terminator included.
// An unterminated string runs to the end of s, so nothing after it can reach the terminal as part of it.
func stringBodyLen(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 0x07:
			return i + 1
		case 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i
		}
		if r, size := utf8.DecodeRuneInString(s[i:]); r == 0x9c { // 8-bit ST
			return i + size
		}
	}
	return len(s)
}

// c1StringLen is stringBodyLen/csiBodyLen for the 8-bit C1 introducers.
func c1StringLen(s string, csi bool) int {
	if csi {
		return csiBodyLen(s)
	}
	return stringBodyLen(s)
}

// isBidiControl reports whether r is an explicit directional formatting character (the "Trojan Source" set).
func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

// Width returns the number of terminal cells s occupies, counting wide East Asian characters and emoji as two.
// It expects a string that Clean has already made safe.
func Width(s string) int {
	return displaywidth.String(s)
}

// Truncate shortens s to at most width cells, ending it with an ellipsis when it was cut. Wide characters are
// never split.
func Truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if Width(s) <= width {
		return s
	}
	return displaywidth.TruncateString(s, width, Ellipsis)
}

// Pad returns s truncated or padded with spaces to exactly width cells.
func Pad(s string, width int) string {
	s = Truncate(s, width)
	if w := Width(s); w < width {
		return s + strings.Repeat(" ", width-w)
	}
	return s
}

// Fit cleans s and makes it exactly width cells, cut with an ellipsis or padded with spaces: the one call for
// drawing an API string in a column.
func Fit(s string, width int) string {
	return Pad(Clean(s), width)
}

// FitMiddle is Fit for names whose end tells them apart (cpi-inbound-orders, cpi-inbound-invoices): a cut
// keeps the start and the end, with an ellipsis between (cpi-inb…orders).
func FitMiddle(s string, width int) string {
	s = Clean(s)
	if Width(s) <= width || width < 5 {
		return Pad(s, width)
	}
	runes := []rune(s)
	headW := (width - 1) / 2
	tailW := width - 1 - headW
	head, used := 0, 0
	for head < len(runes) && used+Width(string(runes[head])) <= headW {
		used += Width(string(runes[head]))
		head++
	}
	tail, usedT := len(runes), 0
	for tail > head && usedT+Width(string(runes[tail-1])) <= tailW {
		usedT += Width(string(runes[tail-1]))
		tail--
	}
	return Pad(string(runes[:head])+Ellipsis+string(runes[tail:]), width)
}
