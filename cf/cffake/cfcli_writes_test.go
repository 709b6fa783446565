package cffake

import (
	"sort"
	"strings"
	"testing"
)

// TestCFCLISeesARotation replays what cfkeys sends for a rotation (create annotated, job, PATCH metadata on the old
// key, delete) and then what `cf service-keys` and `cf service-key` send: the CLI lists the successor and not the
// deleted key, and every binding carries the metadata object the CLI decodes (labels and annotations, as strings).
func TestCFCLISeesARotation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.login(DeveloperUser)
	spaceGUID := h.targetSpace("acme-prod", "integration")
	si := h.instanceGUID("cpi-orders-inbound", spaceGUID, false)
	old, _ := h.fake.Key("crm-sync-sender")

	body := `{"type":"key","name":"crm-sync-sender-2026","relationships":{"service_instance":{"data":{"guid":"` + si + `"}}},` +
		`"parameters":{"key-type":"certificate","validity":365,"key-length":2048},"metadata":{"annotations":{"cfkeys.dev/replaces":"` + old.GUID + `"}}}`
	r := h.do("POST", "/v3/service_credential_bindings", body, nil)
	if r.status != 202 {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	h.pollJob(r.header.Get("Location"))
	k, _ := h.fake.Key("crm-sync-sender-2026")
	g := h.get("/v3/service_credential_bindings/" + k.GUID)
	if path(g.body, "metadata", "annotations", "cfkeys.dev/replaces") != old.GUID || path(g.body, "metadata", "labels") == nil {
		t.Errorf("metadata of the successor: %s", g.raw)
	}

	// PATCH metadata: 200 with the binding; a null removes an annotation; anything but metadata is refused.
	p := h.do("PATCH", "/v3/service_credential_bindings/"+old.GUID, `{"metadata":{"annotations":{"cfkeys.dev/replaced-by":"`+k.GUID+`","note":"x"}}}`, nil)
	if p.status != 200 || path(p.body, "metadata", "annotations", "cfkeys.dev/replaced-by") != k.GUID || path(p.body, "guid") != old.GUID {
		t.Errorf("patch: %d %s", p.status, p.raw)
	}
	p = h.do("PATCH", "/v3/service_credential_bindings/"+old.GUID, `{"metadata":{"annotations":{"note":null}}}`, nil)
	if _, has := path(p.body, "metadata", "annotations").(map[string]any)["note"]; has || path(p.body, "metadata", "annotations", "cfkeys.dev/replaced-by") != k.GUID {
		t.Errorf("null removes only that annotation: %s", p.raw)
	}
	if p = h.do("PATCH", "/v3/service_credential_bindings/"+old.GUID, `{"name":"renamed"}`, nil); p.status != 422 {
		t.Errorf("patching the name: %d %s", p.status, p.raw)
	}
	if p = h.do("PATCH", "/v3/service_credential_bindings/"+old.GUID, `{"metadata":{"labels":{"bad key!/x/y":"v"}}}`, nil); p.status != 422 {
		t.Errorf("a bad label key: %d %s", p.status, p.raw)
	}

	d := h.do("DELETE", "/v3/service_credential_bindings/"+old.GUID, "", nil)
	h.pollJob(d.header.Get("Location"))

	// cf service-keys SI
	keys := h.get("/v3/service_credential_bindings?" + cliQuery("service_instance_guids", si, "type", "key"))
	got := names(keys)
	sort.Strings(got)
	if strings.Join(got, ",") != "crm-sync-sender-2026,erp-orders-sender,legacy-basic-auth,partner-edi-external" {
		t.Errorf("cf service-keys after the rotation = %v", got)
	}
	for _, res := range resources(keys) {
		if _, ok := path(res, "metadata", "annotations").(map[string]any); !ok {
			t.Errorf("binding without metadata.annotations: %v", res)
		}
	}
	// cf service-key SI crm-sync-sender-2026
	if det := h.get("/v3/service_credential_bindings/" + k.GUID + "/details"); det.status != 200 || path(det.body, "credentials", "oauth", "certificatedetails") == nil {
		t.Errorf("cf service-key: %d %.200s", det.status, det.raw)
	}
}

