package routes

import (
	"fmt"

	"github.com/sockscope/sockscope/internal/netlink"
)

// DecodeDump decodes the RTM_NEWROUTE messages in b, the bytes of one or
// more datagrams of a route dump reply, and appends the routes to dst.
// It reports done when it reached NLMSG_DONE, after which it ignores the
// rest of b. Messages of other types (NLMSG_NOOP, ...) are skipped, and so
// are routes of families other than AF_INET and AF_INET6. It returns a
// *netlink.Error for an NLMSG_ERROR or a failed NLMSG_DONE, and an error
// wrapping errs.ErrMalformed for malformed framing or a malformed route;
// the routes decoded before the error are returned with it.
func DecodeDump(b []byte, dst []Route) (routes []Route, done bool, err error) {
	return decodeDump(b, 0, 0, dst)
}

// decodeDump is DecodeDump that also checks each message's nlmsg_seq and
// nlmsg_pid against seq and pid, when those are not zero.
func decodeDump(b []byte, seq, pid uint32, dst []Route) ([]Route, bool, error) {
	d := netlink.NewDump(b, seq, pid)
	for d.Next() {
		if d.Type() != rtmNewRoute {
			continue
		}
		payload := d.Payload()
		if len(payload) > 0 && payload[0] != afInet && payload[0] != afInet6 {
			continue
		}
		r, err := DecodeRoute(payload)
		if err != nil {
			return dst, false, fmt.Errorf("RTM_NEWROUTE: %w", err)
		}
		dst = append(dst, r)
	}
	return dst, d.Done(), d.Err()
}
