package watch

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// rootPage is the small page at /, linking the two endpoints.
const rootPage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>cfkeys watch</title></head>
<body><h1>cfkeys watch</h1>
<p>Service-key certificate expiry across Cloud Foundry foundations.</p>
<ul><li><a href="/metrics">/metrics</a> (Prometheus)</li><li><a href="/healthz">/healthz</a></li></ul>
</body></html>
`

// Handler serves /, /metrics and /healthz.
func (w *Watcher) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(w.Registry(), promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rw.Header().Set("Cache-Control", "no-store")
		ok, reasons := w.Health()
		if !ok {
			rw.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(rw, strings.Join(reasons, "\n"))
			return
		}
		fmt.Fprintln(rw, "ok")
	})
	mux.HandleFunc("GET /{$}", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(rw, rootPage)
	})
	return mux
}
