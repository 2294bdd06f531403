package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/sockscope/sockscope/internal/exporter"
	"github.com/sockscope/sockscope/internal/i18n"
)

// scope is a set of the places a flag applies to: the socket listing and
// the other views. A verb defines only the flags of its scope; the root
// command (the netstat form) defines them all and, once the view is known,
// refuses those given that do not apply to it.
type scope uint32

const (
	inList     scope = 1 << iota // socket listing: the root command, list
	inStats                      // -s, stats
	inRoutes                     // -r, routes
	inIfaces                     // -i, interfaces
	inGroups                     // -g, groups
	inEthernet                   // Windows netstat -e (also with -s)
	inSummary                    // summary
	inSelect                     // the root's view selectors: -s -r -i -g
	inWatch                      // watch
	inKill                       // kill
	inServe                      // serve
	inDoctor                     // doctor
	inTrace                      // trace
	inRecord                     // record
	inHistory                    // history
	// inHabit marks a flag the root command accepts with every view,
	// because netstat users type it out of habit and netstat accepts it
	// (-as, -sn, -rn): -a and -n, which change nothing where they do not
	// apply.
	inHabit
)

const (
	inViews  = inStats | inRoutes | inIfaces | inGroups | inEthernet
	inOutput = inList | inViews | inSummary // format, style, language, colour
	inRepeat = inList | inViews             // -c and INTERVAL
	// inChoose are the commands that choose sockets as the listing does
	// (its selection flags and a filter expression) to act on them.
	inChoose = inList | inWatch | inKill | inServe | inDoctor | inTrace | inRecord | inHistory
	// inRoot is the root command's scope: every view, not summary's own
	// flags.
	inRoot = inList | inViews | inSelect | inHabit
)

// viewScope is the scope of view v in layout windows (true for the
// Windows style, where -e with -s adds Ethernet statistics).
func viewScope(v view, windows bool) scope {
	switch v {
	case viewStats:
		if windows {
			return inStats | inEthernet
		}
		return inStats
	case viewRoutes:
		return inRoutes
	case viewIfaces:
		return inIfaces
	case viewGroups:
		return inGroups
	case viewEthernet:
		return inEthernet
	case viewSummary:
		return inSummary
	case viewWatch:
		return inWatch
	case viewKill:
		return inKill
	case viewServe:
		return inServe
	case viewDoctor:
		return inDoctor
	case viewTrace:
		return inTrace
	case viewRecord:
		return inRecord
	case viewHistory:
		return inHistory
	}
	return inList
}

// flagDef is one flag: where it applies and how to define it.
type flagDef struct {
	name string
	in   scope
	add  func(fs *pflag.FlagSet, lf *listFlags, t func(key string, args ...any) string)
}

