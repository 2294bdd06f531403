package sockets

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"syscall"
	"testing"
	"unsafe"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/netlink"
)

// Loopback addresses for hand-built and expected sockets.
var (
	lo4  = netip.MustParseAddr("127.0.0.1")
	lo6  = netip.MustParseAddr("::1")
	any4 = netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
)

func ap4(port uint16) netip.AddrPort { return netip.AddrPortFrom(lo4, port) }
func ap6(port uint16) netip.AddrPort { return netip.AddrPortFrom(lo6, port) }

// inetMsg describes a hand-built inet_diag_msg.
type inetMsg struct {
	state         State
	local, remote netip.AddrPort
	ifindex       uint32
	cookie        uint64
	rq, wq        uint32
	uid, ino      uint32
	timer         uint8  // idiag_timer
	retrans       uint8  // idiag_retrans
	expires       uint32 // idiag_expires, ms
	attrs         []byte
}

// payload returns the inet_diag_msg and its attributes.
func (m inetMsg) payload() []byte {
	b := make([]byte, inetDiagMsgLen)
	ne, be := binary.NativeEndian, binary.BigEndian
	b[0] = afInet
	if m.local.Addr().Is6() {
		b[0] = afInet6
	}
	b[1] = byte(m.state)
	b[2], b[3] = m.timer, m.retrans
	ne.PutUint32(b[52:], m.expires)
	be.PutUint16(b[4:], m.local.Port())
	be.PutUint16(b[6:], m.remote.Port())
	if m.local.Addr().Is4() {
		a, r := m.local.Addr().As4(), m.remote.Addr().As4()
		copy(b[8:], a[:])
		copy(b[24:], r[:])
	} else {
		a, r := m.local.Addr().As16(), m.remote.Addr().As16()
		copy(b[8:], a[:])
		copy(b[24:], r[:])
	}
	ne.PutUint32(b[40:], m.ifindex)
	ne.PutUint32(b[44:], uint32(m.cookie))
	ne.PutUint32(b[48:], uint32(m.cookie>>32))
	ne.PutUint32(b[56:], m.rq)
	ne.PutUint32(b[60:], m.wq)
	ne.PutUint32(b[64:], m.uid)
	ne.PutUint32(b[68:], m.ino)
	return append(b, m.attrs...)
}

// decodeInetFixture decodes a recorded inet dump as appendInetDiag sees it.
func decodeInetFixture(t *testing.T, name string, p Proto) []Socket {
	t.Helper()
	it := netlink.NewDump(readFixture(t, name), 0, 0)
	socks, err := appendInetDiag(nil, &it, p, 0)
	if err != nil || !it.Done() {
		t.Fatalf("%s: err %v, done %v", name, err, it.Done())
	}
	return socks
}

