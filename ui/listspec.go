package ui

import (
	"fmt"
	"time"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// listSpec is one kind of list, whole: its columns (each with its cell), its rows, what enter opens and what an
// empty list says. A list page asks its spec and never switches on its kind.
type listSpec struct {
	// columns are the list's columns; multi adds a FOUNDATION column where rows come from several foundations.
	columns func(multi bool) []column
	// rows lists the page's rows from the foundations' indexes.
	rows func(sc scope, all []*foundationState) []*row
	// open is the page a row opens.
	open func(r *row, c *common) page
	// empty says why the list is empty when nothing is loading, failing or filtered away.
	empty string
	// keys marks lists of keys: their rows can be copied, and their counts come from the rows themselves.
	keys bool
	// noun names the rows, singular and plural, for "412/9,000 keys".
	noun [2]string
	// sorts are the orders s cycles through (org/space only where rows come from several instances).
	sorts []sortMode
}

// cellCtx is what a cell is drawn with: the instant, the thresholds, the styles and the rows' summaries.
type cellCtx struct {
	now   time.Time
	judge *judging
	st    Styles
	sums  map[string]summary
	slots map[expiry.Status]int
	q     query // the page's filter, to say where it matched
	c     *common
}

// specs are the lists, by kind (set in init: a spec opens pages built from specs).
var specs map[pageKind]*listSpec

func init() {
	specs = map[pageKind]*listSpec{
		kindFoundations: {
			columns: func(bool) []column {
				return []column{nameColumn("FOUNDATION", 10), detailColumn("API", 12, 1, 2), groupStatusColumn, countsColumn,
					{title: "UPDATED", min: 8, max: 19, drop: 1, cell: func(r *row, x *cellCtx) cell {
						return cell{text: updatedText(r.foundation, x.c), style: x.st.Dim}
					}}}
			},
			rows:  foundationRows,
			open:  func(r *row, c *common) page { return newListPage(kindOrgs, scope{foundation: r.foundation}, r.name, c) },
			noun:  [2]string{"foundation", "foundations"},
			sorts: []sortMode{sortDays, sortName},
			empty: "no foundations",
		},
		kindOrgs: {
			columns: func(bool) []column { return []column{nameColumn("ORG", 12), groupStatusColumn, countsColumn} },
			rows:    orgRows,
			open: func(r *row, c *common) page {
				return newListPage(kindSpaces, scope{foundation: r.foundation, orgGUID: r.orgGUID}, r.name, c)
			},
			noun:  [2]string{"org", "orgs"},
			sorts: []sortMode{sortDays, sortName},
			empty: "no orgs visible to this user",
		},
		kindSpaces: {
			columns: func(bool) []column { return []column{nameColumn("SPACE", 12), groupStatusColumn, countsColumn} },
			rows:    spaceRows,
			open: func(r *row, c *common) page {
				return newListPage(kindInstances, scope{foundation: r.foundation, orgGUID: r.orgGUID, spaceGUID: r.spaceGUID}, r.name, c)
			},
			noun:  [2]string{"space", "spaces"},
			sorts: []sortMode{sortDays, sortName},
			empty: "no spaces in this org",
		},
		kindInstances: {
			columns: func(bool) []column {
				return []column{nameColumn("INSTANCE", 12), detailColumn("OFFERING / PLAN", 10, 1, 1), groupStatusColumn, countsColumn}
			},
			rows: instanceRows,
			open: func(r *row, c *common) page {
				return newListPage(kindKeys, scope{foundation: r.foundation, orgGUID: r.orgGUID, spaceGUID: r.spaceGUID, instGUID: r.inst.GUID}, r.name, c)
			},
			noun:  [2]string{"instance", "instances"},
			sorts: []sortMode{sortDays, sortName},
			empty: "no managed service instances in this space",
		},
		kindKeys: {
			columns: func(bool) []column {
				return []column{keyStatusColumn, daysColumn, untilColumn(3), keyTextColumn("KEY", 14, 3, 0, 0),
					keyTextColumn("SUBJECT CN / NOTE", 12, 2, 1, 4)}
			},
			rows:  instanceKeyRows,
			open:  openKey,
			noun:  [2]string{"key", "keys"},
			sorts: []sortMode{sortDays, sortName},
			empty: "no service keys on this instance",
			keys:  true,
		},
		kindAllKeys: {
			// KEY leads and the hierarchy follows from the leaf up (INSTANCE, SPACE, ORG), a path read from its
			// end, not ORG, SPACE, INSTANCE, KEY as cfkeys scan writes it: the list lists keys, KEY is the column
			// never dropped and the name the eye looks for first; ORG, the least telling here, goes first on a
			// narrow terminal.
			columns: func(multi bool) []column {
				cols := []column{keyStatusColumn, daysColumn, untilColumn(7), keyTextColumn("KEY", 14, 3, 0, 0),
					keyTextColumn("INSTANCE", 10, 2, 3, 1), keyTextColumn("SPACE", 8, 1, 2, 2), keyTextColumn("ORG", 8, 1, 1, 3),
					keyTextColumn("SUBJECT CN / NOTE", 12, 2, 6, 4)}
				if multi {
					cols = append([]column{{title: "FOUNDATION", min: 8, max: 20, drop: 4, middle: true,
						cell:  func(r *row, _ *cellCtx) cell { return cell{text: r.foundation.Name} },
						width: func(r *row, _ *cellCtx) int { return r.foundationWidth }}}, cols...)
				}
				return cols
			},
			rows:  allKeyRows,
			open:  openKey,
			noun:  [2]string{"key", "keys"},
			sorts: []sortMode{sortDays, sortName, sortOrgSpace},
			empty: "no service keys",
			keys:  true,
		},
	}
}

func openKey(r *row, _ *common) page { return newDetailPage(r.foundation, r.key) }

// nameColumn is a group row's name.
func nameColumn(title string, minWidth int) column {
	return column{title: title, min: minWidth, weight: 2, middle: true,
		cell:  func(r *row, _ *cellCtx) cell { return cell{text: r.name} },
		width: func(r *row, _ *cellCtx) int { return r.nameWidth }}
}

// detailColumn is a group row's second text (API, offering and plan), dimmed.
func detailColumn(title string, minWidth, weight, drop int) column {
	return column{title: title, min: minWidth, weight: weight, drop: drop,
		cell:  func(r *row, x *cellCtx) cell { return cell{text: r.detail, style: x.st.Dim} },
		width: func(r *row, _ *cellCtx) int { return r.detailWidth }}
}

// groupStatusColumn is the worst status beneath a group row.
var groupStatusColumn = column{title: "STATUS", min: 8, max: 8, cell: func(r *row, x *cellCtx) cell {
	sum := x.sums[r.id]
	if r.foundation.partial {
		// While keys are listed and read, a status is shown once it cannot get better: every key beneath is read
		// (from the cache, say), or one already needs attention.
		if len(r.keys) == 0 || sum.reading == len(r.keys) || (sum.reading > 0 && !sum.worst.Soon()) {
			return cell{text: "…", style: x.st.Dim}
		}
	}
	if len(r.keys) == 0 {
		return cell{text: "-", style: x.st.Dim}
	}
	return cell{text: statusName(sum.worst), style: x.st.Status(sum.worst)}
}}

// countsColumn counts the keys beneath a group row by status.
var countsColumn = column{title: "KEYS", min: 12, weight: 4, cell: func(r *row, x *cellCtx) cell {
	if f := r.foundation; f.partial && len(r.keys) > 0 {
		return cell{text: joinCounts(partialCounts(x.sums[r.id], x.judge)), counts: partialCounts(x.sums[r.id], x.judge)}
	}
	if f := r.foundation; f.snap == nil || f.partial { // keys not read yet are not "no keys"
		text := "loading…"
		switch {
		case f.connecting:
			text = "connecting…"
		case f.lastErr != nil && !f.busy:
			text = "failed (e shows why)"
		}
		return cell{text: text, style: x.st.Dim}
	}
	parts := countsText(x.sums[r.id], x.judge)
	if len(r.keys) > 0 {
		parts = alignCounts(parts, x.slots)
	}
	return cell{text: joinCounts(parts), counts: parts}
}, width: func(r *row, x *cellCtx) int {
	if r.foundation.partial && len(r.keys) > 0 {
		return safetext.Width(joinCounts(partialCounts(x.sums[r.id], x.judge)))
	}
	if len(r.keys) == 0 || r.foundation.snap == nil || r.foundation.partial {
		return 20 // "no keys", "loading…", "failed (e shows why)"
	}
	w := 0
	for _, n := range x.slots {
		w += n + 2
	}
	return max(w-2, 0)
}}

// partialCounts is a counts cell while a first load reads keys: the keys read so far by status, then how many
// are still being read.
func partialCounts(s summary, j *judging) []countPart {
	var parts []countPart
	if s.total > s.reading {
		parts = countsText(s, j)
	}
	if s.reading > 0 {
		parts = append(parts, countPart{status: expiry.StatusNone, text: fmt.Sprintf("%d reading…", s.reading)})
	}
	return parts
}

// readingCell is what a key's status, days and date say while its credentials are being read.
func readingCell(x *cellCtx) cell { return cell{text: "…", style: x.st.Dim} }

// keyStatusColumn is a key's status.
var keyStatusColumn = column{title: "STATUS", min: 8, max: 8, cell: func(r *row, x *cellCtx) cell {
	if r.key.Reading {
		return readingCell(x)
	}
	ks := x.judge.state(r.foundation, r.key, x.now)
	return cell{text: statusName(ks.shown), style: x.st.Status(ks.shown)}
}}

// daysColumn is a key's days remaining.
var daysColumn = column{title: "DAYS", min: 5, max: 7,
	cell: func(r *row, x *cellCtx) cell {
		if r.key.Reading {
			return readingCell(x)
		}
		ks := x.judge.state(r.foundation, r.key, x.now) // the true days and status, acknowledged or not
		e := report.Entry{}
		if ks.hasDays {
			e.DaysRemaining = &ks.days
		}
		return cell{text: report.DaysCell(e), style: x.st.Status(ks.status)}
	},
	width: func(r *row, x *cellCtx) int {
		if !r.meta.hasCert {
			return 1
		}
		// The width of report.DaysCell's "-12d", counted without building the text: this runs for every row.
		d, w := expiry.DaysRemaining(r.earliest, x.now), 2
		if d < 0 {
			d, w = -d, 3
		}
		for ; d >= 10; d /= 10 {
			w++
		}
		return w
	}}

// untilColumn is the date a key stops working.
func untilColumn(drop int) column {
	return column{title: "VALID UNTIL", min: 11, max: 11, drop: drop, yield: true, cell: func(r *row, x *cellCtx) cell {
		if r.key.Reading {
			return readingCell(x)
		}
		if !x.judge.state(r.foundation, r.key, x.now).hasDays {
			return cell{text: "-"}
		}
		return cell{text: r.key.Finding.Certificate.Effective().UTC().Format("2006-01-02")}
	}}
}

// keyTextColumn is one of a key's texts, measured once per snapshot: 0 name, 1 instance, 2 space, 3 org,
// 4 note (dimmed).
func keyTextColumn(title string, minWidth, weight, drop, field int) column {
	return column{title: title, min: minWidth, weight: weight, drop: drop, middle: true, wide: field == 4, yield: field == 4,
		cell: func(r *row, x *cellCtx) cell {
			i := r.key.Instance
			text := [...]string{r.key.Name, i.Name, i.SpaceName, i.OrgName, r.meta.note}[field]
			if field == 4 && x.q.lower != "" {
				if where := r.matchedWhere(x.q); where != "" {
					return cell{text: where} // what matched, where the list does not show it
				}
			}
			if field == 4 {
				if ks := x.judge.state(r.foundation, r.key, x.now); ks.v.Acked() {
					text = ackNote(ks) // as scan's table: the true status, until when, by whom and why
				}
				return cell{text: text, style: x.st.Dim}
			}
			return cell{text: text}
		},
		width: func(r *row, x *cellCtx) int {
			if field == 4 && len(x.judge.pol.Acks) > 0 { // only then may a note be an acknowledgement's
				if ks := x.judge.state(r.foundation, r.key, x.now); ks.v.Acked() {
					return measure(ackNote(ks))
				}
			}
			return r.meta.widths[field]
		}}
}

// measure is the width a cell's text takes on screen.
func measure(text string) int { return safetext.Width(safetext.Clean(text)) }
