package sockets

import (
	"encoding/binary"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/netlink"
)

// unixMsg builds a unix_diag_msg payload with the given attributes.
func unixMsg(typ SockType, st State, ino uint32, attrs ...[]byte) []byte {
	b := make([]byte, unixDiagMsgLen)
	b[0], b[1], b[2] = afUnix, byte(typ), byte(st)
	binary.NativeEndian.PutUint32(b[4:], ino)
	binary.NativeEndian.PutUint32(b[8:], ino+1000) // cookie
	return slices.Concat(append([][]byte{b}, attrs...)...)
}

func u32Attr(typ uint16, vs ...uint32) []byte {
	var data []byte
	for _, v := range vs {
		data = binary.NativeEndian.AppendUint32(data, v)
	}
	return netlink.AppendAttr(nil, typ, data)
}

func nameAttr(name string) []byte { return netlink.AppendAttr(nil, unixDiagName, []byte(name)) }

// decodeUnix runs a whole unix dump through the decoder and the source's
// post-pass, as netlinkSource.dump does.
func decodeUnix(t *testing.T, buf []byte, want StateSet) []Socket {
	t.Helper()
	it := netlink.NewDump(buf, 0, 0)
	socks, err := appendUnixDiag(nil, &it)
	if err != nil || !it.Done() {
		t.Fatalf("err %v, done %v", err, it.Done())
	}
	return finishUnix(socks, 0, want)
}

func TestDecodeUnixDiagFixture(t *testing.T) {
	const path = `"/tmp/sockscope-netlink-fixture.sock"`
	want := []string{
		`unix unix dgram CLOSE path="@sockscope-test-17434" peer=0 peerpath="" rq=0 sq=0 ino=482986 uid=0 cookie=4108`,
		`unix unix seqpacket ESTABLISHED path="" peer=482987 peerpath="" rq=0 sq=0 ino=482988 uid=0 cookie=4110`,
		`unix unix seqpacket ESTABLISHED path="" peer=482988 peerpath="" rq=0 sq=0 ino=482987 uid=0 cookie=4109`,
		// The client: no name of its own, its peer (the accepted socket)
		// has the listener's; 3 unread bytes charged to its send queue as
		// skb truesize.
		`unix unix stream ESTABLISHED path="" peer=482985 peerpath=` + path + ` rq=0 sq=768 ino=482984 uid=0 cookie=4106`,
		`unix unix stream ESTABLISHED path=` + path + ` peer=482984 peerpath="" rq=3 sq=0 ino=482985 uid=0 cookie=4107`,
		`unix unix stream LISTEN path=` + path + ` peer=0 peerpath="" rq=0 sq=8 ino=482983 uid=0 cookie=4105`,
	}
	buf := readFixture(t, "unix-unix.bin")
	if got := sockLines(decodeUnix(t, buf, 0)); !slices.Equal(got, want) {
		t.Errorf("unix-unix.bin:\n%s", lineDiff(got, want))
	}
	if got := sockLines(decodeUnix(t, buf, StateSet(0).With(Listen))); !slices.Equal(got, want[5:]) {
		t.Errorf("unix-unix.bin, LISTEN only:\n%s", lineDiff(got, want[5:]))
	}
}

