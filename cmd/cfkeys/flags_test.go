package main

import (
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfkeys/cfkeys/cf"
)

// The NewCmd tests check, in the way of the GitHub CLI, what each command line parses into, without a
// foundation, a keyring or an app: the command's run function is replaced by one that keeps the options.

// parseFlags runs cmd on args and returns what its RunE refused, if anything.
func parseFlags(t *testing.T, cmd *cobra.Command, args []string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(""))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.Execute()
}

// checkParse compares what a command parsed with what a case wants, or the error it wants.
func checkParse[T any](t *testing.T, err error, wantErr string, got *T, want T) {
	t.Helper()
	switch {
	case wantErr != "":
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("error %v, want one saying %q", err, wantErr)
		}
		if got != nil {
			t.Errorf("the command ran with %+v", *got)
		}
	case err != nil:
		t.Errorf("unexpected error: %v", err)
	case got == nil:
		t.Error("the command did not run")
	case !reflect.DeepEqual(*got, want):
		t.Errorf("parsed\n %+v\nwant\n %+v", *got, want)
	}
}

func TestNewCmdScan(t *testing.T) {
	t.Parallel()
	defaults := scanOptions{connect: connectOptions{Concurrency: cf.DefaultConcurrency}, thresholds: thresholdFlags{}, Output: "table"}
	tests := []struct {
		name    string
		args    []string
		want    func(o *scanOptions)
		wantErr string
	}{
		{name: "defaults", want: func(*scanOptions) {}},
		{name: "api and filters", args: []string{"--api", "https://api.example.org", "--org", "a", "--org", "b", "--space", "s", "--within", "2w"},
			want: func(o *scanOptions) {
				o.connect.API, o.Orgs, o.Spaces, o.Within = "https://api.example.org", []string{"a", "b"}, []string{"s"}, "2w"
			}},
		{name: "profile, thresholds, output", args: []string{"--profile", "eu10", "--warn", "45d", "--critical", "14d", "-o", "prometheus", "--output-file", "x.prom", "--concurrency", "3", "--skip-ssl-validation"},
			want: func(o *scanOptions) {
				o.connect.Profile, o.thresholds, o.Output, o.OutputFile = "eu10", thresholdFlags{"45d", "14d"}, "prometheus", "x.prom"
				o.connect.Concurrency, o.connect.SkipSSLValidation = 3, true
			}},
		{name: "all profiles", args: []string{"--all-profiles", "-o", "json"}, want: func(o *scanOptions) { o.AllProfiles, o.Output = true, "json" }},
		{name: "unknown output", args: []string{"--output", "xml"}, wantErr: `--output must be one of`},
		{name: "argument", args: []string{"eu10"}, wantErr: `unknown command "eu10"`},
		{name: "unknown flag", args: []string{"--colour"}, wantErr: "unknown flag: --colour"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got *scanOptions
			err := parseFlags(t, newScanCmd(nil, func(_ *cobra.Command, o *scanOptions) error { got = o; return nil }), tc.args)
			want := defaults
			if tc.want != nil {
				tc.want(&want)
			}
			if got != nil {
				got = &scanOptions{connect: connectOptions{API: got.connect.API, Profile: got.connect.Profile, SkipSSLValidation: got.connect.SkipSSLValidation,
					Concurrency: got.connect.Concurrency}, AllProfiles: got.AllProfiles, Orgs: got.Orgs, Spaces: got.Spaces, Within: got.Within,
					thresholds: got.thresholds, Output: got.Output, OutputFile: got.OutputFile}
			}
			checkParse(t, err, tc.wantErr, got, want)
		})
	}
}

