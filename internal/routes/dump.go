package routes

import (
	"fmt"
	"syscall"
)

// KernelError is an error the kernel returned to a dump request, in an
// NLMSG_ERROR message or in the payload of NLMSG_DONE.
type KernelError struct {
	Errno syscall.Errno
}

func (e *KernelError) Error() string { return "routes: netlink: " + e.Errno.Error() }

// Unwrap returns the errno, so errors.Is(err, syscall.EPERM) works.
func (e *KernelError) Unwrap() error { return e.Errno }

// DecodeDump decodes the RTM_NEWROUTE messages in b, the bytes of one or
// more datagrams of a route dump reply, and appends the routes to dst.
// It reports done when it reached NLMSG_DONE, after which it ignores the
// rest of b. Messages of other types (NLMSG_NOOP, ...) are skipped, and so
// are routes of families other than AF_INET and AF_INET6. It returns a
// *KernelError for an NLMSG_ERROR or a failed NLMSG_DONE, and an error
// wrapping errs.ErrMalformed for malformed framing or a malformed route; the routes
// decoded before the error are returned with it.
func DecodeDump(b []byte, dst []Route) (routes []Route, done bool, err error) {
	return decodeDump(b, 0, 0, dst)
}

// decodeDump is DecodeDump that also checks each message's nlmsg_seq and
// nlmsg_pid against seq and pid, when those are not zero.
func decodeDump(b []byte, seq, pid uint32, dst []Route) ([]Route, bool, error) {
	for len(b) > 0 {
		if len(b) < nlmsgHdrLen {
			return dst, false, parseErrorf("%d bytes left, too short for a message header", len(b))
		}
		n := ne.Uint32(b[0:4])
		typ := ne.Uint16(b[4:6])
		if n < nlmsgHdrLen || uint64(n) > uint64(len(b)) {
			return dst, false, parseErrorf("message length %d out of range [%d, %d]", n, nlmsgHdrLen, len(b))
		}
		if s := ne.Uint32(b[8:12]); seq != 0 && s != seq {
			return dst, false, parseErrorf("reply with sequence number %d to request %d", s, seq)
		}
		if p := ne.Uint32(b[12:16]); pid != 0 && p != pid {
			return dst, false, parseErrorf("reply for port id %d on port %d", p, pid)
		}
		payload := b[nlmsgHdrLen:n]
		b = b[min(align4(int(n)), len(b)):]
		switch typ {
		case nlmsgDone, nlmsgError:
			if len(payload) < 4 {
				if typ == nlmsgDone {
					return dst, true, nil
				}
				return dst, false, parseErrorf("NLMSG_ERROR payload of %d bytes", len(payload))
			}
			if code := int64(int32(ne.Uint32(payload))); code != 0 {
				return dst, typ == nlmsgDone, &KernelError{Errno: syscall.Errno(max(code, -code))}
			}
			return dst, true, nil
		case nlmsgOverrun:
			return dst, false, parseErrorf("NLMSG_OVERRUN: the kernel dropped part of the reply")
		case rtmNewRoute:
			if len(payload) > 0 && payload[0] != afInet && payload[0] != afInet6 {
				continue
			}
			r, err := DecodeRoute(payload)
			if err != nil {
				return dst, false, fmt.Errorf("RTM_NEWROUTE: %w", err)
			}
			dst = append(dst, r)
		}
	}
	return dst, false, nil
}
