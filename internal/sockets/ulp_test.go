package sockets

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/sockscope/sockscope/internal/netlink"
)

// checkULPInet checks the IPv4 TCP sockets of ulpPopulation, from the
// kernel or the fixture.
func checkULPInet(t *testing.T, socks []Socket) {
	t.Helper()
	ulp := func(local, remote uint16) *ULPInfo {
		in := findSock(t, socks, local, remote).Internals
		if in == nil || in.Has&HasULP == 0 || in.ULP == nil || !in.ULP.Has(ULPAttrName) || in.ULP.Name != "mptcp" {
			t.Errorf("%d -> %d: no mptcp ULP: %+v", local, remote, in)
			return &ULPInfo{}
		}
		if in.Has&HasMD5Sig != 0 {
			t.Errorf("%d -> %d: md5 keys %+v", local, remote, in.MD5Keys)
		}
		return in.ULP
	}
	// The listener: its name, no subflow state.
	if u := ulp(9110, 0); u.Has(ULPAttrTLS) || u.MPTCP.Attrs != 0 {
		t.Errorf("mptcp listener: %+v", u)
	}
	all := []MPTCPSubflowAttr{MPTCPAttrTokenRem, MPTCPAttrTokenLoc, MPTCPAttrRelWriteSeq, MPTCPAttrMapSeq,
		MPTCPAttrMapSfSeq, MPTCPAttrSSNOffset, MPTCPAttrMapDataLen, MPTCPAttrFlags, MPTCPAttrIDRem, MPTCPAttrIDLoc}
	for _, sf := range []struct {
		local, remote uint16
		flags         MPTCPSubflowFlag
		maplen        uint32 // the last mapping received: the peer's one write
	}{
		{41110, 9110, MPTCPFlagMCapRem | MPTCPFlagMCapLoc | MPTCPFlagFullyEstablished | MPTCPFlagConnected, 3000},
		{9110, 41110, MPTCPFlagMCapRem | MPTCPFlagFullyEstablished | MPTCPFlagConnected, 5000},
	} {
		u := ulp(sf.local, sf.remote)
		if !u.Has(ULPAttrMPTCP) {
			t.Errorf("%d -> %d: no subflow state", sf.local, sf.remote)
			continue
		}
		m := &u.MPTCP
		for _, a := range all {
			if !m.Has(a) {
				t.Errorf("%d -> %d: attribute %d missing", sf.local, sf.remote, a)
			}
		}
		if m.Flags != sf.flags || m.MapDataLen != sf.maplen || m.MapSfSeq != 1 || m.TokenLoc == 0 || m.SSNOffset == 0 {
			t.Errorf("%d -> %d: %+v", sf.local, sf.remote, *m)
		}
	}
	// The TCP-MD5 listener: the kernel lists the key added last first.
	in := findSock(t, socks, 9111, 0).Internals
	if in == nil || in.Has&HasMD5Sig == 0 || in.Has&HasULP != 0 || len(in.MD5Keys) != 2 {
		t.Fatalf("md5 listener: %+v", in)
	}
	for i, want := range []struct {
		addr   string
		prefix uint8
		key    string
	}{{"10.1.0.0", 16, "k2"}, {"127.0.0.1", 32, "sec ret,\\x\x01"}} {
		k := in.MD5Keys[i]
		if k.Family != afInet || k.Addr != netip.MustParseAddr(want.addr) || k.PrefixLen != want.prefix || string(k.Key) != want.key {
			t.Errorf("md5 key %d: %+v, want %+v", i, k, want)
		}
	}
}

// checkULPInet6 checks the IPv6 TCP socket of ulpPopulation.
func checkULPInet6(t *testing.T, socks []Socket) {
	t.Helper()
	in := findSock(t, socks, 9112, 0).Internals
	if in == nil || in.Has&HasMD5Sig == 0 || len(in.MD5Keys) != 1 {
		t.Fatalf("[::1]:9112: %+v", in)
	}
	if k := in.MD5Keys[0]; k.Family != afInet6 || k.Addr != lo6 || k.PrefixLen != 128 || string(k.Key) != "v6" {
		t.Errorf("[::1]:9112 key %+v", k)
	}
}

