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
// notifications (the TCP multicast groups, as ss -E listens to): every
// netlink message in it that describes a socket that was destroyed.
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
			s, err := sockets.DecodeInetDiagMsg(b[16:n], sockets.TCP)
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
