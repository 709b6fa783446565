package cffake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ccError is one entry of a Cloud Controller error body.
type ccError struct {
	Detail string `json:"detail"`
	Title  string `json:"title"`
	Code   int    `json:"code"`
}

// writeJSON writes v as the JSON body of a response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len())) // the whole answer is at hand; hostile.go sends chunked ones
	w.Header().Set("X-Vcap-Request-Id", newGUID())
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// ccFail writes a Cloud Controller error body.
func ccFail(w http.ResponseWriter, status int, title string, code int, detail string) {
	writeJSON(w, status, map[string]any{"errors": []ccError{{Detail: detail, Title: title, Code: code}}})
}

func notFound(w http.ResponseWriter, what string) {
	ccFail(w, http.StatusNotFound, "CF-ResourceNotFound", 10010, what+" not found")
}

func notAuthorized(w http.ResponseWriter) {
	ccFail(w, http.StatusForbidden, "CF-NotAuthorized", 10003, "You are not authorized to perform the requested action")
}

func badQuery(w http.ResponseWriter, detail string) {
	ccFail(w, http.StatusBadRequest, "CF-BadQueryParameter", 10005, "The query parameter is invalid: "+detail)
}

func unprocessable(w http.ResponseWriter, detail string) {
	ccFail(w, http.StatusUnprocessableEntity, "CF-UnprocessableEntity", 10008, detail)
}

// ts formats a timestamp as the Cloud Controller does: UTC, seconds, Z.
func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// link is a {"href": ...} object.
func link(href string) map[string]string { return map[string]string{"href": href} }

// listQuery is a validated list request.
type listQuery struct {
	page, perPage int
	orderBy       string // as given (normalised with a sign), empty when not given
	values        url.Values
}

// common list parameters every list endpoint accepts.
var commonListParams = []string{"page", "per_page", "order_by", "created_ats", "updated_ats", "guids", "label_selector"}

// parseList validates a list request's query against the endpoint's parameters, answering 400 as the Cloud
// Controller does. allowed lists the endpoint's own parameters (besides the common ones); fields is the
// endpoint's fields[...] table. It returns false when it has answered.
func parseList(w http.ResponseWriter, r *http.Request, allowed []string, fields map[string][]string, orderable []string) (listQuery, bool) {
	q := r.URL.Query()
	valid := append(append([]string{}, commonListParams...), allowed...)
	var unknown []string
	for k := range q {
		if strings.HasPrefix(k, "fields[") && len(fields) > 0 {
			continue
		}
		if !contains(valid, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		badQuery(w, fmt.Sprintf("Unknown query parameter(s): '%s'. Valid parameters are: '%s'", strings.Join(unknown, "', '"), strings.Join(valid, "', '")))
		return listQuery{}, false
	}
	if !validFields(w, q, fields) {
		return listQuery{}, false
	}
	lq := listQuery{page: 1, perPage: 50, values: q}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			badQuery(w, "Page must be greater than 0")
			return listQuery{}, false
		}
		lq.page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5000 {
			badQuery(w, "Per page must be between 1 and 5000")
			return listQuery{}, false
		}
		lq.perPage = n
	}
	if v := q.Get("order_by"); v != "" {
		field := strings.TrimLeft(v, "+-")
		if !contains(orderable, field) {
			badQuery(w, fmt.Sprintf("Order by can only be: '%s'", strings.Join(orderable, "', '")))
			return listQuery{}, false
		}
		if v[0] != '-' && v[0] != '+' {
			v = "+" + v
		}
		lq.orderBy = v
	}
	return lq, true
}

// validFields checks fields[resource]=a,b parameters against an endpoint's table.
func validFields(w http.ResponseWriter, q url.Values, table map[string][]string) bool {
	for k, vs := range q {
		if !strings.HasPrefix(k, "fields[") {
			continue
		}
		res := strings.TrimSuffix(strings.TrimPrefix(k, "fields["), "]")
		allowedKeys, ok := table[res]
		if !ok || !strings.HasSuffix(k, "]") {
			keys := make([]string, 0, len(table))
			for k := range table {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			badQuery(w, fmt.Sprintf("Fields [%s] valid resources are: '%s'", res, strings.Join(keys, "', '")))
			return false
		}
		for _, v := range vs {
			for _, f := range strings.Split(v, ",") {
				if !contains(allowedKeys, f) {
					badQuery(w, fmt.Sprintf("Fields valid keys for '%s' are: '%s'", res, strings.Join(allowedKeys, "', '")))
					return false
				}
			}
		}
	}
	return true
}

// fieldsFor returns the requested fields of a resource ("space" -> [guid name]).
func (lq listQuery) fieldsFor(res string) []string {
	v := lq.values.Get("fields[" + res + "]")
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// list returns the comma-separated values of a filter, nil when absent.
func (lq listQuery) list(name string) []string {
	if !lq.values.Has(name) {
		return nil
	}
	v := lq.values.Get(name)
	if v == "" {
		return []string{}
	}
	return strings.Split(v, ",")
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// pageOf slices items for the requested page and builds the pagination object with links as the Cloud
// Controller writes them: absolute, with every parameter of the request, keys sorted, values percent-encoded.
func pageOf[T any](r *http.Request, lq listQuery, items []T) ([]T, map[string]any) {
	total := len(items)
	pages := (total + lq.perPage - 1) / lq.perPage
	if pages < 1 {
		pages = 1
	}
	start := min((lq.page-1)*lq.perPage, total)
	end := min(start+lq.perPage, total)
	linkTo := func(page int) map[string]string {
		v := url.Values{}
		for k, vs := range lq.values {
			if k == "page" || k == "per_page" || k == "order_by" {
				continue
			}
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(page))
		v.Set("per_page", strconv.Itoa(lq.perPage))
		if lq.orderBy != "" {
			v.Set("order_by", lq.orderBy)
		}
		return link(baseURL(r) + r.URL.Path + "?" + v.Encode())
	}
	p := map[string]any{
		"total_results": total,
		"total_pages":   pages,
		"first":         linkTo(1),
		"last":          linkTo(pages),
		"next":          nil,
		"previous":      nil,
	}
	if lq.page < pages {
		p["next"] = linkTo(lq.page + 1)
	}
	if lq.page > 1 {
		p["previous"] = linkTo(min(lq.page-1, pages))
	}
	return items[start:end], p
}

// sortBy orders resources by the order_by parameter (default created_at ascending, GUID breaking ties).
func sortBy[T any](items []T, orderBy string, name func(T) string, created func(T) time.Time, updated func(T) time.Time, guid func(T) string) {
	desc := strings.HasPrefix(orderBy, "-")
	field := strings.TrimLeft(orderBy, "+-")
	less := func(a, b T) int {
		var c int
		switch field {
		case "name":
			c = strings.Compare(name(a), name(b))
		case "updated_at":
			c = updated(a).Compare(updated(b))
		default:
			c = created(a).Compare(created(b))
		}
		if c == 0 {
			c = strings.Compare(guid(a), guid(b))
		}
		if desc {
			c = -c
		}
		return c
	}
	sort.SliceStable(items, func(i, j int) bool { return less(items[i], items[j]) < 0 })
}

// matchFilter reports whether v passes a filter list (nil means no filter).
func matchFilter(filter []string, v string) bool {
	return filter == nil || contains(filter, v)
}

// matchFilterFold is matchFilter without regard to case (org names).
func matchFilterFold(filter []string, v string) bool {
	if filter == nil {
		return true
	}
	for _, f := range filter {
		if strings.EqualFold(f, v) {
			return true
		}
	}
	return false
}
