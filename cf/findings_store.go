package cf

import (
	"hash/fnv"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// DefaultCacheMaxAge is how long a stored finding is trusted at most before the key's credentials are read
// again. A key's credentials cannot change, but a CredHub reference can resolve to new ones behind the same
// binding; a week bounds how long such a change goes unseen.
const DefaultCacheMaxAge = 7 * 24 * time.Hour

// FindingsStore keeps the findings of a DetailsCache on disk between runs, one file per foundation (API origin)
// and user or client, so that a scan in a new process reads only the credentials of keys it has not seen: each
// read writes an audit event on the foundation and counts against its rate limit. Only what a key's certificate
// says is stored (see storable), never a credential value, token, key or certificate body.
//
// A finding is read again once it is older than its limit, which lies between half the maximum age and the
// maximum age, fixed per key by a hash of its GUID: keys first read together fall due over days, a few per
// scan, rather than all on one scan. A file that cannot be used (corrupt, another version) is reported to
// OnError, ignored and rewritten by the next sweep; failing to write it is reported the same way. Neither
// stops a sweep. It is safe for concurrent use.
type FindingsStore struct {
	dir     string
	maxAge  time.Duration
	onError func(error)

	mu     sync.Mutex
	scopes map[string]*storedScope
}

// NewFindingsStore returns a store in dir (created when first written). maxAge at or below zero means
// DefaultCacheMaxAge; onError, when set, hears about files that could not be read or written.
func NewFindingsStore(dir string, maxAge time.Duration, onError func(error)) *FindingsStore {
	if maxAge <= 0 {
		maxAge = DefaultCacheMaxAge
	}
	if onError == nil {
		onError = func(error) {}
	}
	return &FindingsStore{dir: dir, maxAge: maxAge, onError: onError, scopes: map[string]*storedScope{}}
}

// Dir returns the directory of the store's files.
func (s *FindingsStore) Dir() string { return s.dir }

// NewPersistentDetailsCache returns an empty details cache that loads from and saves to store.
func NewPersistentDetailsCache(store *FindingsStore) *DetailsCache {
	d := NewDetailsCache()
	d.store = store
	return d
}

// storedScope is the state of one file: what it held (or was last written with), and which keys this process
// read itself, when.
type storedScope struct {
	key               string // the DetailsCache prefix: origin NUL principal NUL
	origin, principal string
	path              string

	mu      sync.Mutex
	loaded  bool
	current bool                     // the file holds entries as they are: a sweep that changes nothing need not write
	entries map[string]storedFinding // by GUID
	readAt  map[string]time.Time     // by GUID, reads of this process
}

// scope returns the state of a DetailsCache scope, or nil when the scope names no user or client (a client that
// has not logged in): such entries are the client's own and are not stored.
func (s *FindingsStore) scope(key string) *storedScope {
	origin, rest, ok := strings.Cut(key, "\x00")
	who, _, _ := strings.Cut(rest, "\x00")
	if !ok || !(strings.HasPrefix(who, "user:") || strings.HasPrefix(who, "client:")) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.scopes[key]
	if sc == nil {
		sc = &storedScope{key: key, origin: origin, principal: who, path: filepath.Join(s.dir, findingsFileName(origin, who)),
			entries: map[string]storedFinding{}, readAt: map[string]time.Time{}}
		s.scopes[key] = sc
	}
	return sc
}

// loadLocked reads the scope's file once into d. The caller holds sc.mu.
func (sc *storedScope) loadLocked(d *DetailsCache, onError func(error)) {
	if sc.loaded {
		return
	}
	sc.loaded = true
	f, err := readFindingsFile(sc.path, sc.origin, sc.principal)
	if err != nil {
		onError(err)
		return
	}
	if f == nil {
		return
	}
	sc.current = true
	for _, e := range f.Keys {
		fd, ok := e.finding()
		if !ok {
			continue
		}
		sc.entries[e.GUID] = e
		d.putIfAbsent(sc.key+e.GUID, fd)
	}
}

// prefetch starts reading a scope's file in the background as soon as the client knows its user, so that the
// read overlaps the sweep's listings rather than following them. The read ends by itself; whatever needs the
// scope meanwhile waits for it, as the lock is taken before the goroutine starts.
func (d *DetailsCache) prefetch(scope string) {
	if d.store == nil {
		return
	}
	sc := d.store.scope(scope)
	if sc == nil {
		return
	}
	sc.mu.Lock()
	go func() {
		defer sc.mu.Unlock()
		sc.loadLocked(d, d.store.onError)
	}()
}

// usable reports whether d's entry for a key of a scope may be used at now: always without a store; with one,
// after loading the scope's file, unless the entry is older than its limit.
func (d *DetailsCache) usable(scope, guid string, now time.Time) bool {
	if d.store == nil {
		return true
	}
	sc := d.store.scope(scope)
	if sc == nil {
		return true
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.loadLocked(d, d.store.onError)
	readAt, ok := sc.readAt[guid]
	if !ok {
		e, stored := sc.entries[guid]
		if !stored {
			return true // learned in this process without a read time: not from the file
		}
		readAt = e.ReadAt
	}
	return !stale(guid, readAt, now, d.store.maxAge)
}

// noteRead records that this process read a key's credentials at now.
func (d *DetailsCache) noteRead(scope, guid string, now time.Time) {
	if d.store == nil {
		return
	}
	if sc := d.store.scope(scope); sc != nil {
		sc.mu.Lock()
		sc.readAt[guid] = now
		sc.mu.Unlock()
	}
}

// putIfAbsent adds a finding unless the cache already has a (newer) one.
func (d *DetailsCache) putIfAbsent(key string, f expiry.Finding) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.m[key]; !ok {
		d.m[key] = f
	}
}

// stale reports whether a finding read at readAt must be read again at now. A read time in the future (a clock
// set back, a file from elsewhere) cannot be aged and counts as stale.
func stale(guid string, readAt, now time.Time, maxAge time.Duration) bool {
	if readAt.After(now) {
		return true
	}
	return now.Sub(readAt) >= staleAfter(guid, maxAge)
}

// staleAfter is a key's own age limit: maxAge less up to half of it, by a hash of the GUID, so that findings
// read in one scan fall due spread over the second half of the maximum age.
func staleAfter(guid string, maxAge time.Duration) time.Duration {
	h := fnv.New64a()
	h.Write([]byte(guid))
	frac := float64(h.Sum64()>>11) / (1 << 53) // uniform in [0, 1)
	return maxAge - time.Duration(frac*float64(maxAge/2))
}

// saveFindings writes what a sweep found to the store, when the client's cache has one: every listed key whose
// finding says what its credentials hold, with the time they were read. Keys no longer listed are dropped: all
// the file held, after an unfiltered sweep; after a sweep narrowed by org or space, those of the instances it
// covered. Keys in creation, hidden from the user or whose credentials could not be read are not stored.
func (c *Client) saveFindings(res *SweepResult, o SweepOptions) {
	d := c.details
	if d.store == nil {
		return
	}
	scope := c.cacheScope.Load().(string)
	sc := d.store.scope(scope)
	if sc == nil {
		return
	}
	now := c.opts.Clock()
	full := len(o.Orgs) == 0 && len(o.Spaces) == 0
	covered := make(map[string]bool, len(res.Instances))
	for _, si := range res.Instances {
		covered[si.GUID] = true
	}
	listed := make(map[string]bool, len(res.Keys))
	for _, k := range res.Keys {
		listed[k.GUID] = true
	}

	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.loadLocked(d, d.store.onError)
	next := make(map[string]storedFinding, len(res.Keys))
	for guid, e := range sc.entries {
		if !listed[guid] && !full && !covered[e.InstanceGUID] {
			next[guid] = e // outside this sweep's scope: unknown whether it still exists
		}
	}
	for _, k := range res.Keys {
		if k.Type == "app" || !storable(k.Finding) {
			continue
		}
		readAt, ok := sc.readAt[k.GUID]
		if !ok {
			if e, stored := sc.entries[k.GUID]; stored {
				readAt = e.ReadAt
			} else {
				readAt = now // read by this process before the store knew it (another client's sweep)
			}
		}
		next[k.GUID] = toStored(k.GUID, k.Instance.GUID, readAt, k.Finding)
	}
	if sc.current && sameEntries(next, sc.entries) {
		return // the usual warm scan: nothing new, nothing gone, nothing read again
	}
	sc.entries, sc.current = next, false
	f := &findingsFile{Version: findingsVersion, Origin: sc.origin, Principal: sc.principal, SavedAt: now.UTC(),
		Keys: make([]storedFinding, 0, len(next))}
	for _, e := range next {
		f.Keys = append(f.Keys, e)
	}
	if err := writeFindingsFile(sc.path, f); err != nil {
		d.store.onError(err)
		return
	}
	sc.current = true
}
