package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// cfkeysBinary builds the cfkeys binary once per test run.
func cfkeysBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cfkeys-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "cfkeys")
		if runtime.GOOS == "windows" {
			binPath += ".exe"
		}
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("building cfkeys: %v", buildErr)
	}
	return binPath
}

// servedDemo is `cfkeys demo --serve-only` running as a process.
type servedDemo struct {
	api, user, password, devUser, devPassword, clientID, clientSecret string
	cmd                                                               *exec.Cmd
}

func serveDemo(t *testing.T) *servedDemo {
	t.Helper()
	cmd := exec.Command(cfkeysBinary(t), "demo", "--serve-only")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &servedDemo{cmd: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo server did not stop cleanly on SIGINT: %v (%s)", err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("demo server ignored SIGINT")
		}
	})
	lines := bufio.NewScanner(stdout)
	fields := map[string]*string{"api": &d.api, "username": &d.user, "password": &d.password, "developer-username": &d.devUser,
		"developer-password": &d.devPassword, "client-id": &d.clientID, "client-secret": &d.clientSecret}
	for lines.Scan() {
		k, v, ok := strings.Cut(lines.Text(), ": ")
		if !ok || fields[k] == nil {
			t.Fatalf("unexpected line from demo --serve-only: %q", lines.Text())
		}
		*fields[k] = v
		if k == "client-secret" {
			break
		}
	}
	if d.api == "" || d.user != "admin" || d.password == "" || d.clientSecret == "" {
		t.Fatalf("demo --serve-only printed %+v (stderr %s)", d, stderr.String())
	}
	go func() { _, _ = bufio.NewReader(stdout).WriteTo(os.Stderr) }()
	return d
}

