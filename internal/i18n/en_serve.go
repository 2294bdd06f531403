package i18n

// serve: its flags and the errors of its request.
func init() {
	merge(en, map[string]string{
		"cli.serve.short":             "Prometheus exporter: sockets by state, listeners' queues, programs' sockets and the kernel's protocol counters on /metrics",
		"cli.view.serve":              "serve",
		"cli.flag.web.listen-address": "`ADDRESS`es to listen on (repeat or separate with commas; :PORT listens on every address)",
		"cli.flag.web.config.file":    "`FILE` of TLS and basic authentication settings (the Prometheus exporters' web configuration)",
		"cli.flag.web.telemetry-path": "`PATH` of the metrics page",
		"cli.flag.processes.top":      "how many programs (`N`, those with the most sockets) get their own series; the rest are summed as program=\"other\"",
		"cli.flag.listeners.max":      "how many listeners (`N`, those with the most connections) get their own series; the rest are summed",
		"cli.flag.netstat.fields":     "regular `EXPRESSION` choosing the kernel counters published, matched against Group_Counter (Tcp_RetransSegs); by default those docs/serve.md lists",
		"cli.flag.scrape.cache":       "serve a reading again to scrapes within `DURATION` of it (0: read for every scrape)",
		"cli.err.serve.bound":         "bad %s %d (want 1 or more)",
		"cli.err.serve.cache":         "bad --scrape.cache %s (want 0 or a positive duration such as 500ms)",
		"cli.err.serve.path":          "bad --web.telemetry-path %q (want a path such as /metrics)",
		"cli.err.serve.address":       "bad --web.listen-address %q (want HOST:PORT, such as localhost:10393 or :10393)",
		"cli.err.serve.fields":        "bad --netstat.fields %q: %v",
		"cli.err.serve.webconfig":     "bad --web.config.file %s: %s",
		"cli.flag.serve.trace":        "also count the connections opened, closed and failed between scrapes, as trace sees them (eBPF)",
	})
	merge(zh, map[string]string{
		"cli.serve.short":             "Prometheus 导出器：在 /metrics 上提供按状态统计的套接字、监听队列、各程序的套接字和内核协议计数器",
		"cli.view.serve":              "serve",
		"cli.flag.web.listen-address": "监听的地址 `ADDRESS`（可重复或用逗号分隔；:PORT 表示监听所有地址）",
		"cli.flag.web.config.file":    "TLS 与基本认证设置文件 `FILE`（Prometheus 导出器通用的 web 配置）",
		"cli.flag.web.telemetry-path": "指标页面的路径 `PATH`",
		"cli.flag.processes.top":      "单独列出套接字最多的 `N` 个程序；其余合计为 program=\"other\"",
		"cli.flag.listeners.max":      "单独列出连接最多的 `N` 个监听套接字；其余合计",
		"cli.flag.netstat.fields":     "选择要导出的内核计数器的正则表达式 `EXPRESSION`，匹配 Group_Counter（如 Tcp_RetransSegs）；默认为 docs/serve.md 所列的计数器",
		"cli.flag.scrape.cache":       "在 `DURATION` 内的抓取复用同一次读取（0：每次抓取都重新读取）",
		"cli.err.serve.bound":         "%s %d 无效（应为 1 或更大）",
		"cli.err.serve.cache":         "--scrape.cache %s 无效（应为 0 或正的时长，如 500ms）",
		"cli.err.serve.path":          "--web.telemetry-path %q 无效（应为路径，如 /metrics）",
		"cli.err.serve.address":       "--web.listen-address %q 无效（应为 HOST:PORT，如 localhost:10393 或 :10393）",
		"cli.err.serve.fields":        "--netstat.fields %q 无效：%v",
		"cli.err.serve.webconfig":     "--web.config.file %s 无效：%s",
		"cli.flag.serve.trace":        "同时统计两次抓取之间新建、关闭和失败的连接（与 trace 相同，使用 eBPF）",
	})
}
