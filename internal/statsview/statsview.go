package statsview

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/render"
)

// Protos lists the protocols ParseProtos accepts, in the order netstat -s
// prints them.
var Protos = []string{"ip", "ipv6", "icmp", "icmpv6", "tcp", "tcpv6", "udp", "udpv6"}

// Options says how to render counters.
type Options struct {
	Style  render.Style
	Format render.Format
	// Lang is "" or "en" for English, any "zh" tag ("zh-CN",
	// "zh_CN.UTF-8") for Simplified Chinese: the labels of the modern and
	// windows layouts, the notes and the derived block. net-tools prose
	// is always English, JSON and CSV carry kernel names only.
	Lang string
	// Protos is the result of ParseProtos; empty means every protocol,
	// and then the modern, JSON and CSV outputs also hold the sockstat
	// groups and any group this package does not know.
	Protos []string
	// Kinds are the protocol kinds of netstat's -t, -u, -w (and -U, -S)
	// given with -s; 0 means none was given. Families are -4 and -6; 0
	// means neither. In the Linux layout they are net-tools' flags (see
	// writeLinux and docs/stats.md); in every other layout they narrow the
	// protocols as -p would: -t is tcp and tcpv6, -u udp and udpv6, -w ip,
	// icmp, ipv6 and icmpv6, -4 the IPv4 ones, -6 the IPv6 ones. With -p
	// too, a protocol must pass both. SelectsNothing reports an empty
	// result, which the caller should refuse.
	Kinds    Kinds
	Families Families
	// NonZero leaves out the counters whose value is 0 (nstat's default):
	// lines, and groups or sections left empty, in every layout. In the
	// Linux layout it drops the zero lines net-tools always prints (its
	// histogram titles stay). Rates show only what moved anyway.
	NonZero bool
	// NetNS and NetNSName say which network namespace the counters are
	// of, in a listing of several (stats --all-netns): tables are headed
	// by a line naming it, JSON and NDJSON objects carry "netns" and
	// "netns_name", CSV rows begin with them. Zero: one namespace, unnamed.
	NetNS     uint64
	NetNSName string
	// NoCSVHeader leaves out the CSV header row: the namespaces after the
	// first of stats --all-netns continue the first's table.
	NoCSVHeader bool

	// sel is the protocols selected by Protos, Kinds and Families, and
	// restricted whether any of them was given (Write sets both).
	sel        []string
	restricted bool
	// tcp6 is set by Write when the snapshot (or the rates) hold a Tcp6
	// group, as on Windows, which keeps a TCP counter set per family:
	// tcpv6 then selects Tcp6 and needs no note.
	tcp6 bool
}

// Kinds is a set of protocol kinds, as netstat's -t, -u, -w, -U and -S
// select them with -s.
type Kinds uint8

// The protocol kinds.
const (
	KindTCP     Kinds = 1 << iota // -t: Tcp, TcpExt, MPTcpExt (Tcp6 on Windows)
	KindUDP                       // -u: Udp, UdpLite, Udp6, UdpLite6
	KindRaw                       // -w: IP and ICMP (Ip, IpExt, Icmp, IcmpMsg, Ip6, Icmp6)
	KindUDPLite                   // -U: UdpLite, UdpLite6
	KindSCTP                      // -S: Sctp
)

// Families is a set of address families, as -4 and -6 select them.
type Families uint8

// The address families.
const (
	FamilyV4 Families = 1 << iota // -4
	FamilyV6                      // -6
)

// kindsOf and familyOf say which kinds and family select each protocol
// name, those of Protos and the two ParseProtos does not take (-U and -S
// only).
var (
	kindsOf = map[string]Kinds{
		"ip": KindRaw, "ipv6": KindRaw, "icmp": KindRaw, "icmpv6": KindRaw,
		"tcp": KindTCP, "tcpv6": KindTCP, "udp": KindUDP, "udpv6": KindUDP,
		"udplite": KindUDPLite, "udplitev6": KindUDPLite, "sctp": KindSCTP,
	}
	familyOf = map[string]Families{
		"ip": FamilyV4, "icmp": FamilyV4, "tcp": FamilyV4, "udp": FamilyV4,
		"ipv6": FamilyV6, "icmpv6": FamilyV6, "tcpv6": FamilyV6, "udpv6": FamilyV6,
		"udplite": FamilyV4, "udplitev6": FamilyV6, "sctp": FamilyV4 | FamilyV6,
	}
)

