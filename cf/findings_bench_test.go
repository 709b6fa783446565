package cf

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/cfkeys/cfkeys/cf/cffake"
)

// warmKeys is the size of the warm-scan benchmark's foundation: 10,000 keys in 1,000 instances, so two pages of
// keys and one of instances.
const warmKeys = 10000

// warmRequestBound is what a warm scan in --api mode may cost: discovery, token and the two listings, plus one
// request for each further page of 5,000 keys or instances.
func warmRequestBound(keys, instances int) int64 {
	pages := func(n int) int { return max(1, (n+maxPageSize-1)/maxPageSize) }
	return int64(4 + pages(keys) - 1 + pages(instances) - 1)
}

// BenchmarkWarmScan10000 runs what `cfkeys scan --api` does in a new process on a foundation of 10,000
// certificate keys at 20 ms per request: "cold" with an empty findings cache (every key's /details read, the
// cache written), "warm" with the cache a cold scan left (a new client and store on the same directory, as a
// new process has). It reports wall time and requests per scan, and fails when a warm scan reads any
// credentials or sends more requests than discovery, token and the listing pages need (5 here).
//
//	go test ./cf -run '^$' -bench WarmScan10000 -benchtime 3x
func BenchmarkWarmScan10000(b *testing.B) {
	fake, err := cffake.New(cffake.Options{Latency: benchLatency, Data: cffake.Dataset{BulkKeys: warmKeys}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ctx := context.Background()
	creds := Credentials{Grant: GrantPassword, Username: cffake.AdminUser, Password: NewSecret(fake.Password(cffake.AdminUser))}
	root := b.TempDir() // the sub-benchmarks' own temporary directories go when they end
	primed := ""        // a cache directory a cold scan filled
	newDir := func(b *testing.B) string {
		dir, err := os.MkdirTemp(root, "cache")
		if err != nil {
			b.Fatal(err)
		}
		return dir
	}

	scan := func(b *testing.B, dir string) (*SweepResult, int64, time.Duration) {
		store := NewFindingsStore(dir, 0, func(err error) { b.Errorf("findings store: %v", err) })
		opts := Options{HTTPClient: NewHTTPClient(false, DefaultConcurrency), DetailsCache: NewPersistentDetailsCache(store)}
		before := fake.Requests()
		start := time.Now()
		c, _, err := Login(ctx, srv.URL, creds, opts)
		if err != nil {
			b.Fatal(err)
		}
		res, err := c.Sweep(ctx, SweepOptions{})
		wall := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Keys) != warmKeys {
			b.Fatalf("keys = %d", len(res.Keys))
		}
		return res, fake.Requests() - before, wall
	}
	report := func(b *testing.B, requests int64, wall time.Duration) {
		n := float64(b.N)
		b.ReportMetric(float64((wall / time.Duration(b.N)).Milliseconds()), "ms/scan")
		b.ReportMetric(float64(requests)/n, "requests/scan")
	}

	b.Run("cold", func(b *testing.B) {
		var requests int64
		var wall time.Duration
		for b.Loop() {
			dir := newDir(b)
			res, n, w := scan(b, dir)
			if res.DetailsFetched != warmKeys {
				b.Fatalf("a cold scan read %d credentials, want %d", res.DetailsFetched, warmKeys)
			}
			requests, wall, primed = requests+n, wall+w, dir
		}
		report(b, requests, wall)
	})
	b.Run("warm", func(b *testing.B) {
		if primed == "" {
			primed = newDir(b)
			scan(b, primed)
		}
		var requests int64
		var wall time.Duration
		for b.Loop() {
			res, n, w := scan(b, primed)
			bound := warmRequestBound(len(res.Keys), len(res.Instances))
			if res.DetailsFetched != 0 || n > bound {
				b.Fatalf("a warm scan sent %d requests (bound %d) and read %d credentials", n, bound, res.DetailsFetched)
			}
			requests, wall = requests+n, wall+w
		}
		report(b, requests, wall)
		b.ReportMetric(float64(warmRequestBound(warmKeys, warmKeys/10)), "bound-requests")
	})
}
