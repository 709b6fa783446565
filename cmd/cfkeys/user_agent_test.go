package main

import (
	"testing"

	"github.com/cfkeys/cfkeys/cf"
)

// TestUserAgentCarriesVersion checks that the version goreleaser sets (main.version) reaches every client's
// User-Agent.
func TestUserAgentCarriesVersion(t *testing.T) {
	old := version
	version = "v9.8.7"
	t.Cleanup(func() { version = old })
	a := defaultApp(nil, nil, nil, func(string) string { return "" })
	if got := a.cfOptions(cf.Options{}).UserAgent; got != "cfkeys/v9.8.7" {
		t.Errorf("UserAgent = %q, want cfkeys/v9.8.7", got)
	}
}
