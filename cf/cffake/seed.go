package cffake

import (
	"cmp"
	"fmt"
	"strings"
	"time"
)

// The seeded foundation's principals.
const (
	// AdminUser may read every key (cloud_controller.admin).
	AdminUser = "admin"
	// DeveloperUser is a Space Developer in most spaces, only a Space Auditor in acme-dev/sandbox (so the keys
	// there are listed but their credentials hidden), and not a member of partner-hub at all.
	DeveloperUser = "developer"
	// SSOUser logs in through the "corp-idp" identity provider (password grant with origin, or SSO passcode).
	SSOUser = "jane.doe@example.com"
	// SSOOrigin is SSOUser's identity provider origin key.
	SSOOrigin = "corp-idp"
	// MonitorClient is a UAA client with cloud_controller.admin_read_only, for client-credentials logins.
	MonitorClient = "cfkeys-monitor"
)

// keyKind says what a seeded key holds.
type keyKind int

const (
	kindCert        keyKind = iota // it-rt certificate key: certificatedetails + chain + private key
	kindCertCAFirst                // like kindCert, issued by a CA that expires before the leaf
	kindSecret                     // it-rt client id + secret
	kindExternal                   // it-rt external certificate: customer PEM + certificatedetails, no key
	kindXSUAAX509                  // XSUAA x509: PEM chain only
	kindXSUAASecret                // XSUAA binding secret
	kindPlainX509                  // Event Mesh / Identity: top-level certificate
	kindAuditX509                  // Audit Log: uaa.certificate
	kindCreating                   // last operation "create in progress": no credentials yet
	kindMalformed                  // a certificate field holding a broken PEM
)

type keySeed struct {
	name string
	kind keyKind
	days int // days until the certificate expires (negative: expired that long ago)
}

type instSeed struct {
	name, offering, plan string
	keys                 []keySeed
}

type spaceSeed struct {
	name     string
	devRole  string // DeveloperUser's role here ("" = none)
	ssoRole  string // SSOUser's role here
	services []instSeed
}

type orgSeed struct {
	name   string
	spaces []spaceSeed
}

// offeringSeeds are the marketplace: offering -> plans.
var offeringSeeds = []struct {
	name, description, broker string
	plans                     []string
}{
	{"it-rt", "Process Integration Runtime", "sm-integration-suite", []string{"integration-flow", "api"}},
	{"xsuaa", "Authorization & Trust Management", "sm-xsuaa", []string{"application", "broker"}},
	{"enterprise-messaging", "Event Mesh", "sm-event-mesh", []string{"default"}},
	{"auditlog", "Audit Log Service", "sm-auditlog", []string{"oauth2"}},
	{"identity", "Cloud Identity Services", "sm-identity", []string{"application"}},
	{"destination", "Destination Service", "sm-destination", []string{"lite"}},
}

