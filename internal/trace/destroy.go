package trace

import (
	"github.com/sockscope/sockscope/internal/netlink"
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
		h, payload, rest, err := netlink.Split(b)
		if err != nil {
			return out, err
		}
		if h.Type == sockDiagByFamily {
			// Protocol 0: the one its INET_DIAG_PROTOCOL names.
			s, err := sockets.DecodeInetDiagMsg(payload, 0)
			if err != nil {
				return out, err
			}
			out = append(out, s)
		}
		b = rest
	}
	return out, nil
}
