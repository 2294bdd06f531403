package textwidth

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"", 0},
		{"tcp", 3},
		{"127.0.0.1:22", 12},
		{"\x00\t\x1b", 3},        // measured as they are; callers escape them
		{"\xff", 1},              // invalid UTF-8: one column a byte
		{"a\xe4\xb8", 3},         // a truncated sequence: each byte alone
		{"\xed\xa0\x80", 3},      // an encoded surrogate is three bad bytes
		{"é", 1},                 // precomposed
		{"e\u0301", 1},           // e and a combining acute accent
		{"a\u200bb", 2},          // zero-width space
		{"\ufeffkey", 3},         // byte order mark
		{"本地地址", 8},              // CJK ideographs
		{"状态：", 6},               // with a full-width colon
		{"ｱｲｳ", 3},               // half-width katakana
		{"ＴＣＰ", 6},               // full-width Latin
		{"한국어", 6},               // Hangul syllables
		{"ꀀ", 2},                 // Yi
		{"🌐 up", 5},              // emoji
		{"𠀀", 2},                 // a supplementary ideograph
		{"Ω≈ç√", 4},              // narrow non-ASCII
		{"ab中\u0301c", 5},        // a mark after a wide rune adds nothing
		{"以太网 2 (Ethernet)", 19}, // a Windows interface alias
	} {
		if got := String(tc.s); got != tc.want {
			t.Errorf("String(%q) = %d, want %d", tc.s, got, tc.want)
		}
		if got := Bytes([]byte(tc.s)); got != tc.want {
			t.Errorf("Bytes(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

// TestRuneBoundaries checks both ends of each range and the runes just
// outside them (ranges that touch are one here).
func TestRuneBoundaries(t *testing.T) {
	for _, rg := range []struct {
		lo, hi rune
		w      int
	}{
		{0x0300, 0x036f, 0}, {0x200b, 0x200f, 0}, {0xfeff, 0xfeff, 0},
		{0x1100, 0x115f, 2}, {0x2e80, 0x303e, 2},
		{0x3041, 0x4dbf, 2}, // kana, CJK symbols and extension A
		{0x4e00, 0xa4cf, 2}, // unified ideographs and Yi
		{0xac00, 0xd7a3, 2}, {0xf900, 0xfaff, 2}, {0xfe30, 0xfe4f, 2},
		{0xff00, 0xff60, 2}, {0xffe0, 0xffe6, 2}, {0x1f300, 0x1f64f, 2},
		{0x1f900, 0x1f9ff, 2}, {0x20000, 0x3fffd, 2},
	} {
		for _, r := range []rune{rg.lo, rg.hi} {
			if got := Rune(r); got != rg.w {
				t.Errorf("Rune(%U) = %d, want %d", r, got, rg.w)
			}
		}
		for _, r := range []rune{rg.lo - 1, rg.hi + 1} {
			if got := Rune(r); got == rg.w {
				t.Errorf("Rune(%U) = %d, want it outside %U..%U", r, got, rg.lo, rg.hi)
			}
		}
	}
	for _, r := range []rune{-1, 0, 'a', 0x2ff, 0x303f, 0x4dc0, 0x1f650, unicode.MaxRune, unicode.MaxRune + 1} {
		if got := Rune(r); got != 1 {
			t.Errorf("Rune(%U) = %d, want 1", r, got)
		}
	}
}

// TestEveryRune checks that String and Bytes measure each rune, encoded
// alone, as Rune does (runes UTF-8 cannot encode become U+FFFD).
func TestEveryRune(t *testing.T) {
	var buf [utf8.UTFMax]byte
	for r := rune(0); r <= unicode.MaxRune; r++ {
		n := utf8.EncodeRune(buf[:], r)
		want := Rune(r)
		if !utf8.ValidRune(r) {
			want = Rune(utf8.RuneError)
		}
		if got := Bytes(buf[:n]); got != want {
			t.Fatalf("Bytes(%U) = %d, want %d", r, got, want)
		}
		if got := String(string(buf[:n])); got != want {
			t.Fatalf("String(%U) = %d, want %d", r, got, want)
		}
	}
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"", "tcp6", "本地地址", "e\u0301\u200b", "\xff\xfe", "a\xe4\xb8", "🌐𠀀ｱ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := String(s)
		sum := 0
		for _, r := range s {
			sum += Rune(r)
		}
		if got != sum {
			t.Errorf("String(%q) = %d, sum of Rune = %d", s, got, sum)
		}
		if b := Bytes([]byte(s)); b != got {
			t.Errorf("Bytes(%q) = %d, String = %d", s, b, got)
		}
		if got < 0 || got > 2*len(s) {
			t.Errorf("String(%q) = %d, outside 0..%d", s, got, 2*len(s))
		}
	})
}

var sink int

func BenchmarkBytesASCII(b *testing.B) {
	cell := []byte("192.168.100.200:443")
	for b.Loop() {
		sink += Bytes(cell)
	}
}

func BenchmarkBytesCJK(b *testing.B) {
	cell := []byte("/usr/bin/程序-本地")
	for b.Loop() {
		sink += Bytes(cell)
	}
}
