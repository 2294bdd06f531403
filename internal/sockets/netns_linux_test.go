package sockets

// The namespace and the known population of sockets that the netlink
// integration tests and the fixture capture run in.

import (
	"errors"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// inNewNetNS runs fn on an OS thread that unshared into a new network
// namespace with lo up. The thread stays locked, so it exits with the
// goroutine and nothing else ever runs in that namespace. It skips the test
// when not root, and fails it if the namespace cannot be made. fn may call
// t.Error but not t.Fatal.
func inNewNetNS(t *testing.T, fn func()) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates a network namespace with unshare(CLONE_NEWNET)")
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		if err := setLoopbackUp(); err != nil {
			errc <- err
			return
		}
		fn()
		errc <- nil
	}()
	if err := <-errc; errors.Is(err, unix.EPERM) {
		t.Skipf("cannot create a network namespace here: %v", err)
	} else if err != nil {
		t.Fatalf("network namespace: %v", err)
	}
}

// setLoopbackUp sets IFF_UP on lo with SIOCSIFFLAGS, in the calling
// thread's network namespace.
func setLoopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// population is a set of sockets opened in a test namespace, with the
// Socket each one should be listed as.
type population struct {
	fds  []int
	want []Socket
}

func (p *population) close() {
	for _, fd := range p.fds {
		unix.Close(fd)
	}
}

// add records fd (opened by the caller) and the Socket expected for it,
// completed with its inode and cookie; it returns the index in want.
func (p *population) add(fd int, s Socket) (int, error) {
	p.fds = append(p.fds, fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, err
	}
	cookie, err := unix.GetsockoptUint64(fd, unix.SOL_SOCKET, unix.SO_COOKIE)
	if err != nil {
		return 0, err
	}
	s.Inode, s.Cookie = st.Ino, cookie
	p.want = append(p.want, s)
	return len(p.want) - 1, nil
}

func sockaddr(ap netip.AddrPort) unix.Sockaddr {
	if ap.Addr().Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
}

