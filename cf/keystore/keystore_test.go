package keystore

import (
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	f := NewMemory()
	k := NewWithBackend(f, time.Second)
	if _, err := k.Get("eu10", RefreshToken); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty keyring: %v", err)
	}
	if err := k.Set("eu10", RefreshToken, "rt-1"); err != nil {
		t.Fatal(err)
	}
	if err := k.Set("us10", RefreshToken, "rt-2"); err != nil {
		t.Fatal(err)
	}
	if v, err := k.Get("eu10", RefreshToken); err != nil || v != "rt-1" {
		t.Errorf("get = %q, %v", v, err)
	}
	if f.Entries()["cfkeys:eu10|refresh-token"] != "rt-1" {
		t.Errorf("entries = %v", f.Entries())
	}
	if err := k.DeleteProfile("eu10"); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get("eu10", RefreshToken); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if v, _ := k.Get("us10", RefreshToken); v != "rt-2" {
		t.Error("deleting one profile touched another")
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	f := NewMemory()
	f.Block = make(chan struct{})
	defer close(f.Block)
	k := NewWithBackend(f, 50*time.Millisecond)
	start := time.Now()
	_, err := k.Get("eu10", RefreshToken)
	var ke *Error
	if !errors.As(err, &ke) || ke.Reason != ReasonTimeout {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %v", d)
	}
	want := "reading eu10/refresh-token in the OS keyring: the keyring did not answer within 50ms; it may be waiting for an unlock prompt nobody can see."
	if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "CF_USERNAME and CF_PASSWORD") {
		t.Errorf("message = %s", err)
	}
	if err := k.Set("eu10", RefreshToken, "x"); !errors.As(err, &ke) || ke.Reason != ReasonTimeout {
		t.Errorf("set: %v", err)
	}
}

func TestClassifiedErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		reason Reason
		hint   string
	}{
		{"no session bus", errors.New(`exec: "dbus-launch": executable file not found in $PATH`), ReasonUnavailable, "Start a Secret Service"},
		{"no provider", errors.New("The name org.freedesktop.secrets was not provided by any .service files"), ReasonUnavailable, "Start a Secret Service"},
		{"activation timeout", errors.New("Failed to activate service 'org.freedesktop.secrets': timed out"), ReasonUnavailable, "Start a Secret Service"},
		{"locked", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/collection/login'"), ReasonLocked, "Unlock it"},
		{"unsupported", keyring.ErrUnsupportedPlatform, ReasonUnavailable, "Start a Secret Service"},
		{"other", errors.New("boom"), ReasonOther, "boom"},
	}
	for _, tc := range tests {
		f := NewMemory()
		f.Err = tc.err
		k := NewWithBackend(f, time.Second)
		err := k.Set("eu10", AccessToken, "x")
		var ke *Error
		if !errors.As(err, &ke) || ke.Reason != tc.reason || !strings.Contains(err.Error(), tc.hint) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestTooBig(t *testing.T) {
	t.Parallel()
	f := NewMemory()
	f.MaxSize = 2560 // Windows' limit
	k := NewWithBackend(f, time.Second)
	err := k.Set("eu10", AccessToken, strings.Repeat("x", 3000))
	if !IsTooBig(err) || !strings.Contains(err.Error(), "too large") {
		t.Errorf("err = %v", err)
	}
	if err := k.Set("eu10", AccessToken, strings.Repeat("x", 2000)); err != nil {
		t.Error(err)
	}
}

// TestGoKeyringMock runs the real go-keyring code path against its in-memory mock.
func TestGoKeyringMock(t *testing.T) {
	keyring.MockInit()
	k := New(time.Second)
	if err := k.Set("eu10", ClientSecret, "s3cr3t"); err != nil {
		t.Fatal(err)
	}
	if v, err := k.Get("eu10", ClientSecret); err != nil || v != "s3cr3t" {
		t.Errorf("get = %q %v", v, err)
	}
	if err := k.Delete("eu10", ClientSecret); err != nil {
		t.Fatal(err)
	}
	if err := k.Delete("eu10", ClientSecret); err != nil {
		t.Errorf("deleting a missing entry: %v", err)
	}
	keyring.MockInitWithError(errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"))
	defer keyring.MockInit()
	var ke *Error
	if _, err := k.Get("eu10", ClientSecret); !errors.As(err, &ke) || ke.Reason != ReasonLocked {
		t.Errorf("locked: %v", err)
	}
}

// Every failure the backends report is classified, and every message says what to do. The go-keyring mock
// returns the error as the real backend would.
func TestGoKeyringMockFailures(t *testing.T) {
	locked36 := exec.Command("sh", "-c", "exit 36").Run() // what macOS's security tool gives for a locked keychain
	odd := exec.Command("sh", "-c", "exit 3").Run()
	for _, tc := range []struct {
		name   string
		err    error
		reason Reason
		advice string
	}{
		{"too big", keyring.ErrSetDataTooBig, ReasonTooBig, "too large"},
		{"unsupported platform", keyring.ErrUnsupportedPlatform, ReasonUnavailable, "Start a Secret Service"},
		{"no session bus", errors.New("exec: \"dbus-launch\": executable file not found in $PATH"), ReasonUnavailable, "Start a Secret Service"},
		{"no provider", errors.New("The name org.freedesktop.secrets was not provided by any .service files"), ReasonUnavailable, "Start a Secret Service"},
		{"locked collection", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), ReasonLocked, "Unlock it"},
		{"macOS locked keychain", locked36, ReasonLocked, "Unlock it"},
		{"macOS without security tool", &exec.Error{Name: "/usr/bin/security", Err: exec.ErrNotFound}, ReasonUnavailable, "Start a Secret Service"},
		{"Windows without logon session", syscall.Errno(1312), ReasonUnavailable, "Start a Secret Service"},
		{"anything else", odd, ReasonOther, "Check that the keyring is running and unlocked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keyring.MockInitWithError(tc.err)
			defer keyring.MockInit()
			k := New(time.Second)
			var ke *Error
			err := k.Set("eu10", RefreshToken, "tok")
			if !errors.As(err, &ke) || ke.Reason != tc.reason {
				t.Fatalf("err = %v, want reason %d", err, tc.reason)
			}
			if !strings.Contains(err.Error(), tc.advice) {
				t.Errorf("message lacks %q: %v", tc.advice, err)
			}
			if tc.reason != ReasonTooBig && !strings.Contains(err.Error(), "cfkeys scan --api URL") {
				t.Errorf("no headless advice: %v", err)
			}
		})
	}
}

// TestLookup: a missing secret is "" without an error; any other failure still is one.
func TestLookup(t *testing.T) {
	t.Parallel()
	f := NewMemory()
	k := NewWithBackend(f, time.Second)
	if v, err := k.Lookup("eu10", Password); v != "" || err != nil {
		t.Errorf("missing: %q, %v", v, err)
	}
	if err := k.Set("eu10", Password, "pw-1"); err != nil {
		t.Fatal(err)
	}
	if v, err := k.Lookup("eu10", Password); v != "pw-1" || err != nil {
		t.Errorf("present: %q, %v", v, err)
	}
	f.Block = make(chan struct{})
	defer close(f.Block)
	var ke *Error
	if _, err := NewWithBackend(f, 20*time.Millisecond).Lookup("eu10", Password); !errors.As(err, &ke) || ke.Reason != ReasonTimeout {
		t.Errorf("a keyring that does not answer: %v", err)
	}
}