func TestDecodeInetDiagFixtures(t *testing.T) {
	tests := []struct {
		file string
		p    Proto
		want []string
	}{
		{"tcp-inet.bin", TCP, []string{
			"tcp inet CLOSE_WAIT 127.0.0.1:8080 127.0.0.1:40001 rq=1 sq=0 ino=482980 uid=0 cookie=4102",
			"tcp inet ESTABLISHED 127.0.0.1:40000 127.0.0.1:8080 rq=0 sq=0 ino=482977 uid=0 cookie=4099",
			"tcp inet ESTABLISHED 127.0.0.1:8080 127.0.0.1:40000 rq=5 sq=0 ino=482978 uid=0 cookie=4100",
			"tcp inet FIN_WAIT2 127.0.0.1:40001 127.0.0.1:8080 rq=0 sq=0 ino=482979 uid=0 cookie=4101",
			"tcp inet LISTEN 127.0.0.1:8080 0.0.0.0:0 rq=0 sq=16 ino=482975 uid=0 cookie=4097",
			// The TCP subflow of the MPTCP listener below: same inode.
			"tcp inet LISTEN 127.0.0.1:8443 0.0.0.0:0 rq=0 sq=4 ino=482991 uid=0 cookie=24",
			"tcp inet TIME_WAIT 127.0.0.1:40002 127.0.0.1:8080 rq=0 sq=0 ino=0 uid=0 cookie=25",
		}},
		{"tcp-inet6.bin", TCP, []string{
			"tcp inet6 LISTEN [::1]:8080 [::]:0 rq=0 sq=16 ino=482976 uid=0 cookie=4098",
		}},
		{"udp-inet.bin", UDP, []string{
			"udp inet CLOSE 127.0.0.1:5353 0.0.0.0:0 rq=0 sq=0 ino=482981 uid=0 cookie=4103",
		}},
		{"udp-inet6.bin", UDP, []string{
			"udp inet6 ESTABLISHED [::1]:5354 [::1]:5355 rq=0 sq=0 ino=482982 uid=0 cookie=4104",
		}},
		{"udplite-inet.bin", UDPLite, []string{
			"udplite inet CLOSE 127.0.0.1:5300 0.0.0.0:0 rq=0 sq=0 ino=482993 uid=0 cookie=26",
		}},
		{"udplite-inet6.bin", UDPLite, nil},
		{"mptcp-inet.bin", MPTCP, []string{
			"mptcp inet LISTEN 127.0.0.1:8443 0.0.0.0:0 rq=0 sq=4 ino=482991 uid=0 cookie=27",
		}},
		{"mptcp-inet6.bin", MPTCP, nil},
	}
	for _, tt := range tests {
		got := sockLines(decodeInetFixture(t, tt.file, tt.p))
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s:\n%s", tt.file, lineDiff(got, tt.want))
		}
	}

	// One socket field by field, in case sockLine misses something.
	listener := Socket{Proto: TCP, Family: Inet, State: Listen,
		Local: netip.MustParseAddrPort("127.0.0.1:8080"), Remote: netip.MustParseAddrPort("0.0.0.0:0"),
		SendQ: 16, Inode: 482975, Cookie: 4097, Timer: Timer{Kind: TimerOff}}
	if socks := decodeInetFixture(t, "tcp-inet.bin", TCP); !slices.ContainsFunc(socks, func(s Socket) bool {
		return reflect.DeepEqual(s, listener)
	}) {
		t.Errorf("tcp-inet.bin: no socket equal to %+v", listener)
	}
}

func TestDecodeInetDiagTimerFixture(t *testing.T) {
	// The recorded dump: the TIME_WAIT socket has its timewait timer
	// (at most 60 s left), every other socket, UDP too, no timer.
	for _, f := range []struct {
		file string
		p    Proto
	}{{"tcp-inet.bin", TCP}, {"tcp-inet6.bin", TCP}, {"udp-inet.bin", UDP}, {"mptcp-inet.bin", MPTCP}} {
		for _, s := range decodeInetFixture(t, f.file, f.p) {
			tm := s.Timer
			if s.State == TimeWait {
				if tm.Kind != TimerTimeWait || tm.Expires == 0 || tm.Expires > 60000 || tm.Retrans != 0 || tm.Probes != 0 {
					t.Errorf("%s: timer %+v, want timewait with 0 < expires <= 60000", sockLine(&s), tm)
				}
			} else if tm != (Timer{Kind: TimerOff}) {
				t.Errorf("%s: timer %+v, want off", sockLine(&s), tm)
			}
		}
	}
}

func TestDecodeInetDiagTimerCapture(t *testing.T) {
	// A dump recorded with sockets whose timers differ (testdata/README.md):
	// keepalive, SYN_SENT retransmitting once, TIME_WAIT and an orphaned
	// FIN_WAIT2 (both timewait sockets), and the rest off.
	it := netlink.NewDump(readFixture(t, "../netlink-timers/tcp-inet.bin"), 0, 0)
	socks, err := appendInetDiag(nil, &it, TCP, 0)
	if err != nil || !it.Done() {
		t.Fatalf("err %v, done %v", err, it.Done())
	}
	want := map[uint16]Timer{
		41000: {Kind: TimerKeepalive, Expires: 7198416},
		41001: {Kind: TimerTimeWait, Expires: 58420},
		41002: {Kind: TimerTimeWait, Expires: 58436},
		42001: {Kind: TimerOn, Retrans: 1, Expires: 476},
		42002: {Kind: TimerOn, Retrans: 1, Expires: 508},
	}
	seen := 0
	for _, s := range socks {
		w, ok := want[s.Local.Port()]
		if !ok {
			w = Timer{Kind: TimerOff}
		} else {
			seen++
		}
		if s.Timer != w {
			t.Errorf("%s: timer %+v, want %+v", sockLine(&s), s.Timer, w)
		}
	}
	if len(socks) != 11 || seen != len(want) {
		t.Errorf("%d sockets, %d of the timers; want 11 and %d", len(socks), seen, len(want))
	}
}

