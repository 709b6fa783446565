package policy

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDefaultFileIsTheBuiltInPolicy(t *testing.T) {
	t.Parallel()
	p, err := Parse("policy.yaml", []byte(DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Rules {
		p.Rules[i].Line = 0
	}
	if !reflect.DeepEqual(p.Rules, Default().Rules) {
		t.Errorf("policy init writes\n%+v\nthe built-in policy is\n%+v", p.Rules, Default().Rules)
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	p, err := Parse("team.yaml", []byte(`version: 1
rules:
  - name: prod-cpi
    match: {foundation: eu10*, org: acme-prod, offering: it-rt, plan: api, space: "*", instance: cpi-*, key: "*-sender"}
    warning: 2w
    critical: 20%
  - name: rest
    warning: 30d
    critical: 7d
acks:
  - foundation: https://api.cf.eu10.hana.ondemand.com
    guid: 5F0E9C1A-1111-4222-8333-944455556666
    until: 2027-01-31
    note: "partner decommissioned, CHG0042"
    owner: integration-team
    serial: "0x5A3C"
    not_after: 2026-12-01T00:00:00Z
`))
	if err != nil {
		t.Fatal(err)
	}
	want := Rule{Name: "prod-cpi", Line: 3, Warning: Days(14), Critical: Share(20),
		Match: Match{Foundation: "eu10*", Org: "acme-prod", Offering: "it-rt", Plan: "api", Space: "*", Instance: "cpi-*", Key: "*-sender"}}
	if !reflect.DeepEqual(p.Rules[0], want) || len(p.Rules) != 2 {
		t.Errorf("rules: %+v", p.Rules)
	}
	if len(p.Acks) != 1 || p.Acks[0].GUID != "5f0e9c1a-1111-4222-8333-944455556666" || p.Acks[0].UntilText() != "2027-01-31" ||
		p.Acks[0].Source != "team.yaml" || p.Acks[0].Line != 11 || p.Acks[0].NotAfter.IsZero() || p.Acks[0].Serial != "0x5A3C" {
		t.Errorf("acks: %+v", p.Acks)
	}
}

func TestParseNotify(t *testing.T) {
	t.Parallel()
	p, err := Parse("team.yaml", []byte(`version: 1
rules:
  - name: rest
    warning: 30d
    critical: 7d
notify:
  smtp:
    server: smtp.example.org:587
    security: tls
    user: cfkeys
    password_env: TEAM_SMTP_PASSWORD
    from: cfkeys@example.org
    to: [ops@example.org, " sec@example.org"]
  webhooks:
    - slack=env:SLACK_URL
    - json=https://hooks.example.org/cfkeys
  digest: "08:00"
`))
	if err != nil {
		t.Fatal(err)
	}
	want := &Notify{Line: 7, Digest: "08:00", DigestLine: 17,
		SMTP: &SMTP{Server: "smtp.example.org:587", Security: "tls", User: "cfkeys", PasswordEnv: "TEAM_SMTP_PASSWORD", From: "cfkeys@example.org",
			To: []string{"ops@example.org", "sec@example.org"}, Line: 7},
		Webhooks: []Webhook{{Spec: "slack=env:SLACK_URL", Line: 15}, {Spec: "json=https://hooks.example.org/cfkeys", Line: 16}}}
	if !reflect.DeepEqual(p.Notify, want) {
		t.Errorf("notify:\n%+v %+v\nwant\n%+v %+v", p.Notify, p.Notify.SMTP, want, want.SMTP)
	}
	if q, err := p.Override(&Threshold{Days: 60}, nil); err != nil || q.Notify != p.Notify {
		t.Errorf("--warn loses the notify section: %v", err)
	}
	if p, err := Parse("p.yaml", []byte("version: 1\nrules:\n  - name: r\n    warning: 30d\n    critical: 7d\n")); err != nil || p.Notify != nil {
		t.Errorf("no notify section: %+v %v", p, err)
	}
}

// A malformed file is refused as a whole, with its line and the reason.
func TestParseRefusesMalformedFiles(t *testing.T) {
	t.Parallel()
	rule := "version: 1\nrules:\n  - name: r\n    warning: 30d\n    critical: 7d\n"
	cases := []struct {
		name, in string
		line     int
		reason   string
	}{
		{"syntax", "version: 1\nrules:\n  - name: r\n  warning 30d\n  - x: y\n  z\n", 4, "could not find expected ':'"},
		{"tab indentation", "version: 1\nrules:\n\t- name: r\n", 3, "cannot start any token"},
		{"empty", "", 0, "empty"},
		{"not a mapping", "- a\n", 1, "want a mapping"},
		{"no version", "rules:\n  - name: r\n    warning: 30d\n    critical: 7d\n", 1, "version: missing"},
		{"wrong version", "version: 2\nrules: []\n", 1, "want 1"},
		{"no rules", "version: 1\n", 1, "rules: missing"},
		{"rules not a list", "version: 1\nrules: {}\n", 2, "list of rules"},
		{"unknown top field", rule + "rulez: []\n", 6, `unknown field "rulez"`},
		{"unknown rule field", rule + "    warn: 10d\n", 6, `unknown field "warn"`},
		{"unknown match field", "version: 1\nrules:\n  - name: r\n    match:\n      offring: xsuaa\n    warning: 30d\n    critical: 7d\n", 5, `unknown field "offring"`},
		{"empty pattern", "version: 1\nrules:\n  - name: r\n    match: {org: \"\"}\n    warning: 30d\n    critical: 7d\n", 4, "empty pattern"},
		{"bad threshold", "version: 1\nrules:\n  - name: r\n    warning: soon\n    critical: 7d\n", 4, `warning: duration "soon"`},
		{"share of 100", "version: 1\nrules:\n  - name: r\n    warning: 30d\n    critical: 100%\n", 5, "less than 100%"},
		{"missing critical", "version: 1\nrules:\n  - name: r\n    warning: 30d\n", 3, "needs both"},
		{"missing name", "version: 1\nrules:\n  - warning: 30d\n    critical: 7d\n", 3, "name missing"},
		{"critical above warning", "version: 1\nrules:\n  - name: r\n    warning: 7d\n    critical: 30d\n", 3, "must not be above"},
		{"share critical above share warning", "version: 1\nrules:\n  - name: r\n    warning: 10%\n    critical: 20%\n", 3, "must not be above"},
		{"duplicate field", "version: 1\nrules:\n  - name: r\n    warning: 30d\n    warning: 20d\n    critical: 7d\n", 5, "already given on line 4"},
		{"list for a value", "version: 1\nrules:\n  - name: r\n    warning: [30d]\n    critical: 7d\n", 4, "single value"},
		{"ack without until", rule + "acks:\n  - foundation: eu10\n    guid: g\n    note: n\n", 7, "needs until"},
		{"ack bad until", rule + "acks:\n  - foundation: eu10\n    guid: g\n    until: next week\n", 9, "want a day"},
		{"ack without guid", rule + "acks:\n  - foundation: eu10\n    until: 2027-01-01\n", 7, "needs foundation and guid"},
		{"notify not a mapping", rule + "notify: [a]\n", 6, "notify: want a mapping"},
		{"notify unknown field", rule + "notify:\n  mail: {}\n", 7, `unknown field "mail"`},
		{"smtp password in the file", rule + "notify:\n  smtp:\n    server: smtp.example.org:587\n    password: hunter2\n    to: ops@example.org\n", 9, "does not belong in a file"},
		{"smtp without server", rule + "notify:\n  smtp:\n    to: [ops@example.org]\n", 7, "needs server"},
		{"smtp without to", rule + "notify:\n  smtp:\n    server: smtp.example.org:587\n", 7, "needs to"},
		{"smtp unknown field", rule + "notify:\n  smtp:\n    host: smtp.example.org\n", 8, `unknown field "host"`},
		{"webhooks not a list", rule + "notify:\n  webhooks: slack=env:S\n", 7, "want a list"},
		{"empty webhook", rule + "notify:\n  webhooks: [\"\"]\n", 7, "empty entry"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, err := Parse("p.yaml", []byte(c.in))
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, %v; want a FileError", p, err)
			}
			if p != nil {
				t.Error("a refused file still returned a policy")
			}
			if fe.Line != c.line || !strings.Contains(fe.Reason, c.reason) {
				t.Errorf("line %d, reason %q; want line %d, a reason with %q", fe.Line, fe.Reason, c.line, c.reason)
			}
			if c.line > 0 && !strings.Contains(err.Error(), "p.yaml: line ") {
				t.Errorf("message does not name the file and line: %v", err)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, FileName)
	if p, err := Load(missing, false); err != nil || p.Source != BuiltIn {
		t.Errorf("default path missing: %v %v", p, err)
	}
	if _, err := Load(missing, true); err == nil {
		t.Error("a named policy file that does not exist was accepted")
	}
	if err := os.WriteFile(missing, []byte(DefaultFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if p, err := Load(missing, true); err != nil || p.Source != missing || len(p.Rules) != 4 {
		t.Errorf("written file: %v %v", p, err)
	}
}

// The README shows the default file exactly as policy init writes it.
func TestReadmeShowsTheDefaultFile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "```yaml\n"+DefaultFile+"```\n") {
		t.Error("README.md does not show policy.DefaultFile verbatim in a yaml block")
	}
}

// The README's example rules and acknowledgements parse.
func TestReadmeExamplesParse(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(b), "```yaml\n")[1:]
	n := 0
	for _, blk := range blocks {
		blk = blk[:strings.Index(blk, "```")]
		var doc string
		switch {
		case strings.HasPrefix(blk, "  - name:"):
			doc = "version: 1\nrules:\n" + blk
		case strings.HasPrefix(blk, "acks:"):
			doc = "version: 1\nrules:\n  - name: r\n    warning: 30d\n    critical: 7d\n" + blk
		default:
			continue
		}
		n++
		if _, err := Parse("README.md", []byte(doc)); err != nil {
			t.Errorf("%v in\n%s", err, blk)
		}
	}
	if n != 3 {
		t.Errorf("checked %d examples, want 3", n)
	}
}
