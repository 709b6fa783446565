package cf

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/expiry"
)

// process is one run of cfkeys against a foundation: a new client with a new in-memory cache, sharing only the
// cache directory with earlier runs.
type process struct {
	client *Client
	mu     sync.Mutex
	errs   []error
	// requests is what the run cost the foundation so far, discovery and login included.
	requests func() int64
}

func (p *process) storeErrors() []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]error(nil), p.errs...)
}

// newProcess logs in as user the way cfkeys scan --api does, with a findings store in dir.
func newProcess(t *testing.T, f *foundation, dir, user string) *process {
	t.Helper()
	p := &process{}
	start := f.fake.Requests()
	p.requests = func() int64 { return f.fake.Requests() - start }
	store := NewFindingsStore(dir, 0, func(err error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.errs = append(p.errs, err)
	})
	opts := f.options()
	opts.DetailsCache = NewPersistentDetailsCache(store)
	p.client, _ = f.login(t, user, opts)
	return p
}

// sweep sweeps and returns the result and the /details requests it made.
func (p *process) sweep(t *testing.T, f *foundation, o SweepOptions) (*SweepResult, int64) {
	t.Helper()
	before := f.fake.RouteRequests(detailsRoute)
	res, err := p.client.Sweep(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return res, f.fake.RouteRequests(detailsRoute) - before
}

// findingsFiles returns the findings files in dir.
func findingsFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"+findingsExt))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// storedGUIDs reads the only findings file in dir and returns the GUIDs it holds.
func storedGUIDs(t *testing.T, dir string) map[string]bool {
	t.Helper()
	files := findingsFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("findings files: %v", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var ff findingsFile
	if err := json.Unmarshal(data, &ff); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, k := range ff.Keys {
		out[k.GUID] = true
	}
	return out
}

func findingsByGUID(res *SweepResult) map[string]expiry.Finding {
	out := map[string]expiry.Finding{}
	for _, k := range res.Keys {
		out[k.GUID] = k.Finding
	}
	return out
}

// A scan in a new process of a foundation where no key is new makes the discovery, token and two listing
// requests and no /details request, and reports exactly what the cold scan read.
func TestFindingsStoreWarmScanInNewProcess(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	dir := t.TempDir()

	cold := newProcess(t, f, dir, cffake.AdminUser)
	first, details := cold.sweep(t, f, SweepOptions{})
	if details != 22 {
		t.Fatalf("cold scan read %d credentials, want 22", details)
	}
	files := findingsFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("findings files: %v", files)
	}
	if fi, err := os.Stat(files[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("findings file mode: %v %v", fi.Mode(), err)
	}

	f.clock.Advance(time.Hour)
	warm := newProcess(t, f, dir, cffake.AdminUser)
	second, details := warm.sweep(t, f, SweepOptions{})
	if details != 0 || second.DetailsFetched != 0 {
		t.Errorf("warm scan read %d credentials", details)
	}
	if got := warm.requests(); got != 4 {
		t.Errorf("warm scan in a new process made %d requests, want 4 (discovery, token, two listings)", got)
	}
	if errs := append(cold.storeErrors(), warm.storeErrors()...); len(errs) != 0 {
		t.Errorf("store errors: %v", errs)
	}
	want, got := findingsByGUID(first), findingsByGUID(second)
	if len(got) != 23 || !reflect.DeepEqual(got, want) {
		for guid, w := range want {
			if !reflect.DeepEqual(got[guid], w) {
				t.Errorf("key %s: cached finding\n%+v\nwant\n%+v", guid, got[guid], w)
			}
		}
	}
	// Nothing changed, so the file was not written again.
	if data, err := os.ReadFile(files[0]); err != nil || !strings.Contains(string(data), `"saved_at":"2026-11-22T09:00:00Z"`) {
		t.Errorf("a warm scan that changed nothing rewrote the file: %.120s %v", data, err)
	}
	// The key still being created is neither read nor stored.
	pending, ok := f.fake.Key("dev-sender-new")
	if !ok {
		t.Fatal("no pending key in the demo data")
	}
	if stored := storedGUIDs(t, dir); len(stored) != 22 || stored[pending.GUID] {
		t.Errorf("stored %d findings (pending key stored: %v)", len(stored), stored[pending.GUID])
	}
}

// The file holds what certificates say and nothing the foundation keeps secret.
func TestFindingsStoreHoldsNoSecret(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{Data: cffake.Dataset{Hostile: true}})
	dir := t.TempDir()
	for _, user := range []string{cffake.AdminUser, cffake.DeveloperUser} {
		p := newProcess(t, f, dir, user)
		p.sweep(t, f, SweepOptions{})
	}
	files := findingsFiles(t, dir)
	if len(files) != 2 {
		t.Fatalf("want a file per user, got %v", files)
	}
	var all strings.Builder
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(data)
	}
	text := all.String()
	if !strings.Contains(text, "CN=") {
		t.Fatalf("no certificate facts stored:\n%.400s", text)
	}
	secrets := f.fake.Secrets()
	if len(secrets) < 10 {
		t.Fatalf("only %d secrets", len(secrets))
	}
	for _, s := range secrets {
		for _, line := range strings.Split(s, "\n") {
			if len(line) >= 8 && strings.Contains(text, line) {
				t.Errorf("the findings cache holds a secret (%.12s…)", line)
			}
		}
	}
	for _, marker := range []string{"PRIVATE KEY", "BEGIN CERTIFICATE", "clientsecret"} {
		if strings.Contains(text, marker) {
			t.Errorf("the findings cache holds %q", marker)
		}
	}
}

