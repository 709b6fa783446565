package cf

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// Stage is the part of a sweep that is running.
type Stage string

// The stages of a sweep, in order.
const (
	StageScope       Stage = "resolving orgs and spaces"
	StageInstances   Stage = "listing service instances"
	StageKeys        Stage = "listing service keys"
	StageCredentials Stage = "reading key credentials"
)

// Progress reports how far a sweep has come. During StageCredentials, Done and Total count /details requests;
// Total grows as pages of keys arrive, since credentials are read while the keys are still being listed.
type Progress struct {
	Stage       Stage
	Done, Total int
}

// SweepOptions narrow and tune a sweep.
type SweepOptions struct {
	Orgs   []string // org names; empty means every org the user can see
	Spaces []string // space names (within Orgs when given)
	// Concurrency is how many /details requests start in parallel; 0 means the client's setting. The sweep then
	// adapts it to what the foundation says: it halves on a 429, stays below half of X-RateLimit-Remaining, and
	// grows while answers come fast, up to MaxConcurrency (the rules are in cf/concurrency.go).
	Concurrency int
	// MaxConcurrency bounds adaptive concurrency (0: MaxAdaptiveConcurrency; never below Concurrency).
	MaxConcurrency int
	// FixedConcurrency turns adaptation off: Concurrency requests in parallel throughout, whatever the
	// foundation answers (for comparisons).
	FixedConcurrency bool
	// Progress, when set, is called from the sweeping goroutine as the sweep advances.
	Progress func(Progress)
	// OnPartial, when set, is called from the sweeping goroutine with what the sweep knows so far, so a UI can
	// show keys long before every credential is read: the instances listed, and each key listed whose instance
	// is known, with its finding where read (or taken from the cache) and Reading set where its credentials are
	// still to be read. It is called at once when a page of a listing arrives, and as /details answers come in
	// at most every PartialInterval on the client's clock or every PartialEvery answers, whichever comes first;
	// both grow in proportion beyond PartialScale keys, so that the copies (and what the callee does with them)
	// take a bounded share of the sweep however large. The result is the callee's to keep: the sweep never
	// changes what it handed over.
	OnPartial func(SweepResult)
}

// PartialInterval is how often, at most, SweepOptions.OnPartial hears of /details answers by the clock.
const PartialInterval = 250 * time.Millisecond

// PartialEvery is how many /details answers make SweepOptions.OnPartial hear of them sooner than PartialInterval.
const PartialEvery = 500

// PartialScale is the number of keys up to which PartialInterval and PartialEvery hold as they are; a sweep of
// 10,000 keys reports every second or 2,000 answers.
const PartialScale = 2500

// partialSpacing is the time and the number of answers between two partial results of a sweep that has listed
// keys keys.
func partialSpacing(keys int) (time.Duration, int) {
	scale := max(1, keys/PartialScale)
	return PartialInterval * time.Duration(scale), PartialEvery * scale
}

// KeyReport is one service key located in its org, space and instance, with what its credentials say.
type KeyReport struct {
	GUID          string
	Name          string
	Type          string // "key", or "app" for an app binding found by GUID
	CreatedAt     time.Time
	LastOperation LastOperation
	Instance      ServiceInstance
	Finding       expiry.Finding
	// Reading is set, in partial results only (SweepOptions.OnPartial), on a key whose credentials are still to
	// be read; its Finding is then ReadingFinding, so code that ignores Reading sees an unknown, pending key.
	Reading bool
}

// SweepError is a failure that concerned one key and did not stop the sweep.
type SweepError struct {
	GUID    string `json:"guid"`
	Message string `json:"message"`
}

