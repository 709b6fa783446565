package cf

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cfkeys/cfkeys/cf/expiry"
)

// Annotations cfkeys writes on the foundation itself, so that a rotation interrupted anywhere finds its own work
// again: the successor names the key it replaces from its creation on, and the old key names its successor once
// the successor is verified.
const (
	AnnotationReplaces   = "cfkeys.dev/replaces"
	AnnotationReplacedBy = "cfkeys.dev/replaced-by"
)

// KeyMeta is a service key with its metadata (labels and annotations).
type KeyMeta struct {
	ServiceKey
	Labels      map[string]string
	Annotations map[string]string
}

type wireKeyMeta struct {
	wireResource
	Metadata struct {
		Labels      map[string]*string `json:"labels"`
		Annotations map[string]*string `json:"annotations"`
	} `json:"metadata"`
}

func (w wireKeyMeta) model() KeyMeta {
	flat := func(m map[string]*string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			if v != nil {
				out[k] = *v
			}
		}
		return out
	}
	return KeyMeta{ServiceKey: w.key(), Labels: flat(w.Metadata.Labels), Annotations: flat(w.Metadata.Annotations)}
}

// KeyWithMeta reads one key with its labels and annotations.
func (c *Client) KeyWithMeta(ctx context.Context, guid string) (KeyMeta, error) {
	var w wireKeyMeta
	if err := c.get(ctx, "/v3/service_credential_bindings/"+url.PathEscape(guid), &w); err != nil {
		return KeyMeta{}, fmt.Errorf("reading service key %s: %w", guid, err)
	}
	return w.model(), nil
}

// InstanceKeys lists the keys of one instance with their metadata (names optionally filtering them).
func (c *Client) InstanceKeys(ctx context.Context, instanceGUID string, names ...string) ([]KeyMeta, error) {
	params := map[string]string{"type": "key", "per_page": c.pageSize(), "service_instance_guids": instanceGUID}
	if len(names) > 0 {
		params["names"] = strings.Join(names, ",")
	}
	var out []KeyMeta
	seen := map[string]bool{}
	next := "/v3/service_credential_bindings?" + query(params)
	for n := 0; next != "" && n < maxPages; n++ {
		var page struct {
			Pagination struct {
				Next *wireLink `json:"next"`
			} `json:"pagination"`
			Resources []wireKeyMeta `json:"resources"`
		}
		if err := c.get(ctx, next, &page); err != nil {
			return nil, fmt.Errorf("listing the keys of service instance %s: %w", instanceGUID, err)
		}
		for _, r := range page.Resources {
			if !seen[r.GUID] {
				seen[r.GUID] = true
				out = append(out, r.model())
			}
		}
		next = ""
		if page.Pagination.Next != nil {
			next = page.Pagination.Next.Href
		}
	}
	return out, nil
}

// KeyRequest asks for a new service key.
type KeyRequest struct {
	InstanceGUID string
	Name         string
	Parameters   map[string]any    // the broker's create parameters; nil sends none
	Annotations  map[string]string // metadata.annotations of the new key
	// WaitTimeout bounds the wait for the create job (0: DefaultWaitTimeout).
	WaitTimeout time.Duration
}

// Body returns the JSON body of POST /v3/service_credential_bindings for the request.
func (r KeyRequest) Body() map[string]any {
	body := map[string]any{
		"type": "key", "name": r.Name,
		"relationships": map[string]any{"service_instance": map[string]any{"data": map[string]string{"guid": r.InstanceGUID}}},
	}
	if r.Parameters != nil {
		body["parameters"] = r.Parameters
	}
	if len(r.Annotations) > 0 {
		body["metadata"] = map[string]any{"annotations": r.Annotations}
	}
	return body
}

// CreatedKey is a key cfkeys created: the key as listed, and what its credentials say. The credentials stay in
// memory for a handover file and are never printed unless the user asks.
type CreatedKey struct {
	Key         KeyMeta
	Finding     expiry.Finding
	Credentials KeyCredentials
}

// Report is the created key as find and scan report keys, in the instance si.
func (k CreatedKey) Report(si ServiceInstance) KeyReport {
	return KeyReport{GUID: k.Key.GUID, Name: k.Key.Name, Type: "key", CreatedAt: k.Key.CreatedAt, LastOperation: k.Key.LastOperation,
		Instance: si, Finding: k.Finding}
}

