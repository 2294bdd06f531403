package doctor

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	"github.com/sockscope/sockscope/internal/sockets"
)

// Thresholds of the socket rules (docs/doctor.md gives each its source).
const (
	// A process holding closeWaitMin CLOSE_WAIT sockets that outlived the
	// window is leaking; closeWaitCritical of them, or closeWaitGrowth
	// more new ones besides, is critical (a leak that is growing).
	closeWaitMin      = 3
	closeWaitCritical = 100
	closeWaitGrowth   = 10
	// One destination using ephemeralWarn of the ephemeral range (and at
	// least ephemeralMin connections) is a warning, ephemeralCritical
	// critical: connect() fails with EADDRNOTAVAIL at 100%.
	ephemeralWarn     = 0.5
	ephemeralCritical = 0.8
	ephemeralMin      = 5
	// TIME_WAIT at timeWaitWarn of tcp_max_tw_buckets.
	timeWaitWarn = 0.8
	// A listener with synRecvMin half-open connections, or as many as its
	// backlog, is being flooded or answered slowly.
	synRecvMin = 100
)

// key identifies a socket across the two readings.
func key(s *sockets.Socket) uint64 {
	if s.Cookie != 0 {
		return s.Cookie
	}
	return s.Inode
}

// owner returns the first holder of s (the lowest PID the attribution
// found), nil if none.
func owner(s *sockets.Socket) *sockets.ProcessInfo {
	for _, p := range s.Processes {
		if p.Info != nil {
			return p.Info
		}
	}
	return nil
}

// procSubject names a process in a finding: "name (pid N)".
func procSubject(p *sockets.ProcessInfo) string {
	return p.Name + " (pid " + strconv.Itoa(int(p.PID)) + ")"
}

// isTCP reports whether s is a TCP (or MPTCP) socket of the inet families.
func isTCP(s *sockets.Socket) bool {
	return (s.Proto == sockets.TCP || s.Proto == sockets.MPTCP) && (s.Family == sockets.Inet || s.Family == sockets.Inet6)
}

type nsPID struct {
	ns  uint64
	pid int32
}

// closeWait names the processes that keep CLOSE_WAIT sockets: their peer
// closed and they did not (RFC 9293 3.6: the application must close).
func closeWait(in *Input) []Finding {
	before := make(map[uint64]bool)
	for i := range in.Before {
		s := &in.Before[i]
		if isTCP(s) && s.State == sockets.CloseWait {
			before[key(s)] = true
		}
	}
	type acc struct {
		p         *sockets.ProcessInfo
		ns        string
		socks     []*sockets.Socket
		persisted int
	}
	by := make(map[nsPID]*acc)
	for i := range in.After {
		s := &in.After[i]
		if !isTCP(s) || s.State != sockets.CloseWait {
			continue
		}
		p := owner(s)
		if p == nil {
			continue
		}
		k := nsPID{s.NetNS, p.PID}
		a := by[k]
		if a == nil {
			a = &acc{p: p, ns: in.ns(s)}
			by[k] = a
		}
		a.socks = append(a.socks, s)
		if before[key(s)] {
			a.persisted++
		}
	}
	var out []Finding
	for _, a := range by {
		n := len(a.socks)
		// The ones not there at the start came during the window.
		growth := n - a.persisted
		if a.persisted < closeWaitMin {
			// New ones alone may be closing right now: a busy server
			// shows a few CLOSE_WAIT at any instant.
			continue
		}
		sev := Warning
		if a.persisted >= closeWaitCritical || growth >= closeWaitGrowth {
			sev = Critical
		}
		out = append(out, Finding{
			Rule: RuleCloseWait, Severity: sev, Subject: procSubject(a.p), NetNS: a.ns,
			Facts: []Fact{
				{Key: "close_wait", Value: float64(n)},
				{Key: "persisted", Value: float64(a.persisted)},
				{Key: "new", Value: float64(growth)},
			},
			Processes: []*sockets.ProcessInfo{a.p},
			Sockets:   top(a.socks),
			Look: []string{
				fmt.Sprintf("sockscope list --state close-wait --pid %d", a.p.PID),
				"sockscope explain close-wait",
			},
		})
	}
	return out
}

