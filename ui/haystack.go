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
	// The last text marked and the rows holding it: a text that contains it can only be in those rows, so a
	// keystroke that extends the filter looks there alone.
	last     string
	lastRows []int32
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

// row is the text of row i.
func (h *haystack) row(i int32) string {
	end := len(h.text)
	if int(i)+1 < len(h.starts) {
		end = h.starts[i+1]
	}
	return h.text[h.starts[i] : end-len(sep)]
}

// mark sets hit[i] for every row whose text contains q. When q contains the text of the last call and few rows
// held that, only they are searched; otherwise the whole text is scanned.
func (h *haystack) mark(q string, hit []bool) {
	if q == "" || strings.Contains(q, sep) {
		return
	}
	rows := h.lastRows[:0] // kept in place: a row is written no later than it is read
	if h.last != "" && strings.Contains(q, h.last) && len(h.lastRows) <= len(h.starts)/4 {
		for _, i := range h.lastRows {
			if strings.Contains(h.row(i), q) {
				rows = append(rows, i)
			}
		}
	} else {
		rows = h.scan(q, rows)
	}
	for _, i := range rows {
		hit[i] = true
	}
	h.last, h.lastRows = q, rows
}

// scan appends to rows the rows whose text contains q, in order.
func (h *haystack) scan(q string, rows []int32) []int32 {
	for off := 0; off < len(h.text); {
		j := strings.Index(h.text[off:], q)
		if j < 0 {
			break
		}
		pos := off + j
		i := sort.SearchInts(h.starts, pos+1) - 1
		rows = append(rows, int32(i))
		if i+1 >= len(h.starts) {
			break
		}
		off = h.starts[i+1]
	}
	return rows
}
