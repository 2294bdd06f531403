package sockets

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/netlink"
)

func TestIntegrationNetlinkNetNS(t *testing.T) {
	inNewNetNS(t, func() {
		p, err := openPopulation(filepath.Join(t.TempDir(), "stream.sock"))
		if err != nil {
			t.Errorf("opening sockets: %v", err)
			return
		}
		defer p.close()
		netns := currentNetNS()
		if netns == 0 {
			t.Error("no /proc/thread-self/ns/net")
		}
		src, err := NewSystemSource(SourceOptions{Kind: "netlink"})
		if err != nil {
			t.Errorf("NewSystemSource: %v", err)
			return
		}
		tests := []struct {
			name string
			f    Filter
		}{
			{"all", All},
			{"tcp listen", Filter{Protos: ProtoSet(0).With(TCP), States: StateSet(0).With(Listen)}},
			{"inet6", Filter{Protos: AllProtos, Families: FamilySet(0).With(Inet6)}},
			{"unix established", Filter{Protos: ProtoSet(0).With(Unix), States: StateSet(0).With(Established)}},
			{"udp unconn", Filter{Protos: ProtoSet(0).With(UDP), States: StateSet(0).With(Close)}},
			{"tcp closing states", Filter{Protos: ProtoSet(0).With(TCP),
				States: StateSet(0).With(FinWait2).With(CloseWait)}},
		}
		for _, tt := range tests {
			want := p.wantLines(tt.f, netns)
			// Loopback ACKs are quick but not instant; allow a moment.
			var got []string
			for try := 0; try < 20; try++ {
				socks, err := src.Snapshot(context.Background(), tt.f, nil)
				if err != nil {
					t.Errorf("%s: Snapshot: %v", tt.name, err)
					break
				}
				got = sockLines(socks)
				if slices.Equal(got, want) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: listing differs\n%s", tt.name, lineDiff(got, want))
			}
		}
	})
}

// TestIntegrationRawFallback checks the choice for a kernel without raw
// socket diagnostics: auto reads raw sockets from /proc/net, netlink alone
// reports the missing feature when raw sockets are asked for by name.
func TestIntegrationRawFallback(t *testing.T) {
	inNewNetNS(t, func() {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_ICMP)
		if err != nil {
			t.Errorf("raw socket: %v", err)
			return
		}
		defer unix.Close(fd)
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			t.Error(err)
			return
		}
		rawOnly := Filter{Protos: ProtoSet(0).With(Raw)}
		nl, _ := NewSystemSource(SourceOptions{Kind: "netlink"})
		socks, err := nl.Snapshot(context.Background(), rawOnly, nil)
		rawDiag := err == nil
		if !rawDiag && !errors.Is(err, ErrUnsupported) {
			t.Errorf("netlink raw: want a FeatureError or success, got %v", err)
		}
		if rawDiag && len(socks) != 1 {
			t.Errorf("netlink raw: got %d sockets, want 1", len(socks))
		}
		auto, _ := NewSystemSource(SourceOptions{})
		socks, err = auto.Snapshot(context.Background(), rawOnly, nil)
		if err != nil || len(socks) != 1 {
			t.Errorf("auto raw: got %d sockets, %v; want 1 and no error", len(socks), err)
			return
		}
		s := socks[0]
		if s.Proto != Raw || s.Family != Inet || s.Local.Port() != unix.IPPROTO_ICMP || s.Inode != st.Ino ||
			s.NetNS != currentNetNS() {
			t.Errorf("auto raw: got %s", sockLine(&s))
		}
		t.Logf("kernel has raw_diag: %v", rawDiag)
	})
}

