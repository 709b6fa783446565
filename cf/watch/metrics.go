package watch

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// keyLabels label every per-key series, as scan --output prometheus labels them, with the foundation and its API
// always present (a watcher may watch several). acked is "true" while an acknowledgement is in force: the key
// keeps its status, and alerts can leave it out.
var keyLabels = []string{"foundation", "api", "org", "space", "instance", "key", "guid", "acked"}

// The metrics of the last sweeps. The per-key and scan metrics keep the names scan --output prometheus writes.
var (
	descExpiry = prometheus.NewDesc("cfkeys_certificate_expiry_seconds",
		"Seconds from the scan until the service key's certificate stops working (the leaf's expiry, or an earlier one of a CA in its chain); negative once expired.",
		append(keyLabels, "subject"), nil)
	descNotAfter = prometheus.NewDesc("cfkeys_certificate_not_after_timestamp_seconds",
		"When the service key's certificate stops working (as cfkeys_certificate_expiry_seconds), as a Unix timestamp.",
		append(keyLabels, "subject"), nil)
	descStatus = prometheus.NewDesc("cfkeys_key_status",
		"1 for the status each service key has (expired, critical, warning, unknown, ok, none).", append(keyLabels, "status"), nil)
	descKeys  = prometheus.NewDesc("cfkeys_keys", "Number of service keys by status.", []string{"foundation", "status"}, nil)
	descAcked = prometheus.NewDesc("cfkeys_keys_acked",
		"Number of service keys with an acknowledgement in force (they keep their status; alerts can leave them out with acked=\"false\").",
		[]string{"foundation"}, nil)
	descScanErrors = prometheus.NewDesc("cfkeys_scan_errors", "Number of keys (or foundations) the scan could not check.",
		[]string{"foundation"}, nil)
	descSuccess = prometheus.NewDesc("cfkeys_scan_success",
		"1 when the scan of the foundation ran, 0 when it failed (login, network, API errors).", []string{"foundation", "api"}, nil)
	descScanTime      = prometheus.NewDesc("cfkeys_scan_timestamp_seconds", "When the scan ran, as a Unix timestamp.", []string{"foundation"}, nil)
	descDuration      = prometheus.NewDesc("cfkeys_sweep_duration_seconds", "How long the last sweep of the foundation took.", []string{"foundation"}, nil)
	descRequests      = prometheus.NewDesc("cfkeys_sweep_requests", "HTTP requests the last successful sweep of the foundation sent.", []string{"foundation"}, nil)
	descRequestsTotal = prometheus.NewDesc("cfkeys_sweep_requests_total", "HTTP requests sent by successful sweeps of the foundation since start.", []string{"foundation"}, nil)
	descSweeps        = prometheus.NewDesc("cfkeys_sweeps_total", "Sweeps of the foundation since start.", []string{"foundation"}, nil)
	descSweepErrors   = prometheus.NewDesc("cfkeys_sweep_errors_total", "Failed sweeps of the foundation since start.", []string{"foundation"}, nil)
	descLastSuccess   = prometheus.NewDesc("cfkeys_last_success_timestamp_seconds",
		"When the last successful sweep of the foundation finished, as a Unix timestamp (0: none yet).", []string{"foundation"}, nil)
	descSent           = prometheus.NewDesc("cfkeys_notifications_sent_total", "Notifications delivered to the target since start.", []string{"target"}, nil)
	descNotifyFailures = prometheus.NewDesc("cfkeys_notification_failures_total", "Failed delivery attempts to the target since start.", []string{"target"}, nil)
	descPending        = prometheus.NewDesc("cfkeys_notification_pending", "Events waiting to be delivered to the target.", []string{"target"}, nil)
	descFailing        = prometheus.NewDesc("cfkeys_notification_failing", "1 while deliveries to the target fail.", []string{"target"}, nil)
)

// collector exposes the watcher's last sweeps.
type collector struct{ w *Watcher }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descExpiry, descNotAfter, descStatus, descKeys, descAcked, descScanErrors, descSuccess, descScanTime,
		descDuration, descRequests, descRequestsTotal, descSweeps, descSweepErrors, descLastSuccess, descSent, descNotifyFailures, descPending, descFailing} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	for _, s := range c.w.Snapshots() {
		name, api := safetext.Clean(s.Foundation.Name), safetext.Clean(s.Foundation.API)
		ok := 0.0
		if s.LastError == "" && !s.LastSuccess.IsZero() {
			ok = 1
		}
		gauge(descSuccess, ok, name, api)
		if !s.LastAttempt.IsZero() {
			gauge(descScanTime, float64(s.LastAttempt.Unix()), name)
			gauge(descDuration, s.Duration.Seconds(), name)
		}
		lastSuccess := 0.0
		if !s.LastSuccess.IsZero() {
			lastSuccess = float64(s.LastSuccess.Unix())
		}
		gauge(descLastSuccess, lastSuccess, name)
		gauge(descRequests, float64(s.Requests), name)
		counter(descRequestsTotal, float64(s.TotalRequests), name)
		counter(descSweeps, float64(s.Sweeps), name)
		counter(descSweepErrors, float64(s.Failures), name)
		if ok == 0 {
			continue
		}
		gauge(descScanErrors, float64(s.Errors), name)
		counts := map[expiry.Status]int{}
		for _, e := range s.Entries {
			counts[e.Status]++
			labels := []string{name, api, safetext.Clean(e.Org), safetext.Clean(e.Space), safetext.Clean(e.Instance), safetext.Clean(e.Name), safetext.Clean(e.GUID),
				strconv.FormatBool(e.Acked())}
			if cert := e.Certificate; cert != nil {
				subject := safetext.Clean(cert.SubjectDN)
				gauge(descExpiry, float64(int64(cert.Effective().Sub(s.LastSuccess).Seconds())), append(labels, subject)...)
				gauge(descNotAfter, float64(cert.Effective().Unix()), append(labels, subject)...)
			}
			gauge(descStatus, 1, append(labels, e.Status.String())...)
		}
		for _, st := range expiry.Statuses {
			gauge(descKeys, float64(counts[st]), name, st.String())
		}
		gauge(descAcked, float64(report.AckedCount(s.Entries)), name)
	}
	if n := c.w.opts.Notifier; n != nil {
		for _, t := range n.Status() {
			id := safetext.Clean(t.ID)
			counter(descSent, float64(t.Sent), id)
			counter(descNotifyFailures, float64(t.Failures), id)
			gauge(descPending, float64(t.Pending), id)
			failing := 0.0
			if t.LastError != "" {
				failing = 1
			}
			gauge(descFailing, failing, id)
		}
	}
}

// Registry returns a registry with the watcher's metrics and the process and Go collectors.
func (w *Watcher) Registry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{w}, collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	return reg
}
