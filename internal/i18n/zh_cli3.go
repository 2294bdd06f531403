package i18n

// cli: per-verb flags, flag values, colour, version, help topics and the
// hints of an empty listing.
func init() {
	merge(zh, map[string]string{
		"cli.flag.timers":          "显示每个套接字的内核计时器（net-tools netstat -o、ss -o）",
		"cli.flag.netns":           "读取网络命名空间 `NS` 而非当前的：ip netns 的名称、其文件路径，或以某进程 PID 所在的命名空间",
		"cli.flag.all-netns.live":  "统计本机所有网络命名空间的套接字",
		"cli.flag.explain.live":    "统计当前处于该状态的套接字（默认）",
		"cli.flag.all-netns":       "列出本机所有网络命名空间（包括每个容器）的套接字，并加上 NetNS 列",
		"cli.flag.all-netns.stats": "显示本机每个网络命名空间的计数器，并注明名称",
		"cli.flag.info":            "显示内核掌握的每个 TCP 连接内部信息：往返时间、拥塞窗口、重传、速率（tcp_info，同 ss -i）",
		"cli.flag.memory":          "显示每个套接字的内存使用（skmem，同 ss -m）",
		"cli.flag.sort":            "按 `FIELDS` 排序：proto、local、remote、port、state、pid、program、recv-q、send-q（逗号分隔；FIELD:desc 或 -FIELD 为降序）",
		"cli.flag.top":             "显示套接字最多的 `N` 个进程",
		"cli.flag.nonzero":         "只显示不为零的计数器",
		"cli.flag.no-header":       "不输出表头",
		"cli.flag.color":           "给状态列着色：`WHEN` 为 auto（终端、modern 布局且未设 NO_COLOR）、always 或 never",
		"cli.flag.version":         "显示版本及构建所用的修订号",
		"cli.flag.stats.protocol":  "只看 `PROTO` 的计数器（ip、ipv6、icmp、icmpv6、tcp、tcpv6、udp、udpv6；逗号分隔）",
		"cli.err.notapply":         "%s 不适用于%s",
		"cli.err.notapply.verb":    "%s 不适用于 '%s'",
		"cli.err.value.dash":       "%s %q 看起来是选项，而不是 %s（应写成 %[1]s %[3]s）",
		"cli.err.value.empty":      "%s 需要一个 %s，不能为空",
		"cli.err.noargs":           "无法识别的参数 %q：'%s' 不接受参数",
		"cli.err.unexpected.view":  "无法识别的参数 %q：'%s' 只接受以秒为单位的 INTERVAL",
		"cli.err.color":            "--color 的值 %q 无法识别（可选：auto、always、never）",
		"cli.err.proto.family":     "%s 与 -p %s 同时给出时不会选中任何套接字：与 Windows netstat 一样，-p tcp 和 -p udp 指 IPv4（请用 -p tcpv6、udpv6，或 -t/-u 加 -4/-6）",
		"cli.err.completion.shell": "completion 不支持 shell %q（可选：%s）",
		"cli.err.help.topic":       "没有帮助主题 %q（%s 的命令列表见其帮助）",
		"cli.err.interval.neg":     "间隔 %q 无效（应为正的秒数，例如 5）",
		"cli.view.list":            "连接列表",
		"cli.view.stats":           " -s（协议统计）",
		"cli.view.routes":          " -r（路由表）",
		"cli.view.interfaces":      " -i（接口表）",
		"cli.view.groups":          " -g（组播组）",
		"cli.view.ethernet":        " -e（以太网统计）",
		"cli.pid.netns":            "sockscope：进程 %d 的套接字在另一个网络命名空间（net:[%d]；当前为 net:[%d]）：运行 'sockscope --netns %[1]d --pid %[1]d' 查看",
		"cli.pid.gone":             "sockscope：没有正在运行的进程 %d",
	})
}
