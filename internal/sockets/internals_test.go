package sockets

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"slices"
	"testing"

	"github.com/sockscope/sockscope/internal/netlink"
)

// decodeInternalsFixture decodes testdata/netlink-internals/NAME asking
// for the internals mask.
func decodeInternalsFixture(t testing.TB, name string, p Proto, mask InternalsMask) []Socket {
	t.Helper()
	it := netlink.NewDump(readFixture(t, "../netlink-internals/"+name), 0, 0)
	socks, err := appendInetDiagExt(nil, &it, p, 0, mask)
	if err != nil || !it.Done() {
		t.Fatalf("%s: err %v, done %v", name, err, it.Done())
	}
	return socks
}

// findSock returns the socket with the local and remote ports given.
func findSock(t *testing.T, socks []Socket, local, remote uint16) *Socket {
	t.Helper()
	for i := range socks {
		if socks[i].Local.Port() == local && socks[i].Remote.Port() == remote {
			return &socks[i]
		}
	}
	t.Fatalf("no socket %d -> %d", local, remote)
	return nil
}

func TestDecodeInternalsFixtures(t *testing.T) {
	socks := decodeInternalsFixture(t, "tcp-inet.bin", TCP, AllInternals)
	if len(socks) != 8 {
		t.Fatalf("%d sockets, want 8", len(socks))
	}

	// The cubic client that sent 200000 bytes and received 30000.
	s := findSock(t, socks, 41100, 9100)
	in := s.Internals
	if in == nil || in.Has&HasTCPInfo == 0 {
		t.Fatalf("41100: internals %+v", in)
	}
	ti := &in.TCP
	if ti.Len != TCPInfoLenAccECN || !ti.Has(TCPInfoLenAccECN) || State(ti.State) != Established {
		t.Errorf("41100: len %d state %d", ti.Len, ti.State)
	}
	if ti.Options != OptTimestamps|OptSACK|OptWScale || ti.SndWScale != 10 || ti.RcvWScale != 10 {
		t.Errorf("41100: options %b wscale %d,%d", ti.Options, ti.SndWScale, ti.RcvWScale)
	}
	if ti.BytesSent != 200000 || ti.BytesAcked != 200001 || ti.BytesReceived != 30000 {
		t.Errorf("41100: bytes sent %d acked %d received %d", ti.BytesSent, ti.BytesAcked, ti.BytesReceived)
	}
	if ti.RTO != 204000 || ti.RTT != 45 || ti.RTTVar != 29 || ti.MinRTT != 7 || ti.SndCwnd != 10 ||
		ti.SndSSThresh != 0x7fffffff || ti.PMTU != 65535 || ti.AdvMSS != 65483 || ti.Reordering != 3 {
		t.Errorf("41100: rto %d rtt %d/%d minrtt %d cwnd %d ssthresh %d pmtu %d advmss %d reordering %d",
			ti.RTO, ti.RTT, ti.RTTVar, ti.MinRTT, ti.SndCwnd, ti.SndSSThresh, ti.PMTU, ti.AdvMSS, ti.Reordering)
	}
	if ti.SegsOut != 10 || ti.SegsIn != 9 || ti.DataSegsOut != 6 || ti.DataSegsIn != 2 || ti.Delivered != 7 {
		t.Errorf("41100: segs %d/%d data %d/%d delivered %d", ti.SegsOut, ti.SegsIn, ti.DataSegsOut, ti.DataSegsIn, ti.Delivered)
	}
	if ti.MaxPacingRate != ^uint64(0) || ti.DeliveryRate != 8484571428 || ti.DeliveryRateAppLimited {
		t.Errorf("41100: max pacing %d delivery %d app limited %v", ti.MaxPacingRate, ti.DeliveryRate, ti.DeliveryRateAppLimited)
	}
	if in.Congestion != "cubic" || in.Has&(HasBBR|HasDCTCP|HasVegas) != 0 {
		t.Errorf("41100: congestion %q, has %b", in.Congestion, in.Has)
	}
	if in.Has&HasSkMem == 0 || in.SkMem.N != 9 || in.SkMem.RcvBuf == 0 || in.SkMem.SndBuf == 0 {
		t.Errorf("41100: skmem %+v", in.SkMem)
	}
	if in.Has&HasMemInfo == 0 || in.Has&HasCgroupID == 0 || in.Has&HasShutdown == 0 || in.Has&HasTOS == 0 || in.TOS != 0 {
		t.Errorf("41100: has %b tos %#x", in.Has, in.TOS)
	}

	// The server side took the namespace's default, bbr, and reports its
	// state; the bbr client set IP_TOS 0x10 and SO_MARK 42.
	if in := findSock(t, socks, 9100, 41100).Internals; in.Congestion != "bbr" || in.Has&HasBBR == 0 || in.BBR.MinRTT == 0 {
		t.Errorf("9100<-41100: congestion %q bbr %+v", in.Congestion, in.BBR)
	}
	if in := findSock(t, socks, 41101, 9100).Internals; in.Congestion != "bbr" || in.TOS != 0x10 || in.Mark != 42 || in.Has&HasMark == 0 {
		t.Errorf("41101: congestion %q tos %#x mark %d", in.Congestion, in.TOS, in.Mark)
	}
	if in := findSock(t, socks, 41102, 9100).Internals; in.Congestion != "reno" {
		t.Errorf("41102: congestion %q", in.Congestion)
	}

	// A listener's tcp_info: backlog in sacked, no rtt.
	if in := findSock(t, socks, 9100, 0).Internals; State(in.TCP.State) != Listen || in.TCP.Sacked != 16 || in.TCP.RTT != 0 {
		t.Errorf("listener: %+v", in.TCP)
	}

	// TIME_WAIT: the kernel sends no tcp_info, only the mark.
	if in := findSock(t, socks, 41103, 9100).Internals; in == nil || in.Has != HasMark {
		t.Errorf("TIME_WAIT: internals %+v", in)
	}

	socks = decodeInternalsFixture(t, "tcp-inet6.bin", TCP, AllInternals)
	if in := findSock(t, socks, 41104, 9101).Internals; in.TClass != 0x20 || in.Has&HasTClass == 0 || in.Has&HasV6Only != 0 {
		t.Errorf("41104: tclass %#x has %b", in.TClass, in.Has)
	}
	// This kernel sends INET_DIAG_SKV6ONLY for the listener only.
	if in := findSock(t, socks, 9101, 0).Internals; in.Has&HasV6Only == 0 || !in.V6Only {
		t.Errorf("[::1]:9101 listener: has %b v6only %v", in.Has, in.V6Only)
	}
	if in := findSock(t, socks, 9101, 41104).Internals; in.TCP.BytesReceived != 5 || in.SkMem.RmemAlloc == 0 {
		t.Errorf("9101<-41104: bytes received %d skmem %+v", in.TCP.BytesReceived, in.SkMem)
	}

	// UDP: memory, never tcp_info.
	socks = decodeInternalsFixture(t, "udp-inet.bin", UDP, AllInternals)
	if in := findSock(t, socks, 9102, 0).Internals; in.Has&HasTCPInfo != 0 || in.SkMem.RmemAlloc != 832 || in.MemInfo.Rmem != 832 {
		t.Errorf("udp: has %b skmem %+v meminfo %+v", in.Has, in.SkMem, in.MemInfo)
	}
}

