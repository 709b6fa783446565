package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAcquireWith(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.lock")
	var slept time.Duration
	o := Options{What: "the thing", Holder: "on host: doing it", Wait: time.Second, Sleep: func(d time.Duration) { slept += d }}
	unlock, err := AcquireWith(path, o)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.HasSuffix(strings.TrimSpace(string(data)), " on host: doing it") {
		t.Errorf("lock content %q", data)
	}

	_, err = AcquireWith(path, o)
	var locked *LockedError
	if !errors.As(err, &locked) || locked.Path != path || !strings.Contains(locked.Holder, "on host: doing it") {
		t.Fatalf("second acquire: %v", err)
	}
	if slept != time.Second {
		t.Errorf("waited %v in pauses, want the whole Wait of 1s and no more", slept)
	}

	o.Gone = func(content string) bool { return strings.Contains(content, "doing it") }
	slept = 0
	unlock2, err := AcquireWith(path, o)
	if err != nil || slept != 0 {
		t.Fatalf("a gone holder's lock: %v after %v", err, slept)
	}
	if err := os.WriteFile(path, []byte("1 on host: taken over\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	unlock2() // its lock was taken over: it must not remove the new holder's
	if _, err := os.Stat(path); err != nil {
		t.Errorf("a released lock removed another holder's: %v", err)
	}
	os.Remove(path)
	unlock3, err := AcquireWith(path, Options{What: "x"})
	if err != nil {
		t.Fatal(err)
	}
	unlock3()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("lock left: %v", err)
	}
	unlock()
}
