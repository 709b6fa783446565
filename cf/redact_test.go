package cf

import (
	"bytes"
	"fmt"
	"net/url"
	"strconv"
	"testing"

	"golang.org/x/oauth2"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	pw := NewSecret("redact-test pass&word+\"quoted\"\t!")
	_ = NewSecret("redact-test-other-secret")
	NewSession(nil, Credentials{}, &oauth2.Token{AccessToken: "redact-test-access.token.value", RefreshToken: "redact-test-refresh-r"}, nil, nil)
	_ = NewSecret("short") // below the minimum: left alone, or every "short" in every message would go
	q := strconv.Quote(pw.Reveal())
	tests := []struct{ name, in, want string }{
		{"raw", "Bad credentials: " + pw.Reveal() + ".", "Bad credentials: [redacted]."},
		{"form-encoded", "grant_type=password&password=" + url.QueryEscape(pw.Reveal()) + "&username=a", "grant_type=password&password=[redacted]&username=a"},
		{"path-escaped", "/p/" + url.PathEscape(pw.Reveal()), "/p/[redacted]"},
		{"Go-quoted", "got " + q, `got "[redacted]"`},
		{"access token", "Authorization: bearer redact-test-access.token.value", "Authorization: bearer [redacted]"},
		{"refresh token", "refresh_token=redact-test-refresh-r", "refresh_token=[redacted]"},
		{"several", "redact-test-other-secret and redact-test-other-secret", "[redacted] and [redacted]"},
		{"short values stay", "a short message", "a short message"},
		{"nothing to hide", "plain text", "plain text"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Redact(tc.in); got != tc.want {
				t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRedactWriter(t *testing.T) {
	t.Parallel()
	s := NewSecret("redact-writer-secret")
	var buf bytes.Buffer
	w := RedactWriter(&buf)
	if RedactWriter(w) != w {
		t.Error("a redacting writer was wrapped twice")
	}
	n, err := fmt.Fprintf(w, "error: %s was refused\n", s.Reveal())
	if err != nil || n != len("error: redact-writer-secret was refused\n") {
		t.Errorf("write = %d, %v", n, err)
	}
	if got := buf.String(); got != "error: [redacted] was refused\n" {
		t.Errorf("wrote %q", got)
	}
}

// TestRedactBounded: the registry forgets the oldest values past maxSecrets, so a UI left open for weeks does
// not grow without bound. It does not run in parallel: it pushes every other test's secrets out.
func TestRedactBounded(t *testing.T) {
	first := NewSecret("redact-bound-first-value")
	for i := range maxSecrets + 10 {
		rememberSecret(fmt.Sprintf("redact-bound-%06d", i))
	}
	if got := Redact(first.Reveal()); got != first.Reveal() {
		t.Errorf("the oldest value is still redacted (%q)", got)
	}
	if got := Redact("x redact-bound-001030 y"); got != "x [redacted] y" {
		t.Errorf("a recent value is not redacted: %q", got)
	}
	registry.mu.Lock()
	n, indexed, forms := len(registry.values), 0, 0
	for _, list := range registry.index {
		indexed += len(list)
	}
	for _, f := range registry.forms {
		forms += len(f)
	}
	registry.mu.Unlock()
	if n > maxSecrets {
		t.Errorf("registry holds %d values", n)
	}
	if indexed != forms {
		t.Errorf("the index holds %d spellings, the values held have %d", indexed, forms)
	}
	if Redact("redact-bound-001033") != Redacted {
		t.Error("the newest value is not redacted")
	}
}

// TestRedactLongestFirst: of two secrets where one starts with the other, the longer is matched whole, whichever
// was registered first.
func TestRedactLongestFirst(t *testing.T) {
	t.Parallel()
	for _, order := range [][]string{{"prefix-secret-A", "prefix-secret-A-longer"}, {"prefix-secret-B-longer", "prefix-secret-B"}} {
		for _, v := range order {
			rememberSecret(v)
		}
		long := order[0]
		if len(order[1]) > len(long) {
			long = order[1]
		}
		if got := Redact("<" + long + ">"); got != "<"+Redacted+">" {
			t.Errorf("registered %q: Redact(%q) = %q", order, long, got)
		}
	}
}
