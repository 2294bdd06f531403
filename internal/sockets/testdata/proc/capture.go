//go:build ignore

// capture.go writes the /proc/net fixtures in this directory. It must run as
// root inside a fresh network namespace whose lo is up and that has a veth
// pair veth0/veth1, both ends in the namespace, veth0 holding 10.99.0.1/24 and
// fe80::1/64; see testdata/README.md ("/proc/net fixtures") for the exact
// command. It opens a known set of sockets, all on loopback or on veth0
// (whose peer answers nothing, so a SYN to 10.99.0.2 stays unanswered), copies tcp, tcp6, udp, udp6, udplite, udplite6, raw, raw6 and unix
// from /proc/thread-self/net into net/, and closes everything.
package main

import (
	"bufio"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

const nobody = 65534

func main() {
	if len(os.Args) > 1 && os.Args[1] == "child" {
		child()
		return
	}
	if len(os.Args) != 2 {
		log.Fatal("usage: go run capture.go OUTDIR")
	}
	out := os.Args[1]
	dir := "/tmp/sockscope-fixtures"
	must(os.RemoveAll(dir))
	must(os.MkdirAll(dir, 0o777))
	defer os.RemoveAll(dir)

	// A process running as nobody, so that some sockets have uid 65534.
	self, err := os.Executable()
	must(err)
	cmd := exec.Command(self, "child")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	stdin, err := cmd.StdinPipe()
	must(err)
	stdout, err := cmd.StdoutPipe()
	must(err)
	cmd.Stderr = os.Stderr
	must(cmd.Start())
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		log.Fatalf("child: %q %v", line, err)
	}

	lo4 := [4]byte{127, 0, 0, 1}
	lo6 := [16]byte{15: 1}
	ll6 := [16]byte{0: 0xfe, 1: 0x80, 15: 1}
	veth := ifindex("veth0")

	// TCP over IPv4: a listener with one accepted connection holding 5
	// unread bytes, a pair in FIN_WAIT2/CLOSE_WAIT, one in TIME_WAIT, one
	// connection left in the accept queue (accept() is FIFO, so it is
	// dialled last), and a SYN_SENT to veth0's silent peer.
	l := listen(syscall.AF_INET, &syscall.SockaddrInet4{Port: 7001, Addr: lo4})
	c1 := dial(syscall.AF_INET, &syscall.SockaddrInet4{Port: 7001, Addr: lo4})
	a1 := accept(l)
	_, err = syscall.Write(c1, []byte("hello"))
	must(err)
	c3 := dial(syscall.AF_INET, &syscall.SockaddrInet4{Port: 7001, Addr: lo4})
	a3 := accept(l)
	must(syscall.Close(c3)) // c3 FIN_WAIT2, a3 CLOSE_WAIT
	c4 := dial(syscall.AF_INET, &syscall.SockaddrInet4{Port: 7001, Addr: lo4})
	a4 := accept(l)
	must(syscall.Close(c4))
	time.Sleep(50 * time.Millisecond)
	must(syscall.Close(a4)) // c4 TIME_WAIT
	c2 := dial(syscall.AF_INET, &syscall.SockaddrInet4{Port: 7001, Addr: lo4})
	any4 := listen(syscall.AF_INET, &syscall.SockaddrInet4{Port: 7002})
	syn := socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK, 0)
	if err := syscall.Connect(syn, &syscall.SockaddrInet4{Port: 7003, Addr: [4]byte{10, 99, 0, 2}}); err != syscall.EINPROGRESS {
		log.Fatalf("syn-sent connect: %v", err)
	}

	// TCP over IPv6: a dual-stack listener with an IPv4 client (so an
	// IPv4-mapped address), a ::1 pair, and a link-local pair on veth0.
	dual := listen(syscall.AF_INET6, &syscall.SockaddrInet6{Port: 7004})
	c5 := dial(syscall.AF_INET, &syscall.SockaddrInet4{Port: 7004, Addr: lo4})
	a5 := accept(dual)
	l6 := listen(syscall.AF_INET6, &syscall.SockaddrInet6{Port: 7005, Addr: lo6})
	c6 := dial(syscall.AF_INET6, &syscall.SockaddrInet6{Port: 7005, Addr: lo6})
	a6 := accept(l6)
	ll := listen(syscall.AF_INET6, &syscall.SockaddrInet6{Port: 7006, Addr: ll6, ZoneId: veth})
	c7 := dial(syscall.AF_INET6, &syscall.SockaddrInet6{Port: 7006, Addr: ll6, ZoneId: veth})
	a7 := accept(ll)

	// UDP and UDP-Lite: bound, connected, and a datagram left unread.
	u4 := bound(syscall.AF_INET, syscall.IPPROTO_UDP, &syscall.SockaddrInet4{Port: 7010, Addr: lo4})
	u4c := socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	must(syscall.Connect(u4c, &syscall.SockaddrInet4{Port: 7010, Addr: lo4}))
	_, err = syscall.Write(u4c, []byte("datagram"))
	must(err)
	u4any := bound(syscall.AF_INET, syscall.IPPROTO_UDP, &syscall.SockaddrInet4{Port: 7011})
	u6 := bound(syscall.AF_INET6, syscall.IPPROTO_UDP, &syscall.SockaddrInet6{Port: 7012, Addr: lo6})
	u6c := socket(syscall.AF_INET6, syscall.SOCK_DGRAM, 0)
	must(syscall.Connect(u6c, &syscall.SockaddrInet6{Port: 7012, Addr: lo6}))
	u6ll := bound(syscall.AF_INET6, syscall.IPPROTO_UDP, &syscall.SockaddrInet6{Port: 7013, Addr: ll6, ZoneId: veth})
	const udplite = 136
	ul4 := bound(syscall.AF_INET, udplite, &syscall.SockaddrInet4{Port: 7020, Addr: lo4})
	ul6 := bound(syscall.AF_INET6, udplite, &syscall.SockaddrInet6{Port: 7021, Addr: lo6})

	// Raw: ICMP and an experimental protocol (253) over IPv4, ICMPv6.
	r1 := socket(syscall.AF_INET, syscall.SOCK_RAW, syscall.IPPROTO_ICMP)
	r2 := socket(syscall.AF_INET, syscall.SOCK_RAW, 253)
	must(syscall.Bind(r2, &syscall.SockaddrInet4{Addr: lo4}))
	r3 := socket(syscall.AF_INET6, syscall.SOCK_RAW, syscall.IPPROTO_ICMPV6)

	// Unix: a stream listener whose path has spaces, with an accepted
	// connection and one waiting in the queue; abstract names, one with an
	// embedded NUL; datagram and seqpacket sockets; a socketpair; and a path
	// with a newline in it.
	ul := listen(syscall.AF_UNIX, &syscall.SockaddrUnix{Name: filepath.Join(dir, "api server.sock")})
	uc1 := dial(syscall.AF_UNIX, &syscall.SockaddrUnix{Name: filepath.Join(dir, "api server.sock")})
	ua1 := accept(ul)
	uc2 := dial(syscall.AF_UNIX, &syscall.SockaddrUnix{Name: filepath.Join(dir, "api server.sock")})
	abs := listen(syscall.AF_UNIX, &syscall.SockaddrUnix{Name: "@sockscope-fixture"})
	absNul := listen(syscall.AF_UNIX, &syscall.SockaddrUnix{Name: "@sock\x00scope"})
	dg := bound(syscall.AF_UNIX, 0, &syscall.SockaddrUnix{Name: filepath.Join(dir, "dgram.sock")})
	sp := socket(syscall.AF_UNIX, syscall.SOCK_SEQPACKET, 0)
	must(syscall.Bind(sp, &syscall.SockaddrUnix{Name: filepath.Join(dir, "seqpacket.sock")}))
	must(syscall.Listen(sp, 8))
	pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	must(err)
	nl := bound(syscall.AF_UNIX, 0, &syscall.SockaddrUnix{Name: filepath.Join(dir, "new\nline.sock")})

	time.Sleep(200 * time.Millisecond)
	must(os.MkdirAll(filepath.Join(out, "net"), 0o755))
	for _, name := range []string{"tcp", "tcp6", "udp", "udp6", "udplite", "udplite6", "raw", "raw6", "unix"} {
		data, err := os.ReadFile("/proc/thread-self/net/" + name)
		must(err)
		must(os.WriteFile(filepath.Join(out, "net", name), data, 0o644))
	}

	must(stdin.Close())
	must(cmd.Wait())
	for _, fd := range []int{l, c1, a1, c2, a3, any4, syn, dual, c5, a5, l6, c6, a6, ll, c7, a7,
		u4, u4c, u4any, u6, u6c, u6ll, ul4, ul6, r1, r2, r3, ul, uc1, ua1, uc2, abs, absNul, dg, sp,
		pair[0], pair[1], nl} {
		must(syscall.Close(fd))
	}
	fmt.Println("wrote", filepath.Join(out, "net"))
}

