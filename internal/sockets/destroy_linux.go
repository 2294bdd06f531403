package sockets

// SOCK_DESTROY: the I/O around appendDestroyRequest and
// decodeDestroyReply.

import (
	"context"
	"errors"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/netlink"
)

// netlinkDestroyer closes sockets with SOCK_DESTROY requests on one
// NETLINK_SOCK_DIAG socket, in the namespace it was opened in.
type netlinkDestroyer struct {
	conn *netlink.Conn
	req  []byte
	buf  []byte
	seq  uint32
	// probed and configured cache what a probe said of the kernel:
	// whether it was built with CONFIG_INET_DIAG_DESTROY.
	probed, configured bool
}

// destroyBufSize is the receive buffer of a destroyer: an answer is an
// NLMSG_ERROR echoing the request (under 200 bytes) with perhaps an
// extended ACK message.
const destroyBufSize = 8 << 10

func newDestroyer() (Destroyer, error) {
	c, err := dialDiag()
	if err != nil {
		return nil, &OpError{Op: "open sock_diag socket", Err: err}
	}
	return &netlinkDestroyer{conn: c, buf: make([]byte, destroyBufSize)}, nil
}

// Close closes the netlink socket.
func (d *netlinkDestroyer) Close() error { return d.conn.Close() }

// Destroy sends SOCK_DESTROY for s and reads the kernel's answer. A unix
// socket is refused without asking: the kernel has no destroy for it.
func (d *netlinkDestroyer) Destroy(ctx context.Context, s *Socket) error {
	if s.Proto == Unix || s.Family == Local {
		return &DestroyError{Op: opSockDestroy, Reason: DestroyProtocol, Proto: Unix, Family: Local, Err: unix.EOPNOTSUPP}
	}
	err := d.send(ctx, s)
	var ke *netlink.Error
	if !errors.As(err, &ke) {
		if err == nil || ctx.Err() != nil {
			return err
		}
		return &DestroyError{Op: opSockDestroy, Reason: DestroyRefused, Proto: s.Proto, Family: s.Family, Err: err}
	}
	return &DestroyError{Op: opSockDestroy, Proto: s.Proto, Family: s.Family, Err: ke,
		Reason: destroyReason(ke.Errno, s, func() bool { return d.kernelConfigured(ctx) })}
}

// destroyReason says why the kernel answered errno to the SOCK_DESTROY
// of s; configured, asked only for EOPNOTSUPP, reports whether the
// kernel has CONFIG_INET_DIAG_DESTROY.
func destroyReason(errno unix.Errno, s *Socket, configured func() bool) DestroyReason {
	switch errno {
	case unix.ENOENT:
		if s.Proto == Raw {
			// Without raw_diag the kernel answers ENOENT for any
			// raw socket, gone or not.
			return DestroyProtocol
		}
		return DestroyGone
	case unix.EPERM, unix.EACCES:
		return DestroyPermission
	case unix.EOPNOTSUPP:
		if !configured() {
			return DestroyNoKernelSupport
		}
		return DestroyProtocol
	case unix.EINVAL:
		if s.Proto == TCP && s.State == Listen {
			// The subflow of an MPTCP listener refuses
			// (tcp_abort_override); a plain TCP listener closes.
			return DestroyMPTCPListener
		}
	}
	return DestroyRefused
}

// send sends the request for s and returns the kernel's answer: nil, a
// *netlink.Error, or an I/O or framing error.
func (d *netlinkDestroyer) send(ctx context.Context, s *Socket) error {
	d.seq++
	var err error
	d.req, err = appendDestroyRequest(d.req[:0], d.seq, s)
	if err != nil {
		return err
	}
	if err := d.conn.Send(ctx, d.req); err != nil {
		return err
	}
	for {
		n, err := d.conn.Receive(ctx, d.buf)
		if err != nil {
			return err
		}
		err = decodeDestroyReply(d.buf[:n], 0, d.conn.PortID())
		if h, _, _, herr := netlink.Split(d.buf[:n]); herr == nil && h.Seq != d.seq {
			continue // a late answer to an earlier request
		}
		return err
	}
}

// kernelConfigured reports whether the kernel was built with
// CONFIG_INET_DIAG_DESTROY: without it every protocol answers
// EOPNOTSUPP, with it TCP (whose tcp_abort always exists) answers ENOENT
// for a socket that does not exist. So a destroy of no socket at all
// tells which.
func (d *netlinkDestroyer) kernelConfigured(ctx context.Context) bool {
	if !d.probed {
		probe := Socket{Proto: TCP, Family: Inet,
			Local:  netip.AddrPortFrom(netip.IPv4Unspecified(), 0),
			Remote: netip.AddrPortFrom(netip.IPv4Unspecified(), 0), Cookie: 1}
		err := d.send(ctx, &probe)
		var ke *netlink.Error
		d.probed = true
		d.configured = !errors.As(err, &ke) || ke.Errno != unix.EOPNOTSUPP
	}
	return d.configured
}
