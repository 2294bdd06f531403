package filter

import (
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The fields of a socket's tcp_info the language compares (rtt > 100ms,
// retrans > 0, cwnd < 10). They need the kernel to send tcp_info, which it
// does only when asked: a Plan with one says so in NeedsInternals. A
// socket without tcp_info (UDP, raw, unix, TIME_WAIT and request sockets,
// a source that has none), whose kernel's struct is too old for the
// field, or whose source cannot tell the field (Windows has no ato, no
// lost or sacked segments, ...) matches no comparison on it.

// unit is how a tcp_info field's value is written.
type unit uint8

const (
	unitCount    unit = iota // a plain number
	unitDuration             // microseconds; written with us, ms, s (plain: ms)
	unitRate                 // bits per second; written with k, M, G, T and an optional bps
)

// tcpField describes one tcp_info field: its keyword, unit, the field of
// TCPInfo (its presence) and its value.
type tcpField struct {
	name  string
	unit  unit
	field sockets.TCPField
	value func(t *sockets.TCPInfo) (uint64, bool)
}

// The tcp_info fields, after the fields of ast.go.
const (
	FieldRTT Field = fieldPlainEnd + iota
	FieldRTTVar
	FieldRTO
	FieldATO
	FieldMinRTT
	FieldRcvRTT
	FieldLastSnd
	FieldLastRcv
	FieldLastAck
	FieldBusy
	FieldRetrans
	FieldTotalRetrans
	FieldLost
	FieldUnacked
	FieldSacked
	FieldBackoff
	FieldCwnd
	FieldSSThresh
	FieldMSS
	FieldRcvMSS
	FieldAdvMSS
	FieldPMTU
	FieldReordering
	FieldReordSeen
	FieldDSACKDups
	FieldRcvOOOPack
	FieldBytesSent
	FieldBytesRetrans
	FieldBytesAcked
	FieldBytesReceived
	FieldSegsOut
	FieldSegsIn
	FieldDataSegsOut
	FieldDataSegsIn
	FieldDelivered
	FieldDeliveryRate
	FieldPacingRate
	FieldNotsent
	FieldSndWnd
	FieldRcvWnd
	FieldRcvSpace
	FieldRcvSSThresh
	fieldEnd
)

func u32(v uint32) (uint64, bool) { return uint64(v), true }

// sample is a measured value the kernel reports as 0 until it has a
// sample (a listener's or an unanswered SYN's rtt): unknown then, as ss,
// which leaves it out of its info line, has it.
func sample(v uint32) (uint64, bool) { return uint64(v), v != 0 }

// tcpFields are the tcp_info fields by Field - FieldRTT.
var tcpFields = [...]tcpField{
	{"rtt", unitDuration, sockets.TCPFieldRTT, func(t *sockets.TCPInfo) (uint64, bool) { return sample(t.RTT) }},
	{"rttvar", unitDuration, sockets.TCPFieldRTTVar, func(t *sockets.TCPInfo) (uint64, bool) { return sample(t.RTTVar) }},
	{"rto", unitDuration, sockets.TCPFieldRTO, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.RTO) }},
	{"ato", unitDuration, sockets.TCPFieldATO, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.ATO) }},
	{"minrtt", unitDuration, sockets.TCPFieldMinRTT, func(t *sockets.TCPInfo) (uint64, bool) { return uint64(t.MinRTT), t.MinRTT != ^uint32(0) }},
	{"rcv_rtt", unitDuration, sockets.TCPFieldRcvRTT, func(t *sockets.TCPInfo) (uint64, bool) { return sample(t.RcvRTT) }},
	{"lastsnd", unitDuration, sockets.TCPFieldLastDataSent, func(t *sockets.TCPInfo) (uint64, bool) { return uint64(t.LastDataSent) * 1000, true }},
	{"lastrcv", unitDuration, sockets.TCPFieldLastDataRecv, func(t *sockets.TCPInfo) (uint64, bool) { return uint64(t.LastDataRecv) * 1000, true }},
	{"lastack", unitDuration, sockets.TCPFieldLastAckRecv, func(t *sockets.TCPInfo) (uint64, bool) { return uint64(t.LastAckRecv) * 1000, true }},
	{"busy", unitDuration, sockets.TCPFieldBusyTime, func(t *sockets.TCPInfo) (uint64, bool) { return t.BusyTime, true }},
	{"retrans", unitCount, sockets.TCPFieldRetrans, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.Retrans) }},
	{"total_retrans", unitCount, sockets.TCPFieldTotalRetrans, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.TotalRetrans) }},
	{"lost", unitCount, sockets.TCPFieldLost, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.Lost) }},
	{"unacked", unitCount, sockets.TCPFieldUnacked, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.Unacked) }},
	{"sacked", unitCount, sockets.TCPFieldSacked, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.Sacked) }},
	{"backoff", unitCount, sockets.TCPFieldBackoff, func(t *sockets.TCPInfo) (uint64, bool) { return uint64(t.Backoff), true }},
	{"cwnd", unitCount, sockets.TCPFieldSndCwnd, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.SndCwnd) }},
	{"ssthresh", unitCount, sockets.TCPFieldSndSSThresh, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.SndSSThresh) }},
	{"mss", unitCount, sockets.TCPFieldSndMSS, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.SndMSS) }},
	{"rcvmss", unitCount, sockets.TCPFieldRcvMSS, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.RcvMSS) }},
	{"advmss", unitCount, sockets.TCPFieldAdvMSS, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.AdvMSS) }},
	{"pmtu", unitCount, sockets.TCPFieldPMTU, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.PMTU) }},
	{"reordering", unitCount, sockets.TCPFieldReordering, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.Reordering) }},
	{"reord_seen", unitCount, sockets.TCPFieldReordSeen, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.ReordSeen) }},
	{"dsack_dups", unitCount, sockets.TCPFieldDSACKDups, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.DSACKDups) }},
	{"rcv_ooopack", unitCount, sockets.TCPFieldRcvOOOPack, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.RcvOOOPack) }},
	{"bytes_sent", unitCount, sockets.TCPFieldBytesSent, func(t *sockets.TCPInfo) (uint64, bool) { return t.BytesSent, true }},
	{"bytes_retrans", unitCount, sockets.TCPFieldBytesRetrans, func(t *sockets.TCPInfo) (uint64, bool) { return t.BytesRetrans, true }},
	{"bytes_acked", unitCount, sockets.TCPFieldBytesAcked, func(t *sockets.TCPInfo) (uint64, bool) { return t.BytesAcked, true }},
	{"bytes_received", unitCount, sockets.TCPFieldBytesReceived, func(t *sockets.TCPInfo) (uint64, bool) { return t.BytesReceived, true }},
	{"segs_out", unitCount, sockets.TCPFieldSegsOut, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.SegsOut) }},
	{"segs_in", unitCount, sockets.TCPFieldSegsIn, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.SegsIn) }},
	{"data_segs_out", unitCount, sockets.TCPFieldDataSegsOut, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.DataSegsOut) }},
	{"data_segs_in", unitCount, sockets.TCPFieldDataSegsIn, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.DataSegsIn) }},
	{"delivered", unitCount, sockets.TCPFieldDelivered, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.Delivered) }},
	{"delivery_rate", unitRate, sockets.TCPFieldDeliveryRate, func(t *sockets.TCPInfo) (uint64, bool) {
		if t.DeliveryRate == 0 {
			return 0, false // no sample yet
		}
		return mul8(t.DeliveryRate)
	}},
	{"pacing_rate", unitRate, sockets.TCPFieldPacingRate, func(t *sockets.TCPInfo) (uint64, bool) {
		if t.PacingRate == ^uint64(0) {
			return 0, false // unlimited
		}
		return mul8(t.PacingRate)
	}},
	{"notsent", unitCount, sockets.TCPFieldNotsentBytes, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.NotsentBytes) }},
	{"snd_wnd", unitCount, sockets.TCPFieldSndWnd, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.SndWnd) }},
	{"rcv_wnd", unitCount, sockets.TCPFieldRcvWnd, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.RcvWnd) }},
	{"rcv_space", unitCount, sockets.TCPFieldRcvSpace, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.RcvSpace) }},
	{"rcv_ssthresh", unitCount, sockets.TCPFieldRcvSSThresh, func(t *sockets.TCPInfo) (uint64, bool) { return u32(t.RcvSSThresh) }},
}

