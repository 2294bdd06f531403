package iphlp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strconv"

	"github.com/sockscope/sockscope/internal/errs"
)

// This file decodes what GetPerTcpConnectionEStats and
// GetPerTcp6ConnectionEStats fill: the structures of tcpestats.h,
// https://learn.microsoft.com/en-us/windows/win32/api/tcpestats/, the
// extended statistics of RFC 4898 that Windows keeps per TCP connection.
// Every structure is version 0 (the only one there is), little-endian and
// laid out with MSVC's natural alignment. Three of them hold SIZE_T
// members, 8 bytes on 64-bit Windows and 4 on 32-bit, so their size
// depends on the word size of the process that asks; the decoders take
// it as a parameter and are tested on Linux with both layouts.
//
// Collection is off for a connection until SetPerTcpConnectionEStats
// turns it on, which only an elevated Administrator may do; until then
// the read-only dynamic (ROD) structures hold meaningless data (the
// function's remarks say so), and only the read/write (RW) structure,
// which says whether collection is on, is to be believed. SYN options
// need no collection.

// EStatsType is TCP_ESTATS_TYPE: which block of statistics a call asks
// for.
type EStatsType uint32

// The blocks of TCP_ESTATS_TYPE, in the enumeration's order.
const (
	EStatsSynOpts   EStatsType = iota // TcpConnectionEstatsSynOpts: the SYN exchange (ROS only, always there)
	EStatsData                        // TcpConnectionEstatsData: bytes and segments
	EStatsSndCong                     // TcpConnectionEstatsSndCong: sender congestion
	EStatsPath                        // TcpConnectionEstatsPath: RTT, RTO, retransmissions
	EStatsSendBuff                    // TcpConnectionEstatsSendBuff: output queues
	EStatsRec                         // TcpConnectionEstatsRec: the local receiver
	EStatsObsRec                      // TcpConnectionEstatsObsRec: the remote receiver
	EStatsBandwidth                   // TcpConnectionEstatsBandwidth: bandwidth estimates
	EStatsFineRTT                     // TcpConnectionEstatsFineRtt: RTT in microseconds
	estatsTypes                       // TcpConnectionEstatsMaximum
)

var estatsNames = [estatsTypes]string{"SynOpts", "Data", "SndCong", "Path", "SendBuff", "Rec", "ObsRec", "Bandwidth", "FineRtt"}

func (t EStatsType) String() string {
	if t < estatsTypes {
		return estatsNames[t]
	}
	return "EStatsType(" + strconv.FormatUint(uint64(t), 10) + ")"
}

// EStatsSet is a set of blocks, one bit per EStatsType.
type EStatsSet uint16

// Has reports whether t is in the set.
func (s EStatsSet) Has(t EStatsType) bool { return t < estatsTypes && s&(1<<t) != 0 }

// With returns the set with t added.
func (s EStatsSet) With(t EStatsType) EStatsSet {
	if t >= estatsTypes {
		return s
	}
	return s | 1<<t
}

// Len is the number of blocks in the set.
func (s EStatsSet) Len() int { return bits.OnesCount16(uint16(s)) }

// SynOpts is TCP_ESTATS_SYN_OPTS_ROS_v0, 12 bytes.
type SynOpts struct {
	ActiveOpen bool   // this end sent the first SYN
	MSSRcvd    uint32 // the MSS option the peer sent, 0 if none
	MSSSent    uint32 // the MSS option this end sent, 0 if none
}

// DataStats is TCP_ESTATS_DATA_ROD_v0, 96 bytes. The counters count
// from when collection was turned on.
type DataStats struct {
	DataBytesOut, DataSegsOut uint64 // data sent, retransmissions included
	DataBytesIn, DataSegsIn   uint64
	SegsOut, SegsIn           uint64 // every segment, pure ACKs included
	SoftErrors                uint32
	SoftErrorReason           uint32 // TCP_SOFT_ERROR of the last one
	SndUna, SndNxt, SndMax    uint32 // sequence numbers
	ThruBytesAcked            uint64
	RcvNxt                    uint32
	ThruBytesReceived         uint64
}

