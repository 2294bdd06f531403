package ssmode

import (
	"strings"
)

// A table is one of ss's socket tables (its "dbs"), in ss's numbering.
type table uint8

// ss's socket tables.
const (
	tblTCP table = iota
	tblMPTCP
	tblDCCP
	tblUDP
	tblRaw
	tblUnixDgram
	tblUnixStream
	tblUnixSeq
	tblPacketDgram
	tblPacketRaw
	tblNetlink
	tblSCTP
	tblVsockStream
	tblVsockDgram
	tblTIPC
	tblXDP
	numTables
)

// tableSet is a set of tables, one bit per table.
type tableSet uint32

func (s tableSet) has(t table) bool { return s&(1<<t) != 0 }

// Groups of tables, as ss's -A and -f name them.
const (
	unixTables   = tableSet(1<<tblUnixDgram | 1<<tblUnixStream | 1<<tblUnixSeq)
	packetTables = tableSet(1<<tblPacketDgram | 1<<tblPacketRaw)
	vsockTables  = tableSet(1<<tblVsockStream | 1<<tblVsockDgram)
	inetL4Tables = tableSet(1<<tblTCP | 1<<tblMPTCP | 1<<tblUDP | 1<<tblDCCP | 1<<tblSCTP)
	inetTables   = inetL4Tables | 1<<tblRaw
	allTables    = tableSet(1<<numTables - 1)
)

// A family is an address family ss knows.
type family uint8

// The families, as ss's -f names them.
const (
	famInet family = iota
	famInet6
	famUnix
	famPacket
	famNetlink
	famVsock
	famTIPC
	famXDP
	numFamilies
)

type familySet uint16

func (s familySet) has(f family) bool { return s&(1<<f) != 0 }

// ss's state bits: the kernel's TCP states, bit 0 unused.
const (
	stEstablished = 1
	stSynSent     = 2
	stSynRecv     = 3
	stFinWait1    = 4
	stFinWait2    = 5
	stTimeWait    = 6
	stClose       = 7
	stCloseWait   = 8
	stLastAck     = 9
	stListen      = 10
	stClosing     = 11
	stMax         = 12

	ssAll  = uint32(1<<stMax - 1)
	ssConn = ssAll &^ (1<<stListen | 1<<stClose | 1<<stTimeWait | 1<<stSynRecv)
)

// defaults of a table: the states it shows when asked for alone, and the
// families it belongs to.
var tableDefaults = [numTables]struct {
	states   uint32
	families familySet
}{
	tblTCP:         {ssConn, 1<<famInet | 1<<famInet6},
	tblMPTCP:       {ssConn, 1<<famInet | 1<<famInet6},
	tblDCCP:        {ssConn, 1<<famInet | 1<<famInet6},
	tblUDP:         {1 << stEstablished, 1<<famInet | 1<<famInet6},
	tblRaw:         {1 << stEstablished, 1<<famInet | 1<<famInet6},
	tblUnixDgram:   {1 << stClose, 1 << famUnix},
	tblUnixStream:  {ssConn, 1 << famUnix},
	tblUnixSeq:     {ssConn, 1 << famUnix},
	tblPacketDgram: {1 << stClose, 1 << famPacket},
	tblPacketRaw:   {1 << stClose, 1 << famPacket},
	tblNetlink:     {1 << stClose, 1 << famNetlink},
	tblSCTP:        {ssConn, 1<<famInet | 1<<famInet6},
	tblVsockStream: {ssConn, 1 << famVsock},
	tblVsockDgram:  {ssConn, 1 << famVsock},
	tblTIPC:        {1<<stEstablished | 1<<stListen | 1<<stClose, 1 << famTIPC},
	tblXDP:         {1 << stClose, 1 << famXDP},
}

// familyDefaults: the tables and states of a family asked for alone.
var familyDefaults = [numFamilies]struct {
	tables tableSet
	states uint32
}{
	famInet:    {inetTables, ssConn},
	famInet6:   {inetTables, ssConn},
	famUnix:    {unixTables, ssConn},
	famPacket:  {packetTables, 1 << stClose},
	famNetlink: {1 << tblNetlink, 1 << stClose},
	famVsock:   {vsockTables, ssConn},
	famTIPC:    {1 << tblTIPC, 1<<stEstablished | 1<<stListen | 1<<stClose},
	famXDP:     {1 << tblXDP, 1 << stClose},
}

