package cf

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/pki"
)

// newWriteFoundation is a fake foundation whose clock moves by every wait the client makes, as time passes while
// the cf CLI polls a job: a job nobody polls finishes when its time has come.
func newWriteFoundation(t *testing.T) *foundation {
	f := newFoundation(t, cffake.Options{})
	f.sleeps.onWait = f.clock.Advance
	return f
}

// keyReport finds a seeded key by name and reads it as FindByGUID does.
func keyReport(t *testing.T, c *Client, f *foundation, name string) KeyReport {
	t.Helper()
	k, ok := f.fake.Key(name)
	if !ok {
		t.Fatalf("no key %q", name)
	}
	r, err := c.FindByGUID(context.Background(), k.GUID)
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return r
}

// successors returns the fake's keys that say they replace guid.
func successors(f *foundation, guid string) []cffake.KeyInfo {
	var out []cffake.KeyInfo
	for _, k := range f.fake.Keys() {
		if f.fake.KeyAnnotations(k.GUID)[AnnotationReplaces] == guid {
			out = append(out, k)
		}
	}
	return out
}

func exists(f *foundation, guid string) bool { return f.fake.KeyAnnotations(guid) != nil }

func rotate(t *testing.T, c *Client, keys []KeyReport, opts RotateOptions) []RotationItem {
	t.Helper()
	items, err := c.PlanRotation(context.Background(), keys, opts)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if err := c.ApplyRotation(context.Background(), items, opts); err != nil {
		t.Fatalf("journal: %v", err)
	}
	return items
}

func TestRotateOverHTTP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, key  string
		wantParams string
	}{
		{"it-rt certificate", "crm-sync-sender", `{"key-length":2048,"key-type":"certificate","validity":365}`},
		{"xsuaa x509", "orders-app-x509", `{"credential-type":"x509","x509":{"key-length":2048,"validity":30,"validity-type":"DAYS"}}`},
		{"client secret", "legacy-basic-auth", `null`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newWriteFoundation(t)
			c, _ := f.login(t, cffake.DeveloperUser, f.options())
			old := keyReport(t, c, f, tc.key)
			items := rotate(t, c, []KeyReport{old}, RotateOptions{DeleteOld: true})
			it := items[0]
			if it.Step != StepDone || it.Err != nil {
				t.Fatalf("step %s, err %v", it.Step, it.Err)
			}
			if got, _ := json.Marshal(it.Parameters); string(got) != tc.wantParams {
				t.Errorf("parameters = %s, want %s", got, tc.wantParams)
			}
			if it.NewName != tc.key+"-2026-11-22" {
				t.Errorf("new name %q", it.NewName)
			}
			if exists(f, old.GUID) {
				t.Errorf("old key still exists")
			}
			succ := successors(f, old.GUID)
			if len(succ) != 1 || succ[0].GUID != it.NewGUID || succ[0].InstanceGUID != old.Instance.GUID {
				t.Fatalf("successors = %+v", succ)
			}
			if oc := old.Finding.Certificate; oc != nil && !it.NewFinding.Certificate.NotAfter.After(oc.NotAfter) {
				t.Errorf("new certificate expires %v, old %v", it.NewFinding.Certificate.NotAfter, oc.NotAfter)
			}
		})
	}
}

// newExternalPEM issues a certificate a customer would bring, valid for the given days from testNow.
func newExternalPEM(t *testing.T, days int) string {
	t.Helper()
	root, err := pki.NewRootCA("CN=Partner CA,O=Example Partner GmbH,C=DE", testNow.AddDate(-1, 0, 0), testNow.AddDate(5, 0, 0), 7)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := root.Issue("CN=partner-edi.partner.example,O=Example Partner GmbH,C=DE", big.NewInt(4242), testNow.Add(-time.Hour), testNow.AddDate(0, 0, days))
	if err != nil {
		t.Fatal(err)
	}
	return leaf.CertPEM
}

