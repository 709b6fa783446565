package cf

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

func TestDiscover(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	ep, err := Discover(context.Background(), f.srv.URL+"/", f.options())
	if err != nil {
		t.Fatal(err)
	}
	if ep.API != f.srv.URL || ep.Login != f.srv.URL || ep.UAA != f.srv.URL || ep.CCVersion == "" {
		t.Errorf("endpoints = %+v", ep)
	}
}

func TestDiscoverNotCloudFoundry(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	f.fake.Inject(cffake.Fault{Method: "GET", PathPrefix: "/", Status: 200, ContentType: "text/html", Body: "<html><title>Welcome to nginx!</title></html>"})
	_, err := Discover(context.Background(), f.srv.URL, f.options())
	if err == nil || !strings.Contains(err.Error(), "is it a Cloud Foundry API?") || !strings.Contains(err.Error(), "malformed response") {
		t.Fatalf("err = %v", err)
	}
}

func TestNormaliseAPI(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"api.cf.eu10.hana.ondemand.com", "https://api.cf.eu10.hana.ondemand.com"},
		{"https://api.example.org/", "https://api.example.org"},
		{" http://127.0.0.1:8080 ", "http://127.0.0.1:8080"},
		{"https://api.example.org/?x=1#y", "https://api.example.org"},
	}
	for _, tc := range tests {
		if got, err := NormaliseAPI(tc.in); err != nil || got != tc.want {
			t.Errorf("NormaliseAPI(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "ftp://x", "https://user:pw@api.example.org", "https://"} {
		if _, err := NormaliseAPI(bad); err == nil {
			t.Errorf("NormaliseAPI(%q) accepted", bad)
		}
	}
}

func TestRetriesHealing5xx(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	fault := f.fake.Inject(cffake.Fault{Method: "GET", PathPrefix: "/v3/organizations", Times: 2, Status: 503, ContentType: "application/json",
		Body: `{"errors":[{"detail":"Service unavailable","title":"CF-ServiceUnavailable","code":10015}]}`})
	orgs, err := c.Organizations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 3 || fault.Hits() != 2 {
		t.Errorf("orgs = %d, fault hits = %d", len(orgs), fault.Hits())
	}
	if got := f.sleeps.Waits(); len(got) != 2 || got[0] != 250*time.Millisecond || got[1] != 500*time.Millisecond {
		t.Errorf("backoff waits = %v, want [250ms 500ms]", got)
	}
}

func TestRetriesGiveUp(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	f.fake.Inject(cffake.Fault{Method: "GET", PathPrefix: "/v3/organizations", Status: 502, ContentType: "text/html", Body: cffake.ProxyHTML})
	_, err := c.Organizations(context.Background())
	var api *APIError
	if !errors.As(err, &api) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	if api.StatusCode != 502 || api.Body != BodyHTML || api.Summary != "502 Bad Gateway" {
		t.Errorf("api error = %+v", api)
	}
	want := `listing organizations: GET /v3/organizations: 502 Bad Gateway (an HTML page, likely from a proxy or load balancer: "502 Bad Gateway")`
	if err.Error() != want {
		t.Errorf("message:\n got %s\nwant %s", err, want)
	}
	if n := len(f.sleeps.Waits()); n != DefaultRetryPolicy.MaxAttempts-1 {
		t.Errorf("retries = %d, want %d", n, DefaultRetryPolicy.MaxAttempts-1)
	}
}

func TestErrorBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		fault       cffake.Fault
		wantKind    BodyKind
		wantMessage string
	}{
		{"empty body", cffake.Fault{Status: 404}, BodyEmpty, "GET /v3/organizations: 404 Not Found (empty response body)"},
		{"truncated json", cffake.Fault{Status: 400, ContentType: "application/json", Body: `{"errors":[{"detail":"Per page`}, BodyTruncated, "GET /v3/organizations: 400 Bad Request (truncated response body)"},
		{"plain text", cffake.Fault{Status: 403, ContentType: "text/plain", Body: "Forbidden by policy\nmore"}, BodyText, `GET /v3/organizations: 403 Forbidden ("Forbidden by policy")`},
		{"json as text/plain", cffake.Fault{Status: 400, ContentType: "text/plain", Body: `{"errors":[{"detail":"The query parameter is invalid","title":"CF-BadQueryParameter","code":10005}]}`}, BodyJSON,
			"GET /v3/organizations: 400 Bad Request CF-BadQueryParameter (10005): The query parameter is invalid"},
		{"two errors", cffake.Fault{Status: 422, ContentType: "application/json", Body: `{"errors":[{"detail":"a","title":"T1","code":1},{"detail":"b","title":"T2","code":2}]}`}, BodyJSON,
			"GET /v3/organizations: 422 Unprocessable Entity T1 (1): a; T2 (2): b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFoundation(t, cffake.Options{})
			c, _ := f.login(t, cffake.AdminUser, f.options())
			tc.fault.Method, tc.fault.PathPrefix = "GET", "/v3/organizations"
			f.fake.Inject(tc.fault)
			_, err := c.Organizations(context.Background())
			var api *APIError
			if !errors.As(err, &api) || api.Body != tc.wantKind {
				t.Fatalf("err = %#v", err)
			}
			if got := strings.TrimPrefix(err.Error(), "listing organizations: "); got != tc.wantMessage {
				t.Errorf("message:\n got %s\nwant %s", got, tc.wantMessage)
			}
		})
	}
}

