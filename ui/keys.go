package ui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
)

// keyMap holds every key binding; pages pick theirs for the footer and the help overlay.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom  key.Binding
	HalfUp, HalfDown                         key.Binding
	Open, Back                               key.Binding
	Filter, Expiring, Sort, Reverse, AllKeys key.Binding
	Refresh, CopyGUID, CopyDN, Reveal        key.Binding
	Errors, ScrollLeft, ScrollRight          key.Binding
	NextMatch, PrevMatch                     key.Binding
	Ack, Acks, AckedToo, RemoveAck           key.Binding
	Help, Quit                               key.Binding
	actionKeys
}

func defaultKeys() keyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Up:          b([]string{"up", "k"}, "↑/k", "up"),
		Down:        b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:      b([]string{"pgup", "ctrl+b"}, "pgup", "page up"),
		PageDown:    b([]string{"pgdown", "ctrl+f", "space"}, "pgdn", "page down"), // on lists of keys, space marks (actions.go)
		Top:         b([]string{"g", "home"}, "g", "top"),
		HalfUp:      b([]string{"ctrl+u"}, "ctrl+u", "half page up"),
		HalfDown:    b([]string{"ctrl+d"}, "ctrl+d", "half page down"),
		Bottom:      b([]string{"G", "end"}, "G", "bottom"),
		Open:        b([]string{"enter", "right", "l"}, "enter/→", "open"),
		Back:        b([]string{"esc", "left", "h", "backspace"}, "esc/←", "back"),
		Filter:      b([]string{"/"}, "/", "filter"),
		Expiring:    b([]string{"x"}, "x", "expiring only"),
		Sort:        b([]string{"s"}, "s", "sort"),
		Reverse:     b([]string{"S"}, "S", "reverse the order"),
		AllKeys:     b([]string{"a"}, "a", "all keys"),
		Refresh:     b([]string{"r"}, "r", "refresh"),
		CopyGUID:    b([]string{"y"}, "y", "copy GUID"),
		CopyDN:      b([]string{"Y"}, "Y", "copy subject DN"),
		Reveal:      b([]string{"v"}, "v", "reveal secrets"),
		Errors:      b([]string{"e"}, "e", "errors in full"),
		NextMatch:   b([]string{"n"}, "n", "next match (wraps)"),
		PrevMatch:   b([]string{"N"}, "N", "previous match"),
		ScrollLeft:  b([]string{"<", "shift+left"}, "<", "scroll left"),
		ScrollRight: b([]string{">", "shift+right"}, ">", "scroll right (cut columns)"),
		Ack:         b([]string{"m"}, "m", "acknowledge the key"),
		Acks:        b([]string{"M"}, "M", "acknowledgements"),
		AckedToo:    b([]string{"X"}, "X", "acked keys in x too"),
		RemoveAck:   b([]string{"d", "delete"}, "d", "remove the acknowledgement"),
		Help:        b([]string{"?"}, "?", "help"),
		Quit:        b([]string{"q", "ctrl+c"}, "q", "quit"),
		actionKeys:  defaultActionKeys(b),
	}
}

// footerKey is a binding with a shorter label for the one-line footer; the help overlay keeps the full one.
func footerKey(b key.Binding, keys, desc string) key.Binding {
	b.SetHelp(keys, desc)
	return b
}

// scroll moves a page of text (the detail and errors pages) by a line, a page, half a page or to either end when
// msg is one of those keys, and reports whether it was.
func (k keyMap) scroll(v *viewport.Model, msg tea.KeyPressMsg) bool {
	switch {
	case key.Matches(msg, k.Up):
		v.ScrollUp(1)
	case key.Matches(msg, k.Down):
		v.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		v.PageUp()
	case key.Matches(msg, k.PageDown):
		v.PageDown()
	case key.Matches(msg, k.HalfUp):
		v.HalfPageUp()
	case key.Matches(msg, k.HalfDown):
		v.HalfPageDown()
	case key.Matches(msg, k.Top):
		v.GotoTop()
	case key.Matches(msg, k.Bottom):
		v.GotoBottom()
	default:
		return false
	}
	return true
}
