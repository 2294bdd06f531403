package sockets

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// setMD5Key adds a TCP-MD5 key for peer to the socket fd: TCP_MD5SIG for
// that one address, or with prefix >= 0 TCP_MD5SIG_EXT for peer/prefix.
func setMD5Key(fd int, peer netip.Addr, prefix int, key string) error {
	var sig unix.TCPMD5Sig
	if peer.Is4() {
		sig.Addr.Family = unix.AF_INET
		a := peer.As4()
		copy(sig.Addr.Data[2:6], a[:]) // sockaddr_in: port, then sin_addr
	} else {
		sig.Addr.Family = unix.AF_INET6
		a := peer.As16()
		copy(sig.Addr.Data[6:22], a[:]) // sockaddr_in6: port, flowinfo, then sin6_addr
	}
	sig.Keylen = uint16(copy(sig.Key[:], key))
	opt := unix.TCP_MD5SIG
	if prefix >= 0 {
		sig.Flags, sig.Prefixlen, opt = unix.TCP_MD5SIG_FLAG_PREFIX, uint8(prefix), unix.TCP_MD5SIG_EXT
	}
	return unix.SetsockoptTCPMD5Sig(fd, unix.IPPROTO_TCP, opt, &sig)
}

// ulpPopulation opens, in the calling thread's namespace, the sockets
// whose replies carry INET_DIAG_ULP_INFO and INET_DIAG_MD5SIG, and
// returns their fds:
//
//   - 127.0.0.1:9110 an MPTCP listener, and from :41110 an MPTCP
//     connection that sent 5000 bytes and received 3000: the kernel lists
//     their TCP subflows (and the listener's) with the ULP "mptcp".
//   - 127.0.0.1:9111 a TCP listener with two TCP-MD5 keys: "sec ret,\x\x01"
//     for 127.0.0.1 (bytes ss escapes) and "k2" for 10.1.0.0/16.
//   - [::1]:9112 a TCP listener with the key "v6" for ::1.
func ulpPopulation() (fds []int, err error) {
	defer func() {
		if err != nil {
			for _, fd := range fds {
				unix.Close(fd)
			}
			fds = nil
		}
	}()
	l, err := inetSocket(ap4(9110), unix.SOCK_STREAM, unix.IPPROTO_MPTCP)
	if err != nil {
		return fds, err
	}
	fds = append(fds, l)
	if err := unix.Listen(l, 16); err != nil {
		return fds, err
	}
	c, err := inetSocket(ap4(41110), unix.SOCK_STREAM, unix.IPPROTO_MPTCP)
	if err != nil {
		return fds, err
	}
	fds = append(fds, c)
	if err := unix.Connect(c, sockaddr(ap4(9110))); err != nil {
		return fds, err
	}
	s, _, err := unix.Accept4(l, unix.SOCK_CLOEXEC)
	if err != nil {
		return fds, err
	}
	fds = append(fds, s)
	if err := exchange(c, s, 5000); err != nil {
		return fds, err
	}
	if err := exchange(s, c, 3000); err != nil {
		return fds, err
	}
	for _, k := range []struct {
		at     netip.AddrPort
		peer   netip.Addr
		prefix int
		key    string
	}{
		{ap4(9111), lo4, -1, "sec ret,\\x\x01"},
		{ap4(9111), netip.MustParseAddr("10.1.0.0"), 16, "k2"},
		{ap6(9112), lo6, -1, "v6"},
	} {
		fd := -1
		if k.key == "k2" {
			fd = fds[len(fds)-1]
		} else {
			if fd, err = inetSocket(k.at, unix.SOCK_STREAM, 0); err != nil {
				return fds, err
			}
			fds = append(fds, fd)
			if err := unix.Listen(fd, 16); err != nil {
				return fds, err
			}
		}
		if err := setMD5Key(fd, k.peer, k.prefix, k.key); err != nil {
			return fds, err
		}
	}
	time.Sleep(50 * time.Millisecond) // the delayed ACKs go out
	return fds, nil
}

// ulpSupported reports why this kernel cannot run ulpPopulation, or "".
func ulpSupported() string {
	if b, err := os.ReadFile("/proc/sys/net/mptcp/enabled"); err != nil || len(b) == 0 || b[0] != '1' {
		return "MPTCP is not enabled in this kernel (/proc/sys/net/mptcp/enabled)"
	}
	return ""
}

// TestULPLive dumps the population's TCP sockets from the kernel and
// finds each one's ULP and MD5 keys.
func TestULPLive(t *testing.T) {
	if why := ulpSupported(); why != "" {
		t.Skip(why)
	}
	inNewNetNS(t, func() {
		fds, err := ulpPopulation()
		defer func() {
			for _, fd := range fds {
				unix.Close(fd)
			}
		}()
		if err != nil {
			t.Errorf("population: %v", err)
			return
		}
		socks, _, err := dumpInternals(Inet, TCP, WantInfo)
		if err != nil {
			t.Error(err)
			return
		}
		checkULPInet(t, socks)
		// Without tcp_info asked the kernel sends neither.
		socks, _, err = dumpInternals(Inet, TCP, WantMemory)
		if err != nil {
			t.Error(err)
			return
		}
		for i := range socks {
			if in := socks[i].Internals; in != nil && in.Has&(HasULP|HasMD5Sig) != 0 {
				t.Errorf("%s: ULP or MD5 keys without tcp_info asked: %+v", sockLine(&socks[i]), in)
			}
		}
		socks, _, err = dumpInternals(Inet6, TCP, WantInfo)
		if err != nil {
			t.Error(err)
			return
		}
		checkULPInet6(t, socks)
	})
}

// TestCaptureULPFixtures writes testdata/netlink-internals/tcp-ulp-*.bin
// (see testdata/README.md): the population's TCP dumps asking for every
// internal.
func TestCaptureULPFixtures(t *testing.T) {
	dir := os.Getenv("SOCKSCOPE_CAPTURE_INTERNALS")
	if dir == "" {
		t.Skip("set SOCKSCOPE_CAPTURE_INTERNALS=DIR to capture the ULP fixtures into DIR")
	}
	if why := ulpSupported(); why != "" {
		t.Skip(why)
	}
	inNewNetNS(t, func() {
		fds, err := ulpPopulation()
		defer func() {
			for _, fd := range fds {
				unix.Close(fd)
			}
		}()
		if err != nil {
			t.Error(err)
			return
		}
		for _, fam := range []Family{Inet, Inet6} {
			socks, rec, err := dumpInternals(fam, TCP, AllInternals)
			if err != nil {
				t.Errorf("%s: %v", fam, err)
				continue
			}
			name := filepath.Join(dir, "tcp-ulp-"+fam.String()+".bin")
			if err := os.WriteFile(name, rec, 0o644); err != nil {
				t.Error(err)
			}
			for i := range socks {
				t.Logf("%s %+v", sockLine(&socks[i]), socks[i].Internals)
			}
		}
	})
}
