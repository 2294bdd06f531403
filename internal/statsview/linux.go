package statsview

import (
	"bufio"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/netstats"
)

// The Linux layout reproduces net-tools 2.10's netstat -s byte for byte.
// net-tools walks the counter files in order and looks every counter up
// in a table of sentences (statistics.c) by binary search; what it does
// not find it prints "Name: value" when the value is not 0. Its tables
// are not quite in strcmp order, so the search misses some entries it
// has (Ip Forwarding, TcpExt TCPTimeouts): those print "Name: value"
// too. ntFind runs the same search over the same tables, in the same
// order, so it misses the same ones. The tables below were written from
// the net-tools 2.10 binary of Debian 12; "#" stands for the value.

// ntKind is the kind of a table entry, which is also net-tools' printing
// state: it decides the indentation and when an ICMP histogram title is
// printed.
type ntKind uint8

const (
	ntNumber    ntKind = iota // always printed
	ntOptNumber               // printed when not 0
	ntForward                 // Ip Forwarding (a setting, never printed)
	ntInICMP                  // a line of the ICMP input histogram
	ntOutICMP                 // a line of the ICMP output histogram
	ntRTOAlg                  // Tcp RtoAlgorithm (a setting, never printed)
)

// ntIndent is each state's indentation; ntRTOAlg has none in net-tools'
// table, hence 0.
var ntIndent = [...]int{ntNumber: 4, ntOptNumber: 4, ntForward: 4, ntInICMP: 8, ntOutICMP: 8, ntRTOAlg: 0}

// ntTitles are the histogram titles net-tools prints when the state
// changes to an ICMP kind.
var ntTitles = [...]string{ntInICMP: "ICMP input histogram:", ntOutICMP: "ICMP output histogram:"}

// An ntEntry is one line of a net-tools table: the counter's name as the
// file spells it, the sentence, its kind, and whether it is a setting
// that net-tools never prints.
type ntEntry struct {
	name, format string
	kind         ntKind
	static       bool
}

// ntFlags are the protocols net-tools was asked for: -w (IP and ICMP),
// -t, -u, and SCTP (-S, or no protocol flag at all).
type ntFlags struct{ raw, tcp, udp, sctp bool }

// An ntTable is a group net-tools knows: its title, its entries and the
// flag that must be set for it to be printed.
type ntTable struct {
	title   string
	entries []ntEntry
	flag    func(ntFlags) bool
}

func ntRaw(f ntFlags) bool  { return f.raw }
func ntTCP(f ntFlags) bool  { return f.tcp }
func ntUDP(f ntFlags) bool  { return f.udp }
func ntSCTP(f ntFlags) bool { return f.sctp }

// ntSNMPTables are the groups of snmp, netstat and sctp/snmp net-tools
// knows; ntSNMP6Tables those of snmp6. Any other group is printed as
// unknown: always its title, then "Name: value" for each value that is
// not 0, whatever the flags.
var (
	ntSNMPTables = []ntTable{
		{"Ip", ntIp, ntRaw}, {"Icmp", ntIcmp, ntRaw}, {"Tcp", ntTcp, ntTCP},
		{"Udp", ntUdp, ntUDP}, {"Sctp", ntSctp, ntSCTP}, {"TcpExt", ntTcpExt, ntTCP},
	}
	ntSNMP6Tables = []ntTable{
		{"Ip6", ntIp6, ntRaw}, {"Icmp6", ntIcmp6, ntRaw}, {"Udp6", ntUdp6, ntUDP}, {"Tcp6", ntTcp, ntTCP},
	}
)

// ntFind is glibc's bsearch with strcmp over tab, as net-tools calls it:
// on a table out of order it may miss an entry that is there.
func ntFind(tab []ntEntry, key string) *ntEntry {
	l, u := 0, len(tab)
	for l < u {
		i := (l + u) / 2
		switch c := strings.Compare(key, tab[i].name); {
		case c < 0:
			u = i
		case c > 0:
			l = i + 1
		default:
			return &tab[i]
		}
	}
	return nil
}

