// Package textwidth measures text in terminal columns, for the tables and
// drawings that align it: an East Asian wide or full-width character
// takes two columns, a combining mark or zero-width character none, any
// other rune one. It is an approximation of UAX #11 good enough for
// headings, names and paths, and cheap on ASCII, which most of what a
// table holds is.
//
// Text is measured as it is, not as a terminal would show control
// characters: callers that print untrusted text escape it first (as
// render's tables do) and measure what they print. Each byte of invalid
// UTF-8 counts as one column, the width of the U+FFFD a decoder makes of
// it.
package textwidth

import "unicode/utf8"

// String returns the number of terminal columns s takes: the sum of Rune
// over its runes.
func String(s string) int {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return i
	}
	w := i
	for _, r := range s[i:] {
		w += Rune(r)
	}
	return w
}

// Bytes returns the number of terminal columns the UTF-8 text b takes, as
// String does for a string.
func Bytes(b []byte) int {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return i
	}
	w := i
	for i < len(b) {
		r, size := utf8.DecodeRune(b[i:])
		w += Rune(r)
		i += size
	}
	return w
}

// Rune returns how many terminal columns r takes: 2 for East Asian wide
// and full-width characters (Hangul leading jamo, CJK symbols and
// ideographs, kana, Yi, Hangul syllables, full-width forms, the common
// emoji blocks and the supplementary ideographic planes), 0 for combining
// diacritical marks, zero-width spaces and joiners, the direction marks
// LRM and RLM and the byte order mark, 1 otherwise.
func Rune(r rune) int {
	switch {
	case r < 0x300:
		return 1
	case r <= 0x36f, r >= 0x200b && r <= 0x200f, r == 0xfeff:
		return 0
	case r >= 0x1100 && r <= 0x115f, r >= 0x2e80 && r <= 0x303e,
		r >= 0x3041 && r <= 0x33ff, r >= 0x3400 && r <= 0x4dbf,
		r >= 0x4e00 && r <= 0x9fff, r >= 0xa000 && r <= 0xa4cf,
		r >= 0xac00 && r <= 0xd7a3, r >= 0xf900 && r <= 0xfaff,
		r >= 0xfe30 && r <= 0xfe4f, r >= 0xff00 && r <= 0xff60,
		r >= 0xffe0 && r <= 0xffe6, r >= 0x1f300 && r <= 0x1f64f,
		r >= 0x1f900 && r <= 0x1f9ff, r >= 0x20000 && r <= 0x3fffd:
		return 2
	}
	return 1
}
