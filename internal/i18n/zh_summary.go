package i18n

// summary：summary 命令的表格（internal/summary）。
func init() {
	merge(zh, map[string]string{
		"summary.total":          "套接字总数：%d",
		"summary.none":           "没有套接字。",
		"summary.col.state":      "状态",
		"summary.col.total":      "合计",
		"summary.procs":          "进程：%d 个进程持有 %d 个套接字；%d 个套接字不属于任何进程（TIME_WAIT、孤儿连接，或当前用户看不到其持有者）。",
		"summary.procs.none":     "当前用户看不到任何持有套接字的进程；%d 个套接字不属于任何进程。",
		"summary.procs.top":      "套接字最多的前 %d 个进程：",
		"summary.col.pid":        "PID",
		"summary.col.program":    "程序",
		"summary.col.user":       "用户",
		"summary.col.sum":        "合计",
		"summary.col.tcp":        "TCP",
		"summary.tw.total":       "TIME_WAIT：%d 个 TCP 套接字。",
		"summary.tw.ephemeral":   "临时端口范围 %d-%d（共 %d 个）：已占用 %d 个（%s）。",
		"summary.tw.noephemeral": "临时端口范围未知，不显示占用比例。",
		"summary.tw.remotes":     "TIME_WAIT 最多的远端地址：",
		"summary.col.remote":     "远端地址",
		"summary.col.timewait":   "TIME_WAIT",
		"summary.col.sockets":    "套接字",
		"summary.col.ephemeral":  "占用临时端口",
		"summary.tw.locals":      "TIME_WAIT 最多的本地端口（本端先关闭连接）：",
		"summary.col.localport":  "本地端口",
	})
}
