package iphlp

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

// The sizes and offsets below were printed by x86_64-w64-mingw32-gcc
// (offsetof, sizeof) from mingw-w64's tcpestats.h, whose layouts match
// the documented structures; the 32-bit sizes follow from SIZE_T being
// 4 bytes there, with the same alignment rules. They are written out,
// not computed, so that the decoder's own layout walk is checked
// against them.
func TestEStatsSizes(t *testing.T) {
	for _, c := range []struct {
		typ          EStatsType
		rod64, rod32 int
		ros, rw      int
	}{
		{EStatsSynOpts, 0, 0, 12, 0},
		{EStatsData, 96, 96, 0, 1},
		{EStatsSndCong, 88, 72, 4, 1},
		{EStatsPath, 160, 160, 0, 1},
		{EStatsSendBuff, 32, 16, 0, 1},
		{EStatsRec, 72, 56, 0, 1},
		{EStatsObsRec, 16, 16, 0, 1},
		{EStatsBandwidth, 40, 40, 0, 8},
		{EStatsFineRTT, 16, 16, 0, 1},
	} {
		if got := RODLen(c.typ, 8); got != c.rod64 {
			t.Errorf("RODLen(%s, 8) = %d, want %d", c.typ, got, c.rod64)
		}
		if got := RODLen(c.typ, 4); got != c.rod32 {
			t.Errorf("RODLen(%s, 4) = %d, want %d", c.typ, got, c.rod32)
		}
		if got := ROSLen(c.typ); got != c.ros {
			t.Errorf("ROSLen(%s) = %d, want %d", c.typ, got, c.ros)
		}
		if got := RWLen(c.typ); got != c.rw {
			t.Errorf("RWLen(%s) = %d, want %d", c.typ, got, c.rw)
		}
		if n := RWLen(c.typ); len(EnableRW(c.typ)) != n {
			t.Errorf("EnableRW(%s) has %d bytes, RWLen %d", c.typ, len(EnableRW(c.typ)), n)
		}
	}
	if RODLen(EStatsPath, 2) != 0 || RODLen(estatsTypes, 8) != 0 || RWLen(estatsTypes) != 0 || ROSLen(EStatsPath) != 0 {
		t.Error("a size for a block or word size there is not")
	}
}

// fixture is a structure under construction: values put at offsets.
type fixture []byte

func (f fixture) u8(off int, v uint8)   { f[off] = v }
func (f fixture) u32(off int, v uint32) { binary.LittleEndian.PutUint32(f[off:], v) }
func (f fixture) u64(off int, v uint64) { binary.LittleEndian.PutUint64(f[off:], v) }

