package cf

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/expiry"
)

const detailsRoute = "GET /v3/service_credential_bindings/{guid}/details"

// keyState is a key's status and days remaining (days only for certificate keys).
type keyState struct {
	status expiry.Status
	days   int
}

// demoStates is what the demo foundation's keys must show at testNow, as the admin sees them.
var demoStates = map[string]keyState{
	"erp-orders-sender": {expiry.StatusOK, 412}, "crm-sync-sender": {expiry.StatusCritical, 5}, "partner-edi-external": {expiry.StatusWarning, 23},
	"legacy-basic-auth": {expiry.StatusNone, 0}, "grafana-monitoring": {expiry.StatusExpired, -3}, "deploy-pipeline": {expiry.StatusNone, 0},
	"ops-dashboard": {expiry.StatusOK, 187}, "orders-app-x509": {expiry.StatusCritical, 6}, "orders-app-x509-next": {expiry.StatusWarning, 28},
	"orders-app-secret": {expiry.StatusNone, 0}, "em-orders-client": {expiry.StatusOK, 61}, "audit-writer": {expiry.StatusOK, 200},
	"audit-writer-legacy-ca": {expiry.StatusOK, 45}, "dev-sender-today": {expiry.StatusCritical, 0}, "dev-sender-new": {expiry.StatusUnknown, 0},
	"dev-broken-cert": {expiry.StatusUnknown, 0}, "dev-sender-old": {expiry.StatusExpired, -40}, "dev-x509": {expiry.StatusCritical, 2},
	"sandbox-sender": {expiry.StatusWarning, 15}, "sandbox-secret": {expiry.StatusNone, 0}, "ias-x509": {expiry.StatusWarning, 29},
	"tokyo-sender-🔑": {expiry.StatusOK, 190}, "大阪-partner": {expiry.StatusOK, 44},
}

func statesOf(res *SweepResult, now time.Time) map[string]keyState {
	out := map[string]keyState{}
	for _, k := range res.Keys {
		st, days, _ := expiry.Classify(k.Finding, now, expiry.DefaultThresholds)
		out[k.Name] = keyState{st, days}
	}
	return out
}

