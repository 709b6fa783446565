package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// TestRotationErrorsRedactSecrets: a Cloud Controller that answers the new key's creation with an error quoting
// the request's Authorization header gets its words into the rotation summary (table and JSON) and the journal,
// but not the token.
func TestRotationErrorsRedactSecrets(t *testing.T) {
	t.Parallel()
	b := newWriteBench(t, cffake.DemoData)
	hostile := cffake.NewHostile(b.f.fake)
	echo := func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"code": 10008, "title": "CF-UnprocessableEntity",
			"detail": "refused request with Authorization: " + r.Header.Get("Authorization")}}})
	}
	attack := hostile.Add(cffake.Attack{Method: http.MethodPost, Path: "/v3/service_credential_bindings", Answer: echo})
	srv := httptest.NewServer(hostile)
	t.Cleanup(srv.Close)
	t.Cleanup(hostile.Close)
	crm := b.key("crm-sync-sender")
	var out strings.Builder
	for _, format := range []string{"table", "json"} {
		stdout, stderr, _ := b.run("key", "rotate", crm.GUID, "--yes", "-o", format, "--api", srv.URL, "--allow-writes")
		out.WriteString(stdout + stderr)
	}
	journals, _ := filepath.Glob(filepath.Join(b.env["CFKEYS_STATE_DIR"], "*", "*"))
	more, _ := filepath.Glob(filepath.Join(b.env["CFKEYS_STATE_DIR"], "*"))
	for _, name := range append(journals, more...) {
		if data, err := os.ReadFile(name); err == nil {
			out.Write(data)
		}
	}
	text := out.String()
	if attack.Hits() < 2 || !strings.Contains(text, "refused request with Authorization") {
		t.Fatalf("the echo did not come through (%d hits):\n%s", attack.Hits(), text)
	}
	if !strings.Contains(text, `"error": "`) || !strings.Contains(text, "Authorization: bearer [redacted]") {
		t.Errorf("no journal read among %v", append(journals, more...))
	}
	if strings.Contains(text, "eyJ") { // every JWT starts so
		t.Errorf("a token reached the output or the journal:\n%s", text)
	}
}