func TestDecodeInternalsMask(t *testing.T) {
	// What the mask does not ask for stays out, whatever the reply holds.
	for _, tt := range []struct {
		mask InternalsMask
		want InternalsPart // of the cubic client
	}{
		{0, 0},
		{WantInfo, HasTCPInfo | HasCongestion},
		{WantMemory, HasSkMem | HasMemInfo},
		{WantTOS, HasTOS | HasClassID},
		{WantExtended, HasShutdown | HasCgroupID | HasMark},
	} {
		s := findSock(t, decodeInternalsFixture(t, "tcp-inet.bin", TCP, tt.mask), 41100, 9100)
		var got InternalsPart
		if s.Internals != nil {
			got = s.Internals.Has
		}
		if got != tt.want || (tt.want == 0) != (s.Internals == nil) {
			t.Errorf("mask %b: has %b, want %b (internals %p)", tt.mask, got, tt.want, s.Internals)
		}
	}
	// MPTCP's INET_DIAG_INFO is struct mptcp_info, not tcp_info.
	socks := decodeInternalsFixture(t, "tcp-inet.bin", MPTCP, AllInternals)
	if in := findSock(t, socks, 41100, 9100).Internals; in.Has&HasTCPInfo != 0 {
		t.Errorf("mptcp: tcp_info decoded")
	}
}