// demoOrgs is the demo foundation: keys expiring from long ago to over a year ahead, every credential shape SAP
// uses, a key being created, a malformed certificate, a CA that expires before its leaf, a space where the
// developer is only an auditor, and wide Unicode names.
var demoOrgs = []orgSeed{
	{name: "acme-prod", spaces: []spaceSeed{
		{name: "integration", devRole: RoleSpaceDeveloper, ssoRole: RoleSpaceDeveloper, services: []instSeed{
			{"cpi-orders-inbound", "it-rt", "integration-flow", []keySeed{
				{"erp-orders-sender", kindCert, 412}, {"crm-sync-sender", kindCert, 5},
				{"partner-edi-external", kindExternal, 23}, {"legacy-basic-auth", kindSecret, 0},
			}},
			{"cpi-monitoring-api", "it-rt", "api", []keySeed{
				{"grafana-monitoring", kindCert, -3}, {"deploy-pipeline", kindSecret, 0}, {"ops-dashboard", kindCert, 187},
			}},
		}},
		{name: "apps", devRole: RoleSpaceDeveloper, services: []instSeed{
			{"orders-app-uaa", "xsuaa", "application", []keySeed{
				{"orders-app-x509", kindXSUAAX509, 6}, {"orders-app-x509-next", kindXSUAAX509, 28}, {"orders-app-secret", kindXSUAASecret, 0},
			}},
			{"orders-events", "enterprise-messaging", "default", []keySeed{{"em-orders-client", kindPlainX509, 61}}},
			{"orders-audit", "auditlog", "oauth2", []keySeed{{"audit-writer", kindAuditX509, 200}, {"audit-writer-legacy-ca", kindCertCAFirst, 300}}},
			{"orders-destinations", "destination", "lite", nil},
		}},
	}},
	{name: "acme-dev", spaces: []spaceSeed{
		{name: "dev", devRole: RoleSpaceDeveloper, services: []instSeed{
			{"cpi-dev", "it-rt", "integration-flow", []keySeed{
				{"dev-sender-today", kindCert, 0}, {"dev-sender-new", kindCreating, 0},
				{"dev-broken-cert", kindMalformed, 0}, {"dev-sender-old", kindCert, -40},
			}},
			{"dev-uaa", "xsuaa", "application", []keySeed{{"dev-x509", kindXSUAAX509, 2}}},
		}},
		{name: "sandbox", devRole: RoleSpaceAuditor, services: []instSeed{
			{"cpi-sandbox", "it-rt", "integration-flow", []keySeed{{"sandbox-sender", kindCert, 15}, {"sandbox-secret", kindSecret, 0}}},
			{"sandbox-ias", "identity", "application", []keySeed{{"ias-x509", kindPlainX509, 29}}},
		}},
	}},
	{name: "partner-hub", spaces: []spaceSeed{
		{name: "東京-integration", services: []instSeed{
			{"cpi-tokyo", "it-rt", "integration-flow", []keySeed{{"tokyo-sender-🔑", kindCert, 190}, {"大阪-partner", kindCert, 44}}},
		}},
	}},
}

// hostileOrg holds names meant to break terminals and layouts; Dataset.Hostile adds it.
var hostileOrg = orgSeed{name: "\x1b]52;c;ZXZpbA==\x07hostile-org", spaces: []spaceSeed{
	{name: "\x1b[31mred-space\x1b[0m", devRole: RoleSpaceDeveloper, services: []instSeed{
		{strings.Repeat("very-long-instance-name-", 12) + "end", "it-rt", "integration-flow", []keySeed{
			{"\x1b]8;;https://evil.example\x1b\\click-me\x1b]8;;\x1b\\", kindCert, 9},
			{"キー🔑東京\u202eevil", kindCert, 3},
			{strings.Repeat("k", 300), kindSecret, 0},
		}},
	}},
}}

