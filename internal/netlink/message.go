package netlink

// Message framing: struct nlmsghdr and the walk over the messages of one
// receive buffer. Dump.Next and Attrs.Next are on the hot path of a socket
// listing (once per socket and per attribute): they must not allocate.

import (
	"encoding/binary"
	"fmt"

	"github.com/sockscope/sockscope/internal/errs"
)

// Sizes of the kernel's structures, the same on every architecture.
const (
	HeaderLen     = 16 // sizeof(struct nlmsghdr)
	AttrHeaderLen = 4  // sizeof(struct nlattr), also sizeof(struct rtattr)
)

// Control message types (nlmsg_type below NLMSG_MIN_TYPE).
const (
	MsgNoop    = 0x1 // NLMSG_NOOP: to be skipped
	MsgError   = 0x2 // NLMSG_ERROR: an error, or an acknowledgement if its code is 0
	MsgDone    = 0x3 // NLMSG_DONE: the end of a dump, carrying its error code
	MsgOverrun = 0x4 // NLMSG_OVERRUN: data was lost
)

// Header flags (nlmsg_flags).
const (
	FlagRequest  = 0x1   // NLM_F_REQUEST: a request
	FlagMulti    = 0x2   // NLM_F_MULTI: part of a multi-part reply, ended by NLMSG_DONE
	FlagAck      = 0x4   // NLM_F_ACK: ask for an acknowledgement
	FlagDumpIntr = 0x10  // NLM_F_DUMP_INTR: the dump changed while it was read
	FlagDump     = 0x300 // NLM_F_DUMP (NLM_F_ROOT|NLM_F_MATCH): dump every object

	// Flags of NLMSG_ERROR and NLMSG_DONE.
	FlagCapped  = 0x100 // NLM_F_CAPPED: the echoed request is its header only
	FlagAckTLVs = 0x200 // NLM_F_ACK_TLVS: extended ACK attributes follow
)

// ne is the byte order of every netlink header and of most attributes.
var ne = binary.NativeEndian

// Align rounds n up to the netlink alignment of 4 bytes (NLMSG_ALIGN,
// NLA_ALIGN, RTA_ALIGN).
func Align(n int) int { return (n + 3) &^ 3 }

// parseErrorf returns an error wrapping errs.ErrMalformed.
func parseErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: netlink: "+format, append([]any{errs.ErrMalformed}, args...)...)
}

// Header is a decoded struct nlmsghdr.
type Header struct {
	Len   uint32 // nlmsg_len: header plus payload, without trailing padding
	Type  uint16 // nlmsg_type
	Flags uint16 // nlmsg_flags
	Seq   uint32 // nlmsg_seq
	PID   uint32 // nlmsg_pid: the port id of the receiving socket (0: the kernel)
}

// Split returns the first message of b: its header, its payload and the
// bytes after it (past the alignment padding, which the last message of a
// buffer may lack). The payload's capacity is clipped to its length. It returns an error wrapping errs.ErrMalformed if b is
// too short for a header or nlmsg_len is below the header's size or past
// the end of b.
func Split(b []byte) (h Header, payload, rest []byte, err error) {
	if len(b) < HeaderLen {
		return h, nil, nil, parseErrorf("%d bytes left, too short for a message header", len(b))
	}
	h = Header{
		Len:   ne.Uint32(b[0:4]),
		Type:  ne.Uint16(b[4:6]),
		Flags: ne.Uint16(b[6:8]),
		Seq:   ne.Uint32(b[8:12]),
		PID:   ne.Uint32(b[12:16]),
	}
	if h.Len < HeaderLen || uint64(h.Len) > uint64(len(b)) {
		return h, nil, nil, parseErrorf("message length %d out of range [%d, %d]", h.Len, HeaderLen, len(b))
	}
	n := int(h.Len)
	return h, b[HeaderLen:n:n], b[min(Align(n), len(b)):], nil
}

// AppendHeader appends h as a struct nlmsghdr. h.Len is written as given:
// set it to HeaderLen plus the payload's length, or call SetLen once the
// message is complete.
func AppendHeader(b []byte, h Header) []byte {
	b = ne.AppendUint32(b, h.Len)
	b = ne.AppendUint16(b, h.Type)
	b = ne.AppendUint16(b, h.Flags)
	b = ne.AppendUint32(b, h.Seq)
	return ne.AppendUint32(b, h.PID)
}

