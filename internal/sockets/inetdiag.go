package sockets

// The inet_diag decoder: NETLINK_SOCK_DIAG replies for AF_INET and AF_INET6
// (TCP, UDP, UDP-Lite, MPTCP, raw) to Socket, and the dump requests that ask
// for them. Pure functions over bytes, fuzzed by FuzzDecodeInetDiag. The hot
// loop is appendInetDiag: it decodes in place into dst and allocates nothing
// per socket.
//
// Layouts are those of include/uapi/linux/inet_diag.h:
// https://github.com/torvalds/linux/blob/v6.6/include/uapi/linux/inet_diag.h

import (
	"encoding/binary"
	"net/netip"

	"github.com/sockscope/sockscope/internal/netlink"
)

// Kernel constants, the same on every architecture.
const (
	afUnix  = 1  // AF_UNIX
	afInet  = 2  // AF_INET
	afInet6 = 10 // AF_INET6

	ipprotoTCP     = 6   // IPPROTO_TCP
	ipprotoUDP     = 17  // IPPROTO_UDP
	ipprotoUDPLite = 136 // IPPROTO_UDPLITE
	ipprotoRaw     = 255 // IPPROTO_RAW
	ipprotoMPTCP   = 262 // IPPROTO_MPTCP: does not fit sdiag_protocol

	// inetDiagReqV2Len is sizeof(struct inet_diag_req_v2):
	//
	//	__u8  sdiag_family;    0
	//	__u8  sdiag_protocol;  1
	//	__u8  idiag_ext;       2
	//	__u8  pad;             3  (sdiag_raw_protocol in inet_diag_req_raw)
	//	__u32 idiag_states;    4
	//	struct inet_diag_sockid id;  8..56
	inetDiagReqV2Len = 56

	// inetDiagReqLen is sizeof(struct inet_diag_req), TCPDIAG_GETSOCK's
	// request:
	//
	//	__u8  idiag_family;   0  (not read: the dump is of both families)
	//	__u8  idiag_src_len;  1
	//	__u8  idiag_dst_len;  2
	//	__u8  idiag_ext;      3
	//	struct inet_diag_sockid id;  4..52
	//	__u32 idiag_states;  52
	//	__u32 idiag_dbs;     56
	inetDiagReqLen = 60

	// inetDiagMsgLen is sizeof(struct inet_diag_msg):
	//
	//	__u8  idiag_family;   0
	//	__u8  idiag_state;    1
	//	__u8  idiag_timer;    2
	//	__u8  idiag_retrans;  3
	//	struct inet_diag_sockid id {
	//		__be16 idiag_sport;      4
	//		__be16 idiag_dport;      6
	//		__be32 idiag_src[4];     8
	//		__be32 idiag_dst[4];    24
	//		__u32  idiag_if;        40
	//		__u32  idiag_cookie[2]; 44
	//	};
	//	__u32 idiag_expires;  52
	//	__u32 idiag_rqueue;   56
	//	__u32 idiag_wqueue;   60
	//	__u32 idiag_uid;      64
	//	__u32 idiag_inode;    68
	inetDiagMsgLen = 72

	inetDiagReqProtocol = 3 // INET_DIAG_REQ_PROTOCOL: u32 protocol, for IPPROTO_MPTCP

	// Reply attributes (enum INET_DIAG_*).
	inetDiagShutdown = 8  // INET_DIAG_SHUTDOWN: u8 sk_shutdown
	inetDiagProtocol = 10 // INET_DIAG_PROTOCOL: u8, raw sockets' protocol
	inetDiagSkV6Only = 11 // INET_DIAG_SKV6ONLY: u8, AF_INET6 sockets
)

// ipProtocol returns the IPPROTO_* number of an inet protocol, or 0 for Unix
// and unknown values.
func ipProtocol(p Proto) uint32 {
	switch p {
	case TCP:
		return ipprotoTCP
	case UDP:
		return ipprotoUDP
	case UDPLite:
		return ipprotoUDPLite
	case MPTCP:
		return ipprotoMPTCP
	case Raw:
		return ipprotoRaw
	}
	return 0
}

// appendInetDiagRequest appends a dump request for every p socket of family
// fam (Inet or Inet6) in the given kernel states (struct nlmsghdr + struct
// inet_diag_req_v2, plus INET_DIAG_REQ_PROTOCOL for protocols above 255).
// No extensions are requested: everything a Socket holds is in
// inet_diag_msg.
func appendInetDiagRequest(b []byte, seq uint32, fam Family, p Proto, states StateSet) []byte {
	return appendInetDiagRequestExt(b, seq, fam, p, states, 0)
}