func TestDecodeInetDiagTimer(t *testing.T) {
	// idiag_retrans is the retransmissions for the retransmission timer
	// and the unanswered probes for the keepalive and probe timers.
	tests := []struct {
		timer, retrans uint8
		expires        uint32
		want           Timer
		name           string
	}{
		{0, 0, 0, Timer{Kind: TimerOff}, "off"},
		{0, 0, 1234, Timer{Kind: TimerOff}, "off"},
		{1, 2, 200, Timer{Kind: TimerOn, Retrans: 2, Expires: 200}, "on"},
		{2, 3, 7170240, Timer{Kind: TimerKeepalive, Probes: 3, Expires: 7170240}, "keepalive"},
		{3, 0, 46650, Timer{Kind: TimerTimeWait, Expires: 46650}, "timewait"},
		{4, 1, 5000, Timer{Kind: TimerProbe, Probes: 1, Expires: 5000}, "probe"},
		{7, 0, 10, Timer{Kind: TimerKind(8), Expires: 10}, "unkn-7"},
	}
	for _, tt := range tests {
		m := inetMsg{state: Established, local: ap4(1), remote: ap4(2), timer: tt.timer, retrans: tt.retrans, expires: tt.expires}
		var s Socket
		if _, err := decodeInetDiag(m.payload(), TCP, &s); err != nil {
			t.Fatal(err)
		}
		if s.Timer != tt.want || s.Timer.Kind.String() != tt.name {
			t.Errorf("timer %d/%d/%d: got %+v (%s), want %+v (%s)", tt.timer, tt.retrans, tt.expires, s.Timer, s.Timer.Kind, tt.want, tt.name)
		}
	}
}

func TestSocketSize(t *testing.T) {
	// A Socket is what a listing holds per socket: the timer must fit in
	// what was padding (192 bytes before it was added); the Internals
	// pointer adds 8, what a socket without internals pays for them.
	if n := unsafe.Sizeof(Socket{}); unsafe.Sizeof(uintptr(0)) == 8 && n > 200 {
		t.Errorf("sizeof(Socket) = %d, want at most 200", n)
	}
}

func TestDecodeInetDiagExtra(t *testing.T) {
	// The FIN_WAIT2 side shut down sending (2), the CLOSE_WAIT side
	// received the FIN (1); the v6 listener reports IPV6_V6ONLY on, which
	// the kernel sets when a socket binds a specific IPv6 address (::1).
	for _, file := range []string{"tcp-inet.bin", "tcp-inet6.bin"} {
		it := netlink.NewDump(readFixture(t, file), 0, 0)
		for it.Next() {
			var s Socket
			extra, err := decodeInetDiag(it.Payload(), TCP, &s)
			if err != nil {
				t.Fatal(err)
			}
			want := map[State]uint8{FinWait2: 2, CloseWait: 1}[s.State]
			if extra.Shutdown != want {
				t.Errorf("%s: shutdown %d, want %d", sockLine(&s), extra.Shutdown, want)
			}
			if extra.HasV6Only != (s.Family == Inet6) || extra.V6Only != (s.Family == Inet6) {
				t.Errorf("%s: v6only %v/%v", sockLine(&s), extra.V6Only, extra.HasV6Only)
			}
		}
	}
}

