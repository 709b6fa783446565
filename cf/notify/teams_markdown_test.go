package notify_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/notify"
	"github.com/cfkeys/cfkeys/cf/report"
)

// TestTeamsPayloadNeutralisesMarkdown: Teams renders Markdown in a card's TextBlocks and facts, so a key named
// like a link would be a clickable link in the channel, a phishing lure that seems to come from cfkeys. Names
// are sent with Markdown's link and emphasis characters escaped.
func TestTeamsPayloadNeutralisesMarkdown(t *testing.T) {
	t.Parallel()
	e := entry("b", 20)
	e.Name = "[renew the certificate here](https://evil.example/login)"
	e.Org = "**urgent** <https://evil.example>"
	n, _ := notify.New(notify.Options{Clock: func() time.Time { return testNow }})
	events, _ := n.Observe(acme, []report.Entry{e, entry("a", 200)})
	h := &hook{}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	w, err := notify.ParseWebhook("teams="+srv.URL+"/hook", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Send(context.Background(), notify.Batch{Events: events, Now: testNow}); err != nil || len(h.bodies) != 1 {
		t.Fatalf("send: %v, %d requests", err, len(h.bodies))
	}
	body := string(h.bodies[0])
	for _, bad := range []string{"[renew the certificate here](https", "**urgent**", `** \u003chttps://evil`} {
		if strings.Contains(body, bad) {
			t.Errorf("the payload holds live Markdown %q:\n%s", bad, body)
		}
	}
	if !strings.Contains(body, `\\[renew the certificate here\\]`) || !strings.Contains(body, `\\*\\*urgent\\*\\* \\\u003chttps://evil.example\\\u003e`) {
		t.Errorf("the name is not in the payload, escaped:\n%s", body)
	}
}
