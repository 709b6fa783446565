package cffake

import (
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

// The tests in this file replay, request by request, what the cf CLI v8 sends for the commands cfkeys' fake
// foundation must serve (cf api, auth, orgs, target, services, service-keys, service-key [--guid],
// create-service-key -c --wait, delete-service-key -f), and check every response field the CLI decodes. The
// request shapes come from the CLI's source (cloudfoundry/cli: api/cloudcontroller/ccv3/*, actor/v7action/*,
// command/v7/*, api/uaa/*): query keys sorted and percent-encoded, fields[...] exactly as `cf services` sends
// them, lowercase "bearer", Location followed verbatim, jobs polled until COMPLETE.

// cliQuery encodes parameters as the CLI's FormatQueryParameters does (url.Values.Encode).
func cliQuery(kv ...string) string {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

// targetSpace runs `cf target -o ORG -s SPACE` and returns the space GUID.
func (h *harness) targetSpace(org, space string) string {
	h.t.Helper()
	orgs := h.get("/v3/organizations?" + cliQuery("names", org))
	if len(resources(orgs)) != 1 {
		h.t.Fatalf("cf target: org %s: %s", org, orgs.raw)
	}
	orgGUID := path(orgs.body, "resources", 0, "guid").(string)
	spaces := h.get("/v3/spaces?" + cliQuery("names", space, "organization_guids", orgGUID))
	if len(resources(spaces)) != 1 || path(spaces.body, "resources", 0, "name") != space {
		h.t.Fatalf("cf target: space %s: %s", space, spaces.raw)
	}
	return path(spaces.body, "resources", 0, "guid").(string)
}

// instanceGUID looks up a service instance by name in a space, as every key command does first.
func (h *harness) instanceGUID(name, spaceGUID string, paged bool) string {
	h.t.Helper()
	q := []string{"names", name, "space_guids", spaceGUID}
	if paged { // newer v8 builds add per_page=1&page=1 to name lookups
		q = append(q, "per_page", "1", "page", "1")
	}
	r := h.get("/v3/service_instances?" + cliQuery(q...))
	if r.status != 200 || len(resources(r)) != 1 || path(r.body, "resources", 0, "type") != "managed" {
		h.t.Fatalf("instance %s: %d %s", name, r.status, r.raw)
	}
	return path(r.body, "resources", 0, "guid").(string)
}

// pollJob follows a Location as `--wait` does until the job is COMPLETE or FAILED, returning the states seen.
func (h *harness) pollJob(location string) []string {
	h.t.Helper()
	var states []string
	for i := 0; i < 10; i++ {
		r := h.get(location)
		if r.status != 200 {
			h.t.Fatalf("job: %d %s", r.status, r.raw)
		}
		state := r.body["state"].(string)
		states = append(states, state)
		if errs, ok := r.body["errors"].([]any); !ok || (state == "FAILED" && len(errs) == 0) {
			h.t.Fatalf("job errors malformed (a FAILED job without errors crashes the CLI): %s", r.raw)
		}
		if _, ok := r.body["warnings"].([]any); !ok {
			h.t.Fatalf("job warnings missing: %s", r.raw)
		}
		if state == "COMPLETE" || state == "FAILED" {
			return states
		}
	}
	h.t.Fatal("job never finished")
	return nil
}

func TestCFCLIApiAndAuth(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	// cf api URL: GET / without Authorization.
	root := h.get("/")
	login := path(root.body, "links", "login", "href").(string)
	if login == "" || path(root.body, "links", "cloud_controller_v3", "meta", "version") == nil {
		t.Fatalf("cf api needs links.login and the v3 version: %s", root.raw)
	}
	// cf auth USER PASS: POST {login}/oauth/token with Basic cf: and the password grant.
	body := h.login(DeveloperUser)
	if body["access_token"] == nil || body["refresh_token"] == nil || body["token_type"] != "bearer" {
		t.Errorf("cf auth reads access_token, refresh_token and a lowercase token_type: %v", body)
	}
	// cf auth CLIENT SECRET --client-credentials: credentials in the body, no Basic header.
	r := h.tokenRequest(url.Values{"client_id": {MonitorClient}, "client_secret": {h.fake.ClientSecret(MonitorClient)}, "grant_type": {"client_credentials"}}, false)
	if r.status != 200 || r.body["access_token"] == nil {
		t.Errorf("client credentials: %d %s", r.status, r.raw)
	}
	// An old CLI sends its (empty or stale) bearer token along with the client-credentials grant: ignored.
	req := url.Values{"client_id": {MonitorClient}, "client_secret": {h.fake.ClientSecret(MonitorClient)}, "grant_type": {"client_credentials"}}
	h.token = "" // the header such a CLI sends is "Authorization: " with its stored value
	if r := h.tokenRequestWith(req, "bearer stale.token.value"); r.status != 200 {
		t.Errorf("client credentials with a stray header: %d %s", r.status, r.raw)
	}
	// The refresh the CLI does when exp is under a minute away.
	h.clock.Advance(19 * time.Minute)
	r = h.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {body["refresh_token"].(string)}}, true)
	if r.status != 200 || r.body["token_type"] != "bearer" || r.body["refresh_token"] == nil {
		t.Errorf("refresh: %d %s", r.status, r.raw)
	}
}

