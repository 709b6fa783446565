package ui

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
)

// writableFoundation is a harness over one stub foundation that allows writes (or not).
func writableFoundation(t *testing.T, allow bool) *harness {
	b := stub()
	opts := defaultOpts()
	opts.Foundations = []Foundation{{Name: "eu10", API: "https://api.cf.eu10.hana.ondemand.com", AllowWrites: allow,
		Connect: func(context.Context) (Backend, error) { return b, nil }}}
	return newHarness(t, opts, 200, 30)
}

func footerOf(h *harness) string {
	lines := strings.Split(h.screen(), "\n")
	return lines[len(lines)-1]
}

func TestActionKeysWhereTheyApply(t *testing.T) {
	t.Parallel()
	h := writableFoundation(t, true)
	if f := footerOf(h); strings.Contains(f, "R rotate") || strings.Contains(f, "D delete") {
		t.Errorf("the orgs page offers key actions: %s", f)
	}
	h.press("a")
	if f := footerOf(h); !strings.Contains(f, "R rotate") || !strings.Contains(f, "n new") || !strings.Contains(f, "D delete") {
		t.Errorf("the keys list does not offer R, n and D: %s", f)
	}
	h.mustNotShow("read-only")
	h.press("n") // no filter kept: n creates
	h.mustShow("eu10 cannot be changed from here")
	h.press("/")
	h.typeText("sender")
	h.press("enter")
	if f := footerOf(h); !strings.Contains(f, "+ new") {
		t.Errorf("with a kept filter, + creates (n is the next match): %s", f)
	}
	h.press("esc")
	h.press("?")
	h.mustShow("export the list shown", "mark key, all shown", "copy cf cmd, ticket", "rotate: renew the key(s)")
	h.press("esc")
	// A stub backend has no Cloud Controller behind it: nothing to write with, and the UI says so.
	h.press("R")
	h.mustShow("eu10 cannot be changed from here")

	ro := writableFoundation(t, false)
	ro.mustShow("read-only")
	ro.press("a")
	if f := footerOf(ro); strings.Contains(f, "R rotate") || strings.Contains(f, "D delete") {
		t.Errorf("a read-only foundation's footer offers writes: %s", f)
	}
	ro.press("?")
	ro.mustShow("export the list shown")
	ro.mustNotShow("rotate: renew") // the help offers only what can be done here
	ro.press("esc", "D")
	ro.mustShow("eu10 is read-only: allow writes with cfkeys profiles set eu10 --allow-writes on")
	ro.press("enter") // a detail page: the same refusal, the same way
	ro.press("R")
	ro.mustShow("eu10 is read-only")
	if loads, details := ro.m.store.foundations[0].backend.(*stubBackend).counts(); loads != 1 || details != 1 {
		t.Errorf("loads %d, details %d: a refused write reads nothing", loads, details)
	}
}

func TestMarks(t *testing.T) {
	t.Parallel()
	h := writableFoundation(t, true)
	h.press("a", "space")
	h.mustShow("1 key marked: R rotates it")
	first := strings.Split(h.screen(), "\n")[3]
	if !strings.HasPrefix(first, " *") {
		t.Errorf("the marked row has no mark: %q", first)
	}
	if l := h.line("▶"); strings.HasPrefix(l, "▶*") {
		t.Errorf("the cursor did not move on: %q", l)
	}
	h.press("*")
	h.mustShow("9 keys marked: R rotates them in one plan")
	h.press("*")
	h.mustShow("no key marked")
	// Only the marks a list shows count: a filter leaves the others out of R.
	h.press("*", "/")
	h.typeText("dev-")
	h.press("enter")
	h.tick(10 * time.Second) // the earlier status goes
	h.press("space")
	h.mustShow("2 keys marked")
}

