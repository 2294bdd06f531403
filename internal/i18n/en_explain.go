package i18n

// explain: singular forms, and what Windows has instead of Linux's sysctls
// and /proc files. A key ending in ".windows" replaces the key without it
// when explain describes Windows.
func init() {
	merge(en, map[string]string{
		"explain.err.args":                 "explain takes one state or counter, not %d arguments (%s): e.g. sockscope explain time-wait",
		"explain.live.count.one":           "%d socket in %s.",
		"explain.heading.settings.windows": "Windows settings (defaults; this machine's may differ)",
		"explain.counter.linuxonly":        "Windows does not keep this counter: it is one of Linux's (%s). `sockscope -s` shows the counters Windows keeps.",

		"setting.MaxSynRetransmissions":           "SYN retransmissions before connect() gives up: `netsh int tcp show global` shows it, `netsh int tcp set global maxsynretransmissions=N` sets it",
		"setting.MaxSynRetransmissions.value":     "2 by default (Windows 10)",
		"setting.KeepAliveTime":                   "registry value in HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters: idle time before the first keepalive probe, for sockets that turn keepalive on (SO_KEEPALIVE)",
		"setting.KeepAliveTime.value":             "7200000 ms (2 hours) by default",
		"setting.TcpMaxDataRetransmissions":       "registry value in HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters: retransmissions of an unacknowledged segment, a FIN included, before the connection is dropped",
		"setting.TcpMaxDataRetransmissions.value": "5 by default",
		"setting.DynamicPortRange":                "the local ports connect() picks from: `netsh int ipv4 show dynamicport tcp` shows it, `netsh int ipv4 set dynamicport tcp start=N num=M` (as Administrator) changes it; IPv6 has its own (ipv6)",
		"setting.DynamicPortRange.value":          "49152-65535 (16384 ports) by default",
		"setting.MaxUserPort":                     "registry value of Windows XP and Server 2003 that set the highest dynamic port; later versions use the dynamic port range instead",
		"setting.MaxUserPort.value":               "not used since Windows Vista",

		"state.LISTEN.duration.windows": "As long as the server runs. The accept queue holds as many connections as the backlog the application gives listen() (SOMAXCONN lets Windows pick a large one).",
		"state.LISTEN.trouble.windows":  "Many LISTEN sockets are normal. The trouble is a full accept queue: the application does not call accept() fast enough, and clients see their connections refused or time out. Make accept() faster, or give listen() a larger backlog. To see who listens where: `sockscope list --state listen -p`.",

		"state.SYN_SENT.leave.windows":    "Receiving the SYN-ACK (the kernel answers with an ACK: ESTABLISHED); receiving a SYN without ACK, when both sides connect to each other at once (simultaneous open: the kernel answers with a SYN-ACK and goes to SYN_RECV); a RST (connection refused, WSAECONNREFUSED: CLOSE); or the SYN retransmissions running out (connect() fails with WSAETIMEDOUT).",
		"state.SYN_SENT.duration.windows": "Normally one round trip: milliseconds. With no answer Windows retransmits the SYN MaxSynRetransmissions times (2 by default on Windows 10), the timeout doubling from 3 s, so connect() gives up after about 21 s unless the application sets a shorter timeout.",

		"state.SYN_RECV.meaning.windows":  "A listening socket received a SYN, answered with a SYN-ACK, and waits for the client's ACK that completes the three-way handshake. Windows netstat calls this state SYN_RECEIVED.",
		"state.SYN_RECV.leave.windows":    "Receiving the ACK: the connection is ESTABLISHED and waits in the accept queue. A RST, or the SYN-ACK retransmissions running out, drop it.",
		"state.SYN_RECV.duration.windows": "One round trip. Without an ACK Windows retransmits the SYN-ACK a few times, the timeout doubling, then drops the half-open connection.",
		"state.SYN_RECV.trouble.windows":  "SYN_RECV is rarely seen because it lasts a single round trip; seeing a few means a slow network. Many piling up mean a SYN flood (SYNs from spoofed addresses that never send the ACK; Windows' protection against it is built in and always on) or a listener whose accept queue is full because the application does not accept() fast enough: fix the slow accept() and give listen() a larger backlog.",

		"state.ESTABLISHED.duration.windows": "As long as the applications keep the connection: milliseconds for one HTTP request, days for a database pool. TCP never times out an idle connection unless the application turns on keepalive (SO_KEEPALIVE: the first probe after KeepAliveTime, 2 hours by default).",

		"state.FIN_WAIT1.duration.windows": "One round trip: the peer's kernel acknowledges a FIN at once, whatever its application does. An unacknowledged FIN is retransmitted, at most TcpMaxDataRetransmissions times (5 by default).",
		"state.FIN_WAIT1.trouble.windows":  "FIN_WAIT1 is rarely seen, because the peer's kernel acknowledges the FIN within one round trip. Sockets that stay in it mean the FIN gets no ACK: the peer vanished or is unreachable, or its receive window is zero and unsent data is still queued ahead of the FIN. They go away when the retransmissions run out.",

		"state.FIN_WAIT2.leave.windows":    "The peer's FIN (the kernel acknowledges it: TIME_WAIT); or Windows' own FIN_WAIT2 timeout.",
		"state.FIN_WAIT2.duration.windows": "Until the peer's application closes its side. Windows does not keep a connection in FIN_WAIT2 for ever: it closes it after a timeout of its own, a few minutes; there is no documented setting for it.",
		"state.FIN_WAIT2.trouble.windows":  "Many FIN_WAIT2 sockets mean the peers do not close their side: on their machine these connections sit in CLOSE_WAIT, so the bug is in the peer's application. Windows reclaims them after its FIN_WAIT2 timeout.",

		"state.CLOSING.duration.windows": "One round trip; a lost FIN is retransmitted, at most TcpMaxDataRetransmissions times.",

		"state.LAST_ACK.duration.windows": "One round trip. A lost FIN is retransmitted, at most TcpMaxDataRetransmissions times (5 by default).",
		"state.LAST_ACK.trouble.windows":  "Sockets that stay in LAST_ACK mean the peer vanished after sending its FIN (it crashed, or a NAT or firewall entry expired). They go away when the retransmissions run out.",

		"state.TIME_WAIT.leave.windows":    "The timer: Windows removes it after TcpTimedWaitDelay (120 s by default). A new SYN for the same addresses and ports may take it over earlier.",
		"state.TIME_WAIT.duration.windows": "TcpTimedWaitDelay, a registry value of 30 to 300 s: 120 s by default. RFC 9293 asks for twice the MSL (maximum segment lifetime), and its MSL is 2 minutes, so 4 minutes; Windows waits half that unless the registry says otherwise.",
		"state.TIME_WAIT.trouble.windows":  "Thousands of TIME_WAIT sockets are normal on a busy server. They become trouble on a client that opens many short connections to one destination: each holds a local port for TcpTimedWaitDelay, and when the dynamic port range runs out (16384 ports by default: `netsh int ipv4 show dynamicport tcp`), connect() fails, typically with WSAENOBUFS (10055) or WSAEADDRINUSE (10048). Reuse connections (keep-alive, pools); widen the range (`netsh int ipv4 set dynamicport tcp start=10000 num=55536`, as Administrator); lower TcpTimedWaitDelay (a restart applies it); spread over more destination addresses. MaxUserPort only matters on Windows XP and Server 2003.",

		"state.UNCONN.trouble.windows": "UDP has no handshake, so trouble shows in the counters, not in states: a rising InErrors means datagrams are dropped, often because the application reads too slowly (read faster, or raise SO_RCVBUF); a rising NoPorts means datagrams arrive for ports nobody is bound to. See `sockscope -s -p udp`.",

		"counter.InErrors.meaning.windows":          "UDP datagrams received that could not be delivered for a reason other than a missing port: a bad checksum, or no room in the socket's receive buffer.",
		"counter.InErrors.rising.windows":           "Usually an application that reads too slowly: read faster, or raise SO_RCVBUF. Otherwise checksum errors from the network.",
		"counter.TCPAbortOnTimeout.meaning.windows": "Connections Linux dropped because their retransmissions ran out.",
	})
}