// tcpInfoOf returns the INET_DIAG_INFO payload of the cubic client in the
// fixture.
func tcpInfoOf(t testing.TB) []byte {
	t.Helper()
	it := netlink.NewDump(readFixture(t, "../netlink-internals/tcp-inet.bin"), 0, 0)
	for it.Next() {
		var s Socket
		p := it.Payload()
		if _, err := decodeInetDiag(p, TCP, &s); err != nil || s.Local.Port() != 41100 {
			continue
		}
		for a := netlink.NewAttrs(p[inetDiagMsgLen:]); a.Next(); {
			if a.Type() == inetDiagInfo {
				return a.Data()
			}
		}
	}
	t.Fatal("no tcp_info for 41100")
	return nil
}

func TestDecodeTCPInfoByLength(t *testing.T) {
	full := tcpInfoOf(t)
	if len(full) != TCPInfoLenAccECN {
		t.Fatalf("tcp_info of %d bytes, want %d", len(full), TCPInfoLenAccECN)
	}
	var want TCPInfo
	decodeTCPInfo(full, &want)
	// Every size the struct had: the fields that fit are those of the
	// full decode, those beyond are zero and absent.
	sizes := []int{0, 7, 8, TCPInfoLenTotalRetrans, TCPInfoLenMaxPacing, TCPInfoLenBytesRecv, TCPInfoLenSegs,
		TCPInfoLenNotsent, TCPInfoLenMinRTT, TCPInfoLenDataSegs, TCPInfoLenDeliveryRate, TCPInfoLenChrono,
		TCPInfoLenDelivered, TCPInfoLenBytesRetrans, TCPInfoLenReordSeen, TCPInfoLenOOOPack, TCPInfoLenSndWnd,
		TCPInfoLenRcvWnd, TCPInfoLenRehash, TCPInfoLenTotalRTO, TCPInfoLenAccECN}
	for _, n := range sizes {
		var got TCPInfo
		decodeTCPInfo(full[:n], &got)
		if int(got.Len) != n {
			t.Errorf("len %d: Len %d", n, got.Len)
		}
		check := func(name string, end int, g, w uint64) {
			t.Helper()
			if end <= n && g != w || end > n && g != 0 {
				t.Errorf("len %d: %s = %d (full %d)", n, name, g, w)
			}
		}
		check("rto", 12, uint64(got.RTO), uint64(want.RTO))
		check("rtt", 72, uint64(got.RTT), uint64(want.RTT))
		check("total_retrans", TCPInfoLenTotalRetrans, uint64(got.TotalRetrans), uint64(want.TotalRetrans))
		check("pacing_rate", 112, got.PacingRate, want.PacingRate)
		check("bytes_received", TCPInfoLenBytesRecv, got.BytesReceived, want.BytesReceived)
		check("min_rtt", TCPInfoLenMinRTT, uint64(got.MinRTT), uint64(want.MinRTT))
		check("delivery_rate", TCPInfoLenDeliveryRate, got.DeliveryRate, want.DeliveryRate)
		check("delivered", 196, uint64(got.Delivered), uint64(want.Delivered))
		check("bytes_sent", 208, got.BytesSent, want.BytesSent)
		check("snd_wnd", TCPInfoLenSndWnd, uint64(got.SndWnd), uint64(want.SndWnd))
		check("rcv_wnd", TCPInfoLenRcvWnd, uint64(got.RcvWnd), uint64(want.RcvWnd))
		if got.Has(TCPInfoLenSndWnd) != (n >= TCPInfoLenSndWnd) {
			t.Errorf("len %d: Has(snd_wnd) %v", n, got.Has(TCPInfoLenSndWnd))
		}
	}
	// Longer than any layout known: decoded as the longest, Len capped.
	var got TCPInfo
	decodeTCPInfo(append(slices.Clone(full), make([]byte, 40)...), &got)
	if got != want {
		t.Errorf("long tcp_info: %+v, want %+v", got, want)
	}
}

