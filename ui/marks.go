package ui

import (
	"fmt"

	"github.com/cfkeys/cfkeys/cf"
)

// mark toggles the mark of the key under the cursor, or with all of every key the list shows (all marked: all
// unmarked), and says how many are marked.
func (m *Model) mark(lp *listPage, all bool) string {
	if m.acts.marks == nil {
		m.acts.marks = map[*listPage]map[string]*row{}
	}
	marks := m.acts.marks[lp]
	if marks == nil {
		marks = map[string]*row{}
		m.acts.marks[lp] = marks
	}
	if all {
		every := len(lp.rows) > 0
		for _, r := range lp.rows {
			every = every && marks[r.id] != nil
		}
		for _, r := range lp.rows {
			if every {
				delete(marks, r.id)
			} else if r.key != nil {
				marks[r.id] = r
			}
		}
	} else if r, ok := lp.selected(); ok && r.key != nil {
		if marks[r.id] != nil {
			delete(marks, r.id)
		} else {
			marks[r.id] = r
		}
		lp.cursor++ // on to the next row, as file managers do
		lp.clamp(m.c.listRows())
	}
	switch n := len(marks); n {
	case 0:
		return "no key marked"
	case 1:
		return "1 key marked: R rotates it"
	default:
		return fmt.Sprintf("%d keys marked: R rotates them in one plan", n)
	}
}

// marked are a list's marked keys that its foundation still lists, in the list's order, and their foundations.
func (m *Model) marked(lp *listPage) ([]*foundationState, []*cf.KeyReport) {
	marks := m.acts.marks[lp]
	if len(marks) == 0 {
		return nil, nil
	}
	var fs []*foundationState
	var keys []*cf.KeyReport
	for _, r := range lp.base {
		if marks[r.id] == nil || r.key == nil {
			continue
		}
		fs = append(fs, r.foundation)
		keys = append(keys, r.key)
	}
	return fs, keys
}