// The developer's hidden keys are not stored: a role may change between runs, and a hidden finding says nothing
// about the key.
func TestFindingsStoreSkipsHiddenKeys(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	dir := t.TempDir()
	res, _ := newProcess(t, f, dir, cffake.DeveloperUser).sweep(t, f, SweepOptions{})
	stored := storedGUIDs(t, dir)
	hidden := 0
	for _, k := range res.Keys {
		if k.Finding.Cause == expiry.CauseHidden {
			hidden++
			if stored[k.GUID] {
				t.Errorf("hidden key %s stored", k.Name)
			}
		}
	}
	if hidden == 0 {
		t.Fatal("the developer sees no hidden key")
	}
}

// createKey creates a key through the API, as cfkeys' lifecycle commands and the cf CLI do.
func createKey(t *testing.T, c *Client, instance, name string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"type": "key", "name": name,
		"relationships": map[string]any{"service_instance": map[string]any{"data": map[string]string{"guid": instance}}}})
	if err := c.do(context.Background(), "POST", "/v3/service_credential_bindings", body, nil); err != nil {
		t.Fatal(err)
	}
}

// A key deleted and created again under its name has a new GUID: it is read fresh, the old GUID is dropped, and
// once created it is read once and then served from the cache. While being created it is neither read nor stored.
func TestFindingsStoreRecreatedKey(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	dir := t.TempDir()
	newProcess(t, f, dir, cffake.AdminUser).sweep(t, f, SweepOptions{})
	old, _ := f.fake.Key("crm-sync-sender")

	admin := newProcess(t, f, dir, cffake.AdminUser)
	if err := admin.client.do(context.Background(), "DELETE", "/v3/service_credential_bindings/"+old.GUID, nil, nil); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(3 * time.Second) // the broker finishes the deletion
	createKey(t, admin.client, old.InstanceGUID, old.Name)

	res, details := newProcess(t, f, dir, cffake.AdminUser).sweep(t, f, SweepOptions{})
	renewed, _ := f.fake.Key("crm-sync-sender")
	if renewed.GUID == old.GUID {
		t.Fatal("the key kept its GUID")
	}
	if details != 0 || findingsByGUID(res)[renewed.GUID].Cause != expiry.CausePending {
		t.Errorf("while being created: %d reads, finding %+v", details, findingsByGUID(res)[renewed.GUID])
	}
	if stored := storedGUIDs(t, dir); stored[old.GUID] || stored[renewed.GUID] || len(stored) != 21 {
		t.Errorf("stored: old %v, new %v, %d in all", stored[old.GUID], stored[renewed.GUID], len(stored))
	}

	f.clock.Advance(3 * time.Second) // the broker finishes the creation
	res, details = newProcess(t, f, dir, cffake.AdminUser).sweep(t, f, SweepOptions{})
	if details != 1 || !storable(findingsByGUID(res)[renewed.GUID]) {
		t.Errorf("the new key: %d reads, finding %+v", details, findingsByGUID(res)[renewed.GUID])
	}
	if _, details = newProcess(t, f, dir, cffake.AdminUser).sweep(t, f, SweepOptions{}); details != 0 {
		t.Errorf("the new key read again: %d reads", details)
	}
	if stored := storedGUIDs(t, dir); !stored[renewed.GUID] || len(stored) != 22 {
		t.Errorf("stored: new %v, %d in all", stored[renewed.GUID], len(stored))
	}
}

// A corrupt file, or one of another version, is reported, ignored and rewritten; the scan goes on.
func TestFindingsStoreUnusableFile(t *testing.T) {
	t.Parallel()
	for name, content := range map[string]string{
		"corrupt":       `{"version":1,"keys":[{"guid":`,
		"other version": `{"version":99,"keys":"a new shape"}`,
		"not JSON":      "\x00\x01binary",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFoundation(t, cffake.Options{})
			dir := t.TempDir()
			newProcess(t, f, dir, cffake.AdminUser).sweep(t, f, SweepOptions{})
			file := findingsFiles(t, dir)[0]
			if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			p := newProcess(t, f, dir, cffake.AdminUser)
			if _, details := p.sweep(t, f, SweepOptions{}); details != 22 {
				t.Errorf("after an unusable file: %d reads, want 22", details)
			}
			if errs := p.storeErrors(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "ignored, it will be rewritten") {
				t.Errorf("errors: %v", errs)
			}
			p = newProcess(t, f, dir, cffake.AdminUser)
			if _, details := p.sweep(t, f, SweepOptions{}); details != 0 || len(p.storeErrors()) != 0 {
				t.Errorf("after the rewrite: %d reads, errors %v", details, p.storeErrors())
			}
		})
	}
}

