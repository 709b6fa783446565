package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/cf/safetext"
)

// cfCommand is the cf CLI command that shows a key: cf target -o ORG -s SPACE && cf service-key INSTANCE KEY,
// each name quoted for a POSIX shell where it needs it.
func cfCommand(k *cf.KeyReport) string {
	i := k.Instance
	return "cf target -o " + shellQuote(i.OrgName) + " -s " + shellQuote(i.SpaceName) + " && cf service-key " + shellQuote(i.Name) + " " + shellQuote(k.Name)
}

// shellQuote quotes a word for a POSIX shell unless it is plain; control characters are removed first.
func shellQuote(s string) string {
	s = safetext.Clean(s)
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.,:/@+=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ticketSummary is a key in one line for a ticket: KEY · INSTANCE · ORG/SPACE · expires 2026-12-07 (5d) · CN=…
// (or why it has no expiry).
func ticketSummary(k *cf.KeyReport, now time.Time) string {
	i := k.Instance
	parts := []string{k.Name, i.Name, i.OrgName + "/" + i.SpaceName}
	if c := k.Finding.Certificate; c != nil {
		at := c.Effective()
		d := expiry.DaysRemaining(at, now)
		when := "expires"
		if d < 0 {
			when = "expired"
		}
		parts = append(parts, fmt.Sprintf("%s %s (%dd)", when, at.UTC().Format("2006-01-02"), d))
		if c.ChainExpiresFirst {
			parts = append(parts, "its CA expires first")
		}
		parts = append(parts, c.SubjectDN)
	} else {
		parts = append(parts, noteOf(k))
	}
	for j, p := range parts {
		parts[j] = safetext.Clean(p)
	}
	return strings.Join(parts, " · ")
}
