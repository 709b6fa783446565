package cffake

import (
	"crypto/x509"
	"sync"
	"time"

	"github.com/cfkeys/cfkeys/cf/pki"
)

// seeded keeps, for the life of the process, the certificate authorities and the seeded keys' certificates of
// every foundation seeded at the same instant of its clock. Signing, checking and encoding a certificate for each
// of the demo's keys was a fifth of the CPU of the tests, which start a fake foundation per test, all on the same
// test clock. Foundations seeded at the same instant get the same certificates, which differ only in what the
// fake makes up anyway (serials, keys already shared by package pki); secrets (passwords, client secrets, tokens)
// stay random per foundation, and certificates for keys created later are always new.
var seeded = struct {
	sync.Mutex
	at    map[int64]*seedMaterial // by the seeding instant, in Unix nanoseconds
	order []int64                 // the instants in at, oldest first
}{at: map[int64]*seedMaterial{}}

// seedMaterial is what foundations seeded at one instant share.
type seedMaterial struct {
	mu     sync.Mutex
	pki    *pkiSet
	leaves map[leafSpec]*pki.Leaf
	descs  map[*x509.Certificate]certDetails // the certificatedetails strings of the leaves above
}

// leafSpec is what a seeded leaf certificate is issued for.
type leafSpec struct {
	subject             string
	shortCA             bool
	notBefore, notAfter int64
}

// maxSeedInstants bounds the cache: a process that seeds foundations on the real clock (each a new instant) keeps
// the material of the latest 16 instants only.
const maxSeedInstants = 16

// seedMaterialAt returns the shared material for foundations seeded at now, creating its certificate authorities
// on first use.
func seedMaterialAt(now time.Time) (*seedMaterial, error) {
	seeded.Lock()
	m, ok := seeded.at[now.UnixNano()]
	if !ok {
		if len(seeded.order) >= maxSeedInstants {
			delete(seeded.at, seeded.order[0])
			seeded.order = seeded.order[1:]
		}
		m = &seedMaterial{leaves: map[leafSpec]*pki.Leaf{}, descs: map[*x509.Certificate]certDetails{}}
		seeded.at[now.UnixNano()] = m
		seeded.order = append(seeded.order, now.UnixNano())
	}
	seeded.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pki == nil {
		p, err := newPKI(now)
		if err != nil {
			return nil, err
		}
		m.pki = p
	}
	return m, nil
}

// leaf returns the leaf issued for spec, issuing it with issue the first time.
func (m *seedMaterial) leaf(spec leafSpec, issue func() (*pki.Leaf, error)) (*pki.Leaf, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.leaves[spec]; ok {
		return l, nil
	}
	l, err := issue()
	if err != nil {
		return nil, err
	}
	m.leaves[spec] = l
	m.descs[l.Cert] = describe(l.Cert)
	return l, nil
}

// details returns the certificatedetails strings of c: kept for a leaf of this material, described anew for any
// other certificate (an external one a key was created with).
func (m *seedMaterial) details(c *x509.Certificate) certDetails {
	m.mu.Lock()
	d, ok := m.descs[c]
	m.mu.Unlock()
	if !ok {
		d = describe(c)
	}
	return d
}
