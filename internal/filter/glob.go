package filter

// globMatch reports whether name matches the shell pattern pat as
// fnmatch(3) does without FNM_PATHNAME and FNM_PERIOD ('*' matches '/'
// and a leading '.'), with FNM_CASEFOLD if fold. A malformed bracket
// expression matches a literal '['. It runs in O(len(pat)*len(name)).
func globMatch(pat, name string, fold bool) bool {
	px, nx := 0, 0
	starPx, starNx := -1, -1
	for nx < len(name) || px < len(pat) {
		if px < len(pat) {
			switch c := pat[px]; c {
			case '*':
				starPx, starNx = px, nx
				px++
				continue
			case '?':
				if nx < len(name) {
					px++
					nx++
					continue
				}
			case '[':
				if nx < len(name) {
					if ok, width, valid := matchClass(pat[px:], name[nx], fold); valid {
						if ok {
							px += width
							nx++
							continue
						}
					} else if lower(name[nx], fold) == '[' {
						px++
						nx++
						continue
					}
				}
			case '\\':
				if px+1 < len(pat) && nx < len(name) && lower(pat[px+1], fold) == lower(name[nx], fold) {
					px += 2
					nx++
					continue
				}
				if px+1 == len(pat) && nx < len(name) && name[nx] == '\\' {
					px++
					nx++
					continue
				}
			default:
				if nx < len(name) && lower(c, fold) == lower(name[nx], fold) {
					px++
					nx++
					continue
				}
			}
		}
		if starPx >= 0 && starNx < len(name) {
			starNx++
			px, nx = starPx+1, starNx
			continue
		}
		return false
	}
	return true
}

func lower(c byte, fold bool) byte {
	if fold && c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// matchClass matches c against the bracket expression at the start of
// pat; width is the expression's length, valid false if it has no ']'.
func matchClass(pat string, c byte, fold bool) (ok bool, width int, valid bool) {
	i := 1
	neg := false
	if i < len(pat) && (pat[i] == '!' || pat[i] == '^') {
		neg = true
		i++
	}
	c = lower(c, fold)
	first := true
	for i < len(pat) {
		if pat[i] == ']' && !first {
			return ok != neg, i + 1, true
		}
		first = false
		lo := pat[i]
		if lo == '\\' && i+1 < len(pat) {
			i++
			lo = pat[i]
		}
		i++
		hi := lo
		if i+1 < len(pat) && pat[i] == '-' && pat[i+1] != ']' {
			hi = pat[i+1]
			if hi == '\\' && i+2 < len(pat) {
				i++
				hi = pat[i+1]
			}
			i += 2
		}
		if lower(lo, fold) <= c && c <= lower(hi, fold) {
			ok = true
		}
	}
	return false, 0, false
}
