package ui

import (
	"sort"
	"strings"
)

// haystack is the search texts of a list's rows joined into one string, so a filter keystroke on 50,000 keys is
// one fast scan (strings.Index) instead of 50,000 calls.
type haystack struct {
	text   string
	starts []int // where each row's text begins
}

// sep divides the rows' texts; no filter holds it (texts are cleaned of control characters).
const sep = "\x01"

func newHaystack(n int, text func(i int) string) haystack {
	var b strings.Builder
	h := haystack{starts: make([]int, n)}
	for i := 0; i < n; i++ {
		h.starts[i] = b.Len()
		b.WriteString(text(i))
		b.WriteString(sep)
	}
	h.text = b.String()
	return h
}

// mark sets hit[i] for every row whose text contains q.
func (h haystack) mark(q string, hit []bool) {
	if q == "" || strings.Contains(q, sep) {
		return
	}
	for off := 0; off < len(h.text); {
		j := strings.Index(h.text[off:], q)
		if j < 0 {
			return
		}
		pos := off + j
		i := sort.SearchInts(h.starts, pos+1) - 1
		hit[i] = true
		if i+1 < len(h.starts) {
			off = h.starts[i+1]
		} else {
			return
		}
	}
}
