package cf

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cfkeys/cfkeys/internal/jsonfile"
)

// journalVersion is the version of the journal file format.
const journalVersion = 1

// Journal records a rotation run step by step in a file of its own, rewritten atomically after every step, so
// that a run that was interrupted can be resumed (--resume) and its history read afterwards. It holds names,
// GUIDs, steps and parameters with secrets masked: no credentials, no tokens. It is safe for concurrent use.
type Journal struct {
	path string
	mu   sync.Mutex
	doc  JournalDoc
}

// JournalDoc is the content of a journal file.
type JournalDoc struct {
	Version   int            `json:"version"`
	ID        string         `json:"id"`
	API       string         `json:"api"`
	Command   string         `json:"command"`
	StartedAt time.Time      `json:"started_at"`
	UpdatedAt time.Time      `json:"updated_at"`
	Finished  bool           `json:"finished"`
	Items     []JournalEntry `json:"items"`
}

// JournalEntry is one key of a rotation as the journal keeps it.
type JournalEntry struct {
	OldGUID      string         `json:"old_guid"`
	OldName      string         `json:"old_name"`
	InstanceGUID string         `json:"instance_guid"`
	InstanceName string         `json:"instance_name"`
	NewName      string         `json:"new_name,omitempty"`
	NewGUID      string         `json:"new_guid,omitempty"`
	Step         Step           `json:"step"`
	Parameters   map[string]any `json:"parameters,omitempty"`
	Error        string         `json:"error,omitempty"`
	UpdatedAt    time.Time      `json:"updated_at"`
}

// JournalDir returns where journals are kept: $CFKEYS_STATE_DIR, else cfkeys/journal under the XDG state
// directory ($XDG_STATE_HOME, or ~/.local/state on Linux and the BSDs), else under the OS user config directory.
func JournalDir(getenv func(string) string) (string, error) {
	if d := getenv("CFKEYS_STATE_DIR"); d != "" {
		return d, nil
	}
	if d := getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "cfkeys", "journal"), nil
	}
	if runtime.GOOS != "darwin" && runtime.GOOS != "windows" {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, ".local", "state", "cfkeys", "journal"), nil
		}
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the state directory: %w", err)
	}
	return filepath.Join(base, "cfkeys", "journal"), nil
}

// NewJournal starts the journal of a new run in dir.
func NewJournal(dir, api, command string, now time.Time) (*Journal, error) {
	id := now.UTC().Format("20060102T150405Z") + "-" + randomSuffix()
	j := &Journal{path: filepath.Join(dir, "rotate-"+id+".json"), doc: JournalDoc{
		Version: journalVersion, ID: id, API: api, Command: command, StartedAt: now.UTC(), UpdatedAt: now.UTC(), Items: []JournalEntry{},
	}}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the journal directory %s: %w", dir, err)
	}
	return j, j.save()
}

func randomSuffix() string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// OpenJournal reads an existing journal to continue it.
func OpenJournal(path string) (*Journal, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading journal %s: %w", path, err)
	}
	var doc JournalDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reading journal %s: not a cfkeys journal (%v)", path, err)
	}
	if doc.Version > journalVersion {
		return nil, fmt.Errorf("reading journal %s: written by a newer cfkeys (version %d)", path, doc.Version)
	}
	return &Journal{path: path, doc: doc}, nil
}

// ErrNoJournal says there is no unfinished run to resume.
var ErrNoJournal = errors.New("no unfinished rotation to resume")

// LatestUnfinished returns the newest journal in dir of a run against api that did not finish.
func LatestUnfinished(dir, api string) (*Journal, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoJournal
	}
	if err != nil {
		return nil, fmt.Errorf("reading the journal directory %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "rotate-") && strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names))) // names start with the UTC start time
	for _, n := range names {
		j, err := OpenJournal(filepath.Join(dir, n))
		if err != nil {
			continue
		}
		if !j.doc.Finished && j.doc.API == api {
			return j, nil
		}
	}
	return nil, ErrNoJournal
}

// Path returns the journal's file.
func (j *Journal) Path() string { return j.path }

// Doc returns a copy of the journal's content.
func (j *Journal) Doc() JournalDoc {
	j.mu.Lock()
	defer j.mu.Unlock()
	d := j.doc
	d.Items = append([]JournalEntry(nil), j.doc.Items...)
	return d
}

// Record stores the current state of one key (matched by its old GUID) and rewrites the file.
func (j *Journal) Record(e JournalEntry, now time.Time) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	e.UpdatedAt = now.UTC()
	e.Parameters = safeParameters(e.Parameters)
	e.Error = Redact(strings.TrimSpace(e.Error)) // an error may quote what a server echoed: a token, a password
	j.doc.UpdatedAt = now.UTC()
	for i := range j.doc.Items {
		if j.doc.Items[i].OldGUID == e.OldGUID {
			j.doc.Items[i] = e
			return j.save()
		}
	}
	j.doc.Items = append(j.doc.Items, e)
	return j.save()
}

// Finish marks the run finished (nothing left to resume) and rewrites the file.
func (j *Journal) Finish(now time.Time) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.doc.Finished = true
	j.doc.UpdatedAt = now.UTC()
	return j.save()
}

// save writes the journal atomically with mode 0600. The caller holds j.mu (or owns j alone).
func (j *Journal) save() error {
	if err := jsonfile.Save(j.path, j.doc); err != nil {
		return fmt.Errorf("writing journal %s: %w", j.path, err)
	}
	return nil
}

// safeParameters returns parameters fit for a journal or a plan: secret fields masked, PEM blocks abbreviated.
func safeParameters(p map[string]any) map[string]any {
	if p == nil {
		return nil
	}
	out, _ := abbreviatePEM(mask(toPlainJSON(p), "")).(map[string]any)
	return out
}

// toPlainJSON turns a parameters map into the generic JSON tree mask works on.
func toPlainJSON(p map[string]any) any {
	data, err := json.Marshal(p)
	if err != nil {
		return map[string]any{}
	}
	var tree any
	_ = json.Unmarshal(data, &tree)
	return tree
}
