package cli

import (
	"errors"
	"io"
	"slices"

	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/sockscope/sockscope/internal/filter"
	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/netview"
	"github.com/sockscope/sockscope/internal/order"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/statsview"
	"github.com/sockscope/sockscope/internal/summary"
)

// programSentinel is the value -p takes when no protocol follows it
// (pflag's NoOptDefVal): the Linux meaning, "show PID/Program name".
const programSentinel = "\x00program"

// listFlags are the flags of a listing as parsed, before validation.
type listFlags struct {
	all, numeric, showPID, exe, listening bool
	tcp, udp, raw, unix, mptcp, v4, v6    bool
	wide, fqdn, continuous, query         bool
	extended                              int // -e, -ee
	resolve, json, rate, nonzero, timers  bool
	info, memory                          bool // --info, --memory
	dryRun, yes                           bool // kill's --dry-run, --yes
	serve                                 serveFlags
	window                                time.Duration // doctor's --window
	nagios                                bool          // doctor's --nagios
	noBPF                                 bool          // trace's --no-bpf
	allStates                             bool          // trace's --all-states
	history                               historyFlags  // record's and history's
	interval                              time.Duration
	netns                                 string
	allNetNS                              bool
	noHeader, version                     bool
	proto                                 string // -p: "" not given, programSentinel, or PROTO
	states, ports, pids, programs, iface  []string
	families                              []string // -A inet,inet6,unix
	filterFile                            string   // -F
	format, style, source, record, lang   string
	color, sort                           string
	top                                   int
	stats, routes, ifaces, groups         bool
}

// listRequest is a validated listing request.
type listRequest struct {
	Filter sockets.Filter
	// combos, when not nil, restricts which (proto, family) pairs pass: -p
	// tcp means TCP over IPv4 only, as on Windows.
	combos   map[sockets.Proto]sockets.FamilySet
	Ports    []uint16
	PIDs     []int32
	Programs []string
	Interval time.Duration // 0: list once
	Render   render.Options
	Numeric  bool
	// Owners and Details say how much process attribution is needed.
	Owners, Details bool
	Source          string
	Record          string // hidden --record DIR
	// NetNS (--netns NAME|PATH|PID) and AllNetNS (--all-netns) choose the
	// network namespaces to list instead of this process's own.
	NetNS    string
	AllNetNS bool

	// filterWords are the words of a filter expression given after the
	// flags (ss's language, docs/filters.md); plan is what it compiles to.
	filterWords []string
	plan        *filter.Plan
	// baseFilter is what the flags chose before the expression narrowed
	// it; filterOpts the lookups the expression was parsed with (watch
	// parses its filter line with them too).
	baseFilter sockets.Filter
	filterOpts *filter.Options
	exprText   string // the expression's words, one space apart

	// Timers asks for the kernel's timer of each socket (net-tools' -o,
	// --timers); NoHeader leaves out the table's headings (-H); Sort is
	// --sort's spec.
	Timers, NoHeader bool
	Sort             order.Spec

	// View is what to show; for views other than the listing, ViewProtos
	// is -p's raw value, Families 0 (both), 4 or 6, and Ethernet asks for
	// Windows netstat -e's block too. All (-a), Extended (-e), NonZero
	// and Kinds (-t -u -w) select within a view.
	View       view
	ViewProtos string
	Families   int
	Ethernet   bool
	All        bool
	Extended   int // -e given once, twice (-ee)
	// Ifaces are the interfaces --iface selects in the interface and
	// group views (none: all).
	Ifaces []string
	// Stats is how -s shows the counters, but for Lang, which the view
	// sets.
	Stats statsview.Options
	// Summary is how summary shows its counts, but for Lang and the
	// ephemeral port range, which the command sets.
	Summary summary.Options
	// Watch and Kill are the options of those commands.
	Watch  watchOptions
	Kill   killOptions
	Serve  serveOptions
	Doctor doctorOptions
	// NoBPF makes trace use sock_diag's destroy notifications;
	// AllStates reports every change of state, not only connects,
	// accepts and closes.
	NoBPF, AllStates bool
	// History is what record and history were asked for.
	History historyOptions
}

