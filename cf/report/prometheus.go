package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// WritePrometheus writes the report in the Prometheus text exposition format, for node_exporter's textfile
// collector: per key the seconds until expiry (at generation time) and the expiry timestamp (for alerts that
// compare with time()), a status series per key, counts by status, errors, whether the scan succeeded and when
// it ran. A failed report (r.Failed) writes only cfkeys_scan_success 0 and the time, so an alert on the success
// series fires instead of expiry alerts going quiet.
func WritePrometheus(w io.Writer, r Report) error {
	r = r.redacted()
	var b strings.Builder
	gen := r.GeneratedAt
	header := func(name, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
	}
	writeSuccess(&b, r, header)
	if r.Failed {
		if r.Failure != "" {
			fmt.Fprintf(&b, "# cfkeys scan failed: %s\n", safetext.Clean(r.Failure))
		}
		header("cfkeys_scan_timestamp_seconds", "When the scan ran, as a Unix timestamp.")
		fmt.Fprintf(&b, "cfkeys_scan_timestamp_seconds %d\n", gen.Unix())
		_, err := io.WriteString(w, b.String())
		return err
	}
	labelsOf := func(e Entry) string {
		l := []string{}
		if e.Foundation != "" {
			l = append(l, label("foundation", e.Foundation))
		}
		if r.API != "" {
			l = append(l, label("api", r.API))
		}
		l = append(l, label("org", e.Org), label("space", e.Space), label("instance", e.Instance), label("key", e.Name), label("guid", e.GUID),
			label("acked", strconv.FormatBool(e.Acked())))
		return strings.Join(l, ",")
	}
	header("cfkeys_certificate_expiry_seconds", "Seconds from the scan until the service key's certificate stops working (the leaf's expiry, or an earlier one of a CA in its chain); negative once expired.")
	for _, e := range r.Entries {
		if e.Certificate != nil {
			fmt.Fprintf(&b, "cfkeys_certificate_expiry_seconds{%s,%s} %s\n", labelsOf(e), label("subject", e.Certificate.SubjectDN),
				strconv.FormatInt(expiry.SecondsUntil(e.Certificate.Effective(), gen), 10))
		}
	}
	header("cfkeys_certificate_not_after_timestamp_seconds", "When the service key's certificate stops working (as cfkeys_certificate_expiry_seconds), as a Unix timestamp.")
	for _, e := range r.Entries {
		if e.Certificate != nil {
			fmt.Fprintf(&b, "cfkeys_certificate_not_after_timestamp_seconds{%s,%s} %d\n", labelsOf(e), label("subject", e.Certificate.SubjectDN), e.Certificate.Effective().Unix())
		}
	}
	header("cfkeys_key_status", "1 for the status each service key has (expired, critical, warning, unknown, ok, none).")
	for _, e := range r.Entries {
		fmt.Fprintf(&b, "cfkeys_key_status{%s,%s} 1\n", labelsOf(e), label("status", e.Status.String()))
	}
	header("cfkeys_keys", "Number of service keys by status.")
	counts := Counts(r.Entries)
	for _, s := range expiry.Statuses {
		fmt.Fprintf(&b, "cfkeys_keys{%s} %d\n", label("status", s.String()), counts[s])
	}
	header("cfkeys_keys_acked", "Number of service keys with an acknowledgement in force (they keep their status; alerts can leave them out with acked=\"false\").")
	fmt.Fprintf(&b, "cfkeys_keys_acked %d\n", AckedCount(r.Entries))
	header("cfkeys_scan_errors", "Number of keys (or foundations) the scan could not check.")
	fmt.Fprintf(&b, "cfkeys_scan_errors %d\n", len(r.Errors))
	header("cfkeys_scan_timestamp_seconds", "When the scan ran, as a Unix timestamp.")
	fmt.Fprintf(&b, "cfkeys_scan_timestamp_seconds %d\n", gen.Unix())
	_, err := io.WriteString(w, b.String())
	return err
}

// label renders name="value" with the value cleaned of control characters and escaped as the format requires.
func label(name, value string) string {
	v := safetext.Clean(value)
	v = strings.ReplaceAll(v, `\`, `\\`)
	v = strings.ReplaceAll(v, `"`, `\"`)
	return name + `="` + v + `"`
}

// writeSuccess writes cfkeys_scan_success: 1 when the scan ran (some keys may still have errors, counted by
// cfkeys_scan_errors), 0 when it failed. A multi-foundation report has one series per foundation.
func writeSuccess(b *strings.Builder, r Report, header func(name, help string)) {
	header("cfkeys_scan_success", "1 when the scan of the foundation ran, 0 when it failed (login, network, API errors).")
	if len(r.Foundations) == 0 {
		ok := 1
		if r.Failed {
			ok = 0
		}
		l := ""
		if r.API != "" {
			l = "{" + label("api", r.API) + "}"
		}
		fmt.Fprintf(b, "cfkeys_scan_success%s %d\n", l, ok)
		return
	}
	failed := map[string]bool{}
	for _, e := range r.Errors {
		if e.Foundation != "" && e.GUID == "" {
			failed[e.Foundation] = true
		}
	}
	for _, f := range r.Foundations {
		ok := 1
		if r.Failed || failed[f.Name] {
			ok = 0
		}
		fmt.Fprintf(b, "cfkeys_scan_success{%s,%s} %d\n", label("foundation", f.Name), label("api", f.API), ok)
	}
}
