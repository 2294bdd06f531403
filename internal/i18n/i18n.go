package i18n

import (
	"fmt"
	"strings"
)

// Lang normalises a language tag or locale ("zh-CN", "zh_CN.UTF-8",
// "en_US", "C", "") to the catalog it selects: "zh" for any Chinese tag,
// "en" otherwise.
func Lang(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, ".@"); i >= 0 {
		tag = tag[:i]
	}
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if strings.EqualFold(tag, "zh") {
		return "zh"
	}
	return "en"
}

var catalogs = map[string]map[string]string{"en": en, "zh": zh}

// T returns the message key in language lang (any tag Lang accepts),
// formatted with args by fmt.Sprintf when args are given. A key missing
// from lang falls back to English, then to the key itself.
func T(lang, key string, args ...any) string {
	msg, ok := catalogs[Lang(lang)][key]
	if !ok {
		msg, ok = en[key]
	}
	if !ok {
		msg = key
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Has reports whether key is in the English catalog.
func Has(key string) bool {
	_, ok := en[key]
	return ok
}
