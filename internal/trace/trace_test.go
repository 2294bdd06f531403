package trace

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/sockets"
)

// raw encodes an event as the BPF program writes it.
func raw(mono uint64, pid uint32, comm string, sock uint64, old, nw sockets.State, local, remote string) []byte {
	b := make([]byte, RawSize)
	ne := binary.NativeEndian
	ne.PutUint64(b[offMono:], mono)
	ne.PutUint64(b[offPIDTGID:], uint64(pid)<<32|uint64(pid+1))
	copy(b[offComm:offComm+15], comm)
	rec := b[offRecord-recordFirst:]
	ne.PutUint64(rec[8:], sock)
	ne.PutUint32(rec[16:], uint32(old))
	ne.PutUint32(rec[20:], uint32(nw))
	l, r := netip.MustParseAddrPort(local), netip.MustParseAddrPort(remote)
	ne.PutUint16(rec[24:], l.Port())
	ne.PutUint16(rec[26:], r.Port())
	ne.PutUint16(rec[30:], 6)
	if l.Addr().Is4() {
		ne.PutUint16(rec[28:], 2)
		a, c := l.Addr().As4(), r.Addr().As4()
		copy(rec[32:], a[:])
		copy(rec[36:], c[:])
	} else {
		ne.PutUint16(rec[28:], 10)
		a, c := l.Addr().As16(), r.Addr().As16()
		copy(rec[40:], a[:])
		copy(rec[56:], c[:])
	}
	return b
}

func TestDecodeRaw(t *testing.T) {
	r, err := DecodeRaw(inNetNS(raw(42, 100, "curl", 0xffff0001, sockets.SynSent, sockets.Established, "10.0.0.1:50000", "10.0.0.2:443"), 4026531833))
	if err != nil {
		t.Fatal(err)
	}
	want := Raw{Mono: 42, PID: 100, TID: 101, Comm: "curl", Sock: 0xffff0001, Old: sockets.SynSent, New: sockets.Established,
		Family: sockets.Inet, Protocol: 6, Local: netip.MustParseAddrPort("10.0.0.1:50000"), Remote: netip.MustParseAddrPort("10.0.0.2:443"),
		NetNS: 4026531833}
	if r != want {
		t.Errorf("%+v\nwant %+v", r, want)
	}
	r, err = DecodeRaw(raw(1, 1, "x", 1, sockets.Established, sockets.Close, "[2001:db8::1]:80", "[2001:db8::2]:5000"))
	if err != nil || r.Family != sockets.Inet6 || r.Local.String() != "[2001:db8::1]:80" || r.New != sockets.Close {
		t.Errorf("IPv6: %+v %v", r, err)
	}
	b := raw(1, 1, "x", 1, sockets.FinWait2, sockets.Close, "10.0.0.1:1", "10.0.0.2:2")
	binary.NativeEndian.PutUint64(b[offSent:], 1000)
	binary.NativeEndian.PutUint64(b[offReceived:], 20)
	withErr(kept(b, 7), 111, 113)
	if r, err := DecodeRaw(b); err != nil || r.Sent != 1000 || r.Received != 20 || r.Start != 7 || r.Err != 111 || r.ErrSoft != 113 {
		t.Errorf("bytes, start, errors: %+v %v", r, err)
	}
	if _, err := DecodeRaw(make([]byte, RawSize-1)); err == nil {
		t.Error("a short event decoded")
	}
	bad := raw(1, 1, "x", 1, sockets.Established, sockets.Close, "10.0.0.1:1", "10.0.0.2:2")
	binary.NativeEndian.PutUint16(bad[offRecord-recordFirst+28:], 99)
	if _, err := DecodeRaw(bad); err == nil {
		t.Error("an event of family 99 decoded")
	}
}

func FuzzDecodeRaw(f *testing.F) {
	f.Add(raw(42, 100, "curl", 1, sockets.SynSent, sockets.Established, "10.0.0.1:50000", "10.0.0.2:443"))
	f.Add(raw(1, 1, "x", 1, sockets.Established, sockets.Close, "[::1]:80", "[::1]:5000"))
	f.Add(make([]byte, RawSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRaw(b)
		if err == nil && (r.Old != 0 && !r.Old.Valid() || r.New != 0 && !r.New.Valid()) {
			t.Errorf("invalid state decoded: %+v", r)
		}
	})
}