func TestCFCLIOrgsTargetServices(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.login(DeveloperUser)
	// cf orgs: GET /v3/organizations?order_by=name, pagination followed.
	orgs := h.get("/v3/organizations?" + cliQuery("order_by", "name"))
	if got := strings.Join(names(orgs), ","); got != "acme-dev,acme-prod" {
		t.Errorf("cf orgs = %s", got)
	}
	for _, res := range resources(orgs) {
		if path(res, "suspended") != false || path(res, "relationships", "quota", "data", "guid") == nil || path(res, "metadata", "labels") == nil {
			t.Errorf("org shape: %v", res)
		}
	}
	spaceGUID := h.targetSpace("acme-prod", "integration")

	// cf services: the instance list with exactly the CLI's fields[...] keys.
	q := cliQuery(
		"fields[service_plan]", "guid,name,relationships.service_offering",
		"fields[service_plan.service_offering]", "guid,name,relationships.service_broker",
		"fields[service_plan.service_offering.service_broker]", "guid,name",
		"order_by", "name", "per_page", "5000", "space_guids", spaceGUID)
	r := h.get("/v3/service_instances?" + q)
	if r.status != 200 || strings.Join(names(r), ",") != "cpi-monitoring-api,cpi-orders-inbound" {
		t.Fatalf("cf services: %d %s", r.status, r.raw)
	}
	plan := path(r.body, "resources", 0, "relationships", "service_plan", "data", "guid")
	inc := path(r.body, "included").(map[string]any)
	planObj := path(inc, "service_plans", 0)
	offerGUID := path(planObj, "relationships", "service_offering", "data", "guid")
	if path(planObj, "guid") == nil || path(planObj, "name") == nil || offerGUID == nil || plan == nil {
		t.Errorf("included plans: %v", inc["service_plans"])
	}
	offer := path(inc, "service_offerings", 0)
	if path(offer, "name") != "it-rt" || path(offer, "relationships", "service_broker", "data", "guid") == nil || len(offer.(map[string]any)) != 3 {
		t.Errorf("included offering (only the requested fields): %v", offer)
	}
	if broker := path(inc, "service_brokers", 0); path(broker, "name") != "sm-integration-suite" || len(broker.(map[string]any)) != 2 {
		t.Errorf("included broker: %v", broker)
	}
	for _, res := range resources(r) {
		if path(res, "last_operation", "type") != "create" || path(res, "last_operation", "state") != "succeeded" || path(res, "upgrade_available") != false {
			t.Errorf("instance shape: %v", res)
		}
	}
	// ... then the bound apps: bindings of those instances with include=app.
	guids := []string{path(r.body, "resources", 0, "guid").(string), path(r.body, "resources", 1, "guid").(string)}
	b := h.get("/v3/service_credential_bindings?" + cliQuery("include", "app", "service_instance_guids", strings.Join(guids, ",")))
	if b.status != 200 || path(b.body, "included", "apps") == nil || len(resources(b)) != 7 {
		t.Errorf("bound apps lookup: %d %.300s", b.status, b.raw)
	}
}

