package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// TestRotationJSONIsTerminalSafe: key rotate -o json writes names holding bidi and C1 controls as \u escapes, as
// scan -o json does, so the document read on a terminal does nothing but print, and decodes to the same names.
func TestRotationJSONIsTerminalSafe(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.Dataset{Hostile: true})
	var guid, name string
	for _, k := range f.fake.Keys() {
		if strings.ContainsRune(k.Name, '\u202e') {
			guid, name = k.GUID, k.Name
		}
	}
	if guid == "" {
		t.Fatal("no key with a bidi control in its name")
	}
	stdout, stderr, code := run(t, f.adminEnv(), "key", "rotate", guid, "--dry-run", "-o", "json", "--api", f.url)
	if code != 0 || !strings.Contains(stdout, `\u202e`) {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.ContainsRune(stdout, '\u202e') {
		t.Errorf("the plan holds a raw U+202E:\n%s", stdout)
	}
	var doc struct {
		Plan []struct {
			OldName string `json:"old_name"`
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || len(doc.Plan) != 1 || doc.Plan[0].OldName != name {
		t.Errorf("the plan does not decode to the name: %v %+v", err, doc)
	}
}
