package statsview

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/render"
)

// ErrParse is wrapped by the error ParseProtos returns for an unknown
// protocol.
var ErrParse = errors.New("statsview: parse error")

// Protos lists the protocols ParseProtos accepts, in the order netstat -s
// prints them.
var Protos = []string{"ip", "ipv6", "icmp", "icmpv6", "tcp", "tcpv6", "udp", "udpv6"}

// Options says how to render counters.
type Options struct {
	Style  render.Style
	Format render.Format
	// Lang is "" or "en" for English, any "zh" tag ("zh-CN",
	// "zh_CN.UTF-8") for Simplified Chinese. Only the windows style and
	// the notes are translated; net-tools prose is always English.
	Lang string
	// Protos is the result of ParseProtos; empty means every protocol,
	// and then the modern, JSON and CSV outputs also hold the sockstat
	// groups and any group this package does not know.
	Protos []string

	// tcp6 is set by Write when the snapshot (or the rates) hold a Tcp6
	// group, as on Windows, which keeps a TCP counter set per family:
	// tcpv6 then selects Tcp6 and needs no note.
	tcp6 bool
}

// ParseProtos parses the argument of -p with -s: a comma-separated list
// of ip, ipv6, icmp, icmpv6, tcp, tcpv6, udp and udpv6, in any case. It
// returns them lower-cased, without duplicates, in the order given. An
// unknown name returns an error wrapping ErrParse whose one-line message
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
	return len(o.Protos) == 0 || slices.Contains(o.Protos, p)
}

// selects reports whether the options select group g.
func (o *Options) selects(g string) bool {
	if len(o.Protos) == 0 {
		return true
	}
	for _, p := range o.Protos {
		if slices.Contains(o.groupsOf(p), g) {
			return true
		}
	}
	return false
}

// oneTCPSetNote reports whether the output needs the note that Linux has
// one TCP counter set: tcpv6 was asked for and there is no Tcp6 group.
func (o *Options) oneTCPSetNote() bool {
	return !o.tcp6 && slices.Contains(o.Protos, "tcpv6")
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
	if rates != nil {
		o.tcp6 = slices.ContainsFunc(rates.Groups, func(g netstats.RateGroup) bool { return g.Name == "Tcp6" })
		r := filterRates(rates.Moved(), &o)
		switch o.Format {
		case render.JSON:
			writeRatesJSON(bw, r)
		case render.NDJSON:
			writeRatesNDJSON(bw, r)
		case render.CSV:
			writeRatesCSV(bw, r)
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
		writeJSON(bw, groups)
	case render.NDJSON:
		writeNDJSON(bw, groups)
	case render.CSV:
		writeCSV(bw, groups)
	default:
		switch o.Style {
		case render.Windows:
			writeWindows(bw, snap, &o)
		case render.Linux:
			writeLinux(bw, groups, &o)
		default:
			writeModern(bw, snap, groups, &o)
		}
	}
	return bw.Flush()
}

// filterGroups returns the groups o selects, in snapshot order.
func filterGroups(gs []netstats.Group, o *Options) []netstats.Group {
	if len(o.Protos) == 0 {
		return gs
	}
	var out []netstats.Group
	for _, g := range gs {
		if o.selects(g.Name) {
			out = append(out, g)
		}
	}
	return out
}

// filterRates returns r without the groups o does not select.
func filterRates(r *netstats.Rates, o *Options) *netstats.Rates {
	if len(o.Protos) == 0 {
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
// matches ErrParse.
type UnknownProtoError struct{ Name string }

func (e *UnknownProtoError) Error() string {
	return fmt.Sprintf("%v: unknown protocol %q for statistics (valid: %s)", ErrParse, e.Name, strings.Join(Protos, ", "))
}

// Is makes errors.Is(err, ErrParse) true.
func (e *UnknownProtoError) Is(target error) bool { return target == ErrParse }