// tcpFieldValue returns the value of field f of t, found by walking the
// struct in order (TCPField follows it, Options one field per bit), and
// the struct field's name.
func tcpFieldValue(t *testing.T, ti *TCPInfo, f TCPField) (uint64, string) {
	t.Helper()
	v := reflect.ValueOf(ti).Elem()
	n := TCPField(0)
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		if name == "Len" || name == "Missing" {
			continue
		}
		if name == "Options" {
			if f >= n && f < n+8 {
				return uint64(ti.Options>>(f-n)) & 1, "Options bit"
			}
			n += 8
			continue
		}
		if n == f {
			switch x := v.Field(i); x.Kind() {
			case reflect.Bool:
				if x.Bool() {
					return 1, name
				}
				return 0, name
			default:
				return x.Uint(), name
			}
		}
		n++
	}
	t.Fatalf("no field %d in TCPInfo (%d fields)", f, n)
	return 0, ""
}

// TestTCPFieldEnds: each TCPField's end is where the decoder starts to
// fill that field of TCPInfo, and Known says so from that Len on; the
// enum covers the struct exactly.
func TestTCPFieldEnds(t *testing.T) {
	if n := reflect.TypeFor[TCPInfo]().NumField() - 3 + 8; n != int(tcpFieldCount) {
		t.Fatalf("%d TCPFields for %d fields of TCPInfo", tcpFieldCount, n)
	}
	ones := bytes.Repeat([]byte{0xff}, TCPInfoLenAccECN)
	var all TCPInfo
	decodeTCPInfo(ones, &all)
	for f := range tcpFieldCount {
		// The field is whole with end bytes and not with one less.
		end := int(tcpFieldEnd[f])
		cut := end - 1
		if f >= TCPFieldECNMode && f < TCPFieldOptions2 {
			cut = end - 4 // bit-fields low in a u32: present with all of it
		}
		var short, full TCPInfo
		decodeTCPInfo(ones[:cut], &short)
		decodeTCPInfo(ones[:end], &full)
		va, name := tcpFieldValue(t, &all, f)
		vs, _ := tcpFieldValue(t, &short, f)
		vf, _ := tcpFieldValue(t, &full, f)
		if va == 0 || vf != va || vs == va {
			t.Errorf("field %d (%s) ending at %d: %d with %d bytes, %d with %d, %d whole", f, name, end, vs, cut, vf, end, va)
		}
		if short.Known(f) || !full.Known(f) {
			t.Errorf("field %d (%s): Known %v at Len %d, %v at %d", f, name, short.Known(f), end-1, full.Known(f), end)
		}
		m := full
		m.Missing = m.Missing.With(f)
		if m.Known(f) || !m.Missing.Has(f) || m.Missing.Without(f) != full.Missing {
			t.Errorf("field %d (%s) still known once Missing", f, name)
		}
		for g := range tcpFieldCount {
			if g != f && m.Known(g) != full.Known(g) {
				t.Errorf("field %d Missing: field %d's presence changed", f, g)
			}
		}
	}
	var ti TCPInfo
	decodeTCPInfo(ones, &ti)
	if ti.Known(tcpFieldCount) || ti.Missing.Has(tcpFieldCount) || ti.Missing.With(tcpFieldCount) != (TCPFieldSet{}) {
		t.Error("a field past the last one")
	}
}

