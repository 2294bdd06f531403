package sockets

import (
	"context"
	"net/netip"
	"sync"
)

// Proto is the transport protocol of a socket.
type Proto uint8

// The protocols a Source can report. The zero value is not a protocol.
const (
	TCP Proto = iota + 1
	UDP
	UDPLite
	MPTCP
	Raw
	Unix
)

var protoNames = [...]string{TCP: "tcp", UDP: "udp", UDPLite: "udplite", MPTCP: "mptcp", Raw: "raw", Unix: "unix"}

// String returns the lower-case name used in JSON ("tcp", "udp", "udplite",
// "mptcp", "raw", "unix"), or "proto(N)" for an unknown value.
func (p Proto) String() string {
	if int(p) < len(protoNames) && protoNames[p] != "" {
		return protoNames[p]
	}
	return "proto(" + itoa(uint64(p)) + ")"
}

// ProtoSet is a set of protocols, one bit per Proto.
type ProtoSet uint16

// AllProtos holds every protocol.
const AllProtos = ProtoSet(1<<TCP | 1<<UDP | 1<<UDPLite | 1<<MPTCP | 1<<Raw | 1<<Unix)

// Has reports whether p is in the set.
func (s ProtoSet) Has(p Proto) bool { return s&(1<<p) != 0 }

// With returns the set with p added.
func (s ProtoSet) With(p Proto) ProtoSet { return s | 1<<p }

// Family is the address family of a socket.
type Family uint8

// Address families.
const (
	Inet Family = iota + 1
	Inet6
	Local // AF_UNIX
)

// String returns "inet", "inet6" or "unix".
func (f Family) String() string {
	switch f {
	case Inet:
		return "inet"
	case Inet6:
		return "inet6"
	case Local:
		return "unix"
	}
	return "family(" + itoa(uint64(f)) + ")"
}

// SockType is the socket type of a unix socket (SOCK_STREAM, ...); its
// values are the kernel's.
type SockType uint8

// Unix socket types, numbered as in <linux/net.h>.
const (
	Stream    SockType = 1
	Dgram     SockType = 2
	RawType   SockType = 3
	SeqPacket SockType = 5
)

// String returns "stream", "dgram", "raw", "seqpacket", or "" for zero.
func (t SockType) String() string {
	switch t {
	case 0:
		return ""
	case Stream:
		return "stream"
	case Dgram:
		return "dgram"
	case RawType:
		return "raw"
	case SeqPacket:
		return "seqpacket"
	}
	return "type(" + itoa(uint64(t)) + ")"
}

// NoUID is the UID of a socket whose creator the source cannot tell; it is
// the kernel's invalid uid ((uid_t)-1).
const NoUID = ^uint32(0)

// A Socket is one socket as the kernel reports it, and, once attributed,
// every process that holds it.
type Socket struct {
	Proto  Proto
	Family Family
	Type   SockType // unix sockets only
	State  State

	// Timer is the kernel's pending timer of an inet socket, where the
	// source reports it (Linux); its Kind is NoTimerData elsewhere. It
	// and Zone sit here, before the endpoints, to fill what would
	// otherwise be padding: a Socket stays 200 bytes on 64-bit systems
	// (192 before the Internals pointer).
	Timer Timer
	// Zone is the interface index a socket is bound to (SO_BINDTODEVICE or
	// a scoped address), 0 if none.
	Zone uint32

	// Local and Remote are the endpoints of inet sockets. For raw sockets
	// the port is the IP protocol number, as the kernel reports it. The
	// remote of a listening or unconnected socket is the unspecified
	// address with port 0.
	Local, Remote netip.AddrPort

	// Path is the address of a unix socket: a file path, or an abstract
	// name starting with "@". PeerPath is the peer's address where known.
	Path, PeerPath string
	// Peer is the inode of a unix socket's peer, 0 if none.
	Peer uint64

	RecvQ, SendQ uint32
	Inode        uint64
	// UID is the user that created the socket, or NoUID where the source
	// cannot tell (unix sockets read from /proc/net/unix).
	UID uint32
	// Cookie is the kernel's socket cookie where the source has it.
	Cookie uint64
	// NetNS is the inode of the network namespace the socket lives in.
	NetNS uint64
	// Created is when the socket was created, in nanoseconds since the
	// Unix epoch, where the source reports it (Windows' liCreateTimestamp);
	// 0 where it does not (Linux keeps no such time).
	Created int64

	// Processes lists every process that holds the socket, by PID. It is
	// empty for sockets no process holds (TIME_WAIT, orphans, request
	// sockets) and before attribution.
	Processes []Process

	// Internals is what the kernel knows inside the socket (tcp_info,
	// congestion control, memory, ...), where the Filter asked for it
	// (Filter.Internals) and the source reported any; nil otherwise.
	Internals *Internals
}

// StateName returns the kernel spelling of the socket's state for its
// protocol (see StateNameOf).
func (s *Socket) StateName() string { return StateNameOf(s.Proto, s.State) }

// StateNameOf returns the kernel spelling of state st for protocol p: TCP
// states as in State.String; unconnected datagram, raw and unix sockets
// are "UNCONN".
func StateNameOf(p Proto, st State) string {
	if p != TCP && p != MPTCP {
		switch st {
		case Close:
			return "UNCONN"
		case Established:
			return "ESTABLISHED"
		}
	}
	return st.String()
}

