package trace

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

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
	r, err := DecodeRaw(raw(42, 100, "curl", 0xffff0001, sockets.SynSent, sockets.Established, "10.0.0.1:50000", "10.0.0.2:443"))
	if err != nil {
		t.Fatal(err)
	}
	want := Raw{Mono: 42, PID: 100, TID: 101, Comm: "curl", Sock: 0xffff0001, Old: sockets.SynSent, New: sockets.Established,
		Family: sockets.Inet, Protocol: 6, Local: netip.MustParseAddrPort("10.0.0.1:50000"), Remote: netip.MustParseAddrPort("10.0.0.2:443")}
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
	if r, err := DecodeRaw(b); err != nil || r.Sent != 1000 || r.Received != 20 {
		t.Errorf("bytes: %+v %v", r, err)
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

func TestTracker(t *testing.T) {
	wall := func(mono uint64) time.Time { return time.Unix(0, int64(mono)) }
	const ms = uint64(time.Millisecond)
	tr := NewTracker(wall, nil)
	// A server listens (its own context), a client connects (its own),
	// the handshake completes in softirq (under another task: ksoftirqd).
	evs := feed(t, tr,
		raw(1*ms, 10, "server", 1, sockets.Close, sockets.Listen, "127.0.0.1:8080", "0.0.0.0:0"),
		raw(2*ms, 20, "client", 2, sockets.Close, sockets.SynSent, "127.0.0.1:0", "127.0.0.1:8080"),
		raw(3*ms, 99, "ksoftirqd/0", 3, sockets.Listen, sockets.SynRecv, "127.0.0.1:8080", "127.0.0.1:50000"),
		raw(3*ms, 99, "ksoftirqd/0", 2, sockets.SynSent, sockets.Established, "127.0.0.1:50000", "127.0.0.1:8080"),
		raw(4*ms, 99, "ksoftirqd/0", 3, sockets.SynRecv, sockets.Established, "127.0.0.1:8080", "127.0.0.1:50000"),
		raw(5*ms, 20, "client", 2, sockets.Established, sockets.FinWait1, "127.0.0.1:50000", "127.0.0.1:8080"),
		raw(6*ms, 99, "ksoftirqd/0", 2, sockets.FinWait2, sockets.Close, "127.0.0.1:50000", "127.0.0.1:8080"),
		raw(7*ms, 99, "ksoftirqd/0", 3, sockets.LastAck, sockets.Close, "127.0.0.1:8080", "127.0.0.1:50000"),
		// A connect to a closed port fails.
		raw(8*ms, 20, "client", 4, sockets.Close, sockets.SynSent, "127.0.0.1:0", "127.0.0.1:9"),
		raw(9*ms, 99, "ksoftirqd/0", 4, sockets.SynSent, sockets.Close, "127.0.0.1:50001", "127.0.0.1:9"),
		// A change of a socket older than the trace, and a no-op.
		raw(10*ms, 99, "ksoftirqd/0", 5, sockets.Established, sockets.CloseWait, "127.0.0.1:22", "127.0.0.1:40000"),
		raw(11*ms, 20, "client", 6, sockets.Close, sockets.Close, "0.0.0.0:0", "0.0.0.0:0"),
	)
	type short struct {
		kind Kind
		pid  int32
		dur  time.Duration
	}
	var got []short
	for _, e := range evs {
		got = append(got, short{e.Kind, e.Owner.PID, e.Duration})
	}
	want := []short{
		{Connect, 20, 0},
		{Accept, 10, 0},
		{State, 20, 0},
		{Close, 20, 4 * time.Millisecond},
		{Close, 10, 4 * time.Millisecond},
		{Fail, 20, time.Millisecond},
		{State, 0, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("events %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if tr.Live() != 1 { // the old connection, now in CLOSE_WAIT
		t.Errorf("%d sockets followed after their closes, want 1", tr.Live())
	}
	// A snapshot's owner names a connection older than the trace.
	tr = NewTracker(wall, func(l, r netip.AddrPort) (Owner, bool) { return Owner{PID: 7, Comm: "sshd"}, l.Port() == 22 })
	evs = feed(t, tr, raw(1, 99, "x", 5, sockets.Established, sockets.CloseWait, "127.0.0.1:22", "127.0.0.1:40000"))
	if len(evs) != 1 || evs[0].Owner.PID != 7 {
		t.Errorf("older connection: %+v", evs)
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
}

func FuzzDecodeDestroyed(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, 16))
	f.Fuzz(func(t *testing.T, b []byte) {
		DecodeDestroyed(b) // never panics
	})
}