func TestCopyTexts(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	si := inst("i1", "cpi-orders-inbound", "acme-prod", "o1", "integration", "s1", "it-rt", "integration-flow")
	odd := inst("i2", "it's here", "acme prod", "o2", "$(rm -rf)", "s2", "it-rt", "api")
	ca := certKey("g1", "crm-sync-sender", si, 5)
	ca.Finding.Certificate.NotAfter = now.Add(5*24*time.Hour + time.Hour)
	first := ca
	cert := *ca.Finding.Certificate
	cert.ChainExpiresFirst, cert.ChainNotAfter = true, now.Add(2*24*time.Hour+time.Hour)
	first.Finding.Certificate = &cert
	secret := plainKey("g2", "legacy", si, expiry.Finding{Kind: expiry.KindNone, Reason: "client id and secret, no certificate"})
	tests := []struct {
		name          string
		key           cf.KeyReport
		command, line string
	}{
		{"certificate", ca, "cf target -o acme-prod -s integration && cf service-key cpi-orders-inbound crm-sync-sender",
			"crm-sync-sender · cpi-orders-inbound · acme-prod/integration · expires 2026-12-07 (5d) · CN=crm-sync-sender,OU=Demo,O=Demo Corp,C=DE"},
		{"its CA expires first", first, "cf target -o acme-prod -s integration && cf service-key cpi-orders-inbound crm-sync-sender",
			"crm-sync-sender · cpi-orders-inbound · acme-prod/integration · expires 2026-12-04 (2d) · its CA expires first · CN=crm-sync-sender,OU=Demo,O=Demo Corp,C=DE"},
		{"no certificate", secret, "cf target -o acme-prod -s integration && cf service-key cpi-orders-inbound legacy",
			"legacy · cpi-orders-inbound · acme-prod/integration · no certificate"},
		{"names a shell would read", plainKey("g3", "k\x1b[31m", odd, expiry.Finding{Kind: expiry.KindNone}),
			`cf target -o 'acme prod' -s '$(rm -rf)' && cf service-key 'it'\''s here' k`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := cfCommand(&tt.key); got != tt.command {
				t.Errorf("cfCommand = %s\nwant        %s", got, tt.command)
			}
			if got := ticketSummary(&tt.key, now); tt.line != "" && got != tt.line {
				t.Errorf("ticketSummary = %s\nwant            %s", got, tt.line)
			}
		})
	}
}

func TestStepText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		step      cf.Step
		deleteOld bool
		err       error
		want      string
	}{
		{cf.StepCreating, false, nil, "creating…"},
		{cf.StepCreated, false, nil, "created ✓ job done ✓ verifying…"},
		{cf.StepVerified, false, nil, "created ✓ job done ✓ verified ✓"},
		{cf.StepDeleting, true, nil, "created ✓ job done ✓ verified ✓ deleting the old key…"},
		{cf.StepDone, true, nil, "created ✓ job done ✓ verified ✓ old deleted ✓"},
		{cf.StepDone, false, nil, "created ✓ job done ✓ verified ✓ (old key kept)"},
		{cf.StepFailed, false, errors.New("broker: the certificate service is down"), "failed: broker: the certificate service is down"},
	}
	for _, tt := range tests {
		if got := stepText(cf.RotationItem{Step: tt.step, Err: tt.err}, tt.deleteOld); got != tt.want {
			t.Errorf("%s (delete old %v) = %q, want %q", tt.step, tt.deleteOld, got, tt.want)
		}
	}
}

func TestQuitAsksWhileAChangeRuns(t *testing.T) {
	t.Parallel()
	h := writableFoundation(t, true)
	h.press("a")
	k := h.m.store.foundations[0].idx.keys[0]
	h.m.acts.newRun(h.m.store.foundations[0], "rotating", k)
	h.press("q")
	h.mustShow("A change is running on the foundation: quit anyway?")
	h.press("n")
	if h.quit {
		t.Fatal("quit without a yes")
	}
	h.press("q", "y")
	if !h.quit {
		t.Fatal("y did not quit")
	}
}

// Every key does one thing on a page: the only keys two bindings share are n (next match where a filter is kept,
// else create) and space (page down, except on lists of keys, where it marks).
func TestKeyBindingsDoNotClash(t *testing.T) {
	t.Parallel()
	shared := map[string]bool{"n": true, "space": true, "ctrl+c": true}
	seen := map[string]string{}
	keys := defaultKeys()
	for _, v := range []reflect.Value{reflect.ValueOf(keys), reflect.ValueOf(keys.actionKeys)} {
		for i := 0; i < v.NumField(); i++ {
			if !v.Type().Field(i).IsExported() {
				continue
			}
			b, ok := v.Field(i).Interface().(key.Binding)
			if !ok {
				continue
			}
			name := v.Type().Field(i).Name
			for _, k := range b.Keys() {
				if other, ok := seen[k]; ok && !shared[k] {
					t.Errorf("%q is bound to %s and %s", k, other, name)
				}
				seen[k] = name
			}
		}
	}
}

func TestFailureStaysUntilTheNextAction(t *testing.T) {
	t.Parallel()
	h := writableFoundation(t, true)
	h.press("a")
	f := h.m.store.foundations[0]
	r := h.m.acts.newRun(f, "rotating", f.idx.keys[0])
	r.done, r.failed, r.outcome = true, true, "not rotated: the broker said no"
	h.press("j", "k")
	h.mustShow("not rotated: the broker said no")
	ok := h.m.acts.newRun(f, "deleting", f.idx.keys[1])
	ok.done, ok.outcome = true, "deleted it"
	h.mustNotShow("the broker said no")
	h.mustShow("deleted it")
	h.press("j")
	h.mustNotShow("deleted it")
}
