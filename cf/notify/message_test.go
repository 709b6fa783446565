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