func TestRotateExternalCertificate(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	old := keyReport(t, c, f, "partner-edi-external")

	before := f.fake.RouteRequests("POST /v3/service_credential_bindings")
	items := rotate(t, c, []KeyReport{old}, RotateOptions{DeleteOld: true})
	if items[0].Step != StepSkipped || items[0].SkipReason != "needs a new certificate (--certificate-file)" || items[0].Shape != ShapeExternal {
		t.Fatalf("without a PEM: %s %q", items[0].Step, items[0].SkipReason)
	}
	if f.fake.RouteRequests("POST /v3/service_credential_bindings") != before || !exists(f, old.GUID) {
		t.Fatal("a skipped key was touched")
	}

	// The same certificate again: SAP's broker accepts an external certificate once, and says so.
	params, err := c.KeyParameters(context.Background(), old.GUID)
	if err != nil {
		t.Fatal(err)
	}
	items = rotate(t, c, []KeyReport{old}, RotateOptions{DeleteOld: true, CertificatePEM: params["X.509"].(string)})
	if items[0].Step != StepFailed || !strings.Contains(items[0].Err.Error(), "already used by another service key") || !exists(f, old.GUID) {
		t.Fatalf("reused certificate: %s %v", items[0].Step, items[0].Err)
	}

	pemText := newExternalPEM(t, 400)
	items = rotate(t, c, []KeyReport{old}, RotateOptions{DeleteOld: true, CertificatePEM: pemText})
	it := items[0]
	if it.Step != StepDone || it.Err != nil {
		t.Fatalf("with a PEM: %s %v", it.Step, it.Err)
	}
	if it.Parameters["X.509"] != pemText || it.Parameters["key-type"] != "certificate_external" {
		t.Errorf("parameters = %v", it.SafeParameters())
	}
	if it.NewFinding.Certificate == nil || !strings.Contains(it.NewFinding.Certificate.SubjectDN, "partner-edi.partner.example") || exists(f, old.GUID) {
		t.Errorf("new finding %+v; old exists %v", it.NewFinding.Certificate, exists(f, old.GUID))
	}
}

func TestRotateRefusesShorterCertificate(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	old := keyReport(t, c, f, "erp-orders-sender") // 412 days left; a new key gets 365
	it := rotate(t, c, []KeyReport{old}, RotateOptions{DeleteOld: true})[0]
	var ve *VerifyError
	if it.Step != StepFailed || !errors.As(it.Err, &ve) || !exists(f, old.GUID) {
		t.Fatalf("step %s err %v, old exists %v", it.Step, it.Err, exists(f, old.GUID))
	}
	if f.fake.KeyAnnotations(old.GUID)[AnnotationReplacedBy] != "" {
		t.Error("an unverified successor was recorded on the old key")
	}
}