// seed builds the foundation chosen by the options.
func (s *Server) seed() error {
	now := s.now()
	var err error
	if s.seeding, err = seedMaterialAt(now); err != nil {
		return err
	}
	defer func() { s.seeding = nil }()
	s.pki = s.seeding.pki
	s.seedPrincipals()
	for i, of := range offeringSeeds {
		o := &offering{GUID: stableUUID("offering", of.name), Name: of.name, Description: of.description, BrokerGUID: stableUUID("broker", of.broker), BrokerName: of.broker, CreatedAt: now.AddDate(-3, 0, i),
			BindingsRetrievable: of.name == "it-rt" || of.name == "xsuaa"}
		s.offers[o.GUID] = o
		for _, pn := range of.plans {
			p := &plan{GUID: stableUUID("plan", of.name, pn), Name: pn, OfferingGUID: o.GUID, CreatedAt: o.CreatedAt}
			s.plans[p.GUID] = p
		}
	}
	orgs := demoOrgs
	if s.opts.Data.BulkKeys > 0 {
		orgs = bulkOrgs(s.opts.Data.BulkKeys, cmp.Or(s.opts.Data.BulkKeysPerInstance, 10))
	}
	if s.opts.Data.Hostile {
		orgs = append(append([]orgSeed{}, orgs...), hostileOrg)
	}
	for oi, os := range orgs {
		if err := s.seedOrg(oi, os, now); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) seedPrincipals() {
	s.users[AdminUser] = &user{GUID: stableUUID("user", AdminUser), Name: AdminUser, Origin: "uaa", Password: s.secret(),
		Scopes: []string{scopeAdmin, scopeRead, scopeWrite}, SpaceRoles: map[string][]string{}, OrgRoles: map[string][]string{}}
	s.users[DeveloperUser] = &user{GUID: stableUUID("user", DeveloperUser), Name: DeveloperUser, Origin: "uaa", Password: s.secret(),
		Scopes: []string{scopeRead, scopeWrite}, SpaceRoles: map[string][]string{}, OrgRoles: map[string][]string{}}
	s.users[SSOUser] = &user{GUID: stableUUID("user", SSOUser), Name: SSOUser, Origin: SSOOrigin, Password: s.secret(),
		Scopes: []string{scopeRead, scopeWrite}, SpaceRoles: map[string][]string{}, OrgRoles: map[string][]string{}}
	s.clients[MonitorClient] = &uaaClient{ID: MonitorClient, Secret: s.secret(), Scopes: []string{scopeAdminReadOnly, "uaa.none"}}
}

func (s *Server) seedOrg(oi int, os orgSeed, now time.Time) error {
	o := &org{GUID: stableUUID("org", os.name), Name: os.name, CreatedAt: now.AddDate(0, 0, -400+oi)}
	s.orgs[o.GUID] = o
	for si, ss := range os.spaces {
		sp := &space{GUID: stableUUID("space", os.name, ss.name), Name: ss.name, OrgGUID: o.GUID, CreatedAt: o.CreatedAt.AddDate(0, 0, si+1)}
		s.spaces[sp.GUID] = sp
		if ss.devRole != "" {
			s.users[DeveloperUser].SpaceRoles[sp.GUID] = []string{ss.devRole}
		}
		if ss.ssoRole != "" {
			s.users[SSOUser].SpaceRoles[sp.GUID] = []string{ss.ssoRole}
		}
		for ii, is := range ss.services {
			inst := &instance{
				GUID: stableUUID("instance", os.name, ss.name, is.name), Name: is.name, Type: "managed", SpaceGUID: sp.GUID,
				PlanGUID: stableUUID("plan", is.offering, is.plan), CreatedAt: sp.CreatedAt.AddDate(0, 0, ii+1), Tags: []string{},
				Parameters: map[string]any{},
			}
			inst.UpdatedAt = inst.CreatedAt
			inst.LastOp = lastOp{Type: "create", State: "succeeded", Description: strPtr("Operation succeeded"), CreatedAt: inst.CreatedAt, UpdatedAt: inst.CreatedAt}
			if is.offering == "it-rt" {
				inst.Parameters = map[string]any{"grant-types": []string{"client_credentials"}, "roles": []string{"ESBMessaging.send"}}
			}
			s.insts[inst.GUID] = inst
			for ki, ks := range is.keys {
				if err := s.seedKey(inst, ki, ks, now); err != nil {
					return fmt.Errorf("key %q: %w", ks.name, err)
				}
			}
		}
	}
	return nil
}

func (s *Server) seedKey(si *instance, ki int, ks keySeed, now time.Time) error {
	// Six hours past the day boundary, so a key seeded "5 days" shows 5 days remaining all day long.
	spec := certSpec{notAfter: now.Add(time.Duration(ks.days)*24*time.Hour + 6*time.Hour)}
	created := spec.notAfter.AddDate(-1, 0, 0)
	if !created.Before(now) {
		created = now.Add(-time.Duration(ki+1) * time.Hour)
	}
	created = created.Truncate(time.Second)
	b := &binding{GUID: stableUUID("key", si.GUID, ks.name), Name: ks.name, Type: "key", InstanceGUID: si.GUID, CreatedAt: created, UpdatedAt: created,
		LastOp: lastOp{Type: "create", State: "succeeded", Description: strPtr(""), CreatedAt: created, UpdatedAt: created}}
	var err error
	switch ks.kind {
	case kindCert:
		spec.subject = sapSubject(si, ks.name)
		b.Parameters = map[string]any{"key-type": "certificate", "validity": 365, "key-length": 2048}
		b.Credentials, err = s.itRTCertificate(si, ks.name, spec, created)
	case kindCertCAFirst:
		spec.subject, spec.shortCA = clientSubject(si, ks.name), true
		b.Credentials, err = s.auditLogX509(si, ks.name, spec, created)
	case kindSecret:
		b.Credentials = s.itRTSecret(si, ks.name, created)
	case kindExternal:
		spec.subject = "CN=" + ks.name + ".partner.example,O=Example Partner GmbH,L=Walldorf,C=DE"
		var leaf string
		if leaf, err = s.leafPEM(spec, now); err == nil {
			b.Parameters = map[string]any{"key-type": "certificate_external", "X.509": leaf}
			b.Credentials, err = s.itRTExternal(si, ks.name, leaf, created)
		}
	case kindXSUAAX509:
		spec.subject = clientSubject(si, ks.name)
		b.Parameters = map[string]any{"credential-type": "x509", "x509": map[string]any{"key-length": 2048, "validity": 30, "validity-type": "DAYS"}}
		b.Credentials, err = s.xsuaaX509(si, ks.name, spec, created)
	case kindXSUAASecret:
		b.Credentials = s.xsuaaSecret(si)
	case kindPlainX509:
		spec.subject = clientSubject(si, ks.name)
		b.Credentials, err = s.plainX509(si, ks.name, spec, created)
	case kindAuditX509:
		spec.subject = clientSubject(si, ks.name)
		b.Credentials, err = s.auditLogX509(si, ks.name, spec, created)
	case kindCreating:
		b.CreatedAt, b.UpdatedAt = now.Add(-2*time.Minute), now.Add(-2*time.Minute)
		b.LastOp = lastOp{Type: "create", State: "in progress", CreatedAt: b.CreatedAt, UpdatedAt: b.CreatedAt}
	case kindMalformed:
		b.Credentials = s.itRTSecret(si, ks.name, created)
		oauth := b.Credentials["oauth"].(map[string]any)
		delete(oauth, "clientsecret")
		oauth["certificate"] = "-----BEGIN CERTIFICATE-----\nMIIFdemoTHISisNOTvalidDER==\n-----END CERTIFICATE-----\n"
		oauth["key"] = "-----BEGIN RSA PRIVATE KEY-----\n" + s.secret() + "\n-----END RSA PRIVATE KEY-----\n"
	}
	if err != nil {
		return err
	}
	s.binds[b.GUID] = b
	return nil
}

// leafPEM issues a lone leaf certificate (an external certificate a customer brings), returning its PEM.
func (s *Server) leafPEM(spec certSpec, now time.Time) (string, error) {
	leaf, _, err := s.issue(spec, now)
	if err != nil {
		return "", err
	}
	return leaf.CertPEM, nil
}

// bulkOrgs spreads n certificate keys over orgs of 10 spaces of 5 instances of up to perInstance keys, with
// expiries spread from 30 days ago to 469 days ahead.
func bulkOrgs(n, perInstance int) []orgSeed {
	var orgs []orgSeed
	for k := 0; k < n; {
		o := orgSeed{name: fmt.Sprintf("bulk-org-%03d", len(orgs))}
		for sp := 0; sp < 10 && k < n; sp++ {
			ss := spaceSeed{name: fmt.Sprintf("space-%02d", sp), devRole: RoleSpaceDeveloper}
			for in := 0; in < 5 && k < n; in++ {
				is := instSeed{name: fmt.Sprintf("cpi-%03d-%02d-%d", len(orgs), sp, in), offering: "it-rt", plan: "integration-flow"}
				for kk := 0; kk < perInstance && k < n; kk++ {
					is.keys = append(is.keys, keySeed{name: fmt.Sprintf("key-%05d", k), kind: kindCert, days: (k*37)%500 - 30})
					k++
				}
				ss.services = append(ss.services, is)
			}
			o.spaces = append(o.spaces, ss)
		}
		orgs = append(orgs, o)
	}
	return orgs
}
