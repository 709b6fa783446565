package main

import (
	"io"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
)

// TestTimeoutFlags checks that scan and find take --request-timeout (default 30s) and --timeout (default none)
// into their options, without a foundation.
func TestTimeoutFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		args        []string
		wantRequest time.Duration
		wantWhole   time.Duration
	}{
		{"defaults", nil, cf.DefaultRequestTimeout, 0},
		{"both", []string{"--request-timeout", "5s", "--timeout", "2m"}, 5 * time.Second, 2 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := defaultApp(nil, io.Discard, io.Discard, func(string) string { return "" })
			var scan *scanOptions
			cmd := newScanCmd(a, func(_ *cobra.Command, o *scanOptions) error { scan = o; return nil })
			cmd.SetArgs(tc.args)
			if err := cmd.Execute(); err != nil || scan == nil {
				t.Fatalf("scan: %v", err)
			}
			if scan.connect.RequestTimeout != tc.wantRequest || scan.Timeout != tc.wantWhole {
				t.Errorf("scan: request %s, whole %s; want %s, %s", scan.connect.RequestTimeout, scan.Timeout, tc.wantRequest, tc.wantWhole)
			}
			if got := a.clientOptions(scan.connect).RequestTimeout; got != tc.wantRequest {
				t.Errorf("client options carry a request timeout of %s", got)
			}
			var find *findOptions
			cmd = newFindCmd(a, func(_ *cobra.Command, o *findOptions) error { find = o; return nil })
			cmd.SetArgs(append([]string{"query"}, tc.args...))
			if err := cmd.Execute(); err != nil || find == nil {
				t.Fatalf("find: %v", err)
			}
			if find.connect.RequestTimeout != tc.wantRequest || find.Timeout != tc.wantWhole {
				t.Errorf("find: request %s, whole %s; want %s, %s", find.connect.RequestTimeout, find.Timeout, tc.wantRequest, tc.wantWhole)
			}
		})
	}
}