// TestCaptureNetlinkFixtures writes the replies behind testdata/netlink/*.bin
// into the directory named by SOCKSCOPE_CAPTURE_NETLINK, from a fresh
// namespace holding openPopulation's sockets plus a TIME_WAIT socket, an
// MPTCP listener, a UDP-Lite socket and a raw ICMP socket, and logs the
// decoded listing (see testdata/README.md).
func TestCaptureNetlinkFixtures(t *testing.T) {
	dir := os.Getenv("SOCKSCOPE_CAPTURE_NETLINK")
	if dir == "" {
		t.Skip("set SOCKSCOPE_CAPTURE_NETLINK=DIR to capture netlink fixtures into DIR")
	}
	const path = "/tmp/sockscope-netlink-fixture.sock"
	os.Remove(path)
	defer os.Remove(path)
	inNewNetNS(t, func() {
		p, err := openPopulation(path)
		if err != nil {
			t.Errorf("opening sockets: %v", err)
			return
		}
		defer p.close()
		c, s, err := tcpPair(p.fds[0], ap4(40002), ap4(8080))
		if err != nil {
			t.Error(err)
			return
		}
		unix.Close(c) // the client closes first: TIME_WAIT
		time.Sleep(50 * time.Millisecond)
		unix.Close(s)
		for _, x := range []struct {
			ap         netip.AddrPort
			typ, proto int
		}{
			{ap4(8443), unix.SOCK_STREAM, ipprotoMPTCP},
			{ap4(5300), unix.SOCK_DGRAM, unix.IPPROTO_UDPLITE},
			{netip.AddrPortFrom(lo4, 0), unix.SOCK_RAW, unix.IPPROTO_ICMP},
		} {
			fd, err := inetSocket(x.ap, x.typ, x.proto)
			if err != nil {
				t.Errorf("%v: %v", x, err)
				continue
			}
			p.fds = append(p.fds, fd)
			if x.proto == ipprotoMPTCP {
				unix.Listen(fd, 4)
			}
		}
		time.Sleep(100 * time.Millisecond)
		src := &netlinkSource{record: dir}
		socks, err := src.Snapshot(context.Background(), All, nil)
		if err != nil {
			t.Errorf("Snapshot: %v", err)
		}
		for _, l := range sockLines(socks) {
			t.Log(l)
		}
	})
}

