package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cfkeys/cfkeys/internal/filelock"
	"github.com/cfkeys/cfkeys/internal/jsonfile"
)

// AcksFile is the name of the acknowledgement store in the cfkeys config directory.
const AcksFile = "acks.json"

// storeSchema is the version of the store's format.
const storeSchema = 1

// storeDoc is the store as written: machine-written JSON, not meant to be edited by hand (a team that shares
// acknowledgements puts them in a policy file).
type storeDoc struct {
	Schema int         `json:"schema"`
	Acks   []storedAck `json:"acks"`
}

type storedAck struct {
	Ack
	Until    string `json:"until"`
	NotAfter string `json:"not_after,omitempty"`
	Created  string `json:"created_at,omitempty"`
}

// LoadAcks reads the acknowledgement store at path; a missing file holds none.
func LoadAcks(path string) ([]Ack, error) {
	var doc storeDoc
	found, err := jsonfile.Load(path, &doc)
	if err != nil {
		return nil, fmt.Errorf("reading acknowledgements: %w", err)
	}
	if !found {
		return nil, nil
	}
	if doc.Schema != storeSchema {
		return nil, fmt.Errorf("reading acknowledgements %s: schema %d, want %d", path, doc.Schema, storeSchema)
	}
	out := make([]Ack, 0, len(doc.Acks))
	for i, s := range doc.Acks {
		a := s.Ack
		a.Source = path
		if a.Until, err = time.Parse(time.DateOnly, s.Until); err != nil {
			return nil, fmt.Errorf("reading acknowledgements %s: entry %d: until: %w", path, i+1, err)
		}
		if s.NotAfter != "" {
			if a.NotAfter, err = time.Parse(time.RFC3339, s.NotAfter); err != nil {
				return nil, fmt.Errorf("reading acknowledgements %s: entry %d: not_after: %w", path, i+1, err)
			}
		}
		if s.Created != "" {
			a.Created, _ = time.Parse(time.RFC3339, s.Created)
		}
		if a.GUID == "" || a.Foundation == "" {
			return nil, fmt.Errorf("reading acknowledgements %s: entry %d has no foundation or GUID", path, i+1)
		}
		out = append(out, a)
	}
	return out, nil
}

// SaveAcks replaces the store at path atomically, readable by its owner only (0600): notes may name partners
// and change tickets. It creates the directory (0700) when missing.
func SaveAcks(path string, acks []Ack) error {
	doc := storeDoc{Schema: storeSchema, Acks: make([]storedAck, 0, len(acks))}
	for _, a := range acks {
		s := storedAck{Ack: a, Until: a.UntilText()}
		if !a.NotAfter.IsZero() {
			s.NotAfter = a.NotAfter.UTC().Format(time.RFC3339)
		}
		if !a.Created.IsZero() {
			s.Created = a.Created.UTC().Format(time.RFC3339)
		}
		doc.Acks = append(doc.Acks, s)
	}
	// jsonfile creates the config directory: scan --api needs no login, so nothing else may have made it.
	if err := jsonfile.Save(path, doc); err != nil {
		return fmt.Errorf("writing acknowledgements: %w", err)
	}
	return nil
}

// UpdateAcks changes the store at path under a lock: it re-reads the store, applies change and saves the
// result, so that two cfkeys acknowledging keys at once (a terminal and the UI, two team members on one
// machine) never lose each other's acknowledgements. A change that fails saves nothing.
func UpdateAcks(path string, change func([]Ack) ([]Ack, error)) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("writing acknowledgements: %w", err)
	}
	unlock, err := filelock.Acquire(path+".lock", "the acknowledgements")
	if err != nil {
		return err
	}
	defer unlock()
	acks, err := LoadAcks(path)
	if err != nil {
		return err
	}
	if acks, err = change(acks); err != nil {
		return err
	}
	return SaveAcks(path, acks)
}

// PutAck adds an acknowledgement, replacing one for the same foundation and binding GUID, and keeps the list
// ordered by foundation and GUID so the file diffs well.
func PutAck(acks []Ack, a Ack) []Ack {
	out := RemoveAcks(acks, a.Foundation, a.GUID)
	out = append(out, a)
	slices.SortStableFunc(out, func(x, y Ack) int {
		if c := strings.Compare(normalAPI(x.Foundation), normalAPI(y.Foundation)); c != 0 {
			return c
		}
		return strings.Compare(strings.ToLower(x.GUID), strings.ToLower(y.GUID))
	})
	return out
}

// RemoveAcks drops the acknowledgements of a binding GUID; foundation narrows it to one foundation's when set.
func RemoveAcks(acks []Ack, foundation, guid string) []Ack {
	out := make([]Ack, 0, len(acks))
	for _, a := range acks {
		if strings.EqualFold(a.GUID, strings.TrimSpace(guid)) && (foundation == "" || normalAPI(a.Foundation) == normalAPI(foundation)) {
			continue
		}
		out = append(out, a)
	}
	return out
}
