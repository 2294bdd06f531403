package exporter

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/sockets"
)

// prometheusCounter is the value type of a counter.
const prometheusCounter = prometheus.CounterValue

// builder turns one reading into constant metrics.
type builder struct {
	e       *Exporter
	metrics []prometheus.Metric
}

// desc returns the descriptor of name with labels, made once per
// exporter (a descriptor hashes its name and labels when made).
func (b *builder) desc(name, help string, labels []string) *prometheus.Desc {
	if d := b.e.descs[name]; d != nil {
		return d
	}
	d := prometheus.NewDesc(name, help, labels, nil)
	b.e.descs[name] = d
	return d
}

func (b *builder) add(t prometheus.ValueType, name, help string, v float64, labels []string, values ...string) {
	m, err := prometheus.NewConstMetric(b.desc(name, help, labels), t, v, values...)
	if err != nil {
		// Only a label value that is not UTF-8 gets here (a program
		// name is the kernel's comm, bytes): publish it mended rather
		// than lose the series.
		for i := range values {
			values[i] = strings.ToValidUTF8(values[i], "\uFFFD")
		}
		if m, err = prometheus.NewConstMetric(b.desc(name, help, labels), t, v, values...); err != nil {
			return
		}
	}
	b.metrics = append(b.metrics, m)
}

func (b *builder) gauge(name, help string, v float64, labels []string, values ...string) {
	b.add(prometheus.GaugeValue, name, help, v, labels, values...)
}

// part publishes the duration and success of one part of the reading.
func (b *builder) part(collector string, start time.Time, ok bool) {
	b.gauge("sockscope_scrape_collector_duration_seconds", "How long each part of the reading took.",
		time.Since(start).Seconds(), []string{"collector"}, collector)
	v := 0.0
	if ok {
		v = 1
	}
	b.gauge("sockscope_scrape_collector_success", "Whether each part of the reading succeeded (1) or failed or ran out of time (0).",
		v, []string{"collector"}, collector)
}

// nsLabels returns the label names with netns and container appended
// when the exporter labels namespaces, and a function that appends their
// values.
func (b *builder) nsLabels(names ...string) ([]string, func(ns nsKey, values ...string) []string) {
	if b.e.cfg.Namespace == nil {
		return names, func(_ nsKey, values ...string) []string { return values }
	}
	names = append(names, "netns", "container")
	return names, func(ns nsKey, values ...string) []string {
		name, container := b.e.cfg.Namespace(ns)
		return append(values, name, container)
	}
}

// tcpStates are the states every TCP family always has a series for.
var tcpStates = []sockets.State{
	sockets.Established, sockets.SynSent, sockets.SynRecv, sockets.FinWait1, sockets.FinWait2,
	sockets.TimeWait, sockets.Close, sockets.CloseWait, sockets.LastAck, sockets.Listen, sockets.Closing,
}

// listenerStates are the states every listener always has a series for.
var listenerStates = []sockets.State{sockets.Established, sockets.SynRecv, sockets.CloseWait}

// sockets adds the metrics of one snapshot's counts.
func (b *builder) sockets(st *socketStats, owners bool) {
	labels, vals := b.nsLabels("protocol", "family", "state")
	const socketsHelp = "Sockets by protocol, address family and state (the kernel's state names; UNCONN for unconnected datagram sockets)."
	for _, ns := range st.nss {
		for _, fam := range []sockets.Family{sockets.Inet, sockets.Inet6} {
			for _, state := range tcpStates {
				if _, ok := st.states[stateKey{ns, sockets.TCP, fam, state}]; !ok {
					st.states[stateKey{ns, sockets.TCP, fam, state}] = 0
				}
			}
		}
	}
	for k, n := range st.states {
		b.gauge("sockscope_sockets", socketsHelp, float64(n), labels,
			vals(k.ns, k.proto.String(), k.family.String(), sockets.StateNameOf(k.proto, k.state))...)
	}

	lLabels, lVals := b.nsLabels("protocol", "address", "port")
	cLabels, cVals := b.nsLabels("protocol", "address", "port", "state")
	iLabels, iVals := b.nsLabels("protocol", "address", "port", "program")
	for _, l := range st.listeners {
		addr, port := l.labels()
		proto := l.key.proto.String()
		b.gauge("sockscope_listen_queue_length", "Connections a listening socket has completed that its program has not accepted yet.",
			float64(l.queue), lLabels, lVals(l.key.ns, proto, addr, port)...)
		b.gauge("sockscope_listen_queue_backlog", "The limit of a listening socket's accept queue (its listen backlog, capped by net.core.somaxconn).",
			float64(l.backlog), lLabels, lVals(l.key.ns, proto, addr, port)...)
		for state, n := range l.conns {
			s := sockets.State(state)
			if n == 0 && !isListenerState(s) {
				continue
			}
			b.gauge("sockscope_listener_connections", "Connections whose local end is a listener's address and port, by state.",
				float64(n), cLabels, cVals(l.key.ns, proto, addr, port, sockets.StateNameOf(l.key.proto, s))...)
		}
		if !l.other && owners {
			b.gauge("sockscope_listener_info", "The programs holding a listening socket (1).",
				1, iLabels, iVals(l.key.ns, proto, addr, port, strings.Join(l.programs, ","))...)
		}
	}

	if owners {
		pLabels, pVals := b.nsLabels("program", "protocol", "state")
		for _, p := range st.programs {
			tcp := false
			for k := range p.counts {
				if k.proto == sockets.TCP {
					tcp = true
				}
			}
			if tcp {
				if _, ok := p.counts[protoState{sockets.TCP, sockets.CloseWait}]; !ok {
					p.counts[protoState{sockets.TCP, sockets.CloseWait}] = 0
				}
			}
			for k, n := range p.counts {
				b.gauge("sockscope_process_sockets", "Sockets held by a program (the programs with the most sockets; the rest are program=\"other\"), by protocol and state.",
					float64(n), pLabels, pVals(p.key.ns, p.key.name, k.proto.String(), sockets.StateNameOf(k.proto, k.state))...)
			}
		}
	}

	eLabels, eVals := b.nsLabels("protocol")
	for k, n := range st.ephemeral {
		b.gauge("sockscope_ephemeral_ports_used", "Distinct local ports in the ephemeral range used by non-listening sockets.",
			float64(n), eLabels, eVals(k.ns, k.proto.String())...)
	}
}