// selection returns the protocols o selects and whether Protos, Kinds or
// Families restricts them at all (when not, every group is shown).
func (o *Options) selection() ([]string, bool) {
	if len(o.Protos) == 0 && o.Kinds == 0 && o.Families == 0 {
		return nil, false
	}
	base := o.Protos
	if len(base) == 0 {
		base = append(slices.Clone(Protos), "udplite", "udplitev6", "sctp")
	}
	var out []string
	for _, p := range base {
		if o.Kinds != 0 && kindsOf[p]&o.Kinds == 0 {
			continue
		}
		if o.Families != 0 && familyOf[p]&o.Families == 0 {
			continue
		}
		out = append(out, p)
	}
	return out, true
}

// SelectsNothing reports whether Protos, Kinds and Families together
// leave no protocol (-p tcp with -6; -U or -S in the Windows layout, which
// has no section for them): the output would be empty, and a command line
// asking for it is a usage error. The Linux
// layout without Protos follows net-tools instead, which always prints
// something.
func (o Options) SelectsNothing() bool {
	if o.Style == render.Linux && len(o.Protos) == 0 && o.Format == render.Table {
		return false
	}
	sel, restricted := o.selection()
	if o.Style == render.Windows && o.Format == render.Table {
		// Windows has no UDP-Lite or SCTP section.
		sel = slices.DeleteFunc(sel, func(p string) bool { return !slices.Contains(Protos, p) })
	}
	return restricted && len(sel) == 0
}

