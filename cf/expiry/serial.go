package expiry

import "strings"

// FoldSerial folds a serial number for matching: lower case, no 0x prefix, no colons, so that SAP's
// "0x5A3C9E10F2", openssl's "5A:3C:9E:10:F2" and a fragment such as "3c9e10" compare as text. cfkeys find and the
// UI filter both fold the query and Certificate.Serial with it.
func FoldSerial(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "0x")
	return strings.ReplaceAll(s, ":", "")
}

// SameSerial reports whether two serial numbers are the same however each is written: 0x5A3C, 5a:3c, 005A3C.
func SameSerial(a, b string) bool {
	return strings.TrimLeft(FoldSerial(a), "0") == strings.TrimLeft(FoldSerial(b), "0")
}

// normaliseSerial writes a serial as SAP does: "0x" and upper-case hex. Values it cannot read are kept as given.
func normaliseSerial(s string) string {
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	h = strings.ReplaceAll(h, ":", "")
	if h == "" {
		return s
	}
	for _, r := range h {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return s
		}
	}
	return "0x" + strings.ToUpper(h)
}
