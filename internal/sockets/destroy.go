package sockets

// Closing sockets from outside the process that holds them: the portable
// Destroyer, its typed errors, and the pure encoders and decoders of the
// requests (Linux's SOCK_DESTROY, Windows' MIB_TCPROW), which carry no
// build tags so that each OS's are tested on the other.
//
// Layouts: struct inet_diag_req_v2 of include/uapi/linux/inet_diag.h
// (https://github.com/torvalds/linux/blob/v6.6/include/uapi/linux/inet_diag.h)
// and MIB_TCPROW of tcpmib.h
// (https://learn.microsoft.com/en-us/windows/win32/api/tcpmib/ns-tcpmib-mib_tcprow_lh).

import (
	"context"
	"encoding/binary"
	"errors"
	"net/netip"
	"runtime"

	"github.com/sockscope/sockscope/internal/netlink"
)

// A Destroyer closes sockets that other processes hold: through
// SOCK_DESTROY on Linux, SetTcpEntry on Windows. It is for one goroutine
// at a time.
type Destroyer interface {
	// Destroy closes s, a socket a Source reported (its protocol,
	// family, endpoints, interface and cookie say which). It returns nil
	// once the kernel closed it, and a *DestroyError saying why not
	// otherwise, or ctx.Err() if ctx ends first.
	Destroy(ctx context.Context, s *Socket) error
	// Close releases what the Destroyer holds.
	Close() error
}

// NewDestroyer returns the system's Destroyer. On Linux it talks to the
// network namespace of the calling thread: a caller that entered another
// namespace on a locked thread (netns.Do) closes sockets there. It returns
// an error matching ErrUnsupported on systems that cannot close sockets.
func NewDestroyer() (Destroyer, error) { return newDestroyer() }

// DestroyReason is why a socket was not closed, in terms a user acts on.
type DestroyReason uint8

// Reasons a Destroy fails.
const (
	// DestroyRefused is a refusal the other reasons do not cover; the
	// error's Err says what the system answered.
	DestroyRefused DestroyReason = iota
	// DestroyGone: the socket no longer exists (it closed between the
	// listing and the request: ENOENT).
	DestroyGone
	// DestroyNoKernelSupport: the Linux kernel was built without
	// CONFIG_INET_DIAG_DESTROY (EOPNOTSUPP for every protocol).
	DestroyNoKernelSupport
	// DestroyProtocol: the system cannot close sockets of this protocol
	// (unix sockets; MPTCP; raw sockets without raw_diag; on Windows
	// anything but IPv4 TCP).
	DestroyProtocol
	// DestroyPermission: closing needs a privilege the process lacks
	// (CAP_NET_ADMIN on Linux, Administrator on Windows).
	DestroyPermission
	// DestroyWine: under Wine, SetTcpEntry failed, or answered success
	// and left the connection open (Wine does not implement closing
	// connections).
	DestroyWine
	// DestroyMPTCPListener: the socket is the TCP side of an MPTCP
	// listener, which the kernel refuses to close (EINVAL). Go programs
	// listen with MPTCP by default where the kernel has it.
	DestroyMPTCPListener
)

// String returns the reason's name as the JSON output spells it:
// "refused", "gone", "no-kernel-support", "protocol", "permission",
// "wine", "mptcp-listener".
func (r DestroyReason) String() string {
	switch r {
	case DestroyGone:
		return "gone"
	case DestroyNoKernelSupport:
		return "no-kernel-support"
	case DestroyProtocol:
		return "protocol"
	case DestroyPermission:
		return "permission"
	case DestroyWine:
		return "wine"
	case DestroyMPTCPListener:
		return "mptcp-listener"
	}
	return "refused"
}

// DestroyError reports a socket that Destroy did not close. errors.Is
// matches its Err (unix.ENOENT, unix.EOPNOTSUPP, unix.EPERM, a Windows
// error code).
type DestroyError struct {
	// Op is the request that failed: "SOCK_DESTROY", "SetTcpEntry".
	Op string
	// Reason is why, for a user; Proto and Family name the socket's
	// kind in the message.
	Reason DestroyReason
	Proto  Proto
	Family Family
	// Err is what the system answered.
	Err error
}

// Error says why the socket was not closed, then what the system
// answered.
func (e *DestroyError) Error() string {
	s := e.Why()
	if e.Err != nil {
		s += " (" + e.Op + ": " + e.Err.Error() + ")"
	}
	return s
}

