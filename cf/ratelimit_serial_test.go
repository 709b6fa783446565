package cf

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// barrierTransport holds every request until want of them are in flight, then answers them all at once with
// rate-limit headers. Nothing else orders the goroutines that sent them, so under -race two callbacks that are not
// serialised are a reported data race, whatever the timing. The test is only meaningful with -race.
type barrierTransport struct {
	arrived sync.WaitGroup
	release chan struct{}
}

func (b *barrierTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	b.arrived.Done()
	<-b.release
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-RateLimit-Limit", "2000")
	h.Set("X-RateLimit-Remaining", "1800")
	h.Set("X-RateLimit-Reset", "1795340000")
	return &http.Response{StatusCode: http.StatusOK, Header: h, Body: io.NopCloser(strings.NewReader(`{}`)), Request: r}, nil
}

func TestOnRateLimitIsSerialised(t *testing.T) {
	t.Parallel()
	const workers = 16
	tr := &barrierTransport{release: make(chan struct{})}
	tr.arrived.Add(workers)
	// No lock and no atomics here: any synchronisation in the callback would hide an unserialised call from the
	// race detector.
	var limits []RateLimit
	opts := Options{
		HTTPClient:  &http.Client{Transport: tr},
		OnRateLimit: func(rl RateLimit) { limits = append(limits, rl) },
	}
	c, err := newClient(Endpoints{API: "https://api.example.org"}, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out struct{}
			errs <- c.get(context.Background(), "/v3/service_instances", &out)
		}()
	}
	tr.arrived.Wait() // all requests are in flight: their answers, and so their callbacks, come together
	close(tr.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(limits) != workers || limits[0].Limit != 2000 || limits[0].Remaining != 1800 {
		t.Errorf("OnRateLimit saw %d reports for %d requests: %+v", len(limits), workers, limits)
	}
}
