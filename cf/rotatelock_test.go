package cf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// TestRotationLockRefusesASecondRun holds the foundation's rotation lock as a running rotation does and starts
// another: it waits its while, then changes nothing, says who holds which lock, and leaves no journal to resume.
func TestRotationLockRefusesASecondRun(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	old := keyReport(t, c, f, "crm-sync-sender")
	dir := t.TempDir()

	first, err := NewJournal(dir, c.Endpoints().API, "key rotate", testNow)
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := c.lockRotation(context.Background(), dir, first)
	if err != nil {
		t.Fatalf("taking the lock: %v", err)
	}
	defer unlock()

	items, err := c.PlanRotation(context.Background(), []KeyReport{old}, RotateOptions{DeleteOld: true})
	if err != nil {
		t.Fatal(err)
	}
	second, err := NewJournal(dir, c.Endpoints().API, "key rotate", testNow)
	if err != nil {
		t.Fatal(err)
	}
	before := f.fake.Requests()
	err = c.ApplyRotation(context.Background(), items, RotateOptions{DeleteOld: true, Journal: second})
	if got := f.fake.Requests() - before; got != 0 {
		t.Errorf("a locked-out rotation sent %d requests, want 0", got)
	}
	var locked *RotationLockedError
	if !errors.As(err, &locked) {
		t.Fatalf("err = %v, want a RotationLockedError", err)
	}
	msg := err.Error()
	for _, want := range []string{RotationLockPath(dir, c.origin), fmt.Sprintf("process %d ", os.Getpid()), first.Path(), "another rotation of " + c.origin, "nothing was changed"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not name %q", msg, want)
		}
	}
	if len(successors(f, old.GUID)) != 0 || !exists(f, old.GUID) {
		t.Errorf("the foundation changed")
	}
	if _, err := os.Stat(second.Path()); !os.IsNotExist(err) {
		t.Errorf("the refused run left its empty journal %s (stat: %v): --resume would take it", second.Path(), err)
	}
	if w := f.sleeps.Waits(); len(w) == 0 {
		t.Errorf("the second run did not wait for the first")
	}

	unlock()
	items[0].Err = nil
	if err := c.ApplyRotation(context.Background(), items, RotateOptions{DeleteOld: true, LockDir: dir}); err != nil {
		t.Fatalf("after the first run ended: %v", err)
	}
	if items[0].Step != StepDone || len(successors(f, old.GUID)) != 1 {
		t.Errorf("step %s, %d successors", items[0].Step, len(successors(f, old.GUID)))
	}
	if _, err := os.Stat(RotationLockPath(dir, c.origin)); !os.IsNotExist(err) {
		t.Errorf("the lock outlived its rotation: %v", err)
	}
}

// TestRotationLockTakesOverADeadRun: a run that was killed leaves its lock; the next run on the same host sees
// that its process is gone and goes on (its journal and the annotations let it continue), while a lock held on
// another host is respected.
func TestRotationLockTakesOverADeadRun(t *testing.T) {
	t.Parallel()
	f := newWriteFoundation(t)
	c, _ := f.login(t, cffake.DeveloperUser, f.options())
	dir := t.TempDir()
	path := RotationLockPath(dir, c.origin)
	host, _ := os.Hostname()

	if err := os.WriteFile(path, []byte("2147483646 on "+hostField(host)+": rotating since then\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	unlock, err := c.lockRotation(context.Background(), dir, nil)
	if err != nil {
		t.Fatalf("a dead run's lock was not taken over: %v", err)
	}
	unlock()

	if err := os.WriteFile(path, []byte("2147483646 on some-other-host: rotating since then\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := c.lockRotation(context.Background(), dir, nil); !errors.As(err, new(*RotationLockedError)) {
		t.Fatalf("another host's lock: err = %v, want a RotationLockedError", err)
	}
}

func TestRotationLockPathPerFoundation(t *testing.T) {
	t.Parallel()
	a, b := RotationLockPath("d", "https://api.cf.eu10.hana.ondemand.com"), RotationLockPath("d", "https://api.cf.us10.hana.ondemand.com")
	if a == b || filepath.Dir(a) != "d" || !strings.Contains(filepath.Base(a), "api.cf.eu10.hana.ondemand.com") {
		t.Errorf("lock paths %q and %q", a, b)
	}
}
