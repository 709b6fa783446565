package ui

import (
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// Issue 13, friction "Lookup from anywhere": a binding GUID, a subject DN written as openssl, CPI or a log writes
// it, or a UUID that is a certificate's CN, pasted into / on any page, jumps to that key.
func TestLookupFromAnywhere(t *testing.T) {
	t.Parallel()
	s := testSnapshot()
	s.Keys[5].Finding.Certificate.SubjectDN = "CN=ec9bcd22-956f-4b1e-9a4e-3d2c1b0a9f8e,OU=Subaccount,O=SAP SE,C=DE" // app-x509
	h := oneFoundation(t, &stubBackend{snaps: []*Snapshot{s}, creds: stub().creds}, defaultOpts(), 120, 30)
	for _, tc := range []struct{ paste, key string }{
		{"22222222-2222-4222-8222-222222222222", "crm-sender"},
		{"C = DE, O = Demo Corp, OU = Demo, CN = crm-sender", "crm-sender"},
		{"/C=DE/O=Demo Corp/OU=Demo/CN=grafana", "grafana"},
		{"cn=dashboard, ou=demo, o=demo corp, c=de", "dashboard"},
		{`subject=countryName = DE, organizationName = "Demo Corp", OU = Demo, 2.5.4.3 = erp-sender`, "erp-sender"},
		{"ec9bcd22-956f-4b1e-9a4e-3d2c1b0a9f8e", "app-x509"},
	} {
		h.press("/")
		h.send(tea.PasteMsg{Content: tc.paste})
		h.mustShow("cfkeys eu10 › " + tc.key)
		h.mustShow("Key             " + tc.key)
		h.press("esc")
		h.mustShow("/2 orgs") // back on the orgs page, unfiltered (the cursor on the key's org)
		h.mustNotShow("filter:")
	}
	// A DN of several keys filters to them, in any order and spacing; a GUID nobody has jumps nowhere.
	h.press("a", "/")
	h.typeText("O = Demo Corp, OU = Demo")
	h.press("enter")
	h.mustShow("1/6 of 9 keys")
	h.press("esc", "/")
	h.typeText("99999999-0000-4000-8000-000000000000")
	h.mustShow("/99999999-0000-4000-8000-000000000000", "no match")
}

// Issue 13, friction "What matched": the matching text is underlined, and a match in a field the list does not
// show (GUID, subject or issuer DN, serial) is named in the note column.
func TestWhatMatched(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), defaultOpts(), 160, 30)
	h.press("a")
	for _, tc := range []struct{ filter, key, note string }{
		{"demo ca", "crm-sender", "issuer: CN=Demo CA,O=cffake,C=DE"},
		{"abc3ed", "crm-sender", "serial 0xABC3ED"},
		{"2222-4222", "crm-sender", "GUID 22222222-2222-4222-8222-222222222222"},
		{"ou=demo", "crm-sender", "subject: CN=crm-sender,OU=Demo,O=Demo Corp,C=DE"},
	} {
		h.press("/")
		h.typeText(tc.filter)
		h.press("enter")
		if l := h.line(" " + tc.key + " "); !strings.Contains(l, tc.note) {
			t.Errorf("filter %q: %q lacks %q", tc.filter, l, tc.note)
		}
		h.press("esc")
	}
	h.press("/")
	h.typeText("rm-sen")
	h.press("enter")
	underlined := `\x1b\[[0-9;]*;4[0-9;]*m` // lipgloss draws an underline character by character
	if !regexp.MustCompile(underlined + "r" + `\x1b\[m` + underlined + "m").MatchString(h.raw()) {
		t.Errorf("the match is not underlined: %q", h.line("crm-sender"))
	}
	if l := h.line(" crm-sender "); strings.Contains(l, "GUID") {
		t.Errorf("a match in the key name needs no note: %q", l)
	}
}

// Issue 13, friction "Keys other tools use": n and N step through what a kept filter matched, on the list and
// from one key's detail to the next, wrapping around.
func TestNextAndPreviousMatch(t *testing.T) {
	t.Parallel()
	h := oneFoundation(t, stub(), defaultOpts(), 120, 40)
	h.press("a", "N") // without a kept filter, n creates a key (issue 12); N says what it needs
	h.mustShow("n and N step through what a filter kept")
	h.press("/")
	h.typeText("sender")
	h.press("enter", "enter")
	h.mustShow("› crm-sender", "Key             crm-sender")
	h.press("n")
	h.mustShow("› erp-sender", "Key             erp-sender")
	h.mustNotShow("› crm-sender ›")
	h.press("n")
	h.mustShow("Key             crm-sender")
	h.press("N")
	h.mustShow("Key             erp-sender")
	h.press("esc")
	if l := h.line("▶"); !strings.Contains(l, "erp-sender") {
		t.Errorf("back on the list the cursor is not on the last key shown: %q", l)
	}
	h.press("N")
	if l := h.line("▶"); !strings.Contains(l, "crm-sender") {
		t.Errorf("N on the list: %q", l)
	}
}
