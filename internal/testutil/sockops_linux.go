package testutil

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The raw socket operations of the holder. Every socket is non-blocking and
// close-on-exec (so a child started by the holder holds only the sockets
// passed to it on purpose), and every wait has a deadline.

// ioTimeout bounds each wait of the holder for the kernel: a connection to
// be accepted, a FIN to arrive, a state to be reached.
const ioTimeout = 10 * time.Second

// newSocket opens a non-blocking, close-on-exec socket.
func newSocket(domain, typ int) (int, error) {
	fd, err := unix.Socket(domain, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	return fd, nil
}

// domainOf returns AF_INET or AF_INET6 for an address.
func domainOf(ap netip.AddrPort) int {
	if ap.Addr().Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// toSockaddr converts an address to the unix package's form.
func toSockaddr(ap netip.AddrPort) unix.Sockaddr {
	if ap.Addr().Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
}

// fromSockaddr converts an inet address back; other kinds give the zero
// AddrPort.
func fromSockaddr(sa unix.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port))
	}
	return netip.AddrPort{}
}

// localAddr returns the address a socket is bound to.
func localAddr(fd int) (netip.AddrPort, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("getsockname: %w", err)
	}
	return fromSockaddr(sa), nil
}

// inodeOf returns the inode of a socket, as sock_diag and /proc/PID/fd
// report it.
func inodeOf(fd int) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, fmt.Errorf("fstat: %w", err)
	}
	return st.Ino, nil
}

// bindInet opens a socket of type typ bound to ap. v6only is applied to
// IPv6 sockets: 1 for IPv6 only, 0 for dual-stack.
func bindInet(typ int, ap netip.AddrPort, v6only int) (int, netip.AddrPort, error) {
	fd, err := newSocket(domainOf(ap), typ)
	if err != nil {
		return -1, netip.AddrPort{}, err
	}
	if ap.Addr().Is6() {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, v6only); err != nil {
			unix.Close(fd)
			return -1, netip.AddrPort{}, fmt.Errorf("IPV6_V6ONLY: %w", err)
		}
	}
	if err := unix.Bind(fd, toSockaddr(ap)); err != nil {
		unix.Close(fd)
		return -1, netip.AddrPort{}, fmt.Errorf("bind %v: %w", ap, err)
	}
	local, err := localAddr(fd)
	if err != nil {
		unix.Close(fd)
		return -1, netip.AddrPort{}, err
	}
	return fd, local, nil
}

// listenTCP opens a TCP listener on ap (port 0: any free port).
func listenTCP(ap netip.AddrPort, v6only int) (int, netip.AddrPort, error) {
	fd, local, err := bindInet(unix.SOCK_STREAM, ap, v6only)
	if err != nil {
		return -1, local, err
	}
	if err := unix.Listen(fd, 16); err != nil {
		unix.Close(fd)
		return -1, local, fmt.Errorf("listen %v: %w", local, err)
	}
	return fd, local, nil
}

// connectFD connects fd to sa and waits until the connection is made.
func connectFD(fd int, sa unix.Sockaddr) error {
	err := unix.Connect(fd, sa)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.EINPROGRESS) && !errors.Is(err, unix.EINTR) {
		return fmt.Errorf("connect: %w", err)
	}
	if err := waitFD(fd, unix.POLLOUT); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	soErr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return fmt.Errorf("connect: SO_ERROR: %w", err)
	}
	if soErr != 0 {
		return fmt.Errorf("connect: %w", unix.Errno(soErr))
	}
	return nil
}

// dial opens a socket of type typ connected to to, from the loopback
// address of to's family, and returns it with its local address.
func dial(typ int, to netip.AddrPort) (int, netip.AddrPort, error) {
	fd, err := newSocket(domainOf(to), typ)
	if err != nil {
		return -1, netip.AddrPort{}, err
	}
	if err := connectFD(fd, toSockaddr(to)); err != nil {
		unix.Close(fd)
		return -1, netip.AddrPort{}, fmt.Errorf("%v: %w", to, err)
	}
	local, err := localAddr(fd)
	if err != nil {
		unix.Close(fd)
		return -1, netip.AddrPort{}, err
	}
	return fd, local, nil
}

