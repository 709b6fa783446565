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

func TestSameSerial(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"0x5A3C", "5a:3c", true},
		{"0x5A3C", "005A3C", true},
		{"0x005a3c", "5A:3C", true},
		{"0x5A3C", "0x5A3D", false},
		{"0x5A3C", "5A3C00", false},
	} {
		if got := SameSerial(tc.a, tc.b); got != tc.want {
			t.Errorf("SameSerial(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