// ephemeral names destinations whose connections use up the range of
// local ports the kernel picks from: connect() to them then fails with
// EADDRNOTAVAIL (each local port can be used once per destination).
func ephemeral(in *Input) []Finding {
	r := in.Limits.Ephemeral
	if !r.Known() {
		return nil
	}
	type dest struct {
		ns     uint64
		remote netip.AddrPort
	}
	type acc struct {
		socks    []*sockets.Socket
		timeWait int
		ns       string
	}
	by := make(map[dest]*acc)
	for i := range in.After {
		s := &in.After[i]
		if !isTCP(s) || s.State == sockets.Listen || !r.Contains(s.Local.Port()) || !s.Remote.Addr().IsValid() || s.Remote.Port() == 0 {
			continue
		}
		d := dest{s.NetNS, netip.AddrPortFrom(s.Remote.Addr().Unmap(), s.Remote.Port())}
		a := by[d]
		if a == nil {
			a = &acc{ns: in.ns(s)}
			by[d] = a
		}
		if s.State == sockets.TimeWait {
			if in.twReusable(d.remote.Addr()) {
				// connect() takes this port again (tcp_tw_reuse).
				continue
			}
			a.timeWait++
		}
		a.socks = append(a.socks, s)
	}
	size := float64(r.Size())
	var out []Finding
	for d, a := range by {
		n := float64(len(a.socks))
		if len(a.socks) < ephemeralMin || n < ephemeralWarn*size {
			continue
		}
		sev := Warning
		if n >= ephemeralCritical*size {
			sev = Critical
		}
		f := Finding{
			Rule: RuleEphemeral, Severity: sev, Subject: d.remote.String(), NetNS: a.ns,
			Facts: []Fact{
				{Key: "connections", Value: n, Of: size},
				{Key: "time_wait", Value: float64(a.timeWait)},
				{Key: "port_range_low", Value: float64(r.Low)},
				{Key: "port_range_high", Value: float64(r.High)},
			},
			Processes: owners(a.socks),
			Sockets:   top(a.socks),
			Look: []string{
				fmt.Sprintf("sockscope list -tan 'dst %s'", d.remote),
				"sockscope summary",
			},
		}
		if v, ok := in.delta("Tcp", "AttemptFails"); ok && v > 0 {
			f.Facts = append(f.Facts, Fact{Key: "attempt_fails", Value: v})
		}
		out = append(out, f)
	}
	return out
}

// twReusable reports whether connect() reuses the local port of a
// TIME_WAIT socket to remote: net.ipv4.tcp_tw_reuse 1 does for every
// destination, 2 (the default) for loopback ones.
func (in *Input) twReusable(remote netip.Addr) bool {
	switch in.Limits.TWReuse {
	case 1:
		return true
	case 2:
		return remote.IsLoopback()
	}
	return false
}

// owners returns the distinct owners of socks, those holding the most
// first.
func owners(socks []*sockets.Socket) []*sockets.ProcessInfo {
	count := make(map[*sockets.ProcessInfo]int)
	var ps []*sockets.ProcessInfo
	for _, s := range socks {
		if p := owner(s); p != nil {
			if count[p] == 0 {
				ps = append(ps, p)
			}
			count[p]++
		}
	}
	slices.SortStableFunc(ps, func(a, b *sockets.ProcessInfo) int {
		if c := cmp.Compare(count[b], count[a]); c != 0 {
			return c
		}
		return cmp.Compare(a.PID, b.PID)
	})
	if len(ps) > maxSockets {
		ps = ps[:maxSockets]
	}
	return ps
}

// timeWait compares TIME_WAIT with tcp_max_tw_buckets, beyond which the
// kernel destroys TIME_WAIT sockets early (ip-sysctl.rst) and counts
// TCPTimeWaitOverflow.
func timeWait(in *Input) []Finding {
	tw, ok := in.now("TCP", "tw")
	if !ok {
		for i := range in.After {
			if isTCP(&in.After[i]) && in.After[i].State == sockets.TimeWait {
				tw++
			}
		}
	}
	limit := float64(in.Limits.MaxTWBuckets)
	overflow, _ := in.delta("TcpExt", "TCPTimeWaitOverflow")
	switch {
	case overflow > 0:
	case limit > 0 && tw >= timeWaitWarn*limit:
	default:
		return nil
	}
	sev := Warning
	if overflow > 0 {
		sev = Critical
	}
	return []Finding{{
		Rule: RuleTimeWait, Severity: sev, Subject: "TIME_WAIT",
		Facts: []Fact{{Key: "time_wait", Value: tw, Of: limit}, {Key: "tw_overflow", Value: overflow}},
		Look:  []string{"sockscope summary", "sockscope explain time-wait"},
	}}
}