// TestEStatsDecode64 decodes each block from bytes laid out as 64-bit
// Windows lays it out, with a distinct value in the members whose
// offsets mingw printed (and a few more counted from them).
func TestEStatsDecode64(t *testing.T) {
	var e TCPEStats

	syn := make(fixture, 12)
	syn.u8(0, 1)
	syn.u32(4, 1460) // MssRcvd
	syn.u32(8, 1400) // MssSent
	mustDecode(t, &e, EStatsSynOpts, syn, nil, 8)
	if e.SynOpts != (SynOpts{ActiveOpen: true, MSSRcvd: 1460, MSSSent: 1400}) {
		t.Errorf("SynOpts = %+v", e.SynOpts)
	}

	data := make(fixture, 96)
	data.u64(0, 1e12)        // DataBytesOut
	data.u64(8, 7)           // DataSegsOut
	data.u64(16, 2e9)        // DataBytesIn
	data.u64(40, 9)          // SegsIn
	data.u32(48, 3)          // SoftErrors
	data.u32(64, 0xfffffff0) // SndMax
	data.u64(72, 5e11)       // ThruBytesAcked
	data.u32(80, 42)         // RcvNxt
	data.u64(88, 6e9)        // ThruBytesReceived
	mustDecode(t, &e, EStatsData, nil, data, 8)
	if d := e.Data; d.DataBytesOut != 1e12 || d.DataSegsOut != 7 || d.DataBytesIn != 2e9 || d.SegsIn != 9 ||
		d.SoftErrors != 3 || d.SndMax != 0xfffffff0 || d.ThruBytesAcked != 5e11 || d.RcvNxt != 42 || d.ThruBytesReceived != 6e9 {
		t.Errorf("Data = %+v", d)
	}

	cong := make(fixture, 88)
	cong.u32(4, 11)                  // SndLimTimeRwin
	cong.u64(8, 1<<40)               // SndLimBytesRwin
	cong.u32(16, 12)                 // SndLimTransCwnd
	cong.u32(20, 13)                 // SndLimTimeCwnd
	cong.u64(24, 1<<41)              // SndLimBytesCwnd
	cong.u32(32, 14)                 // SndLimTransSnd
	cong.u64(40, 1<<42)              // SndLimBytesSnd
	cong.u32(48, 15)                 // SlowStart
	cong.u32(60, 14600)              // CurCwnd
	cong.u32(72, 0xffffffff)         // CurSsthresh
	cong.u32(80, 2920)               // MinSsthresh
	ros := fixture{0x10, 0x27, 0, 0} // LimCwnd 10000
	mustDecode(t, &e, EStatsSndCong, ros, cong, 8)
	if c := e.SndCong; c.SndLimTimeRwin != 11 || c.SndLimBytesRwin != 1<<40 || c.SndLimTransCwnd != 12 || c.SndLimTimeCwnd != 13 ||
		c.SndLimBytesCwnd != 1<<41 || c.SndLimTransSnd != 14 || c.SndLimBytesSnd != 1<<42 || c.SlowStart != 15 ||
		c.CurCwnd != 14600 || c.CurSsthresh != 0xffffffff || c.MinSsthresh != 2920 || !c.HasLimCwnd || c.LimCwnd != 10000 {
		t.Errorf("SndCong = %+v", c)
	}
	mustDecode(t, &e, EStatsSndCong, nil, cong, 8)
	if e.SndCong.HasLimCwnd || e.SndCong.LimCwnd != 0 {
		t.Errorf("SndCong without ROS: %+v", e.SndCong)
	}

	path := make(fixture, 160)
	for i := range 40 {
		path.u32(4*i, uint32(1000+i))
	}
	mustDecode(t, &e, EStatsPath, nil, path, 8)
	p := e.Path
	// SmoothedRtt at 108, CurRto at 132, CurMss at 144, SpuriousRtoDetections at 156 (mingw).
	if p.FastRetran != 1000 || p.SmoothedRtt != 1000+108/4 || p.CurRto != 1000+132/4 || p.CurMss != 1000+144/4 ||
		p.SpuriousRtoDetections != 1000+156/4 || p.DsackDups != 1025 || p.PktsRetrans != 1005 || p.RetranThresh != 1019 {
		t.Errorf("Path = %+v", p)
	}

	sb := make(fixture, 32)
	sb.u64(0, 1)
	sb.u64(8, 2)
	sb.u64(16, 3)
	sb.u64(24, 1<<33)
	mustDecode(t, &e, EStatsSendBuff, nil, sb, 8)
	if e.SendBuff != (SendBuff{1, 2, 3, 1 << 33}) {
		t.Errorf("SendBuff = %+v", e.SendBuff)
	}

	rec := make(fixture, 72)
	rec.u32(0, 65535) // CurRwinSent
	rec.u32(40, 77)   // MaxReasmQueue
	rec.u64(48, 5000) // CurAppRQueue
	rec.u64(56, 6000) // MaxAppRQueue
	rec.u8(64, 8)     // WinScaleSent
	mustDecode(t, &e, EStatsRec, nil, rec, 8)
	if r := e.Rec; r.CurRwinSent != 65535 || r.MaxReasmQueue != 77 || r.CurAppRQueue != 5000 || r.MaxAppRQueue != 6000 || r.WinScaleSent != 8 {
		t.Errorf("Rec = %+v", r)
	}

	obs := make(fixture, 16)
	obs.u32(0, 4096)
	obs.u8(12, NoWinScale) // WinScaleRcvd
	mustDecode(t, &e, EStatsObsRec, nil, obs, 8)
	if e.ObsRec != (ObsRec{CurRwinRcvd: 4096, WinScaleRcvd: NoWinScale}) {
		t.Errorf("ObsRec = %+v", e.ObsRec)
	}

	bw := make(fixture, 40)
	bw.u64(0, 1e9)
	bw.u64(24, 5)
	bw.u8(33, 1) // InboundBandwidthPeaked
	mustDecode(t, &e, EStatsBandwidth, nil, bw, 8)
	if e.Bandwidth != (Bandwidth{OutboundBandwidth: 1e9, InboundInstability: 5, InboundPeaked: true}) {
		t.Errorf("Bandwidth = %+v", e.Bandwidth)
	}

	fine := make(fixture, 16)
	fine.u32(0, 50)
	fine.u32(12, 250)
	mustDecode(t, &e, EStatsFineRTT, nil, fine, 8)
	if e.FineRTT != (FineRTT{RttVar: 50, SumRtt: 250}) {
		t.Errorf("FineRTT = %+v", e.FineRTT)
	}

	if e.Has.Len() != int(estatsTypes) {
		t.Errorf("Has = %b after every block", e.Has)
	}
}