// SndCong is TCP_ESTATS_SND_CONG_ROD_v0 (88 bytes on 64-bit Windows, 72
// on 32-bit) and LimCwnd of TCP_ESTATS_SND_CONG_ROS_v0. Times are in
// milliseconds, windows in bytes.
type SndCong struct {
	SndLimTransRwin, SndLimTimeRwin uint32 // receiver limited: transitions, ms
	SndLimBytesRwin                 uint64
	SndLimTransCwnd, SndLimTimeCwnd uint32 // congestion limited
	SndLimBytesCwnd                 uint64
	SndLimTransSnd, SndLimTimeSnd   uint32 // sender limited: out of data or other resources
	SndLimBytesSnd                  uint64
	SlowStart, CongAvoid            uint32
	OtherReductions                 uint32
	CurCwnd, MaxSsCwnd, MaxCaCwnd   uint32
	CurSsthresh                     uint32
	MaxSsthresh, MinSsthresh        uint32
	// LimCwnd is the ROS block: the most the congestion window may be.
	// HasLimCwnd says whether it was read.
	LimCwnd    uint32
	HasLimCwnd bool
}

// PathStats is TCP_ESTATS_PATH_ROD_v0, 160 bytes. Times are in
// milliseconds, sizes in bytes; the counters count from when collection
// was turned on.
type PathStats struct {
	FastRetran, Timeouts, SubsequentTimeouts   uint32
	CurTimeoutCount                            uint32 // RTO expirations since new data was last acked
	AbruptTimeouts                             uint32
	PktsRetrans, BytesRetrans                  uint32
	DupAcksIn, SacksRcvd, SackBlocksRcvd       uint32
	CongSignals, PreCongSumCwnd, PreCongSumRtt uint32
	PostCongSumRtt, PostCongCountRtt           uint32
	EcnSignals, EceRcvd, SendStall, QuenchRcvd uint32
	RetranThresh                               uint32 // duplicate ACKs that trigger fast retransmit
	SndDupAckEpisodes, SumBytesReordered       uint32
	NonRecovDa, NonRecovDaEpisodes, AckAfterFr uint32
	DsackDups                                  uint32
	SampleRtt, SmoothedRtt, RttVar             uint32
	MaxRtt, MinRtt, SumRtt, CountRtt           uint32
	CurRto, MaxRto, MinRto                     uint32
	CurMss, MaxMss, MinMss                     uint32
	SpuriousRtoDetections                      uint32
}

// SendBuff is TCP_ESTATS_SEND_BUFF_ROD_v0 (32 bytes on 64-bit Windows,
// 16 on 32-bit), in bytes.
type SendBuff struct {
	CurRetxQueue, MaxRetxQueue uint64 // sent, not yet acknowledged
	CurAppWQueue, MaxAppWQueue uint64 // written by the application, not yet sent
}

// RecStats is TCP_ESTATS_REC_ROD_v0 (72 bytes on 64-bit Windows, 56 on
// 32-bit), in bytes.
type RecStats struct {
	CurRwinSent, MaxRwinSent, MinRwinSent, LimRwin uint32
	DupAckEpisodes, DupAcksOut                     uint32
	CeRcvd, EcnSent, EcnNoncesRcvd                 uint32
	CurReasmQueue, MaxReasmQueue                   uint32
	CurAppRQueue, MaxAppRQueue                     uint64 // acked, not yet read by the application
	WinScaleSent                                   uint8  // NoWinScale if none was sent
}

// ObsRec is TCP_ESTATS_OBS_REC_ROD_v0, 16 bytes: the peer's receive
// window as this end saw it.
type ObsRec struct {
	CurRwinRcvd, MaxRwinRcvd, MinRwinRcvd uint32
	WinScaleRcvd                          uint8 // NoWinScale if none was received
}

// NoWinScale is WinScaleSent and WinScaleRcvd when no window scale
// option went that way: the UCHAR holds -1.
const NoWinScale = 0xff

// Bandwidth is TCP_ESTATS_BANDWIDTH_ROD_v0, 40 bytes: Windows' estimates
// of the path's bandwidth, in bits per second.
type Bandwidth struct {
	OutboundBandwidth, InboundBandwidth     uint64
	OutboundInstability, InboundInstability uint64
	OutboundPeaked, InboundPeaked           bool
}

// FineRTT is TCP_ESTATS_FINE_RTT_ROD_v0, 16 bytes, in microseconds.
// SumRtt is, despite its name, the smoothed RTT.
type FineRTT struct {
	RttVar, MaxRtt, MinRtt, SumRtt uint32
}

