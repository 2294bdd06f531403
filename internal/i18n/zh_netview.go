package i18n

// netview: the interface, group, route and Ethernet views (internal/netview).
func init() {
	merge(zh, map[string]string{
		"netview.eth.title":      "接口统计",
		"netview.eth.received":   "已接收",
		"netview.eth.sent":       "已发送",
		"netview.eth.bytes":      "字节",
		"netview.eth.unicast":    "单播数据包",
		"netview.eth.nonunicast": "非单播数据包",
		"netview.eth.discards":   "丢弃",
		"netview.eth.errors":     "错误",
		"netview.eth.unknown":    "未知协议",

		"netview.groups.col.interface": "接口",
		"netview.groups.col.group":     "组",
		"netview.groups.col.users":     "用户数",

		"netview.ifaces.col.interface":  "接口",
		"netview.ifaces.col.mtu":        "MTU",
		"netview.ifaces.col.rxbytes":    "接收字节",
		"netview.ifaces.col.rxpackets":  "接收包",
		"netview.ifaces.col.rxerrors":   "接收错误",
		"netview.ifaces.col.rxdropped":  "接收丢弃",
		"netview.ifaces.col.rxoverruns": "接收溢出",
		"netview.ifaces.col.txbytes":    "发送字节",
		"netview.ifaces.col.txpackets":  "发送包",
		"netview.ifaces.col.txerrors":   "发送错误",
		"netview.ifaces.col.txdropped":  "发送丢弃",
		"netview.ifaces.col.txoverruns": "发送溢出",
		"netview.ifaces.col.flags":      "标志",

		"netview.routes.ipv4":         "IPv4 路由",
		"netview.routes.ipv6":         "IPv6 路由",
		"netview.routes.col.dest":     "目标",
		"netview.routes.col.gateway":  "网关",
		"netview.routes.col.iface":    "接口",
		"netview.routes.col.metric":   "跃点数",
		"netview.routes.col.table":    "路由表",
		"netview.routes.col.protocol": "协议",
		"netview.routes.col.scope":    "范围",
		"netview.routes.col.source":   "源地址",
		"netview.routes.col.type":     "类型",

		"netview.routes.win.ipv4":       "IPv4 路由表",
		"netview.routes.win.ipv6":       "IPv6 路由表",
		"netview.routes.win.active":     "活动路由:",
		"netview.routes.win.persistent": "永久路由:",
		"netview.routes.win.none":       "无",
		"netview.routes.win.onlink":     "在链路上",
		// The heading lines are padded to the columns of the rows, a Han
		// character taking two: for IPv4 17 (left-aligned), then 17, 17, 17
		// and 7 (right-aligned); for IPv6 the interface (its 4 columns
		// overhanging the 3 of the index), the metric right-aligned in 7,
		// a space and the destination left-aligned in 25.
		"netview.routes.win.head4": "网络目标         " + "         网络掩码" + "             网关" +
			"             接口" + " 跃点数",
		"netview.routes.win.head6": "接口" + " 跃点数" + " " + "网络目标                 " + "网关",
	})
}
