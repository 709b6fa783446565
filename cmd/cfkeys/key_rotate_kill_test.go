package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/internal/testclock"
)

// killSwitch stands between cfkeys and the fake foundation and kills the process (kill -9) at one request: the
// nth request that matches, either before the foundation sees it or after it was carried out with its answer
// lost. From that instant nothing of the process reaches the foundation any more, the run's context is
// cancelled, and the state directory is captured as it was, so that the journal can be put back as last written
// (what the dying process writes afterwards never reached the disk).
type killSwitch struct {
	next     http.Handler
	match    func(r *http.Request) bool
	nth      int
	after    bool // carry the request out, then lose the answer
	stateDir string

	mu       sync.Mutex
	seen     int
	armed    bool
	dead     atomic.Bool
	cancel   func()
	snapshot map[string][]byte
}

func (k *killSwitch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if k.dead.Load() {
		panic(http.ErrAbortHandler)
	}
	k.mu.Lock()
	fire := k.armed && k.match(r)
	if fire {
		k.seen++
		fire = k.seen == k.nth
	}
	k.mu.Unlock()
	if !fire {
		k.next.ServeHTTP(w, r)
		return
	}
	if k.after {
		k.next.ServeHTTP(httptest.NewRecorder(), r)
	}
	k.mu.Lock()
	k.snapshot = readDir(k.stateDir)
	k.mu.Unlock()
	k.dead.Store(true)
	k.cancel()
	panic(http.ErrAbortHandler)
}

// arm starts (or stops) watching for the request to kill at.
func (k *killSwitch) arm(on bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.armed = on
}

// files returns the state directory as it was when the process was killed.
func (k *killSwitch) files() map[string][]byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.snapshot
}

// readDir returns the files of dir (none if it does not exist).
func readDir(dir string) map[string][]byte {
	out := map[string][]byte{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if data, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
			out[e.Name()] = data
		}
	}
	return out
}

