package ui

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cfkeys/cfkeys/cf"
	"github.com/cfkeys/cfkeys/cf/expiry"
	"github.com/cfkeys/cfkeys/internal/testclock"
)

var uiNow = testclock.Start

// certKey is a key whose certificate expires days (and six hours) after uiNow.
func certKey(guid, name string, si cf.ServiceInstance, days int) cf.KeyReport {
	return cf.KeyReport{GUID: guid, Name: name, Type: "key", Instance: si, CreatedAt: uiNow.AddDate(0, -2, 0),
		LastOperation: cf.LastOperation{Type: "create", State: "succeeded"},
		Finding: expiry.Finding{Kind: expiry.KindCertificate, Certificate: &expiry.Certificate{
			SubjectDN: "CN=" + name + ",OU=Demo,O=Demo Corp,C=DE", IssuerDN: "CN=Demo CA,O=cffake,C=DE", Serial: fmt.Sprintf("0x%X", 0xABC000+days+1000),
			NotAfter: uiNow.Add(time.Duration(days)*24*time.Hour + 6*time.Hour), Source: expiry.SourceCertificateDetails, Path: "oauth.certificatedetails"}}}
}

func plainKey(guid, name string, si cf.ServiceInstance, f expiry.Finding) cf.KeyReport {
	return cf.KeyReport{GUID: guid, Name: name, Type: "key", Instance: si, Finding: f, LastOperation: cf.LastOperation{Type: "create", State: "succeeded"}}
}

func inst(guid, name, org, orgGUID, space, spaceGUID, offering, plan string) cf.ServiceInstance {
	return cf.ServiceInstance{GUID: guid, Name: name, Type: "managed", OrgGUID: orgGUID, OrgName: org, SpaceGUID: spaceGUID, SpaceName: space, OfferingName: offering, PlanName: plan}
}

// testSnapshot is a small foundation: two orgs, three spaces (one without instances), four instances (one
// without keys), nine keys from expired to a year ahead, a client-secret key and an unreadable one.
func testSnapshot() *Snapshot {
	orders := inst("i-orders", "cpi-orders", "acme-prod", "o-prod", "integration", "s-int", "it-rt", "integration-flow")
	mon := inst("i-mon", "cpi-monitoring", "acme-prod", "o-prod", "integration", "s-int", "it-rt", "api")
	uaa := inst("i-uaa", "orders-uaa", "acme-prod", "o-prod", "apps", "s-apps", "xsuaa", "application")
	empty := inst("i-dest", "destinations", "acme-prod", "o-prod", "apps", "s-apps", "destination", "lite")
	dev := inst("i-dev", "cpi-dev", "acme-dev", "o-dev", "dev", "s-dev", "it-rt", "integration-flow")
	return &Snapshot{
		Orgs:      []cf.Organization{{GUID: "o-prod", Name: "acme-prod"}, {GUID: "o-dev", Name: "acme-dev"}},
		Spaces:    []cf.Space{{GUID: "s-int", Name: "integration", OrgGUID: "o-prod"}, {GUID: "s-apps", Name: "apps", OrgGUID: "o-prod"}, {GUID: "s-dev", Name: "dev", OrgGUID: "o-dev"}, {GUID: "s-empty", Name: "sandbox", OrgGUID: "o-dev"}},
		Instances: []cf.ServiceInstance{orders, mon, uaa, empty, dev},
		Keys: []cf.KeyReport{
			certKey("11111111-1111-4111-8111-111111111111", "erp-sender", orders, 412),
			certKey("22222222-2222-4222-8222-222222222222", "crm-sender", orders, 5),
			plainKey("33333333-3333-4333-8333-333333333333", "basic-auth", orders, expiry.Finding{Kind: expiry.KindNone, Reason: "client id and secret, no certificate"}),
			certKey("44444444-4444-4444-8444-444444444444", "grafana", mon, -3),
			certKey("55555555-5555-4555-8555-555555555555", "dashboard", mon, 187),
			certKey("66666666-6666-4666-8666-666666666666", "app-x509", uaa, 23),
			certKey("77777777-7777-4777-8777-777777777777", "dev-today", dev, 0),
			plainKey("88888888-8888-4888-8888-888888888888", "dev-broken", dev, expiry.Unknown("the certificate in oauth.certificate is not valid PEM")),
			certKey("99999999-9999-4999-8999-999999999999", "dev-old", dev, -40),
		},
	}
}

// stubBackend serves canned snapshots and credentials, counting calls; tests control when a load finishes.
type stubBackend struct {
	mu       sync.Mutex
	snaps    []*Snapshot // served in turn; the last one repeats
	loads    int
	details  int
	loadErr  error
	gate     chan struct{}   // when set, Load waits for it
	parked   chan<- struct{} // told when Load starts waiting at the gate
	progress []cf.Progress
	creds    map[string]string
	stopped  chan struct{} // when set, told when a load's context ends at the gate
	partial  *Snapshot     // when set, Load shows it before it waits at the gate
}

func (b *stubBackend) Load(ctx context.Context, progress func(cf.Progress), partial func(*Snapshot)) (*Snapshot, error) {
	b.mu.Lock()
	gate, err, parked, stopped := b.gate, b.loadErr, b.parked, b.stopped
	steps, early := b.progress, b.partial
	b.mu.Unlock()
	for _, p := range steps {
		progress(p)
	}
	if early != nil {
		partial(early)
	}
	if gate != nil {
		if parked != nil {
			parked <- struct{}{}
		}
		select {
		case <-gate:
		case <-ctx.Done():
			if stopped != nil {
				stopped <- struct{}{}
			}
			return nil, ctx.Err()
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.loads++
	if err != nil {
		return nil, err
	}
	i := min(b.loads-1, len(b.snaps)-1)
	return b.snaps[i], nil
}

func (b *stubBackend) Details(ctx context.Context, guid string) (cf.KeyCredentials, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.details++
	c, ok := b.creds[guid]
	if !ok {
		return cf.KeyCredentials{}, errors.New("GET /v3/service_credential_bindings/" + guid + "/details: 404 Not Found CF-ResourceNotFound (10010): Service credential binding not found")
	}
	return cf.NewKeyCredentials([]byte(c)), nil
}

func (b *stubBackend) counts() (loads, details int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.loads, b.details
}
