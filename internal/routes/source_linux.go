package routes

// The Linux source: RTM_GETROUTE dumps over NETLINK_ROUTE, decoded by
// DecodeDump.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/netlink"
)

// recvBufSize is the receive buffer size: the kernel fills at most about
// 32 KiB per dump datagram, so this leaves room for an oversized message.
const recvBufSize = 1 << 16

// maxRecvWait bounds a dump when ctx has no deadline sooner, so a kernel
// that never answers cannot hang List.
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

const rtmGetRoute = 26 // RTM_GETROUTE

func famName(fam uint8) string {
	if fam == afInet6 {
		return "inet6"
	}
	return "inet"
}

// conn is a NETLINK_ROUTE socket in the namespace of the thread that
// opened it, with the sequence number of its last request.
type conn struct {
	nl  *netlink.Conn
	seq uint32
}

func dial() (*conn, error) {
	nl, err := netlink.Dial(unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("routes: %w", err)
	}
	return &conn{nl: nl, seq: uint32(time.Now().Unix())}, nil
}

func (c *conn) close() { c.nl.Close() }

// dump sends a dump request of type typ for family fam (a struct nlmsghdr
// and a zeroed struct rtmsg: every table) and returns the reply's
// datagrams concatenated, up to and including NLMSG_DONE, after checking
// their framing, sequence numbers and port id. A cancelled ctx interrupts
// the wait for the kernel, and so does maxRecvWait without a reply.
func (c *conn) dump(ctx context.Context, fam uint8, typ uint16) ([]byte, error) {
	c.seq++
	req := netlink.AppendHeader(nil, netlink.Header{
		Len:   netlink.HeaderLen + rtmsgLen,
		Type:  typ,
		Flags: netlink.FlagRequest | netlink.FlagDump,
		Seq:   c.seq,
	})
	// rtm_family; rtm_table 0 (RT_TABLE_UNSPEC) asks for all tables.
	req = append(req, fam, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	fail := func(err error) ([]byte, error) {
		return nil, fmt.Errorf("routes: RTM_GETROUTE dump (%s): %w", famName(fam), err)
	}
	wctx, cancel := context.WithTimeout(ctx, maxRecvWait)
	defer cancel()
	if err := c.nl.Send(wctx, req); err != nil {
		return fail(err)
	}
	buf := make([]byte, recvBufSize)
	var out []byte
	for {
		n, err := c.nl.Receive(wctx, buf)
		switch {
		case err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
			return fail(fmt.Errorf("no reply from the kernel within %v", maxRecvWait))
		case err != nil:
			return fail(err)
		}
		_, done, err := decodeDump(buf[:n], c.seq, c.nl.PortID(), nil)
		if err != nil {
			return fail(err)
		}
		out = append(out, buf[:n]...)
		if done {
			return out, nil
		}
	}
}