// SetLen sets nlmsg_len of msg, one message starting with its header, to
// len(msg). It does nothing if msg is shorter than a header.
func SetLen(msg []byte) {
	if len(msg) >= HeaderLen {
		ne.PutUint32(msg[0:4], uint32(len(msg)))
	}
}

// Dump walks the messages of one receive buffer of a dump's reply, as
// bufio.Scanner walks lines:
//
//	d := netlink.NewDump(buf, seq, pid)
//	for d.Next() {
//		if d.Type() == wanted { decode(d.Payload()) }
//	}
//	if d.Err() != nil { ... }
//	if d.Done() { /* the dump is complete */ }
//
// Next yields every message that is not a control message. It stops at the
// end of the buffer; at NLMSG_DONE (Done then reports true, and Err the
// dump's error if it carries one); at NLMSG_ERROR (Err reports the
// *Error, or Done true for an acknowledgement); at NLMSG_OVERRUN; at a
// message whose sequence number or port id is not the expected one; and at
// malformed framing. Those last three give an error wrapping
// errs.ErrMalformed. NLMSG_NOOP is skipped.
type Dump struct {
	b        []byte
	seq, pid uint32
	h        Header
	payload  []byte
	done     bool
	err      error
}

// NewDump returns a Dump over b that checks nlmsg_seq against seq and
// nlmsg_pid against pid, each unless it is 0.
func NewDump(b []byte, seq, pid uint32) Dump {
	return Dump{b: b, seq: seq, pid: pid}
}

// Next advances to the next message that is not a control message and
// reports whether there is one.
func (d *Dump) Next() bool {
	for d.err == nil && !d.done && len(d.b) > 0 {
		h, payload, rest, err := Split(d.b)
		if err != nil {
			d.err = err
			return false
		}
		d.b = rest
		if d.seq != 0 && h.Seq != d.seq {
			d.err = parseErrorf("reply with sequence number %d to request %d", h.Seq, d.seq)
			return false
		}
		if d.pid != 0 && h.PID != d.pid {
			d.err = parseErrorf("reply for port id %d on port %d", h.PID, d.pid)
			return false
		}
		switch h.Type {
		case MsgNoop:
			continue
		case MsgDone:
			// A dump that failed (to start, or midway) carries its
			// error after the header; a normal end carries 0, or
			// nothing at all on old kernels.
			d.done = true
			if len(payload) >= 4 {
				d.err = decodeError(h, payload, true)
			}
			return false
		case MsgError:
			if len(payload) < 4 {
				d.err = parseErrorf("NLMSG_ERROR payload of %d bytes, want at least 4", len(payload))
			} else if d.err = decodeError(h, payload, false); d.err == nil {
				// An acknowledgement ends a request; a dump is
				// acknowledged only if asked, so treat it as the end.
				d.done = true
			}
			return false
		case MsgOverrun:
			d.err = parseErrorf("NLMSG_OVERRUN: the kernel dropped part of the reply")
			return false
		}
		d.h, d.payload = h, payload
		return true
	}
	return false
}

// Header returns the header of the message Next stopped at.
func (d *Dump) Header() Header { return d.h }

// Type returns the nlmsg_type of the message Next stopped at.
func (d *Dump) Type() uint16 { return d.h.Type }

// Payload returns the payload of the message Next stopped at: the bytes
// after its header, without padding. It aliases the buffer, with its
// capacity clipped to its length.
func (d *Dump) Payload() []byte { return d.payload }

// Done reports whether the walk reached the end of the dump: NLMSG_DONE,
// or an acknowledgement.
func (d *Dump) Done() bool { return d.done }

// Err returns the error that stopped the walk: an *Error from the kernel,
// or one wrapping errs.ErrMalformed. It is nil at the end of the buffer
// and at a dump's successful end.
func (d *Dump) Err() error { return d.err }

// Rest returns the bytes not yet walked: empty after the end of the
// buffer, what follows NLMSG_DONE, or what follows the message that
// stopped the walk with an error.
func (d *Dump) Rest() []byte { return d.b }
