package summary

import (
	"io"
	"net/netip"
	"testing"

	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// bench100k is a busy server: 100k sockets, a third of them TIME_WAIT
// toward 50 remotes, the rest held by 2,000 processes.
func bench100k() []sockets.Socket {
	procs := make([]*sockets.ProcessInfo, 2000)
	for i := range procs {
		procs[i] = &sockets.ProcessInfo{PID: int32(1000 + i), Name: "worker", User: "app"}
	}
	states := []sockets.State{sockets.Established, sockets.TimeWait, sockets.CloseWait, sockets.Established, sockets.TimeWait, sockets.Listen}
	socks := make([]sockets.Socket, 100_000)
	for i := range socks {
		s := &socks[i]
		s.Proto, s.Family, s.State = sockets.TCP, sockets.Inet, states[i%len(states)]
		if i%10 == 9 {
			s.Proto, s.Family, s.State = sockets.Unix, sockets.Local, sockets.Established
		}
		s.Local = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, 1}), uint16(32768+i%28000))
		s.Remote = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, 0, byte(i % 50)}), 5432)
		if s.State != sockets.TimeWait {
			s.Processes = []sockets.Process{{Info: procs[i%len(procs)], FD: int32(i)}}
		}
	}
	return socks
}

func BenchmarkCompute100k(b *testing.B) {
	socks := bench100k()
	opts := Options{Ephemeral: PortRange{32768, 60999}}
	b.ReportAllocs()
	for b.Loop() {
		Compute(socks, opts)
	}
}

func BenchmarkWrite100k(b *testing.B) {
	socks := bench100k()
	opts := Options{Ephemeral: PortRange{32768, 60999}}
	for _, f := range []render.Format{render.Table, render.JSON} {
		b.Run(f.String(), func(b *testing.B) {
			opts.Format = f
			b.ReportAllocs()
			for b.Loop() {
				Write(io.Discard, Compute(socks, opts), render.Meta{}, opts)
			}
		})
	}
}
