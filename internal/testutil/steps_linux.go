package testutil

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The steps of the holder that make its own sockets; children_linux.go
// has those of its children.

// owner returns the holder as the owner of fd.
func (h *holder) owner(fd int) sockets.Process {
	p := h.self
	p.FD = int32(fd)
	return p
}

// addInet records the inet socket fd, as the kernel names its endpoints.
func (h *holder) addInet(name string, proto sockets.Proto, state sockets.State, fd int, owners ...sockets.Process) error {
	e := ExpectedSocket{Name: name, Proto: proto, State: state, UID: uint32(os.Geteuid()), Owners: owners}
	if len(owners) == 0 {
		e.Owners = []sockets.Process{h.owner(fd)}
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return fmt.Errorf("%s: getsockname: %w", name, err)
	}
	e.Local = fromSockaddr(sa)
	e.Family, e.Remote = sockets.Inet, unspecified4
	if _, ok := sa.(*unix.SockaddrInet6); ok {
		e.Family, e.Remote = sockets.Inet6, unspecified6
	}
	if peer, err := unix.Getpeername(fd); err == nil {
		e.Remote = fromSockaddr(peer)
	} else if !errors.Is(err, unix.ENOTCONN) {
		return fmt.Errorf("%s: getpeername: %w", name, err)
	}
	if e.Inode, err = inodeOf(fd); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	h.m.Sockets = append(h.m.Sockets, e)
	return nil
}

// last returns the socket recorded last, for a step to amend.
func (h *holder) last() *ExpectedSocket {
	return &h.m.Sockets[len(h.m.Sockets)-1]
}

// Loopback addresses with port 0 (any free port), the dual-stack wildcard,
// and the remote of listening and unconnected sockets.
var (
	any4         = netip.MustParseAddrPort("127.0.0.1:0")
	any6         = netip.MustParseAddrPort("[::1]:0")
	dual         = netip.MustParseAddrPort("[::]:0")
	unspecified4 = netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	unspecified6 = netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
)

// listeners of the holder, for the steps after tcp.
type listener struct {
	fd   int
	addr netip.AddrPort
}

// tcp makes the listeners (IPv4, IPv6-only, dual-stack) and an
// established pair through each; the pair through the dual-stack listener
// is an IPv4 client, so the accepted socket is IPv6 with v4-mapped
// addresses.
func (h *holder) tcp() error {
	specs := []struct {
		name   string
		at     netip.AddrPort
		v6only int
		client netip.Addr // connects to the listener's port on this address
	}{
		{"tcp4", any4, 0, any4.Addr()},
		{"tcp6", any6, 1, any6.Addr()},
		{"tcp dual-stack", dual, 0, any4.Addr()},
	}
	for _, s := range specs {
		lfd, laddr, err := listenTCP(s.at, s.v6only)
		if err != nil {
			return fmt.Errorf("%s listener: %w", s.name, err)
		}
		if err := h.addInet(s.name+" listener", sockets.TCP, sockets.Listen, lfd); err != nil {
			return err
		}
		if s.name == "tcp4" {
			h.lo4 = listener{lfd, laddr}
		}
		c, s2, err := connectPair(lfd, netip.AddrPortFrom(s.client, laddr.Port()))
		if err != nil {
			return fmt.Errorf("%s pair: %w", s.name, err)
		}
		if err := h.addInet(s.name+" established client", sockets.TCP, sockets.Established, c); err != nil {
			return err
		}
		if err := h.addInet(s.name+" established server", sockets.TCP, sockets.Established, s2); err != nil {
			return err
		}
	}
	return nil
}

// connectPair connects a client to the listener lfd at to and accepts it.
func connectPair(lfd int, to netip.AddrPort) (client, server int, err error) {
	client, _, err = dial(unix.SOCK_STREAM, to)
	if err != nil {
		return -1, -1, err
	}
	server, err = accept(lfd)
	if err != nil {
		unix.Close(client)
		return -1, -1, err
	}
	return client, server, nil
}

// halfClosed makes a pair whose client shut down its sending side: the
// client waits in FIN_WAIT2 and the server in CLOSE_WAIT, both still held.
func (h *holder) halfClosed() error {
	c, s, err := connectPair(h.lo4.fd, h.lo4.addr)
	if err != nil {
		return fmt.Errorf("half-closed pair: %w", err)
	}
	if err := unix.Shutdown(c, unix.SHUT_WR); err != nil {
		return fmt.Errorf("half-closed pair: shutdown: %w", err)
	}
	if err := readEOF(s); err != nil {
		return fmt.Errorf("half-closed pair: %w", err)
	}
	if err := waitTCPState(c, sockets.FinWait2); err != nil {
		return fmt.Errorf("half-closed pair: client: %w", err)
	}
	if err := waitTCPState(s, sockets.CloseWait); err != nil {
		return fmt.Errorf("half-closed pair: server: %w", err)
	}
	if err := h.addInet("tcp4 FIN_WAIT2 client (shut down)", sockets.TCP, sockets.FinWait2, c); err != nil {
		return err
	}
	return h.addInet("tcp4 CLOSE_WAIT server", sockets.TCP, sockets.CloseWait, s)
}

