package expiry

// DNIndex finds, among many DNs parsed once, those a query may name without matching each of them: it maps every
// folded attribute value to the DNs holding it, so a query is matched only against the DNs holding its rarest
// value. The UI builds one per snapshot, off the event loop, and consults it on every keystroke of a filter.
type DNIndex struct {
	byValue map[string][]int32 // a folded value: the ids of the DNs holding it, ascending, each once
}

// NewDNIndex returns an empty index.
func NewDNIndex() *DNIndex { return &DNIndex{byValue: map[string][]int32{}} }

// Add records the DN with the given id. Ids are added in ascending order (an id may be added more than once in a
// row, as for a key's subject and issuer); a DN that is no DN (ParseDN's ok false) adds nothing.
func (x *DNIndex) Add(id int, dn ParsedDN) {
	for _, a := range dn.attrs {
		ids := x.byValue[a.value]
		if n := len(ids); n > 0 && ids[n-1] == int32(id) {
			continue
		}
		x.byValue[a.value] = append(ids, int32(id))
	}
}

// Candidates returns the ids of the DNs in x the query may match (with MatchParsed or Same), ascending and each
// once: those holding the query's rarest value, a superset of the matches that the caller narrows with
// MatchParsed or Same. It is nil when the query matches no DN. The slice belongs to x: do not change it.
func (q DNQuery) Candidates(x *DNIndex) []int32 {
	if x == nil {
		return nil
	}
	if q.attrs == nil {
		if q.bare == "" {
			return nil
		}
		return x.byValue[q.bare]
	}
	var best []int32
	for i, a := range q.attrs {
		ids := x.byValue[a.value]
		if len(ids) == 0 {
			return nil // no DN holds this value: none holds every value
		}
		if i == 0 || len(ids) < len(best) {
			best = ids
		}
	}
	return best
}
