package cf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"text/template"
	"time"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// Step is how far the rotation of one key has come. The steps run in this order; a key stops at StepDone,
// StepSkipped or StepFailed.
type Step string

// The steps of a key's rotation.
const (
	StepPlanned   Step = "planned"   // nothing sent yet
	StepCreating  Step = "creating"  // the successor's create request is being sent, or its job is running
	StepCreated   Step = "created"   // the successor exists and its credentials were read
	StepVerified  Step = "verified"  // the successor holds what the old key held, for longer, on the same instance
	StepAnnotated Step = "annotated" // the old key names its successor (cfkeys.dev/replaced-by)
	StepDeleting  Step = "deleting"  // the old key's delete request is being sent, or its job is running
	StepDone      Step = "done"      // rotated (and the old key deleted, with DeleteOld)
	StepSkipped   Step = "skipped"   // not rotated, for a reason the plan gives (e.g. needs a new certificate)
	StepFailed    Step = "failed"    // stopped with an error; the old key is untouched unless the error says so
)

// DefaultNameTemplate names a successor after its predecessor and the day of the rotation.
const DefaultNameTemplate = "{{.Name}}-{{.Date}}"

// RotateOptions tune a rotation.
type RotateOptions struct {
	// NameTemplate is a text/template for the successor's name, with .Name (the old key's), .Date (YYYY-MM-DD)
	// and .Instance (default DefaultNameTemplate).
	NameTemplate string
	// CertificatePEM is the new certificate for an external-certificate key; without it such keys are skipped.
	CertificatePEM string
	// DeleteOld deletes each old key once its successor is verified.
	DeleteOld bool
	// Concurrency is how many keys are rotated at once (default 1). Parameters are read one at a time whatever it
	// says: the Cloud Controller limits concurrent parameter requests per user.
	Concurrency int
	// WaitTimeout bounds each wait for a job (default DefaultWaitTimeout).
	WaitTimeout time.Duration
	// Journal, when set, records every step.
	Journal *Journal
	// LockDir is where ApplyRotation takes the foundation's rotation lock (default: the journal's directory;
	// with neither, no lock is taken). Two runs at once could each create a successor of the same key.
	LockDir string
	// Progress, when set, is told about every step of every key (from the rotating goroutines, one at a time).
	Progress func(RotationItem)
}

// RotationItem is one key of a rotation: the plan for it, then how far it came.
type RotationItem struct {
	Old          KeyReport
	Shape        KeyShape
	NewName      string
	Parameters   map[string]any // sent with the create request; nil sends none
	ParamsSource string         // "read from the broker", "derived from the old key", "none"
	SkipReason   string         // set when the plan skips the key
	Step         Step
	NewGUID      string
	NewFinding   expiry.Finding
	Err          error
	// Credentials of the successor, in memory only (for a handover file the caller may write).
	Credentials KeyCredentials
}

// Request returns the create request of the item's successor, annotated with the key it replaces.
func (it RotationItem) Request(timeout time.Duration) KeyRequest {
	return KeyRequest{InstanceGUID: it.Old.Instance.GUID, Name: it.NewName, Parameters: it.Parameters,
		Annotations: map[string]string{AnnotationReplaces: it.Old.GUID}, WaitTimeout: timeout}
}

// SafeParameters returns the item's parameters fit to print: secrets masked, PEM abbreviated.
func (it RotationItem) SafeParameters() map[string]any { return safeParameters(it.Parameters) }

// PlanRotation works out, for each key, the successor's name and create parameters and what happens to the old
// key. It sends reads only: GET .../parameters where the offering allows it (one at a time), else the old key's
// credentials to derive them. External-certificate keys without opts.CertificatePEM are skipped, as are keys
// whose parameters cannot be told.
func (c *Client) PlanRotation(ctx context.Context, keys []KeyReport, opts RotateOptions) ([]RotationItem, error) {
	tmplText := opts.NameTemplate
	if tmplText == "" {
		tmplText = DefaultNameTemplate
	}
	tmpl, err := template.New("name").Option("missingkey=error").Parse(tmplText)
	if err != nil {
		return nil, fmt.Errorf("--name-template: %w", err)
	}
	date := c.opts.Clock().UTC().Format("2006-01-02")
	externals := 0
	items := make([]RotationItem, 0, len(keys))
	for _, k := range keys {
		it := RotationItem{Old: k, Step: StepPlanned}
		var name bytes.Buffer
		if err := tmpl.Execute(&name, map[string]string{"Name": k.Name, "Date": date, "Instance": k.Instance.Name}); err != nil {
			return nil, fmt.Errorf("--name-template: %w", err)
		}
		it.NewName = name.String()
		if it.NewName == "" || it.NewName == k.Name {
			return nil, fmt.Errorf("--name-template gives %q for key %q: a successor needs a name of its own", it.NewName, k.Name)
		}
		if err := c.planParameters(ctx, &it, opts); err != nil {
			return nil, err
		}
		if it.Shape == ShapeExternal && it.SkipReason == "" {
			externals++
		}
		items = append(items, it)
	}
	if externals > 1 {
		return nil, errors.New("--certificate-file renews one external-certificate key; this selection holds several (a certificate may be used only once): rotate them one at a time by GUID")
	}
	return items, nil
}

