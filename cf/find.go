package cf

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsGUID reports whether s looks like a Cloud Controller GUID.
func IsGUID(s string) bool { return guidRE.MatchString(strings.TrimSpace(s)) }

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
	r := KeyReport{GUID: k.GUID, Name: k.Name, Type: k.Type, CreatedAt: k.CreatedAt, LastOperation: k.LastOperation, Instance: si}
	switch f, cached := c.cached(k.GUID); {
	case cached:
		r.Finding = f
	case !k.LastOperation.Succeeded():
		r.Finding = pendingFinding(k.LastOperation)
	default:
		creds, err := c.Details(ctx, k.GUID)
		switch {
		case err == nil:
			r.Finding = creds.Finding()
			c.remember(k.GUID, r.Finding)
		case isFatal(err):
			return KeyReport{}, err
		default:
			r.Finding = detailsFailure(err)
		}
	}
	return r, nil
}

// normaliseSerial folds a serial for matching: lower case, no 0x prefix, no colons (openssl prints AB:CD:...).
func normaliseSerial(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "0x")
	return strings.ReplaceAll(s, ":", "")
}

// MatchesCertificate reports whether query (without regard to case) occurs in the key's name, its certificate's
// subject or issuer DN, or its serial (written with or without 0x and colons).
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
	ns := normaliseSerial(query)
	return ns != "" && strings.Contains(normaliseSerial(c.Serial), ns)
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