func TestNewCmdFind(t *testing.T) {
	t.Parallel()
	defaults := findOptions{connect: connectOptions{Concurrency: cf.DefaultConcurrency}, thresholds: thresholdFlags{}, Output: "table"}
	tests := []struct {
		name    string
		args    []string
		want    func(o *findOptions)
		wantErr string
	}{
		{name: "a GUID", args: []string{"5f0e9c1a-1111-4222-8333-944455556666"}, want: func(o *findOptions) { o.Query = "5f0e9c1a-1111-4222-8333-944455556666" }},
		{name: "a DN with flags", args: []string{"OU=SAP Cloud Platform Clients", "--api", "https://api.example.org", "--org", "acme", "--space", "dev", "-o", "json", "--warn", "60d"},
			want: func(o *findOptions) {
				o.Query, o.connect.API, o.Orgs, o.Spaces, o.Output = "OU=SAP Cloud Platform Clients", "https://api.example.org", []string{"acme"}, []string{"dev"}, "json"
				o.thresholds.warn = "60d"
			}},
		{name: "no query", wantErr: "accepts 1 arg(s), received 0"},
		{name: "two queries", args: []string{"a", "b"}, wantErr: "accepts 1 arg(s), received 2"},
		{name: "blank query", args: []string{"  "}, wantErr: "the query is empty"},
		{name: "csv", args: []string{"x", "-o", "csv"}, wantErr: `--output must be table or json, not "csv"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got *findOptions
			err := parseFlags(t, newFindCmd(nil, func(_ *cobra.Command, o *findOptions) error { got = o; return nil }), tc.args)
			want := defaults
			if tc.want != nil {
				tc.want(&want)
			}
			if got != nil {
				got = &findOptions{connect: connectOptions{API: got.connect.API, Profile: got.connect.Profile, SkipSSLValidation: got.connect.SkipSSLValidation,
					Concurrency: got.connect.Concurrency}, Query: got.Query, Orgs: got.Orgs, Spaces: got.Spaces, thresholds: got.thresholds, Output: got.Output}
			}
			checkParse(t, err, tc.wantErr, got, want)
		})
	}
}

func TestNewCmdDemo(t *testing.T) {
	t.Parallel()
	defaults := demoOptions{Listen: "127.0.0.1:0", ui: uiOptions{Refresh: time.Minute, Concurrency: cf.DefaultConcurrency}}
	tests := []struct {
		name    string
		args    []string
		want    func(o *demoOptions)
		wantErr string
	}{
		{name: "defaults", want: func(*demoOptions) {}},
		{name: "serve only", args: []string{"--serve-only", "--listen", "127.0.0.1:8080", "--latency", "50ms", "--hostile-names"},
			want: func(o *demoOptions) {
				o.ServeOnly, o.Listen, o.Latency, o.Hostile = true, "127.0.0.1:8080", 50*time.Millisecond, true
			}},
		{name: "ui flags", args: []string{"--refresh", "0", "--within", "30d", "--critical", "3d", "--policy", "team.yaml"},
			want: func(o *demoOptions) {
				o.ui.Refresh, o.ui.Within, o.ui.thresholds.critical, o.ui.Policy = 0, "30d", "3d", "team.yaml"
			}},
		{name: "no profile flag", args: []string{"--profile", "x"}, wantErr: "unknown flag: --profile"},
		{name: "bad latency", args: []string{"--latency", "soon"}, wantErr: `invalid argument "soon" for "--latency"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got *demoOptions
			err := parseFlags(t, newDemoCmd(nil, func(_ *cobra.Command, o *demoOptions) error { got = o; return nil }), tc.args)
			want := defaults
			if tc.want != nil {
				tc.want(&want)
			}
			checkParse(t, err, tc.wantErr, got, want)
		})
	}
}

func TestNewCmdLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    loginOptions
		wantErr string
	}{
		{name: "password", args: []string{"-a", "https://api.example.org", "--name", "eu10", "-u", "jane", "-p", "pw", "--origin", "idp", "--remember-password"},
			want: loginOptions{API: "https://api.example.org", Name: "eu10", Username: "jane", Password: "pw", Origin: "idp", RememberPassword: true}},
		{name: "sso", args: []string{"--api", "https://api.example.org", "--sso"}, want: loginOptions{API: "https://api.example.org", SSO: true}},
		{name: "passcode", args: []string{"-a", "https://x", "--sso-passcode", "abc"}, want: loginOptions{API: "https://x", SSOPasscode: "abc"}},
		{name: "client credentials", args: []string{"-a", "https://x", "--client-credentials", "--client-id", "monitor", "--client-secret", "s3", "--skip-ssl-validation"},
			want: loginOptions{API: "https://x", ClientCredentials: true, ClientID: "monitor", ClientSecret: "s3", SkipSSLValidation: true}},
		{name: "cf config", args: []string{"--from-cf-config", "--cf-home", "/tmp/cf"}, want: loginOptions{FromCFConfig: true, CFHome: "/tmp/cf"}},
		{name: "no api", wantErr: "no API given: use -a URL"},
		{name: "two modes", args: []string{"-a", "https://x", "--sso", "--client-credentials"}, wantErr: "choose one of --sso"},
		{name: "cf config and api", args: []string{"--from-cf-config", "-a", "https://x"}, wantErr: "leave out --api"},
		{name: "origin with sso", args: []string{"-a", "https://x", "--sso", "--origin", "idp"}, wantErr: "--origin only applies"},
		{name: "client id alone", args: []string{"-a", "https://x", "--client-id", "m"}, wantErr: "need --client-credentials"},
		{name: "user with sso", args: []string{"-a", "https://x", "--sso", "-u", "jane"}, wantErr: "-u, -p and --password-stdin are for a username and password login"},
		{name: "bad name", args: []string{"-a", "https://x", "--name", "a/b"}, wantErr: "a/b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got *loginOptions
			err := parseFlags(t, newLoginCmd(nil, func(_ *cobra.Command, o *loginOptions) error { got = o; return nil }), tc.args)
			checkParse(t, err, tc.wantErr, got, tc.want)
		})
	}
}
