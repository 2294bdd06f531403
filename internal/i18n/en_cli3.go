package i18n

// cli: per-verb flags, flag values, colour, version, help topics and the
// hints of an empty listing.
func init() {
	merge(en, map[string]string{
		"cli.flag.timers":           "show the kernel's timer of each socket (net-tools netstat -o, ss -o)",
		"cli.flag.netns":            "read network namespace `NS` instead of this one: a name of ip netns, a path to its file, or a PID whose namespace to read",
		"cli.flag.all-netns":        "list the sockets of every network namespace on the machine (every container's too), with a NetNS column",
		"cli.flag.all-netns.stats":  "show the counters of every network namespace on the machine, each named",
		"cli.err.netns.both":        "--netns and --all-netns cannot be given together",
		"cli.err.netns.live":        "--netns and --all-netns choose what --live counts: give --live too",
		"cli.netns.unread":          "%d network namespaces could not be read (%s): %v",
		"cli.netns.sudo":            " (run as root, e.g. with sudo, to see them)",
		"cli.err.netns.nolive":      "--netns and --all-netns choose whose sockets the live counts count: they do not apply with --no-live or to a counter",
		"cli.err.live.both":         "--live and --no-live cannot be given together",
		"cli.flag.explain.live":     "count the sockets in the state now (the default)",
		"cli.flag.all-netns.live":   "count the sockets of every network namespace on the machine",
		"cli.err.netns.unsupported": "network namespaces exist only on Linux: --netns and --all-netns cannot be used here",
		"cli.flag.info":             "show what the kernel knows inside each TCP connection: rtt, cwnd, retransmits, rates (tcp_info, as ss -i)",
		"cli.flag.memory":           "show each socket's memory use (skmem, as ss -m)",
		"cli.flag.sort":             "sort by `FIELDS`: proto, local, remote, port, state, pid, program, recv-q, send-q (comma-separated; FIELD:desc or -FIELD for descending)",
		"cli.flag.top":              "show the `N` processes with the most sockets",
		"cli.flag.nonzero":          "show only the counters that are not zero",
		"cli.flag.no-header":        "leave out the table's headings",
		"cli.flag.color":            "colour the state column: `WHEN` is auto (a terminal, modern layout, no NO_COLOR), always or never",
		"cli.flag.version":          "print the version and the revision it was built from",
		"cli.flag.stats.protocol":   "only the counters of `PROTO` (ip, ipv6, icmp, icmpv6, tcp, tcpv6, udp, udpv6; comma-separated)",
		"cli.err.notapply":          "%s does not apply to %s",
		"cli.err.notapply.verb":     "%s does not apply to '%s'",
		"cli.err.value.dash":        "%s %q looks like flags, not a %s (give %[1]s %[3]s)",
		"cli.err.value.empty":       "%s needs a %s, not an empty value",
		"cli.err.noargs":            "unexpected argument %q: '%s' takes no arguments",
		"cli.err.unexpected.view":   "unexpected argument %q: '%s' takes only an INTERVAL in seconds",
		"cli.err.color":             "unknown value %q for --color (valid: auto, always, never)",
		"cli.err.proto.family":      "%s and -p %s together select no socket: -p tcp and -p udp mean IPv4, as in Windows netstat (use -p tcpv6, udpv6, or -t/-u with -4/-6)",
		"cli.err.completion.shell":  "unknown shell %q for completion (valid: %s)",
		"cli.err.help.topic":        "unknown help topic %q (%s's commands are in its help)",
		"cli.err.interval.neg":      "bad interval %q (want a positive number of seconds, e.g. 5)",
		"cli.view.list":             "the socket listing",
		"cli.view.stats":            "-s (protocol statistics)",
		"cli.view.routes":           "-r (the routing table)",
		"cli.view.interfaces":       "-i (the interface table)",
		"cli.view.groups":           "-g (multicast groups)",
		"cli.view.ethernet":         "-e (Ethernet statistics)",
		"cli.pid.netns":             "sockscope: process %d holds its sockets in another network namespace (net:[%d]; this is net:[%d]): run 'sockscope --netns %[1]d --pid %[1]d' to see them",
		"cli.pid.gone":              "sockscope: no process %d is running",
	})
}

func init() {
	merge(en, map[string]string{
		"cli.err.stats.nothing": "these flags select no counter (e.g. -6 with -p tcp, which is IPv4)",
	})
	merge(zh, map[string]string{
		"cli.err.stats.nothing": "这些选项没有选中任何计数器（例如 -6 与表示 IPv4 的 -p tcp 同时给出）",
	})
}

func init() {
	merge(en, map[string]string{
		"cli.err.noheader.json": "-H (--no-header) does not apply to --format %s, which has no header",
	})
	merge(zh, map[string]string{
		"cli.err.noheader.json": "-H（--no-header）不适用于没有表头的 --format %s",
	})
}

func init() {
	merge(en, map[string]string{
		"cli.err.sort.field": "--sort: unknown field %q (valid: %s)",
	})
	merge(zh, map[string]string{
		"cli.err.sort.field": "--sort 的字段 %q 无法识别（可选：%s）",
	})
}

