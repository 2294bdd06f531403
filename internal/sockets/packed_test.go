package sockets

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"reflect"
	"sync"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

// packedCases are sockets of every kind, with fields at their extremes.
var packedCases = []Socket{
	{Proto: TCP, Family: Inet, State: Established, Timer: Timer{Kind: TimerOff},
		Local: netip.MustParseAddrPort("127.1.0.14:45294"), Remote: netip.MustParseAddrPort("127.0.0.1:42191"),
		Inode: 1234567, Cookie: 98765, NetNS: 4026531840},
	{Proto: TCP, Family: Inet6, State: Listen, Timer: Timer{Kind: TimerKeepalive, Retrans: 1, Probes: 255, Expires: 1<<32 - 1},
		Local: netip.MustParseAddrPort("[fe80::1%eth0]:22"), Remote: netip.AddrPortFrom(netip.IPv6Unspecified(), 0),
		Zone: 2, RecvQ: 1<<32 - 1, SendQ: 4096, UID: NoUID, Inode: 1<<64 - 1, Cookie: 1<<64 - 1, NetNS: 1},
	{Proto: UDP, Family: Inet6, State: Close, Local: netip.MustParseAddrPort("[::ffff:10.0.0.1]:53"),
		Remote: netip.AddrPortFrom(netip.Addr{}, 7)},
	{Proto: Unix, Family: Local, Type: SeqPacket, State: Established, Path: "@abstract\x00name",
		PeerPath: "/run/ünïcode.sock", Peer: 42, Inode: 43, UID: NoUID, Created: -5},
	{Proto: Raw, Family: Inet, State: Close, Local: netip.AddrPortFrom(netip.IPv4Unspecified(), 255), Created: 1 << 62},
	{Proto: 200, Family: 9, Type: 77, State: 250, Timer: Timer{Kind: 255}},
	{},
}

func TestPackedRoundTrip(t *testing.T) {
	var p Packed
	p.Add(0, packedCases)
	if p.Len() != len(packedCases) {
		t.Fatalf("Len %d, want %d", p.Len(), len(packedCases))
	}
	i := 0
	for s := range p.All() {
		if !reflect.DeepEqual(*s, packedCases[i]) {
			t.Errorf("socket %d:\n got %+v\nwant %+v", i, *s, packedCases[i])
		}
		i++
	}
	if i != len(packedCases) {
		t.Errorf("All yielded %d sockets, want %d", i, len(packedCases))
	}
}

// TestPackedSize holds the point of Packed: an IPv4 TCP connection, as
// sock_diag reports it, in about 30 bytes.
func TestPackedSize(t *testing.T) {
	s := packedCases[0]
	if n := len(packSocket(nil, &s, s.NetNS)); n > 30 {
		t.Errorf("an IPv4 connection packs into %d bytes, want at most 30", n)
	}
}

// TestPackedParts checks that sockets come out in the order of their
// parts whatever the order and goroutines of Add, that Drop forgets a
// part, and that chunks fill and roll over.
func TestPackedParts(t *testing.T) {
	var p Packed
	mk := func(part, i int) Socket {
		return Socket{Proto: TCP, Family: Inet, State: Established, Inode: uint64(part*100000 + i), NetNS: uint64(part%2 + 1)}
	}
	var wg sync.WaitGroup
	for part := 3; part >= 0; part-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10000; i += 100 {
				batch := make([]Socket, 100)
				for k := range batch {
					batch[k] = mk(part, i+k)
				}
				p.Add(part, batch)
			}
		}()
	}
	wg.Wait()
	p.Add(5, []Socket{mk(9, 0)})
	p.Drop(2)
	p.Drop(7) // never added: nothing to forget
	if p.Len() != 30001 {
		t.Errorf("Len %d, want 30001", p.Len())
	}
	var want []Socket
	for _, part := range []int{0, 1, 3} {
		for i := 0; i < 10000; i++ {
			want = append(want, mk(part, i))
		}
	}
	want = append(want, mk(9, 0))
	i := 0
	for s := range p.All() {
		if i >= len(want) || !reflect.DeepEqual(*s, want[i]) {
			t.Fatalf("socket %d: %+v, want %+v", i, *s, want[min(i, len(want)-1)])
		}
		i++
	}
	if i != len(want) {
		t.Errorf("All yielded %d, want %d", i, len(want))
	}
	if n := len(p.parts[0].chunks); n < 2 {
		t.Errorf("10000 sockets fit %d chunk(s); the test wants several", n)
	}
	for range p.All() {
		break // stopping early is allowed
	}
}

