package cf

import (
	"context"
	"slices"
	"time"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// sweepEvent is what a goroutine of a sweep tells the sweeping goroutine: a page of a listing, the answer to one
// /details request, the instances read one by one, or (final) that it is done.
type sweepEvent struct {
	instances []ServiceInstance
	keys      []ServiceKey
	details   *detailsAnswer
	missing   *missingAnswer
	keysNext  bool  // a filtered listing moves on to the keys of the instances it listed
	final     bool  // the goroutine ends with this event
	err       error // a listing's or the missing instances' failure (final events only)
}

// detailsAnswer is the answer to one key's /details request.
type detailsAnswer struct {
	guid    string
	finding expiry.Finding
	err     error
}

// missingAnswer is what reading the instances missing from the listing found.
type missingAnswer struct {
	found  []ServiceInstance
	failed map[string]error // by instance GUID, 404s included
}

// sweepRun is one pipelined sweep. Listings and /details requests run in goroutines that report to the sweeping
// goroutine over one channel; only the sweeping goroutine reads or writes the fields below, and it receives
// until every goroutine it started has sent its final event, so none outlives the sweep.
type sweepRun struct {
	c        *Client
	filter   InstanceFilter
	filtered bool
	progress func(Progress)
	limit    *concurrencyLimit

	events  chan sweepEvent
	running int // goroutines that have yet to send their final event
	fatal   error

	instances []ServiceInstance
	byGUID    map[string]ServiceInstance
	keys      []ServiceKey // every key listed, in listing order
	seenKey   map[string]bool
	findings  map[string]expiry.Finding // by key GUID: from the cache, pending, or read
	failures  map[string]error          // by key GUID: /details failures that go under Errors
	unread    map[string]bool           // keys cut off by the scan's time limit
	queue     []string                  // keys whose /details are still to be requested
	inFlight  int
	peak      int
	answered  int
	total     int // keys whose /details the sweep requests
	fetched   int
	credStage bool // StageCredentials has been reported
	fromCache int  // keys whose findings came from the cache

	onPartial    func(SweepResult)
	partialAt    time.Time // when onPartial was last called
	partialTaken int       // answers taken when onPartial was last called
	startedAt    time.Time
	sorted       []placedKey // sortedKeys' answer, for sortedFor's counts of keys and instances
	sortedFor    [2]int

	listingsLeft   int  // listings still running
	missingStarted bool // the missing instances are being (or have been) read
	missingErrs    map[string]error
}

// newSweepRun prepares a sweep of the given scope.
func newSweepRun(c *Client, o SweepOptions, filter InstanceFilter, progress func(Progress)) *sweepRun {
	start := o.Concurrency
	if start <= 0 {
		start = c.opts.Concurrency
	}
	ceiling := o.MaxConcurrency
	if ceiling <= 0 {
		ceiling = MaxAdaptiveConcurrency
	}
	return &sweepRun{
		c: c, filter: filter, filtered: filter.OrgGUIDs != nil || filter.SpaceGUIDs != nil, progress: progress, onPartial: o.OnPartial,
		limit:  newConcurrencyLimit(start, ceiling, o.FixedConcurrency, c.opts.Clock),
		events: make(chan sweepEvent), byGUID: map[string]ServiceInstance{}, seenKey: map[string]bool{},
		findings: map[string]expiry.Finding{}, failures: map[string]error{}, unread: map[string]bool{}, missingErrs: map[string]error{},
	}
}

// run lists instances and keys and reads the credentials of every key not known yet, all at once where the
// scope allows: unfiltered, both listings start together and each page of keys is dispatched to /details as soon
// as it arrives; filtered by org or space, the keys of each page of instances are listed as soon as that page
// arrives (the key listing cannot be filtered by org or space) and read as their pages arrive. res gets the
// instances, the keys and the errors.
func (r *sweepRun) run(ctx context.Context, res *SweepResult) error {
	sweepCtx := ctx
	r.startedAt = res.StartedAt
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	r.progress(Progress{Stage: StageInstances})
	if r.filtered {
		r.startFilteredListing(ctx)
	} else {
		r.progress(Progress{Stage: StageKeys})
		r.startListing(ctx, func(ctx context.Context, send func(sweepEvent)) error {
			return r.c.eachServiceInstancePage(ctx, r.filter, func(page []ServiceInstance) error {
				send(sweepEvent{instances: page})
				return nil
			})
		})
		r.startListing(ctx, func(ctx context.Context, send func(sweepEvent)) error {
			return r.c.eachServiceKeyPage(ctx, nil, func(page []ServiceKey) error {
				send(sweepEvent{keys: page})
				return nil
			})
		})
	}

	for {
		if r.fatal == nil && !timeUp(sweepCtx) {
			r.dispatch(ctx)
		}
		if r.running == 0 {
			break
		}
		ev := <-r.events
		if ev.final {
			r.running--
		}
		switch {
		case ev.details != nil:
			r.take(sweepCtx, ev.details, cancel)
		case ev.missing != nil:
			r.takeMissing(ev.missing)
		case ev.final && ev.err != nil:
			r.fail(ev.err, cancel)
		case ev.final:
			r.listingsLeft--
		}
		r.instances = append(r.instances, ev.instances...)
		for _, si := range ev.instances {
			r.byGUID[si.GUID] = si
		}
		if ev.keysNext {
			r.progress(Progress{Stage: StageKeys})
		}
		r.addKeys(ev.keys)
		r.partial(len(ev.instances) > 0 || len(ev.keys) > 0 || ev.missing != nil)
		if r.listingsLeft == 0 && !r.missingStarted && r.fatal == nil {
			r.startMissing(ctx)
		}
	}
	if r.fatal != nil {
		return r.fatal
	}
	if !r.credStage {
		r.progress(Progress{Stage: StageCredentials})
	}
	if err := sweepCtx.Err(); err != nil && !timeUp(sweepCtx) {
		return err
	}
	for _, guid := range r.queue {
		r.unread[guid] = true // the scan's time ran out before these were sent
	}
	r.report(res)
	return nil
}

// startListing runs one listing in a goroutine that sends its pages, then its end.
func (r *sweepRun) startListing(ctx context.Context, list func(context.Context, func(sweepEvent)) error) {
	r.running++
	r.listingsLeft++
	ctx = withObserver(ctx, r.limit, false)
	go func() {
		err := list(ctx, func(ev sweepEvent) { r.events <- ev })
		r.events <- sweepEvent{final: true, err: err}
	}()
}

// startFilteredListing lists the instances in scope page by page and, after each page, the keys of its
// instances, in one goroutine.
func (r *sweepRun) startFilteredListing(ctx context.Context) {
	r.startListing(ctx, func(ctx context.Context, send func(sweepEvent)) error {
		first := true
		return r.c.eachServiceInstancePage(ctx, r.filter, func(page []ServiceInstance) error {
			send(sweepEvent{instances: page, keysNext: first})
			first = false
			guids := make([]string, 0, len(page))
			for _, si := range page {
				guids = append(guids, si.GUID)
			}
			return r.c.eachServiceKeyPage(ctx, guids, func(keys []ServiceKey) error {
				send(sweepEvent{keys: keys})
				return nil
			})
		})
	})
}

// addKeys takes a page of keys: a key read before comes from the cache, one not (yet) created successfully needs
// no request, any other is queued for /details.
func (r *sweepRun) addKeys(keys []ServiceKey) {
	if len(keys) == 0 {
		return
	}
	for _, k := range keys {
		if r.seenKey[k.GUID] {
			continue
		}
		r.seenKey[k.GUID] = true
		r.keys = append(r.keys, k)
		if f, known := r.c.knownFinding(k); known {
			r.findings[k.GUID] = f
			if k.LastOperation.Succeeded() {
				r.fromCache++ // known, and created: the cache answered (else it is pending)
			}
			continue
		}
		r.queue = append(r.queue, k.GUID)
		r.total++
	}
	r.credStage = true
	r.progress(Progress{Stage: StageCredentials, Done: r.answered, Total: r.total})
}

// dispatch sends queued /details requests while the concurrency limit allows.
func (r *sweepRun) dispatch(ctx context.Context) {
	for len(r.queue) > 0 && r.inFlight < r.limit.current() {
		guid := r.queue[0]
		r.queue = r.queue[1:]
		r.inFlight++
		r.peak = max(r.peak, r.inFlight)
		r.running++
		dctx := withObserver(ctx, r.limit, true)
		go func() {
			a := &detailsAnswer{guid: guid}
			creds, err := r.c.Details(dctx, guid)
			if a.err = err; err == nil {
				a.finding = creds.Finding()
			}
			r.events <- sweepEvent{details: a, final: true}
		}()
	}
}

// take records one /details answer.
func (r *sweepRun) take(sweepCtx context.Context, a *detailsAnswer, cancel func()) {
	r.inFlight--
	r.answered++
	switch {
	case a.err == nil:
		r.findings[a.guid] = a.finding
		r.c.remember(a.guid, a.finding)
		r.fetched++
	case timeUp(sweepCtx):
		r.unread[a.guid] = true // cut off by the sweep's deadline: listed with the keys not read
	case isFatal(a.err):
		r.fail(a.err, cancel)
	default:
		r.fetched++
		f := detailsFailure(a.err)
		r.findings[a.guid] = f
		switch {
		case hiddenByRole(a.err):
			// The user's roles will not change while the process runs; asking again would only cost requests.
			r.c.remember(a.guid, f)
		case !IsNotFound(a.err):
			r.failures[a.guid] = a.err
		}
	}
	r.progress(Progress{Stage: StageCredentials, Done: r.answered, Total: r.total})
}

// fail stops the sweep at its first fatal error; the goroutines still running see their context cancelled.
func (r *sweepRun) fail(err error, cancel func()) {
	if r.fatal == nil {
		r.fatal = err
		cancel()
	}
}

// startMissing reads, once each, the instances of keys that the instance listing did not return (an instance
// created between the two listings). Only unfiltered sweeps can have them: a filtered one lists keys by instance.
func (r *sweepRun) startMissing(ctx context.Context) {
	r.missingStarted = true
	if r.filtered {
		return
	}
	var missing []string
	asked := map[string]bool{}
	for _, k := range r.keys {
		if _, ok := r.byGUID[k.InstanceGUID]; !ok && k.InstanceGUID != "" && !asked[k.InstanceGUID] {
			asked[k.InstanceGUID] = true
			missing = append(missing, k.InstanceGUID)
		}
	}
	if len(missing) == 0 {
		return
	}
	r.running++
	go func() {
		a := &missingAnswer{failed: map[string]error{}}
		for _, guid := range missing {
			si, err := r.c.ServiceInstance(ctx, guid)
			switch {
			case err == nil:
				a.found = append(a.found, si)
			case isFatal(err):
				r.events <- sweepEvent{final: true, err: err}
				return
			default:
				a.failed[guid] = err
			}
		}
		r.events <- sweepEvent{missing: a, final: true}
	}()
}

// takeMissing adds the instances read one by one. Keys of an instance that no longer exists (404) are dropped;
// those of an instance that could not be read for another reason become errors of the sweep.
func (r *sweepRun) takeMissing(a *missingAnswer) {
	r.instances = append(r.instances, a.found...)
	for _, si := range a.found {
		r.byGUID[si.GUID] = si
	}
	for guid, err := range a.failed {
		if !IsNotFound(err) {
			r.missingErrs[guid] = err
		}
	}
}

// partial tells SweepOptions.OnPartial what the sweep knows so far: at once when listed is set (a page of a
// listing, or the missing instances, arrived), otherwise when the partialSpacing time has passed or its number of
// answers came in since it last did, and only if an answer came in at all.
func (r *sweepRun) partial(listed bool) {
	if r.onPartial == nil || r.fatal != nil {
		return
	}
	now := r.c.opts.Clock()
	if !listed {
		interval, every := partialSpacing(len(r.keys))
		fresh := r.answered - r.partialTaken
		if fresh == 0 || (fresh < every && now.Sub(r.partialAt) < interval) {
			return
		}
	}
	r.partialAt, r.partialTaken = now, r.answered
	var res SweepResult
	r.fill(&res, true)
	res.StartedAt = r.startedAt
	r.onPartial(res)
}

// report fills res: the instances, a report per key whose instance is known, and the errors (instances that could
// not be read, then credentials that could not be read, then keys not read in time, each in listing order).
func (r *sweepRun) report(res *SweepResult) { r.fill(res, false) }

// fill is report, or (partial) what is known so far: keys whose credentials are still to be read are marked
// Reading. Either way res shares nothing the sweep goes on to change.
func (r *sweepRun) fill(res *SweepResult, partial bool) {
	res.Instances = slices.Clip(r.instances) // appends go past its end: what res holds stays as it is
	res.DetailsFetched = r.fetched
	res.PeakConcurrency = r.peak
	res.FromCache = r.fromCache
	var detailErrs, timeErrs []SweepError
	for _, k := range r.keys {
		if len(r.missingErrs) == 0 && len(r.unread) == 0 && len(r.failures) == 0 {
			break // no errors (the usual case): no lookups
		}
		if _, ok := r.byGUID[k.InstanceGUID]; !ok {
			if err, failed := r.missingErrs[k.InstanceGUID]; failed {
				res.Errors = append(res.Errors, SweepError{GUID: k.GUID, Message: err.Error()})
			}
			continue
		}
		switch {
		case r.unread[k.GUID]:
			timeErrs = append(timeErrs, SweepError{GUID: k.GUID, Message: "not checked: " + timeUpReason})
		case r.failures[k.GUID] != nil:
			detailErrs = append(detailErrs, SweepError{GUID: k.GUID, Message: r.failures[k.GUID].Error()})
		}
	}
	res.Errors = append(append(res.Errors, detailErrs...), timeErrs...)
	keys := r.sortedKeys()
	reports := make([]KeyReport, len(keys))
	for n, p := range keys {
		k := &r.keys[p.key]
		f, read := r.findings[k.GUID]
		switch {
		case len(r.unread) > 0 && r.unread[k.GUID]:
			// The sweep's time limit ran out: keep what was read and list the rest, so the report still says
			// everything it knows.
			f = expiry.UnknownBecause(expiry.CauseFailed, "not checked: "+timeUpReason)
		case partial && !read:
			f = ReadingFinding
		}
		reports[n] = newKeyReport(*k, p.si, f)
		reports[n].Reading = partial && !read
	}
	res.Keys = reports
}

// placedKey is a key whose instance is known: its place in sweepRun.keys, and the instance.
type placedKey struct {
	key int
	si  ServiceInstance
}

// sortedKeys lists the keys whose instance is known by org, space, instance and key name. Only listings change
// it, not /details answers, so it is sorted again only when keys or instances were added: a partial result of
// 10,000 keys every quarter second would otherwise spend most of its time sorting.
func (r *sweepRun) sortedKeys() []placedKey {
	if r.sorted != nil && r.sortedFor == [2]int{len(r.keys), len(r.instances)} {
		return r.sorted
	}
	keys := make([]placedKey, 0, len(r.keys))
	for i, k := range r.keys {
		if si, ok := r.byGUID[k.InstanceGUID]; ok {
			keys = append(keys, placedKey{i, si})
		}
	}
	slices.SortFunc(keys, func(a, b placedKey) int {
		ka, kb := &r.keys[a.key], &r.keys[b.key]
		return compareReports(&a.si, &b.si, ka.Name, kb.Name, ka.GUID, kb.GUID)
	})
	r.sorted, r.sortedFor = keys, [2]int{len(r.keys), len(r.instances)}
	return keys
}