// ParseProtos parses the argument of -p with -s: a comma-separated list
// of ip, ipv6, icmp, icmpv6, tcp, tcpv6, udp and udpv6, in any case. It
// returns them lower-cased, without duplicates, in the order given. An
// unknown name returns an error wrapping errs.ErrInvalid whose one-line message
// lists the valid ones.
func ParseProtos(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		p := strings.ToLower(strings.TrimSpace(f))
		if !slices.Contains(Protos, p) {
			return nil, &UnknownProtoError{Name: strings.TrimSpace(f)}
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// protoGroups are the groups each protocol selects in the modern, JSON
// and CSV outputs. tcpv6 selects the one TCP set, like tcp, unless the
// snapshot has a Tcp6 group (Windows): then it selects tcp6Groups.
var protoGroups = map[string][]string{
	"ip":     {"Ip", "IpExt"},
	"ipv6":   {"Ip6"},
	"icmp":   {"Icmp", "IcmpMsg"},
	"icmpv6": {"Icmp6"},
	"tcp":    {"Tcp", "TcpExt", "MPTcpExt"},
	"tcpv6":  {"Tcp", "TcpExt", "MPTcpExt"},
	"udp":    {"Udp", "UdpLite"},
	"udpv6":  {"Udp6", "UdpLite6"},
	// Only through Kinds (-U, -S).
	"udplite":   {"UdpLite"},
	"udplitev6": {"UdpLite6"},
	"sctp":      {"Sctp"},
}

// tcp6Groups are the groups tcpv6 selects when the snapshot has Tcp6.
var tcp6Groups = []string{"Tcp6"}

// groupsOf returns the groups protocol p selects.
func (o *Options) groupsOf(p string) []string {
	if p == "tcpv6" && o.tcp6 {
		return tcp6Groups
	}
	return protoGroups[p]
}

// wants reports whether the options select protocol p.
func (o *Options) wants(p string) bool {
	return !o.restricted || slices.Contains(o.sel, p)
}

// selects reports whether the options select group g.
func (o *Options) selects(g string) bool {
	if !o.restricted {
		return true
	}
	for _, p := range o.sel {
		if slices.Contains(o.groupsOf(p), g) {
			return true
		}
	}
	return false
}

// oneTCPSetNote reports whether the output needs the note that Linux has
// one TCP counter set: tcpv6 was asked for without tcp (-p tcpv6, -t -6)
// and there is no Tcp6 group. With tcp too (-t, -p tcp,tcpv6) the set is
// shown once, as what it is, and needs no note.
func (o *Options) oneTCPSetNote() bool {
	return !o.tcp6 && slices.Contains(o.sel, "tcpv6") && !slices.Contains(o.sel, "tcp")
}

// chinese reports whether lang is a Chinese tag.
func chinese(lang string) bool {
	l := strings.ToLower(lang)
	return l == "zh" || strings.HasPrefix(l, "zh-") || strings.HasPrefix(l, "zh_")
}

// catalog returns the i18n catalog of lang: "zh" when chinese(lang),
// "en" otherwise.
func catalog(lang string) string {
	if chinese(lang) {
		return "zh"
	}
	return "en"
}

// Write renders snap to w as o says; when rates is not nil it renders
// rates.Moved() instead, as per-second values (nstat): the counters that
// moved with their delta and rate. Write buffers its output and returns
// the first error writing to w. A nil snap renders as an empty one.
func Write(w io.Writer, snap *netstats.Snapshot, rates *netstats.Rates, o Options) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	o.sel, o.restricted = o.selection()
	ns := o.nsFields()
	if o.NetNS != 0 && o.Format == render.Table {
		name, _ := render.SafeText(o.NetNSName) // a name someone gave: no escape sequences
		bw.WriteString(i18n.T(o.Lang, "stats.netns.title", name, o.NetNS) + "\n")
	}
	if rates != nil {
		o.tcp6 = slices.ContainsFunc(rates.Groups, func(g netstats.RateGroup) bool { return g.Name == "Tcp6" })
		r := filterRates(rates.Moved(), &o)
		switch o.Format {
		case render.JSON:
			writeRatesJSON(bw, r, ns)
		case render.NDJSON:
			writeRatesNDJSON(bw, r, ns)
		case render.CSV:
			writeRatesCSV(bw, r, o.nsColumns(), !o.NoCSVHeader)
		default:
			writeRatesTable(bw, r, &o)
		}
		return bw.Flush()
	}
	if snap == nil {
		snap = &netstats.Snapshot{}
	}
	o.tcp6 = hasGroup(snap, "Tcp6")
	groups := filterGroups(snap.Groups, &o)
	switch o.Format {
	case render.JSON:
		writeJSON(bw, groups, ns)
	case render.NDJSON:
		writeNDJSON(bw, groups, ns)
	case render.CSV:
		writeCSV(bw, groups, o.nsColumns(), !o.NoCSVHeader)
	default:
		switch o.Style {
		case render.Windows:
			writeWindows(bw, snap, &o)
		case render.Linux:
			writeLinux(bw, snap, &o)
		default:
			writeModern(bw, snap, groups, &o)
		}
	}
	return bw.Flush()
}

// filterGroups returns the groups o selects, in snapshot order; with
// o.NonZero, without their zero counters, and without the groups that
// leaves empty.
func filterGroups(gs []netstats.Group, o *Options) []netstats.Group {
	if !o.restricted && !o.NonZero {
		return gs
	}
	var out []netstats.Group
	for _, g := range gs {
		if !o.selects(g.Name) {
			continue
		}
		if o.NonZero {
			g.Counters = slices.DeleteFunc(slices.Clone(g.Counters), func(c netstats.Counter) bool { return c.Value == 0 })
			if len(g.Counters) == 0 {
				continue
			}
		}
		out = append(out, g)
	}
	return out
}

// filterRates returns r without the groups o does not select.
func filterRates(r *netstats.Rates, o *Options) *netstats.Rates {
	if !o.restricted {
		return r
	}
	out := &netstats.Rates{Interval: r.Interval, Time: r.Time}
	for _, g := range r.Groups {
		if o.selects(g.Name) {
			out.Groups = append(out.Groups, g)
		}
	}
	return out
}

// tcpNote is the note that Linux keeps one TCP counter set.
func tcpNote(lang string) string {
	return i18n.T(catalog(lang), "stats.tcp.note")
}

// UnknownProtoError is ParseProtos' error for a name not in Protos; it
// matches errs.ErrInvalid.
type UnknownProtoError struct{ Name string }

func (e *UnknownProtoError) Error() string {
	return fmt.Sprintf("%v: unknown protocol %q for statistics (valid: %s)", errs.ErrInvalid, e.Name, strings.Join(Protos, ", "))
}

// Is makes errors.Is(err, errs.ErrInvalid) true.
func (e *UnknownProtoError) Is(target error) bool { return target == errs.ErrInvalid }