// A FlagError is bad user input: it is printed as one line and the
// command exits with status 2.
type FlagError struct {
	Err error
	// Detail, if not empty, is shown under the line at a terminal: the
	// filter expression with a caret under the offending token.
	Detail string
}

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// flagErrorf returns the usage error of message key in language lang.
func flagErrorf(lang, key string, args ...any) error {
	return &FlagError{Err: errors.New(i18n.T(lang, key, args...))}
}

// protoSpec is one protocol name accepted by -p.
type protoSpec struct {
	proto sockets.Proto
	fams  sockets.FamilySet // zero: both
}

// protoNames are the names -p PROTO accepts for listings. As in Windows
// netstat, "tcp" and "udp" are IPv4 only and "tcpv6"/"udpv6" IPv6 only.
var protoNames = map[string]protoSpec{
	"tcp":     {sockets.TCP, sockets.FamilySet(0).With(sockets.Inet)},
	"tcp4":    {sockets.TCP, sockets.FamilySet(0).With(sockets.Inet)},
	"tcpv6":   {sockets.TCP, sockets.FamilySet(0).With(sockets.Inet6)},
	"tcp6":    {sockets.TCP, sockets.FamilySet(0).With(sockets.Inet6)},
	"udp":     {sockets.UDP, sockets.FamilySet(0).With(sockets.Inet)},
	"udp4":    {sockets.UDP, sockets.FamilySet(0).With(sockets.Inet)},
	"udpv6":   {sockets.UDP, sockets.FamilySet(0).With(sockets.Inet6)},
	"udp6":    {sockets.UDP, sockets.FamilySet(0).With(sockets.Inet6)},
	"udplite": {sockets.UDPLite, 0},
	"mptcp":   {sockets.MPTCP, 0},
	"raw":     {sockets.Raw, sockets.FamilySet(0).With(sockets.Inet)},
	"raw6":    {sockets.Raw, sockets.FamilySet(0).With(sockets.Inet6)},
	"rawv6":   {sockets.Raw, sockets.FamilySet(0).With(sockets.Inet6)},
	"unix":    {sockets.Unix, 0},
	"inet":    {sockets.TCP, 0}, // every inet protocol; expanded in buildRequest
	"ip":      {},               // statistics only
	"ipv6":    {},
	"icmp":    {},
	"icmpv6":  {},
}

const validProtos = "tcp, udp, tcpv6, udpv6, raw, raw6, udplite, mptcp, unix"

// requestInput is what buildRequest validates: the flags and arguments of
// one command and what is known of its environment.
type requestInput struct {
	flags *listFlags
	set   *pflag.FlagSet
	args  []string
	// verb names the command in messages ("sockscope routes"); scope is
	// the flags it takes, view what it shows (the root: chosen by flags).
	verb  string
	scope scope
	view  view
	// stdoutTTY is true at a terminal; netstat when the binary runs as
	// "netstat"; native is the style of this OS's own netstat; lang is the
	// locale's language, that of the errors unless --lang names another.
	stdoutTTY, netstat bool
	native             render.Style
	lang               string
	getenv             func(string) string
	// noChinese: the terminal cannot show Chinese (Factory.NoChinese).
	noChinese bool
	// stdin is where -F - reads; filterOpts the lookups a filter
	// expression needs (services, interfaces, the port range).
	stdin      io.Reader
	filterOpts *filter.Options
	// ephemeral reads the local port range (autobound needs it), only
	// when there is an expression to parse.
	ephemeral func() summary.PortRange
}

