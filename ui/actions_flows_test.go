package ui

import (
	"crypto/sha256"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/pki"
)

// watched wraps the Model so a test can wait until its screen satisfies a condition (observed waits for a
// substring only).
type watched struct {
	*Model
	mu   sync.Mutex
	cond func(string) bool
	hit  chan string
	last string // the latest screen drawn while waiting, for a failure's message
}

func (w *watched) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := w.Model.Update(msg)
	w.mu.Lock()
	if w.cond != nil { // the screen is drawn only while a test waits on it (until nudges it once to start)
		w.last = ansi.Strip(w.Model.View().Content)
		if screen := w.last; w.cond(screen) {
			w.hit <- screen
			w.cond = nil
		}
	}
	w.mu.Unlock()
	return w, cmd
}

// until blocks until the screen satisfies cond and returns that screen.
func (w *watched) until(t *testing.T, tm *teatest.TestModel, what string, cond func(string) bool) string {
	t.Helper()
	ch := make(chan string, 1)
	w.mu.Lock()
	w.cond, w.hit = cond, ch
	w.mu.Unlock()
	tm.Send(nudge{})
	select {
	case s := <-ch:
		return s
	case <-time.After(15 * time.Second):
		w.mu.Lock()
		w.cond = nil
		last := w.last
		w.mu.Unlock()
		t.Fatalf("the screen never showed %s; it shows:\n%s", what, last)
	}
	return ""
}

// shows waits until the screen holds every string.
func (w *watched) shows(t *testing.T, tm *teatest.TestModel, subs ...string) string {
	t.Helper()
	return w.until(t, tm, strings.Join(subs, " + "), func(s string) bool {
		for _, sub := range subs {
			if !strings.Contains(s, sub) {
				return false
			}
		}
		return true
	})
}

// focused waits until the form's focused field (drawn with a bar) is the one titled title: keys typed before
// the form moves on would land in the previous field.
func (w *watched) focused(t *testing.T, tm *teatest.TestModel, title string) {
	t.Helper()
	w.until(t, tm, "the field "+title+" focused", func(s string) bool {
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, "┃") && strings.Contains(l, title) {
				return true
			}
		}
		return false
	})
}

// selectedLine is the list's line under the cursor.
func selectedLine(screen string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, "▶") {
			return l
		}
	}
	return ""
}

var actNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// actProgram runs the whole program against a fresh fake foundation that allows writes (or not), with files
// under a temporary directory, and waits for the first load.
func actProgram(t *testing.T, allowWrites bool, width, height int) (*watched, *teatest.TestModel, *cffake.Server, string) {
	t.Helper()
	now := func() time.Time { return actNow }
	f, fake := demoFoundation(t, now, cffake.DemoData)
	f.AllowWrites = allowWrites
	dir := t.TempDir()
	opts := Options{Foundations: []Foundation{f}, Thresholds: expiry.DefaultThresholds, Refresh: time.Minute, Now: now,
		Dir: dir, JournalDir: filepath.Join(dir, "journal")}
	m := &watched{Model: New(opts)}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(width, height),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.TrueColor), tea.WithEnvironment([]string{"TERM=xterm-256color"})))
	m.shows(t, tm, "partner-hub", "updated 09:00:00") // the whole first load (orgs show before the keys are read)
	return m, tm, fake, dir
}

// allKeysFiltered opens the list of all keys filtered by text, the cursor on the first match.
func allKeysFiltered(t *testing.T, m *watched, tm *teatest.TestModel, text string) {
	t.Helper()
	tm.Send(keyMsg("a"))
	m.shows(t, tm, "› all keys")
	tm.Send(keyMsg("/"))
	tm.Type(text)
	tm.Send(keyMsg("enter"))
	m.shows(t, tm, "filter: "+text)
}

func writes(fake *cffake.Server) int64 {
	return fake.RouteRequests("POST /v3/service_credential_bindings") + fake.RouteRequests("DELETE /v3/service_credential_bindings/{guid}") +
		fake.RouteRequests("PATCH /v3/service_credential_bindings/{guid}")
}

func quit(t *testing.T, tm *teatest.TestModel) *Model {
	t.Helper()
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	return tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*watched).Model
}