// restoreDir makes dir hold exactly files.
func restoreDir(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for n, data := range files {
		if strings.HasSuffix(n, ".lock") {
			data = deadHolder(data)
		}
		if err := os.WriteFile(filepath.Join(dir, n), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// deadHolder turns a rotation lock written by this test process into one left by the killed process it plays: the
// same content with a process id no process has (above Linux's pid_max), as after a real kill.
func deadHolder(lock []byte) []byte {
	_, rest, _ := strings.Cut(string(lock), " ")
	return []byte("2147483646 " + rest)
}

func route(method, prefix string, pred func(path string) bool) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return r.Method == method && strings.HasPrefix(r.URL.Path, prefix) && (pred == nil || pred(r.URL.Path))
	}
}

// TestKeyRotateKilledAtEveryStep kills cfkeys key rotate --delete-old at each step of a rotation (before the
// request that starts the step, or after the foundation carried it out and before the answer came back), keeps
// the journal as it was last written, lets time pass, and runs again: with --resume, and plainly by GUID. Either
// way the foundation ends with exactly one successor, created and verified, and the old key is deleted only once
// the successor is verified; a resumed run leaves nothing unfinished to resume.
func TestKeyRotateKilledAtEveryStep(t *testing.T) {
	t.Parallel()
	seed, err := cffake.New(cffake.Options{Clock: func() time.Time { return testNow }, Data: cffake.DemoData})
	if err != nil {
		t.Fatal(err)
	}
	crm, _ := seed.Key("crm-sync-sender") // every fake seeds the same GUIDs
	isOld := func(p string) bool { return strings.Contains(p, crm.GUID) }
	details := func(p string) bool { return !isOld(p) && strings.HasSuffix(p, "/details") }
	steps := []struct {
		name  string
		match func(*http.Request) bool
		nth   int
		after bool
	}{
		{"plan", route("GET", "/v3/service_credential_bindings/", func(p string) bool { return strings.HasSuffix(p, "/parameters") }), 1, false},
		{"before the create request", route("POST", "/v3/service_credential_bindings", nil), 1, false},
		{"create request sent", route("POST", "/v3/service_credential_bindings", nil), 1, true},
		{"create answered", route("GET", "/v3/jobs/", nil), 1, false},
		{"job polling", route("GET", "/v3/jobs/", nil), 1, true},
		{"job done", route("GET", "/v3/jobs/", nil), 2, true},
		{"details read", route("GET", "/v3/service_credential_bindings/", details), 1, true},
		{"verified", route("PATCH", "/v3/service_credential_bindings/", isOld), 1, false},
		{"old annotated replaced-by", route("PATCH", "/v3/service_credential_bindings/", isOld), 1, true},
		{"delete sent", route("DELETE", "/v3/service_credential_bindings/", isOld), 1, true},
		{"delete job polling", route("GET", "/v3/jobs/", nil), 3, true},
		{"delete job done", route("GET", "/v3/jobs/", nil), 4, true},
	}
	type mode struct{ resume, deleteOld bool }
	for _, step := range steps {
		for _, m := range []mode{{true, true}, {false, true}, {true, false}, {false, false}} {
			resume, deleteOld := m.resume, m.deleteOld
			if !deleteOld && strings.Contains(step.name, "delete") {
				continue // the steps of a deletion do not happen without --delete-old
			}
			name := step.name + "/plain re-run"
			if resume {
				name = step.name + "/resume"
			}
			if !deleteOld {
				name += "/old kept"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				clock := testclock.New(testNow)
				fake, err := cffake.New(cffake.Options{Clock: clock.Now, Data: cffake.DemoData})
				if err != nil {
					t.Fatal(err)
				}
				b := newBareWriteBench(t)
				kill := &killSwitch{next: fake, match: step.match, nth: step.nth, after: step.after, stateDir: b.env["CFKEYS_STATE_DIR"]}
				srv := httptest.NewServer(kill)
				t.Cleanup(srv.Close)
				b.f = &testFoundation{fake: fake, url: srv.URL}
				b.env["CF_PASSWORD"] = fake.Password(cffake.DeveloperUser)
				old := b.key("crm-sync-sender")
				if old.GUID != crm.GUID {
					t.Fatalf("the fakes seed different GUIDs: %s, %s", old.GUID, crm.GUID)
				}

				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				b.ctx, kill.cancel = ctx, cancel
				kill.arm(true)
				flags := []string{"--yes", "--api", b.f.url, "--allow-writes"}
				if deleteOld {
					flags = append(flags, "--delete-old")
				}
				stdout, stderr, code := b.run(append([]string{"key", "rotate", old.GUID}, flags...)...)
				if !kill.dead.Load() {
					t.Fatalf("the run was never killed (exit %d)\n%s%s", code, stdout, stderr)
				}
				restoreDir(t, kill.stateDir, kill.files())
				for n, data := range kill.files() {
					var doc cf.JournalDoc
					if err := json.Unmarshal(data, &doc); err == nil && len(doc.Items) > 0 {
						t.Logf("killed; journal %s says %s", n, doc.Items[0].Step)
					}
				}
				if n := len(successorsOf(b, old.GUID)); n > 1 {
					t.Fatalf("killed: %d successors", n)
				}

				// A new process, a while later: the jobs nobody polled have finished.
				kill.arm(false)
				kill.dead.Store(false)
				clock.Advance(time.Minute)
				b.ctx = nil
				args := []string{"key", "rotate", old.GUID}
				if resume {
					args = []string{"key", "rotate", "--resume"}
				}
				stdout, stderr, code = b.run(append(args, flags...)...)
				succ := successorsOf(b, old.GUID)
				if step.name == "plan" && resume {
					// Killed before the journal was started: there is nothing to resume, and nothing was changed.
					if code != 3 || !strings.Contains(stderr, "no unfinished rotation") || len(succ) != 0 || !exists(b, old.GUID) {
						t.Errorf("resume after a kill while planning: exit %d, %d successors\n%s%s", code, len(succ), stdout, stderr)
					}
					return
				}
				if len(succ) != 1 {
					t.Fatalf("re-run: %d successors (exit %d)\n%s%s", len(succ), code, stdout, stderr)
				}
				switch {
				case deleteOld && exists(b, old.GUID):
					t.Errorf("re-run: the old key is still there (exit %d)\n%s%s", code, stdout, stderr)
				case !deleteOld && fake.KeyAnnotations(old.GUID)[cf.AnnotationReplacedBy] != succ[0].GUID:
					t.Errorf("re-run: the old key is gone or not marked replaced-by its successor: %v", fake.KeyAnnotations(old.GUID))
				}
				// The successor is whole: a rotation of it plans a successor of its own from its parameters.
				out, errOut, dcode := b.run("key", "rotate", succ[0].GUID, "--dry-run", "--api", b.f.url, "-o", "json")
				if dcode != 0 || !strings.Contains(out, `"step": "planned"`) {
					t.Errorf("the successor is not whole: exit %d\n%s%s", dcode, out, errOut)
				}
				assertNoSecrets(t, b)
				for n, data := range readDir(kill.stateDir) {
					for _, secret := range fake.Secrets() {
						for _, line := range strings.Split(secret, "\n") {
							if len(line) >= 8 && strings.Contains(string(data), line) {
								t.Errorf("journal %s holds a secret (%.12s…)", n, line)
							}
						}
					}
				}
				if resume {
					if code != 0 {
						t.Errorf("resume: exit %d\n%s%s", code, stdout, stderr)
					}
					if _, err := cf.LatestUnfinished(kill.stateDir, b.f.url); err == nil {
						t.Errorf("after the resumed run a journal is still unfinished")
					}
				}
			})
		}
	}
}

