package cf

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

func TestWaitJobTimesOutOnTheClientClock(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{JobPollsToComplete: 1000, JobDuration: time.Hour})
	f.sleeps.onWait = f.clock.Advance
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	old := keyReport(t, c, f, "crm-sync-sender")
	_, err := c.CreateKey(context.Background(), KeyRequest{InstanceGUID: old.Instance.GUID, Name: "slow", WaitTimeout: 30 * time.Second})
	var wt *WaitTimeoutError
	if !errors.As(err, &wt) || wt.Timeout != 30*time.Second {
		t.Fatalf("err = %v", err)
	}
	for _, w := range f.sleeps.Waits() {
		if w != JobPollInterval {
			t.Errorf("waited %v between polls, want %v", w, JobPollInterval)
		}
	}
	if n := len(f.sleeps.Waits()); n != 10 {
		t.Errorf("%d polls waited for in 30s", n)
	}
}

func TestDeleteWithLostAnswerLooksBeforeFailing(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	opts := f.options()
	opts.HTTPClient = &http.Client{Transport: &dropAfter{next: f.srv.Client().Transport, method: "DELETE", suffix: ""}}
	c, _ := f.login(t, cffake.DeveloperUser, opts)
	k := keyReport(t, c, f, "legacy-basic-auth")
	if err := c.DeleteKey(context.Background(), k.GUID, 0); err != nil {
		t.Fatal(err)
	}
	if exists(f, k.GUID) {
		t.Error("key still there")
	}
	if n := f.fake.RouteRequests("DELETE /v3/service_credential_bindings/{guid}"); n != 1 {
		t.Errorf("%d delete requests: a write was retried blindly", n)
	}
}

func TestWriteIsNotRetriedAfterA5xx(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	k := keyReport(t, c, f, "legacy-basic-auth")
	fault := f.fake.Inject(cffake.Fault{Method: "PATCH", PathPrefix: "/v3/service_credential_bindings/", Status: 502, ContentType: "text/html", Body: cffake.ProxyHTML})
	err := c.AnnotateKey(context.Background(), k.GUID, map[string]string{"a.example/b": "c"})
	if err == nil || fault.Hits() != 1 {
		t.Errorf("err %v, %d tries", err, fault.Hits())
	}
}
