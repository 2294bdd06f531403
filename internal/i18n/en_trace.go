package i18n

// trace, record and history: their flags and the errors of their
// requests.
func init() {
	merge(en, map[string]string{
		"cli.trace.short":           "Every TCP connection as it opens, changes state and closes (eBPF), with its process and duration, even those too short to list",
		"cli.view.trace":            "trace",
		"cli.flag.format.trace":     "`FORMAT`: table, ndjson (one event per line) or json (one document at the end)",
		"cli.err.trace.format":      "trace has no %s form (valid: table, ndjson, json)",
		"cli.flag.all-states":       "report every change of state too (FIN_WAIT1, CLOSE_WAIT, ...), not only connects, accepts, closes and failures",
		"cli.flag.no-bpf":           "do without eBPF: only closes, from sock_diag's destroy notifications (as ss -E), without their processes",
		"cli.record.short":          "Keep every TCP connection trace sees in an embedded database (SQLite), for history",
		"cli.history.short":         "The connections record kept: who talked to what, when; by time, address, port, program and filter",
		"cli.view.record":           "record",
		"cli.view.history":          "history",
		"cli.flag.db":               "history database `FILE` (root: /var/lib/sockscope/history.db; else ~/.local/state/sockscope/history.db)",
		"cli.flag.retention":        "delete what is older than `DURATION` (7d, 12h ...)",
		"cli.flag.since":            "from `WHEN`: a duration back from now (1h, 30m, 2d) or an RFC 3339 time",
		"cli.flag.until":            "until `WHEN` (as --since)",
		"cli.flag.remote":           "only connections to or from remote address `IP`",
		"cli.flag.summary":          "count by program and remote end instead of listing the events",
		"cli.err.history.retention": "bad --retention %s (want a positive duration such as 7d or 12h)",
		"cli.err.history.format":    "history has no %s form (valid: table, ndjson, json)",
		"cli.err.history.time":      "bad %s %q (want a duration back from now such as 1h or 2d, or an RFC 3339 time such as 2026-12-07T03:00:00Z)",
		"cli.err.history.remote":    "bad --remote %q (want an IP address)",
	})
	merge(zh, map[string]string{
		"cli.trace.short":           "跟踪每个 TCP 连接的建立、状态变化和关闭（eBPF），附带进程和持续时间，连太短而列不出的连接也能看到",
		"cli.view.trace":            "trace",
		"cli.flag.format.trace":     "输出格式 `FORMAT`：table、ndjson（每行一个事件）或 json（结束时输出一个文档）",
		"cli.err.trace.format":      "trace 没有 %s 格式（可选：table、ndjson、json）",
		"cli.flag.all-states":       "同时报告每一次状态变化（FIN_WAIT1、CLOSE_WAIT 等），而不只是连接建立、接受、关闭和失败",
		"cli.flag.no-bpf":           "不使用 eBPF：只能看到关闭事件，来自 sock_diag 的销毁通知（同 ss -E），且不含进程",
		"cli.record.short":          "把 trace 看到的每个 TCP 连接记入内嵌数据库（SQLite），供 history 查询",
		"cli.history.short":         "record 记下的连接：谁在何时连接了什么；可按时间、地址、端口、程序和过滤条件查询",
		"cli.view.record":           "record",
		"cli.view.history":          "history",
		"cli.flag.db":               "历史数据库文件 `FILE`（root：/var/lib/sockscope/history.db；其他用户：~/.local/state/sockscope/history.db）",
		"cli.flag.retention":        "删除早于 `DURATION` 的记录（7d、12h ……）",
		"cli.flag.since":            "起始时间 `WHEN`：距现在的时长（1h、30m、2d）或 RFC 3339 时间",
		"cli.flag.until":            "截止时间 `WHEN`（格式同 --since）",
		"cli.flag.remote":           "只看与远端地址 `IP` 之间的连接",
		"cli.flag.summary":          "按程序和远端汇总计数，而不是逐条列出事件",
		"cli.err.history.retention": "--retention %s 无效（应为正的时长，如 7d 或 12h）",
		"cli.err.history.format":    "history 没有 %s 格式（可选：table、ndjson、json）",
		"cli.err.history.time":      "%s %q 无效（应为距现在的时长，如 1h 或 2d，或 RFC 3339 时间，如 2026-12-07T03:00:00Z）",
		"cli.err.history.remote":    "--remote %q 无效（应为 IP 地址）",
	})
}
