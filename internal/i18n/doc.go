// Package i18n is sockscope's message catalog: every user-facing string,
// in English and Simplified Chinese (SPEC section 6).
//
// A message is looked up by key with T, which formats it with fmt when
// arguments are given. Lang normalises a language tag or POSIX locale
// (en, en_US.UTF-8, zh, zh-CN, zh_CN.UTF-8, C) to the catalog it selects:
// "en" or "zh". Every zh tag selects Simplified Chinese; anything else
// selects English.
//
// The catalogs are the maps in en.go and zh.go, to which en_*.go and
// zh_*.go merge the messages of one package each at init (a key in two
// files panics at start-up). A key missing from the
// chosen language falls back to English, then to the key itself; the
// package's tests fail when a key is missing from either map or when a
// message's fmt verbs differ between the two, so the fallbacks are a
// safety net, not a feature. The Chinese text is written as a Chinese
// network engineer would write it, not translated word for word.
package i18n
