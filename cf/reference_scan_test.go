package cf

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// referenceConcurrency is the reference scanner's fixed number of parallel /details requests.
const referenceConcurrency = 16

// referenceScan is the minimal scanner the sweep is measured against (benchmarks only): both listings at once,
// each page of keys handed to referenceConcurrency workers as it arrives, every key's /details read and its
// certificate found, with no retries, no cache, no rate-limit handling and no error kept but the first. It
// returns how many keys it read. Whatever the sweep costs beyond it is the price of what the sweep guarantees.
func referenceScan(ctx context.Context, hc *http.Client, api, token string) (int, error) {
	get := func(ref string, out any) error {
		u := ref
		if ref[0] == '/' {
			u = api + ref
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "bearer "+token)
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", req.URL.Path, resp.Status)
		}
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		return json.Unmarshal(data, out)
	}
	list := func(first string, page func(*wirePage)) error {
		for next := first; next != ""; {
			var p wirePage
			if err := get(next, &p); err != nil {
				return err
			}
			page(&p)
			next = ""
			if p.Pagination.Next != nil {
				next = p.Pagination.Next.Href
			}
		}
		return nil
	}

	var (
		mu       sync.Mutex
		firstErr error
		read     int
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	jobs := make(chan string, 1<<16)
	var workers, listings sync.WaitGroup
	for range referenceConcurrency {
		workers.Go(func() {
			for guid := range jobs {
				var body struct {
					Credentials json.RawMessage `json:"credentials"`
				}
				if err := get("/v3/service_credential_bindings/"+guid+"/details", &body); err != nil {
					fail(err)
					continue
				}
				_ = NewKeyCredentials(body.Credentials).Finding()
				mu.Lock()
				read++
				mu.Unlock()
			}
		})
	}
	params := map[string]string{"type": "managed", "per_page": "5000"}
	for k, v := range instanceFields {
		params[k] = v
	}
	listings.Go(func() {
		if err := list("/v3/service_instances?"+query(params), func(*wirePage) {}); err != nil {
			fail(err)
		}
	})
	listings.Go(func() {
		err := list("/v3/service_credential_bindings?type=key&per_page=5000", func(p *wirePage) {
			for _, r := range p.Resources {
				if r.key().LastOperation.Succeeded() {
					jobs <- r.GUID
				}
			}
		})
		if err != nil {
			fail(err)
		}
	})
	listings.Wait()
	close(jobs)
	workers.Wait()
	return read, firstErr
}