// A Process is one holder of a socket: the process, shared by every
// socket it holds, and the fd through which it holds this one.
//
// Info is never nil in a Process a Source or attribution produces; a
// Process with a nil Info is invalid, and code that may meet one checks
// p.Info != nil first; renderers treat it as absent.
type Process struct {
	// Info is what is known of the process; nil makes the Process
	// invalid (renderers leave it out). It is a named field, not an
	// embedded one, so that a nil Info is a visible check, never a panic
	// on a promoted field.
	Info *ProcessInfo
	FD   int32 // the lowest fd number the process holds the socket on
}

// ProcessInfo describes a process. Every socket a process holds points to
// the same ProcessInfo; treat it as read-only.
type ProcessInfo struct {
	PID        int32
	PPID       int32
	Name       string // comm
	Exe        string // resolved /proc/PID/exe, without " (deleted)"
	ExeDeleted bool
	Cmdline    []string
	UID        uint32
	User       string
	Cgroup     string
	Unit       string // systemd unit, from the cgroup
	Container  string // container id, from the cgroup
	// MoreFDs are, by socket inode, the fds beyond Process.FD (the
	// lowest) on which the process holds that socket (a dup, an
	// inherited copy kept open), ascending; nil for the many processes
	// that hold each socket once. ss lists every fd.
	MoreFDs map[uint64][]int32
}

// Filter selects sockets. The zero Filter selects nothing; use All or set
// fields. Sources push what they can into the kernel and apply the rest
// themselves, so every Source returns exactly the sockets that match.
type Filter struct {
	Protos ProtoSet
	// Families limits inet sockets to IPv4 (Inet) or IPv6 (Inet6); zero
	// means both. Unix sockets are selected by Protos alone.
	Families FamilySet
	// States is the set of states to report; zero means all.
	States StateSet
	// Bytecode is inet_diag bytecode (INET_DIAG_REQ_BYTECODE, as
	// filter.Plan compiles it) that the netlink source attaches to its
	// inet dumps, so that the kernel drops what it rejects; "" sends
	// none. It is a string of bytes, not a []byte, so that a Filter
	// stays comparable. Other sources, unix dumps and Match ignore it:
	// the caller applies the same condition in user space
	// (filter.Plan.AfterDump). Bytecode the kernel refuses fails the
	// dump with the kernel's error (EINVAL), never a silent unfiltered
	// dump.
	Bytecode string
	// Internals says which of a socket's internals (Socket.Internals)
	// to ask the kernel for; zero asks for none, and the dump allocates
	// nothing beyond the Socket itself.
	Internals InternalsMask
}

// FamilySet is a set of address families, one bit per Family.
type FamilySet uint8

// Has reports whether f is in the set; the empty set holds every family.
func (s FamilySet) Has(f Family) bool { return s == 0 || s&(1<<f) != 0 }

// With returns the set with f added.
func (s FamilySet) With(f Family) FamilySet { return s | 1<<f }

// All selects every socket of every protocol.
var All = Filter{Protos: AllProtos}

// Match reports whether s passes the filter's protocols, families and
// states; it ignores Bytecode.
func (f Filter) Match(s *Socket) bool {
	if !f.Protos.Has(s.Proto) {
		return false
	}
	if s.Family != Local && !f.Families.Has(s.Family) {
		return false
	}
	return f.States == 0 || f.States.Has(s.State)
}

// A Source reports the sockets currently open on this machine.
type Source interface {
	// Snapshot appends the sockets matching f to dst and returns the
	// extended slice. If some protocols could be read and others not, it
	// returns what it read together with a *PartialError.
	Snapshot(ctx context.Context, f Filter, dst []Socket) ([]Socket, error)
}

// A Sink takes the sockets a Streamer reads, in batches. A listing comes
// in parts (one per kernel dump): batches of one part come in order and
// from one goroutine at a time; batches of different parts may come
// concurrently. The listing's order is that of the parts, then of the
// batches within each.
type Sink interface {
	// Add takes a batch of part. The batch is the Streamer's until Add
	// returns: a Sink that keeps the sockets copies them.
	Add(part int, batch []Socket)
	// Drop forgets every batch of part: its dump failed midway, and what
	// it gave is not a listing of anything.
	Drop(part int)
}

// A Streamer is a Source that can hand over the sockets as it reads them
// rather than holding them all, so that a consumer that keeps them in a
// smaller form (Packed) never holds the whole listing as Sockets.
type Streamer interface {
	Source
	// Stream gives sink the sockets matching f, as Snapshot would
	// append them, with the same errors.
	Stream(ctx context.Context, f Filter, sink Sink) error
}

// SliceSink is a Sink that appends to a slice, part by part: the
// adapter of a Source that cannot stream to a consumer of a Streamer, and
// a reference for tests.
type SliceSink struct {
	mu    sync.Mutex
	parts [][]Socket
}

// Add appends a copy of batch to part.
func (s *SliceSink) Add(part int, batch []Socket) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.parts) <= part {
		s.parts = append(s.parts, nil)
	}
	s.parts[part] = append(s.parts[part], batch...)
}

// Drop forgets part.
func (s *SliceSink) Drop(part int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if part < len(s.parts) {
		s.parts[part] = nil
	}
}

// Sockets returns every socket added, in the order of parts.
func (s *SliceSink) Sockets() []Socket {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Socket
	for _, p := range s.parts {
		out = append(out, p...)
	}
	return out
}

// Feed gives sink the sockets of src matching f: src's own Stream if
// it is a Streamer, else one batch of its Snapshot.
func Feed(ctx context.Context, src Source, f Filter, sink Sink) error {
	if st, ok := src.(Streamer); ok {
		return st.Stream(ctx, f, sink)
	}
	socks, err := src.Snapshot(ctx, f, nil)
	if len(socks) > 0 {
		sink.Add(0, socks)
	}
	return err
}

func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}
