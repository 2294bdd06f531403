package statsview

import (
	"bufio"
	"slices"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/textwidth"
)

// writeModern prints every group as an aligned block, one counter a
// line: its label in o.Lang when there is one, the kernel's name (so that
// the line can be searched for it), and the value; then the derived
// ratios.
func writeModern(w *bufio.Writer, s *netstats.Snapshot, groups []netstats.Group, o *Options) {
	if o.oneTCPSetNote() {
		w.WriteString(tcpNote(o.Lang) + "\n\n")
	}
	lang := catalog(o.Lang)
	for i, g := range groups {
		if i > 0 {
			w.WriteString("\n")
		}
		w.WriteString(g.Name + "\n")
		rows := make([][3]string, len(g.Counters))
		for j, c := range g.Counters {
			v := strconv.FormatInt(c.Value, 10)
			if l := counterLabel(lang, g.Name, c.Name); l != "" {
				rows[j] = [3]string{l, c.Name, v}
			} else {
				rows[j] = [3]string{c.Name, "", v}
			}
		}
		writeLabelled(w, rows)
	}
	d := derived(s, o)
	if o.NonZero {
		d = slices.DeleteFunc(d, func(r [2]string) bool { return isZero(r[1]) })
	}
	if len(d) > 0 {
		if len(groups) > 0 {
			w.WriteString("\n")
		}
		w.WriteString(i18n.T(lang, "stats.derived") + "\n")
		writeAligned(w, d)
	}
}

// isZero reports whether a derived value says nothing: 0, 0.00% or "-".
func isZero(v string) bool {
	v = strings.TrimSuffix(v, "%")
	if v == "-" {
		return true
	}
	f, err := strconv.ParseFloat(v, 64)
	return err == nil && f == 0
}

// writeLabelled prints rows of label, kernel name (possibly empty) and
// value: "  label  name  value", the labels and names padded to the
// longest (in terminal cells) and the values right-aligned.
func writeLabelled(w *bufio.Writer, rows [][3]string) {
	lw, nw, vw := 0, 0, 0
	for _, r := range rows {
		lw, nw, vw = max(lw, textwidth.String(r[0])), max(nw, textwidth.String(r[1])), max(vw, len(r[2]))
	}
	for _, r := range rows {
		line := "  " + pad(r[0], lw+2)
		if nw > 0 {
			line += pad(r[1], nw+2)
		}
		w.WriteString(line + strings.Repeat(" ", vw-len(r[2])) + r[2] + "\n")
	}
}

// labelGroups are the groups whose labels a group uses, in order: Ip6
// counts what Ip and IpExt count, UdpLite what Udp counts, and so on.
var labelGroups = map[string][]string{
	"Ip6": {"Ip6", "Ip", "IpExt"}, "Icmp6": {"Icmp6", "Icmp"}, "Tcp6": {"Tcp"},
	"Udp6": {"Udp"}, "UdpLite": {"Udp"}, "UdpLite6": {"Udp"},
	"sockets": {"sockstat"}, "TCP": {"sockstat"}, "UDP": {"sockstat"}, "UDPLITE": {"sockstat"},
	"RAW": {"sockstat"}, "FRAG": {"sockstat"}, "TCP6": {"sockstat"}, "UDP6": {"sockstat"},
	"UDPLITE6": {"sockstat"}, "RAW6": {"sockstat"}, "FRAG6": {"sockstat"},
}

// counterLabel returns the label of counter name of group in catalog
// lang, or "" when there is none. The per-type ICMP counters (IcmpMsg
// InType3, Icmp6 Icmp6OutType135) are labelled from their type number.
func counterLabel(lang, group, name string) string {
	if l, ok := icmpTypeLabel(lang, group, name); ok {
		return l
	}
	groups, ok := labelGroups[group]
	if !ok {
		groups = []string{group}
	}
	for _, g := range groups {
		if key := "stats.label." + g + "." + name; i18n.Has(key) {
			return i18n.T(lang, key)
		}
	}
	return ""
}

