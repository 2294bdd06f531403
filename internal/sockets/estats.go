package sockets

import (
	"math"

	"github.com/sockscope/sockscope/internal/iphlp"
)

// This file maps what Windows' extended TCP statistics (iphlp.TCPEStats,
// RFC 4898 as GetPerTcpConnectionEStats reports it) say of a connection
// into tcp_info, for the Windows source. It has no build tags so that
// the mapping is tested everywhere.
//
// Windows measures differently: times in milliseconds where Linux has
// microseconds (except the fine RTT block), windows in bytes where Linux
// counts segments, counters from the moment collection was turned on
// rather than from the connection's start. What has no counterpart is
// named in TCPInfo.Missing (and left zero), so that it shows as absent,
// not as a measured 0: ca_state, retransmits, probes, ato, the last_*
// times, pacing and delivery rates, delivered, lost, sacked, unacked and
// retrans in flight, rcv_rtt, rcv_space, rcv_ssthresh, pmtu, rcv_mss,
// app_limited, the options other than window scaling; and the
// congestion algorithm, which the source does not report at all.

// estatsInfo are the blocks the Windows source reads for WantInfo. A
// connection gets a TCPInfo only when every one of them was read, so that
// a half-read connection shows nothing rather than zeros.
var estatsInfo = iphlp.EStatsSet(0).
	With(iphlp.EStatsSynOpts).
	With(iphlp.EStatsData).
	With(iphlp.EStatsSndCong).
	With(iphlp.EStatsPath).
	With(iphlp.EStatsSendBuff).
	With(iphlp.EStatsRec).
	With(iphlp.EStatsObsRec).
	With(iphlp.EStatsFineRTT)

// estatsFilled are the fields of tcp_info estatsTCPInfo fills.
var estatsFilled = [...]TCPField{
	TCPFieldState, TCPFieldBackoff, TCPFieldOptWScale, TCPFieldSndWScale, TCPFieldRcvWScale,
	TCPFieldRTO, TCPFieldSndMSS, TCPFieldAdvMSS, TCPFieldReordering,
	TCPFieldRTT, TCPFieldRTTVar, TCPFieldMinRTT, TCPFieldSndCwnd, TCPFieldSndSSThresh,
	TCPFieldTotalRetrans, TCPFieldBytesRetrans, TCPFieldDSACKDups,
	TCPFieldBytesSent, TCPFieldBytesAcked, TCPFieldBytesReceived,
	TCPFieldSegsOut, TCPFieldSegsIn, TCPFieldDataSegsOut, TCPFieldDataSegsIn,
	TCPFieldRwndLimited, TCPFieldBusyTime, TCPFieldNotsentBytes, TCPFieldSndWnd, TCPFieldRcvWnd,
}

// estatsMissing is every field of tcp_info but estatsFilled: what the
// Windows source cannot tell.
var estatsMissing = func() TCPFieldSet {
	s := AllTCPFields()
	for _, f := range estatsFilled {
		s = s.Without(f)
	}
	return s
}()

// estatsRowLen is the longest row estatsRow makes.
const estatsRowLen = 52

// estatsRow writes into dst the row GetPerTcp(6)ConnectionEStats takes
// for row, a TCP row of an owner-module table laid out as l: MIB_TCPROW
// (dwState, dwLocalAddr, dwLocalPort, dwRemoteAddr, dwRemotePort) for
// IPv4, MIB_TCP6ROW (State, LocalAddr, dwLocalScopeId, dwLocalPort,
// RemoteAddr, dwRemoteScopeId, dwRemotePort) for IPv6, and returns it.
// The fields are copied as the table gave them, so the call finds the
// connection the table listed. row must be a whole row of l, a TCP
// layout.
func estatsRow(dst *[estatsRowLen]byte, row []byte, l *mibLayout) []byte {
	put := func(at, from, n int) { copy(dst[at:at+n], row[from:from+n]) }
	if !l.v6 {
		put(0, l.state, 4)
		put(4, l.local, 4)
		put(8, l.localPort, 4)
		put(12, l.remote, 4)
		put(16, l.remotePort, 4)
		return dst[:20]
	}
	put(0, l.state, 4)
	put(4, l.local, 16)
	put(20, l.scope, 4)
	put(24, l.localPort, 4)
	put(28, l.remote, 16)
	put(44, l.remote+16, 4) // dwRemoteScopeId follows ucRemoteAddr in the owner-module row
	put(48, l.remotePort, 4)
	return dst[:52]
}