// tcpAliases are other spellings of tcp_info fields; the canonical print
// uses the names of tcpFields.
var tcpAliases = map[string]Field{
	"retrans_total": FieldTotalRetrans,
	"min_rtt":       FieldMinRTT,
	"snd_cwnd":      FieldCwnd,
	"snd_ssthresh":  FieldSSThresh,
	"snd_mss":       FieldMSS,
	"rcv_mss":       FieldRcvMSS,
	"notsent_bytes": FieldNotsent,
}

// mul8 turns bytes per second into bits per second, saturating.
func mul8(v uint64) (uint64, bool) {
	if v > ^uint64(0)/8 {
		return ^uint64(0), true
	}
	return v * 8, true
}

// tcpInfo returns the tcp_info field f describes, or nil.
func (f Field) tcpInfo() *tcpField {
	if f >= FieldRTT && f < fieldEnd {
		return &tcpFields[f-FieldRTT]
	}
	return nil
}

// tcpValue returns the value of tcp_info field tf for s, and false if s
// has no tcp_info or its source did not fill the field (a kernel's
// struct too old for it, an OS without it).
func tcpValue(tf *tcpField, s *sockets.Socket) (uint64, bool) {
	in := s.Internals
	if in == nil || in.Has&sockets.HasTCPInfo == 0 || !in.TCP.Known(tf.field) {
		return 0, false
	}
	return tf.value(&in.TCP)
}

