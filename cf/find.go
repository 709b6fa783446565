package cf

import (
	"context"
	"fmt"
	"strings"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// IsGUID reports whether s, trimmed, looks like a Cloud Controller GUID: 8-4-4-4-12 hexadecimal digits. It is a
// loop rather than a regular expression compiled at start-up, which every cfkeys command would pay for.
func IsGUID(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) != 36 {
		return false
	}
	for i, c := range []byte(s) {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// FindByGUID locates one service credential binding by its GUID with direct requests: the binding, its instance
// (with space, org, plan and offering names), and its credentials unless a sweep already read them. It returns an
// error for which IsNotFound is true when no binding with that GUID is visible.
func (c *Client) FindByGUID(ctx context.Context, guid string) (KeyReport, error) {
	guid = strings.ToLower(strings.TrimSpace(guid))
	k, err := c.ServiceKey(ctx, guid)
	if err != nil {
		return KeyReport{}, err
	}
	si, err := c.ServiceInstance(ctx, k.InstanceGUID)
	if err != nil {
		return KeyReport{}, err
	}
	f, known := c.knownFinding(k)
	if !known {
		creds, err := c.Details(ctx, k.GUID)
		switch {
		case err == nil:
			f = creds.Finding()
			c.remember(k.GUID, f)
		case isFatal(err):
			return KeyReport{}, err
		default:
			f = detailsFailure(err)
		}
	}
	return newKeyReport(k, si, f), nil
}

// Found is what Find found.
type Found struct {
	Keys []KeyReport
	// Errors are the keys the sweep could not check, when a sweep ran.
	Errors []SweepError
	// Swept is set when the foundation was swept: the query was no binding GUID, or a GUID no binding has.
	Swept bool
}

// Find looks keys up by what an admin has at hand. A binding GUID is answered with direct requests (FindByGUID);
// anything else, and a GUID that no visible binding has (SAP's certificate CNs are UUIDs too), is matched against
// every key of a sweep with MatchesCertificate: name, subject and issuer DN (as text and attribute by
// attribute), serial.
func (c *Client) Find(ctx context.Context, query string, o SweepOptions) (Found, error) {
	if IsGUID(query) {
		k, err := c.FindByGUID(ctx, query)
		switch {
		case err == nil:
			return Found{Keys: []KeyReport{k}}, nil
		case !IsNotFound(err):
			return Found{}, err
		}
	}
	res, err := c.Sweep(ctx, o)
	if err != nil {
		return Found{}, err
	}
	out := Found{Errors: res.Errors, Swept: true}
	for _, k := range res.Keys {
		if k.MatchesCertificate(query) {
			out.Keys = append(out.Keys, k)
		}
	}
	return out, nil
}

// MatchesCertificate reports whether query (without regard to case) occurs in the key's name, its certificate's
// subject or issuer DN, or its serial (written with or without 0x and colons), or names the subject or issuer DN
// attribute by attribute (expiry.MatchDN: a DN pasted in openssl's order and spacing, a CN copied from a log).
func (k KeyReport) MatchesCertificate(query string) bool {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return true
	}
	if strings.Contains(strings.ToLower(k.Name), q) {
		return true
	}
	c := k.Finding.Certificate
	if c == nil {
		return false
	}
	if strings.Contains(strings.ToLower(c.SubjectDN), q) || strings.Contains(strings.ToLower(c.IssuerDN), q) {
		return true
	}
	if expiry.MatchDN(query, c.SubjectDN) || expiry.MatchDN(query, c.IssuerDN) {
		return true
	}
	ns := expiry.FoldSerial(query)
	return ns != "" && strings.Contains(expiry.FoldSerial(c.Serial), ns)
}

// Matches is MatchesCertificate widened to everything an admin may type to find a key: also the instance, space
// and org names and the binding GUID.
func (k KeyReport) Matches(query string) bool {
	if k.MatchesCertificate(query) {
		return true
	}
	q := strings.ToLower(strings.TrimSpace(query))
	for _, s := range []string{k.Instance.Name, k.Instance.SpaceName, k.Instance.OrgName, k.GUID} {
		if strings.Contains(strings.ToLower(s), q) {
			return true
		}
	}
	return false
}

// Path returns "org / space / instance / key", for messages.
func (k KeyReport) Path() string {
	return fmt.Sprintf("%s / %s / %s / %s", k.Instance.OrgName, k.Instance.SpaceName, k.Instance.Name, k.Name)
}
