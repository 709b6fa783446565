package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/policy"
)

const api = "https://api.example.org"

// ackedReport is a scan whose expired and critical keys are acknowledged (the critical one for a certificate it
// no longer holds), judged by the built-in policy.
func ackedReport(t *testing.T) Report {
	t.Helper()
	expired := key("acme", "prod", "cpi", "expired-key", expiry.Finding{Kind: expiry.KindCertificate, Certificate: cert(-3, "CN=old,O=x")})
	critical := key("acme", "dev", "cpi", "critical-key", expiry.Finding{Kind: expiry.KindCertificate, Certificate: cert(5, "CN=soon,O=x")})
	ok := key("acme", "prod", "cpi", "ok-key", expiry.Finding{Kind: expiry.KindCertificate, Certificate: cert(412, "CN=ok,O=x")})
	p := policy.Default()
	until := time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
	a := policy.NewAck(PolicyKey("", api, expired), until, "partner decommissioned, CHG0042", "=ops", now)
	a.Source = "/cfg/acks.json"
	old := PolicyKey("", api, critical)
	old.Finding.Certificate = cert(400, "CN=previous,O=x")
	p.Acks = []policy.Ack{a, policy.NewAck(old, until, "rotated already", "", now)}
	entries := Judge(p, "", api, []cf.KeyReport{ok, expired, critical}, now)
	Sort(entries)
	return Report{GeneratedAt: now, API: api, Thresholds: expiry.DefaultThresholds, Policy: policy.BuiltIn, Entries: entries}
}

