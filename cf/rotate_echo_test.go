package cf

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// echoAuthorization answers the key create with a 422 whose detail quotes the request's Authorization header, as
// a hostile or careless broker or proxy may: the error then carries the user's token.
type echoAuthorization struct{ next http.RoundTripper }

func (e echoAuthorization) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPost || r.URL.Path != "/v3/service_credential_bindings" {
		return e.next.RoundTrip(r)
	}
	detail := "Service broker error: unexpected request headers: " + r.Header.Get("Authorization")
	body, _ := json.Marshal(map[string]any{"errors": []map[string]any{{"title": "CF-ServiceBrokerBadResponse", "code": 10001, "detail": detail}}})
	return &http.Response{StatusCode: http.StatusUnprocessableEntity, Status: "422 Unprocessable Entity", Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(string(body))), ContentLength: int64(len(body)), Request: r, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

// A failure whose message echoes a secret (here the access token) keeps it out of the journal and out of the
// summary row that key rotate prints; the secret is redacted in both.
func TestRotateFailureEchoingSecretStaysOutOfJournalAndSummary(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	opts := f.options()
	opts.HTTPClient = &http.Client{Transport: echoAuthorization{next: f.srv.Client().Transport}}
	c, _ := f.login(t, cffake.DeveloperUser, opts)
	old := keyReport(t, c, f, "crm-sync-sender")
	j, err := NewJournal(t.TempDir(), f.srv.URL, "key rotate", testNow)
	if err != nil {
		t.Fatal(err)
	}
	it := rotate(t, c, []KeyReport{old}, RotateOptions{DeleteOld: true, Journal: j})[0]
	if it.Step != StepFailed || !strings.Contains(it.Err.Error(), "unexpected request headers") {
		t.Fatalf("%s %v", it.Step, it.Err)
	}
	assertJournalClean(t, f, j.Path())
	data, _ := os.ReadFile(j.Path())
	if !strings.Contains(string(data), "unexpected request headers") {
		t.Errorf("the journal lost the broker's message:\n%s", data)
	}
	row, _ := json.Marshal(it.Row(true))
	for _, s := range f.fake.Secrets() {
		if len(s) >= 8 && strings.Contains(string(row), s) {
			t.Errorf("the summary row holds a secret (%.12s…): %s", s, row)
		}
	}
}