// ntPrinter holds net-tools' printing state across groups and files: it
// is reset to ntNumber by each known group, not by an unknown one, so the
// IcmpMsg lines after Icmp are indented like the histogram.
type ntPrinter struct {
	w       *bufio.Writer
	state   ntKind
	flags   ntFlags
	nonZero bool // leave out the lines whose value is 0 (Options.NonZero)
	// keep, when not nil, says which groups the user selected with -p:
	// the others are left out whole.
	keep func(netstats.Group) bool
	note bool // print the one-TCP-set note after "Tcp:"
}

// table starts group title as net-tools' newtable does and returns its
// table (nil for an unknown group) and whether its values are printed.
func (p *ntPrinter) table(tabs []ntTable, title string) (*ntTable, bool) {
	for i := range tabs {
		if tabs[i].title == title {
			on := tabs[i].flag(p.flags)
			if on {
				p.w.WriteString(title + ":\n")
				if title == "Tcp" && p.note {
					p.w.WriteString("    " + tcpNote("") + "\n")
				}
			}
			p.state = ntNumber
			return &tabs[i], on
		}
	}
	p.w.WriteString(title + ":\n")
	return nil, true
}

// value prints one counter as net-tools' printval does.
func (p *ntPrinter) value(t *ntTable, name string, v uint64) {
	var e *ntEntry
	if t != nil {
		e = ntFind(t.entries, name)
	}
	if e == nil {
		if v != 0 {
			p.line(ntIndent[p.state], name+": "+strconv.FormatUint(v, 10))
		}
		return
	}
	if e.static || e.format == "" {
		return
	}
	kind := e.kind
	if (kind == ntInICMP || kind == ntOutICMP) && p.state != kind {
		p.line(ntIndent[p.state], ntTitles[kind])
	}
	text := ""
	switch kind {
	case ntNumber:
		if !p.nonZero || v != 0 {
			text = strings.Replace(e.format, "#", strconv.FormatUint(v, 10), 1)
		}
	case ntOptNumber, ntInICMP, ntOutICMP:
		if v != 0 {
			text = strings.Replace(e.format, "#", strconv.FormatUint(v, 10), 1)
		}
	}
	if text != "" {
		p.line(ntIndent[kind], text)
	}
	p.state = kind
}

func (p *ntPrinter) line(indent int, s string) {
	p.w.WriteString(strings.Repeat(" ", indent) + s + "\n")
}

// fileOf returns the counter file of g: Group.File, or for a group that
// did not come from a file (a test's, Windows') the file its name would
// be in.
func fileOf(g *netstats.Group) string {
	if g.File != "" {
		return g.File
	}
	switch g.Name {
	case "Ip6", "Icmp6", "Udp6", "UdpLite6", "Tcp6", "Snmp6":
		return "snmp6"
	case "sockets", "TCP", "UDP", "UDPLITE", "RAW", "FRAG":
		return "sockstat"
	case "TCP6", "UDP6", "UDPLITE6", "RAW6", "FRAG6":
		return "sockstat6"
	}
	return "snmp"
}

