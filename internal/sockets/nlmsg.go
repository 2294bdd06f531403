package sockets

// Netlink message framing: the pure part of talking to NETLINK_SOCK_DIAG.
// Everything here works on byte slices with explicit length checks, never
// panics and never reads past its input; it is fuzzed by
// FuzzNetlinkMessages. The layouts are those of include/uapi/linux/netlink.h:
// https://github.com/torvalds/linux/blob/v6.6/include/uapi/linux/netlink.h

import (
	"encoding/binary"
	"syscall"
)

// nlmsghdr (struct nlmsghdr) fields and the message types and flags used
// here; the values are the kernel's and the same on every architecture.
const (
	nlmsgHdrLen  = 16 // sizeof(struct nlmsghdr)
	nlattrHdrLen = 4  // sizeof(struct nlattr)

	nlmsgNoop    = 0x1 // NLMSG_NOOP
	nlmsgError   = 0x2 // NLMSG_ERROR
	nlmsgDone    = 0x3 // NLMSG_DONE
	nlmsgOverrun = 0x4 // NLMSG_OVERRUN

	nlmFRequest = 0x1   // NLM_F_REQUEST
	nlmFDump    = 0x300 // NLM_F_ROOT|NLM_F_MATCH

	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY, the type of every sock_diag reply

	nlaTypeMask = 0x3fff // NLA_TYPE_MASK: strips NLA_F_NESTED and NLA_F_NET_BYTEORDER
)

// nlAlign rounds n up to the netlink alignment of 4 bytes (NLMSG_ALIGN).
func nlAlign(n int) int { return (n + 3) &^ 3 }

// kernelError is an errno the kernel returned to a netlink request, either in
// an NLMSG_ERROR message or, for a dump that could not start (a sock_diag
// handler that is not built, for instance), in the payload of NLMSG_DONE.
type kernelError struct {
	Errno  syscall.Errno
	InDone bool // the error came in NLMSG_DONE, not NLMSG_ERROR
}

func (e *kernelError) Error() string { return e.Errno.Error() }

// Unwrap returns the errno, so errors.Is(err, unix.ENOENT) works.
func (e *kernelError) Unwrap() error { return e.Errno }

// nlHeader is a decoded struct nlmsghdr.
type nlHeader struct {
	Len   uint32 // nlmsg_len: header plus payload, without trailing padding
	Type  uint16 // nlmsg_type
	Flags uint16 // nlmsg_flags
	Seq   uint32 // nlmsg_seq
	PID   uint32 // nlmsg_pid: the port id of the receiving socket
}

// splitMessage returns the first netlink message of b: its header, its
// payload and the bytes after it (past the alignment padding). It fails if b
// is too short for a header or if nlmsg_len is smaller than the header or
// larger than b.
func splitMessage(b []byte) (h nlHeader, payload, rest []byte, err error) {
	if len(b) < nlmsgHdrLen {
		return h, nil, nil, parseErrorf("netlink: %d bytes left, too short for a message header", len(b))
	}
	ne := binary.NativeEndian
	h = nlHeader{
		Len:   ne.Uint32(b[0:4]),
		Type:  ne.Uint16(b[4:6]),
		Flags: ne.Uint16(b[6:8]),
		Seq:   ne.Uint32(b[8:12]),
		PID:   ne.Uint32(b[12:16]),
	}
	if h.Len < nlmsgHdrLen || uint64(h.Len) > uint64(len(b)) {
		return h, nil, nil, parseErrorf("netlink: message length %d out of range [%d, %d]", h.Len, nlmsgHdrLen, len(b))
	}
	n := int(h.Len)
	return h, b[nlmsgHdrLen:n], b[min(nlAlign(n), len(b)):], nil
}

// errorCode returns the error field of an NLMSG_ERROR payload (struct
// nlmsgerr: int error, then the offending request): zero for an
// acknowledgement, a negative errno otherwise.
func errorCode(payload []byte) (int32, error) {
	if len(payload) < 4 {
		return 0, parseErrorf("netlink: NLMSG_ERROR payload of %d bytes, want at least 4", len(payload))
	}
	return int32(binary.NativeEndian.Uint32(payload)), nil
}

// errnoError turns a kernel error code (a negative errno) into an error.
func errnoError(code int32, inDone bool) error {
	n := int64(code)
	if n < 0 {
		n = -n
	}
	return &kernelError{Errno: syscall.Errno(n), InDone: inDone}
}

