package trace

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/netns"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/testutil"
)

// TestProgramsAssemble: both programs, with and without every change,
// and with offsets the kernel's BTF did not give, assemble (every label
// found, no instruction the asm package refuses).
func TestProgramsAssemble(t *testing.T) {
	so := sockOffsets{daddr: 0, rcvSaddr: 4, dport: 12, family: 16, v6daddr: 56, v6rcvSaddr: 72, protocol: 532, err: 284, errSoft: 372, sport: 800, ok: true}
	for _, o := range []offsets{{1840, 1848, 1752, 96, 284, 372, 48, 176}, noOffsets} {
		for _, all := range []bool{false, true} {
			for name, ins := range map[string]asm.Instructions{"tracepoint": program(o, all, wakeMark(DefaultBuffer)), "tp_btf": btfProgram(so, o, all, wakeMark(DefaultBuffer))} {
				for _, in := range ins {
					if in.OpCode == asm.InvalidOpCode {
						t.Errorf("%s (offsets %v, every change %v): an invalid instruction", name, o, all)
					}
				}
				if err := ins.Marshal(io.Discard, binary.LittleEndian); err != nil {
					t.Errorf("%s (offsets %v, every change %v): %v", name, o, all, err)
				}
			}
		}
	}
}

// TestOpen loads and attaches each program, with and without every
// change (root: the kernel's verifier is the judge).
func TestOpen(t *testing.T) {
	testutil.RequireRoot(t)
	for _, program := range []string{ProgramBTF, ProgramTracepoint} {
		for _, all := range []bool{false, true} {
			t.Setenv(ProgramEnv, program)
			r, err := Open(0, all)
			if err != nil {
				t.Fatalf("%s (every change %v): %v", program, all, err)
			}
			if r.Program() != program {
				t.Errorf("%s asked, %s loaded", program, r.Program())
			}
			r.Close()
		}
	}
}

// TestReaderWakes: after a read that found nothing for ReadEvery, a
// burst of connections (in a namespace of the test's own) wakes the
// reader once the wake mark of events wait (a quarter of the buffer,
// 64 KiB in the test's): its read returns the burst's first event,
// where without the wakeup it would end at ReadEvery with ErrIdle (the
// reader waits in Go's poller). Three rounds.
func TestReaderWakes(t *testing.T) {
	r, ns, addr := readerWithListener(t)
	var raw Raw
	for round := range 3 {
		for r.ReadInto(&raw) != ErrIdle { // what is there, then a wait of ReadEvery
		}
		start := time.Now()
		done := make(chan struct{})
		go func() { burstIn(ns.Path, addr, wakeBurst); close(done) }()
		// Not woken, the read would end at ReadEvery with ErrIdle.
		if err := r.ReadInto(&raw); err != nil {
			t.Errorf("round %d: after %v, %v, want the burst's first event", round, time.Since(start), err)
		}
		<-done // its connects would crowd the next test's slots
		time.Sleep(ReadEvery)
	}
}

// TestReaderWakesAfterBacklog: a reader that finds more than the mark
// waiting when it comes back (the programs set their flag and woke no
// one meanwhile) clears the flag when it goes to sleep again, so that
// the next burst wakes it at once rather than at ReadEvery.
func TestReaderWakesAfterBacklog(t *testing.T) {
	r, ns, addr := readerWithListener(t)
	var raw Raw
	for r.ReadInto(&raw) != ErrIdle {
	}
	burstIn(ns.Path, addr, wakeBurst) // while nothing reads
	for r.ReadInto(&raw) != ErrIdle {
	}
	var flag uint32
	if err := r.woken.Lookup(uint32(0), &flag); err != nil || flag != 0 {
		t.Errorf("asleep with the programs' flag %d (%v), want it cleared", flag, err)
	}
	start := time.Now()
	done := make(chan struct{})
	go func() { burstIn(ns.Path, addr, wakeBurst); close(done) }()
	// Not woken, the read would end at ReadEvery with ErrIdle.
	if err := r.ReadInto(&raw); err != nil {
		t.Errorf("after %v, %v, want the next burst's first event", time.Since(start), err)
	}
	<-done
}