func inetSocket(ap netip.AddrPort, typ, proto int) (int, error) {
	fam := unix.AF_INET6
	if ap.Addr().Is4() {
		fam = unix.AF_INET
	}
	fd, err := unix.Socket(fam, typ|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return -1, err
	}
	if err := unix.Bind(fd, sockaddr(ap)); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// tcpPair connects a client bound to from to the listener lfd at to, and
// accepts it; it returns the client's and the server's fd.
func tcpPair(lfd int, from, to netip.AddrPort) (int, int, error) {
	c, err := inetSocket(from, unix.SOCK_STREAM, 0)
	if err != nil {
		return -1, -1, err
	}
	if err := unix.Connect(c, sockaddr(to)); err != nil {
		unix.Close(c)
		return -1, -1, err
	}
	s, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
	if err != nil {
		unix.Close(c)
		return -1, -1, err
	}
	return c, s, nil
}

var (
	any6  = netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
	hello = []byte("hello")
)

// openPopulation opens, in the calling thread's (fresh) namespace: TCP
// listeners on 127.0.0.1:8080 and [::1]:8080, an established pair with 5
// unread bytes, a FIN_WAIT2/CLOSE_WAIT pair, a UDP socket on
// 127.0.0.1:5353 and one on [::1]:5354 connected to [::1]:5355, a unix
// stream listener at path with an accepted connection holding 3 unread
// bytes, an abstract unix datagram socket and a seqpacket socketpair.
func openPopulation(path string) (p *population, err error) {
	p = &population{}
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	tcp := func(st State, l, r netip.AddrPort, rq, sq uint32) Socket {
		fam := Inet
		if l.Addr().Is6() {
			fam = Inet6
		}
		return Socket{Proto: TCP, Family: fam, State: st, Local: l, Remote: r, RecvQ: rq, SendQ: sq}
	}
	l4, err := inetSocket(ap4(8080), unix.SOCK_STREAM, 0)
	if err != nil {
		return p, err
	}
	if _, err := p.add(l4, tcp(Listen, ap4(8080), any4, 0, 16)); err != nil {
		return p, err
	}
	l6, err := inetSocket(ap6(8080), unix.SOCK_STREAM, 0)
	if err != nil {
		return p, err
	}
	if _, err := p.add(l6, tcp(Listen, ap6(8080), any6, 0, 16)); err != nil {
		return p, err
	}
	for _, fd := range []int{l4, l6} {
		if err := unix.Listen(fd, 16); err != nil {
			return p, err
		}
	}
	c, s, err := tcpPair(l4, ap4(40000), ap4(8080))
	if err != nil {
		return p, err
	}
	p.add(c, tcp(Established, ap4(40000), ap4(8080), 0, 0))
	p.add(s, tcp(Established, ap4(8080), ap4(40000), uint32(len(hello)), 0))
	if _, err := unix.Write(c, hello); err != nil {
		return p, err
	}
	c, s, err = tcpPair(l4, ap4(40001), ap4(8080))
	if err != nil {
		return p, err
	}
	p.add(c, tcp(FinWait2, ap4(40001), ap4(8080), 0, 0))
	// The FIN counts in the receive queue as inet_diag reports it (and ss
	// shows it), though SIOCINQ leaves it out.
	p.add(s, tcp(CloseWait, ap4(8080), ap4(40001), 1, 0))
	if err := unix.Shutdown(c, unix.SHUT_WR); err != nil {
		return p, err
	}

	u4, err := inetSocket(ap4(5353), unix.SOCK_DGRAM, 0)
	if err != nil {
		return p, err
	}
	p.add(u4, Socket{Proto: UDP, Family: Inet, State: Close, Local: ap4(5353), Remote: any4})
	u6, err := inetSocket(ap6(5354), unix.SOCK_DGRAM, 0)
	if err != nil {
		return p, err
	}
	if err := unix.Connect(u6, sockaddr(ap6(5355))); err != nil {
		return p, err
	}
	p.add(u6, Socket{Proto: UDP, Family: Inet6, State: Established, Local: ap6(5354), Remote: ap6(5355)})

	return p, addUnixPopulation(p, path)
}

func addUnixPopulation(p *population, path string) error {
	unixSock := func(typ int) (int, error) { return unix.Socket(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0) }
	ux := func(t SockType, st State, path string, rq, sq uint32) Socket {
		return Socket{Proto: Unix, Family: Local, Type: t, State: st, Path: path, RecvQ: rq, SendQ: sq}
	}
	l, err := unixSock(unix.SOCK_STREAM)
	if err != nil {
		return err
	}
	p.add(l, ux(Stream, Listen, path, 0, 8))
	if err := unix.Bind(l, &unix.SockaddrUnix{Name: path}); err != nil {
		return err
	}
	if err := unix.Listen(l, 8); err != nil {
		return err
	}
	c, err := unixSock(unix.SOCK_STREAM)
	if err != nil {
		return err
	}
	ci, _ := p.add(c, ux(Stream, Established, "", 0, 0))
	if err := unix.Connect(c, &unix.SockaddrUnix{Name: path}); err != nil {
		return err
	}
	s, _, err := unix.Accept4(l, unix.SOCK_CLOEXEC)
	if err != nil {
		return err
	}
	si, _ := p.add(s, ux(Stream, Established, path, 0, 0))
	if _, err := unix.Write(c, []byte("abc")); err != nil {
		return err
	}
	p.want[ci].Peer, p.want[ci].PeerPath = p.want[si].Inode, path
	p.want[si].Peer = p.want[ci].Inode

	d, err := unixSock(unix.SOCK_DGRAM)
	if err != nil {
		return err
	}
	abstract := "sockscope-test-" + strconv.Itoa(os.Getpid())
	p.add(d, ux(Dgram, Close, "@"+abstract, 0, 0))
	if err := unix.Bind(d, &unix.SockaddrUnix{Name: "@" + abstract}); err != nil {
		return err
	}

	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	a, _ := p.add(pair[0], ux(SeqPacket, Established, "", 0, 0))
	b, _ := p.add(pair[1], ux(SeqPacket, Established, "", 0, 0))
	p.want[a].Peer, p.want[b].Peer = p.want[b].Inode, p.want[a].Inode

	// UNIX_DIAG_RQLEN of a non-listening socket is what SIOCINQ and
	// SIOCOUTQ say; the send queue counts skb truesize, which depends on
	// the kernel, so ask rather than guess.
	for i := range p.want {
		if w := &p.want[i]; w.Proto == Unix && w.State != Listen {
			inq, err := unix.IoctlGetInt(p.fds[i], unix.SIOCINQ)
			if err != nil {
				return err
			}
			outq, err := unix.IoctlGetInt(p.fds[i], unix.SIOCOUTQ)
			if err != nil {
				return err
			}
			w.RecvQ, w.SendQ = uint32(inq), uint32(outq)
		}
	}
	return nil
}

// wantLines returns the expected listing for f, in sockLine form, sorted.
func (p *population) wantLines(f Filter, netns uint64) []string {
	var lines []string
	for _, s := range p.want {
		if f.Match(&s) {
			s.NetNS = netns
			lines = append(lines, sockLine(&s))
		}
	}
	slices.Sort(lines)
	return lines
}