// flagDefs are sockscope's flags in the order help lists them.
var flagDefs = []flagDef{
	{"all", inList | inIfaces | inHabit, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.all, "all", "a", false, t("cli.flag.all"))
	}},
	{"numeric", inList | inRoutes | inGroups | inHabit | inWatch, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.numeric, "numeric", "n", false, t("cli.flag.numeric"))
	}},
	{"show-pid", inList, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.showPID, "show-pid", "o", false, t("cli.flag.show-pid"))
	}},
	{"info", inList, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVar(&lf.info, "info", false, t("cli.flag.info"))
	}},
	{"memory", inList, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVar(&lf.memory, "memory", false, t("cli.flag.memory"))
	}},
	{"timers", inList, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVar(&lf.timers, "timers", false, t("cli.flag.timers"))
	}},
	{"exe", inList, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.exe, "exe", "b", false, t("cli.flag.exe"))
	}},
	{"protocol", inList | inStats, nil}, // defined by addFlags: its form depends on the command
	{"tcp", inList | inStats | inSummary | inWatch | inKill | inServe | inDoctor | inTrace | inRecord | inHistory, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.tcp, "tcp", "t", false, t("cli.flag.tcp"))
	}},
	{"udp", inList | inStats | inSummary | inWatch | inKill | inServe | inDoctor | inTrace | inRecord | inHistory, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.udp, "udp", "u", false, t("cli.flag.udp"))
	}},
	{"raw", inList | inStats | inSummary | inWatch | inKill | inServe | inDoctor, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.raw, "raw", "w", false, t("cli.flag.raw"))
	}},
	{"unix", inList | inSummary | inWatch | inServe | inDoctor, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.unix, "unix", "x", false, t("cli.flag.unix"))
	}},
	{"mptcp", inList | inSummary | inWatch | inKill | inServe | inDoctor, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVar(&lf.mptcp, "mptcp", false, t("cli.flag.mptcp"))
	}},
	{"listening", inList | inWatch, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.listening, "listening", "l", false, t("cli.flag.listening"))
	}},
	{"ipv4", inList | inStats | inRoutes | inGroups | inSummary | inWatch | inKill | inServe | inDoctor | inTrace | inRecord | inHistory, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.v4, "ipv4", "4", false, t("cli.flag.ipv4"))
	}},
	{"ipv6", inList | inStats | inRoutes | inGroups | inSummary | inWatch | inKill | inServe | inDoctor | inTrace | inRecord | inHistory, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.v6, "ipv6", "6", false, t("cli.flag.ipv6"))
	}},
	{"address-family", inList | inRoutes | inGroups | inStats, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringSliceVarP(&lf.families, "address-family", "A", nil, t("cli.flag.address-family"))
	}},
	{"extended", inList | inIfaces | inEthernet | inRoutes, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		// A count: net-tools' -ee shows more of the routing table.
		fs.CountVarP(&lf.extended, "extended", "e", t("cli.flag.extended"))
	}},
	{"wide", inList, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.wide, "wide", "W", false, t("cli.flag.wide"))
	}},
	{"fqdn", inList, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.fqdn, "fqdn", "f", false, t("cli.flag.fqdn"))
	}},
	{"continuous", inRepeat, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.continuous, "continuous", "c", false, t("cli.flag.continuous"))
	}},
	{"query", inList, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.query, "query", "q", false, t("cli.flag.query"))
	}},
	{"state", inList | inSummary | inWatch | inKill | inServe | inDoctor | inTrace | inRecord | inHistory, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringSliceVar(&lf.states, "state", nil, t("cli.flag.state"))
	}},
	{"port", inList | inSummary | inWatch | inKill | inServe | inDoctor | inTrace | inRecord | inHistory, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringSliceVar(&lf.ports, "port", nil, t("cli.flag.port"))
	}},
	{"pid", inList | inSummary | inWatch | inKill | inServe | inDoctor | inTrace | inRecord | inHistory, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringSliceVar(&lf.pids, "pid", nil, t("cli.flag.pid"))
	}},
	{"program", inList | inSummary | inWatch | inKill | inServe | inDoctor | inTrace | inRecord | inHistory, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringSliceVar(&lf.programs, "program", nil, t("cli.flag.program"))
	}},
	{"iface", inIfaces | inGroups, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringSliceVar(&lf.iface, "iface", nil, t("cli.flag.iface"))
	}},
	{"filter-file", inList | inWatch | inKill | inServe | inDoctor | inTrace | inRecord | inHistory, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVarP(&lf.filterFile, "filter-file", "F", "", t("cli.flag.filter-file"))
	}},
	{"sort", inList, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVar(&lf.sort, "sort", "", t("cli.flag.sort"))
	}},
	{"top", inSummary, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.IntVar(&lf.top, "top", 10, t("cli.flag.top"))
	}},
	{"rate", inStats, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVar(&lf.rate, "rate", false, t("cli.flag.rate"))
	}},
	{"nonzero", inStats, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVar(&lf.nonzero, "nonzero", false, t("cli.flag.nonzero"))
	}},
	{"format", inOutput | inWatch | inKill | inDoctor | inTrace | inHistory, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVar(&lf.format, "format", "table", t("cli.flag.format"))
	}},
	{"json", inOutput, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVar(&lf.json, "json", false, t("cli.flag.json"))
	}},
	{"no-header", inList, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.noHeader, "no-header", "H", false, t("cli.flag.no-header"))
	}},
	{"style", inList | inViews, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVar(&lf.style, "style", "", t("cli.flag.style"))
	}},
	{"color", inList | inWatch, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVar(&lf.color, "color", "auto", t("cli.flag.color"))
	}},
	{"lang", inOutput | inWatch | inKill | inDoctor | inTrace | inRecord | inHistory, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVar(&lf.lang, "lang", "", t("cli.flag.lang"))
	}},
	{"resolve", inList, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVar(&lf.resolve, "resolve", false, t("cli.flag.resolve"))
	}},
	{"netns", inList | inSummary | inStats | inWatch | inKill | inServe | inDoctor, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVar(&lf.netns, "netns", "", t("cli.flag.netns"))
	}},
	{"all-netns", inList | inSummary | inStats | inWatch | inKill | inServe | inDoctor, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVar(&lf.allNetNS, "all-netns", false, t("cli.flag.all-netns"))
	}},
	{"source", inList | inSummary | inWatch, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVar(&lf.source, "source", "auto", t("cli.flag.source"))
	}},
	{"statistics", inSelect, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.stats, "statistics", "s", false, t("cli.flag.statistics"))
	}},
	{"route", inSelect, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.routes, "route", "r", false, t("cli.flag.route"))
	}},
	{"interfaces", inSelect, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.ifaces, "interfaces", "i", false, t("cli.flag.interfaces"))
	}},
	{"groups", inSelect, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.groups, "groups", "g", false, t("cli.flag.groups"))
	}},
	{"interval", inWatch | inRecord, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.DurationVar(&lf.interval, "interval", time.Second, t("cli.flag.interval"))
	}},
	{"dry-run", inKill, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVar(&lf.dryRun, "dry-run", false, t("cli.flag.dry-run"))
	}},
	{"yes", inKill, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVarP(&lf.yes, "yes", "y", false, t("cli.flag.yes"))
	}},
	{"web.listen-address", inServe, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringSliceVar(&lf.serve.listen, "web.listen-address", []string{defaultListenAddress}, t("cli.flag.web.listen-address"))
	}},
	{"web.config.file", inServe, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVar(&lf.serve.webConfig, "web.config.file", "", t("cli.flag.web.config.file"))
	}},
	{"web.telemetry-path", inServe, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVar(&lf.serve.path, "web.telemetry-path", "/metrics", t("cli.flag.web.telemetry-path"))
	}},
	{"processes.top", inServe, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.IntVar(&lf.serve.top, "processes.top", exporter.DefaultTop, t("cli.flag.processes.top"))
	}},
	{"listeners.max", inServe, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.IntVar(&lf.serve.listeners, "listeners.max", exporter.DefaultListeners, t("cli.flag.listeners.max"))
	}},
	{"netstat.fields", inServe, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVar(&lf.serve.fields, "netstat.fields", "", t("cli.flag.netstat.fields"))
	}},
	{"trace", inServe, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVar(&lf.serve.trace, "trace", false, t("cli.flag.serve.trace"))
	}},
	{"scrape.cache", inServe, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.DurationVar(&lf.serve.cache, "scrape.cache", exporter.DefaultCacheFor, t("cli.flag.scrape.cache"))
	}},
	{"window", inDoctor, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.DurationVar(&lf.window, "window", 5*time.Second, t("cli.flag.window"))
	}},
	{"nagios", inDoctor, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVar(&lf.nagios, "nagios", false, t("cli.flag.nagios"))
	}},
	{"db", inRecord | inHistory, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVar(&lf.history.db, "db", "", t("cli.flag.db"))
	}},
	{"retention", inRecord, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVar(&lf.history.retention, "retention", "7d", t("cli.flag.retention"))
	}},
	{"since", inHistory, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVar(&lf.history.since, "since", "", t("cli.flag.since"))
	}},
	{"until", inHistory, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVar(&lf.history.until, "until", "", t("cli.flag.until"))
	}},
	{"remote", inHistory, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVar(&lf.history.remote, "remote", "", t("cli.flag.remote"))
	}},
	{"summary", inHistory, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVar(&lf.history.summary, "summary", false, t("cli.flag.summary"))
	}},
	{"all-states", inTrace, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVar(&lf.allStates, "all-states", false, t("cli.flag.all-states"))
	}},
	{"no-bpf", inTrace | inRecord, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.BoolVar(&lf.noBPF, "no-bpf", false, t("cli.flag.no-bpf"))
	}},
	{"record", inList, func(fs *pflag.FlagSet, lf *listFlags, t tfunc) {
		fs.StringVar(&lf.record, "record", "", t("cli.flag.record"))
		_ = fs.MarkHidden("record")
	}},
}

