package cf

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// JobPollInterval is how often a job is polled, as the cf CLI does.
const JobPollInterval = 3 * time.Second

// DefaultWaitTimeout bounds how long a write waits for its job (or a key's last operation) to finish.
const DefaultWaitTimeout = 5 * time.Minute

// Job is an asynchronous Cloud Controller operation (GET /v3/jobs/:guid).
type Job struct {
	GUID      string
	Operation string // service_keys.create, service_keys.delete, service_instances.create
	State     string // PROCESSING, POLLING, COMPLETE, FAILED
	Errors    []CCError
	// Resource is the link the job carries to what it creates (links.service_credential_bindings for a key).
	Resource string
}

// JobFailedError is a job that ended FAILED; it carries the broker's or Cloud Controller's own message.
type JobFailedError struct {
	Operation string
	Errors    []CCError
}

// Error gives the operation and the errors the job carried, in the broker's or Cloud Controller's words.
func (e *JobFailedError) Error() string {
	var parts []string
	for _, ce := range e.Errors {
		parts = append(parts, strings.TrimSpace(ce.Title+": "+ce.Detail))
	}
	if len(parts) == 0 {
		parts = append(parts, "no reason given")
	}
	return fmt.Sprintf("%s failed: %s", e.Operation, strings.Join(parts, "; "))
}

// WaitTimeoutError says a job or operation did not finish within the wait timeout; it may still finish.
type WaitTimeoutError struct {
	What    string
	Timeout time.Duration
}

// Error says what did not finish in time and that it may still finish.
func (e *WaitTimeoutError) Error() string {
	return fmt.Sprintf("%s did not finish within %s; it may still finish (look again later, or raise --wait-timeout)", e.What, e.Timeout)
}

type wireJob struct {
	GUID      string              `json:"guid"`
	Operation string              `json:"operation"`
	State     string              `json:"state"`
	Errors    []CCError           `json:"errors"`
	Links     map[string]wireLink `json:"links"`
}

// Job reads one job.
func (c *Client) Job(ctx context.Context, ref string) (Job, error) {
	var w wireJob
	if err := c.get(ctx, ref, &w); err != nil {
		return Job{}, fmt.Errorf("reading job: %w", err)
	}
	j := Job{GUID: w.GUID, Operation: w.Operation, State: w.State, Errors: w.Errors}
	if l, ok := w.Links["service_credential_bindings"]; ok {
		j.Resource = l.Href
	} else if l, ok := w.Links["service_instances"]; ok {
		j.Resource = l.Href
	}
	return j, nil
}

// WaitJob polls a job (its Location) every JobPollInterval until it is COMPLETE or FAILED, or timeout has passed
// on the client's clock (0 means DefaultWaitTimeout). A FAILED job is a *JobFailedError with the job's errors.
func (c *Client) WaitJob(ctx context.Context, location string, timeout time.Duration) (Job, error) {
	return pollUntil(ctx, c, "job", timeout, func() (Job, bool, error) {
		j, err := c.Job(ctx, location)
		if err != nil {
			return j, false, err
		}
		switch j.State {
		case "COMPLETE":
			return j, true, nil
		case "FAILED":
			return j, true, &JobFailedError{Operation: j.Operation, Errors: j.Errors}
		}
		return j, false, nil
	})
}

// pollUntil calls check every JobPollInterval until it says done, fails, or timeout passes on the client's clock.
func pollUntil[T any](ctx context.Context, c *Client, what string, timeout time.Duration, check func() (T, bool, error)) (T, error) {
	if timeout <= 0 {
		timeout = DefaultWaitTimeout
	}
	deadline := c.opts.Clock().Add(timeout)
	for {
		v, done, err := check()
		if done || err != nil {
			return v, err
		}
		if !c.opts.Clock().Before(deadline) {
			return v, &WaitTimeoutError{What: what, Timeout: timeout}
		}
		if err := c.opts.Sleep(ctx, JobPollInterval); err != nil {
			return v, fmt.Errorf("waiting for %s: %w", what, err)
		}
	}
}
