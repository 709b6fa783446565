package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

func testFoundation() *foundationState {
	f := &foundationState{Foundation: Foundation{Name: "eu10", API: "https://api.cf.eu10.hana.ondemand.com"}}
	s := testSnapshot()
	f.setSnapshot(s, newIndex(s), uiNow)
	return f
}

func rowNames(rows []*row) string {
	var n []string
	for _, r := range rows {
		n = append(n, r.name)
	}
	return strings.Join(n, ",")
}

func TestBuildRows(t *testing.T) {
	t.Parallel()
	f := testFoundation()
	all := []*foundationState{f}
	tests := []struct {
		name string
		kind pageKind
		sc   scope
		want string
		keys []int
	}{
		{"orgs", kindOrgs, scope{foundation: f}, "acme-dev,acme-prod", []int{3, 6}},
		{"spaces with and without instances", kindSpaces, scope{foundation: f, orgGUID: "o-dev"}, "dev,sandbox", []int{3, 0}},
		{"instances with and without keys", kindInstances, scope{foundation: f, spaceGUID: "s-apps"}, "orders-uaa,destinations", []int{1, 0}},
		{"keys", kindKeys, scope{foundation: f, instGUID: "i-orders"}, "erp-sender,crm-sender,basic-auth", []int{1, 1, 1}},
		{"all keys", kindAllKeys, scope{foundation: f}, "erp-sender,crm-sender,basic-auth,grafana,dashboard,app-x509,dev-today,dev-broken,dev-old", nil},
		{"foundations", kindFoundations, scope{}, "eu10", []int{9}},
	}
	for _, tc := range tests {
		rows := buildRows(tc.kind, tc.sc, all)
		if got := rowNames(rows); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
		for i, n := range tc.keys {
			if len(rows[i].keys) != n {
				t.Errorf("%s: row %s has %d keys, want %d", tc.name, rows[i].name, len(rows[i].keys), n)
			}
		}
	}
	loading := &foundationState{Foundation: Foundation{Name: "us10"}}
	if rows := buildRows(kindOrgs, scope{foundation: loading}, nil); len(rows) != 0 {
		t.Error("rows before the first snapshot")
	}
}

func TestSummaryAndCounts(t *testing.T) {
	t.Parallel()
	f := testFoundation()
	rows := buildRows(kindOrgs, scope{foundation: f}, []*foundationState{f})
	th := newJudging(Options{Thresholds: expiry.DefaultThresholds})
	prod := summarise(f, rows[1].keys, uiNow, th)
	if prod.worst != expiry.StatusExpired || prod.total != 6 {
		t.Errorf("acme-prod summary = %+v", prod)
	}
	if got := joinCounts(countsText(prod, th)); got != "1 expired  1 ≤7d  1 ≤30d  2 ok  1 no cert" {
		t.Errorf("counts = %q", got)
	}
	dev := summarise(f, rows[0].keys, uiNow, th)
	if got := joinCounts(countsText(dev, th)); got != "1 expired  1 ≤7d  1 unknown" {
		t.Errorf("dev counts = %q", got)
	}
	if got := joinCounts(countsText(summarise(f, nil, uiNow, th), th)); got != "no keys" {
		t.Errorf("empty = %q", got)
	}
	// Six days later crm-sender (5d) has expired and app-x509 (23d) is critical: no refetch, only the clock.
	later := summarise(f, rows[1].keys, uiNow.AddDate(0, 0, 17), th)
	if got := joinCounts(countsText(later, th)); got != "2 expired  1 ≤7d  2 ok  1 no cert" {
		t.Errorf("later counts = %q", got)
	}
}

