package sockets

// The unix_diag decoder: NETLINK_SOCK_DIAG replies for AF_UNIX to Socket,
// and the dump request that asks for them. Pure functions over bytes,
// fuzzed by FuzzDecodeUnixDiag.
//
// Layouts are those of include/uapi/linux/unix_diag.h:
// https://github.com/torvalds/linux/blob/v6.6/include/uapi/linux/unix_diag.h

import (
	"bytes"
	"encoding/binary"
	"net/netip"

	"github.com/sockscope/sockscope/internal/netlink"
)

const (
	// unixDiagReqLen is sizeof(struct unix_diag_req):
	//
	//	__u8  sdiag_family;    0
	//	__u8  sdiag_protocol;  1
	//	__u16 pad;             2
	//	__u32 udiag_states;    4
	//	__u32 udiag_ino;       8
	//	__u32 udiag_show;     12
	//	__u32 udiag_cookie[2]; 16
	unixDiagReqLen = 24

	// unixDiagMsgLen is sizeof(struct unix_diag_msg):
	//
	//	__u8  udiag_family;    0
	//	__u8  udiag_type;      1
	//	__u8  udiag_state;     2
	//	__u8  pad;             3
	//	__u32 udiag_ino;       4
	//	__u32 udiag_cookie[2]; 8
	unixDiagMsgLen = 16

	// udiag_show flags.
	udiagShowName    = 0x01 // UDIAG_SHOW_NAME
	udiagShowVFS     = 0x02 // UDIAG_SHOW_VFS
	udiagShowPeer    = 0x04 // UDIAG_SHOW_PEER
	udiagShowIcons   = 0x08 // UDIAG_SHOW_ICONS: a listener's pending connections
	udiagShowRQLen   = 0x10 // UDIAG_SHOW_RQLEN
	udiagShowMemInfo = 0x20 // UDIAG_SHOW_MEMINFO (Linux 3.9+)
	udiagShowUID     = 0x40 // UDIAG_SHOW_UID (Linux 5.3+)

	// Reply attributes; note that UNIX_DIAG_NAME is 0.
	unixDiagName     = 0 // UNIX_DIAG_NAME: sun_path bytes
	unixDiagVFS      = 1 // UNIX_DIAG_VFS: struct unix_diag_vfs {u32 ino, dev}
	unixDiagPeer     = 2 // UNIX_DIAG_PEER: u32 peer inode
	unixDiagIcons    = 3 // UNIX_DIAG_ICONS: u32 inodes of the pending connections
	unixDiagRQLen    = 4 // UNIX_DIAG_RQLEN: struct unix_diag_rqlen {u32 rqueue, wqueue}
	unixDiagMemInfo  = 5 // UNIX_DIAG_MEMINFO: u32[SK_MEMINFO_VARS]
	unixDiagShutdown = 6 // UNIX_DIAG_SHUTDOWN: u8 sk_shutdown, sent unasked
	unixDiagUID      = 7 // UNIX_DIAG_UID: u32
)

// appendUnixDiagRequest appends a dump request for every unix socket, in
// every state, with its name, VFS inode, peer, queue lengths and owner.
// States are not filtered in the kernel: a socket's peer may be in a state
// the caller does not want, and its name is still needed for PeerPath.
func appendUnixDiagRequest(b []byte, seq uint32) []byte {
	return appendUnixDiagRequestExt(b, seq, 0)
}

// appendUnixDiagRequestExt is appendUnixDiagRequest that also asks for
// the internals m wants, as ss does: the memory (WantMemory) and a
// listener's pending connections (WantExtended; the shutdown state comes
// unasked).
func appendUnixDiagRequestExt(b []byte, seq uint32, m InternalsMask) []byte {
	b = appendRequestHeader(b, sockDiagByFamily, unixDiagReqLen, seq)
	var req [unixDiagReqLen]byte
	req[0] = afUnix
	ne := binary.NativeEndian
	ne.PutUint32(req[4:8], ^uint32(0))
	show := uint32(udiagShowName | udiagShowVFS | udiagShowPeer | udiagShowRQLen | udiagShowUID)
	if m.Has(WantMemory) {
		show |= udiagShowMemInfo
	}
	if m.Has(WantExtended) {
		show |= udiagShowIcons
	}
	ne.PutUint32(req[12:16], show)
	return append(b, req[:]...)
}

// unixPath turns the bytes of UNIX_DIAG_NAME into Socket.Path: an abstract
// name (leading NUL) becomes "@" and the rest of the name, byte for byte;
// a file path ends at its first NUL (the kernel includes the terminator).
func unixPath(name []byte) string {
	if len(name) == 0 {
		return ""
	}
	if name[0] == 0 {
		return "@" + string(name[1:])
	}
	if i := bytes.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	return string(name)
}

// decodeUnixDiag decodes one unix_diag_msg and its attributes into s. It
// overwrites the fields it knows and leaves the others alone. It returns an
// error wrapping errs.ErrMalformed for a short message, a family other than AF_UNIX
// or malformed attributes.
func decodeUnixDiag(payload []byte, s *Socket) error {
	return decodeUnixDiagExt(payload, 0, nil, s)
}

