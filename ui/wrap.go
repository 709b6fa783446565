package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/cfkeys/cfkeys/cf/safetext"
)

// wrapDN wraps a distinguished name at its RDN boundaries ("CN=a,OU=b," stays whole per line); an RDN longer
// than a line is cut at the width. The text must be cleaned already.
func wrapDN(dn string, width int) []string {
	var rdns []string
	start, escaped := 0, false
	for i, r := range dn {
		switch {
		case escaped:
			escaped = false
		case r == '\\':
			escaped = true
		case r == ',':
			rdns = append(rdns, dn[start:i+1])
			start = i + 1
		}
	}
	rdns = append(rdns, dn[start:])
	var lines []string
	cur := ""
	for _, rdn := range rdns {
		if cur != "" && safetext.Width(cur+rdn) > width {
			lines = append(lines, cur)
			cur = ""
		}
		cur += rdn
		for safetext.Width(cur) > width {
			head := cutCells(cur, width)
			lines = append(lines, head)
			cur = cur[len(head):]
		}
	}
	if cur != "" || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}

// wrapText wraps a value at spaces and slashes, cutting words longer than a line.
func wrapText(s string, width int) []string {
	return strings.Split(ansi.Wrap(s, width, "/"), "\n")
}

// wrapJSONLine wraps one line of indented JSON to width: continuation lines are indented two more than the
// line, and a closing comma stays with the end of its value (never alone on a line).
func wrapJSONLine(l string, width int) []string {
	if safetext.Width(l) <= width {
		return []string{l}
	}
	indent := strings.Repeat(" ", len(l)-len(strings.TrimLeft(l, " "))+2)
	body, trail := l, ""
	if strings.HasSuffix(l, ",") {
		body, trail = l[:len(l)-1], ","
	}
	rest := max(width-len(indent), 8)
	var segs []string
	first := true
	for body != "" {
		w := rest
		if first {
			w = width
		}
		head := cutCells(body, w)
		segs = append(segs, head)
		body = body[len(head):]
		first = false
	}
	if trail != "" {
		last := segs[len(segs)-1]
		limit := rest
		if len(segs) == 1 {
			limit = width
		}
		if safetext.Width(last)+len(trail) <= limit {
			segs[len(segs)-1] = last + trail
		} else {
			runes := []rune(last)
			segs[len(segs)-1] = string(runes[:len(runes)-1])
			segs = append(segs, string(runes[len(runes)-1:])+trail)
		}
	}
	for i := 1; i < len(segs); i++ {
		segs[i] = indent + segs[i]
	}
	return segs
}

// cutCells is the longest start of s that fits in width cells (at least one character).
func cutCells(s string, width int) string {
	used := 0
	for i, r := range s {
		w := safetext.Width(string(r))
		if used+w > width && i > 0 {
			return s[:i]
		}
		used += w
	}
	return s
}
