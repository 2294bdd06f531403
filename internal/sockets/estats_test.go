package sockets

import (
	"bytes"
	"encoding/binary"
	"math"
	"net/netip"
	"testing"

	"github.com/sockscope/sockscope/internal/iphlp"
)

// TestEStatsRow: the MIB_TCPROW and MIB_TCP6ROW made from owner-module
// rows hold, at the offsets tcpmib.h gives (and mingw's offsetof
// printed for MIB_TCP6ROW: LocalAddr 4, dwLocalScopeId 20, dwLocalPort
// 24, RemoteAddr 28, dwRemoteScopeId 44, dwRemotePort 48), the row's
// state, addresses, scopes and ports as the table gave them.
func TestEStatsRow(t *testing.T) {
	var buf [estatsRowLen]byte
	r4 := make([]byte, mibTCPRowOwnerModuleLen)
	putTCP4(r4, mibRow{state: 5, local: netip.MustParseAddrPort("10.0.0.1:443"), remote: netip.MustParseAddrPort("192.168.1.9:50000"), pid: 7})
	want4 := []byte{
		5, 0, 0, 0, // MIB_TCP_STATE_ESTAB
		10, 0, 0, 1, 0x01, 0xbb, 0, 0, // 10.0.0.1, port 443 in network order
		192, 168, 1, 9, 0xc3, 0x50, 0, 0, // 192.168.1.9, 50000
	}
	if got := estatsRow(&buf, r4, &mibTCP4); !bytes.Equal(got, want4) {
		t.Errorf("MIB_TCPROW\n got % x\nwant % x", got, want4)
	}

	r6 := make([]byte, mibTCP6RowOwnerModuleLen)
	putTCP6(r6, mibRow{state: 8, local: netip.MustParseAddrPort("[fe80::1]:22"), remote: netip.MustParseAddrPort("[fe80::2]:40000"), scope: 3})
	binary.LittleEndian.PutUint32(r6[40:], 4) // a remote scope unlike the local one
	got := estatsRow(&buf, r6, &mibTCP6)
	if len(got) != 52 {
		t.Fatalf("MIB_TCP6ROW of %d bytes", len(got))
	}
	le := binary.LittleEndian
	if le.Uint32(got[0:]) != 8 || netip.AddrFrom16([16]byte(got[4:20])) != netip.MustParseAddr("fe80::1") ||
		le.Uint32(got[20:]) != 3 || binary.BigEndian.Uint16(got[24:]) != 22 ||
		netip.AddrFrom16([16]byte(got[28:44])) != netip.MustParseAddr("fe80::2") ||
		le.Uint32(got[44:]) != 4 || binary.BigEndian.Uint16(got[48:]) != 40000 {
		t.Errorf("MIB_TCP6ROW % x", got)
	}
}

// estatsFixture is a connection's statistics as a Windows host might
// report them after sending a megabyte over a LAN: every block of
// estatsInfo read.
func estatsFixture() iphlp.TCPEStats {
	var e iphlp.TCPEStats
	e.Has = estatsInfo
	e.SynOpts = iphlp.SynOpts{ActiveOpen: true, MSSRcvd: 1460, MSSSent: 1460}
	e.Data = iphlp.DataStats{DataBytesOut: 1 << 20, DataSegsOut: 720, DataBytesIn: 300, DataSegsIn: 2,
		SegsOut: 722, SegsIn: 400, ThruBytesAcked: 1<<20 - 2920, ThruBytesReceived: 300}
	e.SndCong = iphlp.SndCong{SndLimTimeRwin: 3, SndLimTimeCwnd: 40, SndLimTimeSnd: 5000,
		CurCwnd: 14600, CurSsthresh: 0xffffffff}
	e.Path = iphlp.PathStats{PktsRetrans: 2, BytesRetrans: 2920, DsackDups: 1, RetranThresh: 3,
		SmoothedRtt: 2, RttVar: 1, MinRtt: 1, CurRto: 300, CurMss: 1460, CurTimeoutCount: 0}
	e.SendBuff = iphlp.SendBuff{CurRetxQueue: 2920, CurAppWQueue: 1000}
	e.Rec = iphlp.RecStats{CurRwinSent: 65280, CurAppRQueue: 17, WinScaleSent: 8}
	e.ObsRec = iphlp.ObsRec{CurRwinRcvd: 131072, WinScaleRcvd: 7}
	e.FineRTT = iphlp.FineRTT{SumRtt: 1234, RttVar: 321, MinRtt: 900}
	return e
}

