package netlink

import (
	"bytes"
	"strconv"
	"syscall"
)

// Extended ACK attributes (enum nlmsgerr_attrs), which follow an
// NLMSG_ERROR or a failed NLMSG_DONE when the socket set NETLINK_EXT_ACK
// and the kernel had something to say.
const (
	errAttrMsg  = 1 // NLMSGERR_ATTR_MSG: a NUL-terminated message
	errAttrOffs = 2 // NLMSGERR_ATTR_OFFS: u32 offset of the offending attribute in the request
)

// Error is an error the kernel returned to a netlink request: the errno of
// an NLMSG_ERROR, or of an NLMSG_DONE that ended a dump which failed (a
// sock_diag handler that is not built sends ENOENT that way), with the
// extended ACK's explanation when the kernel gave one. errors.Is(err,
// unix.EINVAL) and the like match its errno.
type Error struct {
	Errno  syscall.Errno
	InDone bool // the error came in NLMSG_DONE, not NLMSG_ERROR

	// Msg is the kernel's explanation (NLMSGERR_ATTR_MSG), if any.
	Msg string
	// Offset is the offset, from the start of the request's header, of
	// the attribute the kernel rejected (NLMSGERR_ATTR_OFFS); HasOffset
	// says whether the kernel sent one.
	Offset    uint32
	HasOffset bool
}

// Error returns the errno's text, followed by the kernel's explanation and
// the offset of the offending attribute when the kernel sent them.
func (e *Error) Error() string {
	s := e.Errno.Error()
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.HasOffset {
		s += " (at byte " + strconv.FormatUint(uint64(e.Offset), 10) + " of the request)"
	}
	return s
}

// Unwrap returns the errno.
func (e *Error) Unwrap() error { return e.Errno }

// decodeError decodes the payload of an NLMSG_ERROR (inDone false) or of an
// NLMSG_DONE with header h: the error code (at least 4 bytes, checked by
// the caller), then for NLMSG_ERROR the echoed request (its header only if
// NLM_F_CAPPED), then the extended ACK attributes if NLM_F_ACK_TLVS. It
// returns nil for a code of 0, and an *Error otherwise; attributes it
// cannot find or decode are left out, never an error, since the errno is
// what matters.
func decodeError(h Header, payload []byte, inDone bool) error {
	code := int64(int32(ne.Uint32(payload)))
	if code == 0 {
		return nil
	}
	e := &Error{Errno: syscall.Errno(max(code, -code)), InDone: inDone}
	if h.Flags&FlagAckTLVs == 0 {
		return e
	}
	off := 4
	if !inDone {
		// struct nlmsgerr: the code, then the request's header and,
		// unless capped, its payload.
		if len(payload) < 4+HeaderLen {
			return e
		}
		off += HeaderLen
		if h.Flags&FlagCapped == 0 {
			n := int(ne.Uint32(payload[4:8]))
			if n < HeaderLen || n > len(payload)-4 {
				return e
			}
			off = 4 + Align(n)
		}
	}
	if off > len(payload) {
		return e
	}
	a := NewAttrs(payload[off:])
	for a.Next() {
		switch a.Type() {
		case errAttrMsg:
			msg := a.Data()
			if i := bytes.IndexByte(msg, 0); i >= 0 {
				msg = msg[:i]
			}
			e.Msg = string(msg)
		case errAttrOffs:
			if len(a.Data()) == 4 {
				e.Offset, e.HasOffset = ne.Uint32(a.Data()), true
			}
		}
	}
	return e
}
