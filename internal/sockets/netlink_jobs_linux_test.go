package sockets

import (
	"context"
	"encoding/binary"
	"net/netip"
	"slices"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// TestIntegrationTCPBothFamilies checks that TCP of both families dumped
// at once (TCPDIAG_GETSOCK, one walk of the kernel's tables), and TCP's
// bound-inactive sockets dumped on their own where the dumps run two at a
// time, list what one dump of each family lists, in its order but for
// the bound-inactive sockets dumped on their own, which come after TCP's
// others: in a Snapshot and a Stream, run serially and two at a time,
// with states, internals and a filter's bytecode, on IPv4 and IPv6
// listeners, connections made in turn (so that the two families lie mixed
// in the kernel's tables) and bound sockets (on Linux 6.7 and later).
func TestIntegrationTCPBothFamilies(t *testing.T) {
	inNewNetNS(t, func() {
		var fds []int
		defer func() {
			for _, fd := range fds {
				unix.Close(fd)
			}
		}()
		var listeners [2]int
		for i, ap := range []netip.AddrPort{ap4(7000), ap6(7000)} {
			l, err := inetSocket(ap, unix.SOCK_STREAM, 0)
			if err == nil {
				err = unix.Listen(l, 128)
			}
			if err != nil {
				t.Errorf("listener %s: %v", ap, err)
				return
			}
			listeners[i] = l
			fds = append(fds, l)
		}
		for _, ap := range []netip.AddrPort{ap4(42000), ap6(42001), ap4(42002)} {
			b, err := inetSocket(ap, unix.SOCK_STREAM, 0)
			if err != nil {
				t.Errorf("bound %s: %v", ap, err)
				return
			}
			fds = append(fds, b)
		}
		for i := range 60 {
			from, to, l := ap4(uint16(41000+i)), ap4(7000), listeners[0]
			if i%2 == 1 {
				from, to, l = ap6(uint16(41000+i)), ap6(7000), listeners[1]
			}
			c, s, err := tcpPair(l, from, to)
			if err != nil {
				t.Errorf("pair %d: %v", i, err)
				return
			}
			fds = append(fds, c, s)
		}
		// struct inet_diag_bc_op {code, yes, no}, as ss compiles
		// "sport >= :41010 and sport <= :41040": INET_DIAG_BC_S_GE (2),
		// yes: the next op but one, no: past the end (reject), then an op
		// holding the port in its "no"; INET_DIAG_BC_S_LE (3) the same.
		ne := binary.NativeEndian
		bc := []byte{2, 8, 20, 0, 0, 0, 0, 0, 3, 8, 12, 0, 0, 0, 0, 0}
		ne.PutUint16(bc[6:], 41010)
		ne.PutUint16(bc[14:], 41040)
		tcp := ProtoSet(0).With(TCP)
		bound := 0 // the bound sockets a kernel older than 6.7 does not report
		if boundInactiveKnown() {
			bound = 3
		}
		for _, tt := range []struct {
			name  string
			f     Filter
			count int
		}{
			{"tcp", Filter{Protos: tcp}, 122 + bound},
			{"all", All, 122 + bound},
			{"close", Filter{Protos: tcp, States: StateSet(0).With(Close)}, bound},
			{"established, internals", Filter{Protos: tcp, States: StateSet(0).With(Established), Internals: AllInternals}, 120},
			{"listening", Filter{Protos: tcp, States: StateSet(0).With(Listen)}, 2},
			{"bytecode", Filter{Protos: tcp, Bytecode: string(bc)}, 31},
		} {
			for _, concurrentMin := range []int{1 << 30, -1} {
				// A recording source dumps each family whole, as before.
				ref := &netlinkSource{concurrentMin: concurrentMin, record: t.TempDir()}
				kernelOrder, err := ref.Snapshot(context.Background(), tt.f, nil)
				if err != nil {
					t.Errorf("%s: one dump of each family: %v", tt.name, err)
					continue
				}
				want := kernelOrder
				if concurrentMin < 0 {
					want = boundLast(kernelOrder)
				}
				each := &netlinkSource{concurrentMin: concurrentMin}
				each.separate.Store(true)
				if got, err := each.Snapshot(context.Background(), tt.f, nil); err != nil ||
					!slices.Equal(unsortedLines(got), unsortedLines(want)) {
					t.Errorf("%s: a dump of each family, bound-inactive apart: %v\n%s", tt.name, err,
						lineDiff(unsortedLines(got), unsortedLines(want)))
				}
				once := &netlinkSource{concurrentMin: concurrentMin}
				got, err := once.Snapshot(context.Background(), tt.f, nil)
				if err != nil || once.separate.Load() {
					t.Errorf("%s: one dump: %v (fell back to a dump of each)", tt.name, err)
					continue
				}
				// A kernel that refuses TCPDIAG_GETSOCK gets a dump of each,
				// from then on unless the bytecode may be what it refused.
				refused := &netlinkSource{concurrentMin: concurrentMin, bothType: 0x7777}
				if old, err := refused.Snapshot(context.Background(), tt.f, nil); err != nil ||
					refused.separate.Load() != (tt.f.Bytecode == "") ||
					!slices.Equal(unsortedLines(old), unsortedLines(want)) {
					t.Errorf("%s: TCPDIAG_GETSOCK refused: %v (a dump of each from then on: %v)\n%s", tt.name, err,
						refused.separate.Load(), lineDiff(unsortedLines(old), unsortedLines(want)))
				}
				var sink SliceSink
				if err := once.Stream(context.Background(), tt.f, &sink); err != nil {
					t.Errorf("%s: Stream: %v", tt.name, err)
					continue
				}
				wantLines, gotLines := unsortedLines(want), unsortedLines(got)
				streamed := unsortedLines(sink.Sockets())
				tcpCount := 0
				for _, s := range got {
					if s.Proto == TCP {
						tcpCount++
						if (tt.f.Internals != 0) != (s.Internals != nil && s.Internals.Congestion != "") {
							t.Errorf("%s: internals %+v with mask %v", tt.name, s.Internals, tt.f.Internals)
						}
					}
				}
				switch {
				case !slices.Equal(gotLines, wantLines):
					t.Errorf("%s, concurrentMin %d: one dump differs from a dump of each:\n%s", tt.name, concurrentMin,
						lineDiff(gotLines, wantLines))
				case !slices.Equal(streamed, wantLines):
					t.Errorf("%s, concurrentMin %d: Stream differs:\n%s", tt.name, concurrentMin, lineDiff(streamed, wantLines))
				case tcpCount != tt.count:
					t.Errorf("%s: %d TCP sockets, want %d", tt.name, tcpCount, tt.count)
				}
			}
		}
	})
}

// TestJobsBoth checks that TCP of both families is one job of two parts
// where asked, that TCP's bound-inactive sockets are a job of their own
// after TCP's others where asked (and none on a kernel older than them),
// and that the parts after them keep counting.
func TestJobsBoth(t *testing.T) {
	known := boundInactiveKnown
	t.Cleanup(func() { boundInactiveKnown = known })
	parts := func(js []dumpJob) (names []string) {
		for _, j := range js {
			names = append(names, j.name()+"@"+strconv.Itoa(j.part))
			if j.p == TCP && j.states.Has(BoundInactive) && j.states != 1<<BoundInactive {
				names = append(names, "(with bound-inactive)")
			}
		}
		return names
	}
	tcpUDP := Filter{Protos: ProtoSet(0).With(TCP).With(UDP).With(Unix)}
	tcp := ProtoSet(0).With(TCP)
	for _, tt := range []struct {
		f           Filter
		both, bound bool
		old         bool // a kernel older than 6.7
		want        []string
	}{
		{tcpUDP, true, true, false, []string{"tcp+tcp6@0", "tcp+tcp6 bound-inactive@2", "udp@4", "udp6@5", "unix@6"}},
		{tcpUDP, false, true, false, []string{"tcp@0", "tcp6@1", "tcp bound-inactive@2", "tcp6 bound-inactive@3", "udp@4", "udp6@5", "unix@6"}},
		{tcpUDP, true, false, false, []string{"tcp+tcp6@0", "(with bound-inactive)", "udp@2", "udp6@3", "unix@4"}},
		{tcpUDP, false, false, false, []string{"tcp@0", "(with bound-inactive)", "tcp6@1", "(with bound-inactive)", "udp@2", "udp6@3", "unix@4"}},
		{tcpUDP, true, true, true, []string{"tcp+tcp6@0", "udp@2", "udp6@3", "unix@4"}},
		{Filter{Protos: tcp, Families: FamilySet(0).With(Inet6)}, true, true, false, []string{"tcp6@0", "tcp6 bound-inactive@1"}},
		{Filter{Protos: tcp, States: StateSet(0).With(Established)}, true, true, false, []string{"tcp+tcp6@0"}},
		{Filter{Protos: tcp, States: 1 << BoundInactive}, true, true, false, []string{"tcp+tcp6 bound-inactive@0"}},
	} {
		boundInactiveKnown = func() bool { return !tt.old }
		js := jobs(tt.f, tt.both, tt.bound)
		if got := parts(js); !slices.Equal(got, tt.want) {
			t.Errorf("jobs(%v, both %v, bound %v, old %v) = %q, want %q", tt.f.Protos, tt.both, tt.bound, tt.old, got, tt.want)
		}
		last, parts := js[len(js)-1], 1
		if last.both {
			parts = 2
		}
		if nextPart(js) != last.part+parts {
			t.Errorf("nextPart %d after %+v", nextPart(js), last)
		}
	}
	boundInactiveKnown = func() bool { return true }
	if got := parts(jobs(tcpUDP, true, false)[0].split()); !slices.Equal(got, []string{"tcp@0", "(with bound-inactive)", "tcp6@1", "(with bound-inactive)"}) {
		t.Errorf("split: %q", got)
	}
	for release, want := range map[string]bool{"6.7.0": true, "6.18.44-fc-v1300": true, "7.0": true,
		"6.6.30-generic": false, "5.15.0": false, "unknown": true} {
		if got := kernelAtLeast(release, 6, 7); got != want {
			t.Errorf("kernelAtLeast(%q, 6, 7) = %v", release, got)
		}
	}
}

// TestInetFirst checks that a dump of both families is put in the order
// of a dump of each: every IPv4 socket in its order, then every IPv6 one;
// and that with its scratch back it allocates nothing.
func TestInetFirst(t *testing.T) {
	var ss []Socket
	for i, fam := range []Family{Inet6, Inet, Inet, Inet6, Inet6, Inet, Inet6} {
		ss = append(ss, Socket{Family: fam, Inode: uint64(i)})
	}
	mixed := slices.Clone(ss)
	scratch := inetFirst(ss, nil)
	var got []uint64
	for _, s := range ss {
		got = append(got, s.Inode)
	}
	if want := []uint64{1, 2, 5, 0, 3, 4, 6}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	inetFirst(nil, scratch) // nothing to move
	// Its scratch, kept between polls, spares each poll an allocation.
	if n := testing.AllocsPerRun(20, func() {
		copy(ss, mixed)
		scratch = inetFirst(ss, scratch)
	}); n != 0 {
		t.Errorf("%v allocations a call with its scratch, want 0", n)
	}
}

// boundLast is a listing of one dump of each family with TCP's
// bound-inactive sockets (CLOSE) after TCP's others, each in its order.
func boundLast(ss []Socket) []Socket {
	var tcp, bound, rest []Socket
	for _, s := range ss {
		switch {
		case s.Proto != TCP:
			rest = append(rest, s)
		case s.State == Close:
			bound = append(bound, s)
		default:
			tcp = append(tcp, s)
		}
	}
	return slices.Concat(tcp, bound, rest)
}

// TestNetlinkRunRefusedBoth checks that a dump of both families the
// kernel refuses is done as a dump of each in its place, before the jobs
// after it, on a run that may not open a socket (the second goroutine's)
// as on one that may. It reads the host namespace and needs no privilege.
func TestNetlinkRunRefusedBoth(t *testing.T) {
	for _, redial := range []bool{false, true} {
		s := &netlinkSource{bothType: 0x7777}
		js := jobs(Filter{Protos: ProtoSet(0).With(TCP).With(UDP)}, true, false)
		c, err := dialDiag()
		if err != nil {
			t.Fatal(err)
		}
		var r dumpRun
		_, err = s.run(context.Background(), &s.dumpers[0], &c, redial, js, 0, nil, &r)
		if c != nil {
			c.Close()
		}
		if err != nil || r.done != 4 || len(r.errs) != 0 || len(r.rest) != 0 || !s.separate.Load() {
			t.Errorf("redial %v: err %v, done %d (want tcp, tcp6, udp, udp6), errs %v, rest %v, separate %v",
				redial, err, r.done, r.errs, r.rest, s.separate.Load())
		}
	}
}