// planParameters fills in an item's parameters and shape.
func (c *Client) planParameters(ctx context.Context, it *RotationItem, opts RotateOptions) error {
	k := it.Old
	if !k.LastOperation.Succeeded() {
		if k.LastOperation.Type == "delete" && k.LastOperation.State == "failed" {
			// The Cloud Controller reads neither parameters nor credentials of such a key; a run whose delete
			// of the old key failed had verified its successor and marked the old key: that is continued.
			cont, err := c.continueAfterFailedDelete(ctx, it)
			if err != nil || cont {
				return err
			}
		}
		it.Step, it.SkipReason = StepSkipped, "the key is "+k.LastOperation.Describe()
		return nil
	}
	offering := k.Instance.OfferingName
	params, err := c.KeyParameters(ctx, k.GUID)
	switch {
	case err == nil:
		it.Parameters, it.ParamsSource = params, "read from the broker"
		it.Shape = ShapeOfParameters(offering, params, k.Finding)
	case errors.Is(err, ErrParametersNotRetrievable):
		creds, err := c.Details(ctx, k.GUID)
		if err != nil {
			return fmt.Errorf("planning the rotation of %s: %w", k.Path(), err)
		}
		it.Parameters, it.Shape = DeriveParameters(offering, creds, creds.Finding())
		it.ParamsSource = "derived from the old key"
	case isFatal(err):
		return err
	case IsNotFound(err):
		it.Step, it.SkipReason = StepSkipped, fmt.Sprintf("its parameters cannot be read (that needs the Space Developer role in space %q of org %q)", k.Instance.SpaceName, k.Instance.OrgName)
		return nil
	default:
		it.Step, it.SkipReason = StepSkipped, "its parameters cannot be read: "+err.Error()
		return nil
	}
	if len(it.Parameters) == 0 {
		it.Parameters, it.ParamsSource = nil, "none"
	}
	switch it.Shape {
	case ShapeExternal:
		if opts.CertificatePEM == "" {
			// An earlier run that was interrupted may have made the successor with the owner's certificate:
			// that one is continued; otherwise the key waits for its new certificate.
			succ, err := c.findSuccessor(ctx, k)
			if err != nil {
				return fmt.Errorf("planning the rotation of %s: %w", k.Path(), err)
			}
			if succ != nil && succ.LastOperation.State != "failed" && succ.LastOperation.Type != "delete" {
				it.NewName, it.ParamsSource = succ.Name, "the successor an earlier run created"
				return nil
			}
			it.Step, it.SkipReason = StepSkipped, "needs a new certificate (--certificate-file)"
			return nil
		}
		if err := checkCertificatePEM(opts.CertificatePEM); err != nil {
			return fmt.Errorf("--certificate-file: %w", err)
		}
		p := map[string]any{}
		for n, v := range it.Parameters {
			p[n] = v
		}
		if offering == OfferingXSUAA {
			x, _ := p["x509"].(map[string]any)
			nx := map[string]any{}
			for n, v := range x {
				nx[n] = v
			}
			nx["certificate"] = opts.CertificatePEM
			p["x509"] = nx
		} else {
			p["key-type"], p["X.509"] = "certificate_external", opts.CertificatePEM
		}
		it.Parameters = p
	case ShapeUnknown:
		it.Step, it.SkipReason = StepSkipped, "cfkeys cannot tell how to renew this key (create its successor with cfkeys key create --parameters)"
	}
	return nil
}

// continueAfterFailedDelete plans an old key whose deletion failed when the key names, as replaced-by, the
// successor that replaces it: the rotation goes on from that successor (and deletes the old key again with
// DeleteOld). It reports whether it planned the key.
func (c *Client) continueAfterFailedDelete(ctx context.Context, it *RotationItem) (bool, error) {
	old, err := c.KeyWithMeta(ctx, it.Old.GUID)
	if err != nil {
		return false, fmt.Errorf("planning the rotation of %s: %w", it.Old.Path(), err)
	}
	succ, err := c.findSuccessor(ctx, it.Old)
	if err != nil {
		return false, fmt.Errorf("planning the rotation of %s: %w", it.Old.Path(), err)
	}
	if succ == nil || old.Annotations[AnnotationReplacedBy] != succ.GUID || !succ.LastOperation.Succeeded() {
		return false, nil
	}
	it.NewName, it.ParamsSource = succ.Name, "the successor an earlier run created and verified"
	return true, nil
}

