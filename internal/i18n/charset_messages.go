package i18n

// The notices about the locale's charset and language (charset.go).
func init() {
	merge(en, map[string]string{
		NoticeEnglish:     "the locale's character set cannot show Chinese; writing English (a UTF-8 or GBK locale shows Chinese, e.g. LANG=zh_CN.UTF-8)",
		NoticeTraditional: "no Traditional Chinese text yet; writing Simplified Chinese",
	})
	// The Traditional notice is for readers of Traditional Chinese, so it
	// is written in Traditional characters.
	merge(zh, map[string]string{
		NoticeEnglish:     "当前 locale 的字符集无法显示中文，改用英文输出（UTF-8 或 GBK 的 locale 可以显示中文，例如 LANG=zh_CN.UTF-8）",
		NoticeTraditional: "尚無繁體中文介面，以下以簡體中文顯示",
	})
}
