package policy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

func TestAckLapsesByDate(t *testing.T) {
	t.Parallel()
	k := certKey("it-rt", 365*day, 370*day) // expired five days ago
	until := time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)
	p := Default()
	p.Acks = []Ack{NewAck(k, until, "partner decommissioned, CHG0042", "integration-team", t0)}
	for _, c := range []struct {
		name  string
		now   time.Time
		acked bool
	}{
		{"now", t0, true},
		{"the last second of the end date", time.Date(2026, 6, 10, 23, 59, 59, 0, time.UTC), true},
		{"the day after", time.Date(2026, 6, 11, 0, 0, 0, 0, time.UTC), false},
	} {
		v := p.Judge(k, c.now)
		if v.Acked() != c.acked {
			t.Errorf("%s: acked %v, want %v", c.name, v.Acked(), c.acked)
		}
		// Acknowledged or not, the key keeps its true status.
		if v.Status != expiry.StatusExpired {
			t.Errorf("%s: status %v, want expired", c.name, v.Status)
		}
	}
	if s := p.Acks[0].State(k.Finding.Certificate, time.Date(2026, 6, 11, 0, 0, 0, 0, time.UTC)); s != AckEnded {
		t.Errorf("state %v, want ended", s)
	}
}

func TestAckLapsesWhenTheCertificateChanges(t *testing.T) {
	t.Parallel()
	k := certKey("it-rt", 365*day, 360*day)
	p := Default()
	p.Acks = []Ack{NewAck(k, t0.AddDate(0, 1, 0), "rotation planned", "", t0)}
	if v := p.Judge(k, t0); !v.Acked() || v.Status != expiry.StatusCritical {
		t.Fatalf("not acknowledged: %+v", v)
	}
	// The same certificate written differently still counts as the same.
	same := k
	c := *k.Finding.Certificate
	c.Serial = "0a"
	same.Finding.Certificate = &c
	if !p.Judge(same, t0).Acked() {
		t.Error("the same serial written without 0x lapsed the acknowledgement")
	}
	// The key was rotated: a new serial and expiry. The acknowledgement lapses and the key counts again.
	rotated := k
	nc := *k.Finding.Certificate
	nc.Serial, nc.NotAfter = "0x0B", t0.Add(3*day)
	rotated.Finding.Certificate = &nc
	if v := p.Judge(rotated, t0); v.Acked() {
		t.Error("acknowledgement survived a new certificate")
	}
	if s := p.Acks[0].State(&nc, t0); s != AckCertificateChanged {
		t.Errorf("state %v", s)
	}
	// Same serial, re-issued with a new expiry: changed too.
	reissued := k
	rc := *k.Finding.Certificate
	rc.NotAfter = rc.NotAfter.Add(day)
	reissued.Finding.Certificate = &rc
	if p.Judge(reissued, t0).Acked() {
		t.Error("acknowledgement survived a new expiry")
	}
	// The certificate is gone (the key now holds a secret): changed.
	gone := k
	gone.Finding = expiry.Finding{Kind: expiry.KindNone}
	if p.Judge(gone, t0).Acked() {
		t.Error("acknowledgement survived the certificate's removal")
	}
}

func TestAckIsKeyedByFoundationAndGUID(t *testing.T) {
	t.Parallel()
	k := certKey("it-rt", 365*day, 360*day)
	a := NewAck(k, t0, "n", "", t0)
	if !a.For(k) {
		t.Fatal("not for its own key")
	}
	other := k
	other.API = "https://api.other.example"
	if a.For(other) {
		t.Error("same GUID on another foundation matched")
	}
	slash := k
	slash.API, slash.GUID = "HTTPS://API.example.org/", "5F0E9C1A-1111-4222-8333-944455556666"
	if !a.For(slash) {
		t.Error("API URL or GUID case mattered")
	}
	byName := Ack{Foundation: "eu10", GUID: k.GUID, Until: t0}
	named := k
	named.Foundation = "eu10"
	if !byName.For(named) || byName.For(k) {
		t.Error("a hand-written acknowledgement by profile name")
	}
	// Without serial and expiry (hand-written), any certificate holds.
	if byName.State(nil, t0) != AckActive {
		t.Error("a hand-written acknowledgement without a certificate lapsed")
	}
}