// ApplyRotation rotates the planned keys, opts.Concurrency at a time: for each, it finds a successor an earlier
// run made (by its cfkeys.dev/replaces annotation) or creates one, waits for it, reads and verifies it, marks the
// old key replaced-by, and with DeleteOld deletes the old key. The old key is never deleted before its successor
// is verified. When ctx is cancelled, steps in flight finish and no new step starts; the items say how far each
// key came. The journal, when set, is written after every step; the first failure to write it is returned (the
// rotation goes on regardless: the annotations on the foundation are what a resumed run relies on).
//
// First it takes the foundation's rotation lock (see LockDir); when another run holds it past RotationLockWait,
// it returns a *RotationLockedError and changes nothing.
func (c *Client) ApplyRotation(ctx context.Context, items []RotationItem, opts RotateOptions) error {
	lockDir := opts.LockDir
	if lockDir == "" && opts.Journal != nil {
		lockDir = filepath.Dir(opts.Journal.Path())
	}
	if lockDir != "" {
		unlock, err := c.lockRotation(ctx, lockDir, opts.Journal)
		if err != nil {
			if opts.Journal != nil {
				opts.Journal.discardIfEmpty()
			}
			return err
		}
		defer unlock()
	}
	n := max(opts.Concurrency, 1)
	work := context.WithoutCancel(ctx) // a step that has started finishes; ctx only stops new steps
	var mu sync.Mutex                  // serialises Progress and journal calls
	var journalErr error
	record := func(it *RotationItem) {
		mu.Lock()
		defer mu.Unlock()
		if opts.Journal != nil {
			e := JournalEntry{OldGUID: it.Old.GUID, OldName: it.Old.Name, InstanceGUID: it.Old.Instance.GUID, InstanceName: it.Old.Instance.Name,
				NewName: it.NewName, NewGUID: it.NewGUID, Step: it.Step, Parameters: it.Parameters}
			if it.Err != nil {
				e.Error = it.Err.Error()
			} else if it.SkipReason != "" {
				e.Error = it.SkipReason
			}
			if err := opts.Journal.Record(e, c.opts.Clock()); err != nil && journalErr == nil {
				journalErr = err // a journal that cannot be written must not stop a rotation half-way
			}
		}
		if opts.Progress != nil {
			opts.Progress(*it)
		}
	}
	for i := range items {
		record(&items[i]) // the whole plan goes into the journal before anything changes
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i := range items {
		it := &items[i]
		if it.Step != StepPlanned {
			continue
		}
		select {
		case <-ctx.Done():
		case sem <- struct{}{}:
		}
		if ctx.Err() != nil {
			break // the keys not started stay planned
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c.rotateOne(ctx, work, it, opts, record)
		}()
	}
	wg.Wait()
	return journalErr
}

// errInterrupted marks a key whose rotation stopped between steps because the run was interrupted.
var errInterrupted = errors.New("interrupted")

// IsInterrupted reports whether a rotation item stopped because the run was interrupted.
func IsInterrupted(err error) bool { return errors.Is(err, errInterrupted) }

// rotateOne runs the steps of one key. stop tells it to start no new step; work carries the requests.
func (c *Client) rotateOne(stop, work context.Context, it *RotationItem, opts RotateOptions, record func(*RotationItem)) {
	fail := func(err error) {
		it.Step, it.Err = StepFailed, ExplainWrite(err, it.Old.Instance.OrgName, it.Old.Instance.SpaceName)
		record(it)
	}
	interrupted := func() bool {
		if stop.Err() != nil {
			it.Err = errInterrupted
			record(it)
			return true
		}
		return false
	}
	req := it.Request(opts.WaitTimeout)

	// A successor from an earlier run, found by its annotation, is continued; there is never a second one.
	successor, err := c.findSuccessor(work, it.Old)
	if err != nil {
		fail(err)
		return
	}
	if successor != nil && successor.LastOperation.Type == "delete" && successor.LastOperation.State != "failed" {
		// An earlier run was removing a failed successor when it stopped: let that finish, then make a new one.
		it.Step, it.NewGUID = StepCreating, successor.GUID
		record(it)
		if err := c.waitKeyGone(work, successor.GUID, opts.WaitTimeout); err != nil {
			fail(fmt.Errorf("waiting for the removal of the successor %s of %s: %w", successor.Name, it.Old.Name, err))
			return
		}
		successor, it.NewGUID = nil, ""
	}
	if successor != nil && successor.LastOperation.Type == "create" && successor.LastOperation.State == "failed" {
		// A successor whose create failed never worked for anyone: remove it, then make a new one.
		it.Step, it.NewGUID = StepCreating, successor.GUID
		record(it)
		if err := c.DeleteKey(work, successor.GUID, opts.WaitTimeout); err != nil {
			fail(fmt.Errorf("removing the failed successor %s of %s: %w", successor.Name, it.Old.Name, err))
			return
		}
		successor, it.NewGUID = nil, ""
	}
	var created CreatedKey
	if successor == nil {
		it.Step = StepCreating
		record(it)
		created, err = c.CreateKey(work, req)
	} else {
		it.Step, it.NewGUID, it.NewName = StepCreating, successor.GUID, successor.Name
		record(it)
		created, err = c.FinishKey(work, successor.GUID, opts.WaitTimeout)
	}
	if created.Key.GUID != "" {
		it.NewGUID, it.NewName = created.Key.GUID, created.Key.Name
	}
	if err != nil {
		fail(fmt.Errorf("creating the successor of %s: %w", it.Old.Name, err))
		return
	}
	it.Step, it.NewFinding, it.Credentials = StepCreated, created.Finding, created.Credentials
	record(it)
	if interrupted() {
		return
	}
	if err := verifySuccessor(it.Old, created); err != nil {
		fail(err)
		return
	}
	it.Step = StepVerified
	record(it)
	if interrupted() {
		return
	}
	old, err := c.KeyWithMeta(work, it.Old.GUID)
	if err != nil {
		fail(fmt.Errorf("re-reading %s before marking it replaced: %w", it.Old.Name, err))
		return
	}
	if old.Annotations[AnnotationReplacedBy] != it.NewGUID {
		if err := c.AnnotateKey(work, it.Old.GUID, map[string]string{AnnotationReplacedBy: it.NewGUID}); err != nil {
			fail(err)
			return
		}
	}
	it.Step = StepAnnotated
	record(it)
	if !opts.DeleteOld {
		it.Step = StepDone
		record(it)
		return
	}
	if interrupted() {
		return
	}
	it.Step = StepDeleting
	record(it)
	if err := c.DeleteKey(work, it.Old.GUID, opts.WaitTimeout); err != nil {
		fail(err)
		return
	}
	it.Step = StepDone
	record(it)
}

// findSuccessor returns the key annotated as replacing old, if an earlier run created one.
func (c *Client) findSuccessor(ctx context.Context, old KeyReport) (*KeyMeta, error) {
	keys, err := c.InstanceKeys(ctx, old.Instance.GUID)
	if err != nil {
		return nil, err
	}
	var found []KeyMeta
	for _, k := range keys {
		if k.Annotations[AnnotationReplaces] == old.GUID && k.GUID != old.GUID {
			found = append(found, k)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return &found[0], nil
	}
	return nil, fmt.Errorf("%d keys of instance %s say they replace %s (%s, %s, ...): delete the extra ones, then run again", len(found), old.Instance.Name, old.Name, found[0].Name, found[1].Name)
}

// VerifyError says why a successor cannot replace its predecessor; the old key is left alone.
type VerifyError struct {
	Old, New string
	Reason   string
}

// Error says why the successor cannot replace the old key.
func (e *VerifyError) Error() string {
	return fmt.Sprintf("successor %s of %s did not verify: %s; the old key stays", e.New, e.Old, e.Reason)
}

// verifySuccessor checks that a successor can replace the old key: the same instance, a certificate where the old
// key had one, expiring later than the old one; a key without a certificate must at least have credentials.
func verifySuccessor(old KeyReport, created CreatedKey) error {
	fail := func(format string, args ...any) error {
		return &VerifyError{Old: old.Name, New: created.Key.Name, Reason: fmt.Sprintf(format, args...)}
	}
	if created.Key.InstanceGUID != old.Instance.GUID {
		return fail("it belongs to another instance")
	}
	if !created.Key.LastOperation.Succeeded() {
		return fail("it is %s", created.Key.LastOperation.Describe())
	}
	oc, nc := old.Finding.Certificate, created.Finding.Certificate
	switch {
	case oc != nil && nc == nil:
		return fail("the old key has a certificate and the new one has none")
	case oc != nil && !nc.Effective().After(oc.Effective()):
		return fail("its certificate expires %s, not later than the old one's %s", nc.Effective().Format(time.DateOnly), oc.Effective().Format(time.DateOnly))
	case created.Finding.Kind == expiry.KindUnknown:
		return fail("its credentials cannot be read: %s", created.Finding.Reason)
	}
	return nil
}