// StartCreateKey sends the create request and returns the job's Location. A request that got no answer is an
// *UncertainWriteError: look for the key (FindCreatedKey) before sending it again.
func (c *Client) StartCreateKey(ctx context.Context, r KeyRequest) (string, error) {
	loc, err := c.write(ctx, http.MethodPost, "/v3/service_credential_bindings", r.Body(), nil)
	if err != nil {
		return "", fmt.Errorf("creating service key %q: %w", r.Name, err)
	}
	if loc == "" {
		return "", fmt.Errorf("creating service key %q: the Cloud Controller accepted it without a job to follow", r.Name)
	}
	return loc, nil
}

// FindCreatedKey looks for a key a create request may have made: same instance, same name, and every one of the
// request's annotations. It returns false when there is none.
func (c *Client) FindCreatedKey(ctx context.Context, r KeyRequest) (KeyMeta, bool, error) {
	keys, err := c.InstanceKeys(ctx, r.InstanceGUID, r.Name)
	if err != nil {
		return KeyMeta{}, false, err
	}
	for _, k := range keys {
		if k.Name == r.Name && hasAnnotations(k, r.Annotations) {
			return k, true, nil
		}
	}
	return KeyMeta{}, false, nil
}

func hasAnnotations(k KeyMeta, want map[string]string) bool {
	for n, v := range want {
		if k.Annotations[n] != v {
			return false
		}
	}
	return true
}

// CreateKey creates a key and waits until it is usable: the create request, its job, then the key and its
// credentials. If the request got no answer it looks for the key by name and annotations instead of sending it
// again, and follows the key it finds.
func (c *Client) CreateKey(ctx context.Context, r KeyRequest) (CreatedKey, error) {
	loc, err := c.StartCreateKey(ctx, r)
	switch {
	case IsUncertainWrite(err) && ctx.Err() == nil:
		k, found, ferr := c.FindCreatedKey(ctx, r)
		if ferr != nil {
			return CreatedKey{}, fmt.Errorf("%w; looking for the key afterwards: %v", err, ferr)
		}
		if !found {
			return CreatedKey{}, fmt.Errorf("%w; no key %q was found afterwards, so it was not created (run the command again)", err, r.Name)
		}
		return c.FinishKey(ctx, k.GUID, r.WaitTimeout)
	case err != nil:
		return CreatedKey{}, err
	}
	job, err := c.WaitJob(ctx, loc, r.WaitTimeout)
	if err != nil {
		return CreatedKey{}, fmt.Errorf("creating service key %q: %w", r.Name, err)
	}
	guid := guidOfLink(job.Resource)
	if guid == "" {
		k, found, err := c.FindCreatedKey(ctx, r)
		if err != nil || !found {
			return CreatedKey{}, fmt.Errorf("creating service key %q: the job finished but the key was not found", r.Name)
		}
		guid = k.GUID
	}
	return c.FinishKey(ctx, guid, r.WaitTimeout)
}

// guidOfLink returns the last path segment of a resource link.
func guidOfLink(href string) string {
	u, err := url.Parse(href)
	if err != nil {
		return ""
	}
	p := u.Path
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return ""
}

// FinishKey waits until a key's create has finished (polling the key itself, for a key found without its job),
// then reads its credentials.
func (c *Client) FinishKey(ctx context.Context, guid string, timeout time.Duration) (CreatedKey, error) {
	k, err := pollUntil(ctx, c, "the creation of service key "+guid, timeout, func() (KeyMeta, bool, error) {
		k, err := c.KeyWithMeta(ctx, guid)
		if err != nil {
			return k, false, err
		}
		op := k.LastOperation
		switch {
		case op.Type == "create" && op.State == "failed":
			return k, true, &JobFailedError{Operation: "service_keys.create", Errors: []CCError{{Title: "create failed", Detail: op.Description}}}
		case op.Type == "delete":
			return k, true, fmt.Errorf("service key %s is being deleted", guid)
		}
		return k, op.Succeeded(), nil
	})
	if err != nil {
		return CreatedKey{Key: k}, err
	}
	creds, err := c.Details(ctx, guid)
	if err != nil {
		return CreatedKey{Key: k}, err
	}
	creds.rememberSecrets() // a later error that echoes the new key's secret must not print it
	f := creds.Finding()
	c.remember(guid, f)
	return CreatedKey{Key: k, Finding: f, Credentials: creds}, nil
}

