package i18n

// diagram：TCP 状态图（internal/diagram）。
func init() {
	merge(zh, map[string]string{
		"diagram.title.full":    "TCP 连接状态图（RFC 9293 图 5）",
		"diagram.title.open":    "建立连接：三次握手",
		"diagram.title.close":   "断开连接：四次挥手",
		"diagram.side.client":   "客户端（主动打开）",
		"diagram.side.server":   "服务端（被动打开）",
		"diagram.side.active":   "主动关闭方（先关闭）",
		"diagram.side.passive":  "被动关闭方（对端先关闭）",
		"diagram.sim.open":      "同时打开（双方同时发送 SYN）：",
		"diagram.sim.close":     "同时关闭（双方同时发送 FIN）：",
		"diagram.legend":        "箭头：事件 / 动作   收到 = 接收报文，发送 = 发出报文，x = 无动作",
		"diagram.legend.counts": "(n) = 当前处于该状态的套接字数；同一状态画了两次的只标一次",
		"diagram.legend.shared": "两侧都有的状态，只计一次：%s",
		"diagram.listsep":       "，",
		"diagram.err.args":      "diagram 只接受一个视图（open 或 close），却给了 %d 个参数（%s）",
		"diagram.flag.narrow":   "即使不是输出到终端，也画整张图的窄版（%d 列）",
		"diagram.err.narrow":    "这张图需要 %d 列，终端只有 %d 列：请加宽终端，或使用 --format dot",
		"diagram.note1":         "注 1：只有从 LISTEN（被动打开）进入的 SYN_RECV，收到 RST 后才回到 LISTEN。",

		// 箭头上的事件与动作。
		"diagram.rfc.passive OPEN":        "被动打开",
		"diagram.rfc.active OPEN":         "主动打开",
		"diagram.rfc.create TCB":          "创建 TCB",
		"diagram.rfc.create TCB, snd SYN": "创建 TCB，发送 SYN",
		"diagram.rfc.CLOSE":               "关闭",
		"diagram.rfc.delete TCB":          "删除 TCB",
		"diagram.rfc.rcv SYN":             "收到 SYN",
		"diagram.rfc.snd SYN,ACK":         "发送 SYN,ACK",
		"diagram.rfc.SEND":                "发送数据",
		"diagram.rfc.snd SYN":             "发送 SYN",
		"diagram.rfc.rcv RST (note 1)":    "收到 RST（注 1）",
		"diagram.rfc.rcv ACK of SYN":      "收到 SYN 的 ACK",
		"diagram.rfc.rcv SYN,ACK":         "收到 SYN,ACK",
		"diagram.rfc.snd ACK":             "发送 ACK",
		"diagram.rfc.snd FIN":             "发送 FIN",
		"diagram.rfc.rcv FIN":             "收到 FIN",
		"diagram.rfc.rcv ACK of FIN":      "收到 FIN 的 ACK",
		"diagram.rfc.Timeout=2MSL":        "超时 2MSL",
	})
}
