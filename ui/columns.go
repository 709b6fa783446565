package ui

// column is one column of a list, beside its cell: its title, how narrow it may get, how wide it may grow, in
// which order it gets spare width and is dropped on a narrow terminal, and how a row's cell is drawn.
type column struct {
	title  string
	min    int // narrowest useful width
	max    int // widest it needs (0: as wide as its content)
	weight int // share of spare width, beside the other columns' weights (0: gets what it wants first)
	drop   int // dropped first when the terminal is too narrow (higher first); 0: never dropped
	// yield drops the column whenever a name would be cut: it repeats what another says (VALID UNTIL beside
	// DAYS), or matters less than whole names (the note).
	yield bool
	// middle cuts a too-long cell in its middle (cpi-inb…orders), for names whose end tells them apart.
	middle bool
	// wide lets the column want more than 60 cells (notes use the room there is).
	wide bool
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
// minimums do not fit, columns are dropped by their drop order. Spare width is shared by weight, each column up
// to what its content wants, so one long name cannot take every spare cell. A yielding column is dropped when
// another column would be cut.
func layoutColumns(cols []column, natural []int, width int) []int {
	active := make([]bool, len(cols))
	for i := range cols {
		active[i] = true
	}
	want := func(i int) int {
		w := natural[i]
		if cols[i].max > 0 && w > cols[i].max {
			w = cols[i].max
		}
		return max(w, cols[i].min)
	}
	widths := fill(cols, active, want, width)
	for used(widths, active) > width {
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
		widths = fill(cols, active, want, width)
	}
	// Yielding columns go, highest drop order first, while a name (a column that neither yields nor is wide) is cut.
	cutName := func(widths []int) bool {
		for j, c := range cols {
			if active[j] && !c.yield && !c.wide && widths[j] < soft(cols[j], want(j)) {
				return true
			}
		}
		return false
	}
	var yielded []int
	for {
		cut := cutName(widths)
		next := -1
		for i, c := range cols {
			if active[i] && c.yield && (next < 0 || c.drop > cols[next].drop) {
				next = i
			}
		}
		if !cut || next < 0 {
			break
		}
		active[next] = false
		yielded = append(yielded, next)
		widths = fill(cols, active, want, width)
	}
	// A column that yielded may fit again once a later one went too (VALID UNTIL beside a long note): the last to
	// go is tried first, and each comes back when it cuts no name.
	for k := len(yielded) - 1; k >= 0; k-- {
		i := yielded[k]
		active[i] = true
		if w := fill(cols, active, want, width); used(w, active) <= width && !cutName(w) {
			widths = w
			continue
		}
		active[i] = false
	}
	for i := range cols {
		if !active[i] {
			widths[i] = 0
		}
	}
	return widths
}

// used is the width the active columns take with their gaps and the selection marker.
func used(widths []int, active []bool) int {
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

// softName is the width up to which a name column is served before wide columns are: past it a name cut in its
// middle still tells itself apart.
const softName = 24

// soft is what a column wants in the first round of sharing: a name up to softName cells, a wide column all of it.
func soft(c column, want int) int {
	if c.wide {
		return want
	}
	return min(want, max(c.min, softName))
}

// fill gives the active columns their minimums, then shares what is left: columns of weight 0 first (small
// fixed columns), then the others in proportion to their weights, first each name up to softName cells (so one
// long name cannot squeeze the note), then each up to what it wants.
func fill(cols []column, active []bool, want func(int) int, width int) []int {
	widths := make([]int, len(cols))
	for i := range cols {
		widths[i] = min(cols[i].min, want(i))
	}
	spare := width - used(widths, active)
	for i := range cols {
		if active[i] && cols[i].weight == 0 && spare > 0 {
			add := min(want(i)-widths[i], spare)
			widths[i] += add
			spare -= add
		}
	}
	spare = share(cols, active, widths, spare, func(i int) int { return soft(cols[i], want(i)) })
	share(cols, active, widths, spare, want)
	return widths
}

// share gives spare cells to the weighted active columns in proportion to their weights, each up to target,
// and returns what is left.
func share(cols []column, active []bool, widths []int, spare int, target func(int) int) int {
	want := target
	for spare > 0 {
		total := 0
		for i := range cols {
			if active[i] && cols[i].weight > 0 && widths[i] < want(i) {
				total += cols[i].weight
			}
		}
		if total == 0 {
			break
		}
		given := 0
		for i := range cols {
			if !active[i] || cols[i].weight == 0 || widths[i] >= want(i) || spare-given <= 0 {
				continue
			}
			add := min(want(i)-widths[i], max(spare*cols[i].weight/total, 1), spare-given)
			widths[i] += add
			given += add
		}
		spare -= given
	}
	return spare
}