func TestDecodeULPFixtures(t *testing.T) {
	checkULPInet(t, decodeInternalsFixture(t, "tcp-ulp-inet.bin", TCP, AllInternals))
	checkULPInet6(t, decodeInternalsFixture(t, "tcp-ulp-inet6.bin", TCP, AllInternals))
	// Only tcp_info brings them, and only for TCP.
	for _, tt := range []struct {
		p    Proto
		mask InternalsMask
	}{{TCP, AllInternals &^ WantInfo}, {MPTCP, AllInternals}} {
		for _, s := range decodeInternalsFixture(t, "tcp-ulp-inet.bin", tt.p, tt.mask) {
			if in := s.Internals; in != nil && in.Has&(HasULP|HasMD5Sig) != 0 {
				t.Errorf("%s mask %b: %s has %b", tt.p, tt.mask, sockLine(&s), in.Has)
			}
		}
	}
}

// tlsULP returns INET_DIAG_ULP_INFO's payload as kernel TLS writes it
// (tls_get_info): the name, then a nest of the version, cipher, both
// directions' configuration and the zero-copy flag.
func tlsULP() []byte {
	u16 := func(v uint16) []byte { return binary.NativeEndian.AppendUint16(nil, v) }
	var tls []byte
	tls = netlink.AppendAttr(tls, uint16(TLSAttrVersion), u16(TLSVersion13))
	tls = netlink.AppendAttr(tls, uint16(TLSAttrCipher), u16(TLSCipherAESGCM128))
	tls = netlink.AppendAttr(tls, uint16(TLSAttrTxConf), u16(TLSConfSW))
	tls = netlink.AppendAttr(tls, uint16(TLSAttrRxConf), u16(TLSConfHW))
	tls = netlink.AppendAttr(tls, uint16(TLSAttrZCRoTx), "")
	var b []byte
	b = netlink.AppendAttr(b, uint16(ULPAttrName), "tls\x00")
	return netlink.AppendAttr(b, uint16(ULPAttrTLS), tls)
}

func TestDecodeULPTLS(t *testing.T) {
	u, ok := decodeULPInfo(tlsULP())
	want := ULPInfo{
		Attrs: 1<<ULPAttrName | 1<<ULPAttrTLS,
		Name:  "tls",
		TLS: TLSInfo{
			Attrs:   1<<TLSAttrVersion | 1<<TLSAttrCipher | 1<<TLSAttrTxConf | 1<<TLSAttrRxConf | 1<<TLSAttrZCRoTx,
			Version: TLSVersion13, Cipher: TLSCipherAESGCM128, TxConf: TLSConfSW, RxConf: TLSConfHW,
		},
	}
	if !ok || u != want {
		t.Errorf("got %+v %v\nwant %+v", u, ok, want)
	}

	// Through the reply: an inet_diag_msg with INET_DIAG_ULP_INFO.
	msg := make([]byte, inetDiagMsgLen)
	msg[0], msg[1] = afInet, byte(Established)
	msg = netlink.AppendAttr(msg, inetDiagULPInfo, tlsULP())
	var s Socket
	var in Internals
	if _, err := decodeInetDiagExt(msg, TCP, WantInfo, &in, &s); err != nil || s.Internals == nil || s.Internals.ULP == nil || *s.Internals.ULP != want {
		t.Errorf("reply: err %v internals %+v", err, s.Internals)
	}
}