// Why is the reason of Error alone, in English, without the system's
// answer.
func (e *DestroyError) Why() string {
	kind := e.Proto.String()
	if e.Family == Inet6 && e.Proto != Unix {
		kind += "6"
	}
	switch e.Reason {
	case DestroyGone:
		return "the socket is gone already"
	case DestroyNoKernelSupport:
		return "this kernel cannot close sockets: it was built without CONFIG_INET_DIAG_DESTROY"
	case DestroyProtocol:
		switch {
		case e.Op == opSetTcpEntry:
			return "Windows can close only IPv4 TCP connections (SetTcpEntry), not " + kind + " sockets"
		case e.Proto == Unix:
			return "unix sockets cannot be closed from outside their process (the kernel has no SOCK_DESTROY for them)"
		case e.Proto == Raw:
			return "the kernel cannot close raw sockets (it has no raw socket diagnostics, CONFIG_INET_RAW_DIAG), or the socket is gone"
		}
		return "the kernel cannot close " + kind + " sockets"
	case DestroyPermission:
		if e.Op == opSetTcpEntry {
			return "closing a connection needs Administrator rights (run from an elevated prompt)"
		}
		return "closing a socket needs CAP_NET_ADMIN in its network namespace (run as root)"
	case DestroyWine:
		return "Wine did not close the connection (its SetTcpEntry does not implement closing)"
	case DestroyMPTCPListener:
		return "the kernel does not close a listening socket of MPTCP (Go programs listen with MPTCP by default): stop the program, or close its connections"
	}
	return "the system refused to close the socket"
}

// Unwrap returns Err.
func (e *DestroyError) Unwrap() error { return e.Err }

// Op names of DestroyError.
const (
	opSockDestroy = "SOCK_DESTROY"
	opSetTcpEntry = "SetTcpEntry"
)

// unsupportedError is what NewDestroyer returns where nothing can close
// sockets.
type unsupportedError struct{ what string }

func (e unsupportedError) Error() string {
	return e.what + " is not supported on " + runtime.GOOS + " yet"
}

// Is makes errors.Is(err, ErrUnsupported) true.
func (e unsupportedError) Is(target error) bool { return target == ErrUnsupported }

// sockDestroy is SOCK_DESTROY (include/uapi/linux/sock_diag.h), the
// message type that asks the kernel to close one socket.
const sockDestroy = 21

// inetDiagNoCookie is INET_DIAG_NOCOOKIE, the cookie half that matches
// any socket.
const inetDiagNoCookie = ^uint32(0)

// errNotInet is appendDestroyRequest's error for a socket that is not an
// inet socket (unix, or an unknown family).
var errNotInet = errors.New("not an inet socket")

// appendDestroyRequest appends a SOCK_DESTROY request for s: struct
// nlmsghdr (NLM_F_REQUEST|NLM_F_ACK) and struct inet_diag_req_v2 whose id
// is the socket's as the kernel reported it (the kernel looks it up by
// family, protocol, both endpoints and the interface, then checks the
// cookie), plus INET_DIAG_REQ_PROTOCOL for MPTCP. A socket without a
// cookie (Cookie 0: a source that has none, as /proc/net) is sent with
// INET_DIAG_NOCOOKIE, which matches whatever holds its endpoints. Raw
// sockets name their protocol (their Local port) in sdiag_raw_protocol.
// It returns b unchanged and errNotInet for a socket that is not inet.
func appendDestroyRequest(b []byte, seq uint32, s *Socket) ([]byte, error) {
	proto := ipProtocol(s.Proto)
	if proto == 0 || (s.Family != Inet && s.Family != Inet6) {
		return b, errNotInet
	}
	start := len(b)
	b = netlink.AppendHeader(b, netlink.Header{
		Len:   uint32(netlink.HeaderLen + inetDiagReqV2Len),
		Type:  sockDestroy,
		Flags: netlink.FlagRequest | netlink.FlagAck,
		Seq:   seq,
	})
	var req [inetDiagReqV2Len]byte
	req[0] = afInet
	if s.Family == Inet6 {
		req[0] = afInet6
	}
	req[1] = byte(proto) // MPTCP's 262 does not fit: the attribute below carries it
	if s.Proto == Raw {
		req[3] = byte(s.Local.Port())
	}
	// idiag_states (4:8) stays 0: an exact lookup ignores it.
	id := req[8:]
	be, ne := binary.BigEndian, binary.NativeEndian
	be.PutUint16(id[0:2], s.Local.Port())
	be.PutUint16(id[2:4], s.Remote.Port())
	putDiagAddr(id[4:20], s.Family, s.Local.Addr())
	putDiagAddr(id[20:36], s.Family, s.Remote.Addr())
	ne.PutUint32(id[36:40], s.Zone)
	if s.Cookie == 0 {
		ne.PutUint32(id[40:44], inetDiagNoCookie)
		ne.PutUint32(id[44:48], inetDiagNoCookie)
	} else {
		ne.PutUint32(id[40:44], uint32(s.Cookie))
		ne.PutUint32(id[44:48], uint32(s.Cookie>>32))
	}
	b = append(b, req[:]...)
	if proto > 0xff {
		b = netlink.AppendAttrUint32(b, inetDiagReqProtocol, proto)
		netlink.SetLen(b[start:])
	}
	return b, nil
}

