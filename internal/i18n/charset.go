package i18n

import (
	"strconv"
	"strings"
)

// Charset is the character set the terminal expects, as the locale names
// it. Output is produced as UTF-8; a writer in internal/iostreams encodes
// it into the Chinese charsets when the locale asks for one of them.
type Charset int

// The charsets sockscope tells apart.
const (
	// CharsetUnknown: no locale variable is set, or it is C or POSIX
	// (ASCII). The terminal's real charset is not known (a container
	// without a locale usually sits behind a UTF-8 terminal), so output is
	// written as UTF-8, unchanged.
	CharsetUnknown Charset = iota
	// CharsetUTF8: a UTF-8 locale (zh_CN.UTF-8, C.UTF-8, en_US.utf8).
	CharsetUTF8
	// CharsetGBK: GBK, Microsoft's code page 936 (zh_CN.GBK,
	// Chinese_China.936).
	CharsetGBK
	// CharsetGB18030: GB 18030, which encodes every Unicode character.
	CharsetGB18030
	// CharsetGB2312: GB 2312 in EUC-CN form (zh_CN.gb2312, zh_CN.eucCN,
	// and bare zh_CN and zh_SG, whose glibc codeset is GB2312). It holds
	// the common Simplified characters; those outside it are replaced.
	CharsetGB2312
	// CharsetOther: a named charset that cannot show Simplified Chinese:
	// ISO-8859-*, KOI8-R, Big5 (many Simplified characters are not in
	// it), or a bare locale whose glibc codeset is one of those (en_US,
	// zh_TW, zh_HK).
	CharsetOther
)

var charsetNames = [...]string{
	CharsetUnknown: "unknown",
	CharsetUTF8:    "UTF-8",
	CharsetGBK:     "GBK",
	CharsetGB18030: "GB18030",
	CharsetGB2312:  "GB2312",
	CharsetOther:   "other",
}

// String returns the charset's usual name: "UTF-8", "GBK", "GB18030",
// "GB2312", or "unknown" and "other" for the two catch-alls.
func (c Charset) String() string {
	if c >= 0 && int(c) < len(charsetNames) {
		return charsetNames[c]
	}
	return "charset(" + strconv.Itoa(int(c)) + ")"
}

// ShowsChinese reports whether text in Simplified Chinese can be written
// in c: UTF-8 and the GB family. CharsetUnknown counts too, since output
// is written as UTF-8 there, as it always was.
func (c Charset) ShowsChinese() bool { return c != CharsetOther }

// NeedsEncoding reports whether UTF-8 output must be encoded to be read
// in c: true for GBK, GB18030 and GB2312.
func (c Charset) NeedsEncoding() bool {
	return c == CharsetGBK || c == CharsetGB18030 || c == CharsetGB2312
}

// DetectCharset returns the charset of the locale in the environment
// getenv reads: the first of LC_ALL, LC_CTYPE and LANG that is set and
// not empty names it (glibc's precedence for the character type), and
// CharsetOf reads it. With none set it is CharsetUTF8 when goos is
// "windows" (the Go runtime writes to a Windows console as UTF-16, so
// every character shows) and CharsetUnknown elsewhere. It is the one
// place that decides whether the locale is UTF-8.
func DetectCharset(getenv func(string) string, goos string) Charset {
	for _, k := range [...]string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := getenv(k); v != "" {
			return CharsetOf(v)
		}
	}
	if goos == "windows" {
		return CharsetUTF8
	}
	return CharsetUnknown
}