func TestDecodeULPEdges(t *testing.T) {
	for _, tt := range []struct {
		name string
		b    []byte
		want ULPInfo
		ok   bool
	}{
		{"empty", nil, ULPInfo{}, true},
		{"truncated header", []byte{8, 0}, ULPInfo{}, false},
		{"attribute past the end", []byte{20, 0, 1, 0, 'x', 0, 0, 0}, ULPInfo{}, false},
		{"name without NUL", netlink.AppendAttr(nil, 1, "espintcp"), ULPInfo{Attrs: 1 << ULPAttrName, Name: "espintcp"}, true},
		{"the first of a type counts, unknown types skipped",
			netlink.AppendAttr(netlink.AppendAttr(netlink.AppendAttr(nil, 9, "x"), 1, "mptcp\x00"), 1, "tls\x00"),
			ULPInfo{Attrs: 1 << ULPAttrName, Name: "mptcp"}, true},
		{"nested flag type bit",
			netlink.AppendAttr(nil, uint16(ULPAttrMPTCP)|0x8000, netlink.AppendAttr(nil, uint16(MPTCPAttrIDLoc), []byte{7})),
			ULPInfo{Attrs: 1 << ULPAttrMPTCP, MPTCP: MPTCPSubflowInfo{Attrs: 1 << MPTCPAttrIDLoc, IDLoc: 7}}, true},
		{"short values read as ss reads them",
			netlink.AppendAttr(nil, uint16(ULPAttrMPTCP), append(
				netlink.AppendAttr(nil, uint16(MPTCPAttrMapDataLen), binary.NativeEndian.AppendUint16(nil, 0xbb8)),
				netlink.AppendAttr(nil, uint16(MPTCPAttrIDRem), "")...)),
			ULPInfo{Attrs: 1 << ULPAttrMPTCP, MPTCP: MPTCPSubflowInfo{Attrs: 1<<MPTCPAttrMapDataLen | 1<<MPTCPAttrIDRem, MapDataLen: 0xbb8}}, true},
	} {
		got, ok := decodeULPInfo(tt.b)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: got %+v %v, want %+v %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDecodeMD5Sig(t *testing.T) {
	e := func(fam, prefix byte, addr netip.Addr, key string) []byte {
		b := make([]byte, md5SigLen)
		b[0], b[1] = fam, prefix
		binary.NativeEndian.PutUint16(b[2:], uint16(len(key)))
		a := addr.As16()
		if addr.Is4() {
			a4 := addr.As4()
			copy(a[:], a4[:])
		}
		copy(b[4:20], a[:])
		copy(b[20:], key)
		return b
	}
	b := append(e(afInet, 24, netip.MustParseAddr("192.0.2.0"), "abc"), e(afInet6, 64, netip.MustParseAddr("2001:db8::"), "xyz")...)
	keys := decodeMD5Sig(b)
	if len(keys) != 2 || keys[0].Addr != netip.MustParseAddr("192.0.2.0") || keys[0].PrefixLen != 24 || string(keys[0].Key) != "abc" ||
		keys[1].Addr != netip.MustParseAddr("2001:db8::") || string(keys[1].Key) != "xyz" {
		t.Errorf("%+v", keys)
	}
	b[0] = 0xff // the caller's buffer is reused: the keys are a copy
	if keys[0].Family != afInet {
		t.Error("keys share the input")
	}
	// A short last entry reads as zeros; a key length past 80 stops at 80.
	short := e(afInet, 32, netip.MustParseAddr("10.0.0.1"), "k")
	binary.NativeEndian.PutUint16(short[2:], 999)
	keys = decodeMD5Sig(short[:30])
	if len(keys) != 1 || keys[0].Addr != netip.MustParseAddr("10.0.0.1") || len(keys[0].Key) != md5KeyMax || keys[0].Key[0] != 'k' || keys[0].Key[9] != 0 {
		t.Errorf("short: %+v", keys)
	}
	if decodeMD5Sig(nil) != nil {
		t.Error("keys from nothing")
	}
}

// ulpAttrSeeds returns the ULP and MD5 attributes of the fixtures.
func ulpAttrSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, name := range []string{"tcp-ulp-inet.bin", "tcp-ulp-inet6.bin"} {
		it := netlink.NewDump(readFixture(t, "../netlink-internals/"+name), 0, 0)
		for it.Next() {
			p := it.Payload()
			if len(p) < inetDiagMsgLen {
				continue
			}
			for a := netlink.NewAttrs(p[inetDiagMsgLen:]); a.Next(); {
				if a.Type() == inetDiagULPInfo || a.Type() == inetDiagMD5Sig {
					seeds = append(seeds, a.Data())
				}
			}
		}
	}
	return seeds
}

// FuzzDecodeULP decodes arbitrary bytes as INET_DIAG_ULP_INFO and as
// INET_DIAG_MD5SIG: never a panic, a key never longer than 80 bytes, one
// key per 100 bytes begun.
func FuzzDecodeULP(f *testing.F) {
	f.Add(tlsULP())
	for _, s := range ulpAttrSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if u, ok := decodeULPInfo(b); !ok && u != (ULPInfo{}) {
			t.Fatalf("malformed, yet %+v", u)
		}
		keys := decodeMD5Sig(b)
		if len(keys) != (len(b)+md5SigLen-1)/md5SigLen {
			t.Fatalf("%d keys from %d bytes", len(keys), len(b))
		}
		for _, k := range keys {
			if len(k.Key) > md5KeyMax || !k.Addr.IsValid() {
				t.Fatalf("key %+v", k)
			}
		}
	})
}