func TestRotateDerivesParametersWhenNotRetrievable(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	keys := []KeyReport{keyReport(t, c, f, "crm-sync-sender"), keyReport(t, c, f, "orders-app-x509"), keyReport(t, c, f, "legacy-basic-auth"), keyReport(t, c, f, "partner-edi-external")}
	f.fake.Inject(cffake.Fault{Method: "GET", PathPrefix: "/v3/service_credential_bindings/", PathSuffix: "/parameters", Status: 400, ContentType: "application/json",
		Body: `{"errors":[{"detail":"This service does not support fetching service binding parameters.","title":"CF-ServiceFetchBindingParametersNotSupported","code":90007}]}`})
	items, err := c.PlanRotation(context.Background(), keys, RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The seeded certificates were issued an hour before their creation a year before their expiry: 366 days,
	// capped at what each broker allows.
	want := []struct {
		params string
		shape  KeyShape
	}{
		{`{"key-length":2048,"key-type":"certificate","validity":365}`, ShapeCertificate},
		{`{"credential-type":"x509","x509":{"key-length":2048,"validity":30,"validity-type":"DAYS"}}`, ShapeCertificate},
		{`null`, ShapeSecret},
		{`null`, ShapeExternal}, // skipped: needs a new certificate
	}
	for i, w := range want {
		got, _ := json.Marshal(items[i].Parameters)
		if items[i].Step == StepSkipped {
			got = []byte("null")
		}
		if string(got) != w.params || items[i].Shape != w.shape || items[i].ParamsSource != "derived from the old key" && w.shape == ShapeCertificate {
			t.Errorf("%s: derived %s, shape %s (%s)", keys[i].Name, got, items[i].Shape, items[i].ParamsSource)
		}
	}
}

func TestParametersWaitOutBrokerLimit(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	old := keyReport(t, c, f, "crm-sync-sender")
	fault := f.fake.Inject(cffake.Fault{Method: "GET", PathSuffix: "/parameters", PathPrefix: "/v3/", Times: 2, Status: 429, RetryAfter: 90, ContentType: "application/json",
		Body: `{"errors":[{"detail":"Service broker concurrent request limit exceeded","title":"CF-ServiceBrokerRateLimitExceeded","code":10016}]}`})
	params, err := c.KeyParameters(context.Background(), old.GUID)
	if err != nil || params["key-type"] != "certificate" {
		t.Fatalf("parameters %v, %v", params, err)
	}
	if fault.Hits() != 2 {
		t.Errorf("hits %d", fault.Hits())
	}
	var long int
	for _, w := range f.sleeps.Waits() {
		if w == 90*time.Second {
			long++
		}
	}
	if long != 2 {
		t.Errorf("waits = %v, want two of 90s", f.sleeps.Waits())
	}
}

// dropAfter is a transport that passes requests on and, after the first one matching, loses the answer (as a
// timeout or a killed process would) and calls then.
type dropAfter struct {
	next   http.RoundTripper
	method string
	suffix string
	fired  atomic.Bool
	then   func()
}

func (d *dropAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := d.next.RoundTrip(r)
	if err == nil && r.Method == d.method && strings.HasSuffix(r.URL.Path, d.suffix) && d.fired.CompareAndSwap(false, true) {
		resp.Body.Close()
		if d.then != nil {
			d.then()
		}
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

// TestRotateInterruptedAndResumed kills the run (cancels it and loses the answer) right after the successor's
// create request reached the foundation, then runs again: exactly one successor, and the old key is deleted only
// once that successor is verified.
func TestRotateInterruptedAndResumed(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	ctx, cancel := context.WithCancel(context.Background())
	opts := f.options()
	drop := &dropAfter{next: f.srv.Client().Transport, method: "POST", suffix: "/v3/service_credential_bindings", then: cancel}
	opts.HTTPClient = &http.Client{Transport: drop}
	c, _ := f.login(t, cffake.DeveloperUser, opts)
	old := keyReport(t, c, f, "crm-sync-sender")
	dir := t.TempDir()
	j, err := NewJournal(dir, f.srv.URL, "key rotate", testNow)
	if err != nil {
		t.Fatal(err)
	}
	ropts := RotateOptions{DeleteOld: true, Journal: j}
	items, err := c.PlanRotation(ctx, []KeyReport{old}, ropts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ApplyRotation(ctx, items, ropts); err != nil {
		t.Fatal(err)
	}
	if items[0].Step == StepDone || !exists(f, old.GUID) {
		t.Fatalf("first run: step %s, old exists %v", items[0].Step, exists(f, old.GUID))
	}
	if n := len(successors(f, old.GUID)); n != 1 {
		t.Fatalf("after the interruption: %d successors", n)
	}
	if got := j.Doc().Items[0].Step; got == StepDone || got == StepDeleting {
		t.Errorf("journal says %s", got)
	}

	// The re-run: a new process, a day later (so a successor named afresh would not clash with the first one),
	// resuming the journal.
	f.clock.Advance(24 * time.Hour)
	resumed, err := LatestUnfinished(dir, f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := f.login(t, cffake.DeveloperUser, f.options())
	var order []Step
	ropts = RotateOptions{DeleteOld: true, Journal: resumed, Progress: func(it RotationItem) {
		order = append(order, it.Step)
		if it.Step == StepDeleting && it.NewFinding.Certificate == nil {
			t.Error("deleting before the successor was read")
		}
	}}
	items = rotate(t, c2, []KeyReport{keyReport(t, c2, f, "crm-sync-sender")}, ropts)
	if items[0].Step != StepDone || items[0].Err != nil {
		t.Fatalf("re-run: %s %v", items[0].Step, items[0].Err)
	}
	succ := successors(f, old.GUID)
	if len(succ) != 1 || succ[0].GUID != items[0].NewGUID || succ[0].Name != "crm-sync-sender-2026-11-22" || exists(f, old.GUID) {
		t.Fatalf("after the re-run: successors %+v, old exists %v", succ, exists(f, old.GUID))
	}
	want := "planned,creating,created,verified,annotated,deleting,done"
	if got := joinSteps(order); got != want {
		t.Errorf("steps %s, want %s", got, want)
	}
	if err := resumed.Finish(testNow); err != nil {
		t.Fatal(err)
	}
	if _, err := LatestUnfinished(dir, f.srv.URL); !errors.Is(err, ErrNoJournal) {
		t.Errorf("a finished journal is offered for resume: %v", err)
	}
	assertJournalClean(t, f, resumed.Path())
}

func joinSteps(s []Step) string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(x)
	}
	return strings.Join(out, ",")
}

// TestRotateLostAnswerIsLookedFor loses the answer to the create request without interrupting the run: cfkeys
// must look for the key it may have made instead of sending the request again.
func TestRotateLostAnswerIsLookedFor(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	opts := f.options()
	opts.HTTPClient = &http.Client{Transport: &dropAfter{next: f.srv.Client().Transport, method: "POST", suffix: "/v3/service_credential_bindings"}}
	c, _ := f.login(t, cffake.DeveloperUser, opts)
	old := keyReport(t, c, f, "orders-app-x509")
	it := rotate(t, c, []KeyReport{old}, RotateOptions{DeleteOld: true})[0]
	if it.Step != StepDone || it.Err != nil {
		t.Fatalf("%s %v", it.Step, it.Err)
	}
	if n := f.fake.RouteRequests("POST /v3/service_credential_bindings"); n != 1 {
		t.Errorf("%d create requests", n)
	}
	if succ := successors(f, old.GUID); len(succ) != 1 || exists(f, old.GUID) {
		t.Errorf("successors %+v", succ)
	}
}

func TestRotateWithoutDeleteOldKeepsAndMarksOldKey(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	old := keyReport(t, c, f, "crm-sync-sender")
	it := rotate(t, c, []KeyReport{old}, RotateOptions{})[0]
	if it.Step != StepDone || !exists(f, old.GUID) || f.fake.KeyAnnotations(old.GUID)[AnnotationReplacedBy] != it.NewGUID {
		t.Fatalf("%s %v; annotations %v", it.Step, it.Err, f.fake.KeyAnnotations(old.GUID))
	}
	// Running again continues the same successor: still one.
	it = rotate(t, c, []KeyReport{keyReport(t, c, f, "crm-sync-sender")}, RotateOptions{DeleteOld: true})[0]
	if it.Step != StepDone || len(successors(f, old.GUID)) != 1 || exists(f, old.GUID) {
		t.Fatalf("second run: %s %v, successors %d", it.Step, it.Err, len(successors(f, old.GUID)))
	}
}

func TestRotateFailures(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	dev, _ := f.login(t, cffake.DeveloperUser, f.options())

	// An auditor may read the key's listing but not write: the 403 is explained, nothing changes.
	admin, _ := f.login(t, cffake.AdminUser, f.options())
	sandbox := keyReport(t, admin, f, "sandbox-secret")
	it := rotate(t, dev, []KeyReport{sandbox}, RotateOptions{DeleteOld: true})[0]
	if it.Step != StepSkipped || !strings.Contains(it.SkipReason, `Space Developer role in space "sandbox" of org "acme-dev"`) {
		t.Errorf("auditor rotating: %s %q", it.Step, it.SkipReason)
	}
	_, err := dev.CreateKey(context.Background(), KeyRequest{InstanceGUID: sandbox.Instance.GUID, Name: "x"})
	var pe *PermissionError
	if err = ExplainWrite(err, "acme-dev", "sandbox"); !errors.As(err, &pe) || !strings.Contains(err.Error(), `Space Developer role in space "sandbox"`) {
		t.Errorf("auditor creating: %v", err)
	}
	if len(successors(f, sandbox.GUID)) != 0 || !exists(f, sandbox.GUID) {
		t.Error("auditor changed something")
	}

	// A broker that fails the job: its message is shown, the old key stays.
	f.fake.FailBroker("cpi-orders-inbound", "certificate service unavailable")
	old := keyReport(t, dev, f, "crm-sync-sender")
	it = rotate(t, dev, []KeyReport{old}, RotateOptions{DeleteOld: true})[0]
	var jf *JobFailedError
	if it.Step != StepFailed || !errors.As(it.Err, &jf) || !strings.Contains(it.Err.Error(), "certificate service unavailable") || !exists(f, old.GUID) {
		t.Errorf("broker failure: %s %v", it.Step, it.Err)
	}
}

func TestRotationRequestCount(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	old := keyReport(t, c, f, "crm-sync-sender")
	start := f.fake.Requests()
	items, err := c.PlanRotation(context.Background(), []KeyReport{old}, RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	planned := f.fake.Requests() - start
	_ = c.ApplyRotation(context.Background(), items, RotateOptions{DeleteOld: true})
	total := f.fake.Requests() - start
	// Plan: GET parameters. Apply: list instance keys, POST, 2 job polls, GET key, GET details, GET old key,
	// PATCH, DELETE, 2 job polls: 1 + 11.
	if planned != 1 || total != 12 {
		t.Errorf("requests: plan %d, rotation %d", planned, total)
	}
	t.Logf("one rotation: %d requests (plan %d)", total, planned)
}

// assertJournalClean checks a journal file's mode and that it holds no secret of the foundation.
func assertJournalClean(t *testing.T, f *foundation, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v", st.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	for _, s := range f.fake.Secrets() {
		for _, line := range strings.Split(s, "\n") {
			if len(line) >= 8 && strings.Contains(string(data), line) {
				t.Errorf("journal %s holds a secret (%.12s…)", filepath.Base(path), line)
			}
		}
	}
	if strings.Contains(string(data), "PRIVATE KEY") {
		t.Error("journal holds a private key")
	}
}

// TestRotateKilledWhileRemovingFailedSuccessor kills a re-run while it removes the successor whose create the
// broker failed, right after the delete request reached the foundation; the next run, before that deletion has
// finished, waits for it and makes the one successor instead of failing on a key "being deleted".
func TestRotateKilledWhileRemovingFailedSuccessor(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	old := keyReport(t, c, f, "crm-sync-sender")
	f.fake.FailBroker("cpi-orders-inbound", "certificate service unavailable")
	if it := rotate(t, c, []KeyReport{old}, RotateOptions{DeleteOld: true})[0]; it.Step != StepFailed {
		t.Fatalf("broker failure: %s %v", it.Step, it.Err)
	}
	failed := successors(f, old.GUID)
	if len(failed) != 1 {
		t.Fatalf("%d successors after the failure", len(failed))
	}
	f.fake.FailBroker("cpi-orders-inbound", "")

	ctx, cancel := context.WithCancel(context.Background())
	opts := f.options()
	drop := &dropAfter{next: f.srv.Client().Transport, method: "DELETE", suffix: failed[0].GUID, then: cancel}
	opts.HTTPClient = &http.Client{Transport: deadAfter{drop}} // kill -9: nothing more reaches the foundation
	killed, _ := f.login(t, cffake.DeveloperUser, opts)
	items, err := killed.PlanRotation(ctx, []KeyReport{old}, RotateOptions{DeleteOld: true})
	if err != nil {
		t.Fatal(err)
	}
	_ = killed.ApplyRotation(ctx, items, RotateOptions{DeleteOld: true})
	if !drop.fired.Load() {
		t.Fatal("the failed successor was not being removed")
	}

	c2, _ := f.login(t, cffake.DeveloperUser, f.options())
	it := rotate(t, c2, []KeyReport{keyReport(t, c2, f, "crm-sync-sender")}, RotateOptions{DeleteOld: true})[0]
	if it.Step != StepDone || it.Err != nil {
		t.Fatalf("re-run: %s %v", it.Step, it.Err)
	}
	if succ := successors(f, old.GUID); len(succ) != 1 || succ[0].GUID == failed[0].GUID || exists(f, old.GUID) {
		t.Errorf("successors %+v (the failed one was %s), old exists %v", succ, failed[0].GUID, exists(f, old.GUID))
	}
}

// deadAfter is the transport of a process killed when its dropAfter fired: every later request fails unsent.
type deadAfter struct{ *dropAfter }

func (d deadAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	if d.fired.Load() {
		return nil, errors.New("the process is dead")
	}
	return d.dropAfter.RoundTrip(r)
}

// TestRotateExternalResumedWithoutCertificate kills the rotation of an external-certificate key once its
// successor's create reached the foundation, then runs again without the certificate, as cfkeys key rotate
// --resume does: the successor made with the owner's certificate is continued, verified and the old key deleted,
// instead of the key being skipped as "needs a new certificate" with its rotation left half done.
func TestRotateExternalResumedWithoutCertificate(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	ctx, cancel := context.WithCancel(context.Background())
	opts := f.options()
	drop := &dropAfter{next: f.srv.Client().Transport, method: "POST", suffix: "/v3/service_credential_bindings", then: cancel}
	opts.HTTPClient = &http.Client{Transport: deadAfter{drop}}
	killed, _ := f.login(t, cffake.DeveloperUser, opts)
	old := keyReport(t, killed, f, "partner-edi-external")
	ropts := RotateOptions{DeleteOld: true, CertificatePEM: newExternalPEM(t, 400)}
	items, err := killed.PlanRotation(ctx, []KeyReport{old}, ropts)
	if err != nil {
		t.Fatal(err)
	}
	_ = killed.ApplyRotation(ctx, items, ropts)
	if !drop.fired.Load() || len(successors(f, old.GUID)) != 1 {
		t.Fatalf("killed: fired %v, %d successors", drop.fired.Load(), len(successors(f, old.GUID)))
	}

	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	items = rotate(t, c, []KeyReport{keyReport(t, c, f, "partner-edi-external")}, RotateOptions{DeleteOld: true})
	if it := items[0]; it.Step != StepDone || it.Err != nil {
		t.Fatalf("re-run without the certificate: %s %v %q", it.Step, it.Err, it.SkipReason)
	}
	if succ := successors(f, old.GUID); len(succ) != 1 || exists(f, old.GUID) {
		t.Errorf("successors %+v, old exists %v", succ, exists(f, old.GUID))
	}
}

// TestRotateAfterFailedDeleteOfOldKey: the broker fails the deletion of the old key, so the run fails with its
// message and the old key stays ("delete failed"). Once the broker works again, a re-run continues the verified
// successor and deletes the old key, instead of skipping a key whose last operation is a failed delete.
func TestRotateAfterFailedDeleteOfOldKey(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	old := keyReport(t, c, f, "crm-sync-sender")
	f.fake.FailBrokerDeletes("cpi-orders-inbound", "unbind timed out at the certificate service")
	it := rotate(t, c, []KeyReport{old}, RotateOptions{DeleteOld: true})[0]
	if it.Step != StepFailed || !strings.Contains(it.Err.Error(), "unbind timed out") || !exists(f, old.GUID) {
		t.Fatalf("failed delete: %s %v, old exists %v", it.Step, it.Err, exists(f, old.GUID))
	}
	f.fake.FailBrokerDeletes("cpi-orders-inbound", "")
	it = rotate(t, c, []KeyReport{keyReport(t, c, f, "crm-sync-sender")}, RotateOptions{DeleteOld: true})[0]
	if it.Step != StepDone || it.Err != nil {
		t.Fatalf("re-run: %s %v %q", it.Step, it.Err, it.SkipReason)
	}
	if succ := successors(f, old.GUID); len(succ) != 1 || exists(f, old.GUID) {
		t.Errorf("successors %+v, old exists %v", succ, exists(f, old.GUID))
	}
}