// queryNames are the names -A takes, with their tables, as ss 6.1 lists
// them.
var queryNames = map[string]tableSet{
	"all":  allTables &^ (1 << tblTIPC),
	"inet": 1<<tblUDP | 1<<tblDCCP | 1<<tblTCP | 1<<tblMPTCP | 1<<tblSCTP | 1<<tblRaw,
	"udp":  1 << tblUDP, "dccp": 1 << tblDCCP, "tcp": 1 << tblTCP, "mptcp": 1 << tblMPTCP,
	"sctp": 1 << tblSCTP, "raw": 1 << tblRaw,
	"unix": unixTables, "unix_stream": 1 << tblUnixStream, "u_str": 1 << tblUnixStream,
	"unix_dgram": 1 << tblUnixDgram, "u_dgr": 1 << tblUnixDgram,
	"unix_seqpacket": 1 << tblUnixSeq, "u_seq": 1 << tblUnixSeq,
	"packet": packetTables, "packet_raw": 1 << tblPacketRaw, "p_raw": 1 << tblPacketRaw,
	"packet_dgram": 1 << tblPacketDgram, "p_dgr": 1 << tblPacketDgram,
	"netlink": 1 << tblNetlink, "tipc": 1 << tblTIPC,
	"vsock": vsockTables, "vsock_stream": 1 << tblVsockStream, "v_str": 1 << tblVsockStream,
	"vsock_dgram": 1 << tblVsockDgram, "v_dgr": 1 << tblVsockDgram,
	"xdp": 1 << tblXDP,
}

// familyNames are the names -f takes.
var familyNames = map[string]family{
	"inet": famInet, "inet6": famInet6, "link": famPacket, "unix": famUnix,
	"netlink": famNetlink, "tipc": famTIPC, "vsock": famVsock, "xdp": famXDP,
}

// Options is an ss command line, read by Parse.
type Options struct {
	// Tables, Families and States are ss's filter after its defaults are
	// merged (filter_merge_defaults): the socket tables, address
	// families and state mask (bit N is kernel state N) to list.
	Tables   tableSet
	Families familySet
	States   uint32
	// Preferred is the last family -4, -6, -0, -x or -f named (ss's
	// preferred_family), which decides the order of inet dumps: with
	// famInet6 only IPv6 is dumped.
	Preferred family
	// HasPreferred says whether Preferred was set.
	HasPreferred bool
	// StateWords says whether state/exclude words were given.
	StateWords bool

	Numeric, Resolve bool
	Timers           bool // -o (also set by -e)
	Details          int  // -e, counted
	Memory           bool // -m
	Info             bool // -i
	Processes        bool // -p
	TOS              bool // --tos
	Cgroup           bool // --cgroup
	Summary          bool // -s
	NoHeader         bool // -H
	OneLine          bool // -O
	Help             bool // -h: the usage on stdout
	Version          bool // -V
	Kill             bool // -K: close the inet sockets chosen, list those closed (kill.go)

	// Unsupported names the options given that sockscope cannot honour
	// yet, in the order given ("-K", "-E", ...).
	Unsupported []string
	// NoSELinux is set by -Z and -z: ss itself refuses them where
	// SELinux is not enabled, as it never is for sockscope.
	NoSELinux bool

	// NetNS is -N's network namespace (a name under /var/run/netns).
	NetNS string
	// FilterFile is -F's argument ("-" is standard input).
	FilterFile string
	// Filter holds the words of the filter expression, after the
	// leading state/exclude words ss reads itself.
	Filter []string
	// Format is sockscope's own --format (json); "" is ss's table.
	Format string

	// explicit names the tables asked for by option or -A that
	// sockscope has no source for (DCCP, SCTP, ...).
	explicit []string

	// defaulted says whether no table, family or query was given
	// (ss's do_default).
	defaulted bool
}

// A UsageError is a malformed command line: ss prints its usage and
// fails. Msg is the line to print before the usage.
type UsageError struct{ Msg string }

// Error returns the message.
func (e *UsageError) Error() string { return e.Msg }

