package expiry

import "testing"

func TestFoldSerial(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"0x5A3C9E10F2", "5a3c9e10f2"},
		{"5A:3C:9E:10:F2", "5a3c9e10f2"},
		{" 0X5a3c ", "5a3c"},
		{"3c9e10", "3c9e10"},
		{"0x", ""},
		{"", ""},
	} {
		if got := FoldSerial(tc.in); got != tc.want {
			t.Errorf("FoldSerial(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
