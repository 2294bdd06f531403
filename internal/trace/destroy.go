package trace

import (
	"encoding/binary"
	"fmt"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/sockets"
)

// sockDiagByFamily is the netlink message type of sock_diag's messages
// (SOCK_DIAG_BY_FAMILY), the destroy notifications among them.
const sockDiagByFamily = 20

// DecodeDestroyed decodes a datagram of sock_diag's destroy
// notifications (the TCP and UDP multicast groups; ss -E listens to
// TCP's): every netlink message in it that describes a socket that was
// destroyed, of the protocol its INET_DIAG_PROTOCOL attribute names (TCP
// where it names none).
// Messages of another type are skipped; a malformed one ends the
// datagram with an error wrapping errs.ErrMalformed, after the sockets
// decoded before it.
func DecodeDestroyed(b []byte) ([]sockets.Socket, error) {
	var out []sockets.Socket
	for len(b) > 0 {
		if len(b) < 16 {
			return out, fmt.Errorf("%w: netlink header of %d bytes", errs.ErrMalformed, len(b))
		}
		n := binary.NativeEndian.Uint32(b)
		typ := binary.NativeEndian.Uint16(b[4:])
		if n < 16 || uint64(n) > uint64(len(b)) {
			return out, fmt.Errorf("%w: netlink message of %d bytes in %d", errs.ErrMalformed, n, len(b))
		}
		if typ == sockDiagByFamily {
			s, err := sockets.DecodeInetDiagMsg(b[16:n], destroyedProto(b[16:n]))
			if err != nil {
				return out, err
			}
			out = append(out, s)
		}
		next := (n + 3) &^ 3
		if uint64(next) >= uint64(len(b)) {
			break
		}
		b = b[next:]
	}
	return out, nil
}

// The sizes of an inet_diag_msg and of a netlink attribute's header, and
// INET_DIAG_PROTOCOL, the attribute of a destroy notification that says
// the socket's protocol.
const (
	inetDiagMsgLen   = 72
	nlattrLen        = 4
	inetDiagProtocol = 10
)

// destroyedProto returns the protocol a destroy notification's payload
// names: UDP for IPPROTO_UDP, else TCP.
func destroyedProto(payload []byte) sockets.Proto {
	if len(payload) < inetDiagMsgLen {
		return sockets.TCP
	}
	attrs := payload[inetDiagMsgLen:]
	for len(attrs) >= nlattrLen {
		n := int(binary.NativeEndian.Uint16(attrs))
		typ := binary.NativeEndian.Uint16(attrs[2:]) & 0x3fff // without NLA_F_NESTED and NLA_F_NET_BYTEORDER
		if n < nlattrLen || n > len(attrs) {
			break
		}
		if typ == inetDiagProtocol && n > nlattrLen {
			if attrs[nlattrLen] == 17 {
				return sockets.UDP
			}
			return sockets.TCP
		}
		attrs = attrs[min((n+3)&^3, len(attrs)):]
	}
	return sockets.TCP
}