// Findings fall due between half the maximum age and the maximum age after their read, spread by GUID, and are
// read again then.
func TestFindingsStoreMaxAgeSpreadsRereads(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	dir := t.TempDir()
	cold, _ := newProcess(t, f, dir, cffake.AdminUser).sweep(t, f, SweepOptions{})
	var readable []string
	for _, k := range cold.Keys {
		if k.Finding.Cause != expiry.CausePending {
			readable = append(readable, k.GUID)
		}
	}
	due := func(age time.Duration) (n int64) {
		for _, g := range readable {
			if staleAfter(g, DefaultCacheMaxAge) <= age {
				n++
			}
		}
		return n
	}
	const half = DefaultCacheMaxAge / 2
	if n := due(half * 3 / 2); n == 0 || n == int64(len(readable)) {
		t.Fatalf("%d of %d keys due at 3/4 of the maximum age: not spread", n, len(readable))
	}

	f.clock.Advance(half - time.Minute)
	if _, details := newProcess(t, f, dir, cffake.AdminUser).sweep(t, f, SweepOptions{}); details != 0 {
		t.Errorf("before half the maximum age: %d reads", details)
	}
	f.clock.Advance(half/2 + time.Minute) // 3/4 of the maximum age since the cold scan
	if _, details := newProcess(t, f, dir, cffake.AdminUser).sweep(t, f, SweepOptions{}); details != due(half*3/2) {
		t.Errorf("at 3/4 of the maximum age: %d reads, want %d", details, due(half*3/2))
	}
	// The rest fall due by the maximum age; those read again at 3/4 are fresh.
	f.clock.Advance(half / 2)
	want := int64(len(readable)) - due(half*3/2)
	if _, details := newProcess(t, f, dir, cffake.AdminUser).sweep(t, f, SweepOptions{}); details != want {
		t.Errorf("at the maximum age: %d reads, want %d", details, want)
	}
}

// A sweep narrowed to an org drops only keys of the instances it covered; the rest stay for the next full scan.
func TestFindingsStoreNarrowedSweepKeepsTheRest(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	dir := t.TempDir()
	newProcess(t, f, dir, cffake.AdminUser).sweep(t, f, SweepOptions{})
	res, details := newProcess(t, f, dir, cffake.AdminUser).sweep(t, f, SweepOptions{Orgs: []string{"partner-hub"}})
	if details != 0 || len(res.Keys) == 0 || len(res.Keys) >= 23 {
		t.Fatalf("narrowed sweep: %d keys, %d reads", len(res.Keys), details)
	}
	if n := len(storedGUIDs(t, dir)); n != 22 {
		t.Errorf("after a narrowed sweep %d findings stored, want 22", n)
	}
	if _, details := newProcess(t, f, dir, cffake.AdminUser).sweep(t, f, SweepOptions{}); details != 0 {
		t.Errorf("full sweep after a narrowed one: %d reads", details)
	}
}

// Each user has a file of their own: another user's warm scan reads what it may read itself.
func TestFindingsStoreIsPerUser(t *testing.T) {
	t.Parallel()
	f := newFoundation(t, cffake.Options{})
	dir := t.TempDir()
	newProcess(t, f, dir, cffake.AdminUser).sweep(t, f, SweepOptions{})
	res, details := newProcess(t, f, dir, cffake.DeveloperUser).sweep(t, f, SweepOptions{})
	if details == 0 || res.DetailsFetched != int(details) {
		t.Errorf("the developer used the admin's findings: %d reads", details)
	}
	if n := len(findingsFiles(t, dir)); n != 2 {
		t.Errorf("%d files for two users", n)
	}
}

// Every key's age limit lies in (maxAge/2, maxAge], the limits spread over that range, and a read time in the
// future counts as stale.
func TestStaleAfterBounds(t *testing.T) {
	t.Parallel()
	const maxAge = DefaultCacheMaxAge
	var quarters [2]int
	for i := range 2000 {
		guid := fmt.Sprintf("5f0e9c1a-%04d-4222-8333-944455556666", i)
		d := staleAfter(guid, maxAge)
		if d <= maxAge/2 || d > maxAge {
			t.Fatalf("%s: limit %v outside (%v, %v]", guid, d, maxAge/2, maxAge)
		}
		quarters[min(int((d-maxAge/2)*2/(maxAge/2)), 1)]++
		if staleAfter(guid, maxAge) != d {
			t.Fatalf("%s: limit not fixed", guid)
		}
	}
	if quarters[0] < 800 || quarters[1] < 800 {
		t.Errorf("limits not spread: %v", quarters)
	}
	if !stale("g", testNow.Add(time.Minute), testNow, maxAge) || stale("g", testNow, testNow, maxAge) || !stale("g", testNow, testNow.Add(maxAge), maxAge) {
		t.Error("stale: future reads, fresh reads or reads at the maximum age misjudged")
	}
}
