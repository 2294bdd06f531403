package sockets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/netlink"
)

// dumpInternals dumps the p sockets of family fam of the calling thread's
// namespace asking the kernel for the internals mask, as the netlink
// source does once it passes Filter.Internals, and returns them with the
// raw replies.
func dumpInternals(fam Family, p Proto, mask InternalsMask) ([]Socket, []byte, error) {
	c, err := dialDiag()
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const seq = 7
	if err := c.Send(ctx, appendInetDiagRequestExt(nil, seq, fam, p, AllStates, mask)); err != nil {
		return nil, nil, err
	}
	buf := make([]byte, recvBufSize)
	var socks []Socket
	var rec []byte
	for {
		n, err := c.Receive(ctx, buf)
		if err != nil {
			return socks, rec, err
		}
		rec = append(rec, buf[:n]...)
		it := netlink.NewDump(buf[:n], seq, c.PortID())
		if socks, err = appendInetDiagExt(socks, &it, p, 0, mask); err != nil || it.Done() {
			return socks, rec, err
		}
	}
}

// exchange sends n bytes from a to b and reads them all at b.
func exchange(a, b int, n int) error {
	chunk := make([]byte, 16384)
	for i := range chunk {
		chunk[i] = byte(i)
	}
	errc := make(chan error, 1)
	go func() {
		left := n
		for left > 0 {
			w, err := unix.Write(a, chunk[:min(left, len(chunk))])
			if err != nil {
				errc <- err
				return
			}
			left -= w
		}
		errc <- nil
	}()
	rbuf := make([]byte, 65536)
	for got := 0; got < n; {
		r, err := unix.Read(b, rbuf)
		if err != nil {
			return err
		}
		if r == 0 {
			return errors.New("unexpected EOF")
		}
		got += r
	}
	return <-errc
}

// internalsPopulation opens, in the calling thread's namespace, TCP
// connections over lo whose internals differ, and returns their fds.
//
//   - 127.0.0.1:9100 a listener; from :41100 a cubic connection that moved
//     200000 bytes one way and 30000 back; from :41101 a bbr one (20000
//     bytes) with IP_TOS 0x10 and SO_MARK 42 on the client; from :41102 a
//     reno one left idle; from :41103 one closed client first (TIME_WAIT).
//   - [::1]:9101 a listener; from [::1]:41104 a connection with
//     IPV6_TCLASS 0x20 on the client and 5 unread bytes on the server.
//   - 127.0.0.1:9102 a UDP socket with one unread datagram.
func internalsPopulation() (fds []int, err error) {
	defer func() {
		if err != nil {
			for _, fd := range fds {
				unix.Close(fd)
			}
			fds = nil
		}
	}()
	l, err := inetSocket(ap4(9100), unix.SOCK_STREAM, 0)
	if err != nil {
		return fds, err
	}
	fds = append(fds, l)
	if err := unix.Listen(l, 16); err != nil {
		return fds, err
	}
	for i, cc := range []string{"cubic", "bbr", "reno", "cubic"} {
		from := ap4(uint16(41100 + i))
		c, err := inetSocket(from, unix.SOCK_STREAM, 0)
		if err != nil {
			return fds, err
		}
		if err := unix.SetsockoptString(c, unix.IPPROTO_TCP, unix.TCP_CONGESTION, cc); err != nil {
			unix.Close(c)
			return fds, err
		}
		if i == 1 {
			if err := unix.SetsockoptInt(c, unix.IPPROTO_IP, unix.IP_TOS, 0x10); err != nil {
				return fds, err
			}
			if err := unix.SetsockoptInt(c, unix.SOL_SOCKET, unix.SO_MARK, 42); err != nil {
				return fds, err
			}
		}
		if err := unix.Connect(c, sockaddr(ap4(9100))); err != nil {
			unix.Close(c)
			return fds, err
		}
		s, _, err := unix.Accept4(l, unix.SOCK_CLOEXEC)
		if err != nil {
			unix.Close(c)
			return fds, err
		}
		switch i {
		case 0:
			if err := exchange(c, s, 200000); err != nil {
				return fds, err
			}
			if err := exchange(s, c, 30000); err != nil {
				return fds, err
			}
		case 1:
			if err := exchange(c, s, 20000); err != nil {
				return fds, err
			}
		case 3:
			unix.Close(c)
			time.Sleep(20 * time.Millisecond)
			unix.Close(s)
			continue
		}
		fds = append(fds, c, s)
	}
	l6, err := inetSocket(ap6(9101), unix.SOCK_STREAM, 0)
	if err != nil {
		return fds, err
	}
	fds = append(fds, l6)
	if err := unix.Listen(l6, 16); err != nil {
		return fds, err
	}
	c6, err := inetSocket(ap6(41104), unix.SOCK_STREAM, 0)
	if err != nil {
		return fds, err
	}
	fds = append(fds, c6)
	if err := unix.SetsockoptInt(c6, unix.IPPROTO_IPV6, unix.IPV6_TCLASS, 0x20); err != nil {
		return fds, err
	}
	if err := unix.Connect(c6, sockaddr(ap6(9101))); err != nil {
		return fds, err
	}
	s6, _, err := unix.Accept4(l6, unix.SOCK_CLOEXEC)
	if err != nil {
		return fds, err
	}
	fds = append(fds, s6)
	if _, err := unix.Write(c6, []byte("hello")); err != nil {
		return fds, err
	}
	u, err := inetSocket(ap4(9102), unix.SOCK_DGRAM, 0)
	if err != nil {
		return fds, err
	}
	fds = append(fds, u)
	if err := unix.Sendto(u, []byte("datagram"), 0, sockaddr(ap4(9102))); err != nil {
		return fds, err
	}
	time.Sleep(50 * time.Millisecond) // the delayed ACKs go out
	return fds, nil
}

// TestCaptureInternalsFixtures writes testdata/netlink-internals/ (see
// testdata/README.md): dumps that asked for every internal.
func TestCaptureInternalsFixtures(t *testing.T) {
	dir := os.Getenv("SOCKSCOPE_CAPTURE_INTERNALS")
	if dir == "" {
		t.Skip("set SOCKSCOPE_CAPTURE_INTERNALS=DIR to capture the internals fixtures into DIR")
	}
	inNewNetNS(t, func() {
		fds, err := internalsPopulation()
		if err != nil {
			t.Error(err)
			return
		}
		defer func() {
			for _, fd := range fds {
				unix.Close(fd)
			}
		}()
		for _, j := range []struct {
			p   Proto
			fam Family
		}{{TCP, Inet}, {TCP, Inet6}, {UDP, Inet}} {
			socks, rec, err := dumpInternals(j.fam, j.p, AllInternals)
			if err != nil {
				t.Errorf("%s %s: %v", j.p, j.fam, err)
				continue
			}
			name := filepath.Join(dir, j.p.String()+"-"+j.fam.String()+".bin")
			if err := os.WriteFile(name, rec, 0o644); err != nil {
				t.Error(err)
			}
			for i := range socks {
				t.Logf("%s %+v", sockLine(&socks[i]), socks[i].Internals)
			}
		}
	})
}
