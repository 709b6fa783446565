package policy

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// FileName is the policy file's name in the cfkeys config directory.
const FileName = "policy.yaml"

// DefaultFile is the policy `cfkeys policy init` writes; it parses to the rules of Default.
const DefaultFile = `# cfkeys policy: which thresholds apply to which service keys.
#
# Rules are tried in order; the first whose match fits a key sets its thresholds. A match may name
# foundation (a profile name or the API URL), org, space, offering, plan, instance and key, each a glob
# ("*" any text, "?" one character); a rule without match fits every key.
#
# warning and critical are either days left ("30d", "2w") or a share of the certificate's lifetime left
# ("20%": at most a fifth of its validity remains). A share needs the certificate's issue date; where it
# is not known, 30d and 7d apply. cfkeys scan --warn/--critical override every rule for one run.
version: 1
rules:
  # Integration Suite keys are issued for a year or more and need action weeks ahead.
  - name: integration-suite
    match:
      offering: it-rt
    warning: 30d
    critical: 7d
  # XSUAA x509 keys live 7 days by default (30 at most): days would make them critical from birth.
  - name: xsuaa-x509
    match:
      offering: xsuaa
    warning: 20%
    critical: 10%
  - name: identity-x509
    match:
      offering: identity
    warning: 20%
    critical: 10%
  - name: default
    warning: 30d
    critical: 7d

# Acknowledgements a team shares (cfkeys ack keeps personal ones apart, in acks.json):
# acks:
#   - foundation: https://api.cf.eu10.hana.ondemand.com   # or a profile name
#     guid: 5f0e9c1a-1111-4222-8333-944455556666
#     until: 2027-01-31
#     note: partner decommissioned, CHG0042
#     owner: integration-team
#     serial: "0x5A3C9E10F2"      # optional: the acknowledgement lapses when the certificate changes
`

// FileError is a policy file that cannot be used, with the line at fault (0 when the whole file is).
type FileError struct {
	Path   string
	Line   int
	Reason string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("policy %s: line %d: %s", e.Path, e.Line, e.Reason)
	}
	return fmt.Sprintf("policy %s: %s", e.Path, e.Reason)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse reads a policy file. Every rule and acknowledgement is checked before any is used: a file with one
