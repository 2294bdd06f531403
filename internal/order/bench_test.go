package order

import (
	"net/netip"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

func BenchmarkSort100k(b *testing.B) {
	procs := []*sockets.ProcessInfo{{PID: 1, Name: "nginx"}, {PID: 2, Name: "java"}, {PID: 3, Name: "sshd"}}
	src := make([]sockets.Socket, 100_000)
	for i := range src {
		src[i] = sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.State(1 + i%11), RecvQ: uint32(i % 7),
			Local:     netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), uint16(i*7919)),
			Processes: []sockets.Process{{Info: procs[i%3]}}}
	}
	spec, _ := Parse("program,state,recv-q:desc,local")
	socks := make([]sockets.Socket, len(src))
	b.ReportAllocs()
	for b.Loop() {
		copy(socks, src)
		spec.Sort(socks)
	}
}
