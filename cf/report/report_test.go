package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/safetext"
	"github.com/cfkeys/cfkeys/internal/testclock"
)

var now = testclock.Start

func cert(days int, subject string) *expiry.Certificate {
	return &expiry.Certificate{SubjectDN: subject, IssuerDN: "CN=Demo CA,O=cffake,C=DE", Serial: "0xABCD", NotAfter: now.Add(time.Duration(days)*24*time.Hour + 6*time.Hour), Source: expiry.SourcePEM}
}

func key(org, space, inst, name string, f expiry.Finding) cf.KeyReport {
	return cf.KeyReport{GUID: "guid-" + name, Name: name, Type: "key", Finding: f,
		Instance: cf.ServiceInstance{GUID: "inst-" + inst, Name: inst, OrgName: org, SpaceName: space, OfferingName: "it-rt", PlanName: "integration-flow"}}
}

func sample() Report {
	caFirst := cert(300, "CN=ca-first,O=x")
	caFirst.ChainExpiresFirst, caFirst.ChainNotAfter, caFirst.ChainSubjectDN = true, now.AddDate(0, 0, 45), "CN=Legacy CA"
	keys := []cf.KeyReport{
		key("acme", "prod", "cpi", "ok-key", expiry.Finding{Kind: expiry.KindCertificate, Certificate: cert(412, "CN=ok,O=x")}),
		key("acme", "prod", "cpi", "secret-key", expiry.Finding{Kind: expiry.KindNone, Reason: "client id and secret, no certificate"}),
		key("acme", "prod", "cpi", "expired-key", expiry.Finding{Kind: expiry.KindCertificate, Certificate: cert(-3, "CN=old,O=x")}),
		key("acme", "dev", "cpi", "unknown-key", expiry.Unknown("credentials not readable: hidden")),
		key("acme", "dev", "cpi", "critical-key", expiry.Finding{Kind: expiry.KindCertificate, Certificate: cert(5, "CN=soon,L=sap-uaa,O=x")}),
		key("acme", "dev", "cpi", "warning-key", expiry.Finding{Kind: expiry.KindCertificate, Certificate: cert(23, "CN=warn,O=x")}),
		key("acme", "dev", "cpi", "ca-first", expiry.Finding{Kind: expiry.KindCertificate, Certificate: caFirst}),
	}
	entries := FromKeys("", keys, now, expiry.DefaultThresholds)
	Sort(entries)
	return Report{GeneratedAt: now, API: "https://api.example.org", Thresholds: expiry.DefaultThresholds, Entries: entries}
}