// tfunc looks a message up in the catalog of one language.
type tfunc = func(key string, args ...any) string

// protoForm is how a command takes -p.
type protoForm int

const (
	protoNone    protoForm = iota
	protoNetstat           // -p PROTO, or -p alone for PID/Program (root, list)
	protoStats             // -p PROTO[,PROTO] of counters (stats)
)

// addFlags defines on fs the flags of scope in, in language lang (the
// locale's: --lang is parsed after the flags are defined), with -p in
// form p.
func addFlags(fs *pflag.FlagSet, lf *listFlags, lang string, in scope, p protoForm) {
	fs.SortFlags = false
	t := func(key string, args ...any) string { return i18n.T(lang, key, args...) }
	for _, d := range flagDefs {
		if d.in&in == 0 {
			continue
		}
		if d.name != "protocol" {
			d.add(fs, lf, t)
			if key, ok := verbUsage(d.name, in); ok {
				fs.Lookup(d.name).Usage = t(key)
			}
			continue
		}
		switch p {
		case protoNetstat:
			fs.StringVarP(&lf.proto, "protocol", "p", "", t("cli.flag.protocol", validProtos))
			fs.Lookup("protocol").NoOptDefVal = programSentinel
		case protoStats:
			fs.StringVarP(&lf.proto, "protocol", "p", "", t("cli.flag.stats.protocol"))
		}
	}
	if in&inSelect != 0 {
		fs.BoolVar(&lf.version, "version", false, t("cli.flag.version"))
		fs.SetNormalizeFunc(netToolsNames)
	}
}

