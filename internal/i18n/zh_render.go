package i18n

// render：套接字表格的表头（internal/render）。
func init() {
	merge(zh, map[string]string{
		"render.col.proto":   "协议",
		"render.col.recvq":   "接收队列",
		"render.col.sendq":   "发送队列",
		"render.col.local":   "本地地址",
		"render.col.remote":  "外部地址",
		"render.col.state":   "状态",
		"render.col.pidprog": "PID/程序",
		"render.col.user":    "用户",
		"render.col.inode":   "Inode",
		"render.col.exe":     "可执行文件",
		"render.col.pid":     "PID",
		"render.col.timer":   "定时器",
		"render.col.netns":   "网络命名空间",

		// 中文版 Windows netstat 的标题和表头（SPEC 第 6 节）；表头与数据行
		// 不对齐，与 Windows 一致。
		"render.win.title":   "活动连接",
		"render.win.head":    "  协议  本地地址          外部地址        状态",
		"render.win.headpid": "  协议  本地地址          外部地址        状态           PID",
	})
}