// appendInetDiagRequestExt is appendInetDiagRequest asking the kernel for
// the extensions (idiag_ext) that carry the internals m.
func appendInetDiagRequestExt(b []byte, seq uint32, fam Family, p Proto, states StateSet, m InternalsMask) []byte {
	start := len(b)
	b = appendRequestHeader(b, sockDiagByFamily, inetDiagReqV2Len, seq)
	proto := ipProtocol(p)
	afam := byte(afInet)
	if fam == Inet6 {
		afam = afInet6
	}
	var req [inetDiagReqV2Len]byte
	req[0] = afam
	req[1] = byte(proto) // IPPROTO_MPTCP truncates to IPPROTO_TCP, as in ss; the attribute wins
	req[2] = extBits(m)
	if p == Raw {
		req[3] = ipprotoRaw // sdiag_raw_protocol, as ss sends it; dumps do not filter on it
	}
	binary.NativeEndian.PutUint32(req[4:8], uint32(states))
	b = append(b, req[:]...)
	if proto > 0xff {
		b = netlink.AppendAttrUint32(b, inetDiagReqProtocol, proto)
		netlink.SetLen(b[start:])
	}
	return b
}

// appendTCPDiagRequestExt appends a TCPDIAG_GETSOCK dump request (struct
// nlmsghdr + struct inet_diag_req) for every TCP socket of both families
// in the given kernel states, asking for the extensions that carry the
// internals m. The kernel answers it from one walk of its TCP hash tables
// (sdiag_family AF_UNSPEC, in the kernel's words "compatibility"), where
// SOCK_DIAG_BY_FAMILY names one family and a dump of each walks them
// twice. Its replies are inet_diag_msg as SOCK_DIAG_BY_FAMILY's, of type
// TCPDIAG_GETSOCK.
func appendTCPDiagRequestExt(b []byte, seq uint32, states StateSet, m InternalsMask) []byte {
	b = appendRequestHeader(b, tcpDiagGetSock, inetDiagReqLen, seq)
	var req [inetDiagReqLen]byte
	req[3] = extBits(m)
	binary.NativeEndian.PutUint32(req[52:56], uint32(states))
	return append(b, req[:]...)
}

// kernelStates returns the idiag_states mask to request for a filter's
// states: all of them for the empty set (bound-but-inactive TCP sockets
// included, Linux 6.7+), and NewSynRecv with SynRecv, since request sockets
// are only dumped when their own bit is set.
func kernelStates(s StateSet) StateSet {
	if s == 0 {
		return AllStates
	}
	if s.Has(SynRecv) {
		s |= 1 << NewSynRecv
	}
	return s
}

// stateWanted reports whether a socket the kernel reported in state st
// passes the state mask want (0 means all). The kernel reports request
// sockets (NewSynRecv) as SynRecv and bound-inactive sockets as Close, so
// those bits select them too.
func stateWanted(want StateSet, st State) bool {
	switch {
	case want == 0 || want.Has(st):
		return true
	case st == SynRecv:
		return want.Has(NewSynRecv)
	case st == Close:
		return want.Has(BoundInactive)
	}
	return false
}

// inetExtra holds what an inet_diag reply says beyond the fields of Socket
// that decodeInetDiag reads whatever the internals asked for; the source
// keeps them in Internals when WantExtended asks.
type inetExtra struct {
	Shutdown  uint8 // INET_DIAG_SHUTDOWN: bit 0 receive, bit 1 send side shut down
	V6Only    bool  // INET_DIAG_SKV6ONLY, for AF_INET6 sockets
	HasV6Only bool
}

// decodeInetDiag decodes one inet_diag_msg and its attributes (the payload
// of a SOCK_DIAG_BY_FAMILY message) into s, for a dump of protocol p. It
// overwrites the fields it knows and leaves the others (Processes, NetNS,
// ...) alone. It returns an error wrapping errs.ErrMalformed for a short message, an
// unknown address family or malformed attributes.
func decodeInetDiag(payload []byte, p Proto, s *Socket) (inetExtra, error) {
	return decodeInetDiagExt(payload, p, 0, nil, s)
}

// DecodeInetDiagMsg decodes the payload of one SOCK_DIAG_BY_FAMILY
// message (inet_diag_msg and its attributes) of a socket of protocol p,
// as the destroy notifications of sock_diag's multicast groups carry
// them; with p 0, of the protocol its INET_DIAG_PROTOCOL attribute names
// (UDP, else TCP), as the notifications of several groups are told
// apart. Its errors are decodeInetDiag's.
func DecodeInetDiagMsg(payload []byte, p Proto) (Socket, error) {
	var s Socket
	_, err := decodeInetDiag(payload, p, &s)
	return s, err
}

