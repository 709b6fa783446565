package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfkeys/cfkeys/cf/cffake"
	"github.com/cfkeys/cfkeys/cf/expiry"
)

// A Prometheus file written with --output-file is replaced whole, and a failed scan replaces it with
// cfkeys_scan_success 0, so monitoring sees the failure instead of the last good data.
func TestScanOutputFilePrometheus(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	dir := t.TempDir()
	path := filepath.Join(dir, "cfkeys.prom")
	stdout, stderr, code := run(t, f.adminEnv(), "scan", "--api", f.url, "-o", "prometheus", "--output-file", path)
	if code != 2 || stdout != "" || stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), `cfkeys_scan_success{api="`+f.url+`"} 1`) || !strings.Contains(string(body), "cfkeys_certificate_expiry_seconds{") {
		t.Errorf("good scan:\n%s", body)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode: %v %v", st.Mode(), err)
	}

	_, stderr, code = run(t, map[string]string{"CF_USERNAME": "admin", "CF_PASSWORD": "wrong"}, "scan", "--api", f.url, "-o", "prometheus", "--output-file", path)
	if code != 3 || !strings.Contains(stderr, "Bad credentials") {
		t.Fatalf("failed scan: exit %d, %q", code, stderr)
	}
	body, _ = os.ReadFile(path)
	if !strings.Contains(string(body), `cfkeys_scan_success{api="`+f.url+`"} 0`) || strings.Contains(string(body), "cfkeys_certificate_expiry_seconds{") ||
		!strings.Contains(string(body), "cfkeys_scan_timestamp_seconds ") || !strings.Contains(string(body), "# cfkeys scan failed: ") {
		t.Errorf("failed scan left:\n%s", body)
	}
	if strings.Contains(string(body), "wrong") {
		t.Errorf("the password reached the file:\n%s", body)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// Other formats leave the file alone when the scan fails, and a file that cannot be written is an error.
func TestScanOutputFileOtherFormats(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	path := filepath.Join(t.TempDir(), "keys.json")
	if _, stderr, code := run(t, f.adminEnv(), "scan", "--api", f.url, "-o", "json", "--output-file", path, "--org", "partner-hub"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	before, _ := os.ReadFile(path)
	if !strings.Contains(string(before), `"schema": 1`) {
		t.Fatalf("json file:\n%s", before)
	}
	if _, _, code := run(t, map[string]string{"CF_USERNAME": "admin", "CF_PASSWORD": "wrong"}, "scan", "--api", f.url, "-o", "json", "--output-file", path); code != 3 {
		t.Fatalf("exit %d", code)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("a failed JSON scan changed the file")
	}
	table := filepath.Join(t.TempDir(), "keys.txt")
	if _, _, code := run(t, f.adminEnv(), "scan", "--api", f.url, "--output-file", table, "--org", "partner-hub"); code != 0 {
		t.Fatal("table to file")
	}
	if body, _ := os.ReadFile(table); !strings.Contains(string(body), "ORG") || strings.Contains(string(body), "\x1b") {
		t.Errorf("table file:\n%q", body)
	}
	_, stderr, code := run(t, f.adminEnv(), "scan", "--api", f.url, "--output-file", filepath.Join(t.TempDir(), "missing", "x.prom"), "-o", "prometheus")
	if code != 3 || !strings.Contains(stderr, "writing ") {
		t.Errorf("unwritable: exit %d, %q", code, stderr)
	}
}

func TestConcurrencyBounds(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	for _, args := range [][]string{
		{"scan", "--api", f.url, "--concurrency", "0"},
		{"scan", "--api", f.url, "--concurrency", "100000"},
		{"find", "x", "--api", f.url, "--concurrency", "-1"},
		{"find", "x", "--api", f.url, "--concurrency", "65"},
	} {
		_, stderr, code := run(t, f.adminEnv(), args...)
		if code != 3 || !strings.Contains(stderr, "--concurrency must be between 1 and 64") {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
}

func TestStatusPhrase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    expiry.Status
		days int
		want string
	}{
		{expiry.StatusExpired, -3, "expired 3 days ago"},
		{expiry.StatusExpired, -1, "expired yesterday"},
		{expiry.StatusCritical, 0, "critical, expires within a day"},
		{expiry.StatusCritical, 1, "critical, 1 day left"},
		{expiry.StatusOK, 412, "ok, 412 days left"},
	} {
		if got := statusPhrase(tc.s, tc.days); got != tc.want {
			t.Errorf("%v %d: %q, want %q", tc.s, tc.days, got, tc.want)
		}
	}
}

// CSV has no column for keys the scan could not read: they go to stderr, and the exit status says 3.
func TestScanCSVErrorsOnStderr(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	f.fake.Inject(cffake.Fault{PathSuffix: "/details", PathPrefix: "/v3/service_credential_bindings/", Status: 503, ContentType: "application/json",
		Body: `{"errors":[{"detail":"CredHub is unavailable","title":"CF-ServiceUnavailable","code":10015}]}`})
	stdout, stderr, code := run(t, f.adminEnv(), "scan", "--api", f.url, "-o", "csv", "--org", "partner-hub")
	if code != 3 || !strings.HasPrefix(stdout, "org,space,") {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "cfkeys: could not check key ") || !strings.Contains(lines[0], "CredHub is unavailable") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if rows := strings.Count(strings.TrimSpace(stdout), "\n"); rows != len(lines) {
		t.Errorf("%d rows, %d errors", rows, len(lines))
	}
}

// TestScanOutputFileThroughSymlink: --output-file onto a symbolic link replaces the file it points to and keeps
// that file's mode; the link stays a link (issue 8 item 7).
func TestScanOutputFileThroughSymlink(t *testing.T) {
	t.Parallel()
	f := newTestFoundation(t, cffake.DemoData)
	dir := t.TempDir()
	real := filepath.Join(dir, "real.json")
	if err := os.WriteFile(real, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "keys.json")
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := run(t, f.adminEnv(), "scan", "--api", f.url, "-o", "json", "--output-file", link, "--org", "partner-hub"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
	body, err := os.ReadFile(real)
	if err != nil || !strings.Contains(string(body), `"schema": 1`) {
		t.Fatalf("the link's target was not written: %q %v", body, err)
	}
	if st, _ := os.Stat(real); st.Mode().Perm() != 0o600 {
		t.Errorf("target mode %v, want 0600 kept", st.Mode().Perm())
	}
}