func TestDecodeUnixDiag(t *testing.T) {
	tests := []struct {
		name string
		msg  []byte
		want string
		err  bool
	}{
		// Without UNIX_DIAG_UID (kernels before 5.3) the uid is unknown: NoUID.
		{name: "abstract name keeps every byte",
			msg:  unixMsg(Dgram, Close, 1, nameAttr("\x00ab\x00c\xff")),
			want: `unix unix dgram CLOSE path="@ab\x00c\xff" peer=0 peerpath="" rq=0 sq=0 ino=1 uid=4294967295 cookie=1001`},
		{name: "path ends at its NUL",
			msg:  unixMsg(Stream, Listen, 2, nameAttr("/run/x.sock\x00"), u32Attr(unixDiagRQLen, 1, 128), u32Attr(unixDiagUID, 1000)),
			want: `unix unix stream LISTEN path="/run/x.sock" peer=0 peerpath="" rq=1 sq=128 ino=2 uid=1000 cookie=1002`},
		{name: "empty name, VFS and unknown attributes ignored",
			msg: unixMsg(SeqPacket, Established, 3, nameAttr(""), u32Attr(1, 7, 8), u32Attr(unixDiagPeer, 4),
				u32Attr(42, 1)),
			want: `unix unix seqpacket ESTABLISHED path="" peer=4 peerpath="" rq=0 sq=0 ino=3 uid=4294967295 cookie=1003`},
		{name: "short attributes ignored",
			msg: unixMsg(Stream, Established, 5, netlink.AppendAttr(nil, unixDiagPeer, []byte{1, 2}),
				netlink.AppendAttr(nil, unixDiagRQLen, []byte{1, 2, 3, 4}), netlink.AppendAttr(nil, unixDiagUID, "")),
			want: `unix unix stream ESTABLISHED path="" peer=0 peerpath="" rq=0 sq=0 ino=5 uid=4294967295 cookie=1005`},
		{name: "attribute overrun", msg: unixMsg(Stream, Close, 6, []byte{9, 0, 0, 0, 'a'}), err: true},
		{name: "short message", msg: unixMsg(Stream, Close, 7)[:unixDiagMsgLen-1], err: true},
		{name: "wrong family", msg: append([]byte{afInet}, unixMsg(Stream, Close, 8)[1:]...), err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Socket{PeerPath: "stale", Processes: []Process{{Info: &ProcessInfo{PID: 1}}}}
			err := decodeUnixDiag(tt.msg, &s)
			if tt.err {
				if !errors.Is(err, errs.ErrMalformed) {
					t.Errorf("err = %v, want errs.ErrMalformed", err)
				}
				return
			}
			if got := sockLine(&s); err != nil || got != tt.want {
				t.Errorf("got  %s, %v\nwant %s", got, err, tt.want)
			}
			if len(s.Processes) != 1 {
				t.Error("decodeUnixDiag touched Processes")
			}
		})
	}
}

func TestUnixPeerPathAcrossStates(t *testing.T) {
	// A connected datagram client whose server is unconnected (CLOSE):
	// asking for ESTABLISHED sockets only still names the server as peer.
	buf := slices.Concat(
		nlMessage(sockDiagByFamily, unixMsg(Dgram, Close, 10, nameAttr("/dev/log\x00"))),
		nlMessage(sockDiagByFamily, unixMsg(Dgram, Established, 11, u32Attr(unixDiagPeer, 10))),
		nlMessage(netlink.MsgDone, errPayload(0)),
	)
	got := sockLines(decodeUnix(t, buf, StateSet(0).With(Established)))
	want := []string{`unix unix dgram ESTABLISHED path="" peer=10 peerpath="/dev/log" rq=0 sq=0 ino=11 uid=4294967295 cookie=1011`}
	if !slices.Equal(got, want) {
		t.Errorf("\n%s", lineDiff(got, want))
	}
}

func TestUnixDiagRequest(t *testing.T) {
	req := appendUnixDiagRequest(nil, 3)
	h, p, rest, err := netlink.Split(req)
	if err != nil || len(rest) != 0 || h.Seq != 3 || h.Type != sockDiagByFamily || len(p) != unixDiagReqLen {
		t.Fatalf("request %+v, payload %d bytes, %v", h, len(p), err)
	}
	ne := binary.NativeEndian
	if p[0] != afUnix || p[1] != 0 || ne.Uint32(p[4:]) != ^uint32(0) || ne.Uint32(p[8:]) != 0 ||
		ne.Uint32(p[12:]) != 0x57 {
		t.Errorf("payload % x", p)
	}
}