// SweepResult is what a sweep found.
type SweepResult struct {
	Keys       []KeyReport
	Errors     []SweepError
	Instances  []ServiceInstance // every managed instance in scope, with or without keys
	StartedAt  time.Time
	FinishedAt time.Time
	// Requests is the number of HTTP requests the sweep sent, token refreshes and retries included.
	Requests int64
	// DetailsFetched is the number of /details requests the sweep made (one per key not read before); the other
	// keys came from the cache or had nothing to read yet.
	DetailsFetched int
	// PeakConcurrency is the most /details requests the sweep had in flight at once.
	PeakConcurrency int
	// FromCache is the number of keys whose findings came from the details cache (read before, by this process
	// or, through the findings cache, by an earlier one) rather than from a /details request of this sweep.
	FromCache int
}

// NotFoundError says a name given to narrow a sweep matched nothing the user can see.
type NotFoundError struct {
	Kind, Name string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s %q not found (or not visible to this user)", e.Kind, e.Name)
}

// Sweep finds every service key in scope and what its certificate says, with the fewest requests the API
// allows, overlapped as far as the scope lets them: the instances with their names in one listing and the keys
// in another, at the same time, then one /details request per key not read before, started as soon as the page
// of keys that lists it arrives, with adaptive concurrency (see SweepOptions.Concurrency). A key whose credentials cannot
// be read (still being created, a role that may not read secrets, a broker error) is reported as unknown with the
// reason; only failures that stop everything (authentication, the listings themselves, cancellation) fail the
// sweep. When ctx's deadline (a whole-scan time limit) passes while credentials are read, the sweep returns what
// it has and lists the keys it did not read under Errors.
func (c *Client) Sweep(ctx context.Context, o SweepOptions) (*SweepResult, error) {
	res := &SweepResult{StartedAt: c.opts.Clock()}
	startRequests := c.Requests()
	progress := func(p Progress) {
		if o.Progress != nil {
			o.Progress(p)
		}
	}

	filter, err := c.resolveScope(ctx, o, progress)
	if err != nil {
		return nil, err
	}
	if err := newSweepRun(c, o, filter, progress).run(ctx, res); err != nil {
		return nil, err
	}
	c.saveFindings(res, o) // findings_store.go: what the next process need not read again
	res.FinishedAt = c.opts.Clock()
	res.Requests = c.Requests() - startRequests
	return res, nil
}

// resolveScope turns org and space names into GUID filters. Unfiltered sweeps cost no request here.
func (c *Client) resolveScope(ctx context.Context, o SweepOptions, progress func(Progress)) (InstanceFilter, error) {
	var f InstanceFilter
	if len(o.Orgs) == 0 && len(o.Spaces) == 0 {
		return f, nil
	}
	progress(Progress{Stage: StageScope})
	if len(o.Orgs) > 0 {
		orgs, err := c.Organizations(ctx, o.Orgs...)
		if err != nil {
			return f, err
		}
		for _, name := range o.Orgs {
			found := false
			for _, org := range orgs {
				if strings.EqualFold(org.Name, name) {
					found = true
				}
			}
			if !found {
				return f, &NotFoundError{Kind: "organization", Name: name}
			}
		}
		f.OrgGUIDs = []string{}
		for _, org := range orgs {
			f.OrgGUIDs = append(f.OrgGUIDs, org.GUID)
		}
	}
	if len(o.Spaces) > 0 {
		spaces, err := c.Spaces(ctx, f.OrgGUIDs, o.Spaces...)
		if err != nil {
			return f, err
		}
		for _, name := range o.Spaces {
			found := false
			for _, sp := range spaces {
				if sp.Name == name {
					found = true
				}
			}
			if !found {
				return f, &NotFoundError{Kind: "space", Name: name}
			}
		}
		f.SpaceGUIDs = []string{}
		for _, sp := range spaces {
			f.SpaceGUIDs = append(f.SpaceGUIDs, sp.GUID)
		}
	}
	return f, nil
}

// timeUpReason says why keys were not read when a sweep's deadline passed.
const timeUpReason = "the scan's time limit ran out before its credentials were read"

// timeUp reports whether the sweep's own deadline (not an interrupt) has passed.
func timeUp(ctx context.Context) bool { return errors.Is(ctx.Err(), context.DeadlineExceeded) }

