package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// pageKind is what a list page lists.
type pageKind int

// The list pages, from the root down.
const (
	kindFoundations pageKind = iota
	kindOrgs                 // a foundation's orgs
	kindSpaces               // an org's spaces
	kindInstances            // a space's service instances
	kindKeys                 // an instance's keys
	kindAllKeys              // every key of a foundation (or of all foundations)
)

// row is one line of a list page: a foundation, org, space or instance with the keys beneath it, or one key.
type row struct {
	id         string // stable identity, to keep the selection across refreshes
	name       string
	foundation *foundationState
	orgGUID    string
	spaceGUID  string
	inst       *cf.ServiceInstance
	key        *cf.KeyReport
	meta       *keyMeta        // for a key row
	keys       []*cf.KeyReport // the keys beneath (one for a key row)
	detail     string          // a second text: API, offering/plan

	// The widths of the row's texts on screen, measured when the row is built.
	nameWidth, detailWidth, foundationWidth int

	// Sort and search keys, computed when the row is built.
	lname    string
	lpath    string
	search   string    // lower-case name and detail (rows that are not keys)
	rank     int       // 0: holds a certificate, 1: unknown, 2: no certificate
	earliest time.Time // the earliest certificate expiry of the row's keys
}

// scope is where a page sits: the foundation and the org, space or instance it lists.
type scope struct {
	foundation *foundationState // nil: every foundation
	orgGUID    string
	spaceGUID  string
	instGUID   string
}

// buildRows lists a page's rows from the foundations' indexes, as the page's spec says.
func buildRows(kind pageKind, sc scope, all []*foundationState) []*row {
	return specs[kind].rows(sc, all)
}

// groupRow completes a row that groups keys (a foundation, org, space or instance): its sort and search keys,
// and its texts' widths.
func groupRow(r *row) *row {
	r.lname, r.search = strings.ToLower(r.name), strings.ToLower(safetext.Clean(r.name)+"\x00"+safetext.Clean(r.detail))
	r.lpath, r.rank = r.lname, 1
	r.nameWidth, r.detailWidth = measure(r.name), measure(r.detail)
	for _, k := range r.keys {
		if c := k.Finding.Certificate; c != nil && (r.earliest.IsZero() || c.Effective().Before(r.earliest)) {
			r.earliest, r.rank = c.Effective(), 0
		}
	}
	return r
}

func foundationRows(_ scope, all []*foundationState) []*row {
	var rows []*row
	for _, f := range all {
		r := &row{id: f.Name, name: f.Name, foundation: f, detail: f.API}
		if f.idx != nil {
			r.keys = f.idx.keys
		}
		rows = append(rows, groupRow(r))
	}
	return rows
}

func orgRows(sc scope, _ []*foundationState) []*row {
	var rows []*row
	if ix := sc.foundation.idx; ix != nil {
		for _, o := range ix.orgs {
			rows = append(rows, groupRow(&row{id: o.GUID, name: o.Name, foundation: sc.foundation, orgGUID: o.GUID, keys: ix.keysByOrg[o.GUID]}))
		}
	}
	return rows
}

func spaceRows(sc scope, _ []*foundationState) []*row {
	var rows []*row
	if ix := sc.foundation.idx; ix != nil {
		for _, sp := range ix.spacesByOrg[sc.orgGUID] {
			rows = append(rows, groupRow(&row{id: sp.GUID, name: sp.Name, foundation: sc.foundation, orgGUID: sc.orgGUID, spaceGUID: sp.GUID, keys: ix.keysBySpace[sp.GUID]}))
		}
	}
	return rows
}

func instanceRows(sc scope, _ []*foundationState) []*row {
	var rows []*row
	if ix := sc.foundation.idx; ix != nil {
		for _, si := range ix.instsBySpace[sc.spaceGUID] {
			rows = append(rows, groupRow(&row{id: si.GUID, name: si.Name, foundation: sc.foundation, orgGUID: si.OrgGUID, spaceGUID: si.SpaceGUID, inst: si,
				keys: ix.keysByInstance[si.GUID], detail: strings.TrimSpace(si.OfferingName + " " + si.PlanName)}))
		}
	}
	return rows
}

func instanceKeyRows(sc scope, _ []*foundationState) []*row {
	var rows []*row
	if ix := sc.foundation.idx; ix != nil {
		for _, k := range ix.keysByInstance[sc.instGUID] {
			rows = append(rows, keyRow(sc.foundation, k))
		}
	}
	return rows
}

func allKeyRows(sc scope, all []*foundationState) []*row {
	var rows []*row
	for _, f := range all {
		if (sc.foundation != nil && f != sc.foundation) || f.idx == nil {
			continue
		}
		fw := measure(f.Name)
		for _, k := range f.idx.keys {
			r := keyRow(f, k)
			r.foundationWidth = fw
			rows = append(rows, r)
		}
	}
	return rows
}

