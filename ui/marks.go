package ui

import (
	"fmt"

	"github.com/cfkeys/cfkeys/cf"
)

// mark toggles the mark of the key under the cursor (and moves on, as file managers do), or with all the marks
// of every key the list shows (all marked: all unmarked), and says how many of the list's keys are marked.
func (m *Model) mark(lp *listPage, all bool) string {
	if m.env.marks == nil {
		m.env.marks = map[string]bool{}
	}
	marks := m.env.marks
	if all {
		every := len(lp.rows) > 0
		for _, r := range lp.rows {
			every = every && marks[r.id]
		}
		for _, r := range lp.rows {
			if every {
				delete(marks, r.id)
			} else if r.key != nil {
				marks[r.id] = true
			}
		}
	} else if r, ok := lp.selected(); ok && r.key != nil {
		if marks[r.id] {
			delete(marks, r.id)
		} else {
			marks[r.id] = true
		}
		lp.cursor++
		lp.clamp(m.c.listRows())
	}
	switch _, keys := m.marked(lp); len(keys) {
	case 0:
		return "no key marked"
	case 1:
		return "1 key marked: R rotates it"
	default:
		return fmt.Sprintf("%d keys marked: R rotates them in one plan", len(keys))
	}
}

// marked are the marked keys a list shows, in its order, and their foundations.
func (m *Model) marked(lp *listPage) ([]*foundationState, []*cf.KeyReport) {
	if len(m.env.marks) == 0 {
		return nil, nil
	}
	var fs []*foundationState
	var keys []*cf.KeyReport
	for _, r := range lp.rows {
		if r.key != nil && m.env.marks[r.id] {
			fs = append(fs, r.foundation)
			keys = append(keys, r.key)
		}
	}
	return fs, keys
}

// unmark forgets the marks of keys once they are rotated.
func (m *Model) unmark(f *foundationState, guids ...string) {
	for _, g := range guids {
		delete(m.env.marks, f.Name+"/"+g)
	}
}
