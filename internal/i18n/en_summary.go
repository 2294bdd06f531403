package i18n

// summary: the summary command's table (internal/summary).
func init() {
	merge(en, map[string]string{
		"summary.total":          "Sockets: %d",
		"summary.none":           "No sockets.",
		"summary.col.state":      "State",
		"summary.col.total":      "total",
		"summary.procs":          "Processes with sockets: %d (sockets held: %d); sockets with no process: %d (TIME_WAIT, orphans, or holders this user cannot see).",
		"summary.procs.none":     "No process this user can see holds a socket; %d sockets have no process.",
		"summary.procs.top":      "Top processes by socket count (%d):",
		"summary.col.pid":        "PID",
		"summary.col.program":    "Program",
		"summary.col.user":       "User",
		"summary.col.sum":        "Total",
		"summary.col.tcp":        "TCP",
		"summary.tw.total":       "TCP sockets in TIME_WAIT: %d.",
		"summary.tw.ephemeral":   "Ephemeral ports %d-%d (%d ports): %d in use (%s).",
		"summary.tw.noephemeral": "Ephemeral port range not known: the share in use is not shown.",
		"summary.tw.remotes":     "Remote endpoints with the most TIME_WAIT:",
		"summary.col.remote":     "Remote Address",
		"summary.col.timewait":   "TIME_WAIT",
		"summary.col.sockets":    "Sockets",
		"summary.col.ephemeral":  "Ephemeral ports",
		"summary.tw.locals":      "Local ports with the most TIME_WAIT (this side closed first):",
		"summary.col.localport":  "Local Port",
	})
}
