package i18n

// cli: the command line's own text (internal/cli, internal/app): usage
// errors, warnings, and the help of every command and flag.
func init() {
	merge(en, map[string]string{
		// Usage errors; app prints them as "PROG: MSG (see 'PROG --help')".
		"cli.usage":               "%[1]s: %[2]s (see '%[1]s --help')",
		"cli.err.interval.twice":  "more than one interval: %q (give INTERVAL once, in seconds)",
		"cli.err.unexpected":      "unexpected argument %q (INTERVAL must be a number of seconds; filter expressions are not supported yet)",
		"cli.err.json.conflict":   "--json conflicts with --format %s (give one of them)",
		"cli.err.lang":            "unknown language %q for --lang (valid: en, zh-CN)",
		"cli.err.proto.unknown":   "unknown protocol %q for -p (valid: %s)",
		"cli.err.proto.statsonly": "protocol %q is only valid with -s (statistics); for listings use one of: %s",
		"cli.err.port":            "bad port %q for --port (want a number from 1 to 65535)",
		"cli.err.pid":             "bad PID %q for --pid (want a positive number)",
		"cli.err.interval.bad":    "bad interval %q (want a number of seconds, e.g. 5)",
		"cli.err.interval.range":  "bad interval %q (want from 0.01 to 86400 seconds)",
		"cli.err.topic.suggest":   "unknown state or counter %q (did you mean %s?)",
		"cli.err.topic.unknown":   "unknown state or counter %q (states: %s; counters: %s)",
		"cli.err.diagram.format":  "unknown format %q for diagram (valid: text, dot)",
		"cli.or":                  " or ",

		// pflag's own errors, recognised by app; %s keeps the flag as typed.
		"cli.pflag.unknown":   "unknown flag: %s",
		"cli.pflag.shorthand": "unknown shorthand flag: '%s' in %s",
		"cli.pflag.needsarg":  "flag needs an argument: %s",

		// Warnings on stderr. English needs singular and plural nouns.
		"cli.warning":          "sockscope: warning: %s",
		"cli.warn.attribution": "process attribution: %s",
		"cli.unattr.root":      "sockscope: %s could not be attributed: %s refused to show %s open files even to root",
		"cli.unattr.user":      "sockscope: %s could not be attributed: %s of other users are not visible; run as root (sudo) to see every owner",
		"cli.unattr.elevate":   "sockscope: the programs behind %s could not be read: opening %s needs elevation, as netstat -b says; run as Administrator to see every owner",
		"cli.unattr.admin":     "sockscope: the programs behind %s could not be read: %s refused even an Administrator",
		"cli.n.socket.one":     "%d socket",
		"cli.n.socket.many":    "%d sockets",
		"cli.n.process.one":    "%d process",
		"cli.n.process.many":   "%d processes",
		"cli.its.one":          "its",
		"cli.its.many":         "their",

		// Help: commands.
		"cli.root.short": "Show every socket, its state and the processes that own it",
		"cli.root.long": `sockscope shows every TCP, UDP, raw and unix socket on this machine, its state
and the processes that hold it. Flags are netstat's (-ano, -b, -tulpn, -anop tcp)
and there are long ones for scripts (--format json).`,
		"cli.root.example": `  sockscope -ano               every TCP/UDP socket, numeric, with its PID
  sockscope -b                 with the executable of each connection
  sockscope -tulpn             listening TCP/UDP sockets with PID/program (Linux netstat)
  sockscope -anop tcp          IPv4 TCP sockets with PID (Windows netstat)
  sockscope --all --format json
  sockscope -tan 5             redisplay every 5 seconds`,
		"cli.list.short":       "List sockets (long flags; the same as the netstat flags of the root command)",
		"cli.stats.short":      "Per-protocol counters (netstat -s), absolute or per second",
		"cli.routes.short":     "IPv4 and IPv6 routing tables (netstat -r)",
		"cli.interfaces.short": "Per-interface packets, errors and drops (netstat -i; -e in the Windows layout)",
		"cli.groups.short":     "Multicast group memberships (netstat -g)",
		"cli.explain.short":    "What a TCP state (or a statistics counter) means, how sockets get there and leave, and how many are in it now",
		"cli.explain.example": `  sockscope explain                 every state, one line each, with live counts
  sockscope explain close-wait      what CLOSE_WAIT means and who holds such sockets now
  sockscope explain SYNC_RECEIVED   any spelling works
  sockscope explain RetransSegs     what a statistics counter means
  sockscope explain time-wait --lang zh-CN
  sockscope explain close-wait --all-netns   counts and holders over every network namespace`,
		"cli.diagram.short": "The TCP state diagram (RFC 9293), optionally with the live count of sockets in each state",
		"cli.diagram.example": `  sockscope diagram                 the whole state diagram
  sockscope diagram open            connection setup (three-way handshake)
  sockscope diagram close --live    connection teardown, with how many sockets are in each state now
  sockscope diagram --live --netns web   the live counts of network namespace web
  sockscope diagram --format dot | dot -Tsvg > tcp.svg`,

		// Help: flags. A `NAME` in backquotes is the value name in the help.
		"cli.flag.all":        "all sockets, listening and unconnected ones included",
		"cli.flag.numeric":    "numeric addresses and ports (no DNS, no service names)",
		"cli.flag.show-pid":   "show the owning PID (Windows netstat -o)",
		"cli.flag.exe":        "show the executable of each socket (Windows netstat -b)",
		"cli.flag.protocol":   "only `PROTO` (%s); -p alone: show PID/Program name (Linux)",
		"cli.flag.tcp":        "TCP sockets",
		"cli.flag.udp":        "UDP (and UDP-Lite) sockets",
		"cli.flag.raw":        "raw sockets",
		"cli.flag.unix":       "unix domain sockets",
		"cli.flag.mptcp":      "MPTCP sockets",
		"cli.flag.listening":  "listening (and unconnected bound) sockets only",
		"cli.flag.ipv4":       "IPv4 only",
		"cli.flag.ipv6":       "IPv6 only",
		"cli.flag.extended":   "extended columns: user and inode",
		"cli.flag.wide":       "never truncate addresses",
		"cli.flag.fqdn":       "fully qualified names for remote addresses",
		"cli.flag.continuous": "redisplay every second until interrupted",
		"cli.flag.query":      "all listening and bound non-listening ports (Windows -q)",
		"cli.flag.state":      "only sockets in `STATE` (any spelling: time-wait, TIME_WAIT, LISTENING, ...)",
		"cli.flag.port":       "only sockets with local or remote `PORT`",
		"cli.flag.pid":        "only sockets held by process `PID`",
		"cli.flag.program":    "only sockets held by a program `NAME` (process name or executable base name)",
		"cli.flag.format":     "output format: table, json, ndjson or csv",
		"cli.flag.json":       "shorthand for --format json",
		"cli.flag.style":      "table layout: modern, windows or linux (default modern; netstat's own when run as netstat)",
		"cli.flag.lang":       "language of headings: en or zh-CN (default from LC_ALL, LC_MESSAGES, LANG)",
		"cli.flag.resolve":    "look up names even when output is not a terminal",
		"cli.flag.source":     "socket data source: auto, netlink or proc",
		"cli.flag.statistics": "per-protocol statistics",
		"cli.flag.route":      "routing table",
		"cli.flag.interfaces": "interface table",
		"cli.flag.groups":     "multicast group memberships",
		"cli.flag.rate":       "with -s: per-second rates of the counters that moved, every INTERVAL (default 1 s)",
		"cli.flag.record":     "write the raw kernel data read to `DIR` (for test fixtures)",

		"cli.flag.explain.lang":    "language: en or zh-CN (default from the locale)",
		"cli.flag.explain.no-live": "do not count the sockets in each state now",
		"cli.flag.diagram.ascii":   "draw with ASCII instead of box-drawing characters (default in a non-UTF-8 locale)",
		"cli.flag.diagram.live":    "write the number of sockets in each state now into the diagram",
		"cli.flag.diagram.format":  "text or dot (Graphviz)",
	})
}