// feed runs events through a tracker and returns the events made.
func feed(t *testing.T, tr *Tracker, events ...[]byte) []Event {
	t.Helper()
	var out []Event
	for _, b := range events {
		r, err := DecodeRaw(b)
		if err != nil {
			t.Fatal(err)
		}
		if ev, ok := tr.Feed(&r); ok {
			out = append(out, ev)
		}
	}
	return out
}

// kept marks an event with the start the program kept for its socket
// (and the task that called connect(), which raw already wrote).
func kept(b []byte, start uint64) []byte {
	binary.NativeEndian.PutUint64(b[offStart:], start)
	return b
}

// monoWall is the tests' Wall: a monotonic time as that many
// nanoseconds since the epoch.
func monoWall(mono uint64) time.Time { return time.Unix(0, int64(mono)) }

// ms is a millisecond in the programs' monotonic nanoseconds.
const ms = uint64(time.Millisecond)

// withErr gives an event the socket's sk_err and sk_err_soft.
func withErr(b []byte, err, soft uint32) []byte {
	binary.NativeEndian.PutUint32(b[offErr:], err)
	binary.NativeEndian.PutUint32(b[offErrSoft:], soft)
	return b
}

func TestTracker(t *testing.T) {
	tr := NewTracker(monoWall, nil)
	// A server listens (its own context); a client connects: the program
	// keeps the client's task and the start through the handshake and
	// sends them with the connect, whatever task it ran under (softirq);
	// the tracker keeps them for the connection's later changes, which
	// come without (the program sends no task but listen()'s). An
	// accepted connection has none kept (it starts at its accept) and
	// belongs to its listener's holder.
	evs := feed(t, tr,
		raw(1*ms, 10, "server", 1, sockets.Close, sockets.Listen, "127.0.0.1:8080", "0.0.0.0:0"),
		kept(raw(3*ms, 20, "client", 2, sockets.SynSent, sockets.Established, "127.0.0.1:50000", "127.0.0.1:8080"), 2*ms),
		raw(4*ms, 99, "ksoftirqd/0", 3, sockets.SynRecv, sockets.Established, "127.0.0.1:8080", "127.0.0.1:50000"),
		raw(5*ms, 0, "", 2, sockets.Established, sockets.FinWait1, "127.0.0.1:50000", "127.0.0.1:8080"),
		raw(6*ms, 0, "", 2, sockets.FinWait2, sockets.Close, "127.0.0.1:50000", "127.0.0.1:8080"),
		raw(7*ms, 99, "ksoftirqd/0", 3, sockets.LastAck, sockets.Close, "127.0.0.1:8080", "127.0.0.1:50000"),
		// Connects that fail: refused, then a soft error and a timeout,
		// then closed by their caller while connecting.
		withErr(kept(raw(9*ms, 20, "client", 4, sockets.SynSent, sockets.Close, "127.0.0.1:50001", "127.0.0.1:9"), 8*ms), 111, 0),
		withErr(kept(raw(9*ms, 20, "client", 5, sockets.SynSent, sockets.Close, "10.0.0.1:50002", "10.0.0.9:9"), 8*ms), 0, 113),
		kept(raw(9*ms, 20, "client", 6, sockets.SynSent, sockets.Close, "10.0.0.1:50003", "10.0.0.9:9"), 8*ms),
		// A change of a socket older than the trace, and a no-op.
		raw(10*ms, 99, "ksoftirqd/0", 7, sockets.Established, sockets.CloseWait, "127.0.0.1:22", "127.0.0.1:40000"),
		raw(11*ms, 20, "client", 8, sockets.Close, sockets.Close, "0.0.0.0:0", "0.0.0.0:0"),
		// Another accept, in softirq: the listener's holder, both at the
		// accept and at the close, which is a reset.
		raw(12*ms, 99, "ksoftirqd/0", 9, sockets.SynRecv, sockets.Established, "127.0.0.1:8080", "127.0.0.1:50004"),
		withErr(raw(13*ms, 99, "ksoftirqd/0", 9, sockets.Established, sockets.Close, "127.0.0.1:8080", "127.0.0.1:50004"), 104, 0),
		// Starts, which a program that sends every change sends too:
		// no event.
		raw(14*ms, 20, "client", 10, sockets.Close, sockets.SynSent, "127.0.0.1:0", "127.0.0.1:8080"),
		raw(14*ms, 99, "ksoftirqd/0", 11, sockets.Listen, sockets.SynRecv, "127.0.0.1:8080", "127.0.0.1:50005"),
	)
	type short struct {
		kind    Kind
		pid     int32
		dur     time.Duration
		passive bool
		reason  string
	}
	var got []short
	for _, e := range evs {
		got = append(got, short{e.Kind, e.Owner.PID, e.Duration, e.Passive, e.Reason()})
	}
	want := []short{
		{Connect, 20, 0, false, ""},
		{Accept, 10, 0, true, ""},
		{State, 20, 0, false, ""},
		{Close, 20, 4 * time.Millisecond, false, ""},
		{Close, 10, 3 * time.Millisecond, true, ""},
		{Fail, 20, time.Millisecond, false, "ECONNREFUSED"},
		{Fail, 20, time.Millisecond, false, "EHOSTUNREACH"},
		{Fail, 20, time.Millisecond, false, Cancelled},
		{State, 0, 0, false, ""},
		{Accept, 10, 0, true, ""},
		{Close, 10, time.Millisecond, true, "ECONNRESET"},
	}
	if len(got) != len(want) {
		t.Fatalf("events %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if evs[0].Owner.Comm != "client" || evs[5].Errno != 111 {
		t.Errorf("connect %+v, fail %+v", evs[0], evs[5])
	}
	if evs[3].Owner.Comm != "client" {
		t.Errorf("the connect's close has owner %+v, want the client's", evs[3].Owner)
	}
	if tr.Live() != 0 { // every connection closed
		t.Errorf("%d connections followed after their closes, want 0", tr.Live())
	}
	// A snapshot's owner names a connection older than the trace.
	tr = NewTracker(monoWall, func(_ uint32, l, r netip.AddrPort) (Owner, bool) { return Owner{PID: 7, Comm: "sshd"}, l.Port() == 22 })
	evs = feed(t, tr, raw(1, 99, "x", 5, sockets.Established, sockets.CloseWait, "127.0.0.1:22", "127.0.0.1:40000"))
	if len(evs) != 1 || evs[0].Owner.PID != 7 {
		t.Errorf("older connection: %+v", evs)
	}
}

func TestErrnoName(t *testing.T) {
	for n, want := range map[uint32]string{111: "ECONNREFUSED", 110: "ETIMEDOUT", 113: "EHOSTUNREACH", 104: "ECONNRESET"} {
		if got := ErrnoName(n); got != want {
			t.Errorf("ErrnoName(%d) = %q, want %q", n, got, want)
		}
	}
	if got := ErrnoName(100000); got != "errno 100000" {
		t.Errorf("ErrnoName(100000) = %q", got)
	}
	if r := (&Event{Kind: Close, ErrnoKnown: true}).Reason(); r != "" {
		t.Errorf("a close without an error has reason %q", r)
	}
	// A failure whose error was not read (an event stored without it)
	// is not said to be cancelled; nor is one the program could not read.
	if r := (&Event{Kind: Fail}).Reason(); r != "" {
		t.Errorf("a failure of unknown error has reason %q", r)
	}
	tr := NewTracker(func(uint64) time.Time { return time.Time{} }, nil)
	evs := feed(t, tr, withErr(kept(raw(2, 20, "c", 1, sockets.SynSent, sockets.Close, "10.0.0.1:1", "10.0.0.2:2"), 1), errUnknown, errUnknown))
	if len(evs) != 1 || evs[0].Kind != Fail || evs[0].Reason() != "" || evs[0].ErrnoKnown {
		t.Errorf("a failure the program could not read the error of: %+v", evs)
	}
}

// TestDecodeDestroyed decodes a datagram of two destroy notifications
// around a message of another type, and refuses a truncated one.
func TestDecodeDestroyed(t *testing.T) {
	msg := func(typ uint16, payload []byte) []byte {
		b := make([]byte, 16, 16+len(payload)+3)
		binary.NativeEndian.PutUint32(b, uint32(16+len(payload)))
		binary.NativeEndian.PutUint16(b[4:], typ)
		b = append(b, payload...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	diag := func(sport, dport uint16) []byte {
		p := make([]byte, 72) // inet_diag_msg
		p[0], p[1] = 2, byte(sockets.Close)
		binary.BigEndian.PutUint16(p[4:], sport)
		binary.BigEndian.PutUint16(p[6:], dport)
		copy(p[8:], []byte{127, 0, 0, 1})
		copy(p[24:], []byte{127, 0, 0, 1})
		return p
	}
	b := append(append(msg(sockDiagByFamily, diag(1000, 2000)), msg(3, nil)...), msg(sockDiagByFamily, diag(3000, 4000))...)
	socks, err := DecodeDestroyed(b)
	if err != nil || len(socks) != 2 || socks[0].Local.Port() != 1000 || socks[1].Remote.Port() != 4000 {
		t.Fatalf("%+v %v", socks, err)
	}
	if _, err := DecodeDestroyed(b[:20]); err == nil {
		t.Error("a truncated datagram decoded")
	}
	// A UDP socket's, by its INET_DIAG_PROTOCOL attribute after another
	// one (INET_DIAG_SHUTDOWN); a TCP socket's; then a cut attribute,
	// which is malformed (after the two).
	withAttrs := func(attrs ...[]byte) []byte {
		p := diag(5353, 53)
		for _, a := range attrs {
			p = append(p, a...)
		}
		return p
	}
	b = append(msg(sockDiagByFamily, withAttrs([]byte{5, 0, 8, 0, 3, 0, 0, 0}, []byte{5, 0, 10, 0, 17, 0, 0, 0})),
		msg(sockDiagByFamily, withAttrs([]byte{5, 0, 10, 0, 6, 0, 0, 0}))...)
	b = append(b, msg(sockDiagByFamily, withAttrs([]byte{9, 0, 10, 0}))...)
	socks, err = DecodeDestroyed(b)
	if !errors.Is(err, errs.ErrMalformed) || len(socks) != 2 || socks[0].Proto != sockets.UDP || socks[1].Proto != sockets.TCP {
		t.Errorf("by protocol: %+v %v", socks, err)
	}
}

func FuzzDecodeDestroyed(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, 16))
	f.Fuzz(func(t *testing.T, b []byte) {
		DecodeDestroyed(b) // never panics
	})
}

// TestTrackerLostClose: an accepted connection whose close was lost (the
// kernel's buffer full) does not lend its owner to a later connection
// the kernel makes at the same socket address.
func TestTrackerLostClose(t *testing.T) {
	tr := NewTracker(monoWall, nil)
	evs := feed(t, tr,
		raw(1*ms, 10, "server", 1, sockets.Close, sockets.Listen, "127.0.0.1:8080", "0.0.0.0:0"),
		raw(2*ms, 99, "ksoftirqd/0", 3, sockets.SynRecv, sockets.Established, "127.0.0.1:8080", "127.0.0.1:50000"),
		// Its close is lost; the address is reused by a connect whose
		// start the program did not keep (its map was full, say), which
		// closes; then by another accept, whose close is lost too, and a
		// connect that fails.
		raw(4*ms, 0, "", 3, sockets.SynSent, sockets.Established, "127.0.0.1:50001", "127.0.0.1:9000"),
		raw(5*ms, 0, "", 3, sockets.FinWait2, sockets.Close, "127.0.0.1:50001", "127.0.0.1:9000"),
		raw(6*ms, 99, "ksoftirqd/0", 3, sockets.SynRecv, sockets.Established, "127.0.0.1:8080", "127.0.0.1:50002"),
		raw(7*ms, 0, "", 3, sockets.SynSent, sockets.Close, "127.0.0.1:50003", "127.0.0.1:9000"),
	)
	if len(evs) != 5 {
		t.Fatalf("events %+v", evs)
	}
	for _, e := range []Event{evs[1], evs[2], evs[4]} {
		if e.Owner.Comm == "server" || e.Passive || e.Duration != 0 {
			t.Errorf("%+v: took the lost accept's owner or start", e)
		}
	}
}

// inNetNS sets an event's network namespace.
func inNetNS(b []byte, ns uint32) []byte {
	binary.NativeEndian.PutUint32(b[offNetNS:], ns)
	return b
}

// TestTrackerListenersByNetNS: two listeners of one port in two network
// namespaces (two containers' servers on :80) each lend their own owner
// to the connections accepted through them, and one's close does not
// forget the other.
func TestTrackerListenersByNetNS(t *testing.T) {
	tr := NewTracker(monoWall, nil)
	evs := feed(t, tr,
		inNetNS(raw(1*ms, 10, "nginx-a", 1, sockets.Close, sockets.Listen, "0.0.0.0:80", "0.0.0.0:0"), 4026532001),
		inNetNS(raw(2*ms, 20, "nginx-b", 2, sockets.Close, sockets.Listen, "0.0.0.0:80", "0.0.0.0:0"), 4026532002),
		inNetNS(raw(3*ms, 99, "ksoftirqd/0", 3, sockets.SynRecv, sockets.Established, "10.0.0.2:80", "10.0.0.1:50000"), 4026532001),
		inNetNS(raw(4*ms, 99, "ksoftirqd/0", 4, sockets.SynRecv, sockets.Established, "10.0.0.2:80", "10.0.0.1:50000"), 4026532002),
		inNetNS(raw(5*ms, 10, "nginx-a", 1, sockets.Listen, sockets.Close, "0.0.0.0:80", "0.0.0.0:0"), 4026532001),
		inNetNS(raw(6*ms, 99, "ksoftirqd/0", 5, sockets.SynRecv, sockets.Established, "10.0.0.2:80", "10.0.0.1:50001"), 4026532002),
		inNetNS(raw(7*ms, 99, "ksoftirqd/0", 6, sockets.SynRecv, sockets.Established, "10.0.0.2:80", "10.0.0.1:50001"), 4026532001),
	)
	want := []int32{10, 20, 20, 0}
	if len(evs) != len(want) {
		t.Fatalf("events %+v", evs)
	}
	for i, e := range evs {
		if e.Kind != Accept || e.Owner.PID != want[i] {
			t.Errorf("event %d: %s of pid %d, want an accept of %d", i, e.Kind, e.Owner.PID, want[i])
		}
	}
}

// TestTrackerKnownNetNS: the tracker asks a snapshot's owners about a
// socket in its own network namespace: a container's connection
// accepted on :80, through a listener older than the trace, is not
// given the host's server.
func TestTrackerKnownNetNS(t *testing.T) {
	known := func(netns uint32, local, remote netip.AddrPort) (Owner, bool) {
		return Owner{PID: 7, Comm: "host-nginx"}, netns == 4026531833 && local.Port() == 80
	}
	for _, c := range []struct {
		ns   uint32
		want int32
	}{{4026531833, 7}, {4026532001, 0}} {
		tr := NewTracker(monoWall, known)
		evs := feed(t, tr, inNetNS(raw(1*ms, 99, "ksoftirqd/0", 3, sockets.SynRecv, sockets.Established, "10.0.0.2:80", "10.0.0.1:50000"), c.ns))
		if len(evs) != 1 || evs[0].Kind != Accept || evs[0].Owner.PID != c.want {
			t.Errorf("an accept in namespace %d: %+v, want pid %d's", c.ns, evs, c.want)
		}
	}
}

// udp makes an event a UDP socket's end.
func udp(b []byte) []byte {
	binary.NativeEndian.PutUint16(b[offRecord-recordFirst+30:], ipprotoUDP)
	return b
}

// TestTrackerUDP: a UDP socket's end is a close of protocol UDP, owned
// by the task the program sent (the one that made it, or closes it),
// lasting from the start it kept, with no bytes and no error known; a
// socket never bound is no flow.
func TestTrackerUDP(t *testing.T) {
	tr := NewTracker(monoWall, nil)
	evs := feed(t, tr,
		kept(udp(raw(5*ms, 20, "dig", 1, sockets.Established, sockets.Close, "10.0.0.1:40000", "10.0.0.53:53")), 2*ms),
		udp(raw(6*ms, 21, "avahi", 2, sockets.Close, sockets.Close, "[::]:5353", "[::]:0")),
		udp(raw(7*ms, 22, "ip", 3, sockets.Close, sockets.Close, "0.0.0.0:0", "0.0.0.0:0")),
	)
	if len(evs) != 2 {
		t.Fatalf("events %+v, want the two bound sockets' ends", evs)
	}
	for i, want := range []struct {
		pid  int32
		from sockets.State
		dur  time.Duration
	}{{20, sockets.Established, 3 * time.Millisecond}, {21, sockets.Close, 0}} {
		e := evs[i]
		if e.Kind != Close || e.Proto != sockets.UDP || e.Owner.PID != want.pid || e.From != want.from || e.To != sockets.Close ||
			e.Duration != want.dur || !e.NoBytes || e.ErrnoKnown || e.Reason() != "" {
			t.Errorf("UDP end %d: %+v", i, e)
		}
	}
	if tr.Live() != 0 {
		t.Errorf("%d connections kept for UDP ends", tr.Live())
	}
}

// TestCgroup2In finds the cgroup v2 hierarchy's root in mountinfo, with
// a mount point escaped as the kernel escapes it, and nothing else.
func TestCgroup2In(t *testing.T) {
	for line, want := range map[string]string{
		"36 35 0:30 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate": "/sys/fs/cgroup",
		"41 33 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw":           "/sys/fs/cgroup/unified",
		`50 33 0:37 / /tmp/my\040cgroup rw - cgroup2 none rw`:                            "/tmp/my cgroup",
		"42 33 0:38 /sub /sys/fs/cgroup/sub rw - cgroup2 cgroup2 rw":                     "",
		"43 33 0:39 / /sys/fs/cgroup/cpu rw,relatime shared:10 - cgroup cgroup rw,cpu":   "",
		"44 33 0:40 / /sys/kernel/tracing rw - tracefs tracefs rw":                       "",
		"":          "",
		"- cgroup2": "",
	} {
		got, ok := cgroup2In(line)
		if got != want || ok != (want != "") {
			t.Errorf("%q: %q %v, want %q", line, got, ok, want)
		}
	}
	if got, _ := cgroup2In(`51 33 0:37 / /tmp/a\0 rw - cgroup2 none rw`); got != `/tmp/a\0` {
		t.Errorf("a cut escape: %q", got)
	}
}

// TestTrackerSimultaneousOpen: a connect that goes from SYN_SENT to
// SYN_RECV (a simultaneous open, a connect to its own port) is a
// connect of connect()'s task when it is established, not an accept,
// and closes with its duration; its change to SYN_RECV is an event only
// with AllStates.
func TestTrackerSimultaneousOpen(t *testing.T) {
	for _, all := range []bool{false, true} {
		tr := NewTracker(monoWall, nil)
		tr.AllStates = all
		evs := feed(t, tr,
			raw(1*ms, 10, "server", 9, sockets.Close, sockets.Listen, "127.0.0.1:40000", "0.0.0.0:0"),
			kept(raw(2*ms, 20, "client", 1, sockets.SynSent, sockets.SynRecv, "127.0.0.1:40000", "127.0.0.1:40000"), 1*ms),
			raw(3*ms, 0, "", 1, sockets.SynRecv, sockets.Established, "127.0.0.1:40000", "127.0.0.1:40000"),
			raw(5*ms, 0, "", 1, sockets.FinWait2, sockets.Close, "127.0.0.1:40000", "127.0.0.1:40000"),
		)
		if all {
			if len(evs) != 3 || evs[0].Kind != State || evs[0].Owner.PID != 20 {
				t.Fatalf("every change: %+v", evs)
			}
			evs = evs[1:]
		}
		if len(evs) != 2 || evs[0].Kind != Connect || evs[0].Passive || evs[0].Owner.PID != 20 ||
			evs[1].Kind != Close || evs[1].Owner.PID != 20 || evs[1].Passive || evs[1].Duration != 4*time.Millisecond {
			t.Errorf("every change %v: %+v", all, evs)
		}
		if tr.Live() != 0 {
			t.Errorf("%d connections kept after the close", tr.Live())
		}
	}
}

// TestTrackerBytesUnknown: a close whose bytes the program could not
// read (all ones) has no bytes, not 0 of each.
func TestTrackerBytesUnknown(t *testing.T) {
	tr := NewTracker(monoWall, nil)
	b := raw(5, 0, "", 1, sockets.FinWait2, sockets.Close, "10.0.0.1:1", "10.0.0.2:2")
	binary.NativeEndian.PutUint64(b[offSent:], bytesUnknown)
	binary.NativeEndian.PutUint64(b[offReceived:], bytesUnknown)
	known := raw(6, 0, "", 2, sockets.FinWait2, sockets.Close, "10.0.0.1:3", "10.0.0.2:2")
	binary.NativeEndian.PutUint64(known[offSent:], 7)
	evs := feed(t, tr, b, known)
	if len(evs) != 2 || !evs[0].NoBytes || evs[0].Sent != 0 || evs[1].NoBytes || evs[1].Sent != 7 {
		t.Errorf("%+v", evs)
	}
}
