package policy

import "unicode/utf8"

// globMatch reports whether name matches pattern, where "*" stands for any run of characters (slashes
// included: CF names may hold them) and "?" for exactly one. Matching is case-sensitive, as CF names are.
func globMatch(pattern, name string) bool {
	// Iterative matching with one backtrack point: the last "*" seen and where the name stood then.
	p, n := 0, 0
	starP, starN := -1, 0
	for n < len(name) {
		if p < len(pattern) {
			switch pattern[p] {
			case '*':
				starP, starN = p, n
				p++
				continue
			case '?':
				_, size := utf8.DecodeRuneInString(name[n:])
				p++
				n += size
				continue
			default:
				if pattern[p] == name[n] {
					p++
					n++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		// Let the last "*" swallow one more character and try again from there.
		_, size := utf8.DecodeRuneInString(name[starN:])
		starN += size
		p, n = starP+1, starN
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
