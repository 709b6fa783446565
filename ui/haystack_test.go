package ui

import (
	"fmt"
	"strings"
	"testing"
)

// TestHaystackNarrowsAsTheFilterGrows checks that a keystroke extending the filter, searched in the rows the last
// one kept, marks exactly the rows whose text contains it, as do a shorter, an unrelated and a longer-again text.
func TestHaystackNarrowsAsTheFilterGrows(t *testing.T) {
	t.Parallel()
	texts := make([]string, 200)
	for i := range texts {
		texts[i] = fmt.Sprintf("key-%03d\x00cpi-%d\x00cn=key-%03d,ou=demo,o=demo corp,c=de", i, i%7, i)
	}
	texts[0], texts[199] = "", "cpi-x"
	h := newHaystack(len(texts), func(i int) string { return texts[i] })
	for _, q := range []string{"k", "ke", "key-1", "key-12", "key-123", "key-12", "y-12", "y-123", "cpi-", "cpi-3",
		"3\x00cn", "demo corp,c=de", "x", "cpi-x", "key-1234", "key-123", "zz", "zzz", "e-"} {
		hit := make([]bool, len(texts))
		h.mark(q, hit)
		for i, text := range texts {
			if want := strings.Contains(text, q); hit[i] != want {
				t.Errorf("after %q: row %d (%q) marked %v, want %v", q, i, text, hit[i], want)
			}
		}
	}
}