func TestDecodeTCPInfoBits(t *testing.T) {
	if bigEndianHost {
		t.Skip("the bytes below are laid out for a little-endian ABI")
	}
	b := make([]byte, TCPInfoLenAccECN)
	b[5] = byte(OptECN | OptECNSeen | OptSynData)
	b[6] = 7 | 9<<4          // snd_wscale 7, rcv_wscale 9
	b[7] = 1 | 2<<1          // app limited, fastopen_client_fail 2
	b[276] = 3 | 1<<2 | 5<<4 // ecn_mode 3, accecn_opt_seen 1, fail_mode 5
	b[277], b[278], b[279] = 0x12, 0x34, 0x56
	binary.LittleEndian.PutUint16(b[240:], 3)
	binary.LittleEndian.PutUint16(b[242:], 2)
	binary.LittleEndian.PutUint32(b[244:], 1500)
	var ti TCPInfo
	decodeTCPInfo(b, &ti)
	if ti.Options != OptECN|OptECNSeen|OptSynData || ti.SndWScale != 7 || ti.RcvWScale != 9 ||
		!ti.DeliveryRateAppLimited || ti.FastOpenClientFail != 2 {
		t.Errorf("flags: %+v", ti)
	}
	if ti.ECNMode != 3 || ti.AccECNOptSeen != 1 || ti.AccECNFailMode != 5 || ti.Options2 != 0x563412 {
		t.Errorf("accecn: mode %d opt seen %d fail %d options2 %#x", ti.ECNMode, ti.AccECNOptSeen, ti.AccECNFailMode, ti.Options2)
	}
	if ti.TotalRTO != 3 || ti.TotalRTORecoveries != 2 || ti.TotalRTOTime != 1500 {
		t.Errorf("rto totals: %d %d %d", ti.TotalRTO, ti.TotalRTORecoveries, ti.TotalRTOTime)
	}
}

func TestDecodeCCInfo(t *testing.T) {
	ne := binary.NativeEndian
	bbr := ne.AppendUint32(nil, 0x89abcdef)
	bbr = ne.AppendUint32(bbr, 1)
	bbr = ne.AppendUint32(bbr, 21)
	bbr = ne.AppendUint32(bbr, 739)
	bbr = ne.AppendUint32(bbr, 512)
	if got := decodeBBRInfo(bbr); got != (BBRInfo{BW: 0x189abcdef, MinRTT: 21, PacingGain: 739, CwndGain: 512}) {
		t.Errorf("bbr: %+v", got)
	}
	// A short struct reads as zeros past its end, as ss reads it.
	if got := decodeBBRInfo(bbr[:10]); got != (BBRInfo{BW: 0x189abcdef, MinRTT: 21 & 0xffff}) {
		t.Errorf("short bbr: %+v", got)
	}
	dctcp := ne.AppendUint16(nil, 1)
	dctcp = ne.AppendUint16(dctcp, 1)
	dctcp = ne.AppendUint32(dctcp, 1024)
	dctcp = ne.AppendUint32(dctcp, 300)
	dctcp = ne.AppendUint32(dctcp, 4000)
	if got := decodeDCTCPInfo(dctcp); got != (DCTCPInfo{Enabled: true, CEState: 1, Alpha: 1024, ABECN: 300, ABTot: 4000}) {
		t.Errorf("dctcp: %+v", got)
	}
	vegas := ne.AppendUint32(nil, 1)
	vegas = ne.AppendUint32(vegas, 4)
	vegas = ne.AppendUint32(vegas, 250)
	vegas = ne.AppendUint32(vegas, 200)
	if got := decodeVegasInfo(vegas); got != (VegasInfo{Enabled: true, RTTCnt: 4, RTT: 250, MinRTT: 200}) {
		t.Errorf("vegas: %+v", got)
	}
	// Through the attribute loop: the module's attribute decides.
	attrs := slices.Concat(netlink.AppendAttr(nil, inetDiagDCTCPInfo, dctcp), netlink.AppendAttr(nil, inetDiagCong, "dctcp\x00"),
		netlink.AppendAttr(nil, inetDiagVegasInfo, vegas))
	var s Socket
	var in Internals
	if _, err := decodeInetDiagExt(inetMsg{state: Established, local: ap4(1), remote: ap4(2), attrs: attrs}.payload(), TCP, WantInfo, &in, &s); err != nil {
		t.Fatal(err)
	}
	if s.Internals != &in || in.Has != HasDCTCP|HasCongestion|HasVegas || in.Congestion != "dctcp" || in.DCTCP.Alpha != 1024 || in.Vegas.RTT != 250 {
		t.Errorf("attributes: %+v", in)
	}
}

