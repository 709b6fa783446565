package cf

import (
	"io"
	"log"
	"net/http/httptest"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/internal/testclock"
)

// hostileFoundation is a fake foundation behind a hostile front, served over real HTTP (or HTTPS) for one test.
type hostileFoundation struct {
	*foundation
	hostile *cffake.Hostile
}

// newHostileFoundation serves a fake foundation behind a hostile front; with tls, over HTTPS with
// testcert.Localhost, which the options' HTTP client trusts.
func newHostileFoundation(t testing.TB, fo cffake.Options, tls bool) *hostileFoundation {
	t.Helper()
	clock := testclock.New(testNow)
	fo.Clock = clock.Now
	fake, err := cffake.New(fo)
	if err != nil {
		t.Fatal(err)
	}
	h := cffake.NewHostile(fake)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = quietLog // hung and reset answers make the server log; the test checks what matters
	if tls {
		startTLS(srv)
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	t.Cleanup(h.Close) // runs first: releases hanging answers so srv.Close can return
	return &hostileFoundation{foundation: &foundation{fake: fake, srv: srv, clock: clock, sleeps: &sleepRecorder{}}, hostile: h}
}

// newWitness serves a witness: the other origin an attack sends the client to. Over TLS it uses testcert.Localhost,
// which every test server's client trusts, so nothing but cfkeys' own rules keeps the token from it.
func newWitness(t testing.TB, tls bool) (*cffake.Witness, *httptest.Server) {
	t.Helper()
	w := &cffake.Witness{}
	srv := httptest.NewUnstartedServer(w)
	srv.Config.ErrorLog = quietLog
	if tls {
		startTLS(srv)
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return w, srv
}

// newLoginFront serves f's foundation from a second origin over https, as a UAA on its own host; it returns the
// origin.
func newLoginFront(t testing.TB, f *hostileFoundation) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(f.fake)
	srv.Config.ErrorLog = quietLog
	startTLS(srv)
	t.Cleanup(srv.Close)
	return srv.URL
}

// quietLog discards the log of test servers.
var quietLog = log.New(io.Discard, "", 0)
