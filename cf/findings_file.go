package cf

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/internal/atomicfile"
)

// findingsVersion is the format of a findings file. A file of another version is ignored and rewritten.
const findingsVersion = 1

// maxFindingsFile bounds the size of a findings file that is read: 10,000 findings take about 5 MB.
const maxFindingsFile = 256 << 20

// findingsExt ends the name of every findings file; cache clear removes only files with it.
const findingsExt = ".findings.json"

// findingsFile is what one file holds: the findings of one foundation (API origin) as seen by one user or client.
// It holds only public certificate facts, never a credential value, token, key or certificate body.
type findingsFile struct {
	Version   int             `json:"version"`
	Origin    string          `json:"origin"`
	Principal string          `json:"principal"` // "user:<id>" or "client:<id>", whose view of the foundation
	SavedAt   time.Time       `json:"saved_at"`
	Keys      []storedFinding `json:"keys"`
}

// storedFinding is one key's finding and when its credentials were read.
type storedFinding struct {
	GUID         string             `json:"guid"`
	InstanceGUID string             `json:"instance_guid"`
	ReadAt       time.Time          `json:"read_at"`
	Kind         string             `json:"kind"` // certificate, none or unreadable
	Reason       string             `json:"reason,omitempty"`
	Certificate  *storedCertificate `json:"certificate,omitempty"`
}

// storedCertificate is expiry.Certificate as written to disk.
type storedCertificate struct {
	Subject           string    `json:"subject"`
	Issuer            string    `json:"issuer"`
	Serial            string    `json:"serial"`
	NotAfter          time.Time `json:"not_after"`
	NotBefore         time.Time `json:"not_before,omitzero"`
	Source            string    `json:"source"`
	Path              string    `json:"path,omitempty"`
	ChainExpiresFirst bool      `json:"chain_expires_first,omitempty"`
	ChainNotAfter     time.Time `json:"chain_not_after,omitzero"`
	ChainSubject      string    `json:"chain_subject,omitempty"`
}

// The kinds a stored finding may have. Hidden, pending and failed findings are never stored: they say nothing
// about the key's credentials, only about the moment or the user's role.
const (
	storedCertificateKind = "certificate"
	storedNoneKind        = "none"
	storedUnreadableKind  = "unreadable"
)

// storable reports whether a finding says what a key's credentials hold (and so stays true as long as the key
// exists), as opposed to why they could not be read.
func storable(f expiry.Finding) bool {
	switch f.Kind {
	case expiry.KindCertificate:
		return f.Certificate != nil
	case expiry.KindNone:
		return true
	}
	return f.Kind == expiry.KindUnknown && f.Cause == expiry.CauseUnreadable
}

// toStored converts a storable finding for the file.
func toStored(guid, instance string, readAt time.Time, f expiry.Finding) storedFinding {
	s := storedFinding{GUID: guid, InstanceGUID: instance, ReadAt: readAt.UTC(), Reason: f.Reason}
	switch f.Kind {
	case expiry.KindCertificate:
		c := f.Certificate
		s.Kind = storedCertificateKind
		s.Certificate = &storedCertificate{Subject: c.SubjectDN, Issuer: c.IssuerDN, Serial: c.Serial, NotAfter: c.NotAfter,
			NotBefore: c.NotBefore, Source: string(c.Source), Path: c.Path, ChainExpiresFirst: c.ChainExpiresFirst,
			ChainNotAfter: c.ChainNotAfter, ChainSubject: c.ChainSubjectDN}
	case expiry.KindNone:
		s.Kind = storedNoneKind
	default:
		s.Kind = storedUnreadableKind
	}
	return s
}

