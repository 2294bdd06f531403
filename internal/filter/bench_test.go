package filter

import (
	"net/netip"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// BenchmarkEval evaluates a typical expression over 100k TCP sockets.
func BenchmarkEval(b *testing.B) {
	socks := make([]sockets.Socket, 100_000)
	for i := range socks {
		local := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), uint16(1024+i%60000))
		remote := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 168, byte(i >> 16), byte(i)}), 443)
		socks[i] = sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established, Local: local, Remote: remote}
	}
	e, err := Parse("( dport = :443 or sport = :443 ) and not dst 192.168.0.0/16 or src 10.0.0.0/8 and sport >= :30000", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		for i := range socks {
			if e.Eval(&socks[i]) {
				n++
			}
		}
	}
	b.ReportMetric(float64(n), "matches")
}
