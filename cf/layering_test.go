package cf

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLayering keeps cf/ independent of the UI: no file under cf/ (tests included) may import ui/, cmd/ or any
// Charm package. The UI imports cf, never the reverse.
func TestLayering(t *testing.T) {
	t.Parallel()
	forbidden := []string{"github.com/cfkeys/cfkeys/ui", "github.com/cfkeys/cfkeys/cmd", "charm.land/", "github.com/charmbracelet/"}
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		files++
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbidden {
				if strings.HasPrefix(p, bad) {
					t.Errorf("%s imports %s", path, p)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 40 {
		t.Errorf("only %d files checked", files)
	}
}
