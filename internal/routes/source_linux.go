package routes

// The Linux source: RTM_GETROUTE dumps over NETLINK_ROUTE, decoded by
// DecodeDump.

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// recvBufSize is the receive buffer size: the kernel fills at most about
// 32 KiB per dump datagram, so this leaves room for an oversized message.
const recvBufSize = 1 << 16

// maxRecvWait bounds each wait for a datagram when ctx has no deadline
// sooner, so a kernel that never answers cannot hang List.
const maxRecvWait = 10 * time.Second

// List returns the IPv4 and IPv6 routes of every routing table of the
// calling thread's network namespace, IPv4 first, each in the kernel's
// order, with IfName filled from the interfaces present when List ran (it
// stays empty for an interface that vanished in between). It returns an
// error if the netlink socket cannot be opened, a dump fails or is
// malformed (wrapping errs.ErrMalformed), the interfaces cannot be listed, or ctx
// ends first.
func List(ctx context.Context) ([]Route, error) {
	c, err := dial()
	if err != nil {
		return nil, err
	}
	defer c.close()
	var routes []Route
	for _, fam := range [...]uint8{afInet, afInet6} {
		raw, err := c.dump(ctx, fam, rtmGetRoute)
		if err != nil {
			return nil, err
		}
		if routes, _, err = decodeDump(raw, 0, 0, routes); err != nil {
			return nil, fmt.Errorf("routes: RTM_GETROUTE dump (%s): %w", famName(fam), err)
		}
	}
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("routes: listing interfaces: %w", err)
	}
	names := make(map[int]string, len(ifs))
	for _, ifc := range ifs {
		names[ifc.Index] = ifc.Name
	}
	for i := range routes {
		r := &routes[i]
		r.IfName = names[r.OIF]
		for j := range r.Nexthops {
			r.Nexthops[j].IfName = names[r.Nexthops[j].OIF]
		}
	}
	return routes, nil
}

const (
	rtmGetRoute = 26    // RTM_GETROUTE
	nlmFRequest = 0x1   // NLM_F_REQUEST
	nlmFDump    = 0x300 // NLM_F_DUMP (NLM_F_ROOT|NLM_F_MATCH)
)

func famName(fam uint8) string {
	if fam == afInet6 {
		return "inet6"
	}
	return "inet"
}

// conn is a NETLINK_ROUTE socket in the namespace of the thread that
// opened it.
type conn struct {
	fd  int
	pid uint32 // our port id, the nlmsg_pid of every reply
	seq uint32
}

func dial() (*conn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("routes: %w", os.NewSyscallError("socket", err))
	}
	c := &conn{fd: fd, seq: uint32(time.Now().Unix())}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("routes: %w", os.NewSyscallError("bind", err))
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("routes: %w", os.NewSyscallError("getsockname", err))
	}
	if nl, ok := sa.(*unix.SockaddrNetlink); ok {
		c.pid = nl.Pid
	}
	return c, nil
}

func (c *conn) close() { unix.Close(c.fd) }

// dump sends a dump request of type typ for family fam (a struct nlmsghdr
// and a zeroed struct rtmsg: every table) and returns the reply's
// datagrams concatenated, up to and including NLMSG_DONE, after checking
// their framing, sequence numbers and port id.
func (c *conn) dump(ctx context.Context, fam uint8, typ uint16) ([]byte, error) {
	c.seq++
	req := make([]byte, nlmsgHdrLen+rtmsgLen)
	ne.PutUint32(req[0:4], uint32(len(req)))
	ne.PutUint16(req[4:6], typ)
	ne.PutUint16(req[6:8], nlmFRequest|nlmFDump)
	ne.PutUint32(req[8:12], c.seq)
	req[nlmsgHdrLen] = fam // rtm_family; rtm_table 0 (RT_TABLE_UNSPEC) asks for all
	fail := func(err error) ([]byte, error) {
		return nil, fmt.Errorf("routes: RTM_GETROUTE dump (%s): %w", famName(fam), err)
	}
	if err := unix.Sendto(c.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fail(os.NewSyscallError("sendto", err))
	}
	buf := make([]byte, recvBufSize)
	var out []byte
	for {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		wait := maxRecvWait
		if d, ok := ctx.Deadline(); ok {
			wait = max(min(wait, time.Until(d)), time.Millisecond)
		}
		tv := unix.NsecToTimeval(wait.Nanoseconds())
		if err := unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			return fail(os.NewSyscallError("setsockopt", err))
		}
		n, _, flags, from, err := unix.Recvmsg(c.fd, buf, nil, 0)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if ctx.Err() != nil {
				return fail(ctx.Err())
			}
			return fail(fmt.Errorf("no reply from the kernel within %v", wait))
		case err != nil:
			return fail(os.NewSyscallError("recvmsg", err))
		case flags&unix.MSG_TRUNC != 0:
			return fail(fmt.Errorf("reply larger than the %d-byte receive buffer", len(buf)))
		}
		if nl, ok := from.(*unix.SockaddrNetlink); ok && nl.Pid != 0 {
			continue // not from the kernel
		}
		_, done, err := decodeDump(buf[:n], c.seq, c.pid, nil)
		if err != nil {
			return fail(err)
		}
		out = append(out, buf[:n]...)
		if done {
			return out, nil
		}
	}
}
