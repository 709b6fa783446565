package notify_test

import (
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/notify"
)

// The SUBJECT CN column reads the CN as expiry.CommonName does: escapes decoded, other attributes left out.
func TestMessageSubjectCN(t *testing.T) {
	t.Parallel()
	for dn, want := range map[string]string{
		`CN=M\C3\BCller,O=Demo Corp,C=DE`: "Müller",
		`CN=Acme\, Inc.,O=x`:              "Acme, Inc.",
		`O=x, CN="quoted, name"`:          "quoted, name",
	} {
		ev := notify.Event{Kind: notify.KindWarning, At: testNow, Key: notify.Key{Foundation: "eu10", Name: "k", GUID: "g1", Status: "warning",
			Certificate: &expiry.Certificate{SubjectDN: dn, NotAfter: testNow.AddDate(0, 0, 20)}}}
		m := notify.Compose([]notify.Event{ev}, testNow)
		if len(m.Rows) != 1 || m.Rows[0].SubjectCN != want || !strings.Contains(m.Text, want) {
			t.Errorf("%s: SUBJECT CN %q, want %q", dn, m.Rows[0].SubjectCN, want)
		}
	}
}

// A key's GUID goes into the "to look at it" command only when it is 1 to 64 letters, digits and hyphens: a
// hostile GUID could otherwise put a shell command into a mail someone copies from.
func TestMessageCommandOnlyForGUIDs(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 65)
	for guid, want := range map[string]bool{
		"5f0e9c1a-1111-4222-8333-944455556666": true,
		strings.Repeat("A", 64):                true,
		long:                                   false,
		"":                                     false,
		"g1; rm -rf ~":                         false,
		"g1$(id)":                              false,
		"g1_x":                                 false,
	} {
		ev := notify.Event{Kind: notify.KindWarning, At: testNow, Key: notify.Key{Foundation: "eu10", Name: "k", GUID: guid, Status: "warning"}}
		m := notify.Compose([]notify.Event{ev}, testNow)
		got := len(m.Rows) == 1 && m.Rows[0].Command != ""
		if got != want {
			t.Errorf("GUID %q: command %q, want one: %v", guid, m.Rows[0].Command, want)
		}
	}
}