func isListenerState(s sockets.State) bool {
	for _, l := range listenerStates {
		if l == s {
			return true
		}
	}
	return false
}

// counters adds the protocol counters, and sockstat's gauges.
func (b *builder) counters(ns nsKey, snap *netstats.Snapshot) {
	if snap == nil {
		return
	}
	labels, vals := b.nsLabels()
	values := vals(ns)
	var name strings.Builder
	for _, g := range snap.Groups {
		sockstat := g.File == "sockstat" || g.File == "sockstat6"
		for _, c := range g.Counters {
			name.Reset()
			if sockstat {
				name.WriteString("sockscope_sockstat_")
			} else {
				name.WriteString("sockscope_netstat_")
			}
			if !sockstat && b.e.cfg.Fields != nil && !b.e.cfg.Fields.MatchString(g.Name+"_"+c.Name) {
				continue
			}
			name.WriteString(snake(g.Name))
			name.WriteByte('_')
			name.WriteString(snake(c.Name))
			v := float64(c.Value)
			switch {
			case sockstat && c.Name == "mem":
				// TCP, UDP and UDPLITE memory is in pages.
				name.WriteString("_bytes")
				v *= float64(b.e.cfg.PageSize)
			case sockstat && c.Name == "memory":
				name.WriteString("_bytes") // FRAG memory is in bytes
			}
			switch {
			case sockstat:
				b.gauge(name.String(), "Socket counts of /proc/net/"+g.File+" ("+g.Name+" "+c.Name+").", v, labels, values...)
			case netstats.IsGauge(g.Name, c.Name):
				b.gauge(name.String(), "Kernel protocol value "+g.Name+" "+c.Name+" (a level, not a count).", v, labels, values...)
			default:
				name.WriteString("_total")
				b.add(prometheus.CounterValue, name.String(), "Kernel protocol counter "+g.Name+" "+c.Name+".", v, labels, values...)
			}
		}
	}
}

// snake spells a kernel counter or group name in snake case, as metric
// names are (promtool's lint): TcpExt is tcp_ext, TCPOFOQueue is
// tcp_ofo_queue, InCsumErrors in_csum_errors, inuse inuse. A byte that
// cannot be in a metric name becomes '_'.
func snake(s string) string {
	out := make([]byte, 0, len(s)+4)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 3 && s[:3] == "TCP" && isUpper(c) {
			// Most TcpExt names start with the acronym TCP, and some go
			// on with another (TCPOFOQueue): TCP is a word of its own.
			out = append(out, '_')
		} else if isUpper(c) && i > 0 {
			prev := s[i-1]
			// A word starts at an upper-case letter after a lower-case
			// letter or digit, and at the last capital of an acronym
			// followed by a lower-case letter (the Q of OFOQueue).
			if isLower(prev) || isDigit(prev) || isUpper(prev) && i+1 < len(s) && isLower(s[i+1]) {
				out = append(out, '_')
			}
		}
		switch {
		case isUpper(c):
			out = append(out, c+'a'-'A')
		case isLower(c) || isDigit(c) || c == '_':
			out = append(out, c)
		default:
			out = append(out, '_')
		}
	}
	return string(out)
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// limits adds the kernel's limits that are known.
func (b *builder) limits(l netstats.Limits) {
	if l.MaxOrphans > 0 {
		b.gauge("sockscope_tcp_max_orphans", "net.ipv4.tcp_max_orphans: how many TCP sockets no process holds the kernel keeps.", float64(l.MaxOrphans), nil)
	}
	if l.MaxTWBuckets > 0 {
		b.gauge("sockscope_tcp_max_tw_buckets", "net.ipv4.tcp_max_tw_buckets: how many TIME_WAIT sockets the kernel keeps.", float64(l.MaxTWBuckets), nil)
	}
	if l.TCPMem[2] > 0 {
		for i, level := range []string{"min", "pressure", "max"} {
			b.gauge("sockscope_tcp_mem_limit_bytes", "net.ipv4.tcp_mem, in bytes.", float64(l.TCPMem[i]), []string{"level"}, level)
		}
	}
	if l.Ephemeral.Known() {
		b.gauge("sockscope_ephemeral_port_range_size", "How many ports the ephemeral (local, dynamic) port range holds.", float64(l.Ephemeral.Size()), nil)
	}
}
