package i18n

import (
	"regexp"
	"slices"
	"testing"
)

func TestLang(t *testing.T) {
	for tag, want := range map[string]string{
		"": "en", "en": "en", "en_US.UTF-8": "en", "C": "en", "POSIX": "en",
		"zh": "zh", "zh-CN": "zh", "zh_CN.UTF-8": "zh", "ZH_cn": "zh",
		"zh_TW.Big5": "zh", "zh-Hans-CN": "zh", "zh@pinyin": "zh", "de_DE": "en",
	} {
		if got := Lang(tag); got != want {
			t.Errorf("Lang(%q) = %q, want %q", tag, got, want)
		}
	}
}

func TestT(t *testing.T) {
	en["test.only.en"] = "only %d"
	defer delete(en, "test.only.en")
	if got := T("zh_CN.UTF-8", "test.only.en", 3); got != "only 3" {
		t.Errorf("fallback to English: got %q", got)
	}
	if got := T("en", "no.such.key"); got != "no.such.key" {
		t.Errorf("fallback to key: got %q", got)
	}
	if got := T("", "explain.heading.meaning"); got != en["explain.heading.meaning"] {
		t.Errorf("default language: got %q", got)
	}
	if got := T("zh-CN", "explain.heading.meaning"); got != zh["explain.heading.meaning"] {
		t.Errorf("zh: got %q", got)
	}
}

// TestCatalogsComplete fails when a key is missing from either language.
func TestCatalogsComplete(t *testing.T) {
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("key %q missing from zh.go", k)
		}
	}
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q missing from en.go", k)
		}
	}
}

var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// TestVerbsMatch fails when a message's fmt verbs differ between languages
// (as a multiset, so a translation may reorder explicitly indexed verbs).
func TestVerbsMatch(t *testing.T) {
	for k, e := range en {
		z, ok := zh[k]
		if !ok {
			continue
		}
		ev, zv := verbRE.FindAllString(e, -1), verbRE.FindAllString(z, -1)
		slices.Sort(ev)
		slices.Sort(zv)
		if !slices.Equal(ev, zv) {
			t.Errorf("key %q: verbs %q in en, %q in zh", k, ev, zv)
		}
	}
}

func TestNoEmptyMessages(t *testing.T) {
	for lang, cat := range catalogs {
		for k, v := range cat {
			if v == "" {
				t.Errorf("%s: key %q is empty", lang, k)
			}
		}
	}
}
