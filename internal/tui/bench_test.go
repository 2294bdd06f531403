package tui

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/sockets"
)

// machine100k is a busy server: 100k TCP sockets held by 200 processes.
func machine100k(cookieBase uint64) []sockets.Socket {
	procs := make([]*sockets.ProcessInfo, 200)
	for i := range procs {
		procs[i] = proc(int32(1000+i), "worker"+itoa(uint64(i%37)))
	}
	socks := make([]sockets.Socket, 100_000)
	for i := range socks {
		c := cookieBase + uint64(i)
		socks[i] = sockets.Socket{
			Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established,
			Cookie: c, Inode: c + 1,
			Local:     netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 16), byte(i >> 8)}), uint16(1024+i%60000)),
			Remote:    netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 168, byte(i >> 8), byte(i)}), 443),
			Processes: []sockets.Process{{Info: procs[i%len(procs)], FD: int32(3 + i%1000)}},
		}
		if i%10 == 0 {
			socks[i].State = sockets.TimeWait
			socks[i].Processes = nil
		}
	}
	// The kernel lists sockets in hash order, not in any column's.
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(socks), func(i, j int) { socks[i], socks[j] = socks[j], socks[i] })
	return socks
}

// churned is socks with 1% of them replaced by new sockets.
func churned(socks []sockets.Socket) []sockets.Socket {
	out := append([]sockets.Socket(nil), socks...)
	for i := 0; i < len(out); i += 100 {
		out[i].Cookie += 1 << 40
		out[i].Inode += 1 << 40
	}
	return out
}

// BenchmarkApply100k applies a poll of 100k sockets with 1% churn (1k
// new, 1k closed) to the model, sorted by the local address.
func BenchmarkApply100k(b *testing.B) {
	a := machine100k(1)
	c := churned(a)
	src := &scriptSource{socks: a}
	p := collect.NewPoller(&collect.Collector{Source: src}, collect.Query{Kernel: sockets.All})
	ctx := context.Background()
	m := newModel()
	m.sort = sortSpec{col: colLocal}
	// Warm up: the first polls grow the model's two row buffers and the
	// sort's scratch; a steady refresh allocates nothing of them.
	for _, socks := range [][]sockets.Socket{a, c, a} {
		src.socks = socks
		snap, ch, _ := p.Poll(ctx)
		m.apply(snap, ch)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		if i%2 == 0 {
			src.socks = c
		} else {
			src.socks = a
		}
		snap, ch, _ := p.Poll(ctx)
		b.StartTimer()
		m.apply(snap, ch)
	}
}

// BenchmarkRedraw100k draws the table of 100k rows on a 200x50 screen.
func BenchmarkRedraw100k(b *testing.B) {
	h := newHarness(b, 200, 50, Options{Color: true}, machine100k(1)...)
	h.step()
	h.src.socks = churned(h.src.socks)
	h.step() // with new and closed rows
	h.screen()
	v := h.v
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		v.root.Draw(h.scr)
		h.scr.Show()
	}
}