// icmpTypeLabel labels IcmpMsg InTypeN/OutTypeN and Icmp6
// Icmp6InTypeN/Icmp6OutTypeN: "Type 3 Received (destination
// unreachable)".
func icmpTypeLabel(lang, group, name string) (string, bool) {
	var ver string
	switch group {
	case "IcmpMsg":
		ver = "4"
	case "Icmp6":
		ver = "6"
		var ok bool
		if name, ok = strings.CutPrefix(name, "Icmp6"); !ok {
			return "", false
		}
	default:
		return "", false
	}
	dir := "in"
	num, ok := strings.CutPrefix(name, "InType")
	if !ok {
		if num, ok = strings.CutPrefix(name, "OutType"); !ok {
			return "", false
		}
		dir = "out"
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > 255 {
		return "", false
	}
	if key := "stats.icmptype." + ver + "." + num; i18n.Has(key) {
		return i18n.T(lang, "stats.label.type."+dir, n, i18n.T(lang, key)), true
	}
	return i18n.T(lang, "stats.label.type."+dir+".bare", n), true
}

// A ratio is one line of the derived block: the i18n key of its label
// and how to compute it from a snapshot; ok is false when the snapshot
// lacks a counter it needs.
type ratio struct {
	proto   string // the protocol that must be selected
	key     string
	compute func(get func(g, n string) (int64, bool)) (string, bool)
}

var ratios = []ratio{
	{"tcp", "stats.ratio.retransmitted_sent_segments", func(get getter) (string, bool) {
		return percent(get, "Tcp", "RetransSegs", "Tcp", "OutSegs")
	}},
	{"tcp", "stats.ratio.failed_active_opens", func(get getter) (string, bool) {
		return percent(get, "Tcp", "AttemptFails", "Tcp", "ActiveOpens")
	}},
	{"tcp", "stats.ratio.resets_per_connection", func(get getter) (string, bool) {
		r, ok1 := get("Tcp", "EstabResets")
		a, ok2 := get("Tcp", "ActiveOpens")
		p, ok3 := get("Tcp", "PassiveOpens")
		if !ok1 || !ok2 || !ok3 {
			return "", false
		}
		if a+p <= 0 {
			return "-", true
		}
		return strconv.FormatFloat(float64(r)/float64(a+p), 'f', 3, 64), true
	}},
	{"tcp", "stats.ratio.listen_overflows", value("TcpExt", "ListenOverflows")},
	{"tcp", "stats.ratio.listen_drops", value("TcpExt", "ListenDrops")},
	{"udp", "stats.ratio.udp_receive_errors", value("Udp", "InErrors")},
	{"udp", "stats.ratio.udp_receive_buffer_errors", value("Udp", "RcvbufErrors")},
	{"udp", "stats.ratio.udp_receive_errors_received", func(get getter) (string, bool) {
		return percent(get, "Udp", "InErrors", "Udp", "InDatagrams")
	}},
}

type getter = func(g, n string) (int64, bool)

// percent returns 100*num/den with two decimals and a "%", or "-" when
// den is 0.
func percent(get getter, ng, nn, dg, dn string) (string, bool) {
	n, ok1 := get(ng, nn)
	d, ok2 := get(dg, dn)
	if !ok1 || !ok2 {
		return "", false
	}
	if d <= 0 {
		return "-", true
	}
	return strconv.FormatFloat(100*float64(n)/float64(d), 'f', 2, 64) + "%", true
}

func value(g, n string) func(getter) (string, bool) {
	return func(get getter) (string, bool) {
		v, ok := get(g, n)
		return strconv.FormatInt(v, 10), ok
	}
}

// derived returns the rows of the derived block for the protocols o
// selects (udpv6 has no ratio: Udp6 is not the Udp set). tcpv6 counts as
// tcp when the snapshot has no Tcp6 (Linux: one TCP set); with a Tcp6
// group (Windows) the TCP ratios of tcpv6 are computed from Tcp6 alone,
// and when the Tcp ones are shown too their labels end in " (IPv6)".
func derived(s *netstats.Snapshot, o *Options) [][2]string {
	var rows [][2]string
	lang := catalog(o.Lang)
	v4 := o.wants("tcp") || o.wants("tcpv6") && !o.tcp6
	v6 := o.wants("tcpv6") && o.tcp6
	// get6 reads Tcp6 for Tcp and nothing else: TcpExt is not per family.
	get6 := func(g, n string) (int64, bool) {
		if g != "Tcp" {
			return 0, false
		}
		return s.Get("Tcp6", n)
	}
	suffix := ""
	if v4 {
		suffix = " (IPv6)"
	}
	// ratios lists the TCP ones first: the Tcp6 rows follow the Tcp ones.
	var tcp6Rows, other [][2]string
	for _, r := range ratios {
		label := i18n.T(lang, r.key)
		switch {
		case r.proto != "tcp":
			if !o.wants(r.proto) {
				continue
			}
			if v, ok := r.compute(s.Get); ok {
				other = append(other, [2]string{label, v})
			}
			continue
		case v4:
			if v, ok := r.compute(s.Get); ok {
				rows = append(rows, [2]string{label, v})
			}
		}
		if v6 {
			if v, ok := r.compute(get6); ok {
				tcp6Rows = append(tcp6Rows, [2]string{label + suffix, v})
			}
		}
	}
	rows = append(rows, tcp6Rows...)
	rows = append(rows, other...)
	return rows
}

// writeRatesTable prints the moved counters as nstat does: one line per
// counter, group and name joined (TcpActiveOpens), its delta and its
// per-second rate; then, last so that the numbers stay in nstat's
// columns, the counter's label in o.Lang when it has one.
func writeRatesTable(w *bufio.Writer, r *netstats.Rates, o *Options) {
	lang := catalog(o.Lang)
	if o.oneTCPSetNote() {
		w.WriteString(tcpNote(o.Lang) + "\n")
	}
	secs := strconv.FormatFloat(r.Interval.Seconds(), 'f', 2, 64)
	w.WriteString(i18n.T(lang, "stats.rates.interval", secs) + "\n")
	head := [4]string{i18n.T(lang, "stats.rates.counter"), i18n.T(lang, "stats.rates.delta"), i18n.T(lang, "stats.rates.persec"), i18n.T(lang, "stats.rates.label")}
	rows := [][4]string{head}
	for _, g := range r.Groups {
		for _, rt := range g.Rates {
			rows = append(rows, [4]string{g.Name + rt.Name, strconv.FormatInt(rt.Delta, 10),
				strconv.FormatFloat(rt.PerSecond, 'f', 1, 64), counterLabel(lang, g.Name, rt.Name)})
		}
	}
	var w0, w1, w2 int
	for _, row := range rows {
		w0, w1, w2 = max(w0, textwidth.String(row[0])), max(w1, textwidth.String(row[1])), max(w2, textwidth.String(row[2]))
	}
	for _, row := range rows {
		line := pad(row[0], w0+2) + strings.Repeat(" ", w1-textwidth.String(row[1])) + row[1] + "  " +
			strings.Repeat(" ", w2-textwidth.String(row[2])) + row[2]
		if row[3] != "" {
			line += "  " + row[3]
		}
		w.WriteString(line + "\n")
	}
}

// writeAligned prints rows as "  name  value" with the names padded to
// the longest and the values right-aligned.
func writeAligned(w *bufio.Writer, rows [][2]string) {
	nw, vw := 0, 0
	for _, r := range rows {
		nw = max(nw, textwidth.String(r[0]))
		vw = max(vw, len(r[1]))
	}
	for _, r := range rows {
		w.WriteString("  " + pad(r[0], nw+2) + strings.Repeat(" ", vw-len(r[1])) + r[1] + "\n")
	}
}