// child holds sockets as nobody until its stdin closes.
func child() {
	t := listen(syscall.AF_INET, &syscall.SockaddrInet4{Port: 7030, Addr: [4]byte{127, 0, 0, 1}})
	u := bound(syscall.AF_INET6, syscall.IPPROTO_UDP, &syscall.SockaddrInet6{Port: 7031})
	x := listen(syscall.AF_UNIX, &syscall.SockaddrUnix{Name: "@sockscope-nobody"})
	fmt.Println("ready")
	var b [1]byte
	os.Stdin.Read(b[:])
	for _, fd := range []int{t, u, x} {
		syscall.Close(fd)
	}
}

func socket(family, typ, proto int) int {
	fd, err := syscall.Socket(family, typ|syscall.SOCK_CLOEXEC, proto)
	must(err)
	return fd
}

func listen(family int, sa syscall.Sockaddr) int {
	fd := socket(family, syscall.SOCK_STREAM, 0)
	if family != syscall.AF_UNIX {
		must(syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1))
	}
	must(syscall.Bind(fd, sa))
	must(syscall.Listen(fd, 8))
	return fd
}

func dial(family int, sa syscall.Sockaddr) int {
	fd := socket(family, syscall.SOCK_STREAM, 0)
	must(syscall.Connect(fd, sa))
	return fd
}

func accept(l int) int {
	fd, _, err := syscall.Accept(l)
	must(err)
	return fd
}

func bound(family, proto int, sa syscall.Sockaddr) int {
	fd := socket(family, syscall.SOCK_DGRAM, proto)
	must(syscall.Bind(fd, sa))
	return fd
}

func ifindex(name string) uint32 {
	ifi, err := net.InterfaceByName(name)
	must(err)
	return uint32(ifi.Index)
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
