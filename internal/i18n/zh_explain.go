package i18n

// explain：单数形式（中文无需区分），以及 Windows 上对应 Linux 内核参数和
// /proc 文件的内容。以 ".windows" 结尾的键在说明 Windows 时替代不带它的键。
func init() {
	merge(zh, map[string]string{
		"explain.err.args":                 "explain 只接受一个状态或计数器，却给了 %d 个参数（%s），例如 sockscope explain time-wait",
		"explain.live.count.one":           "当前有 %d 个套接字处于 %s。",
		"explain.heading.settings.windows": "Windows 相关设置（默认值；本机可能不同）",
		"explain.counter.linuxonly":        "Windows 没有这个计数器：它是 Linux 的计数器（%s）。Windows 有哪些计数器，见 `sockscope -s`。",

		"setting.MaxSynRetransmissions":           "connect() 放弃前 SYN 的重传次数：用 `netsh int tcp show global` 查看，用 `netsh int tcp set global maxsynretransmissions=N` 修改",
		"setting.MaxSynRetransmissions.value":     "默认 2 次（Windows 10）",
		"setting.KeepAliveTime":                   "注册表 HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters 下的值：开启了 keepalive（SO_KEEPALIVE）的连接空闲多久后发出第一个探测",
		"setting.KeepAliveTime.value":             "默认 7200000 毫秒（2 小时）",
		"setting.TcpMaxDataRetransmissions":       "注册表 HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters 下的值：未被确认的报文（包括 FIN）在连接被丢弃前的重传次数",
		"setting.TcpMaxDataRetransmissions.value": "默认 5 次",
		"setting.DynamicPortRange":                "connect() 选用本地端口的范围：用 `netsh int ipv4 show dynamicport tcp` 查看，用 `netsh int ipv4 set dynamicport tcp start=N num=M`（需管理员）修改；IPv6 另有一套（ipv6）",
		"setting.DynamicPortRange.value":          "默认 49152-65535（16384 个端口）",
		"setting.MaxUserPort":                     "Windows XP 和 Server 2003 上设定最大动态端口的注册表值；之后的版本改用动态端口范围",
		"setting.MaxUserPort.value":               "自 Windows Vista 起不再使用",

		"state.LISTEN.duration.windows": "服务运行多久就持续多久。全连接队列的长度就是应用程序传给 listen() 的 backlog（传 SOMAXCONN 则由 Windows 选一个较大的值）。",
		"state.LISTEN.trouble.windows":  "LISTEN 多本身没问题，要警惕的是全连接队列满：应用程序 accept() 不够快，客户端的连接被拒绝或超时。优化 accept 处理，或给 listen() 更大的 backlog。想看哪个进程监听哪个端口：`sockscope list --state listen -p`。",

		"state.SYN_SENT.leave.windows":    "收到 SYN-ACK，内核回 ACK，进入 ESTABLISHED；收到不带 ACK 的 SYN，即双方同时向对方发起连接（同时打开），内核回 SYN-ACK，进入 SYN_RECV；收到 RST（连接被拒绝，WSAECONNREFUSED），回到 CLOSE；SYN 重传次数用尽，connect() 以 WSAETIMEDOUT 失败。",
		"state.SYN_SENT.duration.windows": "正常只需一个往返时间，毫秒级。对端不回应时，Windows 会重传 SYN MaxSynRetransmissions 次（Windows 10 默认 2 次），超时从 3 秒起逐次翻倍，因此 connect() 大约 21 秒后放弃，除非应用程序自己设了更短的超时。",

		"state.SYN_RECV.meaning.windows":  "监听套接字收到 SYN，回了 SYN-ACK，正在等客户端的 ACK 完成三次握手。Windows 的 netstat 把这个状态叫 SYN_RECEIVED。",
		"state.SYN_RECV.leave.windows":    "收到 ACK：连接进入 ESTABLISHED，放入全连接队列等待 accept()。收到 RST，或 SYN-ACK 重传次数用尽，则丢弃。",
		"state.SYN_RECV.duration.windows": "一个往返时间。收不到 ACK 时，Windows 会重传几次 SYN-ACK，超时逐次翻倍，之后丢弃这个半连接。",
		"state.SYN_RECV.trouble.windows":  "平时很少能看到 SYN_RECV，因为它只持续一个往返时间；偶尔看到几个，说明网络延迟较大。如果大量堆积，要么是 SYN 洪水攻击（伪造源地址的 SYN，永远不会回 ACK；Windows 内置了防护且始终开启），要么是监听套接字的全连接队列满了，因为应用程序 accept() 太慢：优化 accept 处理，并给 listen() 更大的 backlog。",

		"state.ESTABLISHED.duration.windows": "取决于应用程序：一次 HTTP 请求可能只有几毫秒，数据库连接池可以保持好几天。空闲连接 TCP 本身不会超时，除非应用程序开启了 keepalive（SO_KEEPALIVE：空闲 KeepAliveTime 后发出第一个探测，默认 2 小时）。",

		"state.FIN_WAIT1.duration.windows": "一个往返时间：不管对端应用程序在做什么，对端内核都会马上确认 FIN。FIN 没被确认会重传，最多 TcpMaxDataRetransmissions 次（默认 5 次）。",
		"state.FIN_WAIT1.trouble.windows":  "FIN_WAIT1 很少能看到，因为对端内核在一个往返时间内就会确认 FIN。如果连接一直停在这里，说明 FIN 收不到 ACK：对端消失或不可达，或者对端接收窗口为零，FIN 前面还压着没发完的数据。重传次数用尽后会自动消失。",

		"state.FIN_WAIT2.leave.windows":    "收到对端的 FIN（内核回 ACK，进入 TIME_WAIT）；或 Windows 自己的 FIN_WAIT2 超时到期。",
		"state.FIN_WAIT2.duration.windows": "直到对端应用程序关闭连接为止。Windows 不会让连接永远停在 FIN_WAIT2：超过它自己的超时（几分钟）就会关闭，没有公开的设置项可以调整。",
		"state.FIN_WAIT2.trouble.windows":  "大量 FIN_WAIT2 说明对端迟迟不关闭：这些连接在对端机器上处于 CLOSE_WAIT，问题出在对端的应用程序。Windows 会在 FIN_WAIT2 超时后回收它们。",

		"state.CLOSING.duration.windows": "一个往返时间；FIN 丢了会重传，最多 TcpMaxDataRetransmissions 次。",

		"state.LAST_ACK.duration.windows": "一个往返时间。FIN 丢了会重传，最多 TcpMaxDataRetransmissions 次（默认 5 次）。",
		"state.LAST_ACK.trouble.windows":  "连接一直停在 LAST_ACK，说明对端发完 FIN 就消失了（进程崩溃，或 NAT、防火墙表项已过期）。重传次数用尽后会自动消失。",

		"state.TIME_WAIT.leave.windows":    "定时器到期：TcpTimedWaitDelay（默认 120 秒）后 Windows 将其删除。相同四元组的新 SYN 可以提前接管它。",
		"state.TIME_WAIT.duration.windows": "由注册表值 TcpTimedWaitDelay 决定，可设 30 到 300 秒，默认 120 秒。RFC 9293 要求等待两倍 MSL（报文最大生存时间），它规定的 MSL 是 2 分钟，即 4 分钟；除非注册表另有设置，Windows 只等其一半。",
		"state.TIME_WAIT.trouble.windows":  "繁忙的服务器上有成千上万个 TIME_WAIT 很正常。真正的问题出在客户端向同一目标频繁建立短连接：每个 TIME_WAIT 占住一个本地端口 TcpTimedWaitDelay 秒，动态端口范围（默认 16384 个端口，用 `netsh int ipv4 show dynamicport tcp` 查看）用完后，connect() 会失败，通常报 WSAENOBUFS（10055）或 WSAEADDRINUSE（10048）。办法：复用连接（keep-alive、连接池）；扩大端口范围（以管理员身份运行 `netsh int ipv4 set dynamicport tcp start=10000 num=55536`）；调小 TcpTimedWaitDelay（重启后生效）；分散到更多目标地址。MaxUserPort 只对 Windows XP 和 Server 2003 有效。",

		"state.UNCONN.trouble.windows": "UDP 没有握手，问题体现在计数器上而不是状态上：InErrors 上涨说明有数据报被丢弃，常见原因是应用程序读得太慢（加快读取，或调大 SO_RCVBUF）；NoPorts 上涨说明有数据报发往了没有程序绑定的端口。参见 `sockscope -s -p udp`。",

		"counter.InErrors.meaning.windows":          "收到但因端口以外的原因无法交付的 UDP 数据报：校验和错误，或套接字接收缓冲区已满。",
		"counter.InErrors.rising.windows":           "多半是应用程序读得太慢：加快读取，或调大 SO_RCVBUF。否则是网络上的校验和错误。",
		"counter.TCPAbortOnTimeout.meaning.windows": "Linux 因重传次数用尽而丢弃的连接。",
	})
}