func TestUnpackMalformed(t *testing.T) {
	good := packSocket(nil, &packedCases[1], 0)
	for n := range len(good) {
		var s Socket
		if _, err := unpackSocket(good[:n], &s); !errors.Is(err, errs.ErrMalformed) {
			t.Errorf("%d of %d bytes: %v, want ErrMalformed", n, len(good), err)
		}
	}
	bad := append([]byte{1, 1, 0, 1}, binary.AppendUvarint(nil, hasCreated<<1)...)
	if _, err := unpackSocket(append(bad, 0), new(Socket)); !errors.Is(err, errs.ErrMalformed) {
		t.Errorf("unknown presence bit: %v", err)
	}
}

// FuzzPackSocket checks that every socket packs and unpacks to itself.
func FuzzPackSocket(f *testing.F) {
	for i := range packedCases {
		s := &packedCases[i]
		f.Add(byte(s.Proto), byte(s.Family), byte(s.State), s.Local.Addr().AsSlice(), s.Local.Port(), s.Local.Addr().Zone(),
			s.Remote.Addr().AsSlice(), s.Remote.Port(), s.Path, s.RecvQ, s.Inode, s.Timer.Expires, s.Created, s.NetNS)
	}
	f.Fuzz(func(t *testing.T, proto, fam, state byte, la []byte, lp uint16, zone string, ra []byte, rp uint16,
		path string, q uint32, ino uint64, exp uint32, created int64, netns uint64) {
		addr := func(b []byte) netip.Addr { a, _ := netip.AddrFromSlice(b); return a }
		l := addr(la)
		if l.Is6() {
			l = l.WithZone(zone)
		}
		s := Socket{Proto: Proto(proto), Family: Family(fam), Type: SockType(state >> 4), State: State(state),
			Timer: Timer{Kind: TimerKind(state), Retrans: byte(q), Expires: exp}, Zone: q >> 8,
			Local: netip.AddrPortFrom(l, lp), Remote: netip.AddrPortFrom(addr(ra), rp),
			Path: path, PeerPath: zone, Peer: ino >> 3, RecvQ: q, SendQ: ^q, Inode: ino, UID: q * 7,
			Cookie: ^ino, NetNS: netns, Created: created}
		for _, prev := range []uint64{0, netns} {
			b := packSocket(nil, &s, prev)
			if len(b) > maxPackedRecord(&s) {
				t.Fatalf("record of %d bytes, bound %d", len(b), maxPackedRecord(&s))
			}
			got := Socket{NetNS: prev}
			n, err := unpackSocket(b, &got)
			if err != nil || n != len(b) || !reflect.DeepEqual(got, s) {
				t.Fatalf("round trip (prev netns %d): %d of %d bytes, %v\n got %+v\nwant %+v", prev, n, len(b), err, got, s)
			}
		}
	})
}

// FuzzUnpackSocket checks that no input panics the decoder and that what
// it accepts packs back to the bytes it read.
func FuzzUnpackSocket(f *testing.F) {
	for i := range packedCases {
		f.Add(packSocket(nil, &packedCases[i], 0))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Socket
		n, err := unpackSocket(b, &s)
		if err != nil {
			if !errors.Is(err, errs.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		var back Socket
		if _, err := unpackSocket(packSocket(nil, &s, 0), &back); err != nil || !reflect.DeepEqual(back, s) {
			t.Fatalf("repacked %+v: %+v, %v", s, back, err)
		}
		_ = n
	})
}

// BenchmarkPacked100k packs 100k IPv4 connections in batches, as a
// stream gives them, and reads them back twice, as the modern table
// does.
func BenchmarkPacked100k(b *testing.B) {
	batch := make([]Socket, 300)
	for i := range batch {
		batch[i] = packedCases[0]
		batch[i].Inode += uint64(i)
	}
	b.ReportAllocs()
	for b.Loop() {
		var p Packed
		for range 100000 / len(batch) {
			p.Add(0, batch)
		}
		n := 0
		for range 2 {
			for s := range p.All() {
				n += int(s.Local.Port() & 1)
			}
		}
	}
}