// TestPauseResume, with each program: while paused, the program runs
// no more: a burst of connections gives no open (connect or accept);
// resumed, the next burst's opens are all there again (but for any the
// kernel skipped: Missed). Only opens are counted: a close can come late
// (a FIN sent again after a lost ACK, 200 ms on), in the next round.
// Each twice over, and twice in a row (the second does nothing); Resume
// after Close does nothing.
func TestPauseResume(t *testing.T) {
	testutil.RequireRoot(t)
	ns := testutil.NewNetNS(t)
	addr := closingListenerIn(t, ns.Path)
	port := netip.MustParseAddrPort(addr).Port()
	eachProgram(t, func(program string, r *Reader) {
		var raw Raw
		opens := func() (n int) { // the opens of connections to addr read until the reader idles
			for {
				err := r.ReadInto(&raw)
				if err == ErrIdle {
					return n
				}
				if err != nil {
					t.Fatal(err)
				}
				if raw.New == sockets.Established && (raw.Local.Port() == port || raw.Remote.Port() == port) {
					n++
				}
			}
		}
		opens()
		for round := range 2 {
			for range 2 {
				if err := r.Pause(); err != nil {
					t.Fatal(err)
				}
			}
			burstIn(ns.Path, addr, 20)
			if n := opens(); n != 0 {
				t.Errorf("%s, round %d: paused, %d opens of the burst, want 0", program, round, n)
			}
			for range 2 {
				if err := r.Resume(); err != nil {
					t.Fatal(err)
				}
			}
			missed := r.Missed()
			burstIn(ns.Path, addr, 20)
			// Two a connection: its connect and its accept.
			if n := opens(); n != 2*20 && r.Missed() == missed {
				t.Errorf("%s, round %d: resumed, %d opens of 20 connections, want %d", program, round, n, 2*20)
			}
		}
		r.Close()
		if err := r.Resume(); err != nil {
			t.Errorf("%s: Resume after Close: %v", program, err)
		}
	})
}

// TestStopReadsWhatWaits: events waiting in the buffer when Stop is
// called (a burst too small to wake the reader, which did not read
// meanwhile) are still read, every one, and then ErrClosed; Close would
// have dropped them. Every one but those the kernel skipped (Missed: in
// bursts on one VM some 0.03% of the program's runs); and Stop waits
// 600 ms after the burst, past a close that comes late (a FIN sent again
// after a lost ACK, 200 ms on).
func TestStopReadsWhatWaits(t *testing.T) {
	r, ns, addr := readerWithListener(t)
	var raw Raw
	for r.ReadInto(&raw) != ErrIdle {
	}
	const conns = 48 // 192 events, under the wake mark (burstIn makes a multiple of 4)
	missed := r.Missed()
	burstIn(ns.Path, addr, conns)
	time.Sleep(settle) // the servers' closes, and the clients' after them
	port := netip.MustParseAddrPort(addr).Port()
	r.Stop()
	n := 0
	for {
		err := r.ReadInto(&raw)
		if err == ErrClosed {
			break
		}
		if err == nil && (raw.Local.Port() == port || raw.Remote.Port() == port) {
			n++
		}
	}
	if skipped := int(r.Missed() - missed); n < 4*conns-skipped || n > 4*conns {
		t.Errorf("%d events of the burst read after Stop, want %d (%d skipped by the kernel)", n, 4*conns, skipped)
	}
}

// settle is how long the Stop tests wait after a burst for its
// connections' last closes: past one FIN sent again (200 ms on).
const settle = 600 * time.Millisecond