func TestFilterAndExpiring(t *testing.T) {
	t.Parallel()
	f := testFoundation()
	all := []*foundationState{f}
	keys := buildRows(kindAllKeys, scope{foundation: f}, all)
	filter := func(rows []*row, q string) string {
		var out []*row
		for _, r := range rows {
			if r.matches(newQuery(q)) {
				out = append(out, r)
			}
		}
		return rowNames(out)
	}
	tests := []struct{ q, want string }{
		{"crm", "crm-sender"},
		{"CPI-DEV", "dev-today,dev-broken,dev-old"},
		{"apps", "app-x509"},
		{"acme-dev", "dev-today,dev-broken,dev-old"},
		{"44444444-4444-4444-8444-444444444444", "grafana"},
		{"cn=erp-sender", "erp-sender"},
		{"Demo CA", "erp-sender,crm-sender,grafana,dashboard,app-x509,dev-today,dev-old"},
		{"nothing", ""},
	}
	for _, tc := range tests {
		if got := filter(keys, tc.q); got != tc.want {
			t.Errorf("filter %q = %s, want %s", tc.q, got, tc.want)
		}
	}
	orgs := buildRows(kindOrgs, scope{foundation: f}, all)
	if got := filter(orgs, "grafana"); got != "acme-prod" {
		t.Errorf("org rows holding a matching key: %s", got)
	}
	insts := buildRows(kindInstances, scope{foundation: f, spaceGUID: "s-int"}, all)
	if got := filter(insts, "api"); got != "cpi-monitoring" {
		t.Errorf("instances by plan: %s", got)
	}
	var soon []string
	j := newJudging(Options{Thresholds: expiry.DefaultThresholds})
	for _, r := range keys {
		if j.expiringRow(r, uiNow, 30) {
			soon = append(soon, r.name)
		}
	}
	if got := strings.Join(soon, ","); got != "crm-sender,grafana,app-x509,dev-today,dev-old" {
		t.Errorf("expiring = %s", got)
	}
}

func TestSortRows(t *testing.T) {
	t.Parallel()
	f := testFoundation()
	all := []*foundationState{f}
	keys := buildRows(kindAllKeys, scope{foundation: f}, all)
	tests := []struct {
		mode sortMode
		want string
	}{
		{sortDays, "dev-old,grafana,dev-today,crm-sender,app-x509,dashboard,erp-sender,dev-broken,basic-auth"},
		{sortName, "app-x509,basic-auth,crm-sender,dashboard,dev-broken,dev-old,dev-today,erp-sender,grafana"},
		{sortOrgSpace, "dev-broken,dev-old,dev-today,app-x509,dashboard,grafana,basic-auth,crm-sender,erp-sender"},
	}
	for _, tc := range tests {
		sortRows(keys, tc.mode)
		if got := rowNames(keys); got != tc.want {
			t.Errorf("%v: %s\nwant %s", tc.mode, got, tc.want)
		}
	}
	spaces := buildRows(kindSpaces, scope{foundation: f, orgGUID: "o-prod"}, all)
	sortRows(spaces, sortDays)
	if got := rowNames(spaces); got != "integration,apps" {
		t.Errorf("spaces by days = %s", got)
	}
}

func TestLayout(t *testing.T) {
	t.Parallel()
	cols := []column{
		{title: "STATUS", min: 8, max: 8},
		{title: "DAYS", min: 5, max: 6},
		{title: "KEY", min: 8, weight: 3},
		{title: "INSTANCE", min: 8, weight: 2, drop: 2},
		{title: "SUBJECT", min: 10, weight: 1, drop: 3},
	}
	natural := []int{8, 5, 30, 20, 40}
	tests := []struct {
		width int
		want  []int
	}{
		{200, []int{8, 5, 30, 20, 40}},
		{80, []int{8, 5, 24, 18, 15}}, // spare shared 3:2:1, not all to KEY first (issue 13: SUBJECT was squeezed to its minimum)
		{50, []int{8, 5, 9, 8, 10}},
		{45, []int{8, 5, 13, 9, 0}},
		{30, []int{8, 5, 9, 0, 0}},
		{10, []int{8, 5, 8, 0, 0}},
	}
	for _, tc := range tests {
		got := layoutColumns(cols, natural, tc.width)
		total := marker
		n := 0
		for _, w := range got {
			if w > 0 {
				total += w
				n++
			}
		}
		total += gap * (n - 1)
		if tc.width >= 31 && total > tc.width {
			t.Errorf("width %d: layout %v takes %d", tc.width, got, total)
		}
		for i, w := range got {
			if w != 0 && w < cols[i].min {
				t.Errorf("width %d: column %s below its minimum: %v", tc.width, cols[i].title, got)
			}
		}
		if tc.width == 200 || tc.width == 80 {
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("wide: %v, want %v", got, tc.want)
					break
				}
			}
		}
		if tc.width <= 45 && got[4] != 0 {
			t.Errorf("width %d kept the subject column: %v", tc.width, got)
		}
		if tc.width <= 30 && got[3] != 0 {
			t.Errorf("width %d kept the instance column: %v", tc.width, got)
		}
	}
}