func TestSortAndStatus(t *testing.T) {
	t.Parallel()
	r := sample()
	var got []string
	for _, e := range r.Entries {
		got = append(got, e.Name+":"+e.Status.String()+":"+DaysCell(e))
	}
	want := "expired-key:expired:-3d critical-key:critical:5d warning-key:warning:23d ca-first:ok:45d ok-key:ok:412d unknown-key:unknown:- secret-key:none:-"
	if strings.Join(got, " ") != want {
		t.Errorf("order:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	within := Within(r.Entries, 30)
	if len(within) != 3 || within[2].Name != "warning-key" {
		t.Errorf("within 30d = %d entries", len(within))
	}
	if len(Within(r.Entries, 0)) != 1 {
		t.Error("within 0d should keep only the expired key")
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	mk := func(statuses ...expiry.Status) []Entry {
		var out []Entry
		for _, s := range statuses {
			out = append(out, Entry{Status: s})
		}
		return out
	}
	tests := []struct {
		name    string
		entries []Entry
		errors  int
		want    int
	}{
		{"empty", nil, 0, ExitOK},
		{"all ok", mk(expiry.StatusOK, expiry.StatusNone), 0, ExitOK},
		{"unknown alone is not a failure", mk(expiry.StatusOK, expiry.StatusUnknown), 0, ExitOK},
		{"warning", mk(expiry.StatusOK, expiry.StatusWarning), 0, ExitWarning},
		{"critical", mk(expiry.StatusWarning, expiry.StatusCritical), 0, ExitCritical},
		{"expired", mk(expiry.StatusExpired), 0, ExitCritical},
		{"errors beat warnings", mk(expiry.StatusWarning), 1, ExitFailed},
		{"critical beats errors", mk(expiry.StatusCritical), 2, ExitCritical},
		{"an unreadable certificate needs attention", []Entry{{Status: expiry.StatusOK}, {Status: expiry.StatusUnknown, Broken: true}}, 0, ExitWarning},
		{"a broken key does not hide errors", []Entry{{Status: expiry.StatusUnknown, Broken: true}}, 1, ExitFailed},
	}
	for _, tc := range tests {
		r := Report{Entries: tc.entries, Errors: make([]Error, tc.errors)}
		if got := r.ExitCode(); got != tc.want {
			t.Errorf("%s: exit %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestJSONSchema(t *testing.T) {
	t.Parallel()
	r := sample()
	r.Errors = []Error{{GUID: "guid-x", Message: "GET /v3/...: 503"}}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["schema"] != float64(1) || doc["generated_at"] != "2026-11-22T09:00:00Z" || doc["api"] != "https://api.example.org" {
		t.Errorf("envelope = %v", doc)
	}
	keys := doc["keys"].([]any)
	first := keys[0].(map[string]any)
	wantKeys := []string{"org", "space", "instance", "instance_guid", "service_offering", "service_plan", "name", "guid", "status", "days_remaining", "certificate"}
	for _, k := range wantKeys {
		if _, ok := first[k]; !ok {
			t.Errorf("key entry lacks %q: %v", k, first)
		}
	}
	c := first["certificate"].(map[string]any)
	if first["status"] != "expired" || first["days_remaining"] != float64(-3) || c["not_after"] != "2026-11-19T15:00:00Z" || c["source"] != "pem" ||
		c["subject_dn"] != "CN=old,O=x" || c["serial"] != "0xABCD" || c["issuer_dn"] != "CN=Demo CA,O=cffake,C=DE" {
		t.Errorf("first entry = %v", first)
	}
	if _, has := c["chain_expires_first"]; has {
		t.Error("chain_expires_first present on a normal chain")
	}
	for _, k := range keys {
		e := k.(map[string]any)
		switch e["name"] {
		case "ca-first":
			cc := e["certificate"].(map[string]any)
			if cc["chain_expires_first"] != true || cc["chain_not_after"] != "2027-01-06T09:00:00Z" {
				t.Errorf("ca-first = %v", cc)
			}
		case "unknown-key":
			if e["days_remaining"] != nil || e["certificate"] != nil || e["reason"] != "credentials not readable: hidden" {
				t.Errorf("unknown = %v", e)
			}
		case "secret-key":
			if e["days_remaining"] != nil || e["certificate"] != nil || e["reason"] != nil {
				t.Errorf("none = %v", e)
			}
		}
	}
	if errs := doc["errors"].([]any); len(errs) != 1 {
		t.Errorf("errors = %v", errs)
	}
	var empty bytes.Buffer
	_ = WriteJSON(&empty, Report{GeneratedAt: now})
	if !strings.Contains(empty.String(), `"keys": []`) || !strings.Contains(empty.String(), `"errors": []`) {
		t.Errorf("empty report: %s", empty.String())
	}
}

// hostileReport holds names that would act on a terminal, a 300-character name and wide Unicode.
func hostileReport() (Report, []string) {
	names := []string{"\x1b]52;c;ZXZpbA==\x07org\u009b31m", "\x1b[31mred\x1b[0m", strings.Repeat("long-", 60), "キー🔑東京\u202eevil", "=HYPERLINK(\"x\")", "a\"quote\\back"}
	k := key(names[0], names[1], names[2], names[3], expiry.Finding{Kind: expiry.KindCertificate, Certificate: cert(3, "CN="+names[5]+",O=\x1b[2J")})
	k2 := key("o\u2028line", "s\u2029para", "i\x7fdel", names[4], expiry.Unknown("reason with \x1b]8;;http://x\x1b\\link"))
	entries := FromKeys("", []cf.KeyReport{k, k2}, now, expiry.DefaultThresholds)
	return Report{GeneratedAt: now, Thresholds: expiry.DefaultThresholds, Entries: entries}, names
}

func noControl(t *testing.T, what, s string) {
	t.Helper()
	for _, r := range s {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x202e || r == 0x2028 || r == 0x2029 {
			t.Fatalf("%s holds control character %U:\n%q", what, r, s)
		}
	}
}

func TestHostileNamesEveryFormat(t *testing.T) {
	t.Parallel()
	r, names := hostileReport()

	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	noControl(t, "JSON", js.String())
	var doc struct {
		Keys []struct{ Org, Space, Instance, Name string }
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if k := doc.Keys[0]; k.Org != names[0] || k.Space != names[1] || k.Instance != names[2] || k.Name != names[3] {
		t.Errorf("JSON changed names: %+v", k)
	}

	var table bytes.Buffer
	if err := WriteTable(&table, r, TableOptions{Width: 80}); err != nil {
		t.Fatal(err)
	}
	noControl(t, "table", table.String())
	for _, l := range strings.Split(strings.TrimRight(table.String(), "\n"), "\n") {
		if w := safetext.Width(l); w > 80 && !strings.HasPrefix(l, "2 keys") {
			t.Errorf("table line is %d cells wide: %q", w, l)
		}
	}
	if !strings.Contains(table.String(), "…") {
		t.Error("long names not truncated")
	}

	var c bytes.Buffer
	if err := WriteCSV(&c, r, false); err != nil {
		t.Fatal(err)
	}
	noControl(t, "CSV", c.String())
	rows, err := csv.NewReader(&c).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[2][6] != `'=HYPERLINK("x")` {
		t.Errorf("formula cell = %q", rows[2][6])
	}
	if rows[1][2] != names[2] {
		t.Error("CSV truncated a long name")
	}

	var p bytes.Buffer
	if err := WritePrometheus(&p, r); err != nil {
		t.Fatal(err)
	}
	noControl(t, "Prometheus", p.String())
	if !strings.Contains(p.String(), `subject="CN=a\"quote\\back,O="`) {
		t.Errorf("label escaping:\n%s", p.String())
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	r := sample()
	var buf bytes.Buffer
	styled := 0
	err := WriteTable(&buf, r, TableOptions{Style: func(s expiry.Status, cellText string) string {
		styled++
		if safetext.Width(cellText) != 8 {
			t.Errorf("styled cell %q is not padded", cellText)
		}
		return cellText
	}})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "STATUS    DAYS  VALID UNTIL  ORG   SPACE  INSTANCE  KEY") {
		t.Errorf("header = %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "expired   -3d   2026-11-19   acme  prod   cpi       expired-key   old") {
		t.Errorf("first row = %q", lines[1])
	}
	for _, want := range []string{"ca-first      ca-first (CA expires first: 2027-01-06)", "secret-key    no certificate", "unknown-key   credentials not readable: hidden",
		"7 keys: 1 expired, 1 critical, 1 warning, 1 unknown, 2 ok, 1 none (warning ≤ 30d, critical ≤ 7d)"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if styled != 7 {
		t.Errorf("styled %d status cells", styled)
	}
}

func TestPrometheusFormat(t *testing.T) {
	t.Parallel()
	r := sample()
	var buf bytes.Buffer
	if err := WritePrometheus(&buf, r); err != nil {
		t.Fatal(err)
	}
	sample := regexp.MustCompile(`^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? -?[0-9.e+]+$`)
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if strings.HasPrefix(l, "# ") {
			continue
		}
		if !sample.MatchString(l) {
			t.Errorf("not a sample line: %q", l)
		}
	}
	out := buf.String()
	for _, want := range []string{
		`cfkeys_certificate_expiry_seconds{api="https://api.example.org",org="acme",space="prod",instance="cpi",key="expired-key",guid="guid-expired-key",acked="false",subject="CN=old,O=x"} -237600`,
		`cfkeys_key_status{api="https://api.example.org",org="acme",space="dev",instance="cpi",key="unknown-key",guid="guid-unknown-key",acked="false",status="unknown"} 1`,
		`cfkeys_keys{status="ok"} 2`, "cfkeys_scan_errors 0", "cfkeys_scan_timestamp_seconds 1.795338e+09", // expfmt's shortest float
		"# TYPE cfkeys_certificate_expiry_seconds gauge",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
}

// A failed scan still writes Prometheus text: success 0 and the time, no key series. Multi-foundation reports get
// one success series per foundation.
func TestPrometheusScanSuccess(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	failed := Report{GeneratedAt: time.Unix(1795338000, 0), API: "https://api.example.org", Failed: true, Failure: "login failed:\n\x1b[2Jboom"}
	if err := WritePrometheus(&buf, failed); err != nil {
		t.Fatal(err)
	}
	want := "# HELP cfkeys_scan_success 1 when the scan of the foundation ran, 0 when it failed (login, network, API errors).\n" +
		"# TYPE cfkeys_scan_success gauge\n" +
		"cfkeys_scan_success{api=\"https://api.example.org\"} 0\n" +
		"# cfkeys scan failed: login failed: boom\n" +
		"# HELP cfkeys_scan_timestamp_seconds When the scan ran, as a Unix timestamp.\n" +
		"# TYPE cfkeys_scan_timestamp_seconds gauge\n" +
		"cfkeys_scan_timestamp_seconds 1.795338e+09\n" // 1795338000 as Prometheus' own encoder writes it
	if buf.String() != want {
		t.Errorf("failed scan:\n%s\nwant:\n%s", buf.String(), want)
	}

	buf.Reset()
	multi := Report{GeneratedAt: time.Unix(1795338000, 0),
		Foundations: []Foundation{{Name: "eu10", API: "https://api.eu10"}, {Name: "us10", API: "https://api.us10"}},
		Errors:      []Error{{Foundation: "us10", Message: "session expired"}, {Foundation: "eu10", GUID: "g", Message: "503"}}}
	if err := WritePrometheus(&buf, multi); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`cfkeys_scan_success{foundation="eu10",api="https://api.eu10"} 1`, `cfkeys_scan_success{foundation="us10",api="https://api.us10"} 0`, "cfkeys_scan_errors 2"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("multi: missing %s in\n%s", want, buf.String())
		}
	}
	buf.Reset()
	if err := WritePrometheus(&buf, sample()); err != nil || !strings.Contains(buf.String(), `cfkeys_scan_success{api="https://api.example.org"} 1`) {
		t.Errorf("good scan: %v\n%s", err, buf.String())
	}
}

// On a narrow terminal the note column goes entirely before key names are cut: names that differ only at their
// end must stay apart.
func TestTableFitDropsNoteBeforeNames(t *testing.T) {
	t.Parallel()
	keys := []cf.KeyReport{
		key("acme-prod-eu10", "integration", "cpi-orders-inbound", "audit-writer-legacy-ca", expiry.Finding{Kind: expiry.KindCertificate, Certificate: cert(45, "CN=6f1c2b5e-1b8a-4c1e-9a55-0d1c2b3a4f5e,O=x")}),
		key("acme-prod-eu10", "integration", "cpi-orders-inbound", "audit-writer", expiry.Finding{Kind: expiry.KindCertificate, Certificate: cert(200, "CN=0a1b2c3d-1b8a-4c1e-9a55-0d1c2b3a4f5e,O=x")}),
	}
	r := Report{GeneratedAt: now, Thresholds: expiry.DefaultThresholds, Entries: FromKeys("", keys, now, expiry.DefaultThresholds)}
	for _, tc := range []struct {
		width    int
		note     bool
		keyWhole bool
	}{
		{200, true, true},
		{80, false, true},
		{66, false, false},
	} {
		var b bytes.Buffer
		if err := WriteTable(&b, r, TableOptions{Width: tc.width}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if got := strings.Contains(out, "SUBJECT CN / NOTE"); got != tc.note {
			t.Errorf("width %d: note column shown %v\n%s", tc.width, got, out)
		}
		if got := strings.Contains(out, "audit-writer-legacy-ca"); got != tc.keyWhole {
			t.Errorf("width %d: whole key name %v\n%s", tc.width, got, out)
		}
		for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			if w := safetext.Width(l); w > tc.width && !strings.HasPrefix(l, "2 keys") {
				t.Errorf("width %d: line of %d cells: %q", tc.width, w, l)
			}
		}
	}
}

func TestJSONEscapesDELAndLineSeparators(t *testing.T) {
	t.Parallel()
	r, _ := hostileReport()
	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"i\u007fdel"`, `"o\u2028line"`, `"s\u2029para"`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, js.String())
		}
	}
	var doc struct {
		Keys []struct{ Org, Space, Instance string }
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if k := doc.Keys[1]; k.Org != "o\u2028line" || k.Space != "s\u2029para" || k.Instance != "i\x7fdel" {
		t.Errorf("JSON does not round-trip: %+v", k)
	}
}

func TestCSVQuotesFormulaAfterTabOrCR(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"\t=cmd|' /C calc'!A0", "\r+1", "\t-2", "\r@SUM(A1)", " =1+1", "=1+1"} {
		if got := cell(in); !strings.HasPrefix(got, "'") {
			t.Errorf("cell(%q) = %q, want a ' prefix", in, got)
		}
	}
	for _, in := range []string{"plain", "\tplain", "a=b"} {
		if got := cell(in); strings.HasPrefix(got, "'") {
			t.Errorf("cell(%q) = %q, want no prefix", in, got)
		}
	}
}

func TestPipedTableCapsEachColumn(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 10000)
	keys := []cf.KeyReport{
		key(huge, "prod", "cpi", "huge-org", expiry.Finding{Kind: expiry.KindCertificate, Certificate: cert(10, "CN="+huge)}),
		key("acme", "prod", huge, huge, expiry.Unknown(huge)),
		key("acme", "prod", "cpi", "small", expiry.Finding{Kind: expiry.KindCertificate, Certificate: cert(20, "CN=small")}),
	}
	r := Report{GeneratedAt: now, Thresholds: expiry.DefaultThresholds, Entries: FromKeys("", keys, now, expiry.DefaultThresholds)}
	var buf bytes.Buffer
	if err := WriteTable(&buf, r, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	limit := 8 + 5 + 10 + 4*64 + 200 + 2*7 // STATUS, DAYS, VALID UNTIL, four names, the note, gaps
	for _, l := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		if w := safetext.Width(l); w > limit {
			t.Errorf("piped table line is %d cells wide (cap %d): %.80q...", w, limit, l)
		}
	}
	if n := strings.Count(buf.String(), "…"); n < 5 {
		t.Errorf("want the huge cells cut with …, got %d ellipses", n)
	}
}

func TestPrometheusFarFutureExpiry(t *testing.T) {
	t.Parallel()
	far := &expiry.Certificate{SubjectDN: "CN=forever", NotAfter: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), Source: expiry.SourcePEM}
	r := Report{GeneratedAt: now, Thresholds: expiry.DefaultThresholds,
		Entries: FromKeys("", []cf.KeyReport{key("o", "s", "i", "k", expiry.Finding{Kind: expiry.KindCertificate, Certificate: far})}, now, expiry.DefaultThresholds)}
	if d := *r.Entries[0].DaysRemaining; d != 2912117 {
		t.Errorf("days remaining = %d, want 2912117", d)
	}
	var p bytes.Buffer
	if err := WritePrometheus(&p, r); err != nil {
		t.Fatal(err)
	}
	// expfmt writes the shortest float that reads back exactly: 2.51606962799e+11.
	want := "} " + strconv.FormatFloat(float64(far.NotAfter.Unix()-now.Unix()), 'g', -1, 64) + "\n"
	if !strings.Contains(p.String(), want) {
		t.Errorf("expiry seconds: want %q in\n%s", want, p.String())
	}
}

// TestNoteSaysWhyTheDatesDiffer: the note of a key whose certificatedetails and certificate disagree names both
// dates, in the table and in JSON, and the CN is read past the escaped comma.
func TestNoteSaysWhyTheDatesDiffer(t *testing.T) {
	t.Parallel()
	c := cert(2, `CN=Acme\, Inc.,O=x`)
	c.Disagreement = "certificatedetails says 2030-01-01, the certificate itself expires 2026-11-24"
	r := Report{GeneratedAt: now, Thresholds: expiry.DefaultThresholds,
		Entries: FromKeys("", []cf.KeyReport{key("o", "s", "i", "k", expiry.Finding{Kind: expiry.KindCertificate, Certificate: c, Reason: c.Disagreement})}, now, expiry.DefaultThresholds)}
	want := "Acme, Inc. (certificatedetails says 2030-01-01, the certificate itself expires 2026-11-24)"
	if got := Note(r.Entries[0]); got != want {
		t.Errorf("note = %q, want %q", got, want)
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"reason": "`+c.Disagreement+`"`) {
		t.Errorf("JSON lacks the reason:\n%s", js.String())
	}
}