func TestMalformedAndTruncatedSuccess(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())

	// A 200 whose JSON is cut short (Content-Length honoured) is reported, not retried into silence.
	f.fake.Inject(cffake.Fault{Method: "GET", PathPrefix: "/v3/organizations", Times: 1, Status: 200, ContentType: "application/json", Body: `{"pagination":{"total_results":3,`})
	_, err := c.Organizations(context.Background())
	var re *ResponseError
	if !errors.As(err, &re) || !re.Truncated || !strings.Contains(err.Error(), "truncated response") {
		t.Fatalf("err = %v, want a truncated-response error", err)
	}

	// A connection that drops mid-body is a network failure: the GET is retried and succeeds.
	f.fake.Inject(cffake.Fault{Method: "GET", PathPrefix: "/v3/organizations", Times: 1, Status: 200, ContentType: "application/json", Body: `{"pagination":`, Truncate: true})
	orgs, err := c.Organizations(context.Background())
	if err != nil || len(orgs) != 3 {
		t.Fatalf("after a dropped connection: %d orgs, %v", len(orgs), err)
	}

	// Valid JSON of the wrong shape is malformed.
	f.fake.Inject(cffake.Fault{Method: "GET", PathPrefix: "/v3/organizations", Times: 1, Status: 200, ContentType: "application/json", Body: `{"resources":"nope"}`})
	_, err = c.Organizations(context.Background())
	if !errors.As(err, &re) || re.Truncated || !strings.Contains(err.Error(), "malformed response") {
		t.Fatalf("err = %v, want a malformed-response error", err)
	}
}

func TestRateLimitRetryAfter(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	f.fake.Inject(cffake.Fault{Method: "GET", PathPrefix: "/v3/organizations", Times: 2, Status: 429, ContentType: "text/plain; charset=utf-8", Body: cffake.RateLimitBody, RetryAfter: 7})
	orgs, err := c.Organizations(context.Background())
	if err != nil || len(orgs) != 3 {
		t.Fatalf("orgs %d, %v", len(orgs), err)
	}
	if got := f.sleeps.Waits(); len(got) != 2 || got[0] != 7*time.Second || got[1] != 7*time.Second {
		t.Errorf("waits = %v, want two of 7s", got)
	}
}

func TestRateLimitTooLong(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	f.fake.Inject(cffake.Fault{Method: "GET", PathPrefix: "/v3/organizations", Status: 429, ContentType: "text/plain", Body: cffake.RateLimitBody, RetryAfter: 3600})
	_, err := c.Organizations(context.Background())
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != 429 || !api.Has(TitleRateLimitExceeded) || api.RetryAfter != time.Hour {
		t.Fatalf("err = %v", err)
	}
	if len(f.sleeps.Waits()) != 0 {
		t.Errorf("waited %v for a Retry-After beyond the bound", f.sleeps.Waits())
	}
}

// TestRealRateLimiter runs against the fake's own limiter: headers with an epoch reset on every response, then
// 429s with Retry-After once the budget is spent.
func TestRealRateLimiter(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{RateLimit: 3, RateWindow: 30 * time.Second})
	f.sleeps.onWait = func(d time.Duration) { f.clock.Advance(d) } // waiting moves the fake's clock on
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	for i := 0; i < 4; i++ {
		if _, err := c.Organizations(context.Background()); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if len(f.sleeps.Waits()) != 1 || f.sleeps.Waits()[0] != 31*time.Second {
		t.Errorf("waits %v, want one of 31s (the window's reset)", f.sleeps.Waits())
	}
}

func TestRequestTimeout(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{Latency: 200 * time.Millisecond})
	opts := f.options()
	c, _ := f.login(t, cffake.AdminUser, opts)
	c.opts.RequestTimeout = 20 * time.Millisecond
	_, err := c.Organizations(context.Background())
	var te *TimeoutError
	if !errors.As(err, &te) || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "GET /v3/organizations") {
		t.Fatalf("err = %v; want a TimeoutError that is not the context's deadline", err)
	}
	if n := len(f.sleeps.Waits()); n != 1 {
		t.Errorf("timeouts retried %d times, want once", n)
	}
}

