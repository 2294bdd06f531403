package i18n

// watch and kill: their flags and the errors of their requests.
func init() {
	merge(en, map[string]string{
		"cli.watch.short":         "Live full-screen view of the sockets: new, changed and closed ones, their processes; sort, filter, close",
		"cli.kill.short":          "Close the connections a filter chooses (asks first unless --yes; --dry-run only lists them)",
		"cli.view.watch":          "watch",
		"cli.view.kill":           "kill",
		"cli.flag.interval":       "every `DURATION` (1s, 500ms, 2s ...): watch refreshes, record without eBPF polls",
		"cli.err.record.interval": "--interval does not apply to record with eBPF: it polls, every --interval, only with --no-bpf or where eBPF cannot be loaded",
		"cli.flag.dry-run":        "list the connections that would be closed, and close none",
		"cli.flag.yes":            "close without asking (for scripts)",
		"cli.flag.format.watch":   "`FORMAT`: table (the full-screen view) or ndjson (one event per line: open, close, state)",
		"cli.flag.format.kill":    "report in `FORMAT`: table or json",
		"cli.err.watch.format":    "watch has no %s form (valid: table, ndjson)",
		"cli.err.watch.interval":  "bad --interval %s (want a duration of at least 100ms, such as 1s or 500ms)",
		"cli.err.watch.notty":     "watch needs a terminal for its full-screen view; use --format ndjson to get events on a pipe",
		"cli.err.kill.nofilter":   "kill needs a filter choosing what to close (a filter expression, --state, --port, --pid or --program); it never closes everything",
		"cli.err.kill.format":     "kill has no %s form (valid: table, json)",
	})
	merge(zh, map[string]string{
		"cli.watch.short":         "全屏实时查看套接字：新建、变化和关闭的连接及其进程；可排序、过滤、关闭连接",
		"cli.kill.short":          "关闭过滤条件选中的连接（除非 --yes，否则先询问；--dry-run 只列出）",
		"cli.view.watch":          "watch",
		"cli.view.kill":           "kill",
		"cli.flag.interval":       "每隔 `DURATION`（1s、500ms、2s ……）：watch 刷新一次，无 eBPF 的 record 轮询一次",
		"cli.err.record.interval": "--interval 不适用于使用 eBPF 的 record：只有加 --no-bpf 或无法加载 eBPF 时它才轮询，每隔 --interval 一次",
		"cli.flag.dry-run":        "只列出将被关闭的连接，不关闭任何连接",
		"cli.flag.yes":            "不询问直接关闭（供脚本使用）",
		"cli.flag.format.watch":   "`FORMAT`：table（全屏视图）或 ndjson（每行一个事件：open、close、state）",
		"cli.flag.format.kill":    "报告格式 `FORMAT`：table 或 json",
		"cli.err.watch.format":    "watch 没有 %s 格式（可选：table、ndjson）",
		"cli.err.watch.interval":  "--interval %s 无效（应为不小于 100ms 的时长，如 1s 或 500ms）",
		"cli.err.watch.notty":     "watch 的全屏视图需要终端；在管道中请用 --format ndjson 输出事件",
		"cli.err.kill.nofilter":   "kill 需要过滤条件来选择要关闭的连接（过滤表达式、--state、--port、--pid 或 --program）；它从不关闭全部连接",
		"cli.err.kill.format":     "kill 没有 %s 格式（可选：table、json）",
	})
}