// isFatal reports whether a per-key failure means the whole sweep cannot go on.
func isFatal(err error) bool {
	var ae *AuthError
	var api *APIError
	var ue *UnreachableError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return true
	case errors.As(err, &ue):
		return true // the foundation is gone; trying every other key would only take minutes to say so
	case errors.Is(err, ErrSessionExpired), errors.As(err, &ae):
		return true
	case errors.As(err, &api) && (api.StatusCode == http.StatusUnauthorized || api.StatusCode == http.StatusTooManyRequests):
		return true // a token refresh did not help, or the rate limit outlasted our patience
	}
	return false
}

// hiddenByRole reports whether a details 404 means the Cloud Controller hides the credentials from this user
// (rather than the key being created or deleted right now).
func hiddenByRole(err error) bool {
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != http.StatusNotFound {
		return false
	}
	d := api.Detail()
	return !strings.HasPrefix(d, "Creation of") && !strings.HasPrefix(d, "Deletion of")
}

// ReadingFinding is the finding of a key whose credentials a sweep is still to read (KeyReport.Reading).
var ReadingFinding = expiry.UnknownBecause(expiry.CausePending, "credentials still being read")

// newKeyReport is the one way a key becomes a report, for a sweep and for a lookup by GUID alike: the key as
// listed, its instance, and what its credentials say.
func newKeyReport(k ServiceKey, si ServiceInstance, f expiry.Finding) KeyReport {
	return KeyReport{GUID: k.GUID, Name: k.Name, Type: k.Type, CreatedAt: k.CreatedAt, LastOperation: k.LastOperation, Instance: si,
		Finding: f}
}

// knownFinding is what can be said of a key without reading its credentials: what this client's user read
// before, or, for a key not (yet) created successfully, that it has none. ok is false when /details must be read.
func (c *Client) knownFinding(k ServiceKey) (f expiry.Finding, ok bool) {
	if f, cached := c.cached(k.GUID); cached {
		return f, true
	}
	if !k.LastOperation.Succeeded() {
		return pendingFinding(k.LastOperation), true
	}
	return expiry.Finding{}, false
}

// pendingFinding is the finding of a key whose last operation has not (yet) produced credentials.
func pendingFinding(op LastOperation) expiry.Finding {
	return expiry.UnknownBecause(expiry.CausePending, "no credentials yet: "+op.Describe())
}

// detailsFailure explains why a key's credentials could not be read, in the words an admin needs.
func detailsFailure(err error) expiry.Finding {
	var api *APIError
	if errors.As(err, &api) && api.StatusCode == http.StatusNotFound {
		if !hiddenByRole(err) {
			return expiry.UnknownBecause(expiry.CausePending, "no credentials yet: "+api.Detail())
		}
		return expiry.UnknownBecause(expiry.CauseHidden, "credentials not readable: the Cloud Controller hides them from this user (needs Space Developer in the key's space, or admin / admin read-only)")
	}
	reason := "reading credentials failed: " + err.Error()
	var re *ResponseError
	switch {
	case errors.As(err, &api) && api.Detail() != "":
		reason = fmt.Sprintf("reading credentials failed: %d %s", api.StatusCode, api.Detail())
	case errors.As(err, &api):
		reason = fmt.Sprintf("reading credentials failed: %d %s", api.StatusCode, http.StatusText(api.StatusCode))
	case errors.As(err, &re):
		reason = "reading credentials failed: " + re.Error()
	}
	return expiry.UnknownBecause(expiry.CauseFailed, reason)
}

// compareReports orders keys by org, space, instance and key name, GUIDs breaking ties.
func compareReports(a, b *ServiceInstance, aName, bName, aGUID, bGUID string) int {
	return cmp.Or(cmp.Compare(a.OrgName, b.OrgName), cmp.Compare(a.SpaceName, b.SpaceName), cmp.Compare(a.Name, b.Name),
		cmp.Compare(aName, bName), cmp.Compare(aGUID, bGUID))
}