func TestCancelledContextStopsRetries(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	f.fake.Inject(cffake.Fault{Method: "GET", PathPrefix: "/v3/organizations", Status: 503})
	ctx, cancel := context.WithCancel(context.Background())
	f.sleeps.onWait = func(time.Duration) { cancel() }
	_, err := c.Organizations(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if n := len(f.sleeps.Waits()); n != 1 {
		t.Errorf("waited %d times after cancellation", n)
	}
}

func TestPaginationFollowsNextLinks(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	opts := f.options()
	opts.PageSize = 2
	c, _ := f.login(t, cffake.AdminUser, opts)
	before := f.fake.RouteRequests("GET /v3/service_instances")
	insts, err := c.ServiceInstances(context.Background(), InstanceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(insts) != 11 {
		t.Fatalf("instances = %d, want 11", len(insts))
	}
	if pages := f.fake.RouteRequests("GET /v3/service_instances") - before; pages != 6 {
		t.Errorf("pages fetched = %d, want 6", pages)
	}
	for _, si := range insts {
		if si.OrgName == "" || si.SpaceName == "" || si.PlanName == "" || si.OfferingName == "" {
			t.Errorf("instance %s lacks names from fields[]: %+v", si.Name, si)
		}
	}
}

func TestPaginationLoopAndForeignLinks(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	f.fake.Inject(cffake.Fault{Method: "GET", PathPrefix: "/v3/organizations", Status: 200, ContentType: "application/json",
		Body: `{"pagination":{"next":{"href":"` + f.srv.URL + `/v3/organizations?page=2"}},"resources":[{"guid":"a","name":"a"}]}`})
	_, err := c.Organizations(context.Background())
	if err == nil || !strings.Contains(err.Error(), "pagination links loop") {
		t.Errorf("looping pages: err = %v", err)
	}
	f.fake.ClearFaults()
	f.fake.Inject(cffake.Fault{Method: "GET", PathPrefix: "/v3/organizations", Status: 200, ContentType: "application/json",
		Body: `{"pagination":{"next":{"href":"https://evil.example/v3/organizations?page=2"}},"resources":[]}`})
	_, err = c.Organizations(context.Background())
	if err == nil || !strings.Contains(err.Error(), "points away from the API") {
		t.Errorf("foreign next link: err = %v", err)
	}
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	var got http.Header
	f := newFoundation(t, cffake.Options{})
	opts := f.options()
	opts.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if strings.HasPrefix(r.URL.Path, "/v3/") {
			got = r.Header.Clone()
		}
		return f.srv.Client().Transport.RoundTrip(r)
	})}
	c, _ := f.login(t, cffake.AdminUser, opts)
	if _, err := c.Organizations(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Get("Authorization"), "bearer ey") || got.Get("Accept") != "application/json" || got.Get("User-Agent") != "cfkeys" {
		t.Errorf("headers = %v", got)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Long GUID filters go out in chunks (a URL with hundreds of GUIDs is refused by routers), and an org filter
// given with a space filter is applied to the results.
func TestServiceInstancesChunksFilters(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	ctx := context.Background()
	orgs, err := c.Organizations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	spaces, err := c.Spaces(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	all, err := c.ServiceInstances(ctx, InstanceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var spaceGUIDs []string
	for i := 0; i < 240; i++ {
		spaceGUIDs = append(spaceGUIDs, fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
	}
	for _, s := range spaces {
		spaceGUIDs = append(spaceGUIDs, s.GUID)
	}
	before := f.fake.RouteRequests("GET /v3/service_instances")
	got, err := c.ServiceInstances(ctx, InstanceFilter{SpaceGUIDs: spaceGUIDs})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.fake.RouteRequests("GET /v3/service_instances") - before; n != 3 {
		t.Errorf("%d GUIDs in %d requests, want 3", len(spaceGUIDs), n)
	}
	if len(got) != len(all) {
		t.Errorf("chunked listing found %d instances, want %d", len(got), len(all))
	}
	org := orgs[0]
	got, err = c.ServiceInstances(ctx, InstanceFilter{OrgGUIDs: []string{org.GUID}, SpaceGUIDs: spaceGUIDs})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, si := range all {
		if si.OrgGUID == org.GUID {
			want++
		}
	}
	if len(got) != want || want == 0 {
		t.Errorf("org %s and spaces: %d instances, want %d", org.Name, len(got), want)
	}
	for _, si := range got {
		if si.OrgGUID != org.GUID {
			t.Errorf("instance %s of org %s passed the org filter", si.Name, si.OrgName)
		}
	}
}
