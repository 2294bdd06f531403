package cli

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// programSentinel is the value -p takes when no protocol follows it
// (pflag's NoOptDefVal): the Linux meaning, "show PID/Program name".
const programSentinel = "\x00program"

// listFlags are the flags of a listing as parsed, before validation.
type listFlags struct {
	all, numeric, showPID, exe, listening   bool
	tcp, udp, raw, unix, mptcp, v4, v6      bool
	extended, wide, fqdn, continuous, query bool
	resolve, json, rate                     bool
	proto                                   string // -p: "" not given, programSentinel, or PROTO
	states, ports, pids, programs           []string
	format, style, source, record, lang     string
	stats, routes, ifaces, groups           bool
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

	// View is what to show; for views other than the listing, ViewProtos
	// is -p's raw value, Families 0 (both), 4 or 6, and Ethernet asks for
	// Windows netstat -e's block too.
	View       view
	ViewProtos string
	Families   int
	Ethernet   bool
}

// A FlagError is bad user input: it is printed as one line and the
// command exits with status 2.
type FlagError struct{ Err error }

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

// buildRequest validates flags and positional arguments. netstat says
// whether the binary runs as "netstat"; native is the style of the
// native netstat of this OS; lang is the locale's language, that of the
// errors unless --lang names another.
func buildRequest(f *listFlags, args []string, stdoutTTY, netstat bool, native render.Style, lang string) (*listRequest, error) {
	if f.lang != "" {
		if !validLang(f.lang) {
			return nil, flagErrorf(lang, "cli.err.lang", f.lang)
		}
		lang = f.lang
	}
	req := &listRequest{Source: f.source}
	showProgram := false
	proto := f.proto
	pGiven := proto == programSentinel
	if pGiven {
		proto = ""
		showProgram = true
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
		case isInterval(a):
			if req.Interval != 0 {
				return nil, flagErrorf(lang, "cli.err.interval.twice", a)
			}
			d, err := parseInterval(a, lang)
			if err != nil {
				return nil, err
			}
			req.Interval = d
		default:
			return nil, flagErrorf(lang, "cli.err.unexpected", a)
		}
	}
	if f.continuous && req.Interval == 0 {
		req.Interval = time.Second
	}
	format := f.format
	if f.json {
		if format != "table" && format != "json" {
			return nil, flagErrorf(lang, "cli.err.json.conflict", format)
		}
		format = "json"
	}
	var err error
	if req.Render.Format, err = render.ParseFormat(format); err != nil {
		return nil, enumError(lang, err)
	}
	switch {
	case f.style != "":
		if req.Render.Style, err = render.ParseStyle(f.style); err != nil {
			return nil, enumError(lang, err)
		}
	case netstat || native == render.Windows:
		// As netstat, and on Windows (the reference document's own
		// platform), the native netstat layout is the default.
		req.Render.Style = native
	}
	if req.View = pickView(f, req.Render.Style); req.View != viewList {
		// The other netstat views: -s, -r, -i, -g, and -e in the Windows
		// layout. -p names their protocols (ip, icmp, tcpv6 ...).
		req.ViewProtos = proto
		req.Render.Lang = f.lang
		req.Numeric = f.numeric
		req.Ethernet = f.extended && req.Render.Style == render.Windows
		if f.v4 != f.v6 {
			req.Families = map[bool]int{true: 4, false: 6}[f.v4]
		}
		if req.View == viewStats && f.rate && req.Interval == 0 {
			req.Interval = time.Second
		}
		return req, nil
	}

	var protos sockets.ProtoSet
	var fams sockets.FamilySet
	combos := map[sockets.Proto]sockets.FamilySet{}
	restrictCombos := false
	if proto != "" {
		for _, name := range strings.Split(strings.ToLower(proto), ",") {
			spec, ok := protoNames[name]
			switch {
			case !ok:
				return nil, flagErrorf(lang, "cli.err.proto.unknown", name, validProtos)
			case spec.proto == 0:
				return nil, flagErrorf(lang, "cli.err.proto.statsonly", name, validProtos)
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
				return nil, stateError(lang, err)
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
			return nil, flagErrorf(lang, "cli.err.port", p)
		}
		req.Ports = append(req.Ports, uint16(n))
	}
	for _, p := range splitList(f.pids) {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil || n <= 0 {
			return nil, flagErrorf(lang, "cli.err.pid", p)
		}
		req.PIDs = append(req.PIDs, int32(n))
	}
	req.Programs = splitList(f.programs)

	r := &req.Render
	r.ShowPID = f.showPID
	r.ShowProgram = showProgram || ((len(req.PIDs) > 0 || len(req.Programs) > 0) && !f.showPID)
	r.ShowExe = f.exe
	r.Extended = f.extended
	r.Wide = f.wide
	r.FQDN = f.fqdn
	r.All = f.all || f.query
	r.ListeningOnly = f.listening && !r.All
	r.Protos = req.Filter.Protos
	r.Lang = f.lang
	r.Color = stdoutTTY && r.Format == render.Table
	// Names are looked up on a terminal unless -n; piped, only when asked
	// (SPEC section 4); never for data formats.
	req.Numeric = f.numeric || r.Format != render.Table || (!stdoutTTY && !f.resolve)
	dataFormat := r.Format != render.Table
	req.Owners = r.ShowPID || r.ShowProgram || r.ShowExe || dataFormat || len(req.PIDs) > 0 || len(req.Programs) > 0
	// net-tools prints PID/argv[0], so the linux layout needs command lines.
	linuxProgram := r.Style == render.Linux && (r.ShowProgram || r.ShowPID)
	req.Details = r.ShowExe || dataFormat || len(req.Programs) > 0 || linuxProgram
	return req, nil
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

// view is what a command shows: the socket listing or another netstat view.
type view int

const (
	viewList     view = iota
	viewStats         // -s, stats
	viewRoutes        // -r, routes
	viewIfaces        // -i (not Windows), interfaces
	viewGroups        // -g, groups
	viewEthernet      // -e in the Windows layout (Windows netstat -e)
)

// pickView returns the view the flags ask for; the first of -s, -r, -i,
// -g wins, as in netstat.
func pickView(f *listFlags, style render.Style) view {
	switch {
	case f.stats:
		return viewStats
	case f.routes:
		return viewRoutes
	case f.ifaces:
		return viewIfaces
	case f.groups:
		return viewGroups
	case f.extended && style == render.Windows:
		return viewEthernet
	}
	return viewList
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
