package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/report"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// Format is the payload a webhook expects.
type Format string

// The webhook payloads.
const (
	FormatSlack Format = "slack" // a Slack incoming webhook: text plus blocks
	FormatTeams Format = "teams" // a Microsoft Teams incoming webhook (Workflows): an Adaptive Card message
	FormatJSON  Format = "json"  // the scan JSON schema (cfkeys scan --output json) of the affected keys
)

// Webhook posts notifications to a URL. The URL is a secret (Slack and Teams put the token in the path): it is
// never printed, logged or used as a name; ID names the webhook by its host and a hash.
type Webhook struct {
	Format Format
	URL    *url.URL
	// Thresholds and Policy are written into the generic JSON payload, as scan writes them (Policy names the
	// policy file that judged the keys; empty when one pair of Thresholds applied to every key).
	Thresholds expiry.Thresholds
	Policy     string
	// Client sends the requests (default: a client with a 30-second timeout that follows no redirect).
	Client *http.Client
}

// ParseWebhook reads a webhook as --webhook and a policy file write it, FORMAT=URL, where the URL may be env:NAME
// to read it from the environment (recommended: a flag shows up in ps and in shell history). Its errors name no
// flag or field: the caller says where the value came from.
func ParseWebhook(spec string, getenv func(string) string) (*Webhook, error) {
	format, raw, ok := strings.Cut(spec, "=")
	if !ok {
		return nil, errors.New("want FORMAT=URL, FORMAT one of slack, teams, json (e.g. slack=env:SLACK_WEBHOOK_URL)")
	}
	f := Format(format)
	if f != FormatSlack && f != FormatTeams && f != FormatJSON {
		return nil, fmt.Errorf("unknown format %q (want slack, teams or json)", format)
	}
	if name, isEnv := strings.CutPrefix(raw, "env:"); isEnv {
		if raw = getenv(name); raw == "" {
			return nil, fmt.Errorf("%s: the environment variable %s is empty", format, name)
		}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%s: not an http(s) URL", format) // no echo: the URL may hold a token
	}
	// The URL works as a password: Redact hides it, and its path (which holds the token), wherever a server
	// quotes it, as in a status line.
	cf.NewSecret(u.String())
	cf.NewSecret(u.RequestURI())
	return &Webhook{Format: f, URL: u}, nil
}

// ID names the webhook without revealing its URL: the format, the host and a short hash of the whole URL.
func (w *Webhook) ID() string {
	sum := sha256.Sum256([]byte(w.URL.String()))
	return string(w.Format) + ":" + w.URL.Host + ":" + hex.EncodeToString(sum[:4])
}

// Send posts one message.
func (w *Webhook) Send(ctx context.Context, b Batch) error {
	body, err := w.payload(b)
	if err != nil {
		return err
	}
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %s: %w", w.ID(), err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "cfkeys-watch")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the URL, which holds the token
		}
		return fmt.Errorf("webhook %s: %w", w.ID(), err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook %s: answered %s", w.ID(), resp.Status)
	}
	return nil
}

// payload renders the batch in the webhook's format.
func (w *Webhook) payload(b Batch) ([]byte, error) {
	switch w.Format {
	case FormatSlack:
		return json.Marshal(slackPayload(Compose(b.Events, b.Now)))
	case FormatTeams:
		return json.Marshal(teamsPayload(Compose(b.Events, b.Now)))
	}
	r := report.Report{GeneratedAt: b.Now, Thresholds: w.Thresholds, Policy: w.Policy}
	seen := map[string]bool{}
	for _, e := range b.Events {
		if !seen[e.Key.Foundation] {
			seen[e.Key.Foundation] = true
			r.Foundations = append(r.Foundations, report.Foundation{Name: safetext.Clean(e.Key.Foundation), API: safetext.Clean(e.Key.API)})
		}
		r.Entries = append(r.Entries, e.Key.entry())
	}
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// slackEscape escapes the three characters Slack's mrkdwn gives meaning to.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// maxWebhookRows bounds the keys listed in a chat message (Slack allows 50 blocks); the rest are counted.
const maxWebhookRows = 40

func slackPayload(m Message) map[string]any {
	blocks := []map[string]any{{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "*" + slackEscape(m.Subject) + "*\n" + slackEscape(m.Intro)}}}
	for i, r := range m.Rows {
		if i == maxWebhookRows {
			blocks = append(blocks, map[string]any{"type": "context", "elements": []map[string]any{{"type": "mrkdwn", "text": fmt.Sprintf("and %d more", len(m.Rows)-i)}}})
			break
		}
		blocks = append(blocks, map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": slackEscape(rowLine(r))}})
	}
	return map[string]any{"text": slackEscape(m.Subject), "blocks": blocks}
}

// rowLine is one key on one line, for chat messages.
func rowLine(r Row) string {
	s := fmt.Sprintf("%s: %s / %s / %s / %s / %s", r.Change, r.Foundation, r.Org, r.Space, r.Instance, r.Key)
	if r.Days != "" {
		s += fmt.Sprintf(", %s days (%s)", r.Days, r.Expiry)
	}
	if r.SubjectCN != "" {
		s += ", CN " + r.SubjectCN
	}
	if r.Command != "" {
		s += "\n`" + r.Command + "`"
	}
	return s
}

// teamsEscape backslash-escapes the characters Teams' Markdown gives meaning to in a card's TextBlocks and facts
// (links, autolinks, emphasis, code), so a name shaped like a link is shown as text and cannot become a lure.
func teamsEscape(s string) string {
	return teamsMarkdown.Replace(s)
}

var teamsMarkdown = strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`, "*", `\*`, "_", `\_`, "~", `\~`,
	"`", "\\`", "<", `\<`, ">", `\>`, "#", `\#`)

func teamsPayload(m Message) map[string]any {
	body := []map[string]any{
		{"type": "TextBlock", "text": m.Subject, "weight": "Bolder", "size": "Medium", "wrap": true},
		{"type": "TextBlock", "text": m.Intro, "wrap": true},
	}
	for i, r := range m.Rows {
		if i == maxWebhookRows {
			body = append(body, map[string]any{"type": "TextBlock", "text": fmt.Sprintf("and %d more", len(m.Rows)-i), "wrap": true})
			break
		}
		var facts []map[string]string
		for _, f := range [][2]string{{"Foundation", r.Foundation}, {"Org", r.Org}, {"Space", r.Space}, {"Instance", r.Instance},
			{"Days", r.Days}, {"Expires", r.Expiry}, {"Subject CN", r.SubjectCN}, {"Look at it", r.Command}} {
			if f[1] != "" {
				facts = append(facts, map[string]string{"title": f[0], "value": teamsEscape(f[1])})
			}
		}
		body = append(body,
			map[string]any{"type": "TextBlock", "text": teamsEscape(r.Key + ": " + r.Change), "weight": "Bolder", "wrap": true, "separator": true},
			map[string]any{"type": "FactSet", "facts": facts})
	}
	return map[string]any{
		"type": "message",
		"attachments": []map[string]any{{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"content": map[string]any{
				"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
				"type":    "AdaptiveCard", "version": "1.4", "body": body,
			},
		}},
	}
}
