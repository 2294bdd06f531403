package i18n

import (
	"slices"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestCharsetOf(t *testing.T) {
	for _, tc := range []struct {
		locale string
		want   Charset
	}{
		{"", CharsetUnknown},
		{"C", CharsetUnknown},
		{"POSIX", CharsetUnknown},
		{"C.UTF-8", CharsetUTF8},
		{"C.utf8", CharsetUTF8},
		{"en_US.UTF-8", CharsetUTF8},
		{"zh_CN.UTF-8", CharsetUTF8},
		{"zh_CN.utf8", CharsetUTF8},
		{"zh_TW.UTF-8", CharsetUTF8},
		{"zh_CN.UTF-8@pinyin", CharsetUTF8},
		{"zh_CN.GBK", CharsetGBK},
		{"zh_CN.gbk", CharsetGBK},
		{"zh_SG.GBK", CharsetGBK},
		{"Chinese_China.936", CharsetGBK}, // Windows' setlocale name
		{"zh_CN.CP936", CharsetGBK},
		{"zh_CN.GB18030", CharsetGB18030},
		{"zh_CN.gb18030", CharsetGB18030},
		{"zh_CN.GB2312", CharsetGB2312},
		{"zh_CN.gb2312", CharsetGB2312},
		{"zh_CN.eucCN", CharsetGB2312},
		{"zh_CN.EUC-CN", CharsetGB2312},
		{"zh_CN", CharsetGB2312}, // glibc's zh_CN is GB2312
		{"zh_SG", CharsetGB2312}, // and so is zh_SG
		{"zh_CN@modifier", CharsetGB2312},
		{"zh_TW", CharsetOther}, // Big5
		{"zh_HK", CharsetOther}, // BIG5-HKSCS
		{"zh_TW.Big5", CharsetOther},
		{"zh_HK.BIG5-HKSCS", CharsetOther},
		{"zh_TW.EUC-TW", CharsetOther},
		{"en_US", CharsetOther}, // ISO-8859-1
		{"de_DE@euro", CharsetOther},
		{"en_US.ISO-8859-1", CharsetOther},
		{"ru_RU.KOI8-R", CharsetOther},
	} {
		if got := CharsetOf(tc.locale); got != tc.want {
			t.Errorf("CharsetOf(%q) = %v, want %v", tc.locale, got, tc.want)
		}
	}
}

func TestDetectCharset(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		goos string
		want Charset
	}{
		{"nothing set", nil, "linux", CharsetUnknown},
		{"nothing set on Windows", nil, "windows", CharsetUTF8},
		{"LANG", map[string]string{"LANG": "zh_CN.GBK"}, "linux", CharsetGBK},
		{"LC_CTYPE over LANG", map[string]string{"LANG": "zh_CN.UTF-8", "LC_CTYPE": "zh_CN.GB18030"}, "linux", CharsetGB18030},
		{"LC_ALL over LC_CTYPE", map[string]string{"LC_ALL": "zh_CN", "LC_CTYPE": "zh_CN.UTF-8", "LANG": "C"}, "linux", CharsetGB2312},
		{"empty LC_ALL is unset", map[string]string{"LC_ALL": "", "LANG": "zh_CN.gbk"}, "linux", CharsetGBK},
		// LC_MESSAGES chooses the language, never the charset.
		{"LC_MESSAGES ignored", map[string]string{"LC_MESSAGES": "zh_CN.GBK", "LANG": "en_US.UTF-8"}, "linux", CharsetUTF8},
		{"C wins on Windows when set", map[string]string{"LANG": "C"}, "windows", CharsetUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := DetectCharset(func(k string) string { return tc.env[k] }, tc.goos)
			if got != tc.want {
				t.Errorf("DetectCharset = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTraditional(t *testing.T) {
	for tag, want := range map[string]bool{
		"zh_TW.UTF-8": true, "zh_TW": true, "zh_HK.BIG5-HKSCS": true, "zh-TW": true,
		"zh-HK": true, "zh_MO": true, "zh-Hant": true, "zh-Hant-CN": true, "ZH_tw": true,
		"zh_CN.UTF-8": false, "zh": false, "zh-CN": false, "zh_SG.GBK": false,
		"zh-Hans-TW": false, "zh-Hans": false, "en_TW": false, "": false, "tw": false,
		"zh_TW@x": true, "-": false, "-zh-TW": false, " zh_TW ": true,
	} {
		if got := Traditional(tag); got != want {
			t.Errorf("Traditional(%q) = %v, want %v", tag, got, want)
		}
	}
}

func TestChooseOutput(t *testing.T) {
	for _, tc := range []struct {
		lang    string
		cs      Charset
		want    string
		notices []string
	}{
		{"zh_CN.UTF-8", CharsetUTF8, "zh_CN.UTF-8", nil},
		{"zh_CN.GBK", CharsetGBK, "zh_CN.GBK", nil},
		{"zh_CN", CharsetGB2312, "zh_CN", nil},
		{"zh-CN", CharsetUnknown, "zh-CN", nil}, // --lang zh under C: UTF-8 as before
		{"zh_TW.Big5", CharsetOther, "en", []string{NoticeEnglish}},
		{"zh_CN.ISO-8859-1", CharsetOther, "en", []string{NoticeEnglish}},
		{"zh-CN", CharsetOther, "en", []string{NoticeEnglish}}, // --lang zh under en_US (Latin-1)
		{"zh_TW.UTF-8", CharsetUTF8, "zh_TW.UTF-8", []string{NoticeTraditional}},
		{"zh-TW", CharsetGBK, "zh-TW", []string{NoticeTraditional}},
		{"zh_HK.UTF-8", CharsetUTF8, "zh_HK.UTF-8", []string{NoticeTraditional}},
		{"en_US.ISO-8859-1", CharsetOther, "en_US.ISO-8859-1", nil},
		{"", CharsetGBK, "", nil},
	} {
		got := ChooseOutput(tc.lang, tc.cs)
		if got.Lang != tc.want || got.Charset != tc.cs || !slices.Equal(got.Notices, tc.notices) {
			t.Errorf("ChooseOutput(%q, %v) = %+v, want lang %q notices %q", tc.lang, tc.cs, got, tc.want, tc.notices)
		}
		for _, k := range got.Notices {
			if !Has(k) {
				t.Errorf("notice key %q is not in the catalog", k)
			}
		}
	}
}

func TestCharsetString(t *testing.T) {
	for c, want := range map[Charset]string{CharsetUTF8: "UTF-8", CharsetGBK: "GBK", CharsetGB18030: "GB18030",
		CharsetGB2312: "GB2312", CharsetUnknown: "unknown", CharsetOther: "other", Charset(-1): "charset(-1)", Charset(99): "charset(99)"} {
		if got := c.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(c), got, want)
		}
	}
	for _, c := range []Charset{CharsetGBK, CharsetGB18030, CharsetGB2312} {
		if !c.NeedsEncoding() || !c.ShowsChinese() {
			t.Errorf("%v: NeedsEncoding %v ShowsChinese %v", c, c.NeedsEncoding(), c.ShowsChinese())
		}
	}
	if CharsetUTF8.NeedsEncoding() || CharsetOther.ShowsChinese() {
		t.Error("UTF-8 needs no encoding; other cannot show Chinese")
	}
}

// FuzzCharsetOf: locale names come from the environment; nothing panics.
func FuzzCharsetOf(f *testing.F) {
	for _, s := range []string{"", "zh_CN.GBK", "zh_TW@x.y", ".", "@", "zh-Hant-TW", "\xff.\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := CharsetOf(s)
		if c < CharsetUnknown || c > CharsetOther {
			t.Fatalf("CharsetOf(%q) = %d", s, c)
		}
		if Traditional(s) && Lang(s) != "zh" {
			t.Fatalf("Traditional(%q) but Lang is %q", s, Lang(s))
		}
		_ = ChooseOutput(s, c)
	})
}

// TestChineseInGBK: every Chinese message can be written in a GBK locale
// (iostreams encodes it there), so none shows as "?" on such a terminal.
func TestChineseInGBK(t *testing.T) {
	enc := simplifiedchinese.GBK.NewEncoder()
	for k, v := range zh {
		for _, r := range v {
			if _, err := enc.String(string(r)); err != nil {
				t.Errorf("zh %q: %q (U+%04X) is not in GBK", k, r, r)
			}
		}
	}
}