// FuzzDecodeUnixDiag decodes arbitrary bytes as a unix_diag dump and runs
// the PeerPath post-pass: it must never panic.
func FuzzDecodeUnixDiag(f *testing.F) {
	addFixtureSeeds(f)
	f.Add(nlMessage(sockDiagByFamily, unixMsg(Stream, Listen, 1, nameAttr("\x00x"), u32Attr(unixDiagPeer, 1))))
	f.Add(unixInternalsDump())
	f.Fuzz(func(t *testing.T, b []byte) {
		it := netlink.NewDump(b, 0, 0)
		socks, _ := appendUnixDiag(nil, &it)
		socks = finishUnix(socks, 0, StateSet(0).With(Established))
		for _, s := range socks {
			if s.Proto != Unix || s.Family != Local || s.State != Established || s.Local.IsValid() {
				t.Fatalf("decoded %s", sockLine(&s))
			}
		}
	})
}

// unixInternalsDump is a unix dump with every internal the kernel sends:
// a bound listener with one connection pending (VFS, ICONS), an idle one
// (ICONS empty), a connected socket with its send side shut down, memory
// for each. No socket has a name, so that decoding without internals
// allocates nothing.
func unixInternalsDump() []byte {
	mem := u32Attr(unixDiagMemInfo, 0, 212992, 768, 212992, 0, 0, 0, 0, 0)
	shut := func(v byte) []byte { return netlink.AppendAttr(nil, unixDiagShutdown, []byte{v}) }
	dev := uint32(254 << 20) // a device-mapper volume, 254:0 (major<<20 | minor)
	return slices.Concat(
		nlMessage(sockDiagByFamily, unixMsg(Stream, Listen, 20, u32Attr(unixDiagVFS, 77, dev),
			u32Attr(unixDiagIcons, 23), mem, shut(0), u32Attr(unixDiagRQLen, 1, 8))),
		nlMessage(sockDiagByFamily, unixMsg(Stream, Listen, 21, netlink.AppendAttr(nil, unixDiagIcons, []byte(nil)), shut(0))),
		nlMessage(sockDiagByFamily, unixMsg(Stream, Established, 22, u32Attr(unixDiagPeer, 23), mem, shut(2))),
		nlMessage(sockDiagByFamily, unixMsg(Dgram, Close, 24, u32Attr(unixDiagMemInfo, 1, 2, 3, 4, 5, 6, 7))),
		nlMessage(netlink.MsgDone, errPayload(0)),
	)
}

func TestDecodeUnixDiagInternals(t *testing.T) {
	want := []Internals{
		{Has: HasVFS | HasPeers | HasSkMem | HasShutdown, VFSIno: 77, VFSDev: 254 << 20, Peers: []uint32{23},
			SkMem: SkMemInfo{N: 9, RcvBuf: 212992, WmemAlloc: 768, SndBuf: 212992}},
		{Has: HasPeers | HasShutdown},
		{Has: HasSkMem | HasShutdown, Shutdown: 2, SkMem: SkMemInfo{N: 9, RcvBuf: 212992, WmemAlloc: 768, SndBuf: 212992}},
		// An old kernel's shorter array: N says how much came.
		{Has: HasSkMem, SkMem: SkMemInfo{N: 7, RmemAlloc: 1, RcvBuf: 2, WmemAlloc: 3, SndBuf: 4, FwdAlloc: 5, WmemQueued: 6, OptMem: 7}},
	}
	it := netlink.NewDump(unixInternalsDump(), 0, 0)
	socks, err := appendUnixDiagExt(nil, &it, AllInternals)
	if err != nil || len(socks) != len(want) {
		t.Fatalf("%d sockets, %v", len(socks), err)
	}
	for i := range socks {
		if in := socks[i].Internals; in == nil || !internalsEqual(*in, want[i]) {
			t.Errorf("socket %d: %+v\nwant %+v", i, in, want[i])
		}
	}
	if socks[0].RecvQ != 1 || socks[0].SendQ != 8 || socks[2].Peer != 23 {
		t.Errorf("the base fields: %s, %s", sockLine(&socks[0]), sockLine(&socks[2]))
	}

	// Asked for memory only: the rest is not kept, and a socket with
	// nothing asked for has no Internals.
	it = netlink.NewDump(unixInternalsDump(), 0, 0)
	socks, _ = appendUnixDiagExt(nil, &it, WantMemory)
	if in := socks[0].Internals; in == nil || in.Has != HasSkMem {
		t.Errorf("memory only: %+v", in)
	}
	if socks[1].Internals != nil {
		t.Errorf("memory only, a socket without memory: %+v", socks[1].Internals)
	}

	// Asked for nothing: no Internals, as before.
	it = netlink.NewDump(unixInternalsDump(), 0, 0)
	socks, _ = appendUnixDiag(nil, &it)
	for i := range socks {
		if socks[i].Internals != nil {
			t.Errorf("no mask, socket %d: %+v", i, socks[i].Internals)
		}
	}
}