// writeLinux prints net-tools' netstat -s: for IPv4 (the default, -4)
// the groups of snmp and netstat, then sctp/snmp; for IPv6 (-6) those of
// snmp6 then Tcp, as net-tools does. With both families selected, the
// IPv4 output is followed by the IPv6 one. With -p (o.Protos), only the
// selected groups are printed, IPv4 ones then IPv6 ones.
func writeLinux(w *bufio.Writer, s *netstats.Snapshot, o *Options) {
	p := &ntPrinter{w: w, nonZero: o.NonZero, flags: ntFlags{raw: true, tcp: true, udp: true, sctp: true}}
	v4, v6 := true, false
	if o.Kinds != 0 {
		p.flags = ntFlags{raw: o.Kinds&KindRaw != 0, tcp: o.Kinds&KindTCP != 0, udp: o.Kinds&KindUDP != 0, sctp: o.Kinds&KindSCTP != 0}
	}
	if o.Families != 0 {
		v4, v6 = o.Families&FamilyV4 != 0, o.Families&FamilyV6 != 0
	}
	if len(o.Protos) > 0 {
		// -p: every selected group, whatever -4/-6 say (they already
		// narrowed the selection).
		p.keep = func(g netstats.Group) bool { return o.selects(g.Name) }
		p.note = o.oneTCPSetNote()
		v4, v6 = true, true
	}
	if v4 {
		writeLinuxInet(p, s)
	}
	if v6 {
		p.state = ntNumber
		writeLinuxInet6(p, s, p.keep == nil)
	}
}

// writeLinuxInet is net-tools' parsesnmp: snmp, netstat and sctp/snmp.
func writeLinuxInet(p *ntPrinter, s *netstats.Snapshot) {
	for _, file := range []string{"snmp", "netstat"} {
		for i := range s.Groups {
			g := &s.Groups[i]
			if fileOf(g) != file || p.keep != nil && !p.keep(*g) {
				continue
			}
			t, on := p.table(ntSNMPTables, g.Name)
			if on {
				for _, c := range g.Counters {
					p.value(t, c.Name, uint64(c.Value))
				}
			}
		}
	}
	for i := range s.Groups {
		g := &s.Groups[i]
		if g.File != "sctp/snmp" || p.keep != nil && !p.keep(*g) {
			continue
		}
		// net-tools reads the file's "SctpName value" lines under one
		// Sctp title; netstats keeps the names without the prefix.
		t, on := p.table(ntSNMPTables, "Sctp")
		if on {
			for _, c := range g.Counters {
				p.value(t, "Sctp"+c.Name, uint64(c.Value))
			}
		}
	}
}

// writeLinuxInet6 is net-tools' parsesnmp6: snmp6, whose groups it tells
// apart by the name up to the first "6", then (withTCP) the Tcp group of
// snmp, since Linux has no Tcp6.
func writeLinuxInet6(p *ntPrinter, s *netstats.Snapshot, withTCP bool) {
	var (
		cur string
		t   *ntTable
		on  bool
	)
	for i := range s.Groups {
		g := &s.Groups[i]
		if fileOf(g) != "snmp6" || p.keep != nil && !p.keep(*g) {
			continue
		}
		for _, c := range g.Counters {
			full := snmp6Name(g, c.Name)
			// A new group starts where a name stops containing the
			// current title, as in net-tools.
			if cur == "" || !strings.Contains(full, cur) {
				cur = snmp6Title(full)
				t, on = p.table(ntSNMP6Tables, cur)
			}
			if on {
				p.value(t, full, uint64(c.Value))
			}
		}
	}
	if !withTCP {
		return
	}
	for i := range s.Groups {
		g := &s.Groups[i]
		if fileOf(g) != "snmp" || !strings.HasPrefix(g.Name, "Tcp") {
			continue
		}
		t, on := p.table(ntSNMPTables, g.Name)
		if on {
			for _, c := range g.Counters {
				p.value(t, c.Name, uint64(c.Value))
			}
		}
	}
}

// snmp6Name returns the name snmp6 spells: netstats keeps Ip6InReceives
// as InReceives in group Ip6, and the per-type ICMPv6 counters whole.
func snmp6Name(g *netstats.Group, name string) string {
	if g.Name == "Snmp6" || strings.HasPrefix(name, g.Name) {
		return name
	}
	return g.Name + name
}

// snmp6Title is net-tools' title of an snmp6 name: up to and including
// the first "6", or the whole name.
func snmp6Title(name string) string {
	if i := strings.IndexByte(name, '6'); i >= 0 {
		return name[:i+1]
	}
	return name
}
