package cf

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// gatewayTimeoutAfter passes requests on and answers the first one matching with the gateway's 504 instead of
// the Cloud Controller's answer: the router gave up waiting, but the request had arrived and was carried out.
type gatewayTimeoutAfter struct {
	next   http.RoundTripper
	method string
	prefix string
	status int
	fired  atomic.Bool
}

func (g *gatewayTimeoutAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := g.next.RoundTrip(r)
	if err != nil || r.Method != g.method || !strings.HasPrefix(r.URL.Path, g.prefix) || !g.fired.CompareAndSwap(false, true) {
		return resp, err
	}
	resp.Body.Close()
	body := "<html><body><h1>" + http.StatusText(g.status) + "</h1></body></html>"
	return &http.Response{StatusCode: g.status, Status: http.StatusText(g.status), Header: http.Header{"Content-Type": {"text/html"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

// A 502 or 504 from the router in front of the Cloud Controller does not say the write was not carried out: the
// router may have handed it on before giving up. cfkeys looks for what the write did, as after a lost answer,
// instead of failing (a create that did happen) or calling it done.
func TestWriteAfterGatewayTimeoutIsLookedFor(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusBadGateway, http.StatusGatewayTimeout} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			f := newWriteFoundation(t)
			opts := f.options()
			gw := &gatewayTimeoutAfter{next: f.srv.Client().Transport, method: "POST", prefix: "/v3/service_credential_bindings", status: status}
			opts.HTTPClient = &http.Client{Transport: gw}
			c, _ := f.login(t, cffake.DeveloperUser, opts)
			old := keyReport(t, c, f, "crm-sync-sender")
			it := rotate(t, c, []KeyReport{old}, RotateOptions{DeleteOld: true})[0]
			if it.Step != StepDone || it.Err != nil {
				t.Fatalf("create answered %d: %s %v", status, it.Step, it.Err)
			}
			if n := f.fake.RouteRequests("POST /v3/service_credential_bindings"); n != 1 {
				t.Errorf("%d create requests", n)
			}
			if succ := successors(f, old.GUID); len(succ) != 1 || exists(f, old.GUID) {
				t.Errorf("successors %+v, old exists %v", succ, exists(f, old.GUID))
			}

			// The same for a delete: the key is gone, and that is what counts.
			gw.method, gw.prefix = "DELETE", "/v3/service_credential_bindings/"
			gw.fired.Store(false)
			k := keyReport(t, c, f, "orders-app-x509")
			if err := c.DeleteKey(context.Background(), k.GUID, 0); err != nil || exists(f, k.GUID) {
				t.Errorf("delete answered %d: %v, key exists %v", status, err, exists(f, k.GUID))
			}
			if n := f.fake.RouteRequests("DELETE /v3/service_credential_bindings/{guid}"); n != 2 {
				t.Errorf("%d delete requests (one of the rotation, one here)", n)
			}
		})
	}
}
