package i18n

// trace: its flags and the errors of its request.
func init() {
	merge(en, map[string]string{
		"cli.trace.short":       "Every TCP connection as it opens, changes state and closes (eBPF), with its process and duration, even those too short to list",
		"cli.view.trace":        "trace",
		"cli.flag.format.trace": "`FORMAT`: table, ndjson (one event per line) or json (one document at the end)",
		"cli.err.trace.format":  "trace has no %s form (valid: table, ndjson, json)",
	})
	merge(zh, map[string]string{
		"cli.trace.short":       "跟踪每个 TCP 连接的建立、状态变化和关闭（eBPF），附带进程和持续时间，连太短而列不出的连接也能看到",
		"cli.view.trace":        "trace",
		"cli.flag.format.trace": "输出格式 `FORMAT`：table、ndjson（每行一个事件）或 json（结束时输出一个文档）",
		"cli.err.trace.format":  "trace 没有 %s 格式（可选：table、ndjson、json）",
	})
}