func TestParseUntil(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want string
		err  bool
	}{
		{"2027-01-31", "2027-01-31", false}, {"2026-06-01", "2026-06-01", false}, {"30d", "2026-07-01", false},
		{"2w", "2026-06-15", false}, {"0d", "2026-06-01", false}, {"2026-05-31", "", true}, {"31/01/2027", "", true}, {"", "", true},
	} {
		got, err := ParseUntil(c.in, t0)
		if (err != nil) != c.err || (err == nil && got.Format(time.DateOnly) != c.want) {
			t.Errorf("ParseUntil(%q) = %v, %v; want %s, error %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestAckStore(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "not-yet", AcksFile)
	if acks, err := LoadAcks(path); err != nil || len(acks) != 0 {
		t.Fatalf("missing store: %v %v", acks, err)
	}
	k := certKey("it-rt", 365*day, 360*day)
	a := NewAck(k, time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), "partner decommissioned, CHG0042", "alice", t0)
	acks := PutAck(nil, a)
	b := a
	b.GUID, b.Note = "0000aaaa-1111-4222-8333-944455556666", "second"
	acks = PutAck(acks, b)
	a2 := a
	a2.Note = "replaced"
	acks = PutAck(acks, a2)
	if len(acks) != 2 || acks[0].GUID != b.GUID || acks[1].Note != "replaced" {
		t.Fatalf("put: %+v", acks)
	}
	if err := SaveAcks(path, acks); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode: %v %v", st.Mode(), err)
	}
	back, err := LoadAcks(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 || back[1].Note != "replaced" || back[1].Owner != "alice" || back[1].UntilText() != "2027-01-31" ||
		!back[1].NotAfter.Equal(a.NotAfter) || back[1].Serial != "0x0A" || back[1].Source != path || !back[1].Created.Equal(t0) {
		t.Errorf("round trip: %+v", back)
	}
	// The reloaded acknowledgement still recognises the key's certificate.
	if back[1].State(k.Finding.Certificate, t0) != AckActive {
		t.Error("the stored certificate identity does not match after a reload")
	}
	if left := RemoveAcks(back, "", a.GUID); len(left) != 1 || left[0].GUID != b.GUID {
		t.Errorf("remove: %+v", left)
	}
	if left := RemoveAcks(back, "https://elsewhere", a.GUID); len(left) != 2 {
		t.Errorf("remove on another foundation removed: %+v", left)
	}
	if err := os.WriteFile(path, []byte(`{"schema":1,"acks":[{"foundation":"x","guid":"y","until":"soon"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadAcks(path); err == nil {
		t.Error("a bad date in the store was accepted")
	}
}

// Concurrent acknowledgements each land; none is lost to another's read-modify-write.
func TestUpdateAcksIsSerialised(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), AcksFile)
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- UpdateAcks(path, func(acks []Ack) ([]Ack, error) {
				time.Sleep(time.Millisecond) // widen the read-modify-write window
				return PutAck(acks, Ack{Foundation: "https://api.example.org", GUID: fmt.Sprintf("g%02d", i), Until: t0, Note: "n"}), nil
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	acks, err := LoadAcks(path)
	if err != nil || len(acks) != 12 {
		t.Fatalf("%d of 12 acknowledgements survived: %v", len(acks), err)
	}
	if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
		t.Errorf("lock file left behind: %v", err)
	}
	// A failing change saves nothing.
	if err := UpdateAcks(path, func([]Ack) ([]Ack, error) { return nil, errors.New("no") }); err == nil {
		t.Error("the change's error was lost")
	}
	if acks, _ := LoadAcks(path); len(acks) != 12 {
		t.Errorf("a failed change saved: %d", len(acks))
	}
}
