package i18n

// render: the headings of the socket tables (internal/render).
func init() {
	merge(en, map[string]string{
		"render.col.proto":   "Proto",
		"render.col.recvq":   "Recv-Q",
		"render.col.sendq":   "Send-Q",
		"render.col.local":   "Local Address",
		"render.col.remote":  "Foreign Address",
		"render.col.state":   "State",
		"render.col.pidprog": "PID/Program",
		"render.col.user":    "User",
		"render.col.inode":   "Inode",
		"render.col.exe":     "Exe",
		"render.col.pid":     "PID",
		"render.col.timer":   "Timer",
		"render.col.netns":   "NetNS",

		// Windows netstat: the title and the heading line, without and
		// with the PID column, exactly as English Windows prints them.
		"render.win.title":   "Active Connections",
		"render.win.head":    "  Proto  Local Address          Foreign Address        State",
		"render.win.headpid": "  Proto  Local Address          Foreign Address        State           PID",
	})
}