func TestCFCLIParametersAndAuditors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.login(DeveloperUser)
	// cf service-key --parameters? The CLI has none for keys, but the API: retrievable for it-rt and xsuaa.
	crm, _ := h.fake.Key("crm-sync-sender")
	if r := h.get("/v3/service_credential_bindings/" + crm.GUID + "/parameters"); r.status != 200 || r.body["key-type"] != "certificate" {
		t.Errorf("it-rt parameters: %d %s", r.status, r.raw)
	}
	em, _ := h.fake.Key("em-orders-client")
	if r := h.get("/v3/service_credential_bindings/" + em.GUID + "/parameters"); r.status != 400 || path(r.body, "errors", 0, "title") != "CF-ServiceFetchBindingParametersNotSupported" || path(r.body, "errors", 0, "code") != float64(90007) {
		t.Errorf("event mesh parameters: %d %s", r.status, r.raw)
	}
	// An auditor sees the key but may not change its metadata or delete it.
	sb, _ := h.fake.Key("sandbox-sender")
	if r := h.do("PATCH", "/v3/service_credential_bindings/"+sb.GUID, `{"metadata":{"annotations":{"a":"b"}}}`, nil); r.status != 403 {
		t.Errorf("auditor patch: %d %s", r.status, r.raw)
	}
	if r := h.do("DELETE", "/v3/service_credential_bindings/"+sb.GUID, "", nil); r.status != 403 {
		t.Errorf("auditor delete: %d %s", r.status, r.raw)
	}
	// A broker that fails the job: FAILED with its message, as the CLI prints it; the key is "create failed".
	h.fake.FailBroker("cpi-orders-inbound", "the certificate service is down")
	si := h.instanceGUID("cpi-orders-inbound", h.targetSpace("acme-prod", "integration"), false)
	r := h.do("POST", "/v3/service_credential_bindings", `{"type":"key","name":"doomed","relationships":{"service_instance":{"data":{"guid":"`+si+`"}}}}`, nil)
	states := h.pollJob(r.header.Get("Location"))
	job := h.get(r.header.Get("Location"))
	if states[len(states)-1] != "FAILED" || !strings.Contains(path(job.body, "errors", 0, "detail").(string), "the certificate service is down") {
		t.Errorf("failed job: %v %s", states, job.raw)
	}
	// A key-length the broker does not offer fails the job too.
	h.fake.FailBroker("cpi-orders-inbound", "")
	r = h.do("POST", "/v3/service_credential_bindings", `{"type":"key","name":"odd","relationships":{"service_instance":{"data":{"guid":"`+si+`"}}},"parameters":{"key-type":"certificate","key-length":1024}}`, nil)
	if states := h.pollJob(r.header.Get("Location")); states[len(states)-1] != "FAILED" {
		t.Errorf("key-length 1024: %v", states)
	}
}

// TestCFCLICreateService replays `cf create-service it-rt integration-flow NAME -c '{...}' --wait`: the plan by
// offering name, POST /v3/service_instances (202 and a job), the job polled to COMPLETE, the instance read.
func TestCFCLICreateService(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.login(DeveloperUser)
	spaceGUID := h.targetSpace("acme-prod", "integration")
	plans := h.get("/v3/service_plans?" + cliQuery("include", "service_offering", "names", "integration-flow", "service_offering_names", "it-rt"))
	if len(resources(plans)) != 1 || path(plans.body, "included", "service_offerings", 0, "name") != "it-rt" {
		t.Fatalf("plan lookup: %s", plans.raw)
	}
	if other := h.get("/v3/service_plans?" + cliQuery("names", "application", "service_offering_names", "xsuaa")); len(resources(other)) != 1 {
		t.Errorf("service_offering_names must filter (xsuaa and identity both have a plan named application): %s", other.raw)
	}
	planGUID := path(plans.body, "resources", 0, "guid").(string)
	body := `{"type":"managed","name":"new-inbound","relationships":{"space":{"data":{"guid":"` + spaceGUID + `"}},"service_plan":{"data":{"guid":"` + planGUID + `"}}},` +
		`"parameters":{"roles":["ESBMessaging.send"],"grant-types":["client_credentials"],"redirect-uris":[]},"tags":[]}`
	r := h.do("POST", "/v3/service_instances", body, nil)
	if r.status != 202 || !strings.HasPrefix(r.header.Get("Location"), h.srv.URL+"/v3/jobs/") {
		t.Fatalf("create-service: %d %s", r.status, r.raw)
	}
	if states := strings.Join(h.pollJob(r.header.Get("Location")), ","); states != "POLLING,COMPLETE" {
		t.Errorf("job states %s", states)
	}
	si := h.instanceGUID("new-inbound", spaceGUID, false)
	got := h.get("/v3/service_instances/" + si)
	if path(got.body, "last_operation", "state") != "succeeded" || path(got.body, "last_operation", "type") != "create" {
		t.Errorf("instance: %s", got.raw)
	}
	if p := h.get("/v3/service_instances/" + si + "/parameters"); path(p.body, "roles", 0) != "ESBMessaging.send" {
		t.Errorf("instance parameters: %s", p.raw)
	}
	// The same name again, and an auditor's space.
	if r := h.do("POST", "/v3/service_instances", body, nil); r.status != 422 || path(r.body, "errors", 0, "detail") != "The service instance name is taken: new-inbound." {
		t.Errorf("duplicate: %d %s", r.status, r.raw)
	}
	sandbox := h.targetSpace("acme-dev", "sandbox")
	if r := h.do("POST", "/v3/service_instances", strings.Replace(body, spaceGUID, sandbox, 1), nil); r.status != 403 {
		t.Errorf("auditor: %d %s", r.status, r.raw)
	}
}