// dumpIter walks the messages of one receive buffer of a dump reply. Use it
// as
//
//	it := dumpIter{b: buf, seq: seq, pid: pid}
//	for payload, ok := it.next(); ok; payload, ok = it.next() { ... }
//	if it.err != nil { ... }
//	if it.done { /* the dump is complete */ }
//
// next yields the payload of each SOCK_DIAG_BY_FAMILY message. It stops at
// the end of the buffer, at NLMSG_DONE (setting done, and err if NLMSG_DONE
// carries an error), at NLMSG_ERROR (setting err), at a message whose
// sequence number or port id is not the expected one, and at malformed
// framing (an error wrapping errs.ErrMalformed).
type dumpIter struct {
	b        []byte
	seq, pid uint32 // expected nlmsg_seq and nlmsg_pid; 0 means not checked
	done     bool
	err      error
}

func (it *dumpIter) next() ([]byte, bool) {
	for it.err == nil && !it.done && len(it.b) > 0 {
		h, payload, rest, err := splitMessage(it.b)
		if err != nil {
			it.err = err
			return nil, false
		}
		it.b = rest
		if it.seq != 0 && h.Seq != it.seq {
			it.err = parseErrorf("netlink: reply with sequence number %d to request %d", h.Seq, it.seq)
			return nil, false
		}
		if it.pid != 0 && h.PID != it.pid {
			it.err = parseErrorf("netlink: reply for port id %d on port %d", h.PID, it.pid)
			return nil, false
		}
		switch h.Type {
		case nlmsgNoop:
			continue
		case nlmsgDone:
			it.done = true
			// A dump that failed to start carries its error as an int
			// after the header; a normal end carries 0 (or nothing).
			if code, err := errorCode(payload); err == nil && code != 0 {
				it.err = errnoError(code, true)
			}
			return nil, false
		case nlmsgError:
			code, err := errorCode(payload)
			if err != nil {
				it.err = err
			} else if code != 0 {
				it.err = errnoError(code, false)
			} else {
				// An acknowledgement ends a request; dumps are not
				// acknowledged unless asked, so treat it as the end.
				it.done = true
			}
			return nil, false
		case nlmsgOverrun:
			it.err = parseErrorf("netlink: NLMSG_OVERRUN: the kernel dropped part of the reply")
			return nil, false
		case sockDiagByFamily:
			return payload, true
		default:
			// Unknown types are skipped: they carry nothing we decode.
			continue
		}
	}
	return nil, false
}

// attrIter walks a run of netlink attributes (struct nlattr, also known as
// rtattr): for it := (attrIter{b: b}); it.next(); { it.typ, it.data }.
// It stops at the end of b or at an attribute whose length is smaller than
// its header or runs past b, setting err (wrapping errs.ErrMalformed) in that case.
// Trailing bytes too short for an attribute header are an error too.
type attrIter struct {
	b    []byte
	typ  uint16 // attribute type, NLA_F_* flags removed
	data []byte // attribute payload, without padding
	err  error
}

func (it *attrIter) next() bool {
	if it.err != nil || len(it.b) == 0 {
		return false
	}
	if len(it.b) < nlattrHdrLen {
		it.err = parseErrorf("netlink: %d trailing bytes, too short for an attribute", len(it.b))
		return false
	}
	n := int(binary.NativeEndian.Uint16(it.b[0:2]))
	if n < nlattrHdrLen || n > len(it.b) {
		it.err = parseErrorf("netlink: attribute length %d out of range [%d, %d]", n, nlattrHdrLen, len(it.b))
		return false
	}
	it.typ = binary.NativeEndian.Uint16(it.b[2:4]) & nlaTypeMask
	it.data = it.b[nlattrHdrLen:n]
	it.b = it.b[min(nlAlign(n), len(it.b)):]
	return true
}

// appendAttr appends a netlink attribute of type typ holding data, padded
// to 4 bytes.
func appendAttr(b []byte, typ uint16, data []byte) []byte {
	ne := binary.NativeEndian
	b = ne.AppendUint16(b, uint16(nlattrHdrLen+len(data)))
	b = ne.AppendUint16(b, typ)
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// appendRequestHeader appends a struct nlmsghdr for a sock_diag dump
// request whose payload is payloadLen bytes long. The caller appends the
// payload and calls setRequestLen if it grows.
func appendRequestHeader(b []byte, payloadLen int, seq uint32) []byte {
	ne := binary.NativeEndian
	b = ne.AppendUint32(b, uint32(nlmsgHdrLen+payloadLen))
	b = ne.AppendUint16(b, sockDiagByFamily)
	b = ne.AppendUint16(b, nlmFRequest|nlmFDump)
	b = ne.AppendUint32(b, seq)
	b = ne.AppendUint32(b, 0) // nlmsg_pid: 0 addresses the kernel
	return b
}

// setRequestLen rewrites nlmsg_len of the message starting at msg to its
// current length.
func setRequestLen(msg []byte) {
	binary.NativeEndian.PutUint32(msg[0:4], uint32(len(msg)))
}
