package sockets

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestIntegrationDestroy closes, in a namespace of the test's own, a
// socket of each kind kill meets and checks what the holders see: the
// peer of a closed connection reads ECONNRESET, a closed listener's
// accept fails, a closed UDP socket's read fails, and none of them is
// listed any more. Refusals come back as a *DestroyError with the reason:
// a socket gone already, a unix socket, a stale cookie, and a thread
// without CAP_NET_ADMIN.
func TestIntegrationDestroy(t *testing.T) {
	inNewNetNS(t, func() {
		if err := destroyInNamespace(t); err != nil {
			t.Error(err)
		}
	})
}

// destroyCase is one socket of TestIntegrationDestroy.
type destroyCase struct {
	name  string
	proto Proto
	local netip.AddrPort
	state State
}

func destroyInNamespace(t *testing.T) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var closers []func() error
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	keep := func(c interface{ Close() error }) { closers = append(closers, c.Close) }

	pair := func(network, addr string) (server, client net.Conn, ln net.Listener, err error) {
		ln, err = net.Listen(network, addr)
		if err != nil {
			return nil, nil, nil, err
		}
		keep(ln)
		client, err = net.Dial(network, ln.Addr().String())
		if err != nil {
			return nil, nil, nil, err
		}
		keep(client)
		server, err = ln.Accept()
		if err != nil {
			return nil, nil, nil, err
		}
		keep(server)
		return server, client, ln, nil
	}
	ap := func(a net.Addr) netip.AddrPort {
		switch a := a.(type) {
		case *net.TCPAddr:
			return a.AddrPort()
		case *net.UDPAddr:
			return a.AddrPort()
		}
		return netip.AddrPort{}
	}

	est, estPeer, _, err := pair("tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	est6, est6Peer, _, err := pair("tcp6", "[::1]:0")
	if err != nil {
		return err
	}
	cw, cwPeer, _, err := pair("tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	cwPeer.Close() // cw is left in CLOSE_WAIT
	tw, twPeer, _, err := pair("tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	twLocal := ap(tw.LocalAddr())
	tw.Close() // the active close: tw goes to FIN_WAIT2, then TIME_WAIT once the peer closes
	if _, err := twPeer.Read(make([]byte, 1)); err == nil {
		return errors.New("TIME_WAIT peer read data, want EOF")
	}
	twPeer.Close()
	// A plain TCP listener: Go's listeners are MPTCP by default, whose
	// TCP side the kernel refuses to close (checked below).
	var plain net.ListenConfig
	plain.SetMultipathTCP(false)
	ln, err := plain.Listen(ctx, "tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	keep(ln)
	var mp net.ListenConfig
	mp.SetMultipathTCP(true)
	mptcpLn, err := mp.Listen(ctx, "tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	keep(mptcpLn)
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	keep(udp)
	udp6, err := net.ListenPacket("udp6", "[::1]:0")
	if err != nil {
		return err
	}
	keep(udp6)
	udpPerm, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	keep(udpPerm)

	cases := []destroyCase{
		{"established", TCP, ap(est.LocalAddr()), Established},
		{"established6", TCP, ap(est6.LocalAddr()), Established},
		{"close-wait", TCP, ap(cw.LocalAddr()), CloseWait},
		{"listener", TCP, ap(ln.Addr()), Listen},
		{"udp", UDP, ap(udp.LocalAddr()), Close},
		{"udp6", UDP, ap(udp6.LocalAddr()), Close},
		{"time-wait", TCP, twLocal, TimeWait},
	}
	src := &netlinkSource{}
	find := func(c destroyCase) (*Socket, error) {
		socks, err := src.Snapshot(ctx, Filter{Protos: ProtoSet(0).With(TCP).With(UDP)}, nil)
		if err != nil {
			return nil, err
		}
		for i := range socks {
			s := &socks[i]
			if s.Proto == c.proto && s.Local == c.local && s.State == c.state {
				return s, nil
			}
		}
		return nil, nil
	}
	// The TIME_WAIT socket appears once the peer's FIN is handled.
	for deadline := time.Now().Add(5 * time.Second); ; {
		s, err := find(cases[len(cases)-1])
		if err != nil {
			return err
		}
		if s != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}

	d, err := NewDestroyer()
	if err != nil {
		return err
	}
	defer d.Close()
	// This kernel has CONFIG_INET_DIAG_DESTROY (the test closes
	// sockets): the probe must say so.
	if !d.(*netlinkDestroyer).kernelConfigured(ctx) {
		t.Error("the probe says the kernel lacks CONFIG_INET_DIAG_DESTROY")
	}
	closed := map[string]Socket{}
	for _, c := range cases {
		s, err := find(c)
		if err != nil {
			return err
		}
		if s == nil {
			t.Errorf("%s: %v %v %v not listed before Destroy", c.name, c.proto, c.local, c.state)
			continue
		}
		if err := d.Destroy(ctx, s); err != nil {
			t.Errorf("%s: Destroy: %v", c.name, err)
			continue
		}
		closed[c.name] = *s
		if again, err := find(c); err != nil {
			return err
		} else if again != nil {
			t.Errorf("%s: still listed after Destroy: %+v", c.name, *again)
		}
	}

	// What the holders see.
	deadline := time.Now().Add(5 * time.Second)
	for _, c := range []net.Conn{estPeer, est6Peer} {
		c.SetReadDeadline(deadline)
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, unix.ECONNRESET) {
			t.Errorf("peer of a destroyed connection %v: read %v, want ECONNRESET", c.LocalAddr(), err)
		}
	}
	est.SetReadDeadline(deadline)
	if _, err := est.Read(make([]byte, 1)); !errors.Is(err, unix.ECONNABORTED) {
		t.Errorf("destroyed connection: read %v, want ECONNABORTED", err)
	}
	ln.(*net.TCPListener).SetDeadline(deadline)
	if c, err := ln.Accept(); err == nil {
		c.Close()
		t.Error("destroyed listener accepted a connection")
	} else if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, unix.ETIMEDOUT) {
		t.Errorf("destroyed listener: accept %v, want an error at once", err)
	}
	for _, u := range []net.PacketConn{udp, udp6} {
		// The kernel sets the error, but a read on 6.18 does not
		// return it: SO_ERROR does.
		if err := soError(u.(*net.UDPConn)); !errors.Is(err, unix.ECONNABORTED) {
			t.Errorf("destroyed UDP socket %v: SO_ERROR %v, want ECONNABORTED", u.LocalAddr(), err)
		}
	}

	// Refusals.
	refused := func(name string, s *Socket, reason DestroyReason, errno unix.Errno) {
		t.Helper()
		err := d.Destroy(ctx, s)
		var de *DestroyError
		if !errors.As(err, &de) || de.Reason != reason || !errors.Is(err, errno) {
			t.Errorf("%s: Destroy = %v, want a *DestroyError %v matching %v", name, err, reason, errno)
		}
	}
	if s, ok := closed["established"]; ok {
		refused("established again", &s, DestroyGone, unix.ENOENT)
	}
	if mptcpTCP, err := find(destroyCase{"mptcp listener", TCP, ap(mptcpLn.Addr()), Listen}); err != nil {
		return err
	} else if mptcpTCP == nil {
		t.Log("no MPTCP listener here (kernel without MPTCP?): its case is skipped")
	} else {
		refused("MPTCP listener", mptcpTCP, DestroyMPTCPListener, unix.EINVAL)
		msk := *mptcpTCP
		msk.Proto, msk.Cookie = MPTCP, 0
		refused("MPTCP socket", &msk, DestroyProtocol, unix.EOPNOTSUPP)
	}
	refused("unix", &Socket{Proto: Unix, Family: Local, Path: "@x"}, DestroyProtocol, unix.EOPNOTSUPP)
	stale, err := find(destroyCase{"stale", UDP, ap(udpPerm.LocalAddr()), Close})
	if err != nil || stale == nil {
		return errors.Join(errors.New("UDP socket not listed"), err)
	}
	s := *stale
	s.Cookie++
	refused("stale cookie", &s, DestroyGone, unix.ENOENT)
	if err := dropNetAdmin(); err != nil {
		return err
	}
	refused("without CAP_NET_ADMIN", stale, DestroyPermission, unix.EPERM)
	if !slices.ContainsFunc(cases, func(c destroyCase) bool { return c.state == TimeWait }) {
		t.Error("no TIME_WAIT case")
	}
	return nil
}

// soError returns the pending error of c (SO_ERROR).
func soError(c *net.UDPConn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var soErr int
	if cerr := rc.Control(func(fd uintptr) {
		soErr, err = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
	}); cerr != nil {
		return cerr
	}
	if err != nil {
		return err
	}
	return unix.Errno(soErr)
}

func TestDestroyReason(t *testing.T) {
	tcp := &Socket{Proto: TCP, State: Established}
	listener := &Socket{Proto: TCP, State: Listen}
	raw := &Socket{Proto: Raw, State: Close}
	for _, c := range []struct {
		errno      unix.Errno
		s          *Socket
		configured bool
		want       DestroyReason
	}{
		{unix.ENOENT, tcp, true, DestroyGone},
		{unix.ENOENT, raw, true, DestroyProtocol},
		{unix.EPERM, tcp, true, DestroyPermission},
		{unix.EACCES, tcp, true, DestroyPermission},
		{unix.EOPNOTSUPP, tcp, false, DestroyNoKernelSupport},
		{unix.EOPNOTSUPP, &Socket{Proto: MPTCP}, true, DestroyProtocol},
		{unix.EINVAL, listener, true, DestroyMPTCPListener},
		{unix.EINVAL, tcp, true, DestroyRefused},
		{unix.EBUSY, tcp, true, DestroyRefused},
	} {
		asked := false
		got := destroyReason(c.errno, c.s, func() bool { asked = true; return c.configured })
		if got != c.want {
			t.Errorf("%v for %v %v: %v, want %v", c.errno, c.s.Proto, c.s.State, got, c.want)
		}
		if asked != (c.errno == unix.EOPNOTSUPP) {
			t.Errorf("%v: the kernel probed %v, want only for EOPNOTSUPP", c.errno, asked)
		}
	}
}

// dropNetAdmin removes CAP_NET_ADMIN from the calling thread's effective
// capabilities (capabilities are per thread: the rest of the test
// process keeps it).
func dropNetAdmin() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return err
	}
	data[unix.CAP_NET_ADMIN/32].Effective &^= 1 << (unix.CAP_NET_ADMIN % 32)
	return unix.Capset(&hdr, &data[0])
}