// CharsetOf returns the charset a POSIX locale name
// (language[_territory][.codeset][@modifier]) or a Windows one
// (Chinese_China.936) selects. The codeset is compared as glibc
// normalises it: in any case, ignoring punctuation ("UTF-8", "utf8").
// A locale without a codeset gets glibc's default one for it: GB2312 for
// zh_CN and zh_SG, Big5 (CharsetOther) for zh_TW and zh_HK, an 8-bit
// charset (CharsetOther) for any other language. "", C and POSIX are
// CharsetUnknown.
func CharsetOf(locale string) Charset {
	if i := strings.IndexByte(locale, '@'); i >= 0 {
		locale = locale[:i]
	}
	name, codeset, hasCodeset := strings.Cut(locale, ".")
	if hasCodeset {
		switch normCodeset(codeset) {
		case "utf8":
			return CharsetUTF8
		case "gbk", "cp936", "936", "windows936", "ms936":
			return CharsetGBK
		case "gb18030", "cp54936", "54936":
			return CharsetGB18030
		case "gb2312", "euccn":
			return CharsetGB2312
		}
		return CharsetOther
	}
	switch strings.ToLower(strings.ReplaceAll(name, "-", "_")) {
	case "", "c", "posix":
		return CharsetUnknown
	case "zh_cn", "zh_sg":
		return CharsetGB2312
	}
	return CharsetOther
}

// normCodeset lower-cases a codeset and drops everything but letters and
// digits, as glibc's _nl_normalize_codeset does.
func normCodeset(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			b = append(b, c)
		case 'A' <= c && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}

// Traditional reports whether a language tag or locale asks for
// Traditional Chinese: zh with the Hant script (zh-Hant, zh-Hant-CN) or,
// without a script, the territory of Taiwan, Hong Kong or Macau
// (zh_TW.UTF-8, zh-HK, zh_MO). zh-Hans-TW is Simplified.
func Traditional(tag string) bool {
	if i := strings.IndexAny(tag, ".@"); i >= 0 {
		tag = tag[:i]
	}
	parts := strings.Split(strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-")), "-")
	if parts[0] != "zh" {
		return false
	}
	region := false
	for _, p := range parts[1:] {
		switch p {
		case "hant":
			return true
		case "hans":
			return false
		case "tw", "hk", "mo":
			region = true
		}
	}
	return region
}

// The keys of the notices ChooseOutput asks to print on stderr.
const (
	// NoticeEnglish says the locale's charset cannot show Chinese, so
	// the output is in English.
	NoticeEnglish = "locale.notice.english"
	// NoticeTraditional says there is no Traditional Chinese text, so
	// the output is in Simplified Chinese.
	NoticeTraditional = "locale.notice.traditional"
)

// TraditionalNotice returns NoticeTraditional when lang asks for
// Traditional Chinese (Traditional), which sockscope does not have, and
// "" otherwise.
func TraditionalNotice(lang string) string {
	if Lang(lang) == "zh" && Traditional(lang) {
		return NoticeTraditional
	}
	return ""
}

// Output is how to write for a language and a charset: see ChooseOutput.
type Output struct {
	// Lang is the language to write in: the one asked for, or "en" when
	// Chinese was asked for and the charset cannot show it.
	Lang string
	// Charset is the charset to encode output into (iostreams'
	// SetCharset); it does so only when Charset.NeedsEncoding.
	Charset Charset
	// Notices are the keys of the lines to print once on stderr, in
	// Lang, before anything else: NoticeEnglish, NoticeTraditional.
	Notices []string
}

// ChooseOutput decides the language and the encoding of the output from
// the language asked for (--lang, or the locale's LC_ALL, LC_MESSAGES or
// LANG) and the charset of the terminal (DetectCharset). Chinese in a
// charset that cannot show it (CharsetOther: Big5, ISO-8859-1, a bare
// en_US) becomes English with NoticeEnglish; Traditional Chinese in one
// that can gets Simplified with NoticeTraditional.
func ChooseOutput(lang string, cs Charset) Output {
	out := Output{Lang: lang, Charset: cs}
	if Lang(lang) != "zh" {
		return out
	}
	if !cs.ShowsChinese() {
		out.Lang = "en"
		out.Notices = []string{NoticeEnglish}
		return out
	}
	if k := TraditionalNotice(lang); k != "" {
		out.Notices = []string{k}
	}
	return out
}