// putDiagAddr writes a into dst, an idiag_src or idiag_dst: four bytes
// for an IPv4 socket, sixteen for IPv6 (a mapped address stays mapped),
// zeros for an invalid address.
func putDiagAddr(dst []byte, fam Family, a netip.Addr) {
	switch {
	case !a.IsValid():
	case fam == Inet:
		a4 := a.Unmap().As4()
		copy(dst, a4[:])
	default:
		a16 := a.As16()
		copy(dst, a16[:])
	}
}

// decodeDestroyReply decodes the kernel's answer to the SOCK_DESTROY
// request seq sent from port pid (0 skips a check): nil for an
// acknowledgement (the socket was closed), the kernel's *netlink.Error
// for a refusal, and an error wrapping errs.ErrMalformed for anything
// else, a reply with no answer included.
func decodeDestroyReply(b []byte, seq, pid uint32) error {
	d := netlink.NewDump(b, seq, pid)
	for d.Next() {
		// A request with NLM_F_ACK is answered by NLMSG_ERROR alone;
		// anything else before it is not ours to read.
	}
	if err := d.Err(); err != nil {
		return err
	}
	if d.Done() {
		return nil
	}
	return parseErrorf("SOCK_DESTROY reply without an acknowledgement (%d bytes)", len(b))
}

// Windows' MIB_TCPROW values.
const (
	// mibTCPStateDeleteTCB is MIB_TCP_STATE_DELETE_TCB, the only state
	// SetTcpEntry sets: it resets the connection.
	mibTCPStateDeleteTCB = 12
	// mibTCPRowLen is sizeof(MIB_TCPROW): five DWORDs.
	mibTCPRowLen = 20
)

// mibTCPRow is MIB_TCPROW (tcpmib.h): dwState, dwLocalAddr, dwLocalPort,
// dwRemoteAddr, dwRemotePort. The addresses are in network byte order as
// the DWORD's bytes in memory; a port is in network byte order in the low
// 16 bits of its DWORD, as the IP Helper tables report it.
type mibTCPRow struct {
	State, LocalAddr, LocalPort, RemoteAddr, RemotePort uint32
}

// tcpRowDelete returns the MIB_TCPROW that asks SetTcpEntry to reset the
// connection s, for a little-endian machine (every Windows one). Only an
// IPv4 TCP connection has one (an IPv4-mapped IPv6 address counts as
// IPv4); others give a *DestroyError with DestroyProtocol.
func tcpRowDelete(s *Socket) (mibTCPRow, error) {
	la, ra := s.Local.Addr().Unmap(), s.Remote.Addr().Unmap()
	if s.Proto != TCP || s.Family == Local || !la.Is4() || !ra.Is4() {
		return mibTCPRow{}, &DestroyError{Op: opSetTcpEntry, Reason: DestroyProtocol, Proto: s.Proto, Family: s.Family}
	}
	le := binary.LittleEndian
	l4, r4 := la.As4(), ra.As4()
	return mibTCPRow{
		State:      mibTCPStateDeleteTCB,
		LocalAddr:  le.Uint32(l4[:]),
		LocalPort:  uint32(htons(s.Local.Port())),
		RemoteAddr: le.Uint32(r4[:]),
		RemotePort: uint32(htons(s.Remote.Port())),
	}, nil
}

// htons returns the uint16 whose little-endian bytes are p's network
// (big-endian) bytes.
func htons(p uint16) uint16 { return p<<8 | p>>8 }

// errStillOpen is the error of a SetTcpEntry that answered success but
// left the connection in the table (Wine's does).
var errStillOpen = errors.New("it answered success, but the connection is still open")

// stillListed reports whether table, a listing of TCP connections taken
// after s was closed, still holds s open: a connection with the same
// endpoints in a state other than TIME_WAIT or CLOSE.
func stillListed(table []Socket, s *Socket) bool {
	for i := range table {
		t := &table[i]
		if t.Proto == s.Proto && t.Local == s.Local && t.Remote == s.Remote && t.State != TimeWait && t.State != Close {
			return true
		}
	}
	return false
}

// bytes returns the row as it lies in a little-endian machine's memory.
func (r mibTCPRow) bytes() [mibTCPRowLen]byte {
	var b [mibTCPRowLen]byte
	le := binary.LittleEndian
	le.PutUint32(b[0:], r.State)
	le.PutUint32(b[4:], r.LocalAddr)
	le.PutUint32(b[8:], r.LocalPort)
	le.PutUint32(b[12:], r.RemoteAddr)
	le.PutUint32(b[16:], r.RemotePort)
	return b
}