// decodeInetDiagExt is decodeInetDiag that also decodes the internals mask
// asks for into in, a zeroed Internals, and points s.Internals at it if
// the socket had any (nil otherwise). With a nil in it decodes none.
func decodeInetDiagExt(payload []byte, p Proto, mask InternalsMask, in *Internals, s *Socket) (inetExtra, error) {
	var extra inetExtra
	s.Internals = nil
	if len(payload) < inetDiagMsgLen {
		return extra, parseErrorf("inet_diag_msg: %d bytes, want at least %d", len(payload), inetDiagMsgLen)
	}
	m := payload[:inetDiagMsgLen]
	ne, be := binary.NativeEndian, binary.BigEndian
	var local, remote netip.Addr
	switch m[0] {
	case afInet:
		local = netip.AddrFrom4([4]byte(m[8:12]))
		remote = netip.AddrFrom4([4]byte(m[24:28]))
		s.Family = Inet
	case afInet6:
		local = netip.AddrFrom16([16]byte(m[8:24]))
		remote = netip.AddrFrom16([16]byte(m[24:40]))
		s.Family = Inet6
	default:
		return extra, parseErrorf("inet_diag_msg: address family %d, want %d or %d", m[0], afInet, afInet6)
	}
	s.Proto = p
	if p == 0 {
		s.Proto = TCP // unless INET_DIAG_PROTOCOL says otherwise, below
	}
	s.Type = 0
	s.State = State(m[1])
	s.Timer = inetDiagTimer(m[2], m[3], ne.Uint32(m[52:56]))
	lport := be.Uint16(m[4:6])
	s.Remote = netip.AddrPortFrom(remote, be.Uint16(m[6:8]))
	s.Zone = ne.Uint32(m[40:44])
	s.Cookie = uint64(ne.Uint32(m[44:48])) | uint64(ne.Uint32(m[48:52]))<<32
	s.RecvQ = ne.Uint32(m[56:60])
	s.SendQ = ne.Uint32(m[60:64])
	s.UID = ne.Uint32(m[64:68])
	s.Inode = uint64(ne.Uint32(m[68:72]))
	s.Path, s.PeerPath, s.Peer = "", "", 0

	for it := netlink.NewAttrs(payload[inetDiagMsgLen:]); ; {
		if !it.Next() {
			if it.Err() != nil {
				return extra, it.Err()
			}
			break
		}
		data := it.Data()
		if in != nil {
			decodeInternal(it.Type(), data, p, mask, in)
		}
		switch it.Type() {
		case inetDiagShutdown:
			if len(data) >= 1 {
				extra.Shutdown = data[0]
			}
		case inetDiagSkV6Only:
			if len(data) >= 1 {
				extra.V6Only, extra.HasV6Only = data[0] != 0, true
			}
		case inetDiagProtocol:
			// Raw sockets: the protocol given at creation, which
			// idiag_sport also holds; the attribute is authoritative.
			if p == Raw && len(data) >= 1 {
				lport = uint16(data[0])
			}
			if p == 0 && len(data) >= 1 && data[0] == ipprotoUDP {
				s.Proto = UDP
			}
		}
	}
	s.Local = netip.AddrPortFrom(local, lport)
	if in != nil && in.Has != 0 {
		s.Internals = in
	}
	return extra, nil
}

// inetDiagTimer returns the Timer of idiag_timer, idiag_retrans and
// idiag_expires (milliseconds). inet_diag gives one counter where
// /proc/net/tcp gives two: icsk_retransmits while the retransmission
// timer runs (and a request socket's SYN-ACK retransmissions),
// icsk_probes_out while the keepalive or zero window probe timer runs, 0
// otherwise. The other counter is 0 here; it is 0 in /proc too in all
// but rare cases (probes answered while data is retransmitted).
func inetDiagTimer(code, retrans uint8, expires uint32) Timer {
	t := Timer{Kind: timerKindOf(uint64(code)), Expires: expires}
	switch t.Kind {
	case TimerOn:
		t.Retrans = retrans
	case TimerKeepalive, TimerProbe:
		t.Probes = retrans
	case TimerOff:
		t.Expires = 0
	}
	return t
}

// appendInetDiag decodes every inet_diag_msg the dump yields (one receive
// buffer of a dump of protocol p) and appends the sockets in the states
// want (0 means all; see stateWanted) to dst. On a malformed message it
// returns dst with the sockets decoded so far and an error wrapping
// errs.ErrMalformed; it.Err and it.Done report the framing, the kernel's
// error and the end of the dump.
func appendInetDiag(dst []Socket, it *netlink.Dump, p Proto, want StateSet) ([]Socket, error) {
	return appendInetDiagExt(dst, it, p, want, 0)
}

// appendInetDiagExt is appendInetDiag that decodes the internals mask asks
// for (the request asked the kernel with appendInetDiagRequestExt) into
// each socket's Internals. Sockets the kernel sent none for (UDP without
// memory asked, TIME_WAIT and request sockets) keep a nil Internals. A
// zero mask allocates nothing.
func appendInetDiagExt(dst []Socket, it *netlink.Dump, p Proto, want StateSet, mask InternalsMask) ([]Socket, error) {
	var slab internalsSlab
	for it.Next() {
		if t := it.Type(); t != sockDiagByFamily && t != tcpDiagGetSock {
			continue
		}
		var in *Internals
		if mask != 0 {
			in = slab.next()
		}
		dst = append(dst, Socket{})
		s := &dst[len(dst)-1]
		if _, err := decodeInetDiagExt(it.Payload(), p, mask, in, s); err != nil {
			if in != nil {
				*in = Internals{}
			}
			return dst[:len(dst)-1], err
		}
		switch {
		case !stateWanted(want, s.State):
			dst = dst[:len(dst)-1]
			if in != nil {
				*in = Internals{} // handed out again to the next socket
			}
		case s.Internals != nil:
			slab.take()
		}
	}
	return dst, it.Err()
}