// DeleteKey deletes a key and waits for its job. A key that is already gone counts as deleted.
func (c *Client) DeleteKey(ctx context.Context, guid string, timeout time.Duration) error {
	loc, err := c.write(ctx, http.MethodDelete, "/v3/service_credential_bindings/"+url.PathEscape(guid), nil, nil)
	switch {
	case IsNotFound(err):
		return nil
	case IsUncertainWrite(err) && ctx.Err() == nil:
		// Look before anything else: gone or being deleted means the request arrived.
		k, gerr := c.KeyWithMeta(ctx, guid)
		if IsNotFound(gerr) {
			return nil
		}
		if gerr == nil && k.LastOperation.Type == "delete" {
			return c.waitKeyGone(ctx, guid, timeout)
		}
		return fmt.Errorf("deleting service key %s: %w", guid, err)
	case err != nil:
		return fmt.Errorf("deleting service key %s: %w", guid, err)
	}
	if loc == "" {
		return nil // 204: deleted at once
	}
	if _, err := c.WaitJob(ctx, loc, timeout); err != nil {
		return fmt.Errorf("deleting service key %s: %w", guid, err)
	}
	return nil
}

// waitKeyGone polls a key whose deletion is under way until it is gone.
func (c *Client) waitKeyGone(ctx context.Context, guid string, timeout time.Duration) error {
	_, err := pollUntil(ctx, c, "the deletion of service key "+guid, timeout, func() (struct{}, bool, error) {
		k, err := c.KeyWithMeta(ctx, guid)
		switch {
		case IsNotFound(err):
			return struct{}{}, true, nil
		case err == nil && k.LastOperation.Type == "delete" && k.LastOperation.State == "failed":
			return struct{}{}, true, fmt.Errorf("the deletion of service key %s failed: %s", guid, k.LastOperation.Describe())
		}
		return struct{}{}, false, err
	})
	return err
}

// AnnotateKey sets annotations on a key (PATCH metadata; other annotations and labels stay).
func (c *Client) AnnotateKey(ctx context.Context, guid string, annotations map[string]string) error {
	body := map[string]any{"metadata": map[string]any{"annotations": annotations}}
	if _, err := c.write(ctx, http.MethodPatch, "/v3/service_credential_bindings/"+url.PathEscape(guid), body, nil); err != nil {
		return fmt.Errorf("annotating service key %s: %w", guid, err)
	}
	return nil
}

// TitleBrokerRateLimited is the 429 of the Cloud Controller's per-user broker-concurrency limiter, which covers
// GET .../parameters.
const TitleBrokerRateLimited = "CF-ServiceBrokerRateLimitExceeded"

// TitleParametersNotSupported is the 400 of GET .../parameters for an offering without bindings_retrievable.
const TitleParametersNotSupported = "CF-ServiceFetchBindingParametersNotSupported"

// maxBrokerWait bounds one wait for the broker-concurrency limiter (its Retry-After is 0.5 to 1.5 times the
// broker timeout, 30 to 90 s by default).
const maxBrokerWait = 5 * time.Minute

// maxBrokerWaits bounds how many of those 429s in a row one request waits out.
const maxBrokerWaits = 10

// paramsLocks serialises GET .../parameters per foundation and user (the scope of the client's cache): the
// broker-concurrency limiter counts requests in flight per user, so sending them one at a time is the only way
// not to be refused, whatever the concurrency of the rest.
var paramsLocks sync.Map // scope -> *sync.Mutex

// ErrParametersNotRetrievable says the offering does not let the Cloud Controller fetch a key's parameters.
var ErrParametersNotRetrievable = errors.New("the offering does not let its keys' parameters be read")

// KeyParameters reads the parameters a key was created with (GET .../parameters, fetched from the broker). An
// offering that does not allow it yields ErrParametersNotRetrievable. Calls of one client are sent one at a
// time, and the broker-concurrency 429 is waited out, however long its Retry-After.
func (c *Client) KeyParameters(ctx context.Context, guid string) (map[string]any, error) {
	mu, _ := paramsLocks.LoadOrStore(c.cacheScope.Load().(string), &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	for waits := 0; ; waits++ {
		var out map[string]any
		err := c.get(ctx, "/v3/service_credential_bindings/"+url.PathEscape(guid)+"/parameters", &out)
		var ae *APIError
		switch {
		case err == nil:
			if out == nil {
				out = map[string]any{}
			}
			return out, nil
		case errors.As(err, &ae) && ae.Has(TitleParametersNotSupported):
			return nil, ErrParametersNotRetrievable
		case errors.As(err, &ae) && ae.StatusCode == http.StatusTooManyRequests && waits < maxBrokerWaits:
			wait := ae.RetryAfter
			if wait <= 0 {
				wait = 30 * time.Second
			}
			if serr := c.opts.Sleep(ctx, min(wait, maxBrokerWait)); serr != nil {
				return nil, fmt.Errorf("reading the parameters of service key %s: waiting out the broker limit: %w", guid, serr)
			}
			continue
		}
		return nil, fmt.Errorf("reading the parameters of service key %s: %w", guid, err)
	}
}