func init() {
	merge(en, map[string]string{
		"cli.summary.short":      "Sockets by protocol and state, the processes holding the most, and where TIME_WAIT goes",
		"cli.err.top":            "bad --top %s (want 0 or more; 0 means 10)",
		"cli.err.summary.format": "summary has no %s form (valid: table, json, ndjson)",
	})
	merge(zh, map[string]string{
		"cli.summary.short":      "按协议和状态统计套接字，列出占用最多的进程，以及 TIME_WAIT 的去向",
		"cli.err.top":            "--top %s 无效（应为 0 或正整数；0 表示 10）",
		"cli.err.summary.format": "summary 没有 %s 格式（可选：table、json、ndjson）",
	})
}

func init() {
	merge(en, map[string]string{
		"cli.flag.iface": "only the interface `NAME` (comma-separated for more)",
		"cli.err.iface":  "--iface %s: no such interface here",
	})
	merge(zh, map[string]string{
		"cli.flag.iface": "只看接口 `NAME`（多个用逗号分隔）",
		"cli.err.iface":  "--iface %s：这里没有这个接口",
	})
}

func init() {
	merge(en, map[string]string{
		"cli.err.timers.windows":    "--timers does not apply to the Windows layout, which has no timer column (use --style modern or linux)",
		"cli.err.internals.style":   "%s does not apply to the %s layout, which has no place for it (use --style modern or --format json)",
		"cli.err.stats.barep":       "-p needs a protocol with -s (ip, ipv6, icmp, icmpv6, tcp, tcpv6, udp, udpv6)",
		"cli.err.notapply.owner":    "%s does not apply to '%s'; it is a flag of: %s",
		"cli.flag.all.ifaces":       "all interfaces, down ones included",
		"cli.flag.extended.ifaces":  "net-tools' ifconfig-style block per interface (with --style linux); Windows netstat -e's Ethernet statistics (with --style windows)",
		"cli.flag.tcp.stats":        "TCP counters (net-tools -st)",
		"cli.flag.udp.stats":        "UDP counters (net-tools -su)",
		"cli.flag.raw.stats":        "IP and ICMP counters (net-tools -sw)",
		"cli.flag.ipv4.views":       "IPv4 only",
		"cli.flag.format.summary":   "output format: table, json or ndjson",
		"cli.flag.numeric.views":    "numeric addresses (no names from /etc/hosts or /etc/networks)",
		"cli.flag.continuous.views": "redisplay every second until interrupted",
	})
	merge(zh, map[string]string{
		"cli.err.timers.windows":    "--timers 不适用于 Windows 布局（它没有计时器列；请用 --style modern 或 linux）",
		"cli.err.netns.both":        "--netns 和 --all-netns 不能同时使用",
		"cli.err.netns.live":        "--netns 和 --all-netns 选择 --live 统计的范围：请同时给出 --live",
		"cli.netns.unread":          "%d 个网络命名空间无法读取（%s）：%v",
		"cli.netns.sudo":            "（以 root 身份运行，例如用 sudo，即可看到）",
		"cli.err.netns.nolive":      "--netns 和 --all-netns 选择实时统计的范围：不适用于 --no-live 或计数器",
		"cli.err.live.both":         "--live 和 --no-live 不能同时使用",
		"cli.err.netns.unsupported": "网络命名空间只存在于 Linux：此处不能使用 --netns 和 --all-netns",
		"cli.err.internals.style":   "%s 不适用于 %s 布局（它没有显示的位置；请用 --style modern 或 --format json）",
		"cli.err.stats.barep":       "与 -s 一起用时 -p 需要给出协议（ip、ipv6、icmp、icmpv6、tcp、tcpv6、udp、udpv6）",
		"cli.err.notapply.owner":    "%s 不适用于 '%s'；它是这些命令的选项：%s",
		"cli.flag.all.ifaces":       "所有接口，包括未启用的",
		"cli.flag.extended.ifaces":  "net-tools 的 ifconfig 式逐接口信息（--style linux）；Windows netstat -e 的以太网统计（--style windows）",
		"cli.flag.tcp.stats":        "TCP 计数器（net-tools -st）",
		"cli.flag.udp.stats":        "UDP 计数器（net-tools -su）",
		"cli.flag.raw.stats":        "IP 与 ICMP 计数器（net-tools -sw）",
		"cli.flag.ipv4.views":       "只看 IPv4",
		"cli.flag.format.summary":   "输出格式：table、json 或 ndjson",
		"cli.flag.numeric.views":    "数字形式的地址（不用 /etc/hosts 或 /etc/networks 中的名字）",
		"cli.flag.continuous.views": "每秒刷新一次，直到被中断",
	})
}

func init() {
	merge(en, map[string]string{
		"cli.err.stats.csvrepeat": "repeated statistics are totals, then rates: two tables one CSV stream cannot hold (use --format ndjson or json)",
	})
	merge(zh, map[string]string{
		"cli.err.stats.csvrepeat": "重复显示的统计先是累计值、后是速率，是两张表，一个 CSV 流放不下（请用 --format ndjson 或 json）",
	})
}

