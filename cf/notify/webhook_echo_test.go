package notify_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/notify"
)

// TestWebhookStatusEchoIsRedacted: a webhook server whose status line quotes the URL it was posted to (the token
// in its path) does not get the token into the error that watch logs and /healthz shows.
func TestWebhookStatusEchoIsRedacted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		bw := bufio.NewWriter(conn)
		bw.WriteString("HTTP/1.1 403 no such hook " + r.URL.Path + " here\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		bw.Flush()
	}))
	t.Cleanup(srv.Close)
	const token = "T0001/B0002/echoed-hook-token"
	w, err := notify.ParseWebhook("slack="+srv.URL+"/services/"+token, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = w.Send(context.Background(), hostileBatch())
	if err == nil || !strings.Contains(err.Error(), "no such hook") {
		t.Fatalf("want the server's refusal, got %v", err)
	}
	if msg := cf.Redact(err.Error()); strings.Contains(msg, "echoed-hook-token") || !strings.Contains(msg, cf.Redacted) {
		t.Errorf("the refusal is not redacted: %q", msg)
	}
}