// verbUsages are the help of flags whose meaning in a view differs from
// the socket listing's: the key for each (flag, scope) pair.
var verbUsages = map[string]map[scope]string{
	"all":        {inIfaces: "cli.flag.all.ifaces"},
	"all-netns":  {inStats: "cli.flag.all-netns.stats"},
	"extended":   {inIfaces: "cli.flag.extended.ifaces", inRoutes: "cli.flag.extended.routes"},
	"tcp":        {inStats: "cli.flag.tcp.stats"},
	"udp":        {inStats: "cli.flag.udp.stats"},
	"raw":        {inStats: "cli.flag.raw.stats"},
	"numeric":    {inRoutes: "cli.flag.numeric.views", inGroups: "cli.flag.numeric.views"},
	"format":     {inSummary: "cli.flag.format.summary", inWatch: "cli.flag.format.watch", inKill: "cli.flag.format.kill", inDoctor: "cli.flag.format.doctor", inTrace: "cli.flag.format.trace", inHistory: "cli.flag.format.trace"},
	"continuous": {inStats: "cli.flag.continuous.views", inRoutes: "cli.flag.continuous.views", inIfaces: "cli.flag.continuous.views", inGroups: "cli.flag.continuous.views"},
}

// verbUsage returns the help key of flag name on a command of scope in,
// when that command is a view's (the root and list keep the listing's).
func verbUsage(name string, in scope) (string, bool) {
	if in&inList != 0 {
		return "", false
	}
	for sc, key := range verbUsages[name] {
		if in&sc != 0 {
			return key, true
		}
	}
	return "", false
}

// verbsOf names the commands that take a flag of scope sc.
func verbsOf(sc scope) string {
	var names []string
	for _, v := range []struct {
		sc   scope
		name string
	}{{inList, "list"}, {inStats, "stats"}, {inRoutes, "routes"}, {inIfaces | inEthernet, "interfaces"}, {inGroups, "groups"}, {inSummary, "summary"}, {inWatch, "watch"}, {inKill, "kill"}, {inServe, "serve"}, {inDoctor, "doctor"}, {inTrace, "trace"}, {inRecord, "record"}, {inHistory, "history"}} {
		if sc&v.sc != 0 {
			names = append(names, v.name)
		}
	}
	return strings.Join(names, ", ")
}