// cfkeysRun runs the binary with the given environment (and nothing else from ours but PATH and HOME).
func cfkeysRun(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(cfkeysBinary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

func TestE2EScanAgainstServedDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	d := serveDemo(t)
	admin := []string{"CF_USERNAME=" + d.user, "CF_PASSWORD=" + d.password}

	// table: piped, so no colour and no progress bar
	stdout, stderr, code := cfkeysRun(t, admin, "scan", "--api", d.api)
	if code != 2 || stderr != "" {
		t.Fatalf("table: exit %d, stderr %q", code, stderr)
	}
	if !strings.HasPrefix(stdout, "STATUS    DAYS  VALID UNTIL") || strings.Contains(stdout, "\x1b") || !strings.Contains(stdout, "23 keys: 2 expired, 6 critical, 2 warning, 2 unknown, 7 ok, 4 none (thresholds by policy built-in)") {
		t.Errorf("table:\n%s", stdout)
	}

	// JSON
	stdout, _, code = cfkeysRun(t, admin, "scan", "--api", d.api, "--output", "json")
	var doc struct {
		Schema int    `json:"schema"`
		API    string `json:"api"`
		Keys   []struct {
			Name          string `json:"name"`
			Status        string `json:"status"`
			DaysRemaining *int   `json:"days_remaining"`
			Certificate   *struct {
				Source string `json:"source"`
			} `json:"certificate"`
		} `json:"keys"`
		Errors []any `json:"errors"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != 2 || doc.Schema != 1 || doc.API != d.api || len(doc.Keys) != 23 || doc.Errors == nil {
		t.Fatalf("json: exit %d, %v\n%s", code, err, stdout)
	}
	if k := doc.Keys[0]; k.Name != "dev-sender-old" || k.Status != "expired" || *k.DaysRemaining != -40 || k.Certificate.Source != "certificatedetails" {
		t.Errorf("json first key = %+v", k)
	}

	// CSV
	stdout, _, _ = cfkeysRun(t, admin, "scan", "--api", d.api, "--output", "csv")
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil || len(rows) != 24 || rows[0][0] != "org" || rows[1][6] != "dev-sender-old" || rows[1][9] != "-40" {
		t.Errorf("csv: %v\n%s", err, stdout)
	}

	// Prometheus
	stdout, _, _ = cfkeysRun(t, admin, "scan", "--api", d.api, "--output", "prometheus")
	if strings.Count(stdout, "cfkeys_certificate_expiry_seconds{") != 17 || !strings.Contains(stdout, `cfkeys_keys{status="expired"} 2`) {
		t.Errorf("prometheus:\n%s", stdout)
	}

	// every exit code
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		code int
	}{
		{"0 all ok", admin, []string{"--org", "partner-hub"}, 0},
		{"1 warnings", admin, []string{"--org", "acme-dev", "--space", "sandbox", "--critical", "7d", "--warn", "30d"}, 1},
		{"2 critical", admin, nil, 2},
		{"3 bad password", []string{"CF_USERNAME=admin", "CF_PASSWORD=nope"}, nil, 3},
		{"3 usage", admin, []string{"--within", "soon"}, 3},
		{"3 network", admin, []string{"--api", "http://127.0.0.1:1"}, 3},
		// The developer is only an auditor there: the keys are listed as unknown, which is no failure.
		{"developer sees less", []string{"CF_USERNAME=" + d.devUser, "CF_PASSWORD=" + d.devPassword}, []string{"--org", "acme-dev", "--space", "sandbox"}, 0},
		{"client credentials", []string{"CF_CLIENT_ID=" + d.clientID, "CF_CLIENT_SECRET=" + d.clientSecret}, []string{"--org", "partner-hub"}, 0},
	} {
		args := append([]string{"scan", "--api", d.api}, tc.args...)
		if _, stderr, code := cfkeysRun(t, tc.env, args...); code != tc.code {
			t.Errorf("%s: exit %d, want %d (%s)", tc.name, code, tc.code, stderr)
		}
	}

	stdout, _, _ = cfkeysRun(t, []string{"CF_USERNAME=" + d.devUser, "CF_PASSWORD=" + d.devPassword}, "scan", "--api", d.api, "--org", "acme-dev", "--space", "sandbox")
	if strings.Count(stdout, "credentials not readable") != 3 || !strings.Contains(stdout, "3 keys: 3 unknown") {
		t.Errorf("developer in an auditor-only space:\n%s", stdout)
	}

	// find by GUID: one direct lookup
	stdout, _, _ = cfkeysRun(t, admin, "scan", "--api", d.api, "--output", "json", "--org", "partner-hub")
	var ph struct {
		Keys []struct{ GUID, Name string } `json:"keys"`
	}
	_ = json.Unmarshal([]byte(stdout), &ph)
	if len(ph.Keys) != 2 {
		t.Fatalf("partner-hub keys: %s", stdout)
	}
	stdout, _, code = cfkeysRun(t, admin, "find", ph.Keys[0].GUID, "--api", d.api)
	if code != 0 || !strings.HasPrefix(stdout, ph.Keys[0].Name+"\n") || !strings.Contains(stdout, "partner-hub / 東京-integration") {
		t.Errorf("find: exit %d\n%s", code, stdout)
	}

	// nothing printed anywhere holds the demo's secrets
	all := ""
	for _, args := range [][]string{{"scan", "--output", "json"}, {"scan", "--output", "csv"}, {"scan"}, {"find", "CN="}} {
		o, e, _ := cfkeysRun(t, admin, append(args, "--api", d.api)...)
		all += o + e
	}
	for _, s := range []string{d.password, d.devPassword, d.clientSecret} {
		if strings.Contains(all, s) {
			t.Error("output holds a demo secret")
		}
	}
}

func TestE2EVersionAndDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	stdout, _, code := cfkeysRun(t, nil, "version")
	if code != 0 || !strings.HasPrefix(stdout, "cfkeys ") {
		t.Errorf("version: %d %q", code, stdout)
	}
	stdout, _, code = cfkeysRun(t, nil, "demo")
	if code != 0 || !strings.Contains(stdout, "23 keys") {
		t.Errorf("demo: %d\n%s", code, stdout)
	}
}