// accept waits for a connection on the listener lfd and accepts it.
func accept(lfd int) (int, error) {
	for {
		fd, _, err := unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch {
		case err == nil:
			return fd, nil
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
			if err := waitFD(lfd, unix.POLLIN); err != nil {
				return -1, fmt.Errorf("accept: %w", err)
			}
		default:
			return -1, fmt.Errorf("accept: %w", err)
		}
	}
}

// readEOF waits until the peer of fd has sent its FIN and no data is left.
func readEOF(fd int) error {
	var buf [64]byte
	for {
		n, err := unix.Read(fd, buf[:])
		switch {
		case err == nil && n == 0:
			return nil
		case err == nil:
			return fmt.Errorf("read: unexpected %d bytes of data", n)
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
			if err := waitFD(fd, unix.POLLIN); err != nil {
				return fmt.Errorf("waiting for FIN: %w", err)
			}
		default:
			return fmt.Errorf("read: %w", err)
		}
	}
}

// waitFD waits up to ioTimeout for events on fd.
func waitFD(fd int, events int16) error {
	deadline := time.Now().Add(ioTimeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("timed out after %v", ioTimeout)
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: events}}
		n, err := unix.Poll(fds, int(left/time.Millisecond)+1)
		switch {
		case errors.Is(err, unix.EINTR):
		case err != nil:
			return fmt.Errorf("poll: %w", err)
		case n > 0:
			return nil
		}
	}
}

// waitTCPState waits until the TCP socket fd is in state want. The kernel
// signals no event for the transitions waited for here (an ACK of our FIN
// arriving), so this polls TCP_INFO, briefly, with a deadline.
func waitTCPState(fd int, want sockets.State) error {
	deadline := time.Now().Add(ioTimeout)
	for {
		info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			return fmt.Errorf("TCP_INFO: %w", err)
		}
		got := sockets.State(info.State)
		if got == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("socket still in %v after %v, want %v", got, ioTimeout, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// bindUnix opens a unix socket of type typ bound to name (a path, or
// "@name" for the abstract namespace).
func bindUnix(typ int, name string) (int, error) {
	fd, err := newSocket(unix.AF_UNIX, typ)
	if err != nil {
		return -1, err
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: name}); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("bind %s: %w", name, err)
	}
	return fd, nil
}

// fillWindow writes to the TCP socket fd, whose peer never reads, until the
// peer advertises a zero window and fd still has data queued that it could
// not send. From then on nothing fd queues, a FIN included, can be sent,
// let alone acknowledged, until the peer reads: the peer answers fd's
// window probes with the same zero window. The send buffer is fixed small
// (autotuning off), to bound the memory and the time this takes.
func fillWindow(fd int) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 64<<10); err != nil {
		return fmt.Errorf("SO_SNDBUF: %w", err)
	}
	buf := make([]byte, 64<<10)
	deadline := time.Now().Add(ioTimeout)
	for {
		for {
			_, err := unix.Write(fd, buf)
			if errors.Is(err, unix.EAGAIN) {
				break
			}
			if err != nil && !errors.Is(err, unix.EINTR) {
				return fmt.Errorf("filling the peer's window: write: %w", err)
			}
		}
		info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			return fmt.Errorf("filling the peer's window: TCP_INFO: %w", err)
		}
		if info.Snd_wnd == 0 && info.Notsent_bytes > 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("filling the peer's window: after %v, its window is %d bytes and %d bytes wait unsent",
				ioTimeout, info.Snd_wnd, info.Notsent_bytes)
		}
		// The peer has not closed its window yet: wait for the send buffer
		// to drain (acknowledgements), or briefly for the window update.
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		if _, err := unix.Poll(fds, 10); err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("filling the peer's window: poll: %w", err)
		}
	}
}