func internalsEqual(a, b Internals) bool { return reflect.DeepEqual(a, b) }

func TestDecodeUnixDiagShortInternals(t *testing.T) {
	// Attributes shorter than their struct are not kept; a truncated
	// ICONS keeps its whole entries.
	msg := unixMsg(Stream, Listen, 30, netlink.AppendAttr(nil, unixDiagVFS, []byte{1, 2, 3}),
		netlink.AppendAttr(nil, unixDiagShutdown, []byte(nil)), netlink.AppendAttr(nil, unixDiagIcons, []byte{5, 0, 0, 0, 6}))
	var in Internals
	var s Socket
	if err := decodeUnixDiagExt(msg, AllInternals, &in, &s); err != nil {
		t.Fatal(err)
	}
	if s.Internals != &in || in.Has != HasPeers || !slices.Equal(in.Peers, []uint32{5}) {
		t.Errorf("%+v", in)
	}
}

func TestUnixDiagRequestExt(t *testing.T) {
	for _, c := range []struct {
		m    InternalsMask
		show uint32
	}{{0, 0x57}, {WantMemory, 0x77}, {WantExtended, 0x5f}, {AllInternals, 0x7f}, {WantInfo | WantTOS, 0x57}} {
		_, p, _, err := netlink.Split(appendUnixDiagRequestExt(nil, 1, c.m))
		if err != nil || binary.NativeEndian.Uint32(p[12:]) != c.show {
			t.Errorf("mask %#x: udiag_show %#x, %v; want %#x", c.m, binary.NativeEndian.Uint32(p[12:]), err, c.show)
		}
	}
}

func TestAppendUnixDiagNoInternalsAllocs(t *testing.T) {
	// Without internals asked the decoder allocates nothing for unnamed
	// sockets, though the replies carry the attributes.
	b := unixInternalsDump()
	dst := make([]Socket, 0, 8)
	n := testing.AllocsPerRun(20, func() {
		it := netlink.NewDump(b, 0, 0)
		dst, _ = appendUnixDiag(dst[:0], &it)
	})
	if n != 0 || len(dst) != 4 {
		t.Errorf("%v allocations, %d sockets", n, len(dst))
	}
	// With them: one slab per buffer and the one pending peers list.
	n = testing.AllocsPerRun(20, func() {
		it := netlink.NewDump(b, 0, 0)
		dst, _ = appendUnixDiagExt(dst[:0], &it, AllInternals)
	})
	if n > 2 {
		t.Errorf("with internals: %v allocations", n)
	}
}

func BenchmarkDecodeUnixDiag(b *testing.B) {
	buf := readFixture(b, "unix-unix.bin")
	dst := make([]Socket, 0, 16)
	b.ReportAllocs()
	for b.Loop() {
		it := netlink.NewDump(buf, 0, 0)
		dst, _ = appendUnixDiag(dst[:0], &it)
	}
}

// FuzzDecodeUnixDiagInternals decodes arbitrary bytes as a unix_diag
// dump asking for every internal: it must never panic, and a socket's
// Internals is there only with a Has bit.
func FuzzDecodeUnixDiagInternals(f *testing.F) {
	addFixtureSeeds(f)
	f.Add(unixInternalsDump())
	f.Fuzz(func(t *testing.T, b []byte) {
		it := netlink.NewDump(b, 0, 0)
		socks, _ := appendUnixDiagExt(nil, &it, AllInternals)
		for _, s := range socks {
			if in := s.Internals; in != nil && in.Has == 0 {
				t.Fatalf("Internals without a part: %s", sockLine(&s))
			}
		}
	})
}