func TestJudgeKeepsTrueStatusOfAckedKeys(t *testing.T) {
	t.Parallel()
	r := ackedReport(t)
	var got []string
	for _, e := range r.Entries {
		got = append(got, e.Name+":"+e.Status.String()+":"+StatusCell(e)+":"+e.Rule)
	}
	want := "expired-key:expired:acked:integration-suite critical-key:critical:critical:integration-suite ok-key:ok:ok:integration-suite"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

// Acknowledged keys do not raise the exit code; everything else still does.
func TestExitCodeIgnoresAckedKeys(t *testing.T) {
	t.Parallel()
	acked := &policy.Ack{Note: "n"}
	tests := []struct {
		name    string
		entries []Entry
		errors  int
		want    int
	}{
		{"expired, not acked", []Entry{{Status: expiry.StatusExpired}}, 0, ExitCritical},
		{"expired, acked", []Entry{{Status: expiry.StatusExpired, Ack: acked}}, 0, ExitOK},
		{"critical acked, warning not", []Entry{{Status: expiry.StatusCritical, Ack: acked}, {Status: expiry.StatusWarning}}, 0, ExitWarning},
		{"warning acked", []Entry{{Status: expiry.StatusWarning, Ack: acked}, {Status: expiry.StatusOK}}, 0, ExitOK},
		{"broken acked", []Entry{{Status: expiry.StatusUnknown, Broken: true, Ack: acked}}, 0, ExitOK},
		{"broken not acked", []Entry{{Status: expiry.StatusUnknown, Broken: true}}, 0, ExitWarning},
		{"acked expired, one more not", []Entry{{Status: expiry.StatusExpired, Ack: acked}, {Status: expiry.StatusExpired}}, 0, ExitCritical},
		{"acked, with errors", []Entry{{Status: expiry.StatusExpired, Ack: acked}}, 1, ExitFailed},
	}
	for _, tt := range tests {
		r := Report{Entries: tt.entries, Errors: make([]Error, tt.errors)}
		if got := r.ExitCode(); got != tt.want {
			t.Errorf("%s: exit %d, want %d", tt.name, got, tt.want)
		}
	}
	// The whole path: the acknowledged expired key no longer counts, the critical key whose certificate changed
	// since its acknowledgement still does.
	if got := ackedReport(t).ExitCode(); got != ExitCritical {
		t.Errorf("report exit %d, want %d (the lapsed acknowledgement still counts)", got, ExitCritical)
	}
}

func TestAckedInEveryFormat(t *testing.T) {
	t.Parallel()
	r := ackedReport(t)

	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Policy string `json:"policy"`
		Keys   []struct {
			Name   string          `json:"name"`
			Status string          `json:"status"`
			Rule   string          `json:"rule"`
			Ack    json.RawMessage `json:"ack"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var ack bytes.Buffer
	_ = json.Compact(&ack, doc.Keys[0].Ack)
	if doc.Policy != "built-in" || doc.Keys[0].Status != "expired" || doc.Keys[0].Rule != "integration-suite" ||
		ack.String() != `{"until":"2027-01-31","note":"partner decommissioned, CHG0042","owner":"=ops","created_at":"2026-11-22T09:00:00Z","source":"/cfg/acks.json"}` {
		t.Errorf("json: %s", js.String())
	}
	if doc.Keys[1].Ack != nil {
		t.Errorf("a key without an acknowledgement has an ack field: %s", doc.Keys[1].Ack)
	}

	var cs bytes.Buffer
	if err := WriteCSV(&cs, r, false); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&cs).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := strings.Join(rows[0][len(rows[0])-5:], ",")
	if head != "rule,acked,ack_until,ack_owner,ack_note" {
		t.Errorf("csv header ends %s", head)
	}
	if got := strings.Join(rows[1][len(rows[1])-5:], "|"); got != "integration-suite|true|2027-01-31|'=ops|partner decommissioned, CHG0042" {
		t.Errorf("csv acked row ends %s", got)
	}
	if got := strings.Join(rows[2][len(rows[2])-5:], "|"); got != "integration-suite|false|||" {
		t.Errorf("csv row ends %s", got)
	}

	var pr bytes.Buffer
	if err := WritePrometheus(&pr, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`cfkeys_key_status{api="https://api.example.org",org="acme",space="prod",instance="cpi",key="expired-key",guid="guid-expired-key",acked="true",status="expired"} 1`,
		`cfkeys_key_status{api="https://api.example.org",org="acme",space="dev",instance="cpi",key="critical-key",guid="guid-critical-key",acked="false",status="critical"} 1`,
		`key="expired-key",guid="guid-expired-key",acked="true",subject="CN=old,O=x"} -237600`,
		"cfkeys_keys_acked 1",
	} {
		if !strings.Contains(pr.String(), want) {
			t.Errorf("prometheus lacks %s", want)
		}
	}

	var tb bytes.Buffer
	ackedStyled := 0
	opts := TableOptions{Style: func(_ expiry.Status, c string) string { return c },
		AckedStyle: func(c string) string { ackedStyled++; return "<" + c + ">" }}
	if err := WriteTable(&tb, r, opts); err != nil {
		t.Fatal(err)
	}
	out := tb.String()
	for _, want := range []string{"<acked   >  -3d", "expired, acked until 2027-01-31 by =ops: partner decommissioned, CHG0042",
		"3 keys: 1 expired, 1 critical, 1 ok; 1 acked (thresholds by policy built-in)"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if ackedStyled != 1 {
		t.Errorf("acked style used %d times", ackedStyled)
	}
}

// Notes, owners, rule names and the policy's path are typed by people, not the API, but reach the terminal just
// the same: every format keeps them harmless.
func TestHostileAcksAndRulesEveryFormat(t *testing.T) {
	t.Parallel()
	k := key("acme", "prod", "cpi", "expired-key", expiry.Finding{Kind: expiry.KindCertificate, Certificate: cert(-3, "CN=old,O=x")})
	p := &policy.Policy{Source: "/tmp/\x1b[2Jpolicy.yaml", Rules: []policy.Rule{{Name: "rule\x1b]0;title\x07", Warning: policy.Days(30), Critical: policy.Days(7)}}}
	p.Acks = []policy.Ack{policy.NewAck(PolicyKey("", api, k), now, "note \x1b[31mred\u202e\nnext line", "@owner\x07", now)}
	r := Report{GeneratedAt: now, API: api, Policy: p.Source, Entries: Judge(p, "", api, []cf.KeyReport{k}, now)}
	if !r.Entries[0].Acked() {
		t.Fatal("not acknowledged")
	}
	var js, tb, cs, pr bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	noControl(t, "JSON", js.String())
	if err := WriteTable(&tb, r, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	noControl(t, "table", tb.String())
	if strings.Count(tb.String(), "\n") != 4 {
		t.Errorf("a line break in a note broke the table:\n%s", tb.String())
	}
	if err := WriteCSV(&cs, r, false); err != nil {
		t.Fatal(err)
	}
	noControl(t, "CSV", cs.String())
	if !strings.Contains(cs.String(), ",'@owner") {
		t.Errorf("formula-like owner not quoted:\n%s", cs.String())
	}
	if err := WritePrometheus(&pr, r); err != nil {
		t.Fatal(err)
	}
	noControl(t, "Prometheus", pr.String())
}

func TestRuleText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		e    Entry
		want string
	}{
		{Entry{}, ""},
		{Entry{Rule: "integration-suite", Warning: policy.Days(30), Critical: policy.Days(7)}, "integration-suite (warning ≤ 30d, critical ≤ 7d)"},
		{Entry{Rule: "xsuaa-x509", Warning: policy.Share(20), Critical: policy.Share(12.5)}, "xsuaa-x509 (warning ≤ 20% of its lifetime, critical ≤ 12.5% of its lifetime)"},
		{Entry{Rule: "xsuaa-x509", Warning: policy.Days(30), Critical: policy.Days(7), LifetimeUnknown: true},
			"xsuaa-x509 (warning ≤ 30d, critical ≤ 7d); the issue date is unknown, so days replace its shares"},
	} {
		if got := RuleText(c.e); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}