// TestStopWhileWaiting: Stop from another goroutine (as trace's context
// calls it) while the reader waits for events ends the reading within
// ReadEvery, after the events that were waiting (but those the kernel
// skipped, as in TestStopReadsWhatWaits).
func TestStopWhileWaiting(t *testing.T) {
	r, ns, addr := readerWithListener(t)
	port := netip.MustParseAddrPort(addr).Port()
	var raw Raw
	for r.ReadInto(&raw) != ErrIdle { // the listener's own
	}
	got := make(chan int)
	go func() {
		n := 0
		for {
			switch err := r.ReadInto(&raw); {
			case err == ErrClosed:
				got <- n
				return
			case err == nil && (raw.Local.Port() == port || raw.Remote.Port() == port):
				n++
			}
		}
	}()
	const conns = 48
	missed := r.Missed()
	burstIn(ns.Path, addr, conns)
	time.Sleep(settle)
	start := time.Now()
	r.Stop()
	select {
	case n := <-got:
		if skipped := int(r.Missed() - missed); n < 4*conns-skipped || n > 4*conns {
			t.Errorf("%d events of the burst read, want %d (%d skipped by the kernel)", n, 4*conns, skipped)
		}
		if d := time.Since(start); d > ReadEvery+100*time.Millisecond {
			t.Errorf("the reading ended %v after Stop, want within ReadEvery", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the reading did not end after Stop")
	}
}

// TestMissed: Missed is the kernel's count of the runs it skipped of
// the reader's own TCP program (read through the program's ID, apart
// from the reader), and after Close the count it had. It cannot make
// the kernel skip a run (an interrupt's change of state while the
// program runs on the same CPU: 0 to 2 in 500,000 runs under load), so
// where the count is 0 it checks only that Missed asks the right
// program without failing.
func TestMissed(t *testing.T) {
	r, ns, addr := readerWithListener(t)
	burstIn(ns.Path, addr, 400)
	info, err := r.coll.Programs["inet_sock_set_state"].Info()
	if err != nil {
		t.Fatal(err)
	}
	id, _ := info.ID()
	p, err := ebpf.NewProgramFromID(id)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	st, err := p.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Missed(); got != st.RecursionMisses {
		t.Errorf("Missed %d, the program's statistics %d skipped", got, st.RecursionMisses)
	}
	before := r.Missed()
	r.Close()
	if got := r.Missed(); got != before {
		t.Errorf("after Close, Missed %d, want %d", got, before)
	}
}

// readerWithListener opens a Reader of wakeTestBuffer bytes (closed
// when the test ends), a namespace of the test's own and a
// closingListenerIn it; it needs root.
func readerWithListener(t *testing.T) (*Reader, *testutil.NetNS, string) {
	t.Helper()
	testutil.RequireRoot(t)
	ns := testutil.NewNetNS(t)
	r, err := Open(wakeTestBuffer, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, ns, closingListenerIn(t, ns.Path)
}

// wakeTestBuffer is the buffer of readerWithListener's reader: small, so
// that its wake mark is passed by a burst of a few hundred connections.
const wakeTestBuffer = 256 << 10

// wakeBurst is how many connections make twice the wake mark of a
// reader of wakeTestBuffer bytes in events (four a connection; some 230
// connections), quickly enough to pass the mark well within ReadEvery on
// a busy machine.
var wakeBurst = 2 * int(wakeMark(wakeTestBuffer)) / (4 * (RawSize + ringHeader))

// closingListenerIn listens on loopback in the namespace at path until
// the test ends, closing each connection it accepts, and returns its
// address.
func closingListenerIn(t *testing.T, path string) string {
	t.Helper()
	var ln net.Listener
	if err := netns.DoPath(path, func() (err error) { ln, err = net.Listen("tcp", "127.0.0.1:0"); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	testutil.CloseAccepted(ln)
	return ln.Addr().String()
}

// burstIn makes n connections to addr from the namespace at path, four
// at a time.
func burstIn(path, addr string, n int) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			netns.DoPath(path, func() error {
				for range n / 4 {
					if c, err := net.Dial("tcp", addr); err == nil {
						c.Close()
					}
				}
				return nil
			})
		}()
	}
	wg.Wait()
}

// TestStartsFull: connects waiting for an answer (to an address behind
// a veth whose peer is down, where their SYNs vanish), 7 into 4 slots,
// push each other out: at least 3 are counted a round, with each program
// (connects elsewhere on the machine meanwhile may add to it); and once
// their sockets are closed the slots are free again.
func TestStartsFull(t *testing.T) {
	ns := unansweredNS(t)
	defer func(n int) { startsBits = n }(startsBits)
	startsBits = 2
	eachProgram(t, func(program string, r *Reader) {
		var before uint64
		for round := 1; round <= 2; round++ {
			var fds []int
			err := netns.DoPath(ns.Path, func() error {
				for range 7 {
					fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
					if err != nil {
						return err
					}
					fds = append(fds, fd)
					sa := &unix.SockaddrInet4{Port: 9, Addr: [4]byte{10, 99, 0, 2}}
					if err := unix.Connect(fd, sa); err != unix.EINPROGRESS {
						return fmt.Errorf("connect: %v, want EINPROGRESS", err)
					}
				}
				return nil
			})
			for _, fd := range fds {
				unix.Close(fd)
			}
			if err != nil {
				t.Fatal(err)
			}
			n := r.StartsLost()
			if lost := n - before; lost < 3 {
				t.Errorf("%s, round %d: %d starts pushed out, want at least 3", program, round, lost)
			}
			before = n
			if !slotsFree(r.coll.Maps["starts"]) {
				t.Errorf("%s, round %d: a slot still holds a socket after the closes", program, round)
			}
		}
	})
}

// TestStartsPaired: two connects waiting for an answer at once (to an
// address routed to a veth whose peer is down) keep both their starts,
// in 4 slots (two pairs), forty times over, with each program. Their
// sockets' addresses hash to the same slot one time in four: with one
// slot a socket, about ten of the forty would push one out. Their
// closes are this process's failures. A connect elsewhere on the machine
// at the same moment may push out one.
func TestStartsPaired(t *testing.T) {
	ns := unansweredNS(t)
	defer func(n int) { startsBits = n }(startsBits)
	startsBits = 2
	const rounds = 40
	eachProgram(t, func(program string, r *Reader) {
		for range rounds {
			err := netns.DoPath(ns.Path, func() error {
				var fds []int
				defer func() {
					for _, fd := range fds {
						unix.Close(fd)
					}
				}()
				for range 2 {
					fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
					if err != nil {
						return err
					}
					fds = append(fds, fd)
					if err := unix.Connect(fd, &unix.SockaddrInet4{Port: 9, Addr: [4]byte{10, 99, 0, 2}}); err != unix.EINPROGRESS {
						return fmt.Errorf("connect: %v, want EINPROGRESS", err)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if lost := r.StartsLost(); lost > 1 {
			t.Errorf("%s: %d starts pushed out of %d connects two at a time, want none", program, lost, 2*rounds)
		}
		me := int32(os.Getpid())
		fails := eventsOf(r, 2*rounds, func(ev *Event) bool {
			return ev.Kind == Fail && ev.Remote == netip.MustParseAddrPort("10.99.0.2:9") && ev.Owner.PID == me
		})
		if len(fails) < 2*rounds-1 {
			t.Errorf("%s: %d failed connects of this process, want %d", program, len(fails), 2*rounds)
		}
	})
}

// unansweredNS returns a network namespace of the test's where
// 10.99.0.0/24 is routed to a veth whose peer is down: a connect to
// 10.99.0.2 waits in SYN_SENT, its SYNs vanishing.
func unansweredNS(t *testing.T) *testutil.NetNS {
	t.Helper()
	testutil.RequireRoot(t)
	ns := testutil.NewNetNS(t)
	for _, args := range [][]string{
		{"link", "add", "v0", "type", "veth", "peer", "name", "v1"},
		{"link", "set", "v0", "up"},
		{"addr", "add", "10.99.0.1/24", "dev", "v0"},
	} {
		if out, err := exec.Command("ip", append([]string{"-n", ns.Name}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
	}
	return ns
}

// slotsFree reports whether every slot of the map starts is free, within
// a second (a connect elsewhere on the machine holds one for a moment).
func slotsFree(m *ebpf.Map) bool {
	for deadline := time.Now().Add(time.Second); ; time.Sleep(10 * time.Millisecond) {
		free := true
		slot := make([]byte, slotSize)
		for i := uint32(0); i < m.MaxEntries(); i++ {
			if err := m.Lookup(i, &slot); err != nil || binary.NativeEndian.Uint64(slot[valueSize:]) != 0 {
				free = false
			}
		}
		if free || time.Now().After(deadline) {
			return free
		}
	}
}

// TestReaderClosedWhileReading: a Close from another goroutine, while a
// read waits and while events come, ends the read with ErrClosed (the
// ring is unmapped only once no read is under way), and Close again is
// harmless.
func TestReaderClosedWhileReading(t *testing.T) {
	testutil.RequireRoot(t)
	ns := testutil.NewNetNS(t)
	addr := closingListenerIn(t, ns.Path)
	stop := make(chan struct{})
	defer close(stop)
	go netns.DoPath(ns.Path, func() error {
		for {
			select {
			case <-stop:
				return nil
			default:
			}
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
			}
		}
	})
	for round := range 8 {
		r, err := Open(0, false)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			var raw Raw
			for {
				if err := r.ReadInto(&raw); err != nil && err != ErrIdle {
					done <- err
					return
				}
			}
		}()
		time.Sleep(time.Duration(round) * time.Millisecond)
		r.Close()
		select {
		case err := <-done:
			if err != ErrClosed {
				t.Fatalf("round %d: the read ended with %v, want ErrClosed", round, err)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("round %d: the read did not end", round)
		}
		r.Close()
	}
}

// TestTraceUDP: the end of each UDP socket a process of the test's
// makes (in a namespace of its own) comes with its ends, the process
// that made it and how long it lived, with either TCP program; a
// connected one as ESTABLISHED, a bound one as CLOSE; both families.
func TestTraceUDP(t *testing.T) {
	testutil.RequireRoot(t)
	ns := testutil.NewNetNS(t)
	eachProgram(t, func(program string, r *Reader) {
		if err := r.TraceUDP(); err != nil {
			t.Fatalf("%s: %v", program, err)
		}
		type sock struct {
			local, remote string
			connected     bool
		}
		var want []sock
		err := netns.DoPath(ns.Path, func() error {
			for _, c := range []struct{ network, laddr, raddr string }{
				{"udp4", "127.0.0.1:0", "127.0.0.1:53"},
				{"udp6", "[::1]:0", "[::1]:5353"},
				{"udp4", "127.0.0.1:0", ""},
			} {
				var conn net.Conn
				var err error
				if c.raddr != "" {
					la, _ := net.ResolveUDPAddr(c.network, c.laddr)
					ra, _ := net.ResolveUDPAddr(c.network, c.raddr)
					conn, err = net.DialUDP(c.network, la, ra)
				} else {
					var pc net.PacketConn
					pc, err = net.ListenPacket(c.network, c.laddr)
					if err == nil {
						want = append(want, sock{pc.LocalAddr().String(), "", false})
						time.Sleep(10 * time.Millisecond)
						pc.Close()
					}
					if err != nil {
						return err
					}
					continue
				}
				if err != nil {
					return err
				}
				want = append(want, sock{conn.LocalAddr().String(), conn.RemoteAddr().String(), true})
				time.Sleep(10 * time.Millisecond)
				conn.Close()
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got := eventsOf(r, len(want), func(ev *Event) bool { return ev.Proto == sockets.UDP && ev.Owner.PID == int32(os.Getpid()) })
		if len(got) != len(want) {
			t.Fatalf("%s: %d UDP ends of this process, want %d: %+v", program, len(got), len(want), got)
		}
		for i, w := range want {
			e := got[i]
			remote := ""
			if e.Remote.Port() != 0 {
				remote = e.Remote.String()
			}
			connected := e.From == sockets.Established
			if e.Local.String() != w.local || remote != w.remote || connected != w.connected || e.Kind != Close {
				t.Errorf("%s: UDP end %d: %s %s>%s connected %v, want %s>%s connected %v", program, i, e.Kind, e.Local, remote, connected, w.local, w.remote, w.connected)
			}
			if e.Duration < 10*time.Millisecond || e.Duration > time.Second {
				t.Errorf("%s: UDP end %d lived %v, held 10 ms", program, i, e.Duration)
			}
		}
	})
}

// TestSelfConnect: a socket that connects to its own address and port
// (a simultaneous open with itself: SYN_SENT, SYN_RECV, ESTABLISHED) is
// reported as this process's connect, not as an accept, and its close
// with its duration, with each program.
func TestSelfConnect(t *testing.T) {
	testutil.RequireRoot(t)
	ns := testutil.NewNetNS(t)
	eachProgram(t, func(program string, r *Reader) {
		var port int
		err := netns.DoPath(ns.Path, func() error {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
			if err != nil {
				return err
			}
			defer unix.Close(fd)
			if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
				return err
			}
			sa, err := unix.Getsockname(fd)
			if err != nil {
				return err
			}
			port = sa.(*unix.SockaddrInet4).Port
			if err := unix.Connect(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
				return fmt.Errorf("connecting to itself: %w", err)
			}
			time.Sleep(5 * time.Millisecond)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got := eventsOf(r, 2, func(ev *Event) bool { return ev.Local.Port() == uint16(port) && ev.Proto == sockets.TCP })
		me := int32(os.Getpid())
		if len(got) != 2 || got[0].Kind != Connect || got[0].Passive || got[0].Owner.PID != me ||
			got[1].Kind != Close || got[1].Owner.PID != me || got[1].Duration < 5*time.Millisecond {
			t.Errorf("%s: %+v, want this process's connect and close", program, got)
		}
	})
}

// eachProgram runs fn with a Reader of each program in turn (closed
// after it).
func eachProgram(t *testing.T, fn func(program string, r *Reader)) {
	t.Helper()
	for _, program := range []string{ProgramBTF, ProgramTracepoint} {
		t.Setenv(ProgramEnv, program)
		r, err := Open(0, false)
		if err != nil {
			t.Fatalf("%s: %v", program, err)
		}
		func() {
			defer r.Close()
			fn(program, r)
		}()
	}
}

// eventsOf reads r's events through a tracker until n of those keep
// takes have come, or two seconds have passed, and returns those.
func eventsOf(r *Reader, n int, keep func(*Event) bool) []Event {
	tr := NewTracker(r.Wall, nil)
	var got []Event
	var raw Raw
	for deadline := time.Now().Add(2 * time.Second); len(got) < n && time.Now().Before(deadline); {
		if r.ReadInto(&raw) != nil {
			continue
		}
		var ev Event
		if tr.FeedInto(&ev, &raw) && keep(&ev) {
			got = append(got, ev)
		}
	}
	return got
}

// TestIntern: the task names a reader decodes are the names, whatever
// their order (none, a run of one, others between, the set of names
// made anew once it holds 4,096), and a name seen again is the string
// made the first time.
func TestIntern(t *testing.T) {
	var r Reader
	names := []string{"", "curl", "curl", "", "nginx", "curl", "a-name-of-15-ch", "nginx", ""}
	for i := range 5000 {
		names = append(names, fmt.Sprintf("task%d", i), "curl")
	}
	first := map[string]string{}
	for i, n := range names {
		got := r.intern([]byte(n))
		if got != n {
			t.Fatalf("name %d: %q, want %q", i, got, n)
		}
		if f, ok := first[n]; ok && n != "" && i < 20 && unsafe.StringData(f) != unsafe.StringData(got) {
			t.Errorf("name %d (%q): made again", i, n)
		}
		if _, ok := first[n]; !ok {
			first[n] = got
		}
	}
	if len(r.comms) > 4096 {
		t.Errorf("%d names kept, want at most 4096", len(r.comms))
	}
}

// TestDestroyOverruns: closes notified faster than they are read, into
// a buffer made as small as the kernel allows, are counted as overruns
// (not lost silently); what the buffer held is still read.
func TestDestroyOverruns(t *testing.T) {
	testutil.RequireRoot(t)
	ns := testutil.NewNetNS(t)
	addr := closingListenerIn(t, ns.Path)
	var d *DestroyReader
	if err := netns.DoPath(ns.Path, func() (err error) { d, err = OpenDestroyed(sockets.ProtoSet(0).With(sockets.TCP)); return err }); err != nil {
		t.Fatal(err)
	}
	rc, err := d.f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	rc.Control(func(fd uintptr) {
		unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 1) // the kernel's least
	})
	burstIn(ns.Path, addr, 1000) // 2,000 closes, nothing reading
	read := make(chan int)
	go func() {
		n := 0
		for {
			if _, err := d.Read(); err != nil {
				read <- n
				return
			}
			n++
		}
	}()
	time.Sleep(200 * time.Millisecond)
	d.Close()
	n := <-read
	if d.Overruns() == 0 {
		t.Errorf("%d closes read, no overrun counted, of 2,000 into the smallest buffer", n)
	}
	if n == 0 {
		t.Errorf("%d overruns, and nothing the buffer held was read", d.Overruns())
	}
}

// listenEnv, set to an address, makes the test binary a listener there
// (TestHelperListener) rather than run the tests.
const listenEnv = "SOCKSCOPE_TEST_LISTEN"

// TestHelperListener is not a test: run by TestListenersByNetNS with
// listenEnv set, it listens there, says "ready", accepts and closes
// connections until its stdin closes.
func TestHelperListener(t *testing.T) {
	addr := os.Getenv(listenEnv)
	if addr == "" {
		t.Skip("a helper process of TestListenersByNetNS")
	}
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	go testutil.CloseAccepted(ln)
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// TestListenersByNetNS: two processes listening on one address and port
// in two network namespaces (two containers' servers) each own the
// connections accepted through their listener, with each program.
func TestListenersByNetNS(t *testing.T) {
	testutil.RequireRoot(t)
	spaces := []*testutil.NetNS{testutil.NewNetNS(t), testutil.NewNetNS(t)}
	round := 0
	eachProgram(t, func(program string, r *Reader) {
		round++
		owner := map[uint16]int32{} // a client's port: the listener's PID it connected to
		var pids []int32
		for _, ns := range spaces {
			cmd := ns.Command(os.Args[0], "-test.run=^TestHelperListener$")
			cmd.Env = append(os.Environ(), listenEnv+"=127.0.0.1:7070")
			stdin, line := testutil.StartHelper(t, cmd)
			defer func() { stdin.Close(); cmd.Wait() }()
			if line != "ready" {
				t.Fatalf("%s: the listener in %s: %q", program, ns.Name, line)
			}
			pids = append(pids, int32(cmd.Process.Pid))
		}
		// Both listen before either is connected to.
		for i, ns := range spaces {
			port := uint16(41000 + 10*round + i)
			err := ns.Do(func() error {
				d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(port)}}
				c, err := d.Dial("tcp4", "127.0.0.1:7070")
				if err == nil {
					c.Close()
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			owner[port] = pids[i]
		}
		accepts := eventsOf(r, len(spaces), func(ev *Event) bool { return ev.Kind == Accept && ev.Local.Port() == 7070 })
		if len(accepts) != len(spaces) {
			t.Fatalf("%s: %d accepts, want %d: %+v", program, len(accepts), len(spaces), accepts)
		}
		for _, ev := range accepts {
			if want := owner[ev.Remote.Port()]; ev.Owner.PID != want {
				t.Errorf("%s: the accept of port %d is pid %d's, want %d's (its namespace's listener)", program, ev.Remote.Port(), ev.Owner.PID, want)
			}
		}
	})
}

// TestDataBytes runs dataBytes in the kernel (a socket filter, run by
// BPF_PROG_TEST_RUN) on made-up counters: the data bytes are the sent
// less the retransmitted, the received less a FIN where SOCK_DONE is
// set; neither goes below 0 (a retransmission counted and not sent, a
// FIN not counted).
func TestDataBytes(t *testing.T) {
	testutil.RequireRoot(t)
	const done = 1 << 1 // SOCK_DONE
	for _, c := range []struct {
		sent, retrans, received, flags uint64
		wantSent, wantReceived         uint64
	}{
		{100, 0, 3, done, 100, 2},
		{100, 0, 3, 0, 100, 3},
		{1 << 40, 1 << 20, 1 << 41, done | 1, 1<<40 - 1<<20, 1<<41 - 1},
		{5, 7, 0, done, 0, 0},
		{0, 0, 0, ^uint64(0), 0, 0},
	} {
		for _, field := range []int16{offSent, offReceived} {
			ins := asm.Instructions{
				asm.LoadImm(asm.R1, int64(c.sent), asm.DWord),
				asm.LoadImm(asm.R2, int64(c.retrans), asm.DWord),
				asm.LoadImm(asm.R3, int64(c.received), asm.DWord),
				asm.LoadImm(asm.R4, int64(c.flags), asm.DWord),
				asm.Mov.Reg(asm.R7, asm.RFP),
				asm.Add.Imm(asm.R7, -RawSize), // an event on the stack
			}
			ins = append(ins, dataBytes()...)
			// The field's two halves, one run each: a filter returns 32 bits.
			var field8 [8]byte
			for half := int16(0); half < 2; half++ {
				prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{Type: ebpf.SocketFilter, License: "Dual MIT/GPL",
					Instructions: append(slices.Clone(ins), asm.LoadMem(asm.R0, asm.R7, field+4*half, asm.Word), asm.Return())})
				if err != nil {
					t.Fatal(err)
				}
				ret, err := prog.Run(&ebpf.RunOptions{Data: make([]byte, 14)})
				prog.Close()
				if err != nil {
					t.Fatal(err)
				}
				binary.NativeEndian.PutUint32(field8[4*half:], ret)
			}
			got := binary.NativeEndian.Uint64(field8[:])
			want := c.wantSent
			if field == offReceived {
				want = c.wantReceived
			}
			if got != want {
				t.Errorf("counters %+v: field at %d is %d, want %d", c, field, got, want)
			}
		}
	}
}

// TestLayoutFrom: the programs' offsets, from one lookup of every member
// they read: each group known only where all its members were found,
// the namespace's inode number past struct net's ns, and the socket's
// offsets only where all were found and struct sock begins with its
// sock_common.
func TestLayoutFrom(t *testing.T) {
	all := []int32{1544, 2192, 1752, 96, 284, 372, 48, 152, 24}
	if got, want := offsetsFrom(all), (offsets{1544, 2192, 1752, 96, 284, 372, 48, 176}); got != want {
		t.Errorf("every member: %+v, want %+v", got, want)
	}
	for i := range all {
		offs := slices.Clone(all)
		offs[i] = -1
		got := offsetsFrom(offs)
		known := [3]bool{got.bytesKnown(), got.err >= 0 && got.errSoft >= 0, got.net >= 0 && got.inum >= 0}
		group := 2 // the namespace's
		switch {
		case i < 4:
			group = 0 // the bytes'
		case i < 6:
			group = 1 // the errors'
		}
		for g, k := range known {
			if k == (g == group) {
				t.Errorf("member %d not found: group %d known %v", i, g, k)
			}
		}
	}
	sock := []int32{0, 4, 12, 16, 56, 72, 532, 284, 372, 0, 800}
	want := sockOffsets{daddr: 0, rcvSaddr: 4, dport: 12, family: 16, v6daddr: 56, v6rcvSaddr: 72, protocol: 532, err: 284, errSoft: 372, sport: 800, ok: true}
	if got := sockOffsetsFrom(sock); got != want {
		t.Errorf("every member: %+v, want %+v", got, want)
	}
	for i, v := range map[int]int32{3: -1, 10: -1, 9: 8, 6: 1 << 15} {
		offs := slices.Clone(sock)
		offs[i] = v
		if got := sockOffsetsFrom(offs); got.ok {
			t.Errorf("member %d at %d: %+v, want not ok", i, v, got)
		}
	}
}