// buildRequest validates flags and positional arguments.
func buildRequest(in requestInput) (*listRequest, error) {
	f, lang := in.flags, in.lang
	if in.set.Changed("lang") {
		if !validLang(f.lang) {
			return nil, flagErrorf(lang, "cli.err.lang", f.lang)
		}
		if !in.noChinese || i18n.Lang(f.lang) != "zh" {
			lang = f.lang
		}
	}
	if err := checkValues(in.set, lang); err != nil {
		return nil, err
	}
	if err := addressFamilies(f, lang); err != nil {
		return nil, err
	}
	if !slices.Contains(sockets.SourceKinds, f.source) && in.set.Lookup("source") != nil {
		return nil, flagErrorf(lang, "cli.err.source", f.source, validList(lang, sockets.SourceKinds))
	}
	if f.allNetNS && f.netns != "" {
		return nil, flagErrorf(lang, "cli.err.netns.both")
	}
	req := &listRequest{Source: f.source, NetNS: f.netns, AllNetNS: f.allNetNS}
	proto, showProgram, err := parseArgs(in, req, lang)
	if err != nil {
		return nil, err
	}
	if f.continuous && req.Interval == 0 {
		req.Interval = time.Second
	}
	if err := outputOptions(in, &req.Render, lang); err != nil {
		return nil, err
	}
	req.View = in.view
	if in.scope&inSelect != 0 {
		req.View = pickView(f, req.Render.Style)
		if err := checkApplies(in.set, req.View, req.Render.Style == render.Windows, lang); err != nil {
			return nil, err
		}
	} else if req.View == viewIfaces && f.extended > 0 && req.Render.Style == render.Windows {
		req.View = viewEthernet
	}
	if req.View == viewWatch || req.View == viewKill || req.View == viewServe || req.View == viewDoctor || req.View == viewTrace ||
		req.View == viewRecord || req.View == viewHistory {
		return req, chooseRequest(in, req, proto, lang)
	}
	if len(req.filterWords) > 0 && req.View != viewList {
		return nil, flagErrorf(lang, "cli.err.unexpected.view", req.filterWords[0], in.verb)
	}
	if req.View == viewSummary {
		return req, summaryRequest(in, req, proto, lang)
	}
	if req.View != viewList {
		// The other netstat views: -s, -r, -i, -g, and -e in the Windows
		// layout. -p names their protocols (ip, icmp, tcpv6 ...).
		req.ViewProtos = proto
		req.Render.Lang = f.lang
		req.Numeric = f.numeric
		req.All = f.all
		req.Ifaces = splitList(f.iface)
		req.Extended = f.extended
		req.Ethernet = f.extended > 0 && req.Render.Style == render.Windows
		if f.extended > 0 && (req.View == viewRoutes || req.View == viewIfaces) &&
			(req.Render.Style != render.Linux || req.Render.Format != render.Table) {
			// -e with -r and -i is net-tools' table, in its layout; the
			// modern table and the data formats already hold everything.
			return nil, flagErrorf(lang, "cli.err.extended.layout")
		}
		switch {
		case f.v4 && f.v6:
			req.Families = netview.FamilyBoth
		case f.v4:
			req.Families = netview.Family4
		case f.v6:
			req.Families = netview.Family6
		}
		if req.View == viewStats && f.rate && req.Interval == 0 {
			req.Interval = time.Second
		}
		if req.View == viewStats {
			if showProgram {
				return nil, flagErrorf(lang, "cli.err.stats.barep")
			}
			if in.netstat && req.Render.Style == render.Linux {
				req.Interval = 0 // net-tools' -s prints once, -c or not
			}
			if req.Interval > 0 && req.Render.Format == render.CSV {
				// Totals, then rates: two tables, which one CSV stream
				// cannot hold.
				return nil, flagErrorf(lang, "cli.err.stats.csvrepeat")
			}
			return req, statsOptions(req, f, lang)
		}
		return req, nil
	}
	if err := listFilter(in, req, proto, lang); err != nil {
		return nil, err
	}
	if err := listExpression(in, req, lang); err != nil {
		return nil, err
	}
	return req, listRender(in, req, showProgram)
}