// longOpts are ss's long options: name, whether it takes an argument,
// and the short option it stands for ("" for those without one).
var longOpts = []struct {
	name  string
	arg   bool
	short string
}{
	{"numeric", false, "n"}, {"resolve", false, "r"}, {"options", false, "o"},
	{"extended", false, "e"}, {"memory", false, "m"}, {"info", false, "i"},
	{"processes", false, "p"}, {"threads", false, "T"}, {"bpf", false, "b"},
	{"events", false, "E"}, {"dccp", false, "d"}, {"tcp", false, "t"},
	{"sctp", false, "S"}, {"udp", false, "u"}, {"raw", false, "w"},
	{"unix", false, "x"}, {"tipc", false, "--tipc"}, {"vsock", false, "--vsock"},
	{"all", false, "a"}, {"listening", false, "l"}, {"ipv4", false, "4"},
	{"ipv6", false, "6"}, {"packet", false, "0"}, {"family", true, "f"},
	{"socket", true, "A"}, {"query", true, "A"}, {"summary", false, "s"},
	{"diag", true, "D"}, {"filter", true, "F"}, {"version", false, "V"},
	{"help", false, "h"}, {"context", false, "Z"}, {"contexts", false, "z"},
	{"net", true, "N"}, {"tipcinfo", false, "--tipcinfo"}, {"tos", false, "--tos"},
	{"cgroup", false, "--cgroup"}, {"kill", false, "K"}, {"no-header", false, "H"},
	{"xdp", false, "--xdp"}, {"mptcp", false, "M"}, {"oneline", false, "O"},
	{"inet-sockopt", false, "--inet-sockopt"},
	// sockscope's own, never ss's: the JSON document of the listing.
	{"format", true, "--format"},
}

// shortOpts are ss's short options; those followed by ':' take an
// argument.
const shortOpts = "dhaletuwxnro460spTbEf:mMiA:D:F:vVzZN:KHSO"

// parser holds ss's state while the options are read.
type parser struct {
	o          Options
	stateMask  uint32 // ss's state_filter
	sawQuery   bool
	sawStates  bool
	filterFile bool
}

// Parse reads an ss command line (without the program name) as ss 6.1's
// getopt_long does: options and filter words may be mixed (GNU
// permutation) until "--"; short options cluster (-tanp); a long option
// may be abbreviated to any unambiguous prefix; -f, -A, -F, -N and -D
// take an argument, attached or as the next word. It returns a
// *UsageError for what ss rejects with its usage.
func Parse(args []string) (*Options, error) {
	p := &parser{o: Options{defaulted: true}}
	var words []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			words = append(words, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			opt, err := matchLong(name)
			if err != nil {
				return nil, err
			}
			if !opt.arg && hasVal {
				return nil, &UsageError{"option '--" + opt.name + "' doesn't allow an argument"}
			}
			if opt.arg && !hasVal {
				if i+1 >= len(args) {
					return nil, &UsageError{"option '--" + opt.name + "' requires an argument"}
				}
				i++
				val = args[i]
			}
			if err := p.option(opt.short, val); err != nil {
				return nil, err
			}
			if p.o.exits() {
				return &p.o, nil
			}
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				c := a[j]
				k := strings.IndexByte(shortOpts, c)
				if k < 0 || c == ':' {
					return nil, &UsageError{"invalid option -- '" + printable(c) + "'"}
				}
				if k+1 < len(shortOpts) && shortOpts[k+1] == ':' {
					val := a[j+1:]
					if val == "" {
						if i+1 >= len(args) {
							return nil, &UsageError{"option requires an argument -- '" + string(c) + "'"}
						}
						i++
						val = args[i]
					}
					if err := p.option(string(c), val); err != nil {
						return nil, err
					}
					if p.o.exits() {
						return &p.o, nil
					}
					break
				}
				if err := p.option(string(c), ""); err != nil {
					return nil, err
				}
				if p.o.exits() {
					return &p.o, nil
				}
			}
		default:
			words = append(words, a)
		}
	}
	return p.finish(words)
}

// exits reports whether an option read ends ss's reading at once: help,
// version, and SELinux contexts, which ss refuses where SELinux is off.
func (o *Options) exits() bool { return o.Help || o.Version || o.NoSELinux }

// printable returns c as getopt names it in its message.
func printable(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return "\\x" + string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15])
	}
	return string(c)
}

// matchLong finds the long option name abbreviates: an exact name, or the
// only option it is a prefix of (several with the same meaning count as
// one, as getopt_long counts them).
func matchLong(name string) (opt struct {
	name  string
	arg   bool
	short string
}, err error) {
	found := -1
	ambiguous := false
	for i, o := range longOpts {
		if o.name == name {
			return o, nil
		}
		if name != "" && strings.HasPrefix(o.name, name) {
			if found >= 0 && (longOpts[found].short != o.short || longOpts[found].arg != o.arg) {
				ambiguous = true
			}
			if found < 0 {
				found = i
			}
		}
	}
	switch {
	case ambiguous:
		return opt, &UsageError{"option '--" + name + "' is ambiguous"}
	case found < 0:
		return opt, &UsageError{"unrecognized option '--" + name + "'"}
	}
	return longOpts[found], nil
}