// mistake is refused as a whole, with the line and the reason.
func Parse(path string, data []byte) (*Policy, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		fe := &FileError{Path: path, Reason: strings.TrimPrefix(err.Error(), "yaml: ")}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			fe.Line, _ = strconv.Atoi(m[1])
			fe.Reason = m[2]
		}
		return nil, fe
	}
	p := &Policy{Source: path}
	if len(doc.Content) == 0 {
		return nil, &FileError{Path: path, Reason: "the file is empty (cfkeys policy init writes one to start from)"}
	}
	fail := func(n *yaml.Node, format string, args ...any) error {
		return &FileError{Path: path, Line: n.Line, Reason: fmt.Sprintf(format, args...)}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fail(root, "want a mapping with version and rules")
	}
	var sawVersion, sawRules bool
	err := eachField(root, fail, func(key string, v *yaml.Node) error {
		switch key {
		case "version":
			sawVersion = true
			if v.Kind != yaml.ScalarNode || v.Value != "1" {
				return fail(v, "version: want 1, not %q", v.Value)
			}
		case "rules":
			sawRules = true
			if v.Kind != yaml.SequenceNode {
				return fail(v, "rules: want a list of rules")
			}
			for _, rn := range v.Content {
				r, err := parseRule(rn, fail)
				if err != nil {
					return err
				}
				p.Rules = append(p.Rules, r)
			}
		case "acks":
			if v.Kind != yaml.SequenceNode {
				return fail(v, "acks: want a list of acknowledgements")
			}
			for _, an := range v.Content {
				a, err := parseAck(an, fail)
				if err != nil {
					return err
				}
				a.Source = path
				p.Acks = append(p.Acks, a)
			}
		case "notify":
			nt, err := parseNotify(v, fail)
			if err != nil {
				return err
			}
			p.Notify = nt
		default:
			return fail(v, "unknown field %q (want version, rules, acks, notify)", key)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !sawVersion {
		return nil, fail(root, "version: missing (want version: 1)")
	}
	if !sawRules || len(p.Rules) == 0 {
		return nil, fail(root, "rules: missing or empty")
	}
	return p, nil
}

type failFunc func(n *yaml.Node, format string, args ...any) error

// eachField calls f for every key of a mapping, in order, refusing a key given twice (the YAML parser keeps
// both when reading into nodes).
func eachField(m *yaml.Node, fail failFunc, f func(key string, v *yaml.Node) error) error {
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Kind != yaml.ScalarNode {
			return fail(k, "want a field name")
		}
		if line, dup := seen[k.Value]; dup {
			return fail(k, "%s: already given on line %d", k.Value, line)
		}
		seen[k.Value] = k.Line
		if err := f(k.Value, m.Content[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// scalar returns a field's text, refusing lists and mappings where text belongs.
func scalar(key string, v *yaml.Node, fail failFunc) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", fail(v, "%s: want a single value", key)
	}
	return v.Value, nil
}

func parseRule(n *yaml.Node, fail failFunc) (Rule, error) {
	r := Rule{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return r, fail(n, "rule: want a mapping with name, match, warning and critical")
	}
	var sawWarning, sawCritical bool
	err := eachField(n, fail, func(key string, v *yaml.Node) error {
		switch key {
		case "name":
			s, err := scalar(key, v, fail)
			r.Name = strings.TrimSpace(s)
			return err
		case "match":
			if v.Kind != yaml.MappingNode {
				return fail(v, "match: want a mapping such as {offering: xsuaa}")
			}
			return eachField(v, fail, func(mk string, mv *yaml.Node) error {
				s, err := scalar("match."+mk, mv, fail)
				if err != nil {
					return err
				}
				if strings.TrimSpace(s) == "" {
					return fail(mv, "match.%s: empty pattern (leave the field out to match anything)", mk)
				}
				field := map[string]*string{"foundation": &r.Match.Foundation, "org": &r.Match.Org, "space": &r.Match.Space,
					"offering": &r.Match.Offering, "plan": &r.Match.Plan, "instance": &r.Match.Instance, "key": &r.Match.Key}[mk]
				if field == nil {
					return fail(fieldKey(v, mk), "match: unknown field %q (want foundation, org, space, offering, plan, instance, key)", mk)
				}
				*field = s
				return nil
			})
		case "warning", "critical":
			s, err := scalar(key, v, fail)
			if err != nil {
				return err
			}
			t, err := ParseThreshold(s)
			if err != nil {
				return fail(v, "%s: %v", key, err)
			}
			if key == "warning" {
				r.Warning, sawWarning = t, true
			} else {
				r.Critical, sawCritical = t, true
			}
		default:
			return fail(v, "rule: unknown field %q (want name, match, warning, critical)", key)
		}
		return nil
	})
	switch {
	case err != nil:
		return r, err
	case r.Name == "":
		return r, fail(n, "rule: name missing")
	case !sawWarning || !sawCritical:
		return r, fail(n, "rule %q: needs both warning and critical", r.Name)
	}
	if err := checkOrder(r.Warning, r.Critical); err != nil {
		return r, fail(n, "rule %q: %v", r.Name, err)
	}
	return r, nil
}

// fieldKey finds the key node of a mapping field, for its line.
func fieldKey(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i]
		}
	}
	return m
}

func parseAck(n *yaml.Node, fail failFunc) (Ack, error) {
	a := Ack{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return a, fail(n, "ack: want a mapping with foundation, guid, until and note")
	}
	var until string
	err := eachField(n, fail, func(key string, v *yaml.Node) error {
		s, err := scalar(key, v, fail)
		if err != nil {
			return err
		}
		switch key {
		case "foundation":
			a.Foundation = strings.TrimSpace(s)
		case "guid":
			a.GUID = strings.ToLower(strings.TrimSpace(s))
		case "key":
			a.Key = s
		case "until":
			until = strings.TrimSpace(s)
			if a.Until, err = time.Parse(time.DateOnly, until); err != nil {
				return fail(v, "until: want a day such as 2027-01-31, not %q", s)
			}
		case "note":
			a.Note = s
		case "owner":
			a.Owner = s
		case "serial":
			a.Serial = strings.TrimSpace(s)
		case "not_after":
			if a.NotAfter, err = time.Parse(time.RFC3339, strings.TrimSpace(s)); err != nil {
				return fail(v, "not_after: want a time such as 2027-01-31T12:00:00Z, not %q", s)
			}
		default:
			return fail(v, "ack: unknown field %q (want foundation, guid, key, until, note, owner, serial, not_after)", key)
		}
		return nil
	})
	switch {
	case err != nil:
		return a, err
	case a.Foundation == "" || a.GUID == "":
		return a, fail(n, "ack: needs foundation and guid")
	case until == "":
		return a, fail(n, "ack for %s: needs until (an acknowledgement without an end date is never reviewed)", a.GUID)
	}
	return a, nil
}
