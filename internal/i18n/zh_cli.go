package i18n

// cli：命令行自身的文字（internal/cli、internal/app）：用法错误、警告，
// 以及各命令和选项的帮助。
func init() {
	merge(zh, map[string]string{
		// 用法错误；app 按 "程序名: 消息（详见 '程序名 --help'）" 输出。
		"cli.usage":               "%[1]s: %[2]s（详见 '%[1]s --help'）",
		"cli.err.interval.twice":  "间隔只能给一次，多出了 %q（INTERVAL 以秒为单位）",
		"cli.err.unexpected":      "无法识别的参数 %q（INTERVAL 必须是秒数；暂不支持过滤表达式）",
		"cli.err.json.conflict":   "--json 与 --format %s 冲突（二者只能给一个）",
		"cli.err.lang":            "--lang 不支持语言 %q（可选：en、zh-CN）",
		"cli.err.proto.unknown":   "-p 的协议 %q 无法识别（可选：%s）",
		"cli.err.proto.statsonly": "协议 %q 只能与 -s（统计）一起用；列连接时请用其中之一：%s",
		"cli.err.port":            "--port 的端口 %q 无效（应为 1 到 65535 之间的数字）",
		"cli.err.pid":             "--pid 的 PID %q 无效（应为正整数）",
		"cli.err.interval.bad":    "间隔 %q 无效（应为秒数，例如 5）",
		"cli.err.interval.range":  "间隔 %q 超出范围（应在 0.01 到 86400 秒之间）",
		"cli.err.topic.suggest":   "未知的状态或计数器 %q（是不是想输入 %s？）",
		"cli.err.topic.unknown":   "未知的状态或计数器 %q（状态：%s；计数器：%s）",
		"cli.err.diagram.format":  "diagram 不支持格式 %q（可选：text、dot）",
		"cli.or":                  " 或 ",

		// pflag 自带的错误，由 app 识别后翻译；%s 保留用户输入的选项原文。
		"cli.pflag.unknown":   "未知选项：%s",
		"cli.pflag.shorthand": "未知短选项 '%s'（位于 %s）",
		"cli.pflag.needsarg":  "选项缺少参数：%s",

		// stderr 上的警告。中文不区分单复数。
		"cli.warning":          "sockscope: 警告：%s",
		"cli.warn.attribution": "进程归属：%s",
		"cli.unattr.root":      "sockscope: %s无法确定所属进程：%s即使对 root 也不公开%s打开的文件",
		"cli.unattr.user":      "sockscope: %s无法确定所属进程：看不到其他用户的%s；用 root（sudo）运行才能看到全部属主",
		"cli.unattr.elevate":   "sockscope: %s背后的程序无法读取：打开 %s需要提升权限（netstat -b 也这样要求）；以管理员身份运行才能看到全部属主",
		"cli.unattr.admin":     "sockscope: %s背后的程序无法读取：%s即使对管理员也拒绝打开",
		"cli.n.socket.one":     "%d 个套接字",
		"cli.n.socket.many":    "%d 个套接字",
		"cli.n.process.one":    "%d 个进程",
		"cli.n.process.many":   "%d 个进程",
		"cli.its.one":          "其",
		"cli.its.many":         "其",

		// 帮助：命令。
		"cli.root.short": "列出所有套接字、连接状态及其所属进程",
		"cli.root.long": `sockscope 列出本机所有 TCP、UDP、raw 和 unix 套接字、它们的状态以及持有它们的进程。
选项沿用 netstat 的写法（-ano、-b、-tulpn、-anop tcp），另有便于脚本使用的长选项
（--format json）。`,
		"cli.root.example": `  sockscope -ano               所有 TCP/UDP 套接字，数字形式，带 PID
  sockscope -b                 显示每个连接对应的可执行文件
  sockscope -tulpn             处于监听的 TCP/UDP 套接字及 PID/程序名（Linux netstat 写法）
  sockscope -anop tcp          IPv4 TCP 套接字及 PID（Windows netstat 写法）
  sockscope --all --format json
  sockscope -tan 5             每 5 秒刷新一次`,
		"cli.list.short":       "列出套接字（长选项写法，功能与根命令的 netstat 选项相同）",
		"cli.stats.short":      "按协议统计的计数器（netstat -s），可显示累计值或每秒速率",
		"cli.routes.short":     "IPv4 和 IPv6 路由表（netstat -r）",
		"cli.interfaces.short": "各网卡的收发包数、错误和丢包（netstat -i；Windows 布局下为 -e）",
		"cli.groups.short":     "组播组成员关系（netstat -g）",
		"cli.explain.short":    "解释 TCP 状态（或统计计数器）的含义、套接字如何进入和离开该状态，以及当前有多少处于该状态",
		"cli.explain.example": `  sockscope explain                 所有状态，每个一行，附当前数量
  sockscope explain close-wait      CLOSE_WAIT 是什么意思，当前哪些进程持有这类套接字
  sockscope explain SYNC_RECEIVED   各种写法都认
  sockscope explain RetransSegs     解释一个统计计数器
  sockscope explain time-wait --lang zh-CN
  sockscope explain close-wait --all-netns   统计所有网络命名空间中的数量与持有者`,
		"cli.diagram.short": "TCP 状态图（RFC 9293），可标出各状态当前的套接字数",
		"cli.diagram.example": `  sockscope diagram                 完整的状态图
  sockscope diagram open            建立连接（三次握手）
  sockscope diagram close --live    断开连接，并标出各状态当前的套接字数
  sockscope diagram --live --netns web   网络命名空间 web 的实时数量
  sockscope diagram --format dot | dot -Tsvg > tcp.svg`,

		// 帮助：选项。反引号里的 `NAME` 是帮助中显示的参数名。
		"cli.flag.all":        "所有套接字，包括监听中和未连接的",
		"cli.flag.numeric":    "地址和端口以数字显示（不做 DNS 解析，不显示服务名）",
		"cli.flag.show-pid":   "显示所属进程的 PID（Windows netstat -o）",
		"cli.flag.exe":        "显示每个套接字对应的可执行文件（Windows netstat -b）",
		"cli.flag.protocol":   "只看协议 `PROTO`（%s）；单独的 -p：显示 PID/程序名（Linux）",
		"cli.flag.tcp":        "TCP 套接字",
		"cli.flag.udp":        "UDP（及 UDP-Lite）套接字",
		"cli.flag.raw":        "raw 套接字",
		"cli.flag.unix":       "unix 域套接字",
		"cli.flag.mptcp":      "MPTCP 套接字",
		"cli.flag.listening":  "只看监听中（及已绑定未连接）的套接字",
		"cli.flag.ipv4":       "只看 IPv4",
		"cli.flag.ipv6":       "只看 IPv6",
		"cli.flag.extended":   "扩展列：用户和 inode",
		"cli.flag.wide":       "地址过长时不截断",
		"cli.flag.fqdn":       "远端地址显示完整域名（FQDN）",
		"cli.flag.continuous": "每秒刷新一次，直到按 Ctrl-C 中断",
		"cli.flag.query":      "所有监听端口及已绑定但未监听的端口（Windows -q）",
		"cli.flag.state":      "只看状态为 `STATE` 的套接字（写法不限：time-wait、TIME_WAIT、LISTENING 等）",
		"cli.flag.port":       "只看本地或远端端口为 `PORT` 的套接字",
		"cli.flag.pid":        "只看进程 `PID` 持有的套接字",
		"cli.flag.program":    "只看程序 `NAME` 持有的套接字（进程名或可执行文件名）",
		"cli.flag.format":     "输出格式：table、json、ndjson 或 csv",
		"cli.flag.json":       "等同于 --format json",
		"cli.flag.style":      "表格布局：modern、windows 或 linux（默认 modern；以 netstat 名义运行时沿用本系统 netstat 的布局）",
		"cli.flag.lang":       "输出语言：en 或 zh-CN（默认取自 LC_ALL、LC_MESSAGES、LANG）",
		"cli.flag.resolve":    "输出不是终端时也解析主机名和服务名",
		"cli.flag.source":     "套接字数据来源：auto、netlink 或 proc",
		"cli.flag.statistics": "按协议统计",
		"cli.flag.route":      "路由表",
		"cli.flag.interfaces": "网卡列表",
		"cli.flag.groups":     "组播组成员关系",
		"cli.flag.rate":       "与 -s 一起用：每隔 INTERVAL（默认 1 秒）显示有变化的计数器的每秒速率",
		"cli.flag.record":     "把读到的原始内核数据写入 `DIR`（用于制作测试数据）",

		"cli.flag.explain.lang":    "语言：en 或 zh-CN（默认取自 locale）",
		"cli.flag.explain.no-live": "不统计各状态当前的套接字数",
		"cli.flag.diagram.ascii":   "用 ASCII 字符代替制表符绘图（非 UTF-8 locale 下默认如此）",
		"cli.flag.diagram.live":    "在状态图中标出各状态当前的套接字数",
		"cli.flag.diagram.format":  "text 或 dot（Graphviz）",
	})
}
