package cffake

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/internal/testclock"
)

var testNow = testclock.Start

// harness is a fake foundation behind httptest with a client that speaks to it as the cf CLI does.
type harness struct {
	t     *testing.T
	fake  *Server
	srv   *httptest.Server
	clock *testclock.Clock
	token string
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	c := testclock.New(testNow)
	opts.Clock = c.Now
	fake, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return &harness{t: t, fake: fake, srv: srv, clock: c}
}

// response is one answer, decoded.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (h *harness) do(method, path string, body string, hdr map[string]string) response {
	h.t.Helper()
	target := path
	if !strings.HasPrefix(path, "http") {
		target = h.srv.URL + path
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if h.token != "" {
		req.Header.Set("Authorization", "bearer "+h.token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			h.t.Fatalf("%s %s: body is not JSON: %v", method, path, err)
		}
	}
	return r
}

func (h *harness) get(path string) response { h.t.Helper(); return h.do("GET", path, "", nil) }

// login runs the password grant exactly as `cf auth` sends it and keeps the access token.
func (h *harness) login(user string) map[string]any {
	h.t.Helper()
	form := url.Values{"grant_type": {"password"}, "username": {user}, "password": {h.fake.Password(user)}}
	r := h.tokenRequest(form, true)
	if r.status != 200 {
		h.t.Fatalf("login as %s: %d %s", user, r.status, r.raw)
	}
	h.token = r.body["access_token"].(string)
	return r.body
}

func (h *harness) tokenRequest(form url.Values, basicCF bool) response {
	h.t.Helper()
	auth := ""
	if basicCF {
		auth = "Basic " + base64.StdEncoding.EncodeToString([]byte("cf:"))
	}
	return h.tokenRequestWith(form, auth)
}

// tokenRequestWith posts a token request with the given Authorization header (none when empty).
func (h *harness) tokenRequestWith(form url.Values, authorization string) response {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.srv.URL+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Connection", "close")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// path walks a decoded JSON value: path(body, "pagination", "next", "href").
func path(v any, keys ...any) any {
	for _, k := range keys {
		switch key := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[key]
		case int:
			l, ok := v.([]any)
			if !ok || key >= len(l) {
				return nil
			}
			v = l[key]
		}
	}
	return v
}

func resources(r response) []any {
	l, _ := r.body["resources"].([]any)
	return l
}

func names(r response) []string {
	var out []string
	for _, res := range resources(r) {
		out = append(out, path(res, "name").(string))
	}
	return out
}