// option applies one option, as ss's main does.
func (p *parser) option(opt, val string) error {
	o := &p.o
	switch opt {
	case "n":
		o.Numeric = true
	case "r":
		o.Resolve = true
	case "o":
		o.Timers = true
	case "e":
		o.Timers = true
		o.Details++
	case "m":
		o.Memory = true
	case "i":
		o.Info = true
	case "p":
		o.Processes = true
	case "T":
		o.unsupported("-T")
	case "b":
		o.Timers = true
		o.unsupported("-b")
	case "E":
		o.unsupported("-E")
	case "d":
		p.setTable(tblDCCP)
	case "t":
		p.setTable(tblTCP)
	case "S":
		p.setTable(tblSCTP)
	case "u":
		p.setTable(tblUDP)
	case "w":
		p.setTable(tblRaw)
	case "x":
		p.setFamily(famUnix)
	case "--vsock":
		p.setFamily(famVsock)
	case "--tipc":
		p.setFamily(famTIPC)
	case "a":
		p.stateMask = ssAll
	case "l":
		p.stateMask = 1<<stListen | 1<<stClose
	case "4":
		p.setFamily(famInet)
	case "6":
		p.setFamily(famInet6)
	case "0":
		p.setFamily(famPacket)
	case "--xdp":
		p.setFamily(famXDP)
	case "M":
		p.setTable(tblMPTCP)
	case "f":
		if val == "help" {
			o.Help = true
			return nil
		}
		f, ok := familyNames[val]
		if !ok {
			return &UsageError{"\"" + val + "\" is invalid family"}
		}
		p.setFamily(f)
	case "A":
		if !p.sawQuery {
			o.Tables = 0
			if p.stateMask == 0 {
				p.stateMask = ssConn
			}
			p.sawQuery = true
			o.defaulted = false
		}
		for _, name := range strings.Split(val, ",") {
			enable := true
			if strings.HasPrefix(name, "!") {
				enable, name = false, name[1:]
			}
			set, ok := queryNames[name]
			if !ok {
				return &UsageError{"\"" + name + "\" is illegal socket table id"}
			}
			for t := table(0); t < numTables; t++ {
				if !set.has(t) {
					continue
				}
				if enable {
					if name != "all" && name != "inet" {
						o.noteSource(t)
					}
					o.States |= tableDefaults[t].states
					o.Tables |= 1 << t
				} else {
					o.Tables &^= 1 << t
				}
			}
			o.defaulted = false
		}
	case "s":
		o.Summary = true
	case "D":
		o.unsupported("-D")
	case "F":
		if p.filterFile {
			return &UsageError{"More than one filter file"}
		}
		p.filterFile = true
		o.FilterFile = val
		if strings.HasPrefix(val, "-") {
			o.FilterFile = "-"
		}
	case "v", "V":
		o.Version = true
	case "z", "Z":
		o.NoSELinux = true
	case "N":
		o.NetNS = val
	case "--tipcinfo":
		o.unsupported("--tipcinfo")
	case "--tos":
		o.TOS = true
	case "--cgroup":
		o.Cgroup = true
	case "K":
		o.Kill = true
	case "H":
		o.NoHeader = true
	case "O":
		o.OneLine = true
	case "--inet-sockopt":
		o.unsupported("--inet-sockopt")
	case "--format":
		if val != "json" {
			return &UsageError{"--format: \"" + val + "\" is not a format (json)"}
		}
		o.Format = val
	case "h":
		o.Help = true
	default:
		return &UsageError{"invalid option -- '" + opt + "'"}
	}
	return nil
}

// tableNames name the tables sockscope has no source for, as a message
// says them.
var tableNames = map[table]string{
	tblDCCP: "DCCP", tblSCTP: "SCTP", tblPacketDgram: "packet", tblPacketRaw: "packet",
	tblVsockStream: "vsock", tblVsockDgram: "vsock", tblTIPC: "TIPC", tblXDP: "XDP",
}

