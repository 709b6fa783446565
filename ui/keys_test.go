package ui

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
)

// TestScrollKeys checks the keys that scroll the detail and errors pages, from the same start each time.
func TestScrollKeys(t *testing.T) {
	t.Parallel()
	lines := make([]string, 40)
	for i := range lines {
		lines[i] = fmt.Sprintf("line %d", i)
	}
	for _, tc := range []struct {
		name string
		msg  tea.KeyPressMsg
		want int // the first line shown; the view starts at 10, 10 lines high
	}{
		{"down", keyMsg("j"), 11},
		{"up", keyMsg("k"), 9},
		{"page down", keyMsg("pgdown"), 20},
		{"page up", keyMsg("pgup"), 0},
		{"half down", tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl}, 15},
		{"half up", tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}, 5},
		{"top", keyMsg("g"), 0},
		{"bottom", keyMsg("G"), 30},
		{"not a scroll key", keyMsg("x"), 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := viewport.New(viewport.WithWidth(20), viewport.WithHeight(10))
			v.SetContent(strings.Join(lines, "\n"))
			v.SetYOffset(10)
			handled := defaultKeys().scroll(&v, tc.msg)
			if handled != (tc.name != "not a scroll key") || v.YOffset() != tc.want {
				t.Errorf("handled %v, first line %d, want %d", handled, v.YOffset(), tc.want)
			}
		})
	}
}