func TestActionFlows(t *testing.T) {
	t.Parallel()
	newName := "crm-sync-sender-" + actNow.Format("2006-01-02")

	t.Run("rotate one key from the all-keys list", func(t *testing.T) {
		t.Parallel()
		m, tm, fake, _ := actProgram(t, true, 160, 50)
		old, _ := fake.Key("crm-sync-sender")
		allKeysFiltered(t, m, tm, "crm-sync-sender")
		tm.Send(keyMsg("R"))
		// The plan in the words of key rotate --dry-run, then the form.
		m.shows(t, tm, "The plan (as cfkeys key rotate --dry-run shows it)", "NEW NAME", newName, "THE OLD KEY IS",
			"kept, marked replaced-by its successor", "read from the broker", "New name")
		if n := writes(fake); n != 0 {
			t.Fatalf("%d write requests before the confirmation", n)
		}
		m.focused(t, tm, "New name")
		tm.Send(keyMsg("enter")) // the name as planned
		m.focused(t, tm, "Parameters (JSON)")
		tm.Send(keyMsg("enter")) // the parameters as read
		m.focused(t, tm, "Delete the old key")
		tm.Send(keyMsg("n")) // keep the old key
		m.focused(t, tm, "Rotate 1 key?")
		tm.Send(keyMsg("y")) // rotate
		m.shows(t, tm, "rotated: "+newName+"; old key kept")
		screen := m.until(t, tm, "the new key selected", func(s string) bool { return strings.Contains(selectedLine(s), "2027-11-22") })
		if !strings.Contains(screen, "crm-sync-sender ") {
			t.Errorf("the old key is gone from the list:\n%s", screen)
		}
		final := quit(t, tm)
		nk, ok := fake.Key(newName)
		if !ok {
			t.Fatal("the foundation has no new key")
		}
		if got := final.top().(*listPage).selectedID; got != "demo/"+nk.GUID {
			t.Errorf("selected %s, want the new key %s", got, nk.GUID)
		}
		if got := fake.KeyAnnotations(nk.GUID)[cf.AnnotationReplaces]; got != old.GUID {
			t.Errorf("the new key replaces %q, want %s", got, old.GUID)
		}
		if _, ok := fake.Key("crm-sync-sender"); !ok {
			t.Error("the old key was deleted")
		}
		if n := fake.RouteRequests("DELETE /v3/service_credential_bindings/{guid}"); n != 0 {
			t.Errorf("%d delete requests", n)
		}
	})

	t.Run("rotate and delete the old key", func(t *testing.T) {
		t.Parallel()
		m, tm, fake, dir := actProgram(t, true, 160, 50)
		allKeysFiltered(t, m, tm, "crm-sync-sender")
		tm.Send(keyMsg("R"))
		m.focused(t, tm, "New name")
		tm.Send(keyMsg("enter"))
		m.focused(t, tm, "Parameters (JSON)")
		tm.Send(keyMsg("enter"))
		m.focused(t, tm, "Delete the old key")
		tm.Send(keyMsg("y")) // delete the old key
		m.focused(t, tm, "Rotate 1 key?")
		tm.Send(keyMsg("y"))
		m.shows(t, tm, "rotated: "+newName+"; old key deleted")
		m.until(t, tm, "the new key selected", func(s string) bool { return strings.Contains(selectedLine(s), "2027-11-22") })
		quit(t, tm)
		if _, ok := fake.Key("crm-sync-sender"); ok {
			t.Error("the old key is still there")
		}
		if _, ok := fake.Key(newName); !ok {
			t.Error("the new key is missing")
		}
		// The journal records the run as cfkeys key rotate's does, finished.
		entries, _ := os.ReadDir(filepath.Join(dir, "journal"))
		if len(entries) != 1 {
			t.Errorf("%d journal files, want 1", len(entries))
		}
	})

	t.Run("rotate marked keys in one plan", func(t *testing.T) {
		t.Parallel()
		m, tm, fake, _ := actProgram(t, true, 160, 60)
		allKeysFiltered(t, m, tm, "orders-app-x509")
		tm.Send(keyMsg("*"))
		m.shows(t, tm, "2 keys marked")
		tm.Send(keyMsg("R"))
		m.focused(t, tm, "Delete the old key")
		tm.Send(keyMsg("n"))
		m.focused(t, tm, "Rotate 2 keys?")
		tm.Send(keyMsg("y"))
		// One line per key, then the outcome.
		m.shows(t, tm, "› rotating", "• orders-app-x509: created ✓ job done ✓ verified ✓ (old key kept)",
			"• orders-app-x509-next: created ✓ job done ✓ verified ✓ (old key kept)",
			"rotated: orders-app-x509-2026-11-22, orders-app-x509-next-2026-11-22; old keys kept")
		quit(t, tm)
		if n := fake.RouteRequests("POST /v3/service_credential_bindings"); n != 2 {
			t.Errorf("%d create requests, want 2", n)
		}
	})

	t.Run("a long plan leaves the form whole, and esc sends nothing", func(t *testing.T) {
		t.Parallel()
		m, tm, fake, _ := actProgram(t, true, 120, 24)
		tm.Send(keyMsg("a"))
		m.shows(t, tm, "› all keys")
		tm.Send(keyMsg("*"))
		m.shows(t, tm, "keys marked")
		tm.Send(keyMsg("R"))
		m.focused(t, tm, "Delete the old key")
		m.shows(t, tm, "more lines (a taller terminal shows them)", "ORG / SPACE / INSTANCE", "NEW NAME", "Rotate 17 keys?")
		tm.Send(keyMsg("esc"))
		m.shows(t, tm, "cancelled; nothing was sent")
		quit(t, tm)
		if n := writes(fake); n != 0 {
			t.Errorf("%d write requests after esc", n)
		}
	})

	t.Run("at 80x24 the plan of one key stays in view above the form", func(t *testing.T) {
		t.Parallel()
		m, tm, _, _ := actProgram(t, true, 80, 24)
		tm.Send(keyMsg("a"))
		m.shows(t, tm, "› all keys")
		tm.Send(keyMsg("/"))
		tm.Type("crm-sync-sender")
		tm.Send(keyMsg("enter"))
		m.shows(t, tm, "(1 match)")
		tm.Send(keyMsg("R"))
		m.focused(t, tm, "New name")
		screen := m.shows(t, tm, "NEW NAME", "THE OLD KEY IS          kept, marked replaced-by its successor")
		if strings.Contains(screen, "more lines") {
			t.Errorf("the plan gave way:\n%s", screen)
		}
		final := quit(t, tm)
		for i, l := range strings.Split(final.View().Content, "\n") {
			if w := ansi.StringWidth(l); w > 80 {
				t.Errorf("line %d is %d cells wide", i, w)
			}
		}
	})

	t.Run("create a certificate key on an it-rt instance", func(t *testing.T) {
		t.Parallel()
		m, tm, fake, dir := actProgram(t, true, 160, 60)
		allKeysFiltered(t, m, tm, "crm-sync-sender")
		m.shows(t, tm, "+ new") // n steps through the filter's matches here
		tm.Send(keyMsg("+"))
		m.shows(t, tm, "A new key on acme-prod / integration / cpi-orders-inbound (it-rt", "Name of the new key")
		m.focused(t, tm, "Name of the new key")
		tm.Type("erp-2027")
		tm.Send(keyMsg("enter"))
		m.focused(t, tm, "Kind of key")
		tm.Send(keyMsg("enter")) // certificate, the first kind
		m.focused(t, tm, "Validity in days")
		tm.Type("365")
		tm.Send(keyMsg("enter"))
		m.focused(t, tm, "Key length in bits")
		tm.Type("2048")
		tm.Send(keyMsg("enter"))
		m.focused(t, tm, "Create the key on cpi-orders-inbound?")
		tm.Send(keyMsg("y"))
		screen := m.shows(t, tm, "› erp-2027", "Certificate chain", `"key": "[redacted]"`)
		for _, s := range fake.Secrets() {
			if len(s) > 8 && strings.Contains(screen, s) {
				t.Error("the new key's page shows a secret")
			}
		}
		nk, ok := fake.Key("erp-2027")
		if !ok {
			t.Fatal("the foundation has no key erp-2027")
		}
		m.shows(t, tm, "Binding GUID    "+nk.GUID)
		// Its credentials are written for handover, readable by the owner only.
		tm.Send(keyMsg("w"))
		m.focused(t, tm, "File")
		m.shows(t, tm, "erp-2027-credentials.json")
		tm.Send(keyMsg("enter"))
		m.focused(t, tm, "Write it?")
		tm.Send(keyMsg("y"))
		m.shows(t, tm, "wrote the credentials to")
		quit(t, tm)
		info, err := os.Stat(filepath.Join(dir, "erp-2027-credentials.json"))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("credentials file: %v, mode %v", err, info)
		}
		data, _ := os.ReadFile(filepath.Join(dir, "erp-2027-credentials.json"))
		if !strings.Contains(string(data), "PRIVATE KEY") {
			t.Error("the handover file lacks the private key")
		}
	})

	t.Run("delete with the typed name", func(t *testing.T) {
		t.Parallel()
		m, tm, fake, _ := actProgram(t, true, 160, 50)
		allKeysFiltered(t, m, tm, "dev-sender-old")
		tm.Send(keyMsg("D"))
		m.focused(t, tm, "Type the key's name to confirm")
		tm.Type("dev-sender")
		tm.Send(keyMsg("enter"))
		m.shows(t, tm, "the name does not match dev-sender-old: nothing was deleted")
		if n := writes(fake); n != 0 {
			t.Fatalf("a wrong name sent %d write requests", n)
		}
		tm.Send(keyMsg("D"))
		m.focused(t, tm, "Type the key's name to confirm")
		tm.Type("dev-sender-old")
		tm.Send(keyMsg("enter"))
		m.shows(t, tm, "deleted acme-dev")
		m.shows(t, tm, "nothing matches the filter")
		quit(t, tm)
		if _, ok := fake.Key("dev-sender-old"); ok {
			t.Error("the key is still there")
		}
	})

	t.Run("a read-only foundation refuses without a request", func(t *testing.T) {
		t.Parallel()
		m, tm, fake, _ := actProgram(t, false, 160, 50)
		allKeysFiltered(t, m, tm, "crm-sync-sender")
		screen := m.shows(t, tm, "read-only")
		if strings.Contains(screen, "R rotate") {
			t.Errorf("the footer offers R on a read-only foundation:\n%s", screen)
		}
		before := fake.Requests()
		for _, k := range []string{"R", "n", "D"} {
			tm.Send(keyMsg(k))
			m.shows(t, tm, "demo is read-only: allow writes with cfkeys profiles set demo --allow-writes on")
			tm.Send(keyMsg("j")) // another key, so the next refusal is a new status
		}
		quit(t, tm)
		if got := fake.Requests(); got != before {
			t.Errorf("%d requests after R, n and D on a read-only foundation", got-before)
		}
	})

	t.Run("a broker failure is shown and nothing else changes", func(t *testing.T) {
		t.Parallel()
		m, tm, fake, _ := actProgram(t, true, 200, 50)
		old, _ := fake.Key("crm-sync-sender")
		fake.FailBroker("cpi-orders-inbound", "the certificate service is down")
		allKeysFiltered(t, m, tm, "crm-sync-sender")
		tm.Send(keyMsg("R"))
		m.focused(t, tm, "New name")
		tm.Send(keyMsg("enter"))
		m.focused(t, tm, "Parameters (JSON)")
		tm.Send(keyMsg("enter"))
		m.focused(t, tm, "Delete the old key")
		tm.Send(keyMsg("y"))
		m.focused(t, tm, "Rotate 1 key?")
		tm.Send(keyMsg("y"))
		m.shows(t, tm, "not rotated: crm-sync-sender: failed:", "the certificate service is down")
		quit(t, tm)
		if n := fake.RouteRequests("POST /v3/service_credential_bindings"); n != 1 {
			t.Errorf("%d create requests, want 1: nothing is retried blindly", n)
		}
		if n := fake.RouteRequests("DELETE /v3/service_credential_bindings/{guid}") + fake.RouteRequests("PATCH /v3/service_credential_bindings/{guid}"); n != 0 {
			t.Errorf("%d delete or annotate requests after the failure", n)
		}
		if _, ok := fake.KeyAnnotations(old.GUID)[cf.AnnotationReplacedBy]; ok {
			t.Error("the old key was marked replaced")
		}
	})

	t.Run("the chain whose CA expires first", func(t *testing.T) {
		t.Parallel()
		m, tm, _, dir := actProgram(t, true, 200, 120)
		allKeysFiltered(t, m, tm, "audit-writer-legacy-ca")
		tm.Send(keyMsg("enter"))
		screen := m.shows(t, tm, "Certificate chain (", "2. CA · decides the key's expiry", "CN=Demo Legacy Client CA 2019")
		tm.Send(keyMsg("c"))
		m.focused(t, tm, "File")
		tm.Send(keyMsg("enter"))
		m.focused(t, tm, "Write it?")
		tm.Send(keyMsg("y"))
		m.shows(t, tm, "wrote the certificates to")
		final := quit(t, tm)
		d := final.top().(*detailPage)
		// Every certificate's SHA-256 fingerprint, as crypto/sha256 computes it from the DER, is on the page.
		var creds map[string]any
		_ = json.Unmarshal(d.creds.Reveal(), &creds)
		n := 0
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				for _, c := range x {
					walk(c)
				}
			case string:
				rest := []byte(x)
				for {
					b, r := pem.Decode(rest)
					if b == nil {
						break
					}
					rest = r
					if b.Type == "CERTIFICATE" {
						sum := sha256.Sum256(b.Bytes)
						if !strings.Contains(screen, expiry.Fingerprint(sum[:])) {
							t.Errorf("the page lacks the SHA-256 fingerprint %s", expiry.Fingerprint(sum[:]))
						}
						n++
					}
				}
			}
		}
		walk(creds)
		if n < 2 {
			t.Errorf("%d certificates in the credentials", n)
		}
		// c saved the chain: the certificates, no private key.
		data, err := os.ReadFile(filepath.Join(dir, "audit-writer-legacy-ca-chain.pem"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "PRIVATE KEY") || strings.Count(string(data), "BEGIN CERTIFICATE") != strings.Count(screen, "SHA-256") {
			t.Errorf("the saved chain:\n%s", data)
		}
	})

	t.Run("rotate an external-certificate key with its new PEM", func(t *testing.T) {
		t.Parallel()
		m, tm, fake, dir := actProgram(t, true, 160, 50)
		root, err := pki.NewRootCA("CN=Partner Root,O=Example Partner GmbH,C=DE", actNow.AddDate(-1, 0, 0), actNow.AddDate(10, 0, 0), 7)
		if err != nil {
			t.Fatal(err)
		}
		leaf, _ := root.Issue("CN=partner-edi.partner.example,O=Example Partner GmbH,L=Walldorf,C=DE", big.NewInt(77), actNow, actNow.AddDate(2, 0, 0))
		if err := os.WriteFile(filepath.Join(dir, "new.pem"), []byte(leaf.CertPEM), 0o600); err != nil {
			t.Fatal(err)
		}
		allKeysFiltered(t, m, tm, "partner-edi-external")
		tm.Send(keyMsg("R"))
		m.shows(t, tm, "skipped: needs a new certificate")
		m.focused(t, tm, "New name")
		tm.Send(keyMsg("enter"))
		m.focused(t, tm, "New certificate (PEM file)")
		tm.Type("missing.pem")
		tm.Send(keyMsg("enter"))
		m.shows(t, tm, "reading the certificate")
		for range "missing.pem" {
			tm.Send(keyMsg("backspace"))
		}
		tm.Type("new.pem")
		tm.Send(keyMsg("enter"))
		m.focused(t, tm, "Delete the old key")
		tm.Send(keyMsg("n"))
		m.focused(t, tm, "Rotate 1 key?")
		tm.Send(keyMsg("y"))
		m.shows(t, tm, "rotated: partner-edi-external-2026-11-22; old key kept")
		quit(t, tm)
		if _, ok := fake.Key("partner-edi-external-2026-11-22"); !ok {
			t.Error("no successor")
		}
	})

	t.Run("export the list as shown", func(t *testing.T) {
		t.Parallel()
		m, tm, _, dir := actProgram(t, true, 160, 50)
		tm.Send(keyMsg("a"))
		m.shows(t, tm, "› all keys")
		tm.Send(keyMsg("x"))
		m.shows(t, tm, "expiring ≤30d only")
		tm.Send(keyMsg("E"))
		m.focused(t, tm, "Format")
		tm.Send(keyMsg("enter")) // JSON
		m.focused(t, tm, "File")
		tm.Type("soon.json")
		tm.Send(keyMsg("enter"))
		m.shows(t, tm, "exported ", "soon.json")
		final := quit(t, tm)
		lp := final.top().(*listPage)
		data, err := os.ReadFile(filepath.Join(dir, "soon.json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Keys []struct {
				GUID string `json:"guid"`
				Name string `json:"name"`
			} `json:"keys"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("the export is not JSON: %v", err)
		}
		if len(doc.Keys) != len(lp.rows) || len(lp.rows) == 0 || len(lp.rows) == len(lp.base) {
			t.Fatalf("%d exported, %d shown of %d", len(doc.Keys), len(lp.rows), len(lp.base))
		}
		for i, r := range lp.rows {
			if doc.Keys[i].GUID != r.key.GUID {
				t.Errorf("row %d: exported %s, shown %s", i, doc.Keys[i].Name, r.key.Name)
			}
		}
	})
}