func TestDecodeSkMemInfo(t *testing.T) {
	ne := binary.NativeEndian
	var b []byte
	for i := range uint32(skMemVars) {
		b = ne.AppendUint32(b, 100+i)
	}
	want := SkMemInfo{N: 9, RmemAlloc: 100, RcvBuf: 101, WmemAlloc: 102, SndBuf: 103, FwdAlloc: 104, WmemQueued: 105, OptMem: 106, Backlog: 107, Drops: 108}
	if got := decodeSkMemInfo(b); got != want {
		t.Errorf("skmem: %+v", got)
	}
	// Kernels before 4.8 send no drops, before 3.8 no backlog; a partial
	// value is not one.
	want.N, want.Drops = 8, 0
	if got := decodeSkMemInfo(b[:8*4+3]); got != want {
		t.Errorf("skmem of 8: %+v", got)
	}
	if got := decodeSkMemInfo(append(b, 1, 2, 3, 4, 5, 6, 7, 8)); got.N != 9 {
		t.Errorf("skmem of 11: N %d", got.N)
	}
	if got := decodeMemInfo(b[:16]); got != (MemInfo{100, 101, 102, 103}) {
		t.Errorf("meminfo: %+v", got)
	}
}

func TestDecodeCong(t *testing.T) {
	for in, want := range map[string]string{"cubic\x00": "cubic", "bbr": "bbr", "mine\x00junk": "mine", "": ""} {
		if got := decodeCong([]byte(in)); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	if n := testing.AllocsPerRun(10, func() { _ = decodeCong([]byte("cubic\x00")) }); n != 0 {
		t.Errorf("decodeCong(cubic) allocates %v times", n)
	}
}

func TestInetDiagRequestExt(t *testing.T) {
	for _, tt := range []struct {
		mask InternalsMask
		ext  byte
	}{
		{0, 0},
		{WantInfo, 1<<1 | 1<<2 | 1<<3}, // INFO, VEGASINFO, CONG: ss -i
		{WantMemory, 1<<0 | 1<<6},      // MEMINFO, SKMEMINFO: ss -m
		{WantTOS, 1<<4 | 1<<5},         // TOS, TCLASS: ss --tos
		{WantExtended, 0},              // sent unasked
		{AllInternals, 0b0111_1111},
	} {
		_, p, _, err := netlink.Split(appendInetDiagRequestExt(nil, 7, Inet, TCP, AllStates, tt.mask))
		if err != nil || p[2] != tt.ext {
			t.Errorf("mask %b: idiag_ext %08b, want %08b (%v)", tt.mask, p[2], tt.ext, err)
		}
	}
}

func TestAppendInetDiagNoInternalsAllocs(t *testing.T) {
	// Without internals asked the decoder allocates nothing per socket,
	// even though the replies carry attributes.
	b := readFixture(t, "../netlink-internals/tcp-inet.bin")
	dst := make([]Socket, 0, 16)
	n := testing.AllocsPerRun(20, func() {
		it := netlink.NewDump(b, 0, 0)
		dst, _ = appendInetDiag(dst[:0], &it, TCP, 0)
	})
	if n != 0 || len(dst) != 8 || dst[0].Internals != nil {
		t.Errorf("%v allocations, %d sockets", n, len(dst))
	}
	// With internals: one chunk per dump buffer, not one per socket.
	n = testing.AllocsPerRun(20, func() {
		it := netlink.NewDump(b, 0, 0)
		dst, _ = appendInetDiagExt(dst[:0], &it, TCP, 0, AllInternals)
	})
	if n > 1 {
		t.Errorf("with internals: %v allocations for %d sockets", n, len(dst))
	}
}

func TestAppendInetDiagExtStates(t *testing.T) {
	// A socket the state filter drops gives its Internals back: the next
	// socket's starts zeroed.
	socks := decodeInternalsFixtureStates(t, 1<<TimeWait|1<<Listen)
	for _, s := range socks {
		if s.State == TimeWait && (s.Internals == nil || s.Internals.Has != HasMark) {
			t.Errorf("TIME_WAIT internals %+v", s.Internals)
		}
		if s.State == Listen && (s.Internals == nil || s.Internals.TCP.Sacked != 16) {
			t.Errorf("listener internals %+v", s.Internals)
		}
	}
	if len(socks) != 2 {
		t.Errorf("%d sockets, want 2", len(socks))
	}
}

func decodeInternalsFixtureStates(t *testing.T, want StateSet) []Socket {
	t.Helper()
	it := netlink.NewDump(readFixture(t, "../netlink-internals/tcp-inet.bin"), 0, 0)
	socks, err := appendInetDiagExt(nil, &it, TCP, want, AllInternals)
	if err != nil {
		t.Fatal(err)
	}
	return socks
}

// FuzzDecodeInternals decodes arbitrary bytes as an inet_diag dump that
// asked for every internal: it must never panic, and an Internals is
// attached only with something in it.
func FuzzDecodeInternals(f *testing.F) {
	for _, name := range []string{"tcp-inet.bin", "tcp-inet6.bin", "udp-inet.bin", "tcp-ulp-inet.bin", "tcp-ulp-inet6.bin"} {
		f.Add(readFixture(f, "../netlink-internals/"+name), uint8(TCP))
	}
	f.Fuzz(func(t *testing.T, b []byte, p uint8) {
		it := netlink.NewDump(b, 0, 0)
		socks, _ := appendInetDiagExt(nil, &it, Proto(p%uint8(Unix)+1), 0, AllInternals)
		for _, s := range socks {
			if in := s.Internals; in != nil {
				if in.Has == 0 {
					t.Fatalf("empty internals attached: %s", sockLine(&s))
				}
				if in.TCP.Len > TCPInfoLenAccECN || in.SkMem.N > skMemVars {
					t.Fatalf("lengths %d %d", in.TCP.Len, in.SkMem.N)
				}
				if in.Has&(HasULP|HasMD5Sig) != 0 && s.Proto != TCP || (in.Has&HasMD5Sig != 0) != (len(in.MD5Keys) > 0) {
					t.Fatalf("%s: has %b with %d md5 keys", sockLine(&s), in.Has, len(in.MD5Keys))
				}
			}
		}
	})
}

// FuzzDecodeTCPInfo decodes arbitrary bytes as tcp_info and the
// congestion structs: never a panic, Len never beyond the input.
func FuzzDecodeTCPInfo(f *testing.F) {
	f.Add(make([]byte, TCPInfoLenAccECN))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		var ti TCPInfo
		decodeTCPInfo(b, &ti)
		if int(ti.Len) > len(b) || int(ti.Len) > TCPInfoLenAccECN {
			t.Fatalf("Len %d of %d bytes", ti.Len, len(b))
		}
		// The kernel sends a prefix: every field up to Len is there.
		if ti.Missing != (TCPFieldSet{}) {
			t.Fatalf("missing %v", ti.Missing)
		}
		for f := range tcpFieldCount {
			if ti.Known(f) != (int(ti.Len) >= int(tcpFieldEnd[f])) {
				t.Fatalf("Len %d: Known(%d) = %v", ti.Len, f, ti.Known(f))
			}
		}
		_ = decodeBBRInfo(b)
		_ = decodeDCTCPInfo(b)
		_ = decodeVegasInfo(b)
		_ = decodeMemInfo(b)
		if m := decodeSkMemInfo(b); int(m.N) > len(b)/4 {
			t.Fatalf("N %d of %d bytes", m.N, len(b))
		}
		_ = decodeCong(b)
	})
}

