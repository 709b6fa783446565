package cf

import (
	"fmt"
	"testing"
	"time"
)

// partialBudget is what one partial result of a 10,000-key sweep may cost the sweeping goroutine, judged on the
// median: a sweep of 10,000 keys makes one a second at most (partialSpacing), so 15 ms stalls the pipeline for
// at most 1.5% of the time.
const partialBudget = 15 * time.Millisecond

// BenchmarkSweepPartial10k measures what SweepOptions.OnPartial costs the sweeping goroutine on a foundation of
// 10,000 keys in 1,000 instances, half of them read: the copy of what is known, in order. It fails when the
// median result takes more than partialBudget.
//
//	go test ./cf -run '^$' -bench SweepPartial10k
func BenchmarkSweepPartial10k(b *testing.B) {
	c := &Client{opts: Options{Clock: time.Now}}
	r := newSweepRun(c, SweepOptions{}, InstanceFilter{}, func(Progress) {})
	for i := range 1000 {
		si := ServiceInstance{GUID: fmt.Sprintf("i-%04d", i), Name: fmt.Sprintf("cpi-%04d", i), OrgName: fmt.Sprintf("org-%02d", i/100),
			SpaceName: fmt.Sprintf("space-%d", i%10)}
		r.instances = append(r.instances, si)
		r.byGUID[si.GUID] = si
	}
	for i := range 10000 {
		k := ServiceKey{GUID: fmt.Sprintf("k-%05d", i), Name: fmt.Sprintf("key-%05d", i), InstanceGUID: fmt.Sprintf("i-%04d", i%1000)}
		r.keys = append(r.keys, k)
		if i%2 == 0 {
			r.findings[k.GUID] = pendingFinding(k.LastOperation)
		}
	}
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		var res SweepResult
		r.fill(&res, true)
		times = append(times, time.Since(start))
		if len(res.Keys) != 10000 {
			b.Fatalf("%d keys", len(res.Keys))
		}
	}
	per := median(times)
	b.ReportMetric(float64(per.Microseconds())/1000, "median-ms/partial")
	if per > partialBudget {
		b.Errorf("a partial result of 10,000 keys took %v (median), over %v", per, partialBudget)
	}
}