// finding converts a stored finding back; ok is false for an entry this version cannot read.
func (s storedFinding) finding() (expiry.Finding, bool) {
	if s.GUID == "" || s.ReadAt.IsZero() {
		return expiry.Finding{}, false
	}
	switch s.Kind {
	case storedCertificateKind:
		c := s.Certificate
		if c == nil || c.NotAfter.IsZero() {
			return expiry.Finding{}, false
		}
		return expiry.Finding{Kind: expiry.KindCertificate, Reason: s.Reason, Certificate: &expiry.Certificate{
			SubjectDN: c.Subject, IssuerDN: c.Issuer, Serial: c.Serial, NotAfter: c.NotAfter.UTC(), NotBefore: c.NotBefore.UTC(),
			Source: expiry.Source(c.Source), Path: c.Path, ChainExpiresFirst: c.ChainExpiresFirst,
			ChainNotAfter: c.ChainNotAfter.UTC(), ChainSubjectDN: c.ChainSubject}}, true
	case storedNoneKind:
		return expiry.Finding{Kind: expiry.KindNone, Reason: s.Reason}, true
	case storedUnreadableKind:
		return expiry.UnknownBecause(expiry.CauseUnreadable, s.Reason), true
	}
	return expiry.Finding{}, false
}

// sameEntries reports whether two sets of stored findings are the same.
func sameEntries(a, b map[string]storedFinding) bool {
	if len(a) != len(b) {
		return false
	}
	for guid, x := range a {
		y, ok := b[guid]
		if !ok || !x.equal(y) {
			return false
		}
	}
	return true
}

// equal compares two stored findings, their times as instants.
func (s storedFinding) equal(o storedFinding) bool {
	if s.GUID != o.GUID || s.InstanceGUID != o.InstanceGUID || !s.ReadAt.Equal(o.ReadAt) || s.Kind != o.Kind || s.Reason != o.Reason {
		return false
	}
	a, b := s.Certificate, o.Certificate
	if a == nil || b == nil {
		return a == b
	}
	return a.Subject == b.Subject && a.Issuer == b.Issuer && a.Serial == b.Serial && a.NotAfter.Equal(b.NotAfter) &&
		a.NotBefore.Equal(b.NotBefore) && a.Source == b.Source && a.Path == b.Path && a.ChainExpiresFirst == b.ChainExpiresFirst &&
		a.ChainNotAfter.Equal(b.ChainNotAfter) && a.ChainSubject == b.ChainSubject
}

// findingsFileName names the file of a foundation and principal: the API's host, readable for an admin who
// lists the directory, and a hash of origin and principal that keeps users and ports apart.
func findingsFileName(origin, principal string) string {
	sum := sha256.Sum256([]byte(origin + "\x00" + principal))
	host := origin
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	host = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '_'
	}, host)
	if len(host) > 64 {
		host = host[:64]
	}
	return host + "-" + hex.EncodeToString(sum[:6]) + findingsExt
}

// readFindingsFile reads a findings file. A missing file is (nil, nil); a file that cannot be used (corrupt, of
// another version, or of another foundation or principal) is an error the caller reports and moves past.
func readFindingsFile(path, origin, principal string) (*findingsFile, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err == nil && fi.Size() > maxFindingsFile {
		return nil, fmt.Errorf("the findings cache %s is larger than %d MB (ignored, it will be rewritten)", path, maxFindingsFile>>20)
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the findings cache %s: %w", path, err)
	}
	var f findingsFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("the findings cache %s is corrupt (ignored, it will be rewritten): %w", path, err)
	}
	if f.Version != findingsVersion {
		return nil, fmt.Errorf("the findings cache %s has version %d, not %d (ignored, it will be rewritten)", path, f.Version, findingsVersion)
	}
	if origin != "" && (f.Origin != origin || f.Principal != principal) {
		return nil, fmt.Errorf("the findings cache %s belongs to another foundation or user (ignored, it will be rewritten)", path)
	}
	return &f, nil
}

// writeFindingsFile replaces a findings file atomically, readable by its owner only.
func writeFindingsFile(path string, f *findingsFile) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating the cache directory: %w", err)
	}
	sort.Slice(f.Keys, func(i, j int) bool { return f.Keys[i].GUID < f.Keys[j].GUID })
	err := atomicfile.Write(path, 0o600, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(f)
	})
	if err != nil {
		return fmt.Errorf("writing the findings cache %s: %w", path, err)
	}
	return nil
}
