package ui

import (
	"cmp"
	"slices"
)

// column is one column of a list, beside its cell: its title, how narrow it may get, how wide it may grow, in
// which order it gets spare width and is dropped on a narrow terminal, and how a row's cell is drawn.
type column struct {
	title  string
	min    int // narrowest useful width
	max    int // widest it needs (0: as wide as its content)
	weight int // among columns of the same drop order, the heavier gets spare width first
	drop   int // dropped first when the terminal is too narrow (higher first); 0: never dropped
	// cell draws a row's cell.
	cell func(r *row, x *cellCtx) cell
	// width is the width a row's cell wants, measured once when the row was built; nil measures the cell's text
	// (fine for lists of tens of rows, not for lists of keys).
	width func(r *row, x *cellCtx) int
}

// gap is the space between columns; marker is the selection marker's width at the start of each line.
const (
	gap    = 2
	marker = 2
)

// layoutColumns gives each column a width for a terminal width, 0 for dropped columns. natural is each column's
// content width (the widest cell, title included). Columns never get less than their minimum; when even the
// minimums do not fit, columns are dropped by their drop order.
func layoutColumns(cols []column, natural []int, width int) []int {
	widths := make([]int, len(cols))
	active := make([]bool, len(cols))
	for i := range cols {
		active[i] = true
	}
	used := func() int {
		n, sum := 0, 0
		for i, on := range active {
			if on {
				n++
				sum += widths[i]
			}
		}
		if n > 0 {
			sum += gap * (n - 1)
		}
		return sum + marker
	}
	want := func(i int) int {
		w := natural[i]
		if cols[i].max > 0 && w > cols[i].max {
			w = cols[i].max
		}
		return max(w, cols[i].min)
	}
	for i := range cols {
		widths[i] = min(cols[i].min, want(i))
	}
	for used() > width {
		worst := -1
		for i, c := range cols {
			if active[i] && c.drop > 0 && (worst < 0 || c.drop > cols[worst].drop) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		active[worst] = false
	}
	// Spare width goes to the most important columns first (never-dropped ones, then by drop order), each up
	// to what its content wants; weights order columns of equal importance.
	order := make([]int, 0, len(cols))
	for i := range cols {
		if active[i] {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(cols[a].drop, cols[b].drop); c != 0 {
			return c
		}
		return cmp.Compare(cols[b].weight, cols[a].weight)
	})
	spare := width - used()
	for _, i := range order {
		if spare <= 0 {
			break
		}
		add := min(want(i)-widths[i], spare)
		if add > 0 {
			widths[i] += add
			spare -= add
		}
	}
	for i := range cols {
		if !active[i] {
			widths[i] = 0
		}
	}
	return widths
}
