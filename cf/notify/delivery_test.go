package notify_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/notify"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/internal/smtptest"
)

// hostileBatch is a warning about a key whose names hold terminal escapes and HTML.
func hostileBatch() notify.Batch {
	e := entry("b", 20)
	e.Name = "\x1b]52;c;ZXZpbA==\x07evil<script>alert(1)</script>"
	e.Org = "acme\x1b[31m-red"
	n, _ := notify.New(notify.Options{Clock: func() time.Time { return testNow }})
	events, _ := n.Observe(acme, []report.Entry{e, entry("a", 200)})
	return notify.Batch{Events: events, Now: testNow}
}

// hook records the requests a webhook receives.
type hook struct {
	mu     sync.Mutex
	bodies [][]byte
	status int
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.bodies = append(h.bodies, b)
	h.mu.Unlock()
	if h.status != 0 {
		w.WriteHeader(h.status)
	}
}

func TestWebhookPayloads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		format string
		check  func(t *testing.T, doc map[string]any)
	}{
		{"slack", func(t *testing.T, doc map[string]any) {
			blocks, _ := doc["blocks"].([]any)
			if !strings.HasPrefix(doc["text"].(string), "cfkeys: 1 key in warning") || len(blocks) != 2 {
				t.Errorf("slack payload: %v", doc)
			}
			line := blocks[1].(map[string]any)["text"].(map[string]any)["text"].(string)
			if !strings.Contains(line, "now warning") || !strings.Contains(line, "&lt;script&gt;") || !strings.Contains(line, "`cfkeys find guid-") {
				t.Errorf("slack row: %q", line)
			}
		}},
		{"teams", func(t *testing.T, doc map[string]any) {
			att := doc["attachments"].([]any)[0].(map[string]any)
			card := att["content"].(map[string]any)
			if doc["type"] != "message" || att["contentType"] != "application/vnd.microsoft.card.adaptive" || card["type"] != "AdaptiveCard" {
				t.Errorf("teams envelope: %v", doc)
			}
			body := card["body"].([]any)
			if len(body) != 4 || body[3].(map[string]any)["type"] != "FactSet" {
				t.Errorf("teams body: %v", body)
			}
		}},
		{"json", func(t *testing.T, doc map[string]any) {
			keys := doc["keys"].([]any)
			if doc["schema"] != 1.0 || len(keys) != 1 {
				t.Fatalf("json payload: %v", doc)
			}
			k := keys[0].(map[string]any)
			if k["status"] != "warning" || k["guid"] != "guid-b" || k["days_remaining"] != 20.0 || k["foundation"] != "eu10" || k["org"] != "acme-red" {
				t.Errorf("json key: %v", k)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			t.Parallel()
			h := &hook{}
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			w, err := notify.ParseWebhook(tc.format+"=env:HOOK", func(string) string { return srv.URL + "/services/T0/B0/s3cr3t-token" })
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(w.ID(), "s3cr3t") {
				t.Errorf("ID reveals the URL: %s", w.ID())
			}
			if err := w.Send(context.Background(), hostileBatch()); err != nil {
				t.Fatal(err)
			}
			if len(h.bodies) != 1 {
				t.Fatalf("%d requests", len(h.bodies))
			}
			body := string(h.bodies[0])
			if strings.Contains(body, "\x1b") || strings.Contains(body, `\u001b`) || strings.Contains(body, "<script>") && tc.format != "json" {
				t.Errorf("unsafe payload: %s", body)
			}
			var doc map[string]any
			if err := json.Unmarshal(h.bodies[0], &doc); err != nil {
				t.Fatal(err)
			}
			tc.check(t, doc)
		})
	}
}

func TestWebhookErrorsDoNotRevealTheURL(t *testing.T) {
	t.Parallel()
	h := &hook{status: http.StatusForbidden}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	for _, u := range []string{srv.URL + "/hook/s3cr3t-token", "http://127.0.0.1:1/hook/s3cr3t-token"} {
		w, err := notify.ParseWebhook("slack="+u, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = w.Send(context.Background(), hostileBatch())
		if err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error %v", err)
		}
	}
	// A redirect is not followed: the payload goes to the URL given or nowhere.
	elsewhere := &hook{}
	other := httptest.NewServer(elsewhere)
	t.Cleanup(other.Close)
	redirect := httptest.NewServer(http.RedirectHandler(other.URL+"/steal", http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	w, _ := notify.ParseWebhook("json="+redirect.URL+"/s3cr3t-token", nil)
	if err := w.Send(context.Background(), hostileBatch()); err == nil || !strings.Contains(err.Error(), "307") {
		t.Errorf("redirect: %v", err)
	}
	if len(elsewhere.bodies) != 0 {
		t.Error("the payload followed a redirect")
	}
	if _, err := notify.ParseWebhook("slack=ftp://x/s3cr3t", nil); err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("bad URL error: %v", err)
	}
}

func TestMailOverSMTP(t *testing.T) {
	t.Parallel()
	const password = "smtp-pa55word"
	for _, sec := range []notify.Security{notify.SecurityStartTLS, notify.SecurityTLS} {
		t.Run(string(sec), func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, "cfkeys", password, sec == notify.SecurityTLS)
			m := &notify.Mail{Addr: srv.Addr, Security: sec, Username: "cfkeys", Password: cf.NewSecret(password),
				From: "cfkeys@example.org", To: []string{"ops@example.org", "Sec Team <sec@example.org>"}, TLSConfig: &tls.Config{RootCAs: srv.RootCAs}}
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
			if err := m.Send(context.Background(), hostileBatch()); err != nil {
				t.Fatal(err)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("%d messages", len(msgs))
			}
			got := msgs[0]
			data, err := got.Decode()
			if err != nil {
				t.Fatal(err)
			}
			if got.User != "cfkeys" || got.From != "cfkeys@example.org" || strings.Join(got.To, " ") != "ops@example.org sec@example.org" {
				t.Errorf("envelope %+v", got)
			}
			for _, want := range []string{"Subject: cfkeys: 1 key in warning", "now warning", "acme-red", "evil&lt;script&gt;", "cfkeys find guid-b --profile eu10", "text/html", "text/plain"} {
				if !strings.Contains(data, want) {
					t.Errorf("mail lacks %q:\n%s", want, data)
				}
			}
			_, html, _ := strings.Cut(data, "--- text/html")
			if strings.Contains(data, password) || strings.Contains(data, "\x1b") || strings.Contains(html, "<script>") {
				t.Errorf("mail holds a secret or unsafe text:\n%s", data)
			}
		})
	}
}

func TestMailRefusesWrongPasswordAndPlainServers(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, "cfkeys", "right", false)
	m := &notify.Mail{Addr: srv.Addr, Security: notify.SecurityStartTLS, Username: "cfkeys", Password: cf.NewSecret("wrong-pa55"),
		From: "cfkeys@example.org", To: []string{"ops@example.org"}, TLSConfig: &tls.Config{RootCAs: srv.RootCAs}}
	err := m.Send(context.Background(), hostileBatch())
	if err == nil || strings.Contains(err.Error(), "wrong-pa55") {
		t.Errorf("wrong password: %v", err)
	}
	// Without trust in the server's certificate, STARTTLS fails rather than sending in the clear.
	m.TLSConfig = nil
	m.Password = cf.NewSecret("right")
	if err := m.Send(context.Background(), hostileBatch()); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("untrusted server: %v", err)
	}
	if len(srv.Messages()) != 0 {
		t.Error("a message got through")
	}
}
