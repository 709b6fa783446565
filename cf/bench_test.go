package cf

import (
	"context"
	"net/http/httptest"
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

// BenchmarkSweep500 runs what `cfkeys scan` does, cold, on a foundation of 500 certificate keys with 20 ms of
// latency per request: discovery, login, both listings and every key's /details, with an empty details cache
// each time. It reports the wall time of a scan and its requests, and fails when concurrency 16 takes more than
// 1.5 times its latency bound ((4 + ceil(500/16)) x 20 ms = 720 ms) or is less than 12 times faster than
// concurrency 1.
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
	perScan := map[int]time.Duration{}
	for _, conc := range []int{16, 1} {
		b.Run(map[int]string{16: "concurrency=16", 1: "concurrency=1"}[conc], func(b *testing.B) {
			var requests int64
			var wall time.Duration
			for b.Loop() {
				opts := Options{Concurrency: conc, HTTPClient: NewHTTPClient(false, conc), DetailsCache: NewDetailsCache()}
				before := fake.Requests()
				start := time.Now()
				c, _, err := Login(ctx, srv.URL, creds, opts)
				if err != nil {
					b.Fatal(err)
				}
				res, err := c.Sweep(ctx, SweepOptions{})
				wall += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Keys) != benchKeys || res.DetailsFetched != benchKeys {
					b.Fatalf("keys = %d, details read = %d", len(res.Keys), res.DetailsFetched)
				}
				requests += fake.Requests() - before // discovery included
			}
			n := float64(b.N)
			perScan[conc] = wall / time.Duration(b.N)
			b.ReportMetric(float64(perScan[conc].Milliseconds()), "ms/scan")
			b.ReportMetric(float64(requests)/n, "requests/scan")
			b.ReportMetric(float64(latencyBound(conc).Milliseconds()), "bound-ms")
			if conc == 16 && perScan[16] > latencyBound(16)*3/2 {
				b.Errorf("a scan at concurrency 16 took %v, over 1.5 x the latency bound %v", perScan[16], latencyBound(16))
			}
			if conc == 1 && perScan[16] > 0 {
				speedup := float64(perScan[1]) / float64(perScan[16])
				b.ReportMetric(speedup, "speedup-vs-c1")
				if speedup < 12 {
					b.Errorf("concurrency 16 is only %.1f x faster than concurrency 1, want at least 12", speedup)
				}
			}
		})
	}
}
