package jsonfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type doc struct {
	Version int               `json:"version"`
	Notes   map[string]string `json:"notes"`
}

func TestSaveAndLoad(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "config", "cfkeys")
	path := filepath.Join(dir, "state.json")

	// A missing file: found is false, v keeps its defaults.
	got := doc{Version: 7}
	if found, err := Load(path, &got); found || err != nil || got.Version != 7 {
		t.Fatalf("missing file: found %v, err %v, v %+v", found, err, got)
	}

	want := doc{Version: 1, Notes: map[string]string{"k": "<partner> & co"}}
	if err := Save(path, want); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("file mode: %v %v", st, err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode: %v %v", st, err)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), "\n  \"notes\": {\n    \"k\": \"<partner> & co\"") {
		t.Errorf("not indented JSON with HTML characters as they are:\n%s", b)
	}
	got = doc{}
	if found, err := Load(path, &got); !found || err != nil || got.Version != 1 || got.Notes["k"] != "<partner> & co" {
		t.Errorf("load: found %v, err %v, v %+v", found, err, got)
	}

	// A file kept private by its owner stays so; saving again keeps its mode.
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, want); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("the mode of an existing file changed to %v", st.Mode().Perm())
	}
}

func TestLoadErrorsNameThePath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	var v doc
	if found, err := Load(bad, &v); !found || err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("corrupt file: found %v, err %v", found, err)
	}
	if b, _ := os.ReadFile(bad); string(b) != "{not json" {
		t.Error("loading changed the file")
	}
	if _, err := Load(dir, &v); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("a directory: %v", err)
	}
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Save(filepath.Join(blocker, "state.json"), v); err == nil {
		t.Error("no error saving under a file")
	}
}