// decodeUnixDiagExt is decodeUnixDiag that also decodes the internals
// mask asks for into in, a zeroed Internals, and points s.Internals at it
// if it filled any (nil otherwise). in may be nil when mask is 0.
func decodeUnixDiagExt(payload []byte, mask InternalsMask, in *Internals, s *Socket) error {
	if len(payload) < unixDiagMsgLen {
		return parseErrorf("unix_diag_msg: %d bytes, want at least %d", len(payload), unixDiagMsgLen)
	}
	m := payload[:unixDiagMsgLen]
	if m[0] != afUnix {
		return parseErrorf("unix_diag_msg: address family %d, want %d", m[0], afUnix)
	}
	ne := binary.NativeEndian
	s.Proto, s.Family = Unix, Local
	s.Type = SockType(m[1])
	s.State = State(m[2])
	s.Inode = uint64(ne.Uint32(m[4:8]))
	s.Cookie = uint64(ne.Uint32(m[8:12])) | uint64(ne.Uint32(m[12:16]))<<32
	s.Local, s.Remote = netip.AddrPort{}, netip.AddrPort{}
	s.Zone, s.Peer, s.RecvQ, s.SendQ = 0, 0, 0, 0
	s.UID = NoUID // until UNIX_DIAG_UID (Linux 5.3+) says
	s.Path, s.PeerPath = "", ""
	s.Internals = nil

	for it := netlink.NewAttrs(payload[unixDiagMsgLen:]); ; {
		if !it.Next() {
			if in != nil && in.Has != 0 {
				s.Internals = in
			}
			return it.Err()
		}
		data := it.Data()
		if mask != 0 && decodeUnixInternal(it.Type(), data, mask, in) {
			continue
		}
		switch it.Type() {
		case unixDiagName:
			s.Path = unixPath(data)
		case unixDiagPeer:
			if len(data) >= 4 {
				s.Peer = uint64(ne.Uint32(data))
			}
		case unixDiagRQLen:
			if len(data) >= 8 {
				s.RecvQ = ne.Uint32(data[0:4])
				s.SendQ = ne.Uint32(data[4:8])
			}
		case unixDiagUID:
			if len(data) >= 4 {
				s.UID = ne.Uint32(data)
			}
		}
	}
}

// decodeUnixInternal decodes one reply attribute of type typ into in if
// it is an internal that mask asks for, and reports whether it did. It
// touches in only together with a Has bit. A short attribute is ignored,
// as the kernel never sends one.
func decodeUnixInternal(typ uint16, data []byte, mask InternalsMask, in *Internals) bool {
	ne := binary.NativeEndian
	switch typ {
	case unixDiagMemInfo:
		if !mask.Has(WantMemory) {
			return false
		}
		in.SkMem, in.Has = decodeSkMemInfo(data), in.Has|HasSkMem
	case unixDiagShutdown:
		if !mask.Has(WantExtended) || len(data) < 1 {
			return false
		}
		in.Shutdown, in.Has = data[0], in.Has|HasShutdown
	case unixDiagVFS:
		if !mask.Has(WantExtended) || len(data) < 8 {
			return false
		}
		in.VFSIno, in.VFSDev = ne.Uint32(data[0:4]), ne.Uint32(data[4:8])
		in.Has |= HasVFS
	case unixDiagIcons:
		if !mask.Has(WantExtended) || in.Has&HasPeers != 0 {
			return false
		}
		// A listener without pending connections sends the attribute
		// empty: Has without Peers.
		if n := len(data) / 4; n > 0 {
			in.Peers = make([]uint32, n)
			for i := range in.Peers {
				in.Peers[i] = ne.Uint32(data[4*i:])
			}
		}
		in.Has |= HasPeers
	default:
		return false
	}
	return true
}

// appendUnixDiag decodes every unix_diag_msg the dump yields (one receive
// buffer of a unix dump) and appends the sockets to dst. On a malformed
// message it returns dst with the sockets decoded so far and an error
// wrapping errs.ErrMalformed; it.Err and it.Done report the framing, the
// kernel's error and the end of the dump.
func appendUnixDiag(dst []Socket, it *netlink.Dump) ([]Socket, error) {
	return appendUnixDiagExt(dst, it, 0)
}

// appendUnixDiagExt is appendUnixDiag that also keeps the internals mask
// asks for in each socket's Internals (nil for a socket without any).
// Without a mask it allocates nothing beyond dst.
func appendUnixDiagExt(dst []Socket, it *netlink.Dump, mask InternalsMask) ([]Socket, error) {
	var slab internalsSlab
	for it.Next() {
		if it.Type() != sockDiagByFamily {
			continue
		}
		var in *Internals
		if mask != 0 {
			in = slab.next()
		}
		dst = append(dst, Socket{})
		s := &dst[len(dst)-1]
		if err := decodeUnixDiagExt(it.Payload(), mask, in, s); err != nil {
			if in != nil {
				*in = Internals{}
			}
			return dst[:len(dst)-1], err
		}
		if s.Internals != nil {
			slab.take()
		}
	}
	return dst, it.Err()
}

// fillPeerPaths sets PeerPath of every unix socket in socks whose peer is
// in socks and has a name, as ss shows the peer's address.
func fillPeerPaths(socks []Socket) {
	var paths map[uint64]string
	for i := range socks {
		if s := &socks[i]; s.Proto == Unix && s.Path != "" {
			if paths == nil {
				paths = make(map[uint64]string)
			}
			paths[s.Inode] = s.Path
		}
	}
	if paths == nil {
		return
	}
	for i := range socks {
		if s := &socks[i]; s.Proto == Unix && s.Peer != 0 {
			s.PeerPath = paths[s.Peer]
		}
	}
}

// finishUnix fills PeerPath of the unix sockets in dst[from:], which hold
// every unix socket, then keeps only those in the states want.
func finishUnix(dst []Socket, from int, want StateSet) []Socket {
	fillPeerPaths(dst[from:])
	if want == 0 {
		return dst
	}
	kept := from
	for i := from; i < len(dst); i++ {
		if stateWanted(want, dst[i].State) {
			dst[kept] = dst[i]
			kept++
		}
	}
	clear(dst[kept:])
	return dst[:kept]
}