func TestCFCLIServiceKeys(t *testing.T) {
	t.Parallel()
	for _, paged := range []bool{false, true} {
		h := newHarness(t, Options{})
		h.login(DeveloperUser)
		spaceGUID := h.targetSpace("acme-prod", "integration")
		si := h.instanceGUID("cpi-orders-inbound", spaceGUID, paged)

		// cf service-keys SI
		q := []string{"service_instance_guids", si, "type", "key"}
		if paged {
			q = append(q, "per_page", "5000")
		}
		keys := h.get("/v3/service_credential_bindings?" + cliQuery(q...))
		got := names(keys)
		sort.Strings(got)
		if strings.Join(got, ",") != "crm-sync-sender,erp-orders-sender,legacy-basic-auth,partner-edi-external" {
			t.Errorf("cf service-keys = %v", got)
		}
		for _, k := range resources(keys) {
			if path(k, "last_operation", "type") == nil || path(k, "last_operation", "state") == nil || path(k, "guid") == nil {
				t.Errorf("key shape: %v", k)
			}
		}

		// cf service-key SI KEY [--guid]
		q = []string{"names", "crm-sync-sender", "service_instance_guids", si, "type", "key"}
		if paged {
			q = append(q, "per_page", "1", "page", "1")
		}
		one := h.get("/v3/service_credential_bindings?" + cliQuery(q...))
		if len(resources(one)) != 1 {
			t.Fatalf("key lookup: %s", one.raw)
		}
		guid := path(one.body, "resources", 0, "guid").(string) // --guid prints this and stops
		details := h.get("/v3/service_credential_bindings/" + guid + "/details")
		if details.status != 200 || path(details.body, "credentials", "oauth", "certificatedetails", "subjectdn") == nil {
			t.Errorf("cf service-key details: %d %.200s", details.status, details.raw)
		}
	}
}

func TestCFCLICreateAndDeleteServiceKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{JobPollsToComplete: 2})
	h.login(DeveloperUser)
	spaceGUID := h.targetSpace("acme-prod", "integration")
	si := h.instanceGUID("cpi-orders-inbound", spaceGUID, false)

	// cf create-service-key SI new-cert -c '{"key-type":"certificate","validity":30}' --wait
	body := `{"type":"key","name":"new-cert","relationships":{"service_instance":{"data":{"guid":"` + si + `"}}},"parameters":{"key-type":"certificate","validity":30}}`
	r := h.do("POST", "/v3/service_credential_bindings", body, nil)
	loc := r.header.Get("Location")
	if r.status != 202 || !strings.HasPrefix(loc, h.srv.URL+"/v3/jobs/") {
		t.Fatalf("create: %d Location %q %s", r.status, loc, r.raw)
	}
	// While the job runs the key is listed as "create in progress" and its details are 404.
	k := h.get("/v3/service_credential_bindings?" + cliQuery("names", "new-cert", "service_instance_guids", si, "type", "key"))
	guid := path(k.body, "resources", 0, "guid").(string)
	if path(k.body, "resources", 0, "last_operation", "state") != "in progress" {
		t.Errorf("new key state: %s", k.raw)
	}
	if d := h.get("/v3/service_credential_bindings/" + guid + "/details"); d.status != 404 || path(d.body, "errors", 0, "detail") != "Creation of service key in progress" {
		t.Errorf("details while creating: %d %s", d.status, d.raw)
	}
	if states := strings.Join(h.pollJob(loc), ","); states != "POLLING,COMPLETE" {
		t.Errorf("job states = %s", states)
	}
	d := h.get("/v3/service_credential_bindings/" + guid + "/details")
	if d.status != 200 || path(d.body, "credentials", "oauth", "certificatedetails", "validuntil") != testNow.AddDate(0, 0, 30).Format("2006-01-02T15:04:05.000Z") {
		t.Errorf("created key details: %d %.300s", d.status, d.raw)
	}

	// The same name again: the CLI maps this exact text to "already exists".
	r = h.do("POST", "/v3/service_credential_bindings", body, nil)
	if r.status != 422 || path(r.body, "errors", 0, "detail") != "The binding name is invalid. Key binding names must be unique. The service instance already has a key binding with name 'new-cert'." {
		t.Errorf("duplicate: %d %s", r.status, r.raw)
	}
	// Bad validity fails the job, with an error the CLI can print.
	bad := strings.Replace(body, `"name":"new-cert"`, `"name":"bad-cert"`, 1)
	bad = strings.Replace(bad, `"validity":30`, `"validity":999`, 1)
	r = h.do("POST", "/v3/service_credential_bindings", bad, nil)
	if states := h.pollJob(r.header.Get("Location")); states[len(states)-1] != "FAILED" {
		t.Errorf("bad validity job = %v", states)
	}

	// cf delete-service-key SI new-cert -f
	r = h.do("DELETE", "/v3/service_credential_bindings/"+guid, "", nil)
	if r.status != 202 || !strings.HasPrefix(r.header.Get("Location"), h.srv.URL+"/v3/jobs/") {
		t.Fatalf("delete: %d %v", r.status, r.header)
	}
	if d := h.get("/v3/service_credential_bindings/" + guid + "/details"); d.status != 404 || path(d.body, "errors", 0, "detail") != "Deletion of service key in progress" {
		t.Errorf("details while deleting: %d %s", d.status, d.raw)
	}
	h.pollJob(r.header.Get("Location"))
	if g := h.get("/v3/service_credential_bindings/" + guid); g.status != 404 {
		t.Errorf("deleted key still there: %d", g.status)
	}
}

