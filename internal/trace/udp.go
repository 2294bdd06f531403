package trace

import "strings"

// cgroup2In returns the mount point of a line of mountinfo that mounts
// the cgroup v2 hierarchy.
func cgroup2In(line string) (string, bool) {
	// 36 35 0:30 / /sys/fs/cgroup rw,... shared:9 - cgroup2 cgroup2 rw
	pre, post, ok := strings.Cut(line, " - ")
	if !ok || !strings.HasPrefix(post, "cgroup2 ") {
		return "", false
	}
	f := strings.Fields(pre)
	if len(f) < 5 || f[3] != "/" {
		return "", false
	}
	return unescapeMount(f[4]), true
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, ok := octal(s[i+1 : i+4]); ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// octal reads three octal digits.
func octal(s string) (byte, bool) {
	if len(s) != 3 {
		return 0, false
	}
	var v int
	for _, c := range s {
		if c < '0' || c > '7' {
			return 0, false
		}
		v = v*8 + int(c-'0')
	}
	return byte(v), v < 256
}
