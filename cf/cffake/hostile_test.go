package cffake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestHostileAnswers checks the hostile front's answers as a plain HTTP client sees them, and that requests no
// attack selects reach the foundation unchanged.
func TestHostileAnswers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	front := NewHostile(h.fake)
	srv := httptest.NewServer(front)
	t.Cleanup(srv.Close)
	t.Cleanup(front.Close)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	redirect := front.Add(Attack{Method: "GET", Path: "/v3/info", Answer: Redirect(http.StatusTemporaryRedirect, "http://evil.example:8080")})
	resp, err := noFollow.Get(srv.URL + "/v3/info?x=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 307 || resp.Header.Get("Location") != "http://evil.example:8080/v3/info?x=1" || redirect.Hits() != 1 {
		t.Errorf("redirect: %d to %q (hits %d)", resp.StatusCode, resp.Header.Get("Location"), redirect.Hits())
	}

	front.Add(Attack{Method: "POST", Path: "/oauth/token", Answer: EchoForm()})
	resp, err = http.PostForm(srv.URL+"/oauth/token", url.Values{"grant_type": {"password"}, "password": {"s3cret"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(body), "password=s3cret") {
		t.Errorf("echo: %d %s", resp.StatusCode, body)
	}

	front.Add(Attack{Method: "GET", Path: "/", Answer: RootLinks(map[string]string{"login": "http://login.example"})})
	resp, err = http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	var root struct {
		Links map[string]struct {
			Href string `json:"href"`
		} `json:"links"`
	}
	err = json.NewDecoder(resp.Body).Decode(&root)
	resp.Body.Close()
	if err != nil || root.Links["login"].Href != "http://login.example" || root.Links["uaa"].Href != srv.URL {
		t.Errorf("root links: %+v, %v", root.Links, err)
	}

	front.Add(Attack{Method: "GET", Path: "/v3/organizations", Answer: RetryAfter("soon")})
	resp, err = http.Get(srv.URL + "/v3/organizations")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "soon" {
		t.Errorf("retry-after: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}

	front.Add(Attack{Method: "GET", Path: "/v3/spaces", Answer: Huge(1<<20, true)})
	resp, err = http.Get(srv.URL + "/v3/spaces")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.ContentLength != 1<<20 || n != 1<<20 {
		t.Errorf("huge: Content-Length %d, %d bytes", resp.ContentLength, n)
	}

	if r := h.do("GET", srv.URL+"/v3", "", nil); r.status != 200 || !strings.Contains(r.raw, srv.URL+"/v3/organizations") {
		t.Errorf("a request no attack selects: %d %s", r.status, r.raw)
	}
	witness := &Witness{}
	wsrv := httptest.NewServer(witness)
	t.Cleanup(wsrv.Close)
	req, _ := http.NewRequest("GET", wsrv.URL+"/v3/service_credential_bindings", nil)
	req.Header.Set("Authorization", "bearer x")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := witness.Requests(); len(got) != 1 || got[0].Authorization != "bearer x" || got[0].Path != "/v3/service_credential_bindings" {
		t.Errorf("witness saw %+v", got)
	}
}