func keyRow(f *foundationState, k *cf.KeyReport) *row {
	m := f.idx.meta[k]
	r := &row{id: f.Name + "/" + k.GUID, name: k.Name, foundation: f, orgGUID: k.Instance.OrgGUID, spaceGUID: k.Instance.SpaceGUID, key: k, meta: m,
		keys: []*cf.KeyReport{k}, lname: m.lname, lpath: strings.ToLower(f.Name) + "\x00" + m.lpath, rank: 2}
	switch {
	case m.hasCert:
		r.rank, r.earliest = 0, k.Finding.Certificate.Effective()
	case m.unknown:
		r.rank = 1
	}
	return r
}

// summary counts the keys beneath a row by the status a list shows (acknowledged keys as acked).
type summary struct {
	counts   map[expiry.Status]int
	worst    expiry.Status
	total    int
	earliest time.Time // the earliest certificate expiry beneath, zero when none
	reading  int       // keys whose credentials a first load is still reading: in no count
}

func summarise(f *foundationState, keys []*cf.KeyReport, now time.Time, j *judging) summary {
	s := summary{counts: map[expiry.Status]int{}, worst: expiry.StatusNone, total: len(keys)}
	for _, k := range keys {
		if k.Reading {
			s.reading++
			continue
		}
		st := j.state(f, k, now).shown
		s.counts[st]++
		if urgency(st) < urgency(s.worst) {
			s.worst = st
		}
		if c := k.Finding.Certificate; c != nil && (s.earliest.IsZero() || c.Effective().Before(s.earliest)) {
			s.earliest = c.Effective()
		}
	}
	return s
}

// countsText is a row's "2 expired  1 critical  3 warning  1 acked  12 ok" with each count's status, for
// colouring. With one pair of day thresholds for every key it says them instead: "1 ≤7d  3 ≤30d".
func countsText(s summary, j *judging) []countPart {
	var parts []countPart
	labels := map[expiry.Status]string{
		expiry.StatusExpired: "expired", expiry.StatusCritical: "critical", expiry.StatusWarning: "warning",
		expiry.StatusUnknown: "unknown", statusAcked: "acked", expiry.StatusOK: "ok", expiry.StatusNone: "no cert",
	}
	if th := j.uniform; th != nil {
		labels[expiry.StatusCritical], labels[expiry.StatusWarning] = fmt.Sprintf("≤%dd", th.Critical), fmt.Sprintf("≤%dd", th.Warning)
	}
	for _, st := range uiStatuses {
		if n := s.counts[st]; n > 0 {
			parts = append(parts, countPart{status: st, text: fmt.Sprintf("%d %s", n, labels[st])})
		}
	}
	if len(parts) == 0 {
		parts = append(parts, countPart{status: expiry.StatusNone, text: "no keys"})
	}
	return parts
}

// countPart is one "3 ≤30d" of a counts cell.
type countPart struct {
	status expiry.Status
	text   string
	pad    int // spaces after it, so the same status lines up across rows
}

// alignCounts puts each status's count in its slot (slots: the widest count of each status among the rows), so
// "2 ok" stands under "2 ok" whatever precedes it; a status a row lacks is a blank slot.
func alignCounts(parts []countPart, slots map[expiry.Status]int) []countPart {
	if len(slots) == 0 || (len(parts) == 1 && parts[0].text == "no keys") {
		return parts
	}
	have := map[expiry.Status]string{}
	for _, p := range parts {
		have[p.status] = p.text
	}
	var out []countPart
	for _, st := range uiStatuses {
		w, ok := slots[st]
		if !ok {
			continue
		}
		text := have[st]
		out = append(out, countPart{status: st, text: text, pad: w - safetext.Width(text)})
	}
	// Trailing blank slots draw nothing.
	for len(out) > 0 && out[len(out)-1].text == "" {
		out = out[:len(out)-1]
	}
	return out
}

// joinCounts is the plain text of a counts cell.
func joinCounts(parts []countPart) string {
	texts := make([]string, len(parts))
	for i, p := range parts {
		texts[i] = p.text
	}
	return strings.Join(texts, "  ")
}

// query is a filter text, folded once for matching.
type query struct {
	lower, serial string
	dn            expiry.DNQuery // when the text reads as a DN: matched attribute by attribute, in any spelling
	// dnHits are, per index and by a key's ord, the keys whose subject or issuer DN the DN query names (markDN);
	// nil for an index none of whose keys it names.
	dnHits map[*index][]bool
}

