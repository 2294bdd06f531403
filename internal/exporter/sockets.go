package exporter

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/summary"
)

// nsKey is a namespace's inode (0 when the exporter does not label
// namespaces: every socket is then counted as of one).
type nsKey = uint64

// stateKey is one series of sockscope_sockets.
type stateKey struct {
	ns     nsKey
	proto  sockets.Proto
	family sockets.Family
	state  sockets.State
}

// listenKey identifies a listener: sockets listening on one address and
// port (several with SO_REUSEPORT) are one series.
type listenKey struct {
	ns    nsKey
	proto sockets.Proto
	addr  netip.Addr
	port  uint16
}

// listener is what the metrics say of one listenKey.
type listener struct {
	key            listenKey
	queue, backlog uint64
	programs       []string // of every socket listening there, sorted, distinct
	conns          [stateCount]int
	total          int  // connections, for ranking
	other          bool // the sum of the listeners beyond Config.Listeners
}

// programKey is one program in one namespace.
type programKey struct {
	ns   nsKey
	name string
}

// programCounts are one program's sockets by protocol and state.
type programCounts struct {
	key    programKey
	counts map[protoState]int
	total  int
}

type protoState struct {
	proto sockets.Proto
	state sockets.State
}

// stateCount bounds the State values (sockets.State is below it).
const stateCount = 16

// socketStats is what one snapshot's metrics are made of.
type socketStats struct {
	states    map[stateKey]int
	nss       []nsKey // every namespace seen, sorted
	listeners []*listener
	programs  []*programCounts
	// ephemeral counts the distinct local ports in the ephemeral range
	// used by non-listening sockets, per namespace and protocol.
	ephemeral map[protoNS]int
}

type protoNS struct {
	ns    nsKey
	proto sockets.Proto
}

// canonical folds the states the kernel reports under one name
// (request sockets are SYN_RECV, a bound inactive socket is CLOSE).
func canonical(st sockets.State) sockets.State {
	switch st {
	case sockets.NewSynRecv:
		return sockets.SynRecv
	case sockets.BoundInactive:
		return sockets.Close
	}
	return st
}

// statsOptions say how socketStats groups.
type statsOptions struct {
	byNS      bool
	top       int
	listeners int
	ephemeral summary.PortRange
}

// countSockets aggregates socks. It reads them only.
func countSockets(socks []sockets.Socket, o statsOptions) *socketStats {
	st := &socketStats{states: make(map[stateKey]int), ephemeral: make(map[protoNS]int)}
	nsSeen := make(map[nsKey]bool)
	lis := make(map[listenKey]*listener)
	programs := make(map[programKey]*programCounts)
	type portKey struct {
		pn   protoNS
		port uint16
	}
	ports := make(map[portKey]struct{})
	var names []string
	for i := range socks {
		s := &socks[i]
		ns := nsKey(0)
		if o.byNS {
			ns = s.NetNS
		}
		nsSeen[ns] = true
		state := canonical(s.State)
		st.states[stateKey{ns, s.Proto, s.Family, state}]++
		inet := s.Family == sockets.Inet || s.Family == sockets.Inet6
		if inet && (s.Proto == sockets.TCP || s.Proto == sockets.MPTCP) && state == sockets.Listen {
			k := listenKey{ns, s.Proto, s.Local.Addr().Unmap(), s.Local.Port()}
			l := lis[k]
			if l == nil {
				l = &listener{key: k}
				lis[k] = l
			}
			l.queue += uint64(s.RecvQ)
			l.backlog += uint64(s.SendQ)
			if len(s.Processes) > 0 {
				l.programs = appendNames(l.programs, s)
				slices.Sort(l.programs)
				l.programs = slices.Compact(l.programs)
			}
		} else if inet && state != sockets.Listen && o.ephemeral.Contains(s.Local.Port()) &&
			(s.Proto == sockets.TCP || s.Proto == sockets.UDP || s.Proto == sockets.MPTCP) {
			ports[portKey{protoNS{ns, s.Proto}, s.Local.Port()}] = struct{}{}
		}
		names = appendNames(names[:0], s)
		for _, name := range names {
			k := programKey{ns, name}
			p := programs[k]
			if p == nil {
				p = &programCounts{key: k, counts: make(map[protoState]int)}
				programs[k] = p
			}
			p.counts[protoState{s.Proto, state}]++
			p.total++
		}
	}
	for k := range ports {
		st.ephemeral[k.pn]++
	}
	// Connections belong to the listener on their local address and
	// port, or else to the one on the wildcard address of that port.
	if len(lis) > 0 {
		for i := range socks {
			s := &socks[i]
			state := canonical(s.State)
			if state == sockets.Listen || s.Proto != sockets.TCP && s.Proto != sockets.MPTCP ||
				s.Family != sockets.Inet && s.Family != sockets.Inet6 {
				continue
			}
			ns := nsKey(0)
			if o.byNS {
				ns = s.NetNS
			}
			addr := s.Local.Addr().Unmap()
			l := lis[listenKey{ns, s.Proto, addr, s.Local.Port()}]
			if l == nil {
				l = lis[listenKey{ns, s.Proto, unspecified(addr, false), s.Local.Port()}]
			}
			if l == nil && addr.Is4() {
				l = lis[listenKey{ns, s.Proto, unspecified(addr, true), s.Local.Port()}]
			}
			if l != nil {
				l.conns[state]++
				l.total++
			}
		}
	}
	for ns := range nsSeen {
		st.nss = append(st.nss, ns)
	}
	slices.Sort(st.nss)
	st.listeners = rankListeners(lis, o.listeners)
	st.programs = rankPrograms(programs, o.top)
	return st
}

