package report

import (
	"fmt"
	"io"
	"strconv"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// WritePrometheus writes the report in the Prometheus text exposition format, for node_exporter's textfile
// collector: per key the seconds until expiry (at generation time) and the expiry timestamp (for alerts that
// compare with time()), a status series per key, counts by status, errors, whether the scan succeeded and when
// it ran. A failed report (r.Failed) writes only cfkeys_scan_success 0 and the time, so an alert on the success
// series fires instead of expiry alerts going quiet. The text comes from prometheus/common/expfmt's encoder, so
// names, escaping and numbers are exactly what Prometheus itself writes.
func WritePrometheus(w io.Writer, r Report) error {
	r = r.redacted()
	gen := r.GeneratedAt
	families := []*dto.MetricFamily{successFamily(r)}
	if r.Failed {
		if err := writeFamilies(w, families...); err != nil {
			return err
		}
		if r.Failure != "" {
			if _, err := fmt.Fprintf(w, "# cfkeys scan failed: %s\n", safetext.Clean(r.Failure)); err != nil {
				return err
			}
		}
		ts := gauge("cfkeys_scan_timestamp_seconds", "When the scan ran, as a Unix timestamp.")
		ts.Metric = append(ts.Metric, gaugeSample(float64(gen.Unix())))
		return writeFamilies(w, ts)
	}
	labelsOf := func(e Entry, extra ...*dto.LabelPair) []*dto.LabelPair {
		var l []*dto.LabelPair
		if e.Foundation != "" {
			l = append(l, label("foundation", e.Foundation))
		}
		if r.API != "" {
			l = append(l, label("api", r.API))
		}
		l = append(l, label("org", e.Org), label("space", e.Space), label("instance", e.Instance), label("key", e.Name), label("guid", e.GUID),
			label("acked", strconv.FormatBool(e.Acked())))
		return append(l, extra...)
	}
	expiresIn := gauge("cfkeys_certificate_expiry_seconds", "Seconds from the scan until the service key's certificate stops working (the leaf's expiry, or an earlier one of a CA in its chain); negative once expired.")
	notAfter := gauge("cfkeys_certificate_not_after_timestamp_seconds", "When the service key's certificate stops working (as cfkeys_certificate_expiry_seconds), as a Unix timestamp.")
	status := gauge("cfkeys_key_status", "1 for the status each service key has (expired, critical, warning, unknown, ok, none).")
	for _, e := range r.Entries {
		if c := e.Certificate; c != nil {
			subject := label("subject", c.SubjectDN)
			expiresIn.Metric = append(expiresIn.Metric, gaugeSample(float64(expiry.SecondsUntil(c.Effective(), gen)), labelsOf(e, subject)...))
			notAfter.Metric = append(notAfter.Metric, gaugeSample(float64(c.Effective().Unix()), labelsOf(e, subject)...))
		}
		status.Metric = append(status.Metric, gaugeSample(1, labelsOf(e, label("status", e.Status.String()))...))
	}
	keys := gauge("cfkeys_keys", "Number of service keys by status.")
	counts := Counts(r.Entries)
	for _, s := range expiry.Statuses {
		keys.Metric = append(keys.Metric, gaugeSample(float64(counts[s]), label("status", s.String())))
	}
	acked := gauge("cfkeys_keys_acked", "Number of service keys with an acknowledgement in force (they keep their status; alerts can leave them out with acked=\"false\").")
	acked.Metric = append(acked.Metric, gaugeSample(float64(AckedCount(r.Entries))))
	errs := gauge("cfkeys_scan_errors", "Number of keys (or foundations) the scan could not check.")
	errs.Metric = append(errs.Metric, gaugeSample(float64(len(r.Errors))))
	ts := gauge("cfkeys_scan_timestamp_seconds", "When the scan ran, as a Unix timestamp.")
	ts.Metric = append(ts.Metric, gaugeSample(float64(gen.Unix())))
	return writeFamilies(w, append(families, expiresIn, notAfter, status, keys, acked, errs, ts)...)
}

// writeFamilies encodes metric families in the text format; a family without samples is left out (the encoder
// refuses one).
func writeFamilies(w io.Writer, families ...*dto.MetricFamily) error {
	for _, f := range families {
		if len(f.Metric) == 0 {
			continue
		}
		if _, err := expfmt.MetricFamilyToText(w, f); err != nil {
			return fmt.Errorf("writing %s: %w", f.GetName(), err)
		}
	}
	return nil
}

func gauge(name, help string) *dto.MetricFamily {
	t := dto.MetricType_GAUGE
	return &dto.MetricFamily{Name: &name, Help: &help, Type: &t}
}

func gaugeSample(v float64, labels ...*dto.LabelPair) *dto.Metric {
	return &dto.Metric{Label: labels, Gauge: &dto.Gauge{Value: &v}}
}

// label is a label pair with the value cleaned of control characters; the encoder escapes it as the format
// requires.
func label(name, value string) *dto.LabelPair {
	v := safetext.Clean(value)
	return &dto.LabelPair{Name: &name, Value: &v}
}

// successFamily is cfkeys_scan_success: 1 when the scan ran (some keys may still have errors, counted by
// cfkeys_scan_errors), 0 when it failed. A multi-foundation report has one series per foundation.
func successFamily(r Report) *dto.MetricFamily {
	f := gauge("cfkeys_scan_success", "1 when the scan of the foundation ran, 0 when it failed (login, network, API errors).")
	if len(r.Foundations) == 0 {
		ok := 1.0
		if r.Failed {
			ok = 0
		}
		var l []*dto.LabelPair
		if r.API != "" {
			l = append(l, label("api", r.API))
		}
		f.Metric = append(f.Metric, gaugeSample(ok, l...))
		return f
	}
	failed := map[string]bool{}
	for _, e := range r.Errors {
		if e.Foundation != "" && e.GUID == "" {
			failed[e.Foundation] = true
		}
	}
	for _, fd := range r.Foundations {
		ok := 1.0
		if r.Failed || failed[fd.Name] {
			ok = 0
		}
		f.Metric = append(f.Metric, gaugeSample(ok, label("foundation", fd.Name), label("api", fd.API)))
	}
	return f
}