// TestMatchesAgreesWithCF checks the folded search texts give the same answers as cf.KeyReport.Matches.
func TestMatchesAgreesWithCF(t *testing.T) {
	t.Parallel()
	f := testFoundation()
	rows := buildRows(kindAllKeys, scope{foundation: f}, []*foundationState{f})
	queries := []string{"", "crm", "CRM-SENDER", "cpi", "acme-dev", "integration", "apps", "11111111", "4444-4444-8444", "cn=", "CN=Demo CA", "o=demo corp",
		"0xabc", "ABC3ED", "ab:c3:ed", "0x", ":", "nothing", "sender,ou", "e", " crm "}
	for _, r := range rows {
		for _, q := range queries {
			if got, want := r.matches(newQuery(q)), r.key.Matches(q); got != want {
				t.Errorf("%s / %q: ui %v, cf %v", r.name, q, got, want)
			}
		}
	}
}

// Drawing changes nothing: a page is laid out when a message arrives, so View twice in a row, or not at all,
// leaves the same page behind.
func TestViewIsPure(t *testing.T) {
	t.Parallel()
	b := stub()
	b.snaps = append(b.snaps, testSnapshot())
	b.snaps[1].Keys = b.snaps[1].Keys[:4]
	h := oneFoundation(t, b, defaultOpts(), 100, 24)
	h.press("a", "G")
	h.press("r") // a refresh with fewer keys: the page must follow it before any frame is drawn
	lp := h.m.top().(*listPage)
	before := fmt.Sprintf("%d %d %d %v %v", lp.cursor, lp.offset, len(lp.rows), lp.key, lp.widths)
	first := h.m.View().Content
	after := fmt.Sprintf("%d %d %d %v %v", lp.cursor, lp.offset, len(lp.rows), lp.key, lp.widths)
	if before != after {
		t.Errorf("View changed the page:\n%s\n%s", before, after)
	}
	if second := h.m.View().Content; second != first {
		t.Error("two frames of the same model differ")
	}
	if len(lp.rows) != 4 {
		t.Errorf("the page shows %d rows after the refresh, want 4", len(lp.rows))
	}
}

// Every list kind has a spec whose every column draws its cell and says its width without measuring 10,000 keys.
func TestEveryListHasASpec(t *testing.T) {
	t.Parallel()
	for kind := kindFoundations; kind <= kindAllKeys; kind++ {
		s := specs[kind]
		if s == nil || s.rows == nil || s.open == nil || s.empty == "" {
			t.Fatalf("kind %d has no whole spec", kind)
		}
		for _, multi := range []bool{false, true} {
			for _, col := range s.columns(multi) {
				if col.cell == nil {
					t.Errorf("kind %d: column %s has no cell", kind, col.title)
				}
				if s.keys && col.width == nil && !(col.max > 0 && col.max == col.min) {
					t.Errorf("kind %d: key column %s would measure every row's text", kind, col.title)
				}
			}
		}
	}
}

// The joined-text scan a key list filters with finds exactly the rows row.matches finds.
func TestHaystackAgreesWithMatches(t *testing.T) {
	t.Parallel()
	f := testFoundation()
	rows := buildRows(kindAllKeys, scope{foundation: f}, []*foundationState{f})
	hay := newHaystack(len(rows), func(i int) string { return rows[i].meta.search })
	serials := newHaystack(len(rows), func(i int) string { return rows[i].meta.serial })
	for _, text := range []string{"crm", "sender", "e", "0xabc3ed", "ab:c3:ed", "cn=demo ca", "4444-4444", "zzz", "\x00", "acme-dev\x00"} {
		q := newQuery(text)
		hit := make([]bool, len(rows))
		hay.mark(q.lower, hit)
		serials.mark(q.serial, hit)
		for i, r := range rows {
			if hit[i] != r.matches(q) {
				t.Errorf("%q on %s: scan %v, matches %v", text, r.name, hit[i], r.matches(q))
			}
		}
	}
}