// markDN finds, once per keystroke, the keys of the foundations whose subject or issuer DN the query names,
// matching only the keys holding the query's rarest value (each index's DN index), not every key.
func (q *query) markDN(fs []*foundationState) {
	if !q.dn.IsDN() {
		return
	}
	q.dnHits = map[*index][]bool{}
	for _, f := range fs {
		if f.idx == nil {
			continue
		}
		var hit []bool
		for _, id := range q.dn.Candidates(f.idx.dns) {
			m := f.idx.metas[id]
			if q.dn.MatchParsed(m.subjectDN) || q.dn.MatchParsed(m.issuerDN) {
				if hit == nil {
					hit = make([]bool, len(f.idx.metas))
				}
				hit[id] = true
			}
		}
		q.dnHits[f.idx] = hit
	}
}

// namesDN reports whether the query, read as a DN, names the key's subject or issuer DN: from markDN's hits when
// it marked the key's index, else by matching.
func (q query) namesDN(ix *index, m *keyMeta) bool {
	if !q.dn.IsDN() {
		return false
	}
	if hit, ok := q.dnHits[ix]; ok && ix != nil && m.ord < len(ix.metas) && ix.metas[m.ord] == m {
		return m.ord < len(hit) && hit[m.ord]
	}
	return q.dn.MatchParsed(m.subjectDN) || q.dn.MatchParsed(m.issuerDN)
}

// namesNoDN reports whether markDN found that the query names no key's DN at all, so no row needs asking.
func (q query) namesNoDN() bool {
	if !q.dn.IsDN() {
		return true
	}
	if q.dnHits == nil {
		return false
	}
	for _, hit := range q.dnHits {
		if hit != nil {
			return false
		}
	}
	return true
}

func newQuery(q string) query {
	q = strings.TrimSpace(q)
	return query{lower: strings.ToLower(q), serial: expiry.FoldSerial(q), dn: expiry.NewDNQuery(q)}
}

// matches reports whether a row passes the filter: its own names, or any key beneath (key, instance, space and
// org names, binding GUID, subject and issuer DN, serial with or without 0x and colons), as cf.KeyReport.Matches
// decides, using the texts folded once per snapshot.
func (r *row) matches(q query) bool {
	if q.lower == "" {
		return true
	}
	if r.key == nil && strings.Contains(r.search, q.lower) {
		return true
	}
	for _, k := range r.keys {
		m := r.meta
		if r.key == nil {
			m = r.foundation.idx.meta[k]
		}
		if strings.Contains(m.search, q.lower) || (q.serial != "" && strings.Contains(m.serial, q.serial)) {
			return true
		}
		if q.namesDN(r.foundation.idx, m) {
			return true
		}
	}
	return false
}

// matchedWhere says, for a key row the filter keeps, where the filter matched when that is not in a column the
// list shows by name (key, instance, space, org): "GUID 2222…", "subject: CN=…", "issuer: CN=…", "serial 0x…".
// It is "" when a shown name matched.
func (r *row) matchedWhere(q query) string {
	if r.key == nil || q.lower == "" {
		return ""
	}
	m := r.meta
	if i := strings.Index(m.search, q.lower); i >= 0 {
		c := r.key.Finding.Certificate
		switch strings.Count(m.search[:i], "\x00") {
		case 0, 1, 2, 3:
			return ""
		case 4:
			return "GUID " + r.key.GUID
		case 5:
			return "subject: " + c.SubjectDN
		case 6:
			return "issuer: " + c.IssuerDN
		}
	}
	c := r.key.Finding.Certificate
	switch {
	case c == nil:
		return ""
	case q.serial != "" && strings.Contains(m.serial, q.serial):
		return "serial " + c.Serial
	case q.dn.IsDN() && q.dn.MatchParsed(m.subjectDN):
		return "subject: " + c.SubjectDN
	case q.dn.IsDN() && q.dn.MatchParsed(m.issuerDN):
		return "issuer: " + c.IssuerDN
	}
	return ""
}

// sortMode is a list's order; s cycles through them.
type sortMode int

// The orders a list can have.
const (
	sortDays     sortMode = iota // days remaining, expired first
	sortName                     // name
	sortOrgSpace                 // org, space, instance, key
	sortModes
)

func (m sortMode) String() string {
	return [...]string{"days remaining", "name", "org/space"}[m]
}

// sortRows orders rows. By days: certificate keys (or rows holding them) by earliest expiry, then unknown, then
// rows without certificates, each by name. The sort keys were computed when the rows were built.
func sortRows(rows []*row, mode sortMode) {
	slices.SortStableFunc(rows, func(a, b *row) int {
		switch mode {
		case sortDays:
			if c := cmp.Compare(a.rank, b.rank); c != 0 {
				return c
			}
			if c := a.earliest.Compare(b.earliest); c != 0 {
				return c
			}
		case sortOrgSpace:
			if c := cmp.Compare(a.lpath, b.lpath); c != 0 {
				return c
			}
		}
		if c := cmp.Compare(a.lname, b.lname); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
}