// TCPEStats is what the extended statistics said of one connection: the
// blocks in Has were read, with collection on where it needs to be.
type TCPEStats struct {
	Has       EStatsSet
	SynOpts   SynOpts
	Data      DataStats
	SndCong   SndCong
	Path      PathStats
	SendBuff  SendBuff
	Rec       RecStats
	ObsRec    ObsRec
	Bandwidth Bandwidth
	FineRTT   FineRTT
}

// rodLayouts lists each block's ROD (ROS for SynOpts) members in order,
// for the word size: 'b' a BOOLEAN or UCHAR, 'l' a ULONG, 'q' a ULONG64,
// 'z' a SIZE_T.
var rodLayouts = [estatsTypes]string{
	EStatsSynOpts:   "bll",
	EStatsData:      "qqqqqqlllllqlq",
	EStatsSndCong:   "llzllzllzlllllllll",
	EStatsPath:      "llllllllllllllllllllllllllllllllllllllll",
	EStatsSendBuff:  "zzzz",
	EStatsRec:       "lllllllllllzzb",
	EStatsObsRec:    "lllb",
	EStatsBandwidth: "qqqqbb",
	EStatsFineRTT:   "llll",
}

// fields reads the members of a layout string with C's natural
// alignment; the struct's size is the end of its last member rounded up
// to its largest alignment.
type fields struct {
	b         []byte
	off, word int
	align     int
}

func (f *fields) next(kind byte) uint64 {
	n := 4
	switch kind {
	case 'b':
		n = 1
	case 'q':
		n = 8
	case 'z':
		n = f.word
	}
	f.off = (f.off + n - 1) &^ (n - 1)
	f.align = max(f.align, n)
	var v uint64
	switch n {
	case 1:
		v = uint64(f.b[f.off])
	case 4:
		v = uint64(binary.LittleEndian.Uint32(f.b[f.off:]))
	case 8:
		v = binary.LittleEndian.Uint64(f.b[f.off:])
	}
	f.off += n
	return v
}

// RODLen is the size of the ROD structure of t (every block but
// SynOpts has one) for a process of word size word (4 or 8); 0 where t
// has none.
func RODLen(t EStatsType, word int) int {
	if t == EStatsSynOpts || t >= estatsTypes || (word != 4 && word != 8) {
		return 0
	}
	return layoutLen(rodLayouts[t], word)
}

// ROSLen is the size of the ROS structure of t (SynOpts and SndCong have
// one, of the same size for every word size); 0 where t has none.
func ROSLen(t EStatsType) int {
	switch t {
	case EStatsSynOpts:
		return layoutLen(rodLayouts[t], 8)
	case EStatsSndCong:
		return 4
	}
	return 0
}

// RWLen is the size of the RW structure of t, which says whether
// collection is on (0 for SynOpts, which has none): a BOOLEAN
// EnableCollection, except Bandwidth's two TCP_BOOLEAN_OPTIONAL (int),
// one for each direction.
func RWLen(t EStatsType) int {
	switch {
	case t == EStatsSynOpts || t >= estatsTypes:
		return 0
	case t == EStatsBandwidth:
		return 8
	}
	return 1
}

// layoutLen is the size of a layout: where the members end, rounded up
// to the largest alignment.
func layoutLen(layout string, word int) int {
	f := fields{b: make([]byte, 8*len(layout)), word: word}
	for i := range len(layout) {
		f.next(layout[i])
	}
	return (f.off + f.align - 1) &^ (f.align - 1)
}

// RWEnabled reports whether rw, the RW structure of t that a Get call
// filled, says collection is on. For Bandwidth, on in either direction
// counts. It returns an error wrapping errs.ErrMalformed if rw is shorter
// than RWLen(t) or t has no RW structure.
func RWEnabled(t EStatsType, rw []byte) (bool, error) {
	n := RWLen(t)
	if n == 0 || len(rw) < n {
		return false, fmt.Errorf("%w: %s RW: %d bytes, want %d", errs.ErrMalformed, t, len(rw), n)
	}
	if t == EStatsBandwidth {
		const enabled = 1 // TcpBoolOptEnabled
		return binary.LittleEndian.Uint32(rw) == enabled || binary.LittleEndian.Uint32(rw[4:]) == enabled, nil
	}
	return rw[0] != 0, nil
}

