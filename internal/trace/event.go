package trace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/sockets"
)

// RawSize is the size of one event the BPF program writes.
const RawSize = 136

// Starts is how many slots the program has for the starts of connects
// in their handshake (some 40 bytes each): a start is kept from
// connect()'s change to SYN_SENT until the socket leaves SYN_SENT, when
// it goes with the event and the tracker keeps it while the connection
// lives. A socket's pair of slots is chosen by a hash of its address; a
// connect whose two slots other connects still waiting for an answer
// hold pushes the second one's out, which is counted (StartsLost): its
// connection has no owner or duration unless a snapshot knew it. With
// few connects waiting at once that is rare; a scan of unanswering hosts
// makes it common.
const Starts = 1 << startsLog

// startsLog is the log2 of Starts.
const startsLog = 15

// Raw is one state change as the BPF program reports it: the
// tracepoint's fields, with when it ran and the task it ran under.
type Raw struct {
	// Mono is the time, from CLOCK_MONOTONIC (bpf_ktime_get_ns).
	Mono uint64
	// Start is when connect() moved the socket to SYN_SENT, on the change
	// out of SYN_SENT (a connect, a fail, a simultaneous open), where the
	// program kept it; 0 on every other change (the tracker keeps a
	// connection's start from its connect or accept on), and where the
	// program did not keep it (a connect older than the trace, or one
	// pushed out of its slot). For a UDP socket's end: when the socket
	// was made, where the program saw it.
	Start uint64
	// PID and TID are the task that called connect() where Start is set;
	// where Start is 0, for a change to LISTEN the task the tracepoint
	// ran under (listen()'s caller), otherwise 0: at any other change
	// the task that runs is not the socket's owner (see the package
	// doc). For a UDP socket's end, the task that made it, else the one
	// closing it. Comm is the task's name.
	PID, TID uint32
	Comm     string
	// Sock is the kernel address of the socket: what ties the changes of
	// one connection together while it lives (for a UDP socket's end,
	// its socket cookie).
	Sock     uint64
	Old, New sockets.State
	Family   sockets.Family
	// Protocol is the IP protocol: 6 TCP (262 MPTCP is never sent), 17
	// UDP (the end of a UDP socket).
	Protocol      uint16
	Local, Remote netip.AddrPort
	// Sent and Received are the socket's data bytes sent (retransmissions
	// counted once) and received, neither the SYN nor a FIN (see
	// dataBytes), read at a change to CLOSE; both all ones (bytesUnknown)
	// there where the kernel's BTF did not give their place; 0 at other
	// changes.
	Sent, Received uint64
	// NetNS is the socket's network namespace (its inode number, as
	// /proc/PID/ns/net names it; 0 where the kernel's BTF did not place
	// it): what tells apart two listeners of one port in two containers.
	// 0 for a UDP socket's end.
	NetNS uint32
	// Err and ErrSoft are the socket's sk_err and sk_err_soft at a change
	// to CLOSE (errno numbers, 0 for none): why a connect failed or a
	// connection was reset. Both are errUnknown where the kernel's BTF
	// did not place them.
	Err, ErrSoft uint32
}

// Layout of an event (offsets in bytes): the BPF program's header, then
// the tracepoint's record from its skaddr on, as
// /sys/kernel/tracing/events/sock/inet_sock_set_state/format gives it.
const (
	offMono     = 0
	offPIDTGID  = 8
	offComm     = 16
	offRecord   = 32 // skaddr
	recordFirst = 8  // skaddr's offset in the tracepoint record
	recordSize  = 64 // skaddr .. daddr_v6
	offSent     = 96
	offReceived = 104
	offStart    = 112
	offErr      = 120
	offErrSoft  = 124
	offNetNS    = 128
)

// errUnknown is an event's Err and ErrSoft where the program could not
// read them; bytesUnknown its Sent and Received.
const (
	errUnknown   = ^uint32(0)
	bytesUnknown = ^uint64(0)
)

// ErrClosed is returned by Reader.Read once the Reader is closed.
var ErrClosed = errors.New("trace reader closed")

// ErrIdle is returned by Reader.Read when no event came for a while.
var ErrIdle = errors.New("no trace event")

// ErrShort is wrapped by DecodeRaw's error for an event shorter than
// RawSize.
var ErrShort = errors.New("short trace event")

// DecodeRaw decodes one event of the BPF program. Ports are in host
// order, addresses in network order, as the tracepoint records them.
func DecodeRaw(b []byte) (Raw, error) {
	var r Raw
	err := decodeRaw(&r, b, nil)
	return r, err
}

// decodeRaw is DecodeRaw into r, taking the task's name from intern
// where it is not nil (so that the names a reader sees again and again
// are not made again for each event).
func decodeRaw(r *Raw, b []byte, intern func([]byte) string) error {
	if len(b) < RawSize {
		*r = Raw{}
		return fmt.Errorf("%w: %w: %d bytes, want %d", errs.ErrMalformed, ErrShort, len(b), RawSize)
	}
	ne := binary.NativeEndian
	*r = Raw{
		Mono:     ne.Uint64(b[offMono:]),
		Sock:     ne.Uint64(b[offRecord:]),
		Sent:     ne.Uint64(b[offSent:]),
		Received: ne.Uint64(b[offReceived:]),
		Start:    ne.Uint64(b[offStart:]),
		Err:      ne.Uint32(b[offErr:]),
		ErrSoft:  ne.Uint32(b[offErrSoft:]),
		NetNS:    ne.Uint32(b[offNetNS:]),
	}
	pidTGID := ne.Uint64(b[offPIDTGID:])
	r.PID, r.TID = uint32(pidTGID>>32), uint32(pidTGID)
	comm := b[offComm : offComm+16]
	n := 0
	for n < len(comm) && comm[n] != 0 {
		n++
	}
	if intern != nil {
		r.Comm = intern(comm[:n])
	} else {
		r.Comm = string(comm[:n])
	}
	rec := b[offRecord:]
	old, nw := int32(ne.Uint32(rec[16-recordFirst:])), int32(ne.Uint32(rec[20-recordFirst:]))
	r.Old, r.New = state(old), state(nw)
	sport, dport := ne.Uint16(rec[24-recordFirst:]), ne.Uint16(rec[26-recordFirst:])
	family := ne.Uint16(rec[28-recordFirst:])
	r.Protocol = ne.Uint16(rec[30-recordFirst:])
	switch family {
	case 2: // AF_INET
		r.Family = sockets.Inet
		r.Local = netip.AddrPortFrom(netip.AddrFrom4([4]byte(rec[32-recordFirst:36-recordFirst])), sport)
		r.Remote = netip.AddrPortFrom(netip.AddrFrom4([4]byte(rec[36-recordFirst:40-recordFirst])), dport)
	case 10: // AF_INET6
		r.Family = sockets.Inet6
		r.Local = netip.AddrPortFrom(netip.AddrFrom16([16]byte(rec[40-recordFirst:56-recordFirst])), sport)
		r.Remote = netip.AddrPortFrom(netip.AddrFrom16([16]byte(rec[56-recordFirst:72-recordFirst])), dport)
	default:
		return fmt.Errorf("%w: trace event of address family %d", errs.ErrMalformed, family)
	}
	return nil
}

// state maps a kernel TCP state number to a State (0 if unknown).
func state(v int32) sockets.State {
	s := sockets.State(v)
	if v <= 0 || !s.Valid() {
		return 0
	}
	return s
}
