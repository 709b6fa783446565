package policy

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// Notify is the notify section of a policy file: where cfkeys watch sends its notifications, so a team keeps its
// targets in git beside its rules. It holds no secret: the SMTP password comes from the OS keyring or the
// environment variable PasswordEnv names, and a webhook URL (which works as a password) is best given as
// env:NAME. The values are checked by the commands that use them; each keeps its line for their messages.
type Notify struct {
	SMTP     *SMTP
	Webhooks []Webhook
	// Digest is the time of day of the daily digest, HH:MM ("" for none); DigestLine its line.
	Digest     string
	DigestLine int
	Line       int
}

// SMTP is where e-mail notifications go.
type SMTP struct {
	Server      string // host:port
	Security    string // starttls, tls or none ("" for the default)
	User        string
	PasswordEnv string // the environment variable holding the password, when the keyring has none
	From        string
	To          []string
	Line        int
}

// Webhook is a webhook target as --webhook takes it: FORMAT=URL, the URL possibly env:NAME.
type Webhook struct {
	Spec string
	Line int
}

func parseNotify(n *yaml.Node, fail failFunc) (*Notify, error) {
	out := &Notify{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return nil, fail(n, "notify: want a mapping with smtp, webhooks and digest")
	}
	err := eachField(n, fail, func(key string, v *yaml.Node) error {
		switch key {
		case "smtp":
			s, err := parseSMTP(v, fieldKey(n, key), fail)
			out.SMTP = s
			return err
		case "webhooks":
			if v.Kind != yaml.SequenceNode {
				return fail(v, "notify.webhooks: want a list such as [slack=env:SLACK_URL]")
			}
			for _, w := range v.Content {
				s, err := scalar("notify.webhooks", w, fail)
				if err != nil {
					return err
				}
				if strings.TrimSpace(s) == "" {
					return fail(w, "notify.webhooks: empty entry")
				}
				out.Webhooks = append(out.Webhooks, Webhook{Spec: strings.TrimSpace(s), Line: w.Line})
			}
		case "digest":
			s, err := scalar("notify.digest", v, fail)
			out.Digest, out.DigestLine = strings.TrimSpace(s), v.Line
			return err
		default:
			return fail(v, "notify: unknown field %q (want smtp, webhooks, digest)", key)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// parseSMTP reads the smtp mapping n; what is missing is reported on the line of its key.
func parseSMTP(n, key *yaml.Node, fail failFunc) (*SMTP, error) {
	s := &SMTP{Line: key.Line}
	if n.Kind != yaml.MappingNode {
		return nil, fail(n, "notify.smtp: want a mapping with server and to")
	}
	err := eachField(n, fail, func(key string, v *yaml.Node) error {
		if key == "to" {
			if v.Kind == yaml.ScalarNode {
				s.To = append(s.To, strings.TrimSpace(v.Value))
				return nil
			}
			if v.Kind != yaml.SequenceNode {
				return fail(v, "notify.smtp.to: want an address or a list of them")
			}
			for _, a := range v.Content {
				addr, err := scalar("notify.smtp.to", a, fail)
				if err != nil {
					return err
				}
				s.To = append(s.To, strings.TrimSpace(addr))
			}
			return nil
		}
		val, err := scalar("notify.smtp."+key, v, fail)
		if err != nil {
			return err
		}
		val = strings.TrimSpace(val)
		switch key {
		case "server":
			s.Server = val
		case "security":
			s.Security = val
		case "user":
			s.User = val
		case "password_env":
			s.PasswordEnv = val
		case "from":
			s.From = val
		case "password":
			return fail(v, "notify.smtp.password: a password does not belong in a file; store it with cfkeys notify set-smtp-password, or name an environment variable with password_env")
		default:
			return fail(v, "notify.smtp: unknown field %q (want server, security, user, password_env, from, to)", key)
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case s.Server == "":
		return nil, fail(key, "notify.smtp: needs server (host:port)")
	case len(s.To) == 0:
		return nil, fail(key, "notify.smtp: needs to (one or more addresses)")
	}
	for _, a := range s.To {
		if a == "" {
			return nil, fail(key, "notify.smtp.to: empty address")
		}
	}
	return s, nil
}