// noteSource remembers a table asked for by name that has no source.
func (o *Options) noteSource(t table) {
	name, ok := tableNames[t]
	if !ok {
		return
	}
	for _, n := range o.explicit {
		if n == name {
			return
		}
	}
	o.explicit = append(o.explicit, name)
}

func (o *Options) unsupported(name string) {
	for _, n := range o.Unsupported {
		if n == name {
			return
		}
	}
	o.Unsupported = append(o.Unsupported, name)
}

// setTable is ss's filter_db_set(…, true).
func (p *parser) setTable(t table) {
	p.o.noteSource(t)
	p.o.States |= tableDefaults[t].states
	p.o.Tables |= 1 << t
	p.o.defaulted = false
}

// setFamily is ss's filter_af_set.
func (p *parser) setFamily(f family) {
	for t := table(0); t < numTables; t++ {
		if f > famUnix && familyDefaults[f].tables.has(t) {
			p.o.noteSource(t)
		}
	}
	p.o.States |= familyDefaults[f].states
	p.o.Families |= 1 << f
	p.o.defaulted = false
	p.o.Preferred, p.o.HasPreferred = f, true
}

// finish reads the leading state/exclude words and merges ss's defaults.
func (p *parser) finish(words []string) (*Options, error) {
	o := &p.o
	for len(words) > 0 {
		w := words[0]
		if w != "state" && w != "exclude" && w != "excl" {
			break
		}
		if len(words) < 2 {
			return nil, &UsageError{"argument is required for \"" + w + "\""}
		}
		mask, ok := scanState(words[1])
		if !ok {
			return nil, &UsageError{"wrong state name: " + words[1]}
		}
		if w == "state" {
			if !p.sawStates {
				p.stateMask = 0
			}
			p.stateMask |= mask
		} else {
			if !p.sawStates {
				p.stateMask = ssAll
			}
			p.stateMask &^= mask
		}
		p.sawStates = true
		o.StateWords = true
		words = words[2:]
	}
	o.Filter = words
	if o.defaulted {
		if p.stateMask == 0 {
			p.stateMask = ssConn
		}
		for t := table(0); t < numTables; t++ {
			if (allTables &^ (1 << tblTIPC)).has(t) {
				o.States |= tableDefaults[t].states
				o.Tables |= 1 << t
			}
		}
	}
	if p.stateMask != 0 {
		o.States = p.stateMask
	}
	// filter_merge_defaults
	for t := table(0); t < numTables; t++ {
		if o.Tables.has(t) && tableDefaults[t].families&o.Families == 0 {
			o.Families |= tableDefaults[t].families
		}
	}
	for f := family(0); f < numFamilies; f++ {
		if o.Families.has(f) && familyDefaults[f].tables&o.Tables == 0 {
			o.Tables |= familyDefaults[f].tables
		}
	}
	return o, nil
}

// scanState reads one state name as ss's scan_state does (case-blind).
func scanState(name string) (uint32, bool) {
	switch strings.ToLower(name) {
	case "close", "closed":
		return 1 << stClose, true
	case "syn-rcv":
		return 1 << stSynRecv, true
	case "established":
		return 1 << stEstablished, true
	case "all":
		return ssAll, true
	case "connected":
		return ssAll &^ (1<<stClose | 1<<stListen), true
	case "synchronized":
		return ssAll &^ (1<<stClose | 1<<stListen | 1<<stSynSent), true
	case "bucket":
		return 1<<stSynRecv | 1<<stTimeWait, true
	case "big":
		return ssAll &^ (1<<stSynRecv | 1<<stTimeWait), true
	case "unknown":
		return 1, true
	case "syn-sent":
		return 1 << stSynSent, true
	case "syn-recv":
		return 1 << stSynRecv, true
	case "fin-wait-1":
		return 1 << stFinWait1, true
	case "fin-wait-2":
		return 1 << stFinWait2, true
	case "time-wait":
		return 1 << stTimeWait, true
	case "unconnected":
		return 1 << stClose, true
	case "close-wait":
		return 1 << stCloseWait, true
	case "last-ack":
		return 1 << stLastAck, true
	case "listening":
		return 1 << stListen, true
	case "closing":
		return 1 << stClosing, true
	}
	return 0, false
}

// showNetid is ss's rule for the Netid column: shown unless exactly one
// table is listed.
func (o *Options) showNetid() bool { return o.Tables&(o.Tables-1) != 0 }

// showState is ss's rule for the State column: shown unless exactly one
// state is listed.
func (o *Options) showState() bool { return o.States&(o.States-1) != 0 }