func TestRootAndInfo(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	root := h.get("/")
	if root.status != 200 || path(root.body, "links", "login", "href") != h.srv.URL || path(root.body, "links", "cloud_controller_v3", "meta", "version") != ccAPIVersion ||
		path(root.body, "links", "uaa", "href") != h.srv.URL {
		t.Errorf("GET / = %s", root.raw)
	}
	if v, ok := root.body["cf_on_k8s"]; !ok || v != false {
		t.Errorf("cf_on_k8s = %v (must be false for cf auth)", v)
	}
	if r := h.get("/v3"); path(r.body, "links", "service_credential_bindings", "href") != h.srv.URL+"/v3/service_credential_bindings" {
		t.Errorf("GET /v3 = %s", r.raw)
	}
	if r := h.get("/v3/info"); r.status != 200 || path(r.body, "rate_limits", "enabled") != false {
		t.Errorf("GET /v3/info = %s", r.raw)
	}
	if r := h.do("GET", "/login", "", nil); path(r.body, "prompts", "passcode", 0) != "password" {
		t.Errorf("GET /login = %s", r.raw)
	}
	if r := h.get("/v3/apps/nope/whatever"); r.status != 404 || path(r.body, "errors", 0, "detail") != "Unknown request" {
		t.Errorf("unknown route = %d %s", r.status, r.raw)
	}
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	body := h.login(AdminUser)
	if body["token_type"] != "bearer" || body["refresh_token"] == nil || body["expires_in"] != float64(1199) {
		t.Errorf("token response = %v", body)
	}
	parts := strings.Split(h.token, ".")
	if len(parts) != 3 || parts[2] == "" {
		t.Fatalf("access token is not a JWT: %q", h.token)
	}
	header, _ := base64.RawURLEncoding.DecodeString(parts[0])
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	_ = json.Unmarshal(payload, &claims)
	if !strings.Contains(string(header), `"alg":"RS256"`) || claims["user_name"] != AdminUser || claims["user_id"] == nil || claims["origin"] != "uaa" ||
		claims["client_id"] != "cf" || claims["exp"] != float64(testNow.Add(1199*time.Second).Unix()) {
		t.Errorf("header %s claims %v", header, claims)
	}
	tests := []struct {
		name    string
		form    url.Values
		basic   bool
		status  int
		errCode string
	}{
		{"bad password", url.Values{"grant_type": {"password"}, "username": {AdminUser}, "password": {"nope"}}, true, 401, "unauthorized"},
		{"no basic auth for cf", url.Values{"grant_type": {"password"}, "username": {AdminUser}, "password": {h.fake.Password(AdminUser)}}, false, 401, "unauthorized"},
		{"refresh", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {body["refresh_token"].(string)}}, true, 200, ""},
		{"bad refresh", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope-r"}}, true, 401, "invalid_token"},
		{"client credentials in body", url.Values{"grant_type": {"client_credentials"}, "client_id": {MonitorClient}, "client_secret": {h.fake.ClientSecret(MonitorClient)}}, false, 200, ""},
		{"client credentials refresh with empty secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {MonitorClient}, "client_secret": {""}}, false, 401, "unauthorized"},
		{"unknown grant", url.Values{"grant_type": {"implicit"}}, true, 400, "unsupported_grant_type"},
	}
	for _, tc := range tests {
		r := h.tokenRequest(tc.form, tc.basic)
		if r.status != tc.status || (tc.errCode != "" && r.body["error"] != tc.errCode) {
			t.Errorf("%s: %d %s", tc.name, r.status, r.raw)
		}
		if tc.status == 200 && tc.form.Get("grant_type") == "client_credentials" && r.body["refresh_token"] != nil {
			t.Errorf("%s: client credentials got a refresh token", tc.name)
		}
	}
}

func TestCloudControllerAuthErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{TokenTTL: time.Minute})
	if r := h.get("/v3/organizations"); r.status != 401 || path(r.body, "errors", 0, "title") != "CF-NotAuthenticated" || path(r.body, "errors", 0, "code") != float64(10002) {
		t.Errorf("no token: %d %s", r.status, r.raw)
	}
	h.token = "garbage"
	if r := h.get("/v3/organizations"); r.status != 401 || path(r.body, "errors", 0, "title") != "CF-InvalidAuthToken" {
		t.Errorf("bad token: %d %s", r.status, r.raw)
	}
	h.login(DeveloperUser)
	if r := h.get("/v3/organizations"); r.status != 200 {
		t.Fatalf("fresh token: %d", r.status)
	}
	h.clock.Advance(2 * time.Minute)
	if r := h.get("/v3/organizations"); r.status != 401 || path(r.body, "errors", 0, "title") != "CF-InvalidAuthToken" || path(r.body, "errors", 0, "code") != float64(1000) {
		t.Errorf("expired token: %d %s", r.status, r.raw)
	}
}

func TestPaginationLinks(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.login(AdminUser)
	r := h.get("/v3/service_instances?per_page=4&type=managed&fields%5Bspace%5D=guid%2Cname&order_by=name")
	if len(resources(r)) != 4 || path(r.body, "pagination", "total_results") != float64(11) || path(r.body, "pagination", "total_pages") != float64(3) {
		t.Fatalf("page 1 = %s", r.raw)
	}
	next := path(r.body, "pagination", "next", "href").(string)
	want := h.srv.URL + "/v3/service_instances?fields%5Bspace%5D=guid%2Cname&order_by=%2Bname&page=2&per_page=4&type=managed"
	if next != want {
		t.Errorf("next =\n %s\nwant\n %s", next, want)
	}
	if path(r.body, "pagination", "previous") != nil {
		t.Error("page 1 has a previous link")
	}
	all := names(r)
	for next != "" {
		p := h.get(next)
		all = append(all, names(p)...)
		n, _ := path(p.body, "pagination", "next", "href").(string)
		if n == "" && path(p.body, "pagination", "next") != nil {
			t.Fatal("last page's next is not null")
		}
		next = n
	}
	if len(all) != 11 {
		t.Errorf("walked %d instances", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1] > all[i] {
			t.Errorf("not ordered by name: %v", all)
			break
		}
	}
	if r := h.get("/v3/organizations?names=no-such-org"); path(r.body, "pagination", "total_pages") != float64(1) || len(resources(r)) != 0 {
		t.Errorf("empty list = %s", r.raw)
	}
}

func TestQueryValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.login(AdminUser)
	tests := []struct {
		path, detail string
	}{
		{"/v3/service_credential_bindings?fruits=apple", "The query parameter is invalid: Unknown query parameter(s): 'fruits'. Valid parameters are: 'page', 'per_page', 'order_by', 'created_ats', 'updated_ats', 'guids', 'label_selector', 'names', 'service_instance_guids', 'service_instance_names', 'service_plan_names', 'service_plan_guids', 'service_offering_names', 'service_offering_guids', 'app_guids', 'app_names', 'include', 'type'"},
		{"/v3/organizations?per_page=5001", "The query parameter is invalid: Per page must be between 1 and 5000"},
		{"/v3/organizations?per_page=0", "The query parameter is invalid: Per page must be between 1 and 5000"},
		{"/v3/organizations?page=0", "The query parameter is invalid: Page must be greater than 0"},
		{"/v3/organizations?order_by=color", "The query parameter is invalid: Order by can only be: 'created_at', 'updated_at', 'name'"},
		{"/v3/service_instances?fields%5Bspace%5D=guid,color", "The query parameter is invalid: Fields valid keys for 'space' are: 'guid', 'name', 'relationships.organization'"},
		{"/v3/service_instances?type=weird", "The query parameter is invalid: Type must be one of 'managed', 'user-provided'"},
		{"/v3/service_credential_bindings?include=space", "The query parameter is invalid: Invalid included resource: 'space'. Valid included resources are: 'app', 'service_instance'"},
	}
	for _, tc := range tests {
		r := h.get(tc.path)
		if r.status != 400 || path(r.body, "errors", 0, "title") != "CF-BadQueryParameter" || path(r.body, "errors", 0, "code") != float64(10005) || path(r.body, "errors", 0, "detail") != tc.detail {
			t.Errorf("%s: %d %s", tc.path, r.status, r.raw)
		}
	}
	if r := h.get("/v3/organizations?per_page=5000&page=1&order_by=-name&names=acme-prod,ACME-DEV"); r.status != 200 || strings.Join(names(r), ",") != "acme-prod,acme-dev" {
		t.Errorf("valid query: %d %v", r.status, names(r))
	}
}

func TestDetailsRules(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	sandbox, _ := h.fake.Key("sandbox-sender")
	creating, _ := h.fake.Key("dev-sender-new")
	tokyo, _ := h.fake.Key("tokyo-sender-🔑")
	erp, _ := h.fake.Key("erp-orders-sender")
	h.login(DeveloperUser)
	check := func(guid, wantDetail string) {
		t.Helper()
		r := h.get("/v3/service_credential_bindings/" + guid + "/details")
		if r.status != 404 || path(r.body, "errors", 0, "detail") != wantDetail || path(r.body, "errors", 0, "title") != "CF-ResourceNotFound" {
			t.Errorf("%s: %d %s", guid, r.status, r.raw)
		}
	}
	check(sandbox.GUID, "Service credential binding not found") // auditor: listed, but no secrets
	check(tokyo.GUID, "Service credential binding not found")   // not visible at all
	check(creating.GUID, "Creation of service key in progress")
	if r := h.get("/v3/service_credential_bindings/" + sandbox.GUID); r.status != 200 {
		t.Errorf("auditor cannot see the key itself: %d", r.status)
	}
	r := h.get("/v3/service_credential_bindings/" + erp.GUID + "/details")
	if r.status != 200 || path(r.body, "credentials", "oauth", "certificatedetails", "validuntil") == nil || len(r.body) != 1 {
		t.Errorf("developer details = %d %.200s", r.status, r.raw)
	}
	if r := h.get("/v3/service_credential_bindings/" + erp.GUID + "/parameters"); r.status != 200 || r.body["key-type"] != "certificate" {
		t.Errorf("parameters = %d %s", r.status, r.raw)
	}
}

func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{RateLimit: 10, RateWindow: time.Hour})
	h.login(DeveloperUser)
	var last response
	for i := 0; i < 11; i++ {
		last = h.get("/v3/organizations")
		if i == 0 {
			if last.header.Get("X-RateLimit-Limit") != "10" || last.header.Get("X-RateLimit-Remaining") != "9" ||
				last.header.Get("X-RateLimit-Reset") != "1795341600" {
				t.Errorf("headers = %v", last.header)
			}
		}
	}
	if last.status != 429 || !strings.HasPrefix(last.header.Get("Content-Type"), "text/plain") || last.header.Get("Retry-After") != "3601" ||
		!strings.Contains(last.raw, `"title":"CF-RateLimitExceeded","code":10013`) {
		t.Errorf("11th request: %d %v %s", last.status, last.header, last.raw)
	}
	h.login(AdminUser)
	if r := h.get("/v3/organizations"); r.status != 200 || r.header.Get("X-RateLimit-Limit") != "" {
		t.Errorf("admin is exempt: %d %v", r.status, r.header)
	}
}

func TestFailureRateAndLatency(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{FailureRate: 1, Latency: 30 * time.Millisecond})
	h.login(AdminUser)
	start := time.Now()
	r := h.get("/v3/organizations")
	if r.status != 503 || path(r.body, "errors", 0, "title") != "CF-ServiceUnavailable" {
		t.Errorf("failure: %d %s", r.status, r.raw)
	}
	if time.Since(start) < 30*time.Millisecond {
		t.Error("no latency added")
	}
	if h.fake.Requests() < 2 {
		t.Errorf("requests counted = %d", h.fake.Requests())
	}
}