// estatsWanted reports whether the Windows source asks for the
// statistics of a connection in state st: those of a connection that has
// been established ("this information is available after the connection
// has been established", the structures' pages say), not those of a
// listener, a handshake under way, or TIME_WAIT, whose TCB is gone.
func estatsWanted(st State) bool {
	switch st {
	case Established, FinWait1, FinWait2, CloseWait, Closing, LastAck:
		return true
	}
	return false
}

// estatsTCPInfo maps e into tcp_info for a connection in state st. It
// returns false, and sets nothing, unless every block of estatsInfo was
// read.
func estatsTCPInfo(e *iphlp.TCPEStats, st State, t *TCPInfo) bool {
	if e.Has&estatsInfo != estatsInfo {
		return false
	}
	*t = TCPInfo{Len: TCPInfoLenRcvWnd, Missing: estatsMissing, State: uint8(st)}
	p, f, c := &e.Path, &e.FineRTT, &e.SndCong
	t.RTO = msToUs(p.CurRto)
	t.Backoff = uint8(min(p.CurTimeoutCount, math.MaxUint8))
	t.SndMSS = p.CurMss
	t.AdvMSS = e.SynOpts.MSSSent
	t.Reordering = p.RetranThresh
	// The fine block has the smoothed RTT (named SumRtt) and its
	// variation in microseconds; the path block only in milliseconds,
	// too coarse for a loopback or LAN connection.
	t.RTT, t.RTTVar, t.MinRTT = f.SumRtt, f.RttVar, f.MinRtt
	if t.RTT == 0 && p.SmoothedRtt != 0 {
		t.RTT, t.RTTVar, t.MinRTT = msToUs(p.SmoothedRtt), msToUs(p.RttVar), msToUs(p.MinRtt)
	}
	if mss := p.CurMss; mss > 0 {
		t.SndCwnd = c.CurCwnd / mss
		t.SndSSThresh = c.CurSsthresh / mss
	} else {
		// Windows counts the windows in bytes: without an MSS there
		// is no count of segments to give.
		t.Missing = t.Missing.With(TCPFieldSndCwnd).With(TCPFieldSndSSThresh)
	}
	t.TotalRetrans = p.PktsRetrans
	t.BytesRetrans = uint64(p.BytesRetrans)
	t.DSACKDups = p.DsackDups

	d := &e.Data
	t.BytesSent = d.DataBytesOut // retransmitted data included, as bytes_sent
	t.BytesAcked = d.ThruBytesAcked
	t.BytesReceived = d.ThruBytesReceived
	t.SegsOut, t.SegsIn = uint32(d.SegsOut), uint32(d.SegsIn) // wrap as the kernel's u32 counters do
	t.DataSegsOut, t.DataSegsIn = uint32(d.DataSegsOut), uint32(d.DataSegsIn)

	// Windows' "sender limited" time counts the time the application
	// had nothing to send, which Linux's busy time leaves out: busy is
	// the time limited by the receiver's window or the congestion window.
	t.RwndLimited = uint64(c.SndLimTimeRwin) * 1000
	t.BusyTime = (uint64(c.SndLimTimeRwin) + uint64(c.SndLimTimeCwnd)) * 1000

	t.NotsentBytes = uint32(min(e.SendBuff.CurAppWQueue, math.MaxUint32))
	t.SndWnd = e.ObsRec.CurRwinRcvd
	t.RcvWnd = e.Rec.CurRwinSent
	if ws, wr := e.Rec.WinScaleSent, e.ObsRec.WinScaleRcvd; ws != iphlp.NoWinScale && wr != iphlp.NoWinScale {
		t.Options |= OptWScale
		t.RcvWScale, t.SndWScale = ws&0xf, wr&0xf
	}
	return true
}

// estatsQueues returns what Linux reports as Recv-Q and Send-Q of a
// connection: the bytes acked but not yet read by the application, and
// the bytes written but not yet acked (sent or not). ok is false unless
// both blocks were read.
func estatsQueues(e *iphlp.TCPEStats) (recvQ, sendQ uint32, ok bool) {
	if !e.Has.Has(iphlp.EStatsRec) || !e.Has.Has(iphlp.EStatsSendBuff) {
		return 0, 0, false
	}
	sent := e.SendBuff.CurRetxQueue + e.SendBuff.CurAppWQueue
	if sent < e.SendBuff.CurRetxQueue { // overflow
		sent = math.MaxUint64
	}
	return uint32(min(e.Rec.CurAppRQueue, math.MaxUint32)), uint32(min(sent, math.MaxUint32)), true
}

// msToUs converts milliseconds to microseconds, saturating.
func msToUs(ms uint32) uint32 { return uint32(min(uint64(ms)*1000, math.MaxUint32)) }