func exists(b *writeBench, guid string) bool { return b.f.fake.KeyAnnotations(guid) != nil }

// Every write command refuses a read-only profile before it sends anything, --resume too; and a dry run on it
// sends no write.
func TestWritesRefusedOnReadOnlyProfile(t *testing.T) {
	t.Parallel()
	b := newWriteBench(t, cffake.DemoData)
	if _, stderr, code := b.run("login", "-a", b.f.url, "--name", "demo"); code != 0 {
		t.Fatalf("login: %s", stderr)
	}
	crm := b.key("crm-sync-sender")
	before := b.f.fake.Requests()
	for _, args := range [][]string{
		{"key", "rotate", crm.GUID, "--yes"},
		{"key", "rotate", "--resume", "--yes"},
		{"key", "rotate", "--within", "30d", "--yes", "--delete-old"},
		{"key", "delete", crm.GUID, "--yes"},
		{"key", "create", "--instance", "cpi-dev", "--name", "x"},
		{"instance", "create", "--offering", "it-rt", "--plan", "api", "--name", "x", "--org", "acme-dev", "--space", "dev"},
	} {
		_, stderr, code := b.run(args...)
		if code != 3 || !strings.Contains(stderr, `profile "demo" is read-only`) {
			t.Errorf("%v: exit %d %q", args, code, stderr)
		}
	}
	if n := b.f.fake.Requests() - before; n != 0 {
		t.Errorf("refused writes sent %d requests", n)
	}
	for _, args := range [][]string{
		{"key", "rotate", crm.GUID, "--dry-run", "--delete-old"},
		{"key", "delete", crm.GUID, "--dry-run"},
		{"key", "create", "--instance", "cpi-dev", "--name", "x", "--key-type", "certificate", "--dry-run"},
		{"instance", "create", "--offering", "it-rt", "--plan", "api", "--name", "x", "--org", "acme-dev", "--space", "dev", "--dry-run"},
	} {
		if _, stderr, code := b.run(args...); code != 0 {
			t.Errorf("%v: exit %d %q", args, code, stderr)
		}
	}
	if b.writes() != 0 {
		t.Errorf("dry runs sent %d writes", b.writes())
	}
}

// TestKeyRotateKilledWithTwoAtOnce kills a rotation of two keys at once (--concurrency 2) when one job poll
// came back lost, and resumes it: each old key ends with exactly one successor and is deleted.
func TestKeyRotateKilledWithTwoAtOnce(t *testing.T) {
	t.Parallel()
	for _, nth := range []int{1, 2, 3, 5} {
		t.Run(fmt.Sprintf("job poll %d", nth), func(t *testing.T) {
			t.Parallel()
			clock := testclock.New(testNow)
			fake, err := cffake.New(cffake.Options{Clock: clock.Now, Data: cffake.DemoData})
			if err != nil {
				t.Fatal(err)
			}
			b := newBareWriteBench(t)
			kill := &killSwitch{next: fake, match: route("GET", "/v3/jobs/", nil), nth: nth, after: true, stateDir: b.env["CFKEYS_STATE_DIR"]}
			srv := httptest.NewServer(kill)
			t.Cleanup(srv.Close)
			b.f = &testFoundation{fake: fake, url: srv.URL}
			b.env["CF_PASSWORD"] = fake.Password(cffake.DeveloperUser)
			crm, x509 := b.key("crm-sync-sender"), b.key("orders-app-x509")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			b.ctx, kill.cancel = ctx, cancel
			kill.arm(true)
			flags := []string{"--yes", "--delete-old", "--concurrency", "2", "--api", b.f.url, "--allow-writes"}
			b.run(append([]string{"key", "rotate", crm.GUID, x509.GUID}, flags...)...)
			if !kill.dead.Load() {
				t.Fatal("never killed")
			}
			restoreDir(t, kill.stateDir, kill.files())
			kill.arm(false)
			kill.dead.Store(false)
			clock.Advance(time.Minute)
			b.ctx = nil
			stdout, stderr, code := b.run(append([]string{"key", "rotate", "--resume"}, flags...)...)
			if code != 0 {
				t.Errorf("resume: exit %d\n%s%s", code, stdout, stderr)
			}
			for _, old := range []cffake.KeyInfo{crm, x509} {
				if n := len(successorsOf(b, old.GUID)); n != 1 || exists(b, old.GUID) {
					t.Errorf("%s: %d successors, old exists %v", old.Name, n, exists(b, old.GUID))
				}
			}
		})
	}
}
