package render

import (
	"io"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/sockets"
)

// benchSockets returns n inet sockets shaped like the benchmark farm
// (shared/bench/sockfarm): mostly established loopback and LAN
// connections, some TIME_WAIT, a few listeners, a quarter IPv6, spread
// over 50 processes.
func benchSockets(n int) []sockets.Socket {
	ps := make([]sockets.Process, 50)
	for i := range ps {
		name := "worker-" + strconv.Itoa(i)
		ps[i] = sockets.Process{Info: &sockets.ProcessInfo{PID: int32(10000 + i), PPID: 1, Name: name, Exe: "/usr/local/bin/" + name,
			Cmdline: []string{"/usr/local/bin/" + name, "--serve"}, UID: 1000, User: "app"}, FD: int32(3 + i)}
	}
	socks := make([]sockets.Socket, n)
	for i := range socks {
		s := &socks[i]
		s.Proto, s.Family, s.State = sockets.TCP, sockets.Inet, sockets.Established
		s.Inode, s.UID, s.NetNS = uint64(100000+i), 1000, 4026531840
		port := uint16(1024 + i%60000)
		if i%4 == 3 {
			s.Family = sockets.Inet6
			s.Local = netip.AddrPortFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(i)}), 443)
			s.Remote = netip.AddrPortFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xbb, 14: byte(i >> 8), 15: byte(i)}), port)
		} else {
			s.Local = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, byte(i >> 8), byte(i)}), port)
			s.Remote = netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 168, 1, byte(i)}), 8080)
		}
		switch {
		case i%50 == 0:
			s.State, s.Inode = sockets.TimeWait, 0
		case i%10000 == 1:
			s.State, s.Remote = sockets.Listen, netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
			s.Processes = ps[i%50 : i%50+1]
		default:
			s.SendQ = uint32(i % 7)
			s.Processes = ps[i%50 : i%50+1]
		}
	}
	return socks
}

func benchWrite(b *testing.B, o Options) {
	socks := benchSockets(100_000)
	meta := Meta{Host: "bench", Time: time.Now()}
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(io.Discard, socks, meta, o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTable100k is the default listing: the modern table of 100k
// inet sockets with PID/Program (sockscope -tanp).
func BenchmarkTable100k(b *testing.B) { benchWrite(b, Options{ShowProgram: true}) }

func BenchmarkTableExtended100k(b *testing.B) {
	benchWrite(b, Options{ShowProgram: true, Extended: true, ShowExe: true, Color: true})
}
func BenchmarkWindows100k(b *testing.B) { benchWrite(b, Options{Style: Windows, ShowPID: true}) }
func BenchmarkLinux100k(b *testing.B) {
	benchWrite(b, Options{Style: Linux, All: true, ShowProgram: true})
}
func BenchmarkJSON100k(b *testing.B)   { benchWrite(b, Options{Format: JSON}) }
func BenchmarkNDJSON100k(b *testing.B) { benchWrite(b, Options{Format: NDJSON}) }
func BenchmarkCSV100k(b *testing.B)    { benchWrite(b, Options{Format: CSV}) }
