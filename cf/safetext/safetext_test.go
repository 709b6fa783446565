package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain ascii unchanged", "orders-erp-cert", "orders-erp-cert"},
		{"unicode unchanged", "東京-integration 🔑 Zürich", "東京-integration 🔑 Zürich"},
		{"CSI colour removed", "\x1b[31mred\x1b[0m", "red"},
		{"CSI cursor moves removed", "a\x1b[2J\x1b[Hb", "ab"},
		{"CSI private mode removed", "x\x1b[?1049hy", "xy"},
		{"OSC 52 clipboard removed (BEL)", "key\x1b]52;c;ZXZpbA==\x07name", "keyname"},
		{"OSC 8 hyperlink removed (ST)", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"OSC title unterminated swallowed", "a\x1b]0;pwned", "a"},
		{"DCS removed", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"},
		{"APC removed", "a\x1b_Gf=100;AAAA\x1b\\b", "ab"},
		{"two-byte ESC removed", "a\x1bcb\x1b7c", "abc"},
		{"charset designation removed", "a\x1b(Bb", "ab"},
		{"lone ESC at end", "abc\x1b", "abc"},
		{"8-bit CSI removed", "a\u009b31mb", "ab"},
		{"8-bit OSC removed", "a\u009d52;c;eA==\u009cb", "ab"},
		{"BEL replaced", "a\x07b", "a\uFFFDb"},
		{"NUL replaced", "a\x00b", "a\uFFFDb"},
		{"DEL replaced", "a\x7fb", "a\uFFFDb"},
		{"backspace replaced", "abc\b\b\bxyz", "abc\uFFFD\uFFFD\uFFFDxyz"},
		{"newlines become spaces", "line1\nline2\r\n", "line1 line2  "},
		{"tab becomes space", "a\tb", "a b"},
		{"unicode line and paragraph separators become spaces", "a\u2028b\u2029c", "a b c"},
		{"other C1 replaced", "a\u0085b", "a\uFFFDb"},
		{"bidi override removed", "abc\u202Efed\u202C", "abcfed"},
		{"bidi isolate removed", "\u2066x\u2069", "x"},
		{"invalid utf8 replaced", "a\xffb", "a\uFFFDb"},
		{"CSI with stray control", "a\x1b[3\x07b", "a\uFFFDb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Clean(tc.in)
			if got != tc.want {
				t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
			assertInert(t, got)
		})
	}
}

// assertInert fails when s holds anything a terminal would act on.
func assertInert(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%q is not valid UTF-8", s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || isBidiControl(r) {
			t.Fatalf("%q still holds control character %U", s, r)
		}
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[31mred", "\x1b]52;c;AA==\x07", "\u009b1m", "\xff\xfe", "東京\x1b[", "\x1bP\x1b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Clean(s)
		assertInert(t, got)
		if Clean(got) != got {
			t.Fatalf("Clean is not idempotent on %q: %q then %q", s, got, Clean(got))
		}
	})
}

func TestWidthAndTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        string
		width     int
		want      string
		wantWidth int
	}{
		{"fits", "abc", 5, "abc", 3},
		{"exact", "abcde", 5, "abcde", 5},
		{"cut with ellipsis", "abcdefgh", 5, "abcd…", 5},
		{"wide chars counted twice", "東京都", 6, "東京都", 6},
		{"wide chars never split", "東京都庁", 5, "東京…", 5},
		{"emoji", "🔑🔑🔑", 4, "🔑…", 3},
		{"zero width", "abc", 0, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Truncate(tc.in, tc.width)
			if got != tc.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
			}
			if w := Width(got); w != tc.wantWidth || w > tc.width {
				t.Errorf("Width(%q) = %d, want %d (<= %d)", got, w, tc.wantWidth, tc.width)
			}
		})
	}
}

func TestPadAlwaysExactWidth(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 300)
	for _, in := range []string{"", "a", "東京", "🔑 key", long, "東京都庁東京都庁東京都庁"} {
		for _, w := range []int{1, 2, 3, 7, 20} {
			if got := Pad(in, w); Width(got) != w {
				t.Errorf("Pad(%q, %d) = %q with width %d", in, w, got, Width(got))
			}
		}
	}
}

// Fit draws an API string in a column: cleaned, then exactly the column's width.
func TestFitCleansAndFillsTheColumn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"pay\x1b[31mroll", 10, "payroll   "},
		{"\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\", 6, "link  "},
		{"cpi-inbound-orders", 8, "cpi-inb…"},
		{"東京都庁", 5, "東京…"},
	} {
		if got := Fit(tc.in, tc.width); got != tc.want {
			t.Errorf("Fit(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

// FitMiddle keeps the start and the end of a name, so names that differ only at the end stay apart.
func TestFitMiddle(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"cpi-inbound-orders", 14, "cpi-in…-orders"},
		{"cpi-inbound-invoices", 14, "cpi-in…nvoices"},
		{"short", 8, "short   "},
		{"pay\x1b[31mroll-and-more", 9, "payr…more"},
		{"東京都庁東京都庁", 9, "東京…都庁"},
	} {
		got := FitMiddle(tc.in, tc.width)
		if got != tc.want || Width(got) != tc.width {
			t.Errorf("FitMiddle(%q, %d) = %q (width %d), want %q", tc.in, tc.width, got, Width(got), tc.want)
		}
	}
}