// TestCaptureNetlinkTimerFixture writes testdata/netlink-timers/
// tcp-inet.bin (see testdata/README.md): a dump of TCP sockets whose
// timers differ, for TestDecodeInetDiagTimerCapture.
func TestCaptureNetlinkTimerFixture(t *testing.T) {
	dir := os.Getenv("SOCKSCOPE_CAPTURE_NETLINK_TIMERS")
	if dir == "" {
		t.Skip("set SOCKSCOPE_CAPTURE_NETLINK_TIMERS=DIR to capture the timer fixture into DIR")
	}
	inNewNetNS(t, func() {
		var fds []int
		defer func() {
			for _, fd := range fds {
				unix.Close(fd)
			}
		}()
		do := func(err error) bool {
			if err != nil {
				t.Error(err)
			}
			return err == nil
		}
		// A listener whose accept queue fills: listen(0) queues one
		// connection, after which the kernel drops SYNs silently, so the
		// third client stays in SYN_SENT, retransmitting.
		full, err := inetSocket(ap4(9000), unix.SOCK_STREAM, 0)
		if !do(err) || !do(unix.Listen(full, 0)) {
			return
		}
		fds = append(fds, full)
		l, err := inetSocket(ap4(9001), unix.SOCK_STREAM, 0)
		if !do(err) || !do(unix.Listen(l, 16)) {
			return
		}
		fds = append(fds, l)
		// 41000: keepalive on; 41001: orphaned FIN_WAIT2; 41002: TIME_WAIT.
		for i, port := range []uint16{41000, 41001, 41002} {
			c, s, err := tcpPair(l, ap4(port), ap4(9001))
			if !do(err) {
				return
			}
			fds = append(fds, s)
			switch i {
			case 0:
				fds = append(fds, c)
				do(unix.SetsockoptInt(c, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1))
			case 1:
				unix.Close(c)
			case 2:
				unix.Close(c)
				time.Sleep(20 * time.Millisecond)
				unix.Close(s)
				fds = fds[:len(fds)-1]
			}
		}
		for _, port := range []uint16{42000, 42001, 42002} {
			c, err := inetSocket(ap4(port), unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
			if !do(err) {
				return
			}
			fds = append(fds, c)
			if err := unix.Connect(c, sockaddr(ap4(9000))); err != nil && !errors.Is(err, unix.EINPROGRESS) {
				t.Error(err)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(1500 * time.Millisecond) // a SYN retransmitted at least once
		src := &netlinkSource{record: dir}
		f := Filter{Protos: ProtoSet(0).With(TCP), Families: FamilySet(0).With(Inet)}
		socks, err := src.Snapshot(context.Background(), f, nil)
		if err != nil {
			t.Errorf("Snapshot: %v", err)
		}
		for i := range socks {
			t.Logf("%s %+v", sockLine(&socks[i]), socks[i].Timer)
		}
	})
}

// BenchmarkSnapshotNetlink lists every socket of the current network
// namespace with sock_diag, reusing dst as a poller would.
func BenchmarkSnapshotNetlink(b *testing.B) {
	src := &netlinkSource{}
	var dst []Socket
	var err error
	b.ReportAllocs()
	for b.Loop() {
		if dst, err = src.Snapshot(context.Background(), All, dst[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(dst)), "sockets")
}

// fakeSource records the filters it is asked for and appends socks.
type fakeSource struct {
	calls []Filter
	socks []Socket
	err   error
}

func (f *fakeSource) Snapshot(_ context.Context, flt Filter, dst []Socket) ([]Socket, error) {
	f.calls = append(f.calls, flt)
	return append(dst, f.socks...), f.err
}

func TestAutoSourceFallsBackWhole(t *testing.T) {
	procSock := Socket{Proto: TCP, Family: Inet, State: Listen}
	for _, tt := range []struct {
		name     string
		nlErr    error
		wantProc bool
	}{
		{"netlink unusable", &netlinkUnusableError{unix.EPROTONOSUPPORT}, true},
		{"netlink partial", &PartialError{Errs: []error{errors.New("one dump")}}, false},
		{"netlink fine", nil, false},
	} {
		nl := &fakeSource{err: tt.nlErr}
		proc := &fakeSource{socks: []Socket{procSock}}
		dst := []Socket{{Proto: Unix}}
		got, err := autoSource{netlink: nl, proc: proc}.Snapshot(context.Background(), All, dst)
		if usedProc := len(proc.calls) == 1; usedProc != tt.wantProc {
			t.Errorf("%s: proc used %v, want %v", tt.name, usedProc, tt.wantProc)
		}
		if tt.wantProc && (err != nil || len(got) != 2 || got[1].State != Listen) {
			t.Errorf("%s: got %d sockets, %v", tt.name, len(got), err)
		}
		if !tt.wantProc && err != tt.nlErr {
			t.Errorf("%s: err %v, want netlink's", tt.name, err)
		}
	}

	nlErr := &netlinkUnusableError{unix.EPERM}
	proc := &fakeSource{err: errors.New("no /proc")}
	_, err := autoSource{netlink: &fakeSource{err: nlErr}, proc: proc}.Snapshot(context.Background(), All, nil)
	if !errors.Is(err, proc.err) || !errors.Is(err, unix.EPERM) {
		t.Errorf("both failing: %v, want both causes", err)
	}
}

// TestNetlinkMissingProtocol checks the rules for a protocol whose diag
// handler the kernel lacks, with raw sockets on a kernel without raw_diag
// (it skips elsewhere). It reads the host namespace and needs no privilege.
func TestNetlinkMissingProtocol(t *testing.T) {
	for _, concurrentMin := range []int{0, -1} {
		testNetlinkMissingProtocol(t, concurrentMin)
	}
}

// testNetlinkMissingProtocol runs TestNetlinkMissingProtocol with dumps
// one after another (concurrentMin 0 on a host with few sockets) or two
// at a time (-1).
func testNetlinkMissingProtocol(t *testing.T, concurrentMin int) {
	src := func(fb Source) *netlinkSource { return &netlinkSource{fallback: fb, concurrentMin: concurrentMin} }
	rawOnly := Filter{Protos: ProtoSet(0).With(Raw)}
	_, err := src(nil).Snapshot(context.Background(), rawOnly, nil)
	if err == nil {
		t.Skip("this kernel has raw_diag")
	}
	var pe *PartialError
	var fe *FeatureError
	if !errors.As(err, &pe) || !errors.As(err, &fe) || !errors.Is(err, ErrUnsupported) || !isMissingHandler(err) {
		t.Fatalf("concurrentMin %d: raw alone without fallback: %v; want a *PartialError holding a *FeatureError", concurrentMin, err)
	}

	// Listing everything skips the missing protocol silently.
	if _, err := src(nil).Snapshot(context.Background(), All, nil); err != nil {
		t.Errorf("concurrentMin %d: all protocols: %v", concurrentMin, err)
	}

	// With a fallback, the missing protocol is read from it, once, with
	// the caller's families and states.
	raw := Socket{Proto: Raw, Family: Inet, State: Close}
	fb := &fakeSource{socks: []Socket{raw}}
	f := Filter{Protos: ProtoSet(0).With(TCP).With(Raw), Families: FamilySet(0).With(Inet), States: 1 << Close}
	socks, err := src(fb).Snapshot(context.Background(), f, nil)
	want := Filter{Protos: rawOnly.Protos, Families: f.Families, States: f.States}
	if err != nil || len(fb.calls) != 1 || fb.calls[0] != want || !slices.ContainsFunc(socks, func(s Socket) bool { return s.Proto == Raw }) {
		t.Errorf("concurrentMin %d: fallback: calls %+v, err %v, %d sockets", concurrentMin, fb.calls, err, len(socks))
	}

	// A Stream reads the missing protocol from the fallback too, as the
	// part after the dumps'.
	fb = &fakeSource{socks: []Socket{raw}}
	var sink SliceSink
	if err := src(fb).Stream(context.Background(), f, &sink); err != nil || len(fb.calls) != 1 ||
		!slices.ContainsFunc(sink.Sockets(), func(s Socket) bool { return s.Proto == Raw }) {
		t.Errorf("concurrentMin %d: stream fallback: calls %+v, err %v, %d sockets", concurrentMin, fb.calls, err, len(sink.Sockets()))
	}

	// A failing fallback is reported, and so is the feature when asked by name.
	fb = &fakeSource{err: errors.New("no /proc")}
	_, err = src(fb).Snapshot(context.Background(), f, nil)
	if !errors.As(err, &pe) || len(pe.Errs) != 2 || !errors.Is(err, fb.err) || !errors.Is(err, ErrUnsupported) {
		t.Errorf("concurrentMin %d: failing fallback: %v", concurrentMin, err)
	}
}

func TestNetlinkSnapshotContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dst := make([]Socket, 2, 8)
	for _, concurrentMin := range []int{0, -1} {
		got, err := (&netlinkSource{concurrentMin: concurrentMin}).Snapshot(ctx, All, dst)
		if !errors.Is(err, context.Canceled) || len(got) != 2 {
			t.Errorf("cancelled, concurrentMin %d: %d sockets, %v", concurrentMin, len(got), err)
		}
	}
	got, err := (&netlinkSource{}).Snapshot(context.Background(), Filter{}, dst)
	if err != nil || len(got) != 2 {
		t.Errorf("empty filter: %d sockets, %v", len(got), err)
	}
}

// TestIntegrationNetlinkConcurrent checks that the dumps run two at a time
// list the sockets of the caller's namespace, not of the second
// goroutine's thread's, in the same order as when they run one after
// another, and record every dump.
func TestIntegrationNetlinkConcurrent(t *testing.T) {
	inNewNetNS(t, func() {
		p, err := openPopulation(filepath.Join(t.TempDir(), "stream.sock"))
		if err != nil {
			t.Errorf("opening sockets: %v", err)
			return
		}
		defer p.close()
		netns := currentNetNS()
		serial := &netlinkSource{concurrentMin: 1 << 30}
		record := t.TempDir()
		concurrent := &netlinkSource{concurrentMin: -1, record: record}
		for _, tt := range []struct {
			name string
			f    Filter
		}{
			{"all", All},
			{"tcp", Filter{Protos: ProtoSet(0).With(TCP)}},
			{"inet6", Filter{Protos: AllProtos, Families: FamilySet(0).With(Inet6)}},
			{"tcp unix established", Filter{Protos: ProtoSet(0).With(TCP).With(Unix),
				States: StateSet(0).With(Established)}},
		} {
			want := p.wantLines(tt.f, netns)
			var got, ser []string
			for try := 0; try < 20; try++ {
				socks, err := netnsSource{concurrent}.Snapshot(context.Background(), tt.f, nil)
				if err != nil {
					t.Errorf("%s: concurrent Snapshot: %v", tt.name, err)
					break
				}
				ssocks, err := netnsSource{serial}.Snapshot(context.Background(), tt.f, nil)
				if err != nil {
					t.Errorf("%s: serial Snapshot: %v", tt.name, err)
					break
				}
				got, ser = unsortedLines(socks), unsortedLines(ssocks)
				if slices.Equal(sockLines(socks), want) && slices.Equal(got, ser) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if sorted := slices.Sorted(slices.Values(got)); !slices.Equal(sorted, want) {
				t.Errorf("%s: concurrent listing differs\n%s", tt.name, lineDiff(sorted, want))
			}
			if !slices.Equal(got, ser) {
				t.Errorf("%s: concurrent order differs from serial:\n%q\n%q", tt.name, got, ser)
			}
		}
		for _, j := range jobs(All, false, false) {
			name := filepath.Join(record, j.p.String()+"-"+j.fam.String()+".bin")
			if _, err := os.Stat(name); err != nil && !(j.p == Raw || j.p == MPTCP) {
				t.Errorf("record: %v", err)
			}
		}
	})
}

func unsortedLines(socks []Socket) []string {
	lines := make([]string, len(socks))
	for i := range socks {
		lines[i] = sockLine(&socks[i])
	}
	return lines
}

// TestNetlinkRunHandsBack checks that a run that may not open a socket
// (the second goroutine's) stops when its socket breaks and leaves the
// jobs it did not run, which a run that may open one then completes. It
// reads the host namespace and needs no privilege.
func TestNetlinkRunHandsBack(t *testing.T) {
	s := &netlinkSource{}
	js := jobs(Filter{Protos: ProtoSet(0).With(TCP).With(UDP)}, false, false)
	c, err := dialDiag()
	if err != nil {
		t.Fatal(err)
	}
	c.Close() // a broken socket: sending fails with os.ErrClosed
	var r dumpRun
	_, err = s.run(context.Background(), &s.dumpers[1], &c, false, js, 0, nil, &r)
	if err != nil || c != nil || r.done != 0 || len(r.errs) != 1 || !errors.Is(r.errs[0], os.ErrClosed) ||
		!slices.Equal(r.rest, js[1:]) {
		t.Fatalf("no redial: err %v, conn %v, done %d, errs %v, rest %v", err, c, r.done, r.errs, r.rest)
	}
	rest := r.rest
	r.rest = nil
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	if _, err = s.run(context.Background(), &s.dumpers[0], &c, true, rest, 0, nil, &r); err != nil ||
		r.done != len(rest) || len(r.errs) != 1 || r.rest != nil {
		t.Errorf("redial: err %v, done %d, errs %v, rest %v", err, r.done, r.errs, r.rest)
	}
}

// TestDiagKernelErrors checks what the source relies on to tell a missing
// sock_diag handler (ENOENT, in NLMSG_DONE as the raw handler sends it, or
// in NLMSG_ERROR) from other failures.
func TestDiagKernelErrors(t *testing.T) {
	for name, tt := range map[string]struct {
		buf     []byte
		missing bool
	}{
		"ENOENT in NLMSG_DONE":  {nlMessage(netlink.MsgDone, errPayload(-2)), true},
		"ENOENT in NLMSG_ERROR": {nlMessage(netlink.MsgError, slices.Concat(errPayload(-2), make([]byte, 16))), true},
		"EINVAL in NLMSG_ERROR": {nlMessage(netlink.MsgError, slices.Concat(errPayload(-22), make([]byte, 16))), false},
	} {
		it := netlink.NewDump(tt.buf, 0, 0)
		_, err := appendInetDiag(nil, &it, Raw, 0)
		if err == nil || isMissingHandler(err) != tt.missing {
			t.Errorf("%s: err %v, missing handler %v, want %v", name, err, isMissingHandler(err), tt.missing)
		}
	}
	if !errors.Is(&OpError{Op: "inet_diag dump", Err: &netlink.Error{Errno: syscall.EINVAL}}, syscall.EINVAL) {
		t.Error("an OpError around a netlink.Error does not match its errno")
	}
}

// TestIntegrationNetlinkBytecode checks that Filter.Bytecode reaches the
// kernel as INET_DIAG_REQ_BYTECODE: a program matching one source port
// selects one of two listeners, and a program the kernel's audit refuses
// fails the snapshot with EINVAL.
func TestIntegrationNetlinkBytecode(t *testing.T) {
	inNewNetNS(t, func() {
		var ports []int
		for range 2 {
			l, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Error(err)
				return
			}
			defer l.Close()
			ports = append(ports, l.Addr().(*net.TCPAddr).Port)
		}
		// struct inet_diag_bc_op {code, yes, no}: INET_DIAG_BC_S_EQ (11),
		// yes: the next op, no: past the end (reject); then the port in
		// the second op's "no", as ss compiles "sport = :PORT".
		ne := binary.NativeEndian
		bc := []byte{11, 8, 0, 0, 0, 0, 0, 0}
		ne.PutUint16(bc[2:], 12)
		ne.PutUint16(bc[6:], uint16(ports[1]))
		f := Filter{Protos: ProtoSet(0).With(TCP), Families: FamilySet(0).With(Inet), Bytecode: string(bc)}
		socks, err := (&netlinkSource{}).Snapshot(context.Background(), f, nil)
		if err != nil || len(socks) != 1 || int(socks[0].Local.Port()) != ports[1] {
			t.Errorf("sport = :%d: %v, %v; want that listener alone", ports[1], sockLines(socks), err)
		}
		f.Bytecode = "\x01\x02\x03" // not a whole op
		if _, err := (&netlinkSource{}).Snapshot(context.Background(), f, nil); !errors.Is(err, unix.EINVAL) {
			t.Errorf("malformed bytecode: %v, want EINVAL", err)
		}
	})
}

// TestIntegrationNetlinkStream checks that a Stream gives a Sink the
// sockets Snapshot lists, in the same order, with the dumps run one after
// another or two at a time, and that a Packed sink keeps them whole.
func TestIntegrationNetlinkStream(t *testing.T) {
	inNewNetNS(t, func() {
		p, err := openPopulation(filepath.Join(t.TempDir(), "stream.sock"))
		if err != nil {
			t.Errorf("opening sockets: %v", err)
			return
		}
		defer p.close()
		netns := currentNetNS()
		for _, concurrentMin := range []int{1 << 30, -1} {
			src := netnsSource{&netlinkSource{concurrentMin: concurrentMin}}
			for _, f := range []Filter{All, {Protos: ProtoSet(0).With(TCP).With(Unix), States: StateSet(0).With(Established)}} {
				want := p.wantLines(f, netns)
				var snap, streamed, packed []string
				for try := 0; try < 20; try++ {
					socks, err := src.Snapshot(context.Background(), f, nil)
					var sink SliceSink
					err2 := src.Stream(context.Background(), f, &sink)
					var pk Packed
					err3 := src.Stream(context.Background(), f, &pk)
					if err := errors.Join(err, err2, err3); err != nil {
						t.Errorf("concurrentMin %d, %+v: %v", concurrentMin, f, err)
						return
					}
					snap, streamed, packed = unsortedLines(socks), unsortedLines(sink.Sockets()), nil
					for s := range pk.All() {
						packed = append(packed, sockLine(s))
					}
					if pk.Len() != len(packed) {
						t.Errorf("Packed.Len %d, All yields %d", pk.Len(), len(packed))
					}
					if slices.Equal(snap, streamed) && slices.Equal(snap, packed) && slices.Equal(sockLines(socks), want) {
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				if !slices.Equal(snap, streamed) || !slices.Equal(snap, packed) {
					t.Errorf("concurrentMin %d, %+v: Snapshot, Stream, Stream to Packed:\n%q\n%q\n%q", concurrentMin, f, snap, streamed, packed)
				}
				if sorted := slices.Sorted(slices.Values(streamed)); !slices.Equal(sorted, want) {
					t.Errorf("concurrentMin %d, %+v: streamed listing differs\n%s", concurrentMin, f, lineDiff(sorted, want))
				}
			}
		}
	})
}

// TestHugePages: the room of a large snapshot is advised for huge pages
// (its mapping's VmFlags in /proc/self/smaps carry "hg"); a small one,
// and an empty one, are left alone without a fault.
func TestHugePages(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("this kernel has no transparent huge pages")
	}
	hugePages(nil)
	hugePages(make([]Socket, 0, 10)[:0])
	room := make([]Socket, 0, 40000) // 7.7 MB
	hugePages(room[:cap(room)])
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(room[:1]))) + 4<<20
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	var inside bool
	for _, line := range strings.Split(string(smaps), "\n") {
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x ", &lo, &hi); n == 2 && strings.Contains(line, " ") {
			inside = lo <= addr && addr < hi
			continue
		}
		if flags, ok := strings.CutPrefix(line, "VmFlags:"); ok && inside {
			if !slices.Contains(strings.Fields(flags), "hg") {
				t.Errorf("the room's mapping has VmFlags%s, want hg among them", flags)
			}
			return
		}
	}
	t.Errorf("no mapping of /proc/self/smaps holds %#x", addr)
}
