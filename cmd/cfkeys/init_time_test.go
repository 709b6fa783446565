package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// initBudget is how long package initialisation of cfkeys may take. Every command pays it before it starts:
// go-runewidth's init alone once took 49 ms, for a command that otherwise runs in under 30 ms.
const initBudget = 10 * time.Millisecond

// initLine is a line of GODEBUG=inittrace=1: "init PACKAGE @START ms, CLOCK ms clock, BYTES bytes, ALLOCS allocs".
var initLine = regexp.MustCompile(`^init (\S+) @[0-9.]+ ms, ([0-9.]+) ms clock,`)

// BenchmarkInitTime runs cfkeys version with GODEBUG=inittrace=1 once per iteration and fails when the packages of
// the released binary take longer than initBudget to initialise. It is a benchmark, not a test, as every speed
// target here is: it measures time, which a loaded machine stretches, so go test ./... does not run it; .ci/run
// does (go test ./cmd/cfkeys -run '^$' -bench InitTime -benchtime 20x).
//
// Each package counts with its best time over the iterations, so an iteration descheduled in one package costs
// nothing, while a package slow in every run still fails. The cfkeys run is the copy of this test binary TestMain
// installs, which also holds packages only the tests import (testscript, the man page generator's Markdown
// parser, ...); they are left out by asking go list which packages the released binary has, so the budget is the
// user's, not the harness's.
func BenchmarkInitTime(b *testing.B) {
	released := releasedPackages(b)
	best := map[string]time.Duration{}
	for b.Loop() {
		for p, d := range initTime(b) {
			if old, ok := best[p]; released[p] && (!ok || d < old) {
				best[p] = d
			}
		}
	}
	total := sum(best)
	b.ReportMetric(float64(total)/float64(time.Millisecond), "init-ms")
	if total > initBudget {
		b.Errorf("package initialisation takes %v (each package's best of %d runs), over the budget of %v; slowest: %s", total, b.N, initBudget, slowest(best, 5))
	}
}

// releasedPackages are the packages a release build of cfkeys links, as go list reports them.
func releasedPackages(t testing.TB) map[string]bool {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	pkgs := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		pkgs[p] = true
	}
	for _, p := range []string{"github.com/spf13/cobra", "github.com/cfkeys/cfkeys/cf"} {
		if !pkgs[p] {
			t.Fatalf("go list -deps does not list %s:\n%s", p, out)
		}
	}
	return pkgs
}

// sum adds up the packages' times.
func sum(pkgs map[string]time.Duration) time.Duration {
	var total time.Duration
	for _, d := range pkgs {
		total += d
	}
	return total
}

// initTime runs cfkeys version once and returns the clock time each package's init took.
func initTime(t testing.TB) map[string]time.Duration {
	t.Helper()
	cmd := exec.Command("cfkeys", "version")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "GODEBUG=inittrace=1"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cfkeys version: %v\n%s", err, out)
	}
	pkgs := map[string]time.Duration{}
	lines := bufio.NewScanner(strings.NewReader(string(out)))
	for lines.Scan() {
		m := initLine.FindStringSubmatch(lines.Text())
		if m == nil {
			continue
		}
		ms, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			t.Fatalf("inittrace line %q: %v", lines.Text(), err)
		}
		d := time.Duration(ms * float64(time.Millisecond))
		pkgs[m[1]] += d
	}
	if _, ok := pkgs["github.com/spf13/cobra"]; !ok {
		t.Fatalf("no init trace from cfkeys version (is GODEBUG honoured?):\n%s", out)
	}
	return pkgs
}

// slowest names the n packages whose init took longest.
func slowest(pkgs map[string]time.Duration, n int) string {
	names := make([]string, 0, len(pkgs))
	for p := range pkgs {
		names = append(names, p)
	}
	sort.Slice(names, func(i, j int) bool { return pkgs[names[i]] > pkgs[names[j]] })
	var b strings.Builder
	for i, p := range names {
		if i == n {
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %v", p, pkgs[p])
	}
	return b.String()
}