// TestEStatsDecode32 decodes the three blocks whose layout has SIZE_T
// members as 32-bit Windows lays them out.
func TestEStatsDecode32(t *testing.T) {
	var e TCPEStats
	cong := make(fixture, 72)
	cong.u32(8, 100)   // SndLimBytesRwin
	cong.u32(12, 12)   // SndLimTransCwnd
	cong.u32(20, 200)  // SndLimBytesCwnd
	cong.u32(32, 300)  // SndLimBytesSnd
	cong.u32(48, 5840) // CurCwnd: SlowStart at 36, CongAvoid 40, OtherReductions 44
	cong.u32(68, 1)    // MinSsthresh
	mustDecode(t, &e, EStatsSndCong, nil, cong, 4)
	if c := e.SndCong; c.SndLimBytesRwin != 100 || c.SndLimTransCwnd != 12 || c.SndLimBytesCwnd != 200 ||
		c.SndLimBytesSnd != 300 || c.CurCwnd != 5840 || c.MinSsthresh != 1 {
		t.Errorf("SndCong = %+v", c)
	}
	sb := fixture{1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0}
	mustDecode(t, &e, EStatsSendBuff, nil, sb, 4)
	if e.SendBuff != (SendBuff{1, 2, 3, 4}) {
		t.Errorf("SendBuff = %+v", e.SendBuff)
	}
	rec := make(fixture, 56)
	rec.u32(44, 9)  // CurAppRQueue
	rec.u32(48, 10) // MaxAppRQueue
	rec.u8(52, 7)   // WinScaleSent
	mustDecode(t, &e, EStatsRec, nil, rec, 4)
	if r := e.Rec; r.CurAppRQueue != 9 || r.MaxAppRQueue != 10 || r.WinScaleSent != 7 {
		t.Errorf("Rec = %+v", r)
	}
}

func mustDecode(t *testing.T, e *TCPEStats, typ EStatsType, ros, rod []byte, word int) {
	t.Helper()
	if err := e.Decode(typ, ros, rod, word); err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	if !e.Has.Has(typ) {
		t.Errorf("%s: not in Has after Decode", typ)
	}
}

// TestEStatsDecodeShort: a buffer one byte short of its structure, a
// short SndCong ROS, an unknown block or word size are malformed and
// leave the statistics as they were.
func TestEStatsDecodeShort(t *testing.T) {
	for typ := range estatsTypes {
		for _, word := range []int{4, 8} {
			n := RODLen(typ, word)
			if typ == EStatsSynOpts {
				n = ROSLen(typ)
			}
			e := TCPEStats{}
			short := make([]byte, n-1)
			err := e.Decode(typ, short, short, word)
			if !errors.Is(err, errs.ErrMalformed) || e != (TCPEStats{}) {
				t.Errorf("%s word %d, %d bytes: err %v, stats %+v", typ, word, n-1, err, e)
			}
		}
	}
	var e TCPEStats
	if err := e.Decode(EStatsSndCong, []byte{1, 2, 3}, make([]byte, 88), 8); !errors.Is(err, errs.ErrMalformed) || e.Has != 0 {
		t.Errorf("3-byte SndCong ROS: %v", err)
	}
	if err := e.Decode(estatsTypes, nil, make([]byte, 200), 8); !errors.Is(err, errs.ErrMalformed) {
		t.Errorf("unknown block: %v", err)
	}
	if err := e.Decode(EStatsPath, nil, make([]byte, 200), 2); !errors.Is(err, errs.ErrMalformed) {
		t.Errorf("word size 2: %v", err)
	}
}

func TestEStatsRW(t *testing.T) {
	for _, c := range []struct {
		typ  EStatsType
		rw   []byte
		want bool
		bad  bool
	}{
		{EStatsPath, []byte{0}, false, false},
		{EStatsPath, []byte{1}, true, false},
		{EStatsData, []byte{1, 0, 0}, true, false}, // padding after the BOOLEAN is ignored
		{EStatsBandwidth, []byte{0, 0, 0, 0, 1, 0, 0, 0}, true, false},
		{EStatsBandwidth, []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, false, false}, // Unchanged, Disabled
		{EStatsBandwidth, []byte{1, 0, 0, 0}, false, true},
		{EStatsPath, nil, false, true},
		{EStatsSynOpts, []byte{1}, false, true}, // no RW structure
	} {
		got, err := RWEnabled(c.typ, c.rw)
		if (err != nil) != c.bad || (err != nil && !errors.Is(err, errs.ErrMalformed)) || got != c.want {
			t.Errorf("RWEnabled(%s, %v) = %v, %v; want %v, error %v", c.typ, c.rw, got, err, c.want, c.bad)
		}
	}
	if on, err := RWEnabled(EStatsBandwidth, EnableRW(EStatsBandwidth)); !on || err != nil {
		t.Errorf("EnableRW(Bandwidth) does not read back as on: %v", err)
	}
	if EnableRW(EStatsSynOpts) != nil {
		t.Error("EnableRW(SynOpts) is not nil")
	}
}