// listenQueues finds listeners whose accept queue is full (the program
// does not accept fast enough: new connections are dropped, counted by
// ListenOverflows), SYN_RECV piling on a listener (a SYN flood, or
// handshakes that do not complete), and the drops the counters show.
func listenQueues(in *Input) []Finding {
	overflows, _ := in.delta("TcpExt", "ListenOverflows")
	drops, _ := in.delta("TcpExt", "ListenDrops")
	reqDrop, _ := in.delta("TcpExt", "TCPReqQFullDrop")
	cookies, _ := in.delta("TcpExt", "TCPReqQFullDoCookies")
	type lkey struct {
		ns   uint64
		port uint16
	}
	listeners := make(map[lkey]*sockets.Socket)
	var out []Finding
	full := 0
	for i := range in.After {
		s := &in.After[i]
		if !isTCP(s) || s.State != sockets.Listen {
			continue
		}
		listeners[lkey{s.NetNS, s.Local.Port()}] = s
		// The kernel's sk_acceptq_is_full: more waiting than the
		// backlog (a backlog of 0 still queues one connection).
		if s.RecvQ <= s.SendQ {
			continue
		}
		full++
		sev := Warning
		if overflows > 0 || drops > 0 {
			sev = Critical
		}
		f := Finding{
			Rule: RuleAcceptQueue, Severity: sev, Subject: s.Local.String(), NetNS: in.ns(s),
			Facts: []Fact{
				{Key: "accept_queue", Value: float64(s.RecvQ), Of: float64(s.SendQ)},
				{Key: "listen_overflows", Value: overflows},
			},
			Sockets: []*sockets.Socket{s},
			Look:    []string{fmt.Sprintf("sockscope list -tlnp 'sport = :%d'", s.Local.Port()), "sockscope explain ListenOverflows"},
		}
		if p := owner(s); p != nil {
			f.Processes = []*sockets.ProcessInfo{p}
			f.Subject += " " + procSubject(p)
		}
		out = append(out, f)
	}
	if full == 0 && (overflows > 0 || drops > 0) {
		out = append(out, Finding{
			Rule: RuleListenDrops, Severity: Warning, Subject: "TcpExt",
			Facts: []Fact{{Key: "listen_overflows", Value: overflows}, {Key: "listen_drops", Value: drops}},
			Look:  []string{"sockscope list -tlnp", "sockscope explain ListenDrops"},
		})
	}
	// Half-open connections by listener.
	half := make(map[lkey][]*sockets.Socket)
	for i := range in.After {
		s := &in.After[i]
		if isTCP(s) && (s.State == sockets.SynRecv || s.State == sockets.NewSynRecv) {
			k := lkey{s.NetNS, s.Local.Port()}
			half[k] = append(half[k], s)
		}
	}
	for k, socks := range half {
		l := listeners[k]
		n := len(socks)
		if n < synRecvMin && (l == nil || l.SendQ == 0 || uint32(n) < l.SendQ || n < ephemeralMin) {
			continue
		}
		f := Finding{
			Rule: RuleSynRecv, Severity: Warning, Subject: ":" + strconv.Itoa(int(k.port)), NetNS: in.ns(socks[0]),
			Facts: []Fact{
				{Key: "syn_recv", Value: float64(n)},
				{Key: "reqq_full_drop", Value: reqDrop},
				{Key: "reqq_full_cookies", Value: cookies},
				{Key: "syncookies", Value: float64(in.Limits.SynCookies)},
			},
			Sockets: top(socks),
			Look:    []string{fmt.Sprintf("sockscope list -tn state syn-recv 'sport = :%d'", k.port), "sockscope explain syn-recv"},
		}
		if l != nil {
			if p := owner(l); p != nil {
				f.Processes = []*sockets.ProcessInfo{p}
			}
		}
		if reqDrop > 0 {
			f.Severity = Critical
		}
		out = append(out, f)
	}
	if len(half) == 0 && reqDrop > 0 {
		out = append(out, Finding{
			Rule: RuleSynRecv, Severity: Warning, Subject: "TcpExt",
			Facts: []Fact{{Key: "reqq_full_drop", Value: reqDrop}, {Key: "reqq_full_cookies", Value: cookies}, {Key: "syncookies", Value: float64(in.Limits.SynCookies)}},
			Look:  []string{"sockscope explain syn-recv"},
		})
	}
	return out
}

// synSent names destinations that connections wait on in SYN_SENT for
// the whole window: the peer does not answer (filtered, or unreachable
// without an ICMP error).
func synSent(in *Input) []Finding {
	before := make(map[uint64]bool)
	for i := range in.Before {
		s := &in.Before[i]
		if isTCP(s) && s.State == sockets.SynSent {
			before[key(s)] = true
		}
	}
	type dest struct {
		ns     uint64
		remote netip.AddrPort
	}
	by := make(map[dest][]*sockets.Socket)
	for i := range in.After {
		s := &in.After[i]
		if isTCP(s) && s.State == sockets.SynSent && before[key(s)] {
			d := dest{s.NetNS, netip.AddrPortFrom(s.Remote.Addr().Unmap(), s.Remote.Port())}
			by[d] = append(by[d], s)
		}
	}
	var out []Finding
	for d, socks := range by {
		out = append(out, Finding{
			Rule: RuleSynSent, Severity: Warning, Subject: d.remote.String(), NetNS: in.ns(socks[0]),
			Facts:     []Fact{{Key: "syn_sent_stuck", Value: float64(len(socks))}, {Key: "window_seconds", Value: in.Window.Seconds()}},
			Processes: owners(socks),
			Sockets:   top(socks),
			Look:      []string{fmt.Sprintf("sockscope list -tanp state syn-sent 'dst %s'", d.remote), "sockscope explain syn-sent"},
		})
	}
	return out
}