// TestEStatsTCPInfo maps the fixture and checks each field against the
// unit Linux uses: microseconds, segments for the windows that tcp_info
// counts in segments, bytes elsewhere.
func TestEStatsTCPInfo(t *testing.T) {
	e := estatsFixture()
	var got TCPInfo
	if !estatsTCPInfo(&e, Established, &got) {
		t.Fatal("not mapped with every block read")
	}
	want := TCPInfo{
		Len: TCPInfoLenRcvWnd, Missing: estatsMissing, State: uint8(Established),
		RTO: 300000, SndMSS: 1460, AdvMSS: 1460, Reordering: 3,
		RTT: 1234, RTTVar: 321, MinRTT: 900, // the fine block, µs
		SndCwnd: 10, SndSSThresh: 0xffffffff / 1460,
		TotalRetrans: 2, BytesRetrans: 2920, DSACKDups: 1,
		BytesSent: 1 << 20, BytesAcked: 1<<20 - 2920, BytesReceived: 300,
		SegsOut: 722, SegsIn: 400, DataSegsOut: 720, DataSegsIn: 2,
		RwndLimited: 3000, BusyTime: 43000, // sender-limited time left out of busy
		NotsentBytes: 1000, SndWnd: 131072, RcvWnd: 65280,
		Options: OptWScale, SndWScale: 7, RcvWScale: 8,
	}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	// Without the fine block's RTT the path block's milliseconds serve.
	e.FineRTT = iphlp.FineRTT{}
	if !estatsTCPInfo(&e, Established, &got) || got.RTT != 2000 || got.RTTVar != 1000 || got.MinRTT != 1000 {
		t.Errorf("RTT from the path block: %d/%d min %d", got.RTT, got.RTTVar, got.MinRTT)
	}
	// No window scale option one way: neither scale, no option bit.
	e.ObsRec.WinScaleRcvd = iphlp.NoWinScale
	if estatsTCPInfo(&e, Established, &got); got.Options&OptWScale != 0 || got.SndWScale != 0 || got.RcvWScale != 0 {
		t.Errorf("window scaling without the peer's option: %+v", got)
	}
	// No MSS (not established yet): no window in segments.
	e.Path.CurMss = 0
	if estatsTCPInfo(&e, SynSent, &got); got.SndCwnd != 0 || got.SndSSThresh != 0 || got.State != uint8(SynSent) ||
		got.Known(TCPFieldSndCwnd) || got.Known(TCPFieldSndSSThresh) || !got.Known(TCPFieldRTO) {
		t.Errorf("cwnd %d (known %v) ssthresh %d (known %v) state %d without an MSS",
			got.SndCwnd, got.Known(TCPFieldSndCwnd), got.SndSSThresh, got.Known(TCPFieldSndSSThresh), got.State)
	}
	// Saturation: an RTO of more than 71 minutes in µs, queues past 4 GiB.
	e.Path.CurRto = math.MaxUint32
	e.SendBuff.CurAppWQueue = 1 << 40
	if estatsTCPInfo(&e, Established, &got); got.RTO != math.MaxUint32 || got.NotsentBytes != math.MaxUint32 {
		t.Errorf("RTO %d, notsent %d: not saturated", got.RTO, got.NotsentBytes)
	}
}

// TestEStatsTCPInfoKnown: the fields Windows has no counterpart for are
// not Known, though Len reaches them, and read as zero; those it maps
// are.
func TestEStatsTCPInfoKnown(t *testing.T) {
	e := estatsFixture()
	var got TCPInfo
	if !estatsTCPInfo(&e, Established, &got) {
		t.Fatal("not mapped")
	}
	for _, f := range []TCPField{
		TCPFieldCAState, TCPFieldRetransmits, TCPFieldProbes, TCPFieldATO, TCPFieldRcvMSS,
		TCPFieldUnacked, TCPFieldSacked, TCPFieldLost, TCPFieldRetrans, TCPFieldFackets,
		TCPFieldLastDataSent, TCPFieldLastAckSent, TCPFieldLastDataRecv, TCPFieldLastAckRecv,
		TCPFieldPMTU, TCPFieldRcvSSThresh, TCPFieldRcvRTT, TCPFieldRcvSpace,
		TCPFieldPacingRate, TCPFieldMaxPacingRate, TCPFieldDeliveryRate, TCPFieldDeliveryRateAppLimited,
		TCPFieldFastOpenClientFail, TCPFieldSndbufLimited, TCPFieldDelivered, TCPFieldDeliveredCE,
		TCPFieldReordSeen, TCPFieldRcvOOOPack,
		TCPFieldOptTimestamps, TCPFieldOptSACK, TCPFieldOptECN, TCPFieldOptECNSeen, TCPFieldOptSynData,
		TCPFieldOptUSec, TCPFieldOptTFOChild,
		TCPFieldRehash, TCPFieldTotalRTO, TCPFieldReceivedCE, TCPFieldOptions2,
	} {
		if got.Known(f) {
			t.Errorf("field %d known from Windows", f)
		}
	}
	n := 0
	for f := range tcpFieldCount {
		if got.Known(f) {
			n++
		}
	}
	for _, f := range estatsFilled {
		if !got.Known(f) {
			t.Errorf("field %d mapped but not known", f)
		}
	}
	if n != len(estatsFilled) {
		t.Errorf("%d fields known, %d mapped", n, len(estatsFilled))
	}
	// What is not known reads as zero.
	for f := range tcpFieldCount {
		if v, name := tcpFieldValue(t, &got, f); !got.Known(f) && v != 0 {
			t.Errorf("%s (field %d) not known but %d", name, f, v)
		}
	}
}