func init() {
	merge(en, map[string]string{
		"cli.flag.extended.routes": "net-tools' Metric, Ref and Use columns (-ee: MSS, Window and irtt too; with --style linux)",
	})
	merge(zh, map[string]string{
		"cli.flag.extended.routes": "net-tools 的 Metric、Ref、Use 列（-ee 再加 MSS、Window、irtt；用于 --style linux）",
	})
}

func init() {
	merge(en, map[string]string{
		"cli.err.extended.layout": "-e with -r or -i is net-tools' extended table (--style linux) or Windows' Ethernet statistics (--style windows); this layout already shows every column",
	})
	merge(zh, map[string]string{
		"cli.err.extended.layout": "-e 与 -r 或 -i 一起用时是 net-tools 的扩展表（--style linux）或 Windows 的以太网统计（--style windows）；当前布局已显示全部列",
	})
}

func init() {
	merge(en, map[string]string{
		"cli.flag.address-family": "net-tools' -A: only `FAMILY` (inet = -4, inet6 = -6, unix = -x; comma-separated)",
		"cli.err.family":          "unknown address family %q for -A (valid: inet, inet6, unix)",
	})
	merge(zh, map[string]string{
		"cli.flag.address-family": "net-tools 的 -A：只看 `FAMILY`（inet 即 -4，inet6 即 -6，unix 即 -x；逗号分隔）",
		"cli.err.family":          "-A 的地址族 %q 无法识别（可选：inet、inet6、unix）",
	})
}

func init() {
	merge(en, map[string]string{
		"cli.flag.filter-file": "read the filter expression from `FILE` (- for standard input), after the one on the command line (ss -F)",
		"cli.err.filterfile":   "-F %s: %v",
	})
	merge(zh, map[string]string{
		"cli.flag.filter-file": "从 `FILE` 读取过滤表达式（- 为标准输入），接在命令行上的表达式之后（同 ss -F）",
		"cli.err.filterfile":   "-F %s：%v",
	})
}

func init() {
	// The frame of a malformed filter expression; the filter package's own
	// English is the English text, so en needs only what zh translates.
	merge(en, map[string]string{
		"cli.filter.err":            "filter: %s at %q (position %d)",
		"cli.filter.err.end":        "filter: %s at the end of the expression",
		"cli.filter.msg.condition":  "expected a condition",
		"cli.filter.msg.unknown":    "unknown condition",
		"cli.filter.msg.unbalanced": "unbalanced )",
		"cli.filter.msg.rparen":     "expected )",
		"cli.filter.msg.deep":       "expression nested too deep",
		"cli.filter.msg.iface":      "no such interface",
		"cli.filter.msg.cgroup":     "no such cgroup",
		"cli.filter.msg.cgroups":    "cannot resolve cgroup paths here",
		"cli.filter.msg.mark":       "cannot parse the mark (MARK or MARK/MASK)",
		"cli.filter.msg.number":     "expected a number",
		"cli.filter.msg.duration":   "expected a duration (100ms, 1.5s, 250us; a plain number is milliseconds)",
		"cli.filter.msg.rate":       "expected a rate in bits per second (10M, 1.5Gbps, 800kbps)",
		"cli.filter.msg.op":         "%s takes = or !=",
		"cli.filter.msg.first":      "%s may only come before the expression",
		"cli.filter.msg.state":      "expected a state name after %s",
		"cli.filter.msg.expected":   "expected %s",
		"cli.filter.msg.ustate":     "unknown state %s",
	})
	merge(zh, map[string]string{
		"cli.filter.err":            "过滤表达式：%s，位于 %q（第 %d 个字节）",
		"cli.filter.err.end":        "过滤表达式：%s，位于表达式末尾",
		"cli.filter.msg.condition":  "这里应当是一个条件",
		"cli.filter.msg.unknown":    "无法识别的条件",
		"cli.filter.msg.unbalanced": "多余的 )",
		"cli.filter.msg.rparen":     "缺少 )",
		"cli.filter.msg.deep":       "表达式嵌套过深",
		"cli.filter.msg.iface":      "没有这个接口",
		"cli.filter.msg.cgroup":     "没有这个 cgroup",
		"cli.filter.msg.cgroups":    "这里无法解析 cgroup 路径",
		"cli.filter.msg.mark":       "无法解析标记（应为 MARK 或 MARK/MASK）",
		"cli.filter.msg.number":     "这里应当是一个数字",
		"cli.filter.msg.duration":   "这里应当是一个时长（100ms、1.5s、250us；不带单位的数字表示毫秒）",
		"cli.filter.msg.rate":       "这里应当是以比特每秒计的速率（10M、1.5Gbps、800kbps）",
		"cli.filter.msg.op":         "%s 只能用 = 或 !=",
		"cli.filter.msg.first":      "%s 只能写在表达式之前",
		"cli.filter.msg.state":      "%s 后面应当是状态名",
		"cli.filter.msg.expected":   "这里应当是 %s",
		"cli.filter.msg.ustate":     "未知的状态 %s",
	})
}
