package cf

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// benchLatency is the latency the fake foundation adds to every request in the sweep benchmark.
const benchLatency = 20 * time.Millisecond

// benchKeys is the size of the benchmark's foundation.
const benchKeys = 500

// sequentialTrips are the round trips of a cold scan that cannot overlap: discovery (GET /), the token request,
// the instance listing and the key listing.
const sequentialTrips = 4

// latencyBound is the wall time of a cold scan whose credential reads are perfectly parallel at concurrency
// conc: the sequential round trips plus ceil(keys/conc) rounds of /details, each one latency long.
func latencyBound(conc int) time.Duration {
	return time.Duration(sequentialTrips+(benchKeys+conc-1)/conc) * benchLatency
}

// latencyRatio is how far over its latency bound a cold scan at concurrency 16 may be.
const latencyRatio = 1.3

// BenchmarkSweep500 runs what `cfkeys scan` does, cold, on a foundation of 500 certificate keys with 20 ms of
// latency per request: discovery, login, both listings and every key's /details, with an empty details cache
// each time. It reports the wall time of a scan, its requests and its peak concurrency, and fails when a fixed
// concurrency of 16 (or the adaptive one, starting at 16) takes more than 1.3 times the latency bound of
// concurrency 16 ((4 + ceil(500/16)) x 20 ms = 720 ms), or concurrency 16 is less than 12 times faster than 1,
// comparing median scans.
//
//	go test ./cf -run '^$' -bench Sweep500 -benchtime 2x
func BenchmarkSweep500(b *testing.B) {
	fake, err := cffake.New(cffake.Options{Latency: benchLatency, Data: cffake.Dataset{BulkKeys: benchKeys}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ctx := context.Background()
	creds := Credentials{Grant: GrantPassword, Username: cffake.AdminUser, Password: NewSecret(fake.Password(cffake.AdminUser))}
	warmUp(b, srv.URL, creds)
	perScan := map[string]time.Duration{}
	for _, tc := range []struct {
		name  string
		conc  int
		fixed bool
	}{
		{"concurrency=16", 16, true},
		{"adaptive", 16, false},
		{"concurrency=1", 1, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var requests int64
			var scans []time.Duration
			peak := 0
			for b.Loop() {
				opts := Options{Concurrency: tc.conc, HTTPClient: NewHTTPClient(false, tc.conc), DetailsCache: NewDetailsCache()}
				before := fake.Requests()
				start := time.Now()
				c, _, err := Login(ctx, srv.URL, creds, opts)
				if err != nil {
					b.Fatal(err)
				}
				res, err := c.Sweep(ctx, SweepOptions{FixedConcurrency: tc.fixed})
				scans = append(scans, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Keys) != benchKeys || res.DetailsFetched != benchKeys {
					b.Fatalf("keys = %d, details read = %d", len(res.Keys), res.DetailsFetched)
				}
				requests += fake.Requests() - before // discovery included
				peak = max(peak, res.PeakConcurrency)
			}
			n := float64(b.N)
			perScan[tc.name] = median(scans)
			b.ReportMetric(float64(mean(scans).Milliseconds()), "ms/scan")
			b.ReportMetric(float64(perScan[tc.name].Milliseconds()), "median-ms/scan")
			b.ReportMetric(float64(requests)/n, "requests/scan")
			b.ReportMetric(float64(peak), "peak-concurrency")
			if tc.conc == 16 {
				bound := latencyBound(16)
				b.ReportMetric(float64(bound.Milliseconds()), "bound-ms")
				ratio := float64(perScan[tc.name]) / float64(bound)
				b.ReportMetric(ratio, "x-bound")
				if ratio > latencyRatio {
					b.Errorf("a scan (%s) took %v, %.2f x the latency bound %v of concurrency 16, over %.1f x", tc.name, perScan[tc.name], ratio, bound, latencyRatio)
				}
			}
			if tc.conc == 1 && perScan["concurrency=16"] > 0 {
				b.ReportMetric(float64(latencyBound(1).Milliseconds()), "bound-ms")
				speedup := float64(perScan["concurrency=1"]) / float64(perScan["concurrency=16"])
				b.ReportMetric(speedup, "speedup-vs-c1")
				if speedup < 12 {
					b.Errorf("concurrency 16 is only %.1f x faster than concurrency 1, want at least 12", speedup)
				}
			}
		})
	}
}

// median is the middle of the scans' times: the machine is shared, and another tenant's burst slows one scan
// without saying anything about the sweep.
func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// mean is the average of the scans' times.
func mean(d []time.Duration) time.Duration {
	var sum time.Duration
	for _, v := range d {
		sum += v
	}
	return sum / time.Duration(max(len(d), 1))
}

// warmUp runs one untimed scan, so that the first measured one does not pay for what the process does once (the
// fake's first answers, the collection of its seed's garbage).
func warmUp(b *testing.B, api string, creds Credentials) {
	b.Helper()
	c, _, err := Login(context.Background(), api, creds, Options{DetailsCache: NewDetailsCache()})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Sweep(context.Background(), SweepOptions{}); err != nil {
		b.Fatal(err)
	}
}

// referenceKeys is the size of the foundation the sweep is compared with the reference scanner on.
const referenceKeys = 72

// referenceLatency is the latency per request of that comparison.
const referenceLatency = 50 * time.Millisecond

// referenceRatio is how much longer than the reference scanner a cold scan may take.
const referenceRatio = 1.1

// BenchmarkColdScanVsReference72 measures, side by side in one run (turn about, so load on the machine falls on
// both alike), a cold scan of a foundation of 72 certificate keys at 50 ms per request by the sweep and by
// referenceScan, the minimal scanner that lists in parallel and streams keys to 16 fixed workers. Every scan
// logs in afresh (discovery and token) on a new HTTP client. It fails when the sweep, adaptive as `cfkeys scan`
// runs it or held at a fixed 16, takes more than 1.1 times the reference's time.
//
//	go test ./cf -run '^$' -bench ColdScanVsReference72 -benchtime 10x
func BenchmarkColdScanVsReference72(b *testing.B) {
	fake, err := cffake.New(cffake.Options{Latency: referenceLatency, Data: cffake.Dataset{BulkKeys: referenceKeys}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ctx := context.Background()
	creds := Credentials{Grant: GrantPassword, Username: cffake.AdminUser, Password: NewSecret(fake.Password(cffake.AdminUser))}
	warmUp(b, srv.URL, creds)
	login := func() *Client {
		opts := Options{HTTPClient: NewHTTPClient(false, referenceConcurrency), DetailsCache: NewDetailsCache()}
		c, _, err := Login(ctx, srv.URL, creds, opts)
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	sweep := func(fixed bool) func() {
		return func() {
			res, err := login().Sweep(ctx, SweepOptions{FixedConcurrency: fixed})
			if err != nil || res.DetailsFetched != referenceKeys {
				b.Fatalf("sweep: %d keys read, %v", res.DetailsFetched, err)
			}
		}
	}
	reference := func() {
		c := login()
		token, err := c.tokens.AccessToken(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := referenceScan(ctx, c.HTTPClient(), srv.URL, token); err != nil || n != referenceKeys {
			b.Fatalf("reference: %d keys read, %v", n, err)
		}
	}
	scanners := []struct {
		name string
		scan func()
	}{{"reference", reference}, {"sweep", sweep(false)}, {"sweep-fixed-16", sweep(true)}}
	took := make([]time.Duration, len(scanners))
	for b.Loop() {
		for i, s := range scanners {
			start := time.Now()
			s.scan()
			took[i] += time.Since(start)
		}
	}
	ref := took[0] / time.Duration(b.N)
	b.ReportMetric(float64(ref.Milliseconds()), "reference-ms/scan")
	for i, s := range scanners[1:] {
		per := took[i+1] / time.Duration(b.N)
		ratio := float64(per) / float64(ref)
		b.ReportMetric(float64(per.Milliseconds()), s.name+"-ms/scan")
		b.ReportMetric(ratio, s.name+"-x-reference")
		if ratio > referenceRatio {
			b.Errorf("%s: a cold scan took %v, %.2f x the reference's %v, over %.1f x", s.name, per, ratio, ref, referenceRatio)
		}
	}
}