// TestCFCLIWithoutWait replays create-service-key and delete-service-key -f without --wait: the CLI polls the job
// once, sees POLLING and stops. The broker finishes anyway: the key appears, then disappears.
func TestCFCLIWithoutWait(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.login(DeveloperUser)
	si := h.instanceGUID("cpi-dev", h.targetSpace("acme-dev", "dev"), false)
	r := h.do("POST", "/v3/service_credential_bindings", `{"type":"key","name":"quick","relationships":{"service_instance":{"data":{"guid":"`+si+`"}}},"parameters":{"key-type":"certificate","validity":10}}`, nil)
	if job := h.get(r.header.Get("Location")); job.body["state"] != "POLLING" {
		t.Fatalf("first poll: %s", job.raw)
	}
	list := func() response {
		return h.get("/v3/service_credential_bindings?" + cliQuery("names", "quick", "service_instance_guids", si, "type", "key"))
	}
	if state := path(list().body, "resources", 0, "last_operation", "state"); state != "in progress" {
		t.Errorf("right after: %v", state)
	}
	h.clock.Advance(3 * time.Second)
	if state := path(list().body, "resources", 0, "last_operation", "state"); state != "succeeded" {
		t.Fatalf("3s later the key is %v", state)
	}
	guid := path(list().body, "resources", 0, "guid").(string)
	r = h.do("DELETE", "/v3/service_credential_bindings/"+guid, "", nil)
	if job := h.get(r.header.Get("Location")); job.body["state"] != "POLLING" {
		t.Fatalf("delete, first poll: %s", job.raw)
	}
	h.clock.Advance(3 * time.Second)
	if n := len(resources(list())); n != 0 {
		t.Errorf("3s after delete-service-key -f the key is still listed")
	}
}

func TestCFCLIKeyRules(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.login(DeveloperUser)
	sandbox := h.targetSpace("acme-dev", "sandbox")
	si := h.instanceGUID("cpi-sandbox", sandbox, false)
	body := `{"type":"key","name":"x","relationships":{"service_instance":{"data":{"guid":"` + si + `"}}}}`
	if r := h.do("POST", "/v3/service_credential_bindings", body, nil); r.status != 403 || path(r.body, "errors", 0, "title") != "CF-NotAuthorized" {
		t.Errorf("auditor creating a key: %d %s", r.status, r.raw)
	}
	missing := `{"type":"key","name":"x","relationships":{"service_instance":{"data":{"guid":"fake-instance"}}}}`
	if r := h.do("POST", "/v3/service_credential_bindings", missing, nil); r.status != 422 || path(r.body, "errors", 0, "detail") != "The service instance could not be found: 'fake-instance'" {
		t.Errorf("missing instance: %d %s", r.status, r.raw)
	}
	creating, _ := h.fake.Key("dev-sender-new")
	if r := h.do("DELETE", "/v3/service_credential_bindings/"+creating.GUID, "", nil); r.status != 422 {
		t.Errorf("deleting a key being created: %d %s", r.status, r.raw)
	}
	// A client-secret key by default.
	dev := h.targetSpace("acme-dev", "dev")
	devSI := h.instanceGUID("cpi-dev", dev, false)
	r := h.do("POST", "/v3/service_credential_bindings", `{"type":"key","name":"plain","relationships":{"service_instance":{"data":{"guid":"`+devSI+`"}}}}`, nil)
	h.pollJob(r.header.Get("Location"))
	k, _ := h.fake.Key("plain")
	if d := h.get("/v3/service_credential_bindings/" + k.GUID + "/details"); path(d.body, "credentials", "oauth", "clientsecret") == nil {
		t.Errorf("default key: %s", d.raw)
	}
}