// EnableRW returns the RW structure of t that SetPerTcpConnectionEStats
// takes to turn collection on (both directions for Bandwidth), or nil
// where t has none.
func EnableRW(t EStatsType) []byte {
	switch n := RWLen(t); {
	case n == 0:
		return nil
	case t == EStatsBandwidth:
		return []byte{1, 0, 0, 0, 1, 0, 0, 0} // TcpBoolOptEnabled twice
	default:
		return []byte{1}
	}
}

// Decode stores the block t, read from a process of word size word (4 or
// 8), in e and adds t to e.Has: from ros for SynOpts; from rod for the
// others, and for SndCong from ros too when it is not nil. Bytes beyond
// a structure are ignored. It returns an error wrapping errs.ErrMalformed,
// leaving e unchanged, if a buffer is shorter than its structure, or if t
// or word is not one there is.
func (e *TCPEStats) Decode(t EStatsType, ros, rod []byte, word int) error {
	if t >= estatsTypes || (word != 4 && word != 8) {
		return fmt.Errorf("%w: estats block %s for word size %d", errs.ErrMalformed, t, word)
	}
	b := rod
	if t == EStatsSynOpts {
		b = ros
	}
	if need := layoutLen(rodLayouts[t], word); len(b) < need {
		what := "ROD"
		if t == EStatsSynOpts {
			what = "ROS"
		}
		return fmt.Errorf("%w: %s %s: %d bytes, want %d", errs.ErrMalformed, t, what, len(b), need)
	}
	if t == EStatsSndCong && ros != nil && len(ros) < 4 {
		return fmt.Errorf("%w: SndCong ROS: %d bytes, want 4", errs.ErrMalformed, len(ros))
	}
	f := &fields{b: b, word: word}
	l := func() uint32 { return uint32(f.next('l')) }
	q := func() uint64 { return f.next('q') }
	z := func() uint64 { return f.next('z') }
	u8 := func() uint8 { return uint8(f.next('b')) }
	switch t {
	case EStatsSynOpts:
		e.SynOpts = SynOpts{ActiveOpen: u8() != 0, MSSRcvd: l(), MSSSent: l()}
	case EStatsData:
		d := &e.Data
		d.DataBytesOut, d.DataSegsOut, d.DataBytesIn, d.DataSegsIn, d.SegsOut, d.SegsIn = q(), q(), q(), q(), q(), q()
		d.SoftErrors, d.SoftErrorReason, d.SndUna, d.SndNxt, d.SndMax = l(), l(), l(), l(), l()
		d.ThruBytesAcked, d.RcvNxt, d.ThruBytesReceived = q(), l(), q()
	case EStatsSndCong:
		c := &e.SndCong
		c.SndLimTransRwin, c.SndLimTimeRwin, c.SndLimBytesRwin = l(), l(), z()
		c.SndLimTransCwnd, c.SndLimTimeCwnd, c.SndLimBytesCwnd = l(), l(), z()
		c.SndLimTransSnd, c.SndLimTimeSnd, c.SndLimBytesSnd = l(), l(), z()
		c.SlowStart, c.CongAvoid, c.OtherReductions = l(), l(), l()
		c.CurCwnd, c.MaxSsCwnd, c.MaxCaCwnd = l(), l(), l()
		c.CurSsthresh, c.MaxSsthresh, c.MinSsthresh = l(), l(), l()
		c.LimCwnd, c.HasLimCwnd = 0, ros != nil
		if ros != nil {
			c.LimCwnd = binary.LittleEndian.Uint32(ros)
		}
	case EStatsPath:
		p := &e.Path
		for _, v := range []*uint32{
			&p.FastRetran, &p.Timeouts, &p.SubsequentTimeouts, &p.CurTimeoutCount, &p.AbruptTimeouts,
			&p.PktsRetrans, &p.BytesRetrans, &p.DupAcksIn, &p.SacksRcvd, &p.SackBlocksRcvd,
			&p.CongSignals, &p.PreCongSumCwnd, &p.PreCongSumRtt, &p.PostCongSumRtt, &p.PostCongCountRtt,
			&p.EcnSignals, &p.EceRcvd, &p.SendStall, &p.QuenchRcvd, &p.RetranThresh,
			&p.SndDupAckEpisodes, &p.SumBytesReordered, &p.NonRecovDa, &p.NonRecovDaEpisodes, &p.AckAfterFr,
			&p.DsackDups, &p.SampleRtt, &p.SmoothedRtt, &p.RttVar, &p.MaxRtt,
			&p.MinRtt, &p.SumRtt, &p.CountRtt, &p.CurRto, &p.MaxRto,
			&p.MinRto, &p.CurMss, &p.MaxMss, &p.MinMss, &p.SpuriousRtoDetections,
		} {
			*v = l()
		}
	case EStatsSendBuff:
		s := &e.SendBuff
		s.CurRetxQueue, s.MaxRetxQueue, s.CurAppWQueue, s.MaxAppWQueue = z(), z(), z(), z()
	case EStatsRec:
		r := &e.Rec
		r.CurRwinSent, r.MaxRwinSent, r.MinRwinSent, r.LimRwin = l(), l(), l(), l()
		r.DupAckEpisodes, r.DupAcksOut, r.CeRcvd, r.EcnSent, r.EcnNoncesRcvd = l(), l(), l(), l(), l()
		r.CurReasmQueue, r.MaxReasmQueue, r.CurAppRQueue, r.MaxAppRQueue = l(), l(), z(), z()
		r.WinScaleSent = u8()
	case EStatsObsRec:
		o := &e.ObsRec
		o.CurRwinRcvd, o.MaxRwinRcvd, o.MinRwinRcvd, o.WinScaleRcvd = l(), l(), l(), u8()
	case EStatsBandwidth:
		w := &e.Bandwidth
		w.OutboundBandwidth, w.InboundBandwidth, w.OutboundInstability, w.InboundInstability = q(), q(), q(), q()
		w.OutboundPeaked, w.InboundPeaked = u8() != 0, u8() != 0
	case EStatsFineRTT:
		r := &e.FineRTT
		r.RttVar, r.MaxRtt, r.MinRtt, r.SumRtt = l(), l(), l(), l()
	}
	e.Has = e.Has.With(t)
	return nil
}