func TestSweepDemoFoundation(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	var stages []Stage
	var last Progress
	res, err := c.Sweep(context.Background(), SweepOptions{Progress: func(p Progress) {
		if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
			stages = append(stages, p.Stage)
		}
		last = p
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := statesOf(res, testNow)
	if len(got) != len(demoStates) {
		t.Errorf("keys = %d, want %d", len(got), len(demoStates))
	}
	for name, want := range demoStates {
		if got[name] != want {
			t.Errorf("%s = %v %dd, want %v %dd", name, got[name].status, got[name].days, want.status, want.days)
		}
	}
	if len(res.Errors) != 0 {
		t.Errorf("errors = %+v", res.Errors)
	}
	// The minimum request plan: one instance listing, one key listing, one /details per created key (22 of 23).
	if res.Requests != 2+22 || res.DetailsFetched != 22 || f.fake.RouteRequests(detailsRoute) != 22 {
		t.Errorf("requests = %d, details = %d (server saw %d)", res.Requests, res.DetailsFetched, f.fake.RouteRequests(detailsRoute))
	}
	if want := []Stage{StageInstances, StageKeys, StageCredentials}; strings.Join(stageNames(stages), ",") != strings.Join(stageNames(want), ",") {
		t.Errorf("stages = %v", stages)
	}
	if last.Done != 22 || last.Total != 22 {
		t.Errorf("last progress = %+v", last)
	}
	byName := map[string]KeyReport{}
	for _, k := range res.Keys {
		byName[k.Name] = k
	}
	ca := byName["audit-writer-legacy-ca"].Finding.Certificate
	if ca == nil || !ca.ChainExpiresFirst || expiry.DaysRemaining(ca.ChainNotAfter, testNow) != 45 || !strings.Contains(ca.ChainSubjectDN, "Legacy Client CA") {
		t.Errorf("CA-first chain not flagged: %+v", ca)
	}
	if k := byName["crm-sync-sender"]; k.Instance.OrgName != "acme-prod" || k.Instance.SpaceName != "integration" || k.Instance.Name != "cpi-orders-inbound" ||
		k.Instance.OfferingName != "it-rt" || k.Instance.PlanName != "integration-flow" || k.Finding.Certificate.Source != expiry.SourceCertificateDetails {
		t.Errorf("crm-sync-sender = %+v", k)
	}
	if f := byName["dev-sender-new"].Finding; f.Reason != "no credentials yet: create in progress" || f.Cause != expiry.CausePending || f.NeedsAttention() {
		t.Errorf("key being created: %+v", f)
	}
	if f := byName["dev-broken-cert"].Finding; f.Reason != "the certificate in oauth.certificate is not valid PEM" || !f.NeedsAttention() {
		t.Errorf("broken certificate: %+v", f)
	}
}

func stageNames(s []Stage) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}

func TestSecondSweepUsesCache(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	first, err := c.Sweep(context.Background(), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	details := f.fake.RouteRequests(detailsRoute)
	f.clock.Advance(25 * time.Hour)
	second, err := c.Sweep(context.Background(), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.fake.RouteRequests(detailsRoute) - details; got != 0 || second.DetailsFetched != 0 {
		t.Errorf("second sweep made %d /details requests", got)
	}
	if second.Requests != 3 {
		t.Errorf("second sweep requests = %d, want 3 (the two listings and a token refresh a day later)", second.Requests)
	}
	if len(first.Keys) != len(second.Keys) {
		t.Fatalf("keys %d then %d", len(first.Keys), len(second.Keys))
	}
	// The cached findings still follow the clock.
	if got := statesOf(second, f.clock.Now())["crm-sync-sender"]; got.days != 4 {
		t.Errorf("a day later crm-sync-sender has %d days", got.days)
	}
}

// The details cache outlives a client: logging in again (or resuming) on the same foundation as the same user
// reads no credentials twice. Another user of the same foundation, or the same GUIDs on another foundation, get
// entries of their own.
func TestDetailsCacheIsPerProcess(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	opts := f.options() // one cache, as the process-wide one
	first, sess := f.login(t, cffake.AdminUser, opts)
	if _, err := first.Sweep(context.Background(), SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	held := opts.DetailsCache.Len()
	details := f.fake.RouteRequests(detailsRoute)
	again, _ := f.login(t, cffake.AdminUser, opts)
	resumed, _, err := Resume(first.Endpoints(), sess.Token(), f.password(cffake.AdminUser), opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*Client{"a new login": again, "a resumed session": resumed} {
		res, err := c.Sweep(context.Background(), SweepOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := f.fake.RouteRequests(detailsRoute) - details; got != 0 || res.DetailsFetched != 0 {
			t.Errorf("%s read %d credentials again", name, got)
		}
	}
	dev, _ := f.login(t, cffake.DeveloperUser, opts)
	res, err := dev.Sweep(context.Background(), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.DetailsFetched == 0 || opts.DetailsCache.Len() <= held {
		t.Errorf("another user used the admin's findings: fetched %d", res.DetailsFetched)
	}
	for _, k := range res.Keys {
		if k.Instance.SpaceName == "sandbox" && k.Finding.Cause != expiry.CauseHidden {
			t.Errorf("developer sees the admin's finding for %s: %+v", k.Name, k.Finding)
		}
	}
	other := newFoundation(t, cffake.Options{}) // same seeded GUIDs, another origin
	oc, _ := other.login(t, cffake.AdminUser, opts)
	if res, err := oc.Sweep(context.Background(), SweepOptions{}); err != nil || res.DetailsFetched != 22 {
		t.Errorf("another foundation: fetched %d, %v", res.DetailsFetched, err)
	}
}

func TestSweepAsDeveloper(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	res, err := c.Sweep(context.Background(), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 0 {
		t.Errorf("a role-hidden key is not an error: %+v", res.Errors)
	}
	for _, k := range res.Keys {
		if k.Instance.OrgName == "partner-hub" {
			t.Errorf("sees %s in an org it has no role in", k.Name)
		}
		if k.Instance.SpaceName == "sandbox" {
			if k.Finding.Kind != expiry.KindUnknown || !strings.HasPrefix(k.Finding.Reason, "credentials not readable") || k.Finding.Cause != expiry.CauseHidden {
				t.Errorf("auditor-only key %s: %+v", k.Name, k.Finding)
			}
		}
	}
	if len(res.Keys) != 21 {
		t.Errorf("keys = %d, want 21", len(res.Keys))
	}
}

func TestSweepScope(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	tests := []struct {
		name    string
		opts    SweepOptions
		keys    int
		wantErr string
	}{
		{"one org", SweepOptions{Orgs: []string{"acme-prod"}}, 13, ""},
		{"org names are case-insensitive", SweepOptions{Orgs: []string{"ACME-PROD"}}, 13, ""},
		{"two orgs", SweepOptions{Orgs: []string{"acme-prod", "partner-hub"}}, 15, ""},
		{"space in org", SweepOptions{Orgs: []string{"acme-dev"}, Spaces: []string{"sandbox"}}, 3, ""},
		{"space anywhere", SweepOptions{Spaces: []string{"dev", "apps"}}, 11, ""},
		{"wide unicode space", SweepOptions{Spaces: []string{"東京-integration"}}, 2, ""},
		{"unknown org", SweepOptions{Orgs: []string{"acme-typo"}}, 0, `organization "acme-typo" not found (or not visible to this user)`},
		{"space not in org", SweepOptions{Orgs: []string{"acme-dev"}, Spaces: []string{"apps"}}, 0, `space "apps" not found (or not visible to this user)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := c.Sweep(context.Background(), tc.opts)
			if tc.wantErr != "" {
				var nf *NotFoundError
				if !errors.As(err, &nf) || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Keys) != tc.keys {
				t.Errorf("keys = %d, want %d", len(res.Keys), tc.keys)
			}
		})
	}
}

func TestSweepPages(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{Data: cffake.Dataset{BulkKeys: 57}})
	opts := f.options()
	opts.PageSize = 10
	c, _ := f.login(t, cffake.AdminUser, opts)
	res, err := c.Sweep(context.Background(), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Keys) != 57 || len(res.Instances) != 6 {
		t.Fatalf("keys = %d, instances = %d", len(res.Keys), len(res.Instances))
	}
	// 1 instance page + 6 key pages + 57 details.
	if res.Requests != 1+6+57 {
		t.Errorf("requests = %d, want %d", res.Requests, 1+6+57)
	}
	seen := map[string]bool{}
	for _, k := range res.Keys {
		if seen[k.GUID] {
			t.Errorf("key %s twice", k.Name)
		}
		seen[k.GUID] = true
		if k.Finding.Kind != expiry.KindCertificate {
			t.Errorf("%s: %+v", k.Name, k.Finding)
		}
	}
}

func TestSweepTokenExpiresMidway(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{TokenTTL: 10 * time.Minute})
	opts := f.options()
	opts.Concurrency = 1
	c, _ := f.login(t, cffake.DeveloperUser, opts)
	tokens := f.fake.RouteRequests("POST /oauth/token")
	var once sync.Once
	res, err := c.Sweep(context.Background(), SweepOptions{Progress: func(p Progress) {
		if p.Stage == StageCredentials && p.Done == 5 {
			once.Do(func() { f.clock.Advance(11 * time.Minute) }) // the token expired during the sweep
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 0 || len(res.Keys) != 21 {
		t.Errorf("errors %v, keys %d", res.Errors, len(res.Keys))
	}
	if got := f.fake.RouteRequests("POST /oauth/token") - tokens; got != 1 {
		t.Errorf("token requests during the sweep = %d, want 1", got)
	}
}

func TestSweepTokenRevokedMidway(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	opts := f.options()
	opts.Concurrency = 4
	c, _ := f.login(t, cffake.AdminUser, opts)
	tokens := f.fake.RouteRequests("POST /oauth/token")
	var once sync.Once
	res, err := c.Sweep(context.Background(), SweepOptions{Progress: func(p Progress) {
		if p.Stage == StageCredentials && p.Done == 3 {
			once.Do(f.fake.RevokeAccessTokens)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 0 {
		t.Errorf("errors = %v", res.Errors)
	}
	// Concurrent workers that all hit the 401 share one refresh.
	if got := f.fake.RouteRequests("POST /oauth/token") - tokens; got != 1 {
		t.Errorf("token requests = %d, want 1", got)
	}
}

func TestSweepSessionExpiredFails(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	logged, sess := f.login(t, cffake.DeveloperUser, f.options())
	c, _, _ := Resume(logged.Endpoints(), sess.Token(), Credentials{Grant: GrantPassword, Username: cffake.DeveloperUser}, f.options(), nil)
	var once sync.Once
	_, err := c.Sweep(context.Background(), SweepOptions{Progress: func(p Progress) {
		if p.Stage == StageCredentials {
			once.Do(func() { f.fake.RevokeAccessTokens(); f.fake.RevokeRefreshTokens() })
		}
	}})
	if !errors.Is(err, ErrSessionExpired) {
		t.Fatalf("err = %v", err)
	}
}

func TestSweepDetailsFailures(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	inProgress, _ := f.fake.Key("erp-orders-sender")
	credhub, _ := f.fake.Key("ops-dashboard")
	flaky, _ := f.fake.Key("em-orders-client")
	throttled, _ := f.fake.Key("audit-writer")
	f.fake.Inject(cffake.Fault{PathPrefix: "/v3/service_credential_bindings/" + inProgress.GUID + "/details", Status: 404, ContentType: "application/json",
		Body: `{"errors":[{"detail":"Creation of service key in progress","title":"CF-ResourceNotFound","code":10010}]}`})
	f.fake.Inject(cffake.Fault{PathPrefix: "/v3/service_credential_bindings/" + credhub.GUID + "/details", Status: 503, ContentType: "application/json",
		Body: `{"errors":[{"detail":"CredHub is unavailable","title":"CF-ServiceUnavailable","code":10015}]}`})
	f.fake.Inject(cffake.Fault{PathPrefix: "/v3/service_credential_bindings/" + flaky.GUID + "/details", Times: 2, Status: 502, ContentType: "text/html", Body: cffake.ProxyHTML})
	f.fake.Inject(cffake.Fault{PathPrefix: "/v3/service_credential_bindings/" + throttled.GUID + "/details", Times: 1, Status: 429, ContentType: "text/plain", Body: cffake.RateLimitBody, RetryAfter: 1})
	res, err := c.Sweep(context.Background(), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]KeyReport{}
	for _, k := range res.Keys {
		got[k.Name] = k
	}
	if r := got["erp-orders-sender"].Finding; r.Kind != expiry.KindUnknown || r.Reason != "no credentials yet: Creation of service key in progress" {
		t.Errorf("404 in progress: %+v", r)
	}
	if r := got["ops-dashboard"].Finding; r.Kind != expiry.KindUnknown || r.Reason != "reading credentials failed: 503 CredHub is unavailable" || r.Cause != expiry.CauseFailed {
		t.Errorf("503: %+v", r)
	}
	if r := got["em-orders-client"].Finding; r.Kind != expiry.KindCertificate {
		t.Errorf("healing 502: %+v", r)
	}
	if r := got["audit-writer"].Finding; r.Kind != expiry.KindCertificate {
		t.Errorf("429 then ok: %+v", r)
	}
	if len(res.Errors) != 1 || res.Errors[0].GUID != credhub.GUID || !strings.Contains(res.Errors[0].Message, "CF-ServiceUnavailable") {
		t.Errorf("errors = %+v", res.Errors)
	}
	// Failures are not cached: the next sweep asks again for exactly those two keys.
	f.fake.ClearFaults()
	before := f.fake.RouteRequests(detailsRoute)
	if _, err := c.Sweep(context.Background(), SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := f.fake.RouteRequests(detailsRoute) - before; got != 2 {
		t.Errorf("second sweep asked for %d details, want 2", got)
	}
}

func TestSweepHostileNamesPassThrough(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{Data: cffake.Dataset{Hostile: true}})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	res, err := c.Sweep(context.Background(), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, k := range f.fake.Keys() {
		want[k.Name+"|"+k.InstanceName+"|"+k.SpaceName+"|"+k.OrgName] = true
	}
	found := 0
	for _, k := range res.Keys {
		id := k.Name + "|" + k.Instance.Name + "|" + k.Instance.SpaceName + "|" + k.Instance.OrgName
		if !want[id] {
			t.Errorf("key %q changed on the way", id)
		}
		if strings.Contains(k.Instance.OrgName, "\x1b]52") {
			found++
		}
	}
	if found != 3 {
		t.Errorf("hostile keys = %d, want 3", found)
	}
}

// The concurrency a sweep is given bounds its parallel /details requests when fixed, and MaxConcurrency bounds
// it when it adapts.
func TestSweepConcurrencyBound(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		opts     SweepOptions
		min, max int64
	}{
		{"fixed", SweepOptions{Concurrency: 6, FixedConcurrency: true}, 2, 6},
		{"adaptive", SweepOptions{Concurrency: 6, MaxConcurrency: 9}, 2, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFoundation(t, cffake.Options{Latency: 5 * time.Millisecond, Data: cffake.Dataset{BulkKeys: 40}})
			var inFlight, peak atomic.Int64
			opts := f.options()
			opts.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				if strings.HasSuffix(r.URL.Path, "/details") {
					n := inFlight.Add(1)
					defer inFlight.Add(-1)
					for {
						p := peak.Load()
						if n <= p || peak.CompareAndSwap(p, n) {
							break
						}
					}
				}
				return f.srv.Client().Transport.RoundTrip(r)
			})}
			c, _ := f.login(t, cffake.AdminUser, opts)
			if _, err := c.Sweep(context.Background(), tc.opts); err != nil {
				t.Fatal(err)
			}
			if p := peak.Load(); p > tc.max || p < tc.min {
				t.Errorf("peak concurrent /details = %d, want %d..%d", p, tc.min, tc.max)
			}
		})
	}
}

func TestSweepCancelled(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{Latency: time.Millisecond})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	ctx, cancel := context.WithCancel(context.Background())
	_, err := c.Sweep(ctx, SweepOptions{Concurrency: 2, Progress: func(p Progress) {
		if p.Stage == StageCredentials && p.Done == 3 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// Instances missing from the listing (created between the two listings) are read once each; one that cannot be
// read makes its keys errors of the sweep, and the sweep goes on.
func TestSweepMissingInstances(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	c, _ := f.login(t, cffake.AdminUser, f.options())
	broken, _ := f.fake.Key("crm-sync-sender")
	keysOfBroken := 0
	instances := map[string]bool{}
	for _, k := range f.fake.Keys() {
		instances[k.InstanceGUID] = true
		if k.InstanceGUID == broken.InstanceGUID {
			keysOfBroken++
		}
	}
	// The listing returns nothing, as if every instance were created after it.
	f.fake.Inject(cffake.Fault{Method: "GET", PathPrefix: "/v3/service_instances", PathSuffix: "/service_instances", Status: 200, ContentType: "application/json",
		Body: `{"pagination":{"total_results":0,"total_pages":1,"first":{"href":"x"},"last":{"href":"x"},"next":null,"previous":null},"resources":[]}`})
	refused := f.fake.Inject(cffake.Fault{Method: "GET", PathPrefix: "/v3/service_instances/" + broken.InstanceGUID, Status: 403, ContentType: "application/json",
		Body: `{"errors":[{"detail":"You are not authorized to perform the requested action","title":"CF-NotAuthorized","code":10003}]}`})
	before := f.fake.RouteRequests("GET /v3/service_instances/{guid}")
	res, err := c.Sweep(context.Background(), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.fake.RouteRequests("GET /v3/service_instances/{guid}") - before; n != int64(len(instances)-1) {
		t.Errorf("%d single-instance reads for %d instances (one refused by a fault)", n, len(instances))
	}
	if refused.Hits() != 1 {
		t.Errorf("the unreadable instance was asked for %d times", refused.Hits())
	}
	if len(res.Errors) != keysOfBroken || keysOfBroken < 2 {
		t.Errorf("%d errors for %d keys of the unreadable instance: %+v", len(res.Errors), keysOfBroken, res.Errors)
	}
	for _, e := range res.Errors {
		if !strings.Contains(e.Message, "CF-NotAuthorized") {
			t.Errorf("error %+v", e)
		}
	}
	if len(res.Keys) != len(f.fake.Keys())-keysOfBroken {
		t.Errorf("%d keys reported, want %d", len(res.Keys), len(f.fake.Keys())-keysOfBroken)
	}
}
