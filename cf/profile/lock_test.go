package profile

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Concurrent logins each add their profile; none is lost.
func TestUpdateIsSerialised(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- Update(dir, func(c *Config) error {
				time.Sleep(time.Millisecond) // widen the read-modify-write window
				c.Put(Profile{Name: fmt.Sprintf("p%02d", i), API: "https://api.example.org"})
				return nil
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Profiles) != 16 {
		t.Errorf("%d of 16 profiles survived: %v", len(c.Profiles), c.Names())
	}
	if _, err := os.Stat(filepath.Join(dir, fileName+".lock")); !os.IsNotExist(err) {
		t.Errorf("lock file left behind: %v", err)
	}
}

// A lock left by a dead process is taken over once stale; a change that fails saves nothing.
func TestUpdateStaleLockAndFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lockPath := filepath.Join(dir, fileName+".lock")
	if err := os.WriteFile(lockPath, []byte("1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(lockPath, old, old); err != nil {
		t.Fatal(err)
	}
	if err := Update(dir, func(c *Config) error { c.Put(Profile{Name: "eu10"}); return nil }); err != nil {
		t.Fatalf("stale lock: %v", err)
	}
	if err := Update(dir, func(c *Config) error { c.Remove("eu10"); return fmt.Errorf("refused") }); err == nil {
		t.Error("the change's error was lost")
	}
	if c, _ := Load(dir); len(c.Profiles) != 1 {
		t.Errorf("a failed change was saved: %v", c.Names())
	}
}

func TestClash(t *testing.T) {
	t.Parallel()
	c := &Config{}
	c.Put(Profile{Name: "eu10"})
	if n, ok := c.Clash("EU10"); !ok || n != "eu10" {
		t.Errorf("EU10: %q %v", n, ok)
	}
	if _, ok := c.Clash("eu10"); ok {
		t.Error("a profile clashes with itself")
	}
	if _, ok := c.Clash("us10"); ok {
		t.Error("us10 clashes")
	}
}