// parseArgs reads the positional arguments into req: an INTERVAL, and in
// the netstat form the protocols of a -p that pflag gave no value
// ("-anop tcp"). It returns -p's protocols and whether -p alone asked for
// the PID/Program column.
func parseArgs(in requestInput, req *listRequest, lang string) (proto string, showProgram bool, err error) {
	proto = in.flags.proto
	pGiven := proto == programSentinel
	if pGiven {
		proto = ""
		showProgram = true
	}
	args := in.args
	if in.scope&inChoose != 0 {
		// The listing's words: -p's protocols first, then a filter
		// expression, then maybe an INTERVAL.
		var words []string
		args, words = splitFilterWords(args, pGiven)
		if len(words) > 0 {
			req.filterWords = words
		}
	}
	for _, a := range args {
		switch {
		case pGiven && !isInterval(a):
			// "-anop tcp", "-p tcp -p udp": -p took no value from pflag;
			// the protocols (valid or not, checked below) are here.
			if proto != "" {
				proto += ","
			}
			proto += a
			showProgram = false
		case isInterval(a) && in.scope&inRepeat != 0:
			if req.Interval != 0 {
				return "", false, flagErrorf(lang, "cli.err.interval.twice", a)
			}
			d, err := parseInterval(a, lang)
			if err != nil {
				return "", false, err
			}
			req.Interval = d
		case in.scope&inRepeat == 0:
			return "", false, flagErrorf(lang, "cli.err.noargs", a, in.verb)
		case in.scope&inList == 0:
			return "", false, flagErrorf(lang, "cli.err.unexpected.view", a, in.verb)
		default:
			return "", false, flagErrorf(lang, "cli.err.unexpected", a)
		}
	}
	return proto, showProgram, nil
}

// listFilter sets req's filter from the listing flags and -p's protocols.
func listFilter(in requestInput, req *listRequest, proto, lang string) error {
	f := in.flags
	var protos sockets.ProtoSet
	var fams sockets.FamilySet
	combos := map[sockets.Proto]sockets.FamilySet{}
	restrictCombos := false
	var pFams sockets.FamilySet // the families -p's names allow (0: any)
	if proto != "" {
		for _, name := range strings.Split(strings.ToLower(proto), ",") {
			spec, ok := protoNames[strings.TrimSpace(name)]
			switch {
			case !ok:
				return flagErrorf(lang, "cli.err.proto.unknown", name, validProtos)
			case spec.proto == 0:
				return flagErrorf(lang, "cli.err.proto.statsonly", name, validProtos)
			case name == "inet":
				for _, p := range []sockets.Proto{sockets.TCP, sockets.UDP, sockets.UDPLite, sockets.Raw} {
					protos = protos.With(p)
					combos[p] = 0
				}
				continue
			}
			protos = protos.With(spec.proto)
			combos[spec.proto] = unionFams(combos[spec.proto], spec.fams)
			restrictCombos = restrictCombos || spec.fams != 0
			pFams = unionFams(pFams, spec.fams)
		}
	}
	if restrictCombos && f.v4 != f.v6 {
		// "-6 -p tcp": -p tcp is IPv4 TCP (Windows meaning), so nothing
		// could be listed; say so rather than print an empty table.
		want := sockets.FamilySet(0).With(sockets.Inet)
		if f.v6 {
			want = sockets.FamilySet(0).With(sockets.Inet6)
		}
		if pFams != 0 && pFams&want == 0 {
			flag := map[bool]string{true: "-4", false: "-6"}[f.v4]
			return flagErrorf(lang, "cli.err.proto.family", flag, proto)
		}
	}
	for _, x := range []struct {
		on bool
		p  sockets.Proto
	}{{f.tcp, sockets.TCP}, {f.udp, sockets.UDP}, {f.udp, sockets.UDPLite}, {f.raw, sockets.Raw}, {f.unix, sockets.Unix}, {f.mptcp, sockets.MPTCP}} {
		if x.on {
			protos = protos.With(x.p)
			combos[x.p] = 0 // a protocol flag means both families
		}
	}
	if protos == 0 {
		protos = defaultProtos(req.Render)
	}
	// -4 and -6 together mean both families, as in net-tools.
	if f.v4 {
		fams = fams.With(sockets.Inet)
	}
	if f.v6 {
		fams = fams.With(sockets.Inet6)
	}
	if (f.v4 || f.v6) && proto == "" && !f.unix {
		// -4/-6 alone select inet sockets, as in net-tools and ss.
		protos &^= sockets.ProtoSet(0).With(sockets.Unix)
	}
	if restrictCombos {
		req.combos = combos
	}
	req.Filter = sockets.Filter{Protos: protos, Families: fams}

	switch {
	case len(f.states) > 0:
		for _, s := range splitList(f.states) {
			set, err := sockets.ParseState(s)
			if err != nil {
				return stateError(lang, err)
			}
			req.Filter.States |= set
		}
	case f.all || f.query:
		// -a wins over -l, as in net-tools: "-tulpan" lists everything.
		req.Filter.States = 0
	case f.listening:
		req.Filter.States = sockets.StateSet(0).With(sockets.Listen).With(sockets.Close)
	case len(f.ports) > 0 || len(f.pids) > 0 || len(f.programs) > 0:
		// "What is on port 8080, and who holds it": a filter on a port or
		// an owner looks at sockets in every state, listeners included.
		req.Filter.States = 0
	default:
		req.Filter.States = sockets.AllStates &^ sockets.StateSet(0).With(sockets.Listen).With(sockets.Close)
	}

	for _, p := range splitList(f.ports) {
		n, err := strconv.ParseUint(strings.TrimPrefix(p, ":"), 10, 16)
		if err != nil || n == 0 {
			return flagErrorf(lang, "cli.err.port", p)
		}
		req.Ports = append(req.Ports, uint16(n))
	}
	for _, p := range splitList(f.pids) {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil || n <= 0 {
			return flagErrorf(lang, "cli.err.pid", p)
		}
		req.PIDs = append(req.PIDs, int32(n))
	}
	req.Programs = splitList(f.programs)
	return nil
}

