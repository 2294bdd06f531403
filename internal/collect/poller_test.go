package collect

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// describe lists changes as "kind:port[:from]", sorted.
func describe(cs []Change) []string {
	var out []string
	for _, c := range cs {
		d := fmt.Sprintf("%v:%d", c.Kind, c.Socket.Local.Port())
		if c.Kind == StateChanged {
			d += ":" + c.From.String()
		}
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

func TestPollerChanges(t *testing.T) {
	src := &source{socks: []sockets.Socket{tcp(1, sockets.SynSent, 1), tcp(2, sockets.Established, 2)}}
	p := NewPoller(&Collector{Source: src}, Query{Kernel: sockets.All})
	ctx := context.Background()
	rounds := []struct {
		socks []sockets.Socket
		want  string
	}{
		{nil, "[new:1 new:2]"},
		{[]sockets.Socket{tcp(1, sockets.Established, 1), tcp(2, sockets.Established, 2)}, "[state:1:SYN_SENT]"},
		{[]sockets.Socket{tcp(1, sockets.Established, 1), tcp(3, sockets.Listen, 3)}, "[gone:2 new:3]"},
		{[]sockets.Socket{tcp(1, sockets.Established, 1), tcp(3, sockets.Listen, 3)}, "[]"},
		// The same endpoints with a new cookie are another socket.
		{[]sockets.Socket{tcp(1, sockets.Established, 9), tcp(3, sockets.Listen, 3)}, "[gone:1 new:1]"},
	}
	for i, r := range rounds {
		if r.socks != nil {
			src.socks = r.socks
		}
		snap, changes, err := p.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(describe(changes)); got != r.want {
			t.Errorf("round %d: changes %s, want %s", i+1, got, r.want)
		}
		if len(snap.Sockets) != len(src.socks) {
			t.Errorf("round %d: %d sockets, want %d", i+1, len(snap.Sockets), len(src.socks))
		}
	}
}

// TestPollerKeys checks the key of a socket without a cookie: its inode,
// else its endpoints (TIME_WAIT from /proc).
func TestPollerKeys(t *testing.T) {
	a, b := tcp(1, sockets.TimeWait, 0), tcp(1, sockets.TimeWait, 0)
	a.Inode, b.Inode = 0, 0
	if KeyOf(&a) != KeyOf(&b) {
		t.Error("the same endpoints without cookie or inode are two sockets")
	}
	b.Remote = netip.AddrPortFrom(b.Remote.Addr(), 444)
	if KeyOf(&a) == KeyOf(&b) {
		t.Error("other endpoints are the same socket")
	}
	u1 := sockets.Socket{Proto: sockets.Unix, Family: sockets.Local, Inode: 5}
	u2 := sockets.Socket{Proto: sockets.Unix, Family: sockets.Local, Inode: 6}
	if KeyOf(&u1) == KeyOf(&u2) {
		t.Error("two unix inodes are the same socket")
	}
}

// farm returns n TCP sockets.
func farm(n int) []sockets.Socket {
	socks := make([]sockets.Socket, n)
	for i := range socks {
		socks[i] = tcp(uint16(i%60000+1), sockets.Established, uint64(i+1))
	}
	return socks
}

// TestPollerAllocs checks that after the first rounds a poll of an
// unchanged listing allocates nothing of its own.
func TestPollerAllocs(t *testing.T) {
	p := NewPoller(&Collector{Source: &source{socks: farm(10000)}}, Query{Kernel: sockets.All})
	ctx := context.Background()
	for range 3 {
		if _, _, err := p.Poll(ctx); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(5, func() {
		if _, _, err := p.Poll(ctx); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 5 {
		t.Errorf("%.0f allocations per poll of 10,000 unchanged sockets, want almost none", allocs)
	}
}

// BenchmarkPoller100k polls 100k unchanged TCP sockets from a source that
// costs nothing: the Poller's own cost per round.
func BenchmarkPoller100k(b *testing.B) {
	p := NewPoller(&Collector{Source: &source{socks: farm(100000)}}, Query{Kernel: sockets.All})
	ctx := context.Background()
	p.Poll(ctx)
	p.Poll(ctx)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := p.Poll(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// fakeTracker gives each socket one holder, PID = its inode, and records
// how many sockets it was given.
type fakeTracker struct {
	given  []int
	closed bool
}

func (f *fakeTracker) Attribute(_ context.Context, socks []sockets.Socket) (Attribution, error) {
	f.given = append(f.given, len(socks))
	for i := range socks {
		socks[i].Processes = []sockets.Process{{Info: &sockets.ProcessInfo{PID: int32(socks[i].Inode)}}}
	}
	return Attribution{Unattributed: 1}, nil
}

func (f *fakeTracker) Close() error { f.closed = true; return nil }

// TestPollerTracker checks that a poller with a Tracker gives it every
// socket listed, and filters on owners after it.
func TestPollerTracker(t *testing.T) {
	src := &source{socks: []sockets.Socket{tcp(1, sockets.Established, 1), tcp(2, sockets.Established, 2)}}
	ft := &fakeTracker{}
	c := &Collector{Source: src, Track: func(bool) Tracker { return ft }}
	p := NewPoller(c, Query{Kernel: sockets.All, Owners: true,
		AfterOwners: func(s *sockets.Socket) bool { return s.Processes[0].Info.PID != 3 }})
	ctx := context.Background()
	for i, socks := range [][]sockets.Socket{
		nil,
		{tcp(2, sockets.Established, 2), tcp(3, sockets.Established, 3)},
		{tcp(3, sockets.Established, 3)},
	} {
		if socks != nil {
			src.socks = socks
		}
		snap, _, err := p.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Warnings.Unattributed != 1 {
			t.Errorf("round %d: the tracker's count was lost", i+1)
		}
		for _, s := range snap.Sockets {
			if s.Inode == 3 {
				t.Errorf("round %d: socket 3 passed the filter on owners", i+1)
			}
		}
	}
	if got := fmt.Sprint(ft.given); got != "[2 2 1]" {
		t.Errorf("sockets given to the tracker by round: %s, want [2 2 1]", got)
	}
	p.Close()
	if !ft.closed {
		t.Error("Close did not close the tracker")
	}
}