// EStatsReason says why a connection's statistics could not be read.
type EStatsReason uint8

// The reasons of an EStatsError.
const (
	// EStatsUnsupported: iphlpapi.dll has no GetPerTcpConnectionEStats
	// (Wine, Windows before Vista).
	EStatsUnsupported EStatsReason = iota + 1
	// EStatsNeedsElevation: collection is off for the connections and
	// turning it on was refused (ERROR_ACCESS_DENIED), as it is to any
	// process that is not an elevated Administrator.
	EStatsNeedsElevation
	// EStatsOff: collection is off and the reader was told not to turn
	// it on.
	EStatsOff
	// EStatsFailed: a call failed otherwise; Err says how.
	EStatsFailed
)

// EStatsError reports the TCP connections whose extended statistics
// could not be read, in one line fit for stderr. Missing of Total
// connections asked about have none; Err is the first failure behind
// them. It unwraps to Err, and to errors.ErrUnsupported for
// EStatsUnsupported.
type EStatsError struct {
	Reason         EStatsReason
	Missing, Total int
	Err            error
}

func (e *EStatsError) Error() string {
	of := "any connection"
	switch {
	case e.Total == 1 && e.Missing == 1:
		of = "the one connection"
	case e.Total > 0 && e.Missing == e.Total:
		of = fmt.Sprintf("all %d connections", e.Total)
	case e.Total > 0:
		of = fmt.Sprintf("%d of %d connections", e.Missing, e.Total)
	}
	msg := ""
	switch e.Reason {
	case EStatsUnsupported:
		msg = "TCP internals are not available on this system"
	case EStatsNeedsElevation:
		msg = "TCP internals of " + of + " are not available: Windows collects them only for connections an Administrator turned collection on for; run as Administrator"
	case EStatsOff:
		msg = "TCP internals of " + of + " are not available: collection is off for them"
	default:
		msg = "TCP internals of " + of + " could not be read"
	}
	if e.Err != nil {
		msg += " (" + e.Err.Error() + ")"
	}
	return msg
}

// Unwrap returns Err, and errors.ErrUnsupported for EStatsUnsupported.
func (e *EStatsError) Unwrap() []error {
	var out []error
	if e.Err != nil {
		out = append(out, e.Err)
	}
	if e.Reason == EStatsUnsupported {
		out = append(out, errors.ErrUnsupported)
	}
	return out
}
