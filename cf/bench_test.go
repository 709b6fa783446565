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

// BenchmarkSweep500 sweeps a foundation of 500 certificate keys with 20 ms of latency per request, with a cold
// details cache each time. It reports the wall time of a sweep, the requests it sent, and the latency bound the
// issue sets for concurrency 16: (sequential listing round trips + ceil(keys/16)) x latency.
//
//	go test ./cf -run '^$' -bench Sweep500 -benchtime 3x
func BenchmarkSweep500(b *testing.B) {
	fake, err := cffake.New(cffake.Options{Latency: benchLatency, Data: cffake.Dataset{BulkKeys: 500}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ctx := context.Background()
	creds := Credentials{Grant: GrantPassword, Username: cffake.AdminUser, Password: NewSecret(fake.Password(cffake.AdminUser))}
	base, sess, err := Login(ctx, srv.URL, creds, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, conc := range []int{16, 1} {
		b.Run(map[int]string{16: "concurrency=16", 1: "concurrency=1"}[conc], func(b *testing.B) {
			var requests int64
			var wall time.Duration
			for b.Loop() {
				b.StopTimer()
				c, _, err := Resume(base.Endpoints(), sess.Token(), creds, Options{Concurrency: conc, HTTPClient: NewHTTPClient(false, conc)}, nil)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				res, err := c.Sweep(ctx, SweepOptions{})
				wall += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Keys) != 500 {
					b.Fatalf("keys = %d", len(res.Keys))
				}
				requests += res.Requests
			}
			n := float64(b.N)
			b.ReportMetric(float64(wall.Milliseconds())/n, "ms/sweep")
			b.ReportMetric(float64(requests)/n, "requests/sweep")
			sequential := 2 // the instance listing and the key listing; the token is fresh
			bound := time.Duration(sequential+(500+15)/16) * benchLatency
			b.ReportMetric(float64(bound.Milliseconds()), "bound-ms@c16")
		})
	}
}
