package notify

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/cfkeys/cfkeys/internal/jsonfile"
)

// stateVersion is the version of the state file; a file of another version is refused rather than misread.
const stateVersion = 1

// maxOutbox bounds the events kept for a target that keeps failing, so a dead webhook cannot grow the state file
// without end; the oldest are dropped first.
const maxOutbox = 1000

// State is what the notifier remembers between sweeps and restarts: the keys of every foundation as last seen,
// the events not yet delivered to each target, and when the last digest went out.
type State struct {
	Version     int                       `json:"version"`
	Foundations map[string]map[string]Key `json:"foundations"` // foundation name -> key GUID -> key
	Outbox      map[string][]Event        `json:"outbox,omitempty"`
	LastDigest  time.Time                 `json:"last_digest,omitzero"`
}

func newState() *State {
	return &State{Version: stateVersion, Foundations: map[string]map[string]Key{}, Outbox: map[string][]Event{}}
}

// LoadState reads the state file; a missing file is an empty state.
func LoadState(path string) (*State, error) {
	st := newState()
	if _, err := jsonfile.Load(path, st); err != nil {
		return nil, fmt.Errorf("reading notification state: %w (move it away to start afresh)", err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("notification state %s has version %d, this cfkeys reads %d (move it away to start afresh)", path, st.Version, stateVersion)
	}
	if st.Foundations == nil {
		st.Foundations = map[string]map[string]Key{}
	}
	if st.Outbox == nil {
		st.Outbox = map[string][]Event{}
	}
	return st, nil
}

// Save replaces the state file atomically (readable by its owner only: it names orgs and keys), creating its
// directory when missing.
func (s *State) Save(path string) error {
	if err := jsonfile.Save(path, s); err != nil {
		return fmt.Errorf("saving notification state: %w", err)
	}
	return nil
}

// enqueue adds events to a target's outbox, dropping the oldest beyond maxOutbox. It returns how many it dropped.
func (s *State) enqueue(target string, events []Event) int {
	box := append(s.Outbox[target], events...)
	dropped := 0
	if len(box) > maxOutbox {
		dropped = len(box) - maxOutbox
		box = slices.Clone(box[dropped:])
	}
	s.Outbox[target] = box
	return dropped
}

// sortEvents orders events by urgency of their kind, then by where the key lives.
func sortEvents(events []Event) {
	rank := map[Kind]int{KindExpired: 0, KindCritical: 1, KindWarning: 2, KindNew: 3, KindGone: 4, KindDigest: 5, KindTest: 6}
	slices.SortStableFunc(events, func(a, b Event) int {
		if c := cmp.Compare(rank[a.Kind], rank[b.Kind]); c != 0 {
			return c
		}
		if a.Kind == KindDigest {
			if c := cmp.Compare(urgency(a.Key.Status), urgency(b.Key.Status)); c != 0 {
				return c
			}
		}
		for _, p := range [][2]string{{a.Key.Foundation, b.Key.Foundation}, {a.Key.Org, b.Key.Org}, {a.Key.Space, b.Key.Space}, {a.Key.Instance, b.Key.Instance}, {a.Key.Name, b.Key.Name}, {a.Key.GUID, b.Key.GUID}} {
			if c := cmp.Compare(p[0], p[1]); c != 0 {
				return c
			}
		}
		return 0
	})
}