// BenchmarkDecodeInetDiagInfo decodes a synthetic dump of 100k TCP
// sockets that each carry what ss -tim asks for: tcp_info of the newest
// layout, the congestion algorithm and the socket's memory.
func BenchmarkDecodeInetDiagInfo(b *testing.B) {
	const n = 100_000
	attrs := slices.Concat(netlink.AppendAttr(nil, inetDiagInfo, tcpInfoOf(b)),
		netlink.AppendAttr(nil, inetDiagCong, []byte("cubic\x00")),
		netlink.AppendAttr(nil, inetDiagSkMemInfo, make([]byte, 4*skMemVars)))
	var buf []byte
	for i := range n {
		m := inetMsg{state: Established, local: ap4(uint16(i)), remote: ap4(443), ino: uint32(i), attrs: attrs}
		buf = append(buf, nlMessage(sockDiagByFamily, m.payload())...)
	}
	buf = append(buf, nlMessage(netlink.MsgDone, errPayload(0))...)
	dst := make([]Socket, 0, n)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		it := netlink.NewDump(buf, 0, 0)
		var err error
		if dst, err = appendInetDiagExt(dst[:0], &it, TCP, 0, WantInfo|WantMemory); err != nil || len(dst) != n {
			b.Fatalf("%d sockets, %v", len(dst), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/socket")
}