// listRender sets how the listing is shown, and how much attribution it
// needs, from the flags.
func listRender(in requestInput, req *listRequest, showProgram bool) error {
	f := in.flags
	r := &req.Render
	// Through the netstat name on Linux, -o is net-tools' Timer column;
	// elsewhere it is the owning PID, as in Windows netstat.
	netToolsO := in.netstat && in.native == render.Linux && r.Style == render.Linux
	r.ShowPID = f.showPID && !netToolsO
	req.Timers = f.timers || (f.showPID && netToolsO)
	if f.timers && r.Style == render.Windows {
		return flagErrorf(in.lang, "cli.err.timers.windows")
	}
	// tcp_info and the socket's memory are lines under a row of the
	// modern table, as ss prints them, and fields of the data formats;
	// the netstat layouts have no place for them.
	for _, x := range []struct {
		on   bool
		name string
		want sockets.InternalsMask
	}{{f.info, "--info", sockets.WantInfo}, {f.memory, "--memory", sockets.WantMemory}} {
		if !x.on {
			continue
		}
		if r.Format == render.Table && r.Style != render.Modern {
			return flagErrorf(in.lang, "cli.err.internals.style", x.name, r.Style)
		}
		req.Filter.Internals |= x.want
	}
	r.Info, r.Memory = f.info, f.memory
	if f.allNetNS && r.Format == render.Table && r.Style != render.Modern {
		// Rows of different namespaces would look alike (two
		// 127.0.0.1:8080): only the modern table has a NetNS column.
		return flagErrorf(in.lang, "cli.err.internals.style", "--all-netns", r.Style)
	}
	if f.extended > 0 && r.Format != render.Table {
		// What ss -e adds (shutdown, v6only, mark, cgroup id) has no
		// column in a table, but is a field of the data formats.
		req.Filter.Internals |= sockets.WantExtended
	}
	r.Timers = req.Timers
	r.ShowProgram = showProgram || ((len(req.PIDs) > 0 || len(req.Programs) > 0) && !f.showPID)
	r.ShowExe = f.exe
	r.Extended = f.extended > 0
	r.Wide = f.wide
	r.FQDN = f.fqdn
	r.All = f.all || f.query
	r.ListeningOnly = f.listening && !r.All
	r.Protos = req.Filter.Protos
	r.Lang = f.lang
	if in.netstat && r.Style == render.Linux && req.Filter.States == 0 {
		// net-tools reads /proc/net/tcp, which has no bound-inactive TCP
		// socket (Linux 6.7+ dumps them through sock_diag only).
		req.Filter.States = sockets.AllStates &^ (1 << sockets.BoundInactive)
	}
	req.NoHeader = f.noHeader
	r.NoHeader = f.noHeader
	if in.set.Changed("sort") {
		var err error
		if req.Sort, err = order.Parse(f.sort); err != nil {
			return sortError(in.lang, err)
		}
	}
	if f.noHeader && (r.Format == render.JSON || r.Format == render.NDJSON) {
		return flagErrorf(in.lang, "cli.err.noheader.json", r.Format)
	}
	// Names are looked up on a terminal unless -n; piped, only when asked
	// (SPEC section 4); never for data formats.
	// Through the netstat name, names are looked up when piped too, as
	// net-tools does (scripts grep its output).
	req.Numeric = f.numeric || r.Format != render.Table || (!in.stdoutTTY && !f.resolve && !in.netstat)
	dataFormat := r.Format != render.Table
	needsOwners := req.plan != nil && req.plan.NeedsOwners
	req.Owners = r.ShowPID || r.ShowProgram || r.ShowExe || dataFormat || len(req.PIDs) > 0 || len(req.Programs) > 0 ||
		req.Sort.UsesHolder() || needsOwners
	// net-tools prints PID/argv[0], so the linux layout needs command lines.
	linuxProgram := r.Style == render.Linux && (r.ShowProgram || r.ShowPID)
	req.Details = r.ShowExe || dataFormat || len(req.Programs) > 0 || linuxProgram || needsOwners
	return nil
}