func TestDecodeInetDiagRawMissing(t *testing.T) {
	// raw_diag is not built into the kernel that recorded this: the dump
	// is a lone NLMSG_DONE whose payload is -ENOENT.
	it := netlink.NewDump(readFixture(t, "raw-inet.bin"), 0, 0)
	socks, err := appendInetDiag(nil, &it, Raw, 0)
	var ke *netlink.Error
	if len(socks) != 0 || !it.Done() || !errors.As(err, &ke) || ke.Errno != syscall.Errno(2) || !ke.InDone {
		t.Errorf("got %d sockets, done %v, err %v; want none, done, ENOENT in NLMSG_DONE", len(socks), it.Done(), err)
	}
}

func TestDecodeInetDiag(t *testing.T) {
	v6 := netip.MustParseAddrPort("[fe80::1]:443")
	tests := []struct {
		name string
		m    inetMsg
		p    Proto
		want string
		err  bool
	}{
		{name: "request socket", p: TCP,
			m:    inetMsg{state: SynRecv, local: ap4(80), remote: ap4(5000), uid: 1000, cookie: 1<<40 | 7},
			want: "tcp inet SYN_RECV 127.0.0.1:80 127.0.0.1:5000 rq=0 sq=0 ino=0 uid=1000 cookie=1099511627783"},
		{name: "scoped v6", p: TCP,
			m:    inetMsg{state: Established, local: v6, remote: netip.MustParseAddrPort("[fe80::2]:9"), ifindex: 3, rq: 1, wq: 2, ino: 9},
			want: "tcp inet6 ESTABLISHED [fe80::1]:443 [fe80::2]:9 if=3 rq=1 sq=2 ino=9 uid=0 cookie=0"},
		{name: "raw protocol attribute", p: Raw,
			m:    inetMsg{state: Close, local: ap4(255), remote: any4, attrs: netlink.AppendAttr(nil, inetDiagProtocol, []byte{1})},
			want: "raw inet CLOSE 127.0.0.1:1 0.0.0.0:0 rq=0 sq=0 ino=0 uid=0 cookie=0"},
		{name: "unknown and short attributes", p: UDP,
			m: inetMsg{state: Close, local: ap4(53), remote: any4,
				attrs: slices.Concat(netlink.AppendAttr(nil, 99, []byte{1, 2}), netlink.AppendAttr(nil, inetDiagShutdown, ""))},
			want: "udp inet CLOSE 127.0.0.1:53 0.0.0.0:0 rq=0 sq=0 ino=0 uid=0 cookie=0"},
		{name: "attribute overrun", p: TCP, err: true,
			m: inetMsg{state: Listen, local: ap4(1), remote: any4, attrs: []byte{200, 0, 8, 0, 1, 0, 0, 0}}},
		{name: "trailing garbage", p: TCP, err: true,
			m: inetMsg{state: Listen, local: ap4(1), remote: any4, attrs: []byte{1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Socket
			_, err := decodeInetDiag(tt.m.payload(), tt.p, &s)
			if tt.err {
				if !errors.Is(err, errs.ErrMalformed) {
					t.Errorf("err = %v, want errs.ErrMalformed", err)
				}
				return
			}
			if got := sockLine(&s); err != nil || got != tt.want {
				t.Errorf("got %s, %v\nwant %s", got, err, tt.want)
			}
		})
	}

	var s Socket
	short := inetMsg{local: ap4(1), remote: any4}.payload()[:inetDiagMsgLen-1]
	if _, err := decodeInetDiag(short, TCP, &s); !errors.Is(err, errs.ErrMalformed) {
		t.Errorf("short message: err = %v, want errs.ErrMalformed", err)
	}
	bad := inetMsg{local: ap4(1), remote: any4}.payload()
	bad[0] = afUnix
	if _, err := decodeInetDiag(bad, TCP, &s); !errors.Is(err, errs.ErrMalformed) {
		t.Errorf("unix family: err = %v, want errs.ErrMalformed", err)
	}
}

func TestAppendInetDiagStates(t *testing.T) {
	msgs := slices.Concat(
		nlMessage(sockDiagByFamily, inetMsg{state: SynRecv, local: ap4(80), remote: ap4(1)}.payload()),
		nlMessage(sockDiagByFamily, inetMsg{state: Close, local: ap4(81), remote: any4}.payload()),
		nlMessage(sockDiagByFamily, inetMsg{state: Listen, local: ap4(82), remote: any4}.payload()),
		nlMessage(netlink.MsgDone, errPayload(0)),
	)
	count := func(want StateSet) int {
		it := netlink.NewDump(msgs, 0, 0)
		socks, err := appendInetDiag(nil, &it, TCP, want)
		if err != nil || !it.Done() {
			t.Fatalf("err %v, done %v", err, it.Done())
		}
		return len(socks)
	}
	for _, tt := range []struct {
		name string
		set  StateSet
		n    int
	}{
		{"all", 0, 3},
		{"request sockets by their own bit", 1 << NewSynRecv, 1},
		{"bound-inactive by its own bit", 1 << BoundInactive, 1},
		{"listen", StateSet(0).With(Listen), 1},
		{"syn_recv and close", StateSet(0).With(SynRecv).With(Close), 2},
	} {
		if got := count(tt.set); got != tt.n {
			t.Errorf("%s: %d sockets, want %d", tt.name, got, tt.n)
		}
	}

	// A bad message in the middle keeps what came before it.
	bad := slices.Concat(msgs[:len(msgs)-20], nlMessage(sockDiagByFamily, []byte{2, 1}))
	it := netlink.NewDump(bad, 0, 0)
	if socks, err := appendInetDiag(nil, &it, TCP, 0); len(socks) != 3 || !errors.Is(err, errs.ErrMalformed) {
		t.Errorf("bad message: %d sockets, %v", len(socks), err)
	}
}

func TestInetDiagRequest(t *testing.T) {
	ne := binary.NativeEndian
	req := appendInetDiagRequest(nil, 5, Inet6, TCP, kernelStates(0))
	if len(req) != netlink.HeaderLen+inetDiagReqV2Len || ne.Uint32(req) != uint32(len(req)) {
		t.Fatalf("tcp request: %d bytes, nlmsg_len %d", len(req), ne.Uint32(req))
	}
	h, p, _, err := netlink.Split(req)
	if err != nil || h.Type != sockDiagByFamily || h.Flags != netlink.FlagRequest|netlink.FlagDump || h.Seq != 5 {
		t.Fatalf("header %+v, %v", h, err)
	}
	if p[0] != afInet6 || p[1] != ipprotoTCP || p[2] != 0 || p[3] != 0 || StateSet(ne.Uint32(p[4:])) != AllStates {
		t.Errorf("tcp request payload % x", p[:8])
	}
	if !AllStates.Has(NewSynRecv) || !AllStates.Has(TimeWait) || !AllStates.Has(BoundInactive) {
		t.Error("AllStates must ask for request, TIME_WAIT and bound-inactive sockets")
	}
	if got := kernelStates(StateSet(1 << SynRecv)); !got.Has(NewSynRecv) {
		t.Errorf("kernelStates(SynRecv) = %#x, lacks NewSynRecv", got)
	}

	// MPTCP does not fit the u8: INET_DIAG_REQ_PROTOCOL carries it.
	req = appendInetDiagRequest(nil, 6, Inet, MPTCP, StateSet(0).With(Listen))
	_, p, _, err = netlink.Split(req)
	if err != nil || len(p) != inetDiagReqV2Len+8 || p[1] != ipprotoTCP {
		t.Fatalf("mptcp request: % x, %v", p, err)
	}
	it := netlink.NewAttrs(p[inetDiagReqV2Len:])
	if !it.Next() || it.Type() != inetDiagReqProtocol || ne.Uint32(it.Data()) != ipprotoMPTCP {
		t.Errorf("mptcp request attribute: type %d data % x", it.Type(), it.Data())
	}

	_, p, _, _ = netlink.Split(appendInetDiagRequest(nil, 7, Inet, Raw, 0))
	if p[1] != ipprotoRaw || p[3] != ipprotoRaw {
		t.Errorf("raw request payload % x", p[:8])
	}
}

// TestTCPDiagRequest checks TCPDIAG_GETSOCK's request (struct
// inet_diag_req: no family, states at offset 52, extensions at 3) and
// that its replies, of its own type, decode as SOCK_DIAG_BY_FAMILY's.
func TestTCPDiagRequest(t *testing.T) {
	ne := binary.NativeEndian
	req := appendTCPDiagRequestExt(nil, 9, StateSet(0).With(Listen).With(Established), WantInfo)
	h, p, _, err := netlink.Split(req)
	if err != nil || len(req) != netlink.HeaderLen+inetDiagReqLen || h.Type != tcpDiagGetSock ||
		h.Flags != netlink.FlagRequest|netlink.FlagDump || h.Seq != 9 {
		t.Fatalf("header %+v of %d bytes, %v", h, len(req), err)
	}
	if p[0] != 0 || p[3] != extBits(WantInfo) || p[3] == 0 ||
		StateSet(ne.Uint32(p[52:])) != StateSet(0).With(Listen).With(Established) || ne.Uint32(p[56:]) != 0 {
		t.Errorf("payload % x", p)
	}
	for _, typ := range []uint16{sockDiagByFamily, tcpDiagGetSock} {
		b := nlMessage(typ, inetMsg{local: ap6(1), remote: ap6(2)}.payload())
		it := netlink.NewDump(b, 0, 0)
		if socks, err := appendInetDiag(nil, &it, TCP, 0); err != nil || len(socks) != 1 || socks[0].Local != ap6(1) {
			t.Errorf("reply of type %d: %v, %v", typ, sockLines(socks), err)
		}
	}
}

// FuzzDecodeInetDiag decodes arbitrary bytes as an inet_diag dump: it must
// never panic, and what it decodes must be an inet socket.
func FuzzDecodeInetDiag(f *testing.F) {
	addFixtureSeeds(f)
	f.Add(readFixture(f, "../netlink-timers/tcp-inet.bin"))
	f.Add(nlMessage(sockDiagByFamily, inetMsg{local: ap6(1), remote: ap6(2), attrs: []byte{8, 0, 10, 0, 1}}.payload()))
	f.Fuzz(func(t *testing.T, b []byte) {
		it := netlink.NewDump(b, 0, 0)
		socks, _ := appendInetDiag(nil, &it, Raw, 0)
		for _, s := range socks {
			if s.Proto != Raw || s.Family != Inet && s.Family != Inet6 || s.Local.Addr().Is4() != (s.Family == Inet) {
				t.Fatalf("decoded %s", sockLine(&s))
			}
			if tm := s.Timer; tm.Kind == NoTimerData || tm.Kind == TimerOff && tm.Expires != 0 {
				t.Fatalf("decoded timer %+v", tm)
			}
		}
	})
}

// BenchmarkDecodeInetDiag decodes a synthetic dump of 100k TCP sockets,
// half IPv4 and half IPv6, each with the attributes a real dump carries.
func BenchmarkDecodeInetDiag(b *testing.B) {
	const n = 100_000
	attrs := slices.Concat(netlink.AppendAttr(nil, inetDiagShutdown, []byte{0}), netlink.AppendAttr(nil, 15, make([]byte, 4)),
		netlink.AppendAttr(nil, 21, make([]byte, 8)))
	var buf []byte
	for i := range n {
		m := inetMsg{state: Established, local: ap4(uint16(i)), remote: ap4(443), ino: uint32(i), attrs: attrs}
		if i%2 == 1 {
			m.local, m.remote = ap6(uint16(i)), ap6(443)
		}
		buf = append(buf, nlMessage(sockDiagByFamily, m.payload())...)
	}
	buf = append(buf, nlMessage(netlink.MsgDone, errPayload(0))...)
	dst := make([]Socket, 0, n)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		it := netlink.NewDump(buf, 0, 0)
		var err error
		if dst, err = appendInetDiag(dst[:0], &it, TCP, 0); err != nil || len(dst) != n {
			b.Fatalf("%d sockets, %v", len(dst), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/socket")
}