func TestEStatsSet(t *testing.T) {
	s := EStatsSet(0).With(EStatsPath).With(EStatsData).With(estatsTypes)
	if !s.Has(EStatsPath) || !s.Has(EStatsData) || s.Has(EStatsRec) || s.Has(estatsTypes) || s.Len() != 2 {
		t.Errorf("set %b", s)
	}
	if EStatsFineRTT.String() != "FineRtt" || !strings.Contains(EStatsType(99).String(), "99") {
		t.Error("names")
	}
}

// TestEStatsError: each reason reads as one line, with the counts when
// some connections had statistics, and unwraps as documented.
func TestEStatsError(t *testing.T) {
	cause := errors.New("iphlpapi.dll has no GetPerTcpConnectionEStats")
	for _, c := range []struct {
		err         *EStatsError
		want        []string
		unsupported bool
	}{
		{&EStatsError{Reason: EStatsUnsupported, Missing: 3, Total: 3, Err: cause},
			[]string{"not available on this system", "has no GetPerTcpConnectionEStats"}, true},
		{&EStatsError{Reason: EStatsNeedsElevation, Missing: 37, Total: 40},
			[]string{"37 of 40 connections", "run as Administrator"}, false},
		{&EStatsError{Reason: EStatsNeedsElevation, Missing: 5, Total: 5},
			[]string{"of all 5 connections", "run as Administrator"}, false},
		{&EStatsError{Reason: EStatsNeedsElevation, Missing: 1, Total: 1},
			[]string{"of the one connection", "run as Administrator"}, false},
		{&EStatsError{Reason: EStatsOff}, []string{"of any connection"}, false},
		{&EStatsError{Reason: EStatsOff, Missing: 1, Total: 2}, []string{"1 of 2", "collection is off"}, false},
		{&EStatsError{Reason: EStatsFailed, Missing: 2, Total: 2, Err: cause}, []string{"could not be read", "has no"}, false},
	} {
		msg := c.err.Error()
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%q lacks %q", msg, w)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("%q is more than one line", msg)
		}
		if errors.Is(c.err, errors.ErrUnsupported) != c.unsupported {
			t.Errorf("%q: errors.Is(ErrUnsupported) = %v", msg, !c.unsupported)
		}
		if c.err.Err != nil && !errors.Is(c.err, cause) {
			t.Errorf("%q does not unwrap to its cause", msg)
		}
	}
}

// FuzzEStatsDecode: any bytes, any block, either word size: Decode never
// panics, succeeds exactly when the buffer holds the structure, and then
// marks the block read; RWEnabled never panics either.
func FuzzEStatsDecode(f *testing.F) {
	f.Add(uint8(EStatsPath), true, make([]byte, 160))     // a whole 64-bit Path block
	f.Add(uint8(EStatsSndCong), false, make([]byte, 72))  // SndCong, 32-bit
	f.Add(uint8(EStatsSynOpts), true, []byte{1, 0, 0, 0}) // SynOpts, short
	f.Add(uint8(EStatsBandwidth), true, make([]byte, 8))  // Bandwidth's RW, not its ROD
	f.Add(uint8(200), true, make([]byte, 300))            // no such block
	f.Fuzz(func(t *testing.T, typ uint8, wide bool, b []byte) {
		word := 4
		if wide {
			word = 8
		}
		bt := EStatsType(typ)
		var e TCPEStats
		err := e.Decode(bt, b, b, word)
		need := RODLen(bt, word)
		if bt == EStatsSynOpts {
			need = ROSLen(bt)
		}
		if bt == EStatsSndCong && len(b) < 4 {
			need = max(need, 4)
		}
		ok := bt < estatsTypes && len(b) >= need
		if (err == nil) != ok {
			t.Fatalf("block %s, word %d, %d bytes: err %v", bt, word, len(b), err)
		}
		if err != nil && !errors.Is(err, errs.ErrMalformed) {
			t.Fatalf("error not malformed: %v", err)
		}
		if ok != e.Has.Has(bt) {
			t.Fatalf("Has %b after Decode(%s) = %v", e.Has, bt, err)
		}
		_, _ = RWEnabled(bt, b)
	})
}