// unspecified returns the wildcard address of addr's family, or the IPv6
// one (which takes IPv4 connections too unless IPV6_V6ONLY) if v6.
func unspecified(addr netip.Addr, v6 bool) netip.Addr {
	if addr.Is4() && !v6 {
		return netip.IPv4Unspecified()
	}
	return netip.IPv6Unspecified()
}

// appendNames appends the distinct program names of the socket's holders
// to dst, sorted.
func appendNames(dst []string, s *sockets.Socket) []string {
	start := len(dst)
	for _, p := range s.Processes {
		if p.Info == nil || p.Info.Name == "" {
			continue
		}
		if !slices.Contains(dst[start:], p.Info.Name) {
			dst = append(dst, p.Info.Name)
		}
	}
	slices.Sort(dst[start:])
	return dst
}

// rankListeners orders the listeners by namespace, protocol, address and
// port, keeping the max with the most connections (0: all) and summing
// the rest into one "other" listener per namespace and protocol.
func rankListeners(lis map[listenKey]*listener, max int) []*listener {
	all := make([]*listener, 0, len(lis))
	for _, l := range lis {
		all = append(all, l)
	}
	if max > 0 && len(all) > max {
		slices.SortFunc(all, func(a, b *listener) int {
			if c := cmp.Compare(b.total+int(b.queue), a.total+int(a.queue)); c != 0 {
				return c
			}
			return compareListen(a.key, b.key)
		})
		others := make(map[protoNS]*listener)
		for _, l := range all[max:] {
			pn := protoNS{l.key.ns, l.key.proto}
			o := others[pn]
			if o == nil {
				o = &listener{key: listenKey{ns: l.key.ns, proto: l.key.proto}, other: true}
				others[pn] = o
			}
			o.queue += l.queue
			o.backlog += l.backlog
			o.total += l.total
			for st, n := range l.conns {
				o.conns[st] += n
			}
		}
		all = all[:max]
		for _, o := range others {
			all = append(all, o)
		}
	}
	slices.SortFunc(all, func(a, b *listener) int {
		if a.other != b.other {
			if a.other {
				return 1
			}
			return -1
		}
		return compareListen(a.key, b.key)
	})
	return all
}

func compareListen(a, b listenKey) int {
	if c := cmp.Compare(a.ns, b.ns); c != 0 {
		return c
	}
	if c := cmp.Compare(a.proto, b.proto); c != 0 {
		return c
	}
	if c := a.addr.Compare(b.addr); c != 0 {
		return c
	}
	return cmp.Compare(a.port, b.port)
}

// rankPrograms keeps the top programs with the most sockets (ties by
// name) and sums the others, per namespace, into program "other".
func rankPrograms(programs map[programKey]*programCounts, top int) []*programCounts {
	all := make([]*programCounts, 0, len(programs))
	for _, p := range programs {
		all = append(all, p)
	}
	slices.SortFunc(all, func(a, b *programCounts) int {
		if c := cmp.Compare(b.total, a.total); c != 0 {
			return c
		}
		if c := cmp.Compare(a.key.ns, b.key.ns); c != 0 {
			return c
		}
		return strings.Compare(a.key.name, b.key.name)
	})
	if top > 0 && len(all) > top {
		others := make(map[nsKey]*programCounts)
		for _, p := range all[top:] {
			o := others[p.key.ns]
			if o == nil {
				o = &programCounts{key: programKey{p.key.ns, OtherProgram}, counts: make(map[protoState]int)}
				others[p.key.ns] = o
			}
			for k, n := range p.counts {
				o.counts[k] += n
			}
			o.total += p.total
		}
		all = all[:top]
		for _, o := range others {
			all = append(all, o)
		}
	}
	slices.SortFunc(all, func(a, b *programCounts) int {
		if c := cmp.Compare(a.key.ns, b.key.ns); c != 0 {
			return c
		}
		if (a.key.name == OtherProgram) != (b.key.name == OtherProgram) {
			if a.key.name == OtherProgram {
				return 1
			}
			return -1
		}
		return strings.Compare(a.key.name, b.key.name)
	})
	return all
}

// OtherProgram is the program label of the sockets of the programs
// outside the top ones.
const OtherProgram = "other"

// labels returns the address and port labels of a listener.
func (l *listener) labels() (addr, port string) {
	if l.other {
		return OtherProgram, OtherProgram
	}
	return l.key.addr.String(), strconv.Itoa(int(l.key.port))
}
