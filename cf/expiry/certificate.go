package expiry

import "time"

// Kind says what a key's credentials turned out to hold.
type Kind int

// The kinds of finding.
const (
	KindCertificate Kind = iota // a certificate with a known expiry
	KindNone                    // no certificate at all (client id and secret, binding secret, ...)
	KindUnknown                 // a certificate was expected or present but could not be read
)

// Source says where a certificate's expiry was read from.
type Source string

// The sources of an expiry.
const (
	SourceCertificateDetails Source = "certificatedetails" // SAP's certificatedetails object
	SourcePEM                Source = "pem"                // a PEM certificate in the credentials
)

// Certificate holds the public facts about a key's client certificate. It never holds key material.
type Certificate struct {
	SubjectDN string    // RFC 2253 order, most specific RDN first, as SAP and openssl print it
	IssuerDN  string    // same format
	Serial    string    // "0x" and upper-case hex, as SAP prints it
	NotAfter  time.Time // UTC
	NotBefore time.Time // UTC; zero when the expiry came from certificatedetails without a PEM
	Source    Source
	// Path is where in the credentials the expiry was found, e.g. "oauth.certificatedetails" or "uaa.certificate".
	Path string
	// ChainExpiresFirst is set when a CA certificate in the key's chain expires before the leaf: the key will stop
	// working at ChainNotAfter, not at NotAfter.
	ChainExpiresFirst bool
	ChainNotAfter     time.Time // the earliest CA NotAfter, when ChainExpiresFirst
	ChainSubjectDN    string    // the subject of that CA, when ChainExpiresFirst
	// Disagreement is set when certificatedetails and the PEM certificate in the same credentials give different
	// expiries, e.g. "certificatedetails says 2030-01-01, the certificate itself expires 2026-12-04". NotAfter is
	// then the earlier of the two (and Source and Path where it came from).
	Disagreement string
}

// Effective is when the key stops working: the leaf's NotAfter, or the earlier expiry of a CA in its chain.
// Status and days remaining follow it.
func (c *Certificate) Effective() time.Time {
	if c.ChainExpiresFirst && c.ChainNotAfter.Before(c.NotAfter) {
		return c.ChainNotAfter
	}
	return c.NotAfter
}

// Cause says why a finding is KindUnknown, which decides whether it needs attention.
type Cause int

// The causes of an unknown finding.
const (
	CauseUnreadable Cause = iota // the credentials or certificate cannot be read: a broken key needs attention
	CauseHidden                  // the Cloud Controller hides the credentials from this user's role
	CausePending                 // the key is being created or deleted: no credentials yet
	CauseFailed                  // reading the credentials failed (a server error); reported as a scan error
)

// Finding is what Extract learned from one key's credentials.
type Finding struct {
	Kind        Kind
	Certificate *Certificate // set when Kind is KindCertificate
	// Reason explains KindUnknown (and, for KindNone, what kind of credentials the key holds, when known; for
	// KindCertificate, the Certificate's Disagreement, when there is one). It names fields, never their values.
	Reason string
	// Cause classifies KindUnknown.
	Cause Cause
}

// Unknown returns a finding of kind KindUnknown with the given reason, caused by unreadable credentials.
func Unknown(reason string) Finding { return Finding{Kind: KindUnknown, Reason: reason} }

// UnknownBecause returns a finding of kind KindUnknown with a reason and a cause.
func UnknownBecause(cause Cause, reason string) Finding {
	return Finding{Kind: KindUnknown, Reason: reason, Cause: cause}
}

// NeedsAttention reports whether an unknown finding is a problem with the key itself (an unreadable
// certificate), rather than a fact about the user's role or a key in the making.
func (f Finding) NeedsAttention() bool { return f.Kind == KindUnknown && f.Cause == CauseUnreadable }