// timeWait makes a pair whose client closes first: once the server's FIN
// is acknowledged (the server reaches CLOSE), the client's end is in
// TIME_WAIT for 60 seconds, held by no process. It runs last, so the 60
// seconds start as late as possible.
func (h *holder) timeWait() error {
	c, s, err := connectPair(h.lo4.fd, h.lo4.addr)
	if err != nil {
		return fmt.Errorf("time-wait pair: %w", err)
	}
	if err := h.addInet("tcp4 TIME_WAIT client (closed first)", sockets.TCP, sockets.TimeWait, c); err != nil {
		return err
	}
	e := h.last()
	e.Inode, e.Owners = 0, nil
	e.UID = 0 // the kernel keeps no uid for a TIME_WAIT socket
	unix.Close(c)
	if err := readEOF(s); err != nil {
		return fmt.Errorf("time-wait pair: %w", err)
	}
	if err := unix.Shutdown(s, unix.SHUT_WR); err != nil {
		return fmt.Errorf("time-wait pair: shutdown: %w", err)
	}
	if err := waitTCPState(s, sockets.Close); err != nil {
		return fmt.Errorf("time-wait pair: server: %w", err)
	}
	return unix.Close(s)
}

// udp makes unconnected sockets on 127.0.0.1 and [::1], and one connected
// to the first.
func (h *holder) udp() error {
	u4, a4, err := bindInet(unix.SOCK_DGRAM, any4, 0)
	if err != nil {
		return fmt.Errorf("udp4: %w", err)
	}
	if err := h.addInet("udp4 unconnected", sockets.UDP, sockets.Close, u4); err != nil {
		return err
	}
	u6, _, err := bindInet(unix.SOCK_DGRAM, any6, 1)
	if err != nil {
		return fmt.Errorf("udp6: %w", err)
	}
	if err := h.addInet("udp6 unconnected", sockets.UDP, sockets.Close, u6); err != nil {
		return err
	}
	uc, _, err := dial(unix.SOCK_DGRAM, a4)
	if err != nil {
		return fmt.Errorf("udp4 connected: %w", err)
	}
	return h.addInet("udp4 connected", sockets.UDP, sockets.Established, uc)
}

// unix makes a stream listener on a path, a connected socketpair, a
// datagram socket bound to a path and an abstract stream listener.
func (h *holder) unix() error {
	add := func(name string, typ sockets.SockType, state sockets.State, fd int, path string, peer uint64) error {
		ino, err := inodeOf(fd)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		h.m.Sockets = append(h.m.Sockets, ExpectedSocket{
			Name: name, Proto: sockets.Unix, Family: sockets.Local, Type: typ, State: state,
			Path: path, Inode: ino, Peer: peer, UID: uint32(os.Geteuid()),
			Owners: []sockets.Process{h.owner(fd)},
		})
		return nil
	}
	for _, l := range []struct{ name, path string }{
		{"unix stream listener", filepath.Join(h.dir, "stream.sock")},
		{"unix abstract listener", "@" + netnsPrefix + h.token},
	} {
		fd, err := bindUnix(unix.SOCK_STREAM, l.path)
		if err == nil {
			err = unix.Listen(fd, 16)
		}
		if err == nil {
			err = add(l.name, sockets.Stream, sockets.Listen, fd, l.path, 0)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", l.name, err)
		}
	}
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("unix socketpair: %w", err)
	}
	a, err := inodeOf(pair[0])
	if err != nil {
		return err
	}
	b, err := inodeOf(pair[1])
	if err != nil {
		return err
	}
	if err := add("unix socketpair end a", sockets.Stream, sockets.Established, pair[0], "", b); err != nil {
		return err
	}
	if err := add("unix socketpair end b", sockets.Stream, sockets.Established, pair[1], "", a); err != nil {
		return err
	}
	path := filepath.Join(h.dir, "dgram.sock")
	fd, err := bindUnix(unix.SOCK_DGRAM, path)
	if err != nil {
		return fmt.Errorf("unix dgram: %w", err)
	}
	return add("unix dgram bound", sockets.Dgram, sockets.Close, fd, path, 0)
}