// TestEStatsTCPInfoPartial: a connection missing any block (collection
// off for it, as for a process that is not elevated) gets nothing, not
// zeros that look measured.
func TestEStatsTCPInfoPartial(t *testing.T) {
	for _, b := range []iphlp.EStatsType{iphlp.EStatsSynOpts, iphlp.EStatsPath, iphlp.EStatsFineRTT, iphlp.EStatsObsRec} {
		e := estatsFixture()
		e.Has &^= iphlp.EStatsSet(0).With(b)
		got := TCPInfo{Len: 7}
		if estatsTCPInfo(&e, Established, &got) || got != (TCPInfo{Len: 7}) {
			t.Errorf("without block %s: mapped %+v", b, got)
		}
	}
	e := iphlp.TCPEStats{Has: iphlp.EStatsSet(0).With(iphlp.EStatsSynOpts)}
	if estatsTCPInfo(&e, Established, new(TCPInfo)) {
		t.Error("mapped from the SYN options alone")
	}
}

// TestEStatsQueues: Recv-Q is what was acked and not read, Send-Q what
// was written and not acked, as Linux counts them.
func TestEStatsQueues(t *testing.T) {
	e := estatsFixture()
	if r, s, ok := estatsQueues(&e); !ok || r != 17 || s != 3920 {
		t.Errorf("queues %d %d %v", r, s, ok)
	}
	e.SendBuff = iphlp.SendBuff{CurRetxQueue: math.MaxUint64, CurAppWQueue: 2}
	e.Rec.CurAppRQueue = 1 << 40
	if r, s, ok := estatsQueues(&e); !ok || r != math.MaxUint32 || s != math.MaxUint32 {
		t.Errorf("saturated queues %d %d %v", r, s, ok)
	}
	e.Has &^= iphlp.EStatsSet(0).With(iphlp.EStatsRec)
	if _, _, ok := estatsQueues(&e); ok {
		t.Error("queues without the receiver block")
	}
}

func TestEStatsWanted(t *testing.T) {
	for st := Established; st < maxState; st++ {
		want := st == Established || st == FinWait1 || st == FinWait2 || st == CloseWait || st == Closing || st == LastAck
		if estatsWanted(st) != want {
			t.Errorf("estatsWanted(%s) = %v", st, !want)
		}
	}
}

// FuzzEStatsTCPInfo maps arbitrary statistics, every block of estatsInfo
// decoded from the input: never a panic, and a field the mapping does
// not name as known is zero, so nothing unmeasured reads as measured.
func FuzzEStatsTCPInfo(f *testing.F) {
	f.Add(make([]byte, 64), uint8(Established))
	f.Add(bytes.Repeat([]byte{0xff}, 64), uint8(SynSent))
	f.Fuzz(func(t *testing.T, in []byte, st uint8) {
		if len(in) == 0 {
			return
		}
		var e iphlp.TCPEStats
		for bt := iphlp.EStatsType(0); bt < 16; bt++ {
			if !estatsInfo.Has(bt) {
				continue
			}
			n := max(iphlp.RODLen(bt, 8), iphlp.ROSLen(bt))
			b := make([]byte, n)
			for i := range b {
				b[i] = in[(int(bt)*31+i)%len(in)]
			}
			if err := e.Decode(bt, b, b, 8); err != nil {
				t.Fatalf("block %s: %v", bt, err)
			}
		}
		var ti TCPInfo
		if !estatsTCPInfo(&e, State(st), &ti) {
			t.Fatal("not mapped with every block read")
		}
		if ti.Len != TCPInfoLenRcvWnd {
			t.Fatalf("Len %d", ti.Len)
		}
		for fld := range tcpFieldCount {
			if v, name := tcpFieldValue(t, &ti, fld); !ti.Known(fld) && v != 0 {
				t.Fatalf("%s not known but %d", name, v)
			}
		}
	})
}