// parseUnitValue parses the value of a tcp_info field: a duration
// ("100ms", "1.5s", "250us", "2" = 2ms) to microseconds, a rate ("10M",
// "1.5Gbps", "800kbps", "1000") to bits per second, a count as a plain
// number.
func parseUnitValue(u unit, text string) (uint64, string) {
	switch u {
	case unitDuration:
		num, mult := text, uint64(1000)
		for _, sfx := range [...]struct {
			s string
			m uint64
		}{{"us", 1}, {"µs", 1}, {"ms", 1000}, {"s", 1000000}} {
			if n, ok := strings.CutSuffix(text, sfx.s); ok {
				num, mult = n, sfx.m
				break
			}
		}
		v, ok := scaled(num, mult)
		if !ok {
			return 0, "expected a duration (100ms, 1.5s, 250us; a plain number is milliseconds)"
		}
		return v, ""
	case unitRate:
		num := strings.TrimSuffix(text, "bps")
		mult := uint64(1)
		if n := len(num); n > 0 {
			switch num[n-1] {
			case 'k', 'K':
				mult = 1e3
			case 'M':
				mult = 1e6
			case 'G':
				mult = 1e9
			case 'T':
				mult = 1e12
			}
			if mult != 1 {
				num = num[:n-1]
			}
		}
		v, ok := scaled(num, mult)
		if !ok {
			return 0, "expected a rate in bits per second (10M, 1.5Gbps, 800kbps)"
		}
		return v, ""
	}
	v, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return 0, "expected a number"
	}
	return v, ""
}

// scaled parses a decimal number with an optional fraction and multiplies
// it by mult; the result must be a whole number that fits 64 bits.
func scaled(num string, mult uint64) (uint64, bool) {
	whole, frac, _ := strings.Cut(num, ".")
	if whole == "" && frac == "" || strings.ContainsAny(whole, "+-") {
		return 0, false
	}
	w := uint64(0)
	if whole != "" {
		var err error
		if w, err = strconv.ParseUint(whole, 10, 64); err != nil {
			return 0, false
		}
	}
	if w > ^uint64(0)/mult {
		return 0, false
	}
	v := w * mult
	// The fraction: each digit scales down mult by ten; a digit left
	// over at a scale below 1 must be 0.
	m := mult
	for _, c := range []byte(frac) {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if m < 10 {
			if d != 0 {
				return 0, false
			}
			continue
		}
		m /= 10
		if v > ^uint64(0)-d*m {
			return 0, false
		}
		v += d * m
	}
	return v, true
}

// formatUnitValue writes a value of a tcp_info field so that it parses
// back to the same value: durations in the largest of s, ms, us that
// divides them, rates with the largest of T, G, M, k and bps.
func formatUnitValue(u unit, v uint64) string {
	switch u {
	case unitDuration:
		switch {
		case v != 0 && v%1000000 == 0:
			return strconv.FormatUint(v/1000000, 10) + "s"
		case v%1000 == 0:
			return strconv.FormatUint(v/1000, 10) + "ms"
		}
		return strconv.FormatUint(v, 10) + "us"
	case unitRate:
		for _, sfx := range [...]struct {
			s string
			m uint64
		}{{"T", 1e12}, {"G", 1e9}, {"M", 1e6}, {"k", 1e3}} {
			if v != 0 && v%sfx.m == 0 {
				return strconv.FormatUint(v/sfx.m, 10) + sfx.s + "bps"
			}
		}
		return strconv.FormatUint(v, 10) + "bps"
	}
	return strconv.FormatUint(v, 10)
}
