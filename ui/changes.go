package ui

import (
	"fmt"
	"strings"
	"time"
)

// changes is what a refresh changed against the snapshot before it: keys whose status changed, new keys and
// removed ones. The rows of changed and new keys are marked (•) until the next refresh.
type changes struct {
	marked  map[string]bool // binding GUIDs of changed and new keys
	changed int
	added   int
	removed int
	since   time.Time // when the snapshot before was taken
}

// diff compares two indexes at the instant now. The first snapshot of a foundation changes nothing.
func diff(f *foundationState, old, cur *index, since, now time.Time, j *judging) changes {
	ch := changes{marked: map[string]bool{}, since: since}
	if old == nil {
		return ch
	}
	for guid, k := range cur.keyByGUID {
		before, ok := old.keyByGUID[guid]
		switch {
		case !ok:
			ch.added++
			ch.marked[guid] = true
		case j.state(f, before, now).shown != j.state(f, k, now).shown:
			ch.changed++
			ch.marked[guid] = true
		}
	}
	for guid := range old.keyByGUID {
		if _, ok := cur.keyByGUID[guid]; !ok {
			ch.removed++
		}
	}
	return ch
}

// any reports whether the refresh changed anything.
func (c changes) any() bool { return c.changed+c.added+c.removed > 0 }

// String says what changed: "2 changed, 1 new, 1 removed since 09:00:00".
func (c changes) String() string {
	var parts []string
	for _, p := range []struct {
		n    int
		word string
	}{{c.changed, "changed"}, {c.added, "new"}, {c.removed, "removed"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.word))
		}
	}
	return "• " + strings.Join(parts, ", ") + " since " + c.since.Format("15:04:05")
}

// markedRow reports whether a row holds a key the last refresh changed or added.
func (f *foundationState) markedRow(r *row) bool {
	if len(f.changes.marked) == 0 {
		return false
	}
	for _, k := range r.keys {
		if f.changes.marked[k.GUID] {
			return true
		}
	}
	return false
}