func unionFams(a, b sockets.FamilySet) sockets.FamilySet {
	if a == 0 && b != 0 {
		return b
	}
	if b == 0 {
		return 0
	}
	return a | b
}

func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// isInterval reports whether a looks like a number (a candidate INTERVAL).
func isInterval(a string) bool {
	if a == "" {
		return false
	}
	c := a[0]
	return c >= '0' && c <= '9' || c == '-' || c == '.' || c == '+'
}

// parseInterval parses INTERVAL in seconds: a positive number, at most a
// day.
func parseInterval(a, lang string) (time.Duration, error) {
	v, err := strconv.ParseFloat(a, 64)
	if err != nil || v != v {
		return 0, flagErrorf(lang, "cli.err.interval.bad", a)
	}
	if v < 0.01 || v > 86400 {
		return 0, flagErrorf(lang, "cli.err.interval.range", a)
	}
	return time.Duration(v * float64(time.Second)), nil
}

// defaultProtos is what a listing shows when no protocol is asked for:
// every protocol but MPTCP (its TCP subflows are listed as TCP) for data
// formats and the net-tools layout (netstat -a lists unix sockets too),
// and the inet ones for the modern and Windows tables, where unix sockets
// (hundreds on a desktop) would bury the connections (-x adds them).
func defaultProtos(r render.Options) sockets.ProtoSet {
	all := sockets.AllProtos &^ sockets.ProtoSet(0).With(sockets.MPTCP)
	if r.Format == render.Table && r.Style != render.Linux {
		return all &^ sockets.ProtoSet(0).With(sockets.Unix)
	}
	return all
}

// validLang reports whether --lang names a language sockscope speaks.
func validLang(l string) bool {
	l = strings.ToLower(strings.ReplaceAll(l, "_", "-"))
	for _, ok := range []string{"en", "zh", "c", "posix"} {
		if l == ok || strings.HasPrefix(l, ok+"-") || strings.HasPrefix(l, ok+".") {
			return true
		}
	}
	return false
}