// netToolsAliases are net-tools' long names for flags sockscope names
// otherwise, so that scripts written for netstat run (--programs is -p,
// the PID/Program column; --numeric-hosts and --numeric-ports are -n).
var netToolsAliases = map[string]string{
	"programs": "protocol", "extend": "extended", "numeric-hosts": "numeric",
	"numeric-ports": "numeric", "numeric-users": "numeric", "inet": "ipv4", "inet6": "ipv6",
	"listen": "listening",
}

// netToolsNames is the root command's flag name normalizer: net-tools'
// long names become sockscope's.
func netToolsNames(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if n, ok := netToolsAliases[name]; ok {
		return pflag.NormalizedName(n)
	}
	return pflag.NormalizedName(name)
}

// flagScope returns the scope of the flag named name (0 if unknown).
func flagScope(name string) scope {
	for _, d := range flagDefs {
		if d.name == name {
			return d.in
		}
	}
	return 0
}

// checkApplies returns a usage error naming the first flag set in fs that
// does not apply to view v (in the Windows layout if windows), in
// language lang.
func checkApplies(fs *pflag.FlagSet, v view, windows bool, lang string) error {
	want := viewScope(v, windows) | inSelect | inHabit
	var bad *pflag.Flag
	fs.Visit(func(fl *pflag.Flag) {
		if bad != nil || fl.Name == "help" || fl.Name == "version" {
			return
		}
		if sc := flagScope(fl.Name); sc != 0 && sc&want == 0 {
			bad = fl
		}
	})
	if bad == nil {
		return nil
	}
	return flagErrorf(lang, "cli.err.notapply", flagName(bad), i18n.T(lang, "cli.view."+viewNames[v]))
}

// viewNames name the views in messages (keys cli.view.NAME).
var viewNames = map[view]string{
	viewList: "list", viewStats: "stats", viewRoutes: "routes",
	viewIfaces: "interfaces", viewGroups: "groups", viewEthernet: "ethernet",
	viewSummary: "summary", viewWatch: "watch", viewKill: "kill", viewServe: "serve", viewDoctor: "doctor", viewTrace: "trace", viewRecord: "record", viewHistory: "history",
}

// flagName is how a user would have written fl: "-o" or "--timers".
func flagName(fl *pflag.Flag) string {
	if fl.Shorthand != "" {
		return fmt.Sprintf("-%s (--%s)", fl.Shorthand, fl.Name)
	}
	return "--" + fl.Name
}

// flagUsages formats the flags of fs for help: "-a, --all", a value's name
// after a flag that takes one ("--state STATE", "-p, --protocol [PROTO]"
// when the value is optional), and the default where it is not the zero
// value.
func flagUsages(fs *pflag.FlagSet, lang string) string {
	type row struct{ left, usage string }
	var rows []row
	width := 0
	fs.VisitAll(func(fl *pflag.Flag) {
		if fl.Hidden {
			return
		}
		left := "      --" + fl.Name
		if fl.Shorthand != "" {
			left = "  -" + fl.Shorthand + ", --" + fl.Name
		}
		varname, usage := pflag.UnquoteUsage(fl)
		if t := fl.Value.Type(); t != "bool" && t != "count" {
			if varname == "" || varname == "string" || varname == "strings" || varname == "int" {
				varname = strings.ToUpper(fl.Name)
			}
			if fl.NoOptDefVal != "" {
				left += " [" + varname + "]"
			} else {
				left += " " + varname
			}
		}
		if d := fl.DefValue; d != "" && d != "false" && d != "[]" && d != "0" && fl.NoOptDefVal == "" && !strings.Contains(usage, "(default") {
			usage += " " + i18n.T(lang, "cli.tmpl.default", d)
		}
		rows = append(rows, row{left, usage})
		width = max(width, len(left))
	})
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.left)
		b.WriteString(strings.Repeat(" ", width-len(r.left)+3))
		b.WriteString(strings.ReplaceAll(r.usage, "\n", "\n"+strings.Repeat(" ", width+3)))
		b.WriteByte('\n')
	}
	return b.String()
}
