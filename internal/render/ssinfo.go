package render

import (
	"net/netip"
	"strconv"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The text iproute2's ss 6.1 prints about a socket's internals: the info
// line of -i and -m (tcp_show_info, tcp_stats_print, print_skmeminfo in
// misc/ss.c), the timer of -o (tcp_timer_print) and the details of -e
// (sock_details_print), byte for byte. Numbers go through C's printf
// formats: %g is strconv's 'g' with precision 6, which makes the same
// choices (shortest of %e and %f, trailing zeros dropped, exponent of at
// least two digits).

// SSInfoOptions says which of ss's options shape the info text.
type SSInfoOptions struct {
	// Info is -i: the tcp_info fields and the congestion algorithm.
	Info bool
	// Memory is -m: skmem:(...) (or mem:(...) from older kernels).
	Memory bool
	// Options is -o or -e, which make ss print the negotiated options
	// (ts, sack, ecn, ecnseen, fastopen) before the algorithm.
	Options bool
	// Numeric is -n: rates in plain bits per second ("52428800000bps")
	// instead of "52.4Gbps".
	Numeric bool
	// MD5Keys writes each TCP-MD5 key after its "=" in md5keys:, escaped
	// as ss escapes it. ss 6.1 means to but writes the keys straight to
	// stdout, ahead of its whole table, leaving "=" empty on the info
	// line: without MD5Keys the line is ss's byte for byte, and
	// AppendSSMD5KeysAhead gives what ss writes ahead.
	MD5Keys bool
}

// SSInfoLine reports whether ss starts an info line ("\n\t", or a space
// with -O) for s: with -m for every inet socket, with -i for all but UDP
// ones, even when nothing follows (a TIME_WAIT socket under -i gets an
// empty one).
func SSInfoLine(s *sockets.Socket, o SSInfoOptions) bool {
	if s.Family == sockets.Local {
		return false
	}
	return o.Memory || o.Info && s.Proto != sockets.UDP && s.Proto != sockets.UDPLite
}

// AppendSSInfo appends what ss prints on a socket's info line after the
// "\n\t" (SSInfoLine says whether there is one): " skmem:(...)" with -m,
// then with -i, for a TCP socket with tcp_info, " ts sack cubic
// wscale:7,7 rto:204 rtt:0.05/0.025 ..." in ss's order, then its TCP-MD5
// keys (" md5keys:10.0.0.1/32=") and its upper layer protocol ("
// tcp-ulp-mptcp flags:Mec token:..."). Every item starts with a space, as
// in ss. It appends nothing for what the socket lacks (Internals nil, or
// parts the source did not fill).
func AppendSSInfo(b []byte, s *sockets.Socket, o SSInfoOptions) []byte {
	in := s.Internals
	if in == nil {
		return b
	}
	if o.Memory {
		b = AppendSSMemory(b, in)
	}
	// The kernel sends the MD5 keys and the ULP only to a request that
	// asked for tcp_info, which ss does with -i alone.
	if !o.Info || s.Proto != sockets.TCP {
		return b
	}
	if in.Has&sockets.HasTCPInfo != 0 {
		b = appendSSTCPStats(b, in, o)
	}
	if in.Has&sockets.HasMD5Sig != 0 && len(in.MD5Keys) > 0 {
		b = append(b, " md5keys:"...)
		for i := range in.MD5Keys {
			if i > 0 {
				b = append(b, ',')
			}
			k := &in.MD5Keys[i]
			b = appendSSMD5Host(b, k)
			b = append(b, '/')
			b = strconv.AppendUint(b, uint64(k.PrefixLen), 10)
			b = append(b, '=')
			if o.MD5Keys {
				b = appendSSEscaped(b, k.Key)
			}
		}
	}
	if in.Has&sockets.HasULP != 0 && in.ULP != nil {
		b = AppendSSULP(b, in.ULP)
	}
	return b
}

// AppendSSMD5KeysAhead appends what ss 6.1 -i writes to stdout for s's
// TCP-MD5 keys as it reads the socket, before its own table (which it
// writes at the end): each key escaped, nothing between them. An ss
// clone that must match ss byte for byte writes this, for every socket
// in listing order, ahead of its table.
func AppendSSMD5KeysAhead(b []byte, s *sockets.Socket, o SSInfoOptions) []byte {
	in := s.Internals
	if in == nil || !o.Info || s.Proto != sockets.TCP || in.Has&sockets.HasMD5Sig == 0 {
		return b
	}
	for i := range in.MD5Keys {
		b = appendSSEscaped(b, in.MD5Keys[i].Key)
	}
	return b
}

// appendSSMD5Host appends a key's address as ss's format_host without
// -r: inet_ntop's text for AF_INET and AF_INET6, "???" for another
// family (the kernel sends none).
func appendSSMD5Host(b []byte, k *sockets.MD5Key) []byte {
	const afInet, afInet6 = 2, 10
	switch {
	case k.Family == afInet:
		return k.Addr.AppendTo(b)
	case k.Family != afInet6:
		return append(b, "???"...)
	}
	// inet_ntop writes the old IPv4-compatible form ::a.b.c.d, which
	// netip does not.
	a := k.Addr.As16()
	if [12]byte(a[:12]) == [12]byte{} && (a[12] != 0 || a[13] != 0) {
		b = append(b, "::"...)
		return netip.AddrFrom4([4]byte(a[12:])).AppendTo(b)
	}
	return netip.AddrFrom16(a).AppendTo(b)
}

// appendSSEscaped appends a key as iproute2's print_escape_buf with the
// escapes " ,": printable ASCII as it is, a backslash, space, comma and
// every other byte as a backslash and three octal digits.
func appendSSEscaped(b, key []byte) []byte {
	for _, c := range key {
		if c > ' ' && c < 0x7f && c != '\\' && c != ',' {
			b = append(b, c)
			continue
		}
		b = append(b, '\\', '0'+c>>6, '0'+c>>3&7, '0'+c&7)
	}
	return b
}

// AppendSSULP appends ss 6.1's items for a TCP socket's upper layer
// protocol: " tcp-ulp-NAME", then kernel TLS's " version: 1.3 cipher:
// aes-gcm-128 rxconf: sw txconf: sw zc_ro_tx" or an MPTCP subflow's "
// flags:Mmec token:0000(id:0)/4007e976(id:0) seq:... sfseq:1 ssnoff:...
// maplen:bb8", each item only where the kernel sent its attribute.
func AppendSSULP(b []byte, u *sockets.ULPInfo) []byte {
	if u.Has(sockets.ULPAttrName) {
		b = append(b, " tcp-ulp-"...)
		b = append(b, u.Name...)
	}
	if u.Has(sockets.ULPAttrTLS) {
		b = appendSSTLS(b, &u.TLS)
	}
	if u.Has(sockets.ULPAttrMPTCP) {
		b = appendSSMPTCPSubflow(b, &u.MPTCP)
	}
	return b
}

// appendSSTLS appends tcp_show_info's TLS items.
func appendSSTLS(b []byte, t *sockets.TLSInfo) []byte {
	if t.Has(sockets.TLSAttrVersion) {
		switch t.Version {
		case sockets.TLSVersion12:
			b = append(b, " version: 1.2"...)
		case sockets.TLSVersion13:
			b = append(b, " version: 1.3"...)
		default:
			b = append(b, " version: unknown("...)
			b = strconv.AppendUint(b, uint64(t.Version), 10)
			b = append(b, ')')
		}
	}
	if t.Has(sockets.TLSAttrCipher) {
		// ss 6.1 names these two and prints nothing for the others.
		switch t.Cipher {
		case sockets.TLSCipherAESGCM128:
			b = append(b, " cipher: aes-gcm-128"...)
		case sockets.TLSCipherAESGCM256:
			b = append(b, " cipher: aes-gcm-256"...)
		}
	}
	if t.Has(sockets.TLSAttrRxConf) {
		b = appendSSTLSConf(b, " rxconf: ", t.RxConf)
	}
	if t.Has(sockets.TLSAttrTxConf) {
		b = appendSSTLSConf(b, " txconf: ", t.TxConf)
	}
	// TLS_INFO_RX_NO_PAD is beyond ss 6.1's TLS_INFO_MAX: it ignores it.
	if t.Has(sockets.TLSAttrZCRoTx) {
		b = append(b, " zc_ro_tx"...)
	}
	return b
}

// ssTLSConfNames are ss's names of TLS_CONF_* values.
var ssTLSConfNames = [...]string{sockets.TLSConfBase: "none", sockets.TLSConfSW: "sw", sockets.TLSConfHW: "hw", sockets.TLSConfHWRecord: "hw-record"}

// appendSSTLSConf appends " rxconf: sw" (label, then the name of v).
func appendSSTLSConf(b []byte, label string, v uint16) []byte {
	b = append(b, label...)
	if int(v) < len(ssTLSConfNames) && ssTLSConfNames[v] != "" {
		return append(b, ssTLSConfNames[v]...)
	}
	b = append(b, "unknown("...)
	b = strconv.AppendUint(b, uint64(v), 10)
	return append(b, ')')
}

// ssMPTCPFlagLetters are ss's letters of the MPTCP subflow flags, lowest
// bit first.
const ssMPTCPFlagLetters = "MmJjBbecv"

// appendSSMPTCPSubflow appends ss 6.1's mptcp_subflow_info items; it
// prints the sequence numbers and the mapping's length in hex.
func appendSSMPTCPSubflow(b []byte, m *sockets.MPTCPSubflowInfo) []byte {
	if m.Has(sockets.MPTCPAttrFlags) && m.Flags != 0 {
		b = append(b, " flags:"...)
		for i := range len(ssMPTCPFlagLetters) {
			if m.Flags&(1<<i) != 0 {
				b = append(b, ssMPTCPFlagLetters[i])
			}
		}
	}
	if m.Has(sockets.MPTCPAttrTokenRem) && m.Has(sockets.MPTCPAttrTokenLoc) &&
		m.Has(sockets.MPTCPAttrIDRem) && m.Has(sockets.MPTCPAttrIDLoc) {
		b = append(b, " token:"...)
		b = appendHex04(b, m.TokenRem)
		b = append(b, "(id:"...)
		b = strconv.AppendUint(b, uint64(m.IDRem), 10)
		b = append(b, ")/"...)
		b = appendHex04(b, m.TokenLoc)
		b = append(b, "(id:"...)
		b = strconv.AppendUint(b, uint64(m.IDLoc), 10)
		b = append(b, ')')
	}
	if m.Has(sockets.MPTCPAttrMapSeq) {
		b = append(b, " seq:"...)
		b = strconv.AppendUint(b, m.MapSeq, 16)
	}
	if m.Has(sockets.MPTCPAttrMapSfSeq) {
		b = append(b, " sfseq:"...)
		b = strconv.AppendUint(b, uint64(m.MapSfSeq), 16)
	}
	if m.Has(sockets.MPTCPAttrSSNOffset) {
		b = append(b, " ssnoff:"...)
		b = strconv.AppendUint(b, uint64(m.SSNOffset), 16)
	}
	if m.Has(sockets.MPTCPAttrMapDataLen) {
		b = append(b, " maplen:"...)
		b = strconv.AppendUint(b, uint64(m.MapDataLen), 16)
	}
	return b
}

// appendHex04 appends v as C's %04x.
func appendHex04(b []byte, v uint32) []byte {
	for n := uint32(0x1000); n > 1 && v < n; n >>= 4 {
		b = append(b, '0')
	}
	return strconv.AppendUint(b, uint64(v), 16)
}

// AppendSSMemory appends ss -m's memory item: " skmem:(r0,rb131072,t0,
// tb2626560,f0,w0,o0,bl0,d0)", without bl and d where the kernel did not
// send them, or " mem:(r0,w0,f0,t0)" from a kernel without
// INET_DIAG_SKMEMINFO; nothing without either.
func AppendSSMemory(b []byte, in *sockets.Internals) []byte {
	switch {
	case in.Has&sockets.HasSkMem != 0 && in.SkMem.N > sockets.SkMemOptMem:
		m := &in.SkMem
		b = append(b, " skmem:(r"...)
		b = strconv.AppendUint(b, uint64(m.RmemAlloc), 10)
		b = append(b, ",rb"...)
		b = strconv.AppendUint(b, uint64(m.RcvBuf), 10)
		b = append(b, ",t"...)
		b = strconv.AppendUint(b, uint64(m.WmemAlloc), 10)
		b = append(b, ",tb"...)
		b = strconv.AppendUint(b, uint64(m.SndBuf), 10)
		b = append(b, ",f"...)
		b = strconv.AppendUint(b, uint64(m.FwdAlloc), 10)
		b = append(b, ",w"...)
		b = strconv.AppendUint(b, uint64(m.WmemQueued), 10)
		b = append(b, ",o"...)
		b = strconv.AppendUint(b, uint64(m.OptMem), 10)
		if m.N > sockets.SkMemBacklog {
			b = append(b, ",bl"...)
			b = strconv.AppendUint(b, uint64(m.Backlog), 10)
		}
		if m.N > sockets.SkMemDrops {
			b = append(b, ",d"...)
			b = strconv.AppendUint(b, uint64(m.Drops), 10)
		}
		return append(b, ')')
	case in.Has&sockets.HasSkMem == 0 && in.Has&sockets.HasMemInfo != 0:
		m := &in.MemInfo
		b = append(b, " mem:(r"...)
		b = strconv.AppendUint(b, uint64(m.Rmem), 10)
		b = append(b, ",w"...)
		b = strconv.AppendUint(b, uint64(m.Wmem), 10)
		b = append(b, ",f"...)
		b = strconv.AppendUint(b, uint64(m.Fmem), 10)
		b = append(b, ",t"...)
		b = strconv.AppendUint(b, uint64(m.Tmem), 10)
		return append(b, ')')
	}
	return b
}

// appendG appends v as C's %g.
func appendG(b []byte, v float64) []byte { return strconv.AppendFloat(b, v, 'g', 6, 64) }

// appendSSBW appends a rate in bits per second as ss's sprint_bw: "%.0f"
// with -n, else "%.3g" with a T, G, M or k suffix.
func appendSSBW(b []byte, bw float64, numeric bool) []byte {
	switch {
	case numeric:
		return strconv.AppendFloat(b, bw, 'f', 0, 64)
	case bw >= 1e12:
		return append(strconv.AppendFloat(b, bw/1e12, 'g', 3, 64), 'T')
	case bw >= 1e9:
		return append(strconv.AppendFloat(b, bw/1e9, 'g', 3, 64), 'G')
	case bw >= 1e6:
		return append(strconv.AppendFloat(b, bw/1e6, 'g', 3, 64), 'M')
	case bw >= 1e3:
		return append(strconv.AppendFloat(b, bw/1e3, 'g', 3, 64), 'k')
	}
	return appendG(b, bw)
}

// appendKV appends " name:v" for an unsigned v.
func appendKV(b []byte, name string, v uint64) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, ':')
	return strconv.AppendUint(b, v, 10)
}

// appendKInt appends " name:v" with v printed as ss's %d of the u32
// (values of 2^31 and up print negative there).
func appendKInt(b []byte, name string, v uint32) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, ':')
	return strconv.AppendInt(b, int64(int32(v)), 10)
}

// appendSSTCPStats appends tcp_stats_print's items for a socket with
// tcp_info, with tcp_show_info's choices of what counts as unset. Like
// ss it reads a field beyond Len as the zero it is; a field the source
// names Missing is zero too, and so left out, except where ss prints a
// zero (reordering, the current count of retrans), which it must not.
func appendSSTCPStats(b []byte, in *sockets.Internals, o SSInfoOptions) []byte {
	t := &in.TCP
	if o.Options {
		if t.Options&sockets.OptTimestamps != 0 {
			b = append(b, " ts"...)
		}
		if t.Options&sockets.OptSACK != 0 {
			b = append(b, " sack"...)
		}
		if t.Options&sockets.OptECN != 0 {
			b = append(b, " ecn"...)
		}
		if t.Options&sockets.OptECNSeen != 0 {
			b = append(b, " ecnseen"...)
		}
		if t.Options&sockets.OptSynData != 0 {
			b = append(b, " fastopen"...)
		}
	}
	if in.Has&sockets.HasCongestion != 0 && in.Congestion != "" {
		// ss keeps at most 15 bytes of the name (char cong_alg[16]).
		name := in.Congestion
		if len(name) > 15 {
			name = name[:15]
		}
		b = append(b, ' ')
		b = append(b, name...)
	}
	if t.Options&sockets.OptWScale != 0 {
		b = append(b, " wscale:"...)
		b = strconv.AppendUint(b, uint64(t.SndWScale), 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, uint64(t.RcvWScale), 10)
	}
	if t.RTO != 0 && t.RTO != 3000000 {
		b = append(b, " rto:"...)
		b = appendG(b, float64(t.RTO)/1000)
	}
	if t.Backoff != 0 {
		b = appendKV(b, "backoff", uint64(t.Backoff))
	}
	if t.RTT != 0 {
		b = append(b, " rtt:"...)
		b = appendG(b, float64(t.RTT)/1000)
		b = append(b, '/')
		b = appendG(b, float64(t.RTTVar)/1000)
	}
	if t.ATO != 0 {
		b = append(b, " ato:"...)
		b = appendG(b, float64(t.ATO)/1000)
	}
	if t.SndMSS != 0 {
		b = appendKInt(b, "mss", t.SndMSS)
	}
	if t.PMTU != 0 {
		b = appendKV(b, "pmtu", uint64(t.PMTU))
	}
	if t.RcvMSS != 0 {
		b = appendKInt(b, "rcvmss", t.RcvMSS)
	}
	if t.AdvMSS != 0 {
		b = appendKInt(b, "advmss", t.AdvMSS)
	}
	if t.SndCwnd != 0 {
		b = appendKV(b, "cwnd", uint64(t.SndCwnd))
	}
	if t.SndSSThresh < 0xFFFF && t.SndSSThresh != 0 {
		b = appendKInt(b, "ssthresh", t.SndSSThresh)
	}
	for _, kv := range [...]struct {
		name string
		v    uint64
	}{
		{"bytes_sent", t.BytesSent}, {"bytes_retrans", t.BytesRetrans}, {"bytes_acked", t.BytesAcked},
		{"bytes_received", t.BytesReceived}, {"segs_out", uint64(t.SegsOut)}, {"segs_in", uint64(t.SegsIn)},
		{"data_segs_out", uint64(t.DataSegsOut)}, {"data_segs_in", uint64(t.DataSegsIn)},
	} {
		if kv.v != 0 {
			b = appendKV(b, kv.name, kv.v)
		}
	}
	if in.Has&sockets.HasDCTCP != 0 {
		d := &in.DCTCP
		if d.Enabled {
			b = appendKV(b, "dctcp:(ce_state", uint64(d.CEState))
			b = append(b, ",alpha:"...)
			b = strconv.AppendUint(b, uint64(d.Alpha), 10)
			b = append(b, ",ab_ecn:"...)
			b = strconv.AppendUint(b, uint64(d.ABECN), 10)
			b = append(b, ",ab_tot:"...)
			b = strconv.AppendUint(b, uint64(d.ABTot), 10)
			b = append(b, ')')
		} else {
			b = append(b, " dctcp:fallback_mode"...)
		}
	}
	if in.Has&sockets.HasBBR != 0 {
		r := &in.BBR
		b = append(b, " bbr:(bw:"...)
		b = appendSSBW(b, float64(r.BW)*8, o.Numeric)
		b = append(b, "bps,mrtt:"...)
		b = appendG(b, float64(r.MinRTT)/1000)
		if r.PacingGain != 0 {
			b = append(b, ",pacing_gain:"...)
			b = appendG(b, float64(r.PacingGain)/256)
		}
		if r.CwndGain != 0 {
			b = append(b, ",cwnd_gain:"...)
			b = appendG(b, float64(r.CwndGain)/256)
		}
		b = append(b, ')')
	}
	// ss computes the send rate from the vegas rtt where the module
	// gives one, else from tcp_info's.
	rtt := float64(t.RTT)
	if v := &in.Vegas; in.Has&sockets.HasVegas != 0 && v.Enabled && v.RTT != 0 && v.RTT != 0x7fffffff {
		rtt = float64(v.RTT)
	}
	if rtt > 0 && t.SndMSS != 0 && t.SndCwnd != 0 {
		b = append(b, " send "...)
		b = appendSSBW(b, float64(t.SndCwnd)*float64(t.SndMSS)*8000000/rtt, o.Numeric)
		b = append(b, "bps"...)
	}
	if t.LastDataSent != 0 {
		b = appendKV(b, "lastsnd", uint64(t.LastDataSent))
	}
	if t.LastDataRecv != 0 {
		b = appendKV(b, "lastrcv", uint64(t.LastDataRecv))
	}
	if t.LastAckRecv != 0 {
		b = appendKV(b, "lastack", uint64(t.LastAckRecv))
	}
	if t.PacingRate != 0 && t.PacingRate != ^uint64(0) {
		b = append(b, " pacing_rate "...)
		b = appendSSBW(b, float64(t.PacingRate)*8, o.Numeric)
		b = append(b, "bps"...)
		if t.MaxPacingRate != 0 && t.MaxPacingRate != ^uint64(0) {
			b = append(b, '/')
			b = appendSSBW(b, float64(t.MaxPacingRate)*8, o.Numeric)
			b = append(b, "bps"...)
		}
	}
	if t.DeliveryRate != 0 {
		b = append(b, " delivery_rate "...)
		b = appendSSBW(b, float64(t.DeliveryRate)*8, o.Numeric)
		b = append(b, "bps"...)
	}
	if t.Delivered != 0 {
		b = appendKV(b, "delivered", uint64(t.Delivered))
	}
	if t.DeliveredCE != 0 {
		b = appendKV(b, "delivered_ce", uint64(t.DeliveredCE))
	}
	if t.DeliveryRateAppLimited {
		b = append(b, " app_limited"...)
	}
	if t.BusyTime != 0 {
		b = append(b, " busy:"...)
		b = strconv.AppendUint(b, t.BusyTime/1000, 10)
		b = append(b, "ms"...)
		if t.RwndLimited != 0 {
			b = appendLimited(b, " rwnd_limited:", t.RwndLimited, t.BusyTime)
		}
		if t.SndbufLimited != 0 {
			b = appendLimited(b, " sndbuf_limited:", t.SndbufLimited, t.BusyTime)
		}
	}
	if t.Unacked != 0 {
		b = appendKV(b, "unacked", uint64(t.Unacked))
	}
	if t.Retrans != 0 || t.TotalRetrans != 0 {
		// A source without the current retransmissions (Windows counts
		// only the total) gets netstat's "-" there, not a 0.
		b = append(b, " retrans:"...)
		if t.Missing.Has(sockets.TCPFieldRetrans) {
			b = append(b, '-')
		} else {
			b = strconv.AppendUint(b, uint64(t.Retrans), 10)
		}
		b = append(b, '/')
		b = strconv.AppendUint(b, uint64(t.TotalRetrans), 10)
	}
	if t.Lost != 0 {
		b = appendKV(b, "lost", uint64(t.Lost))
	}
	if t.Sacked != 0 && sockets.State(t.State) != sockets.Listen {
		b = appendKV(b, "sacked", uint64(t.Sacked))
	}
	if t.DSACKDups != 0 {
		b = appendKV(b, "dsack_dups", uint64(t.DSACKDups))
	}
	if t.Fackets != 0 {
		b = appendKV(b, "fackets", uint64(t.Fackets))
	}
	if t.Reordering != 3 && !t.Missing.Has(sockets.TCPFieldReordering) {
		b = appendKInt(b, "reordering", t.Reordering)
	}
	if t.ReordSeen != 0 {
		b = appendKInt(b, "reord_seen", t.ReordSeen)
	}
	if t.RcvRTT != 0 {
		b = append(b, " rcv_rtt:"...)
		b = appendG(b, float64(t.RcvRTT)/1000)
	}
	if t.RcvSpace != 0 {
		b = appendKInt(b, "rcv_space", t.RcvSpace)
	}
	if t.RcvSSThresh != 0 {
		b = appendKV(b, "rcv_ssthresh", uint64(t.RcvSSThresh))
	}
	if t.NotsentBytes != 0 {
		b = appendKV(b, "notsent", uint64(t.NotsentBytes))
	}
	if t.MinRTT != 0 && t.MinRTT != ^uint32(0) {
		b = append(b, " minrtt:"...)
		b = appendG(b, float64(t.MinRTT)/1000)
	}
	if t.RcvOOOPack != 0 {
		b = appendKV(b, "rcv_ooopack", uint64(t.RcvOOOPack))
	}
	if t.SndWnd != 0 {
		b = appendKV(b, "snd_wnd", uint64(t.SndWnd))
	}
	return b
}

// appendLimited appends " rwnd_limited:12ms(3.4%)".
func appendLimited(b []byte, label string, v, busy uint64) []byte {
	b = append(b, label...)
	b = strconv.AppendUint(b, v/1000, 10)
	b = append(b, "ms("...)
	b = strconv.AppendFloat(b, 100*float64(v)/float64(busy), 'f', 1, 64)
	return append(b, "%)"...)
}

// ssTimerNames are tcp_timer_print's names by kernel timer code.
var ssTimerNames = [...]string{"off", "on", "keepalive", "timewait", "persist", "unknown"}

// AppendSSTimer appends ss -o's timer item, " timer:(keepalive,119min,0)":
// the kind, the time left as print_ms_timer writes it, and idiag_retrans
// (the retransmissions, or the probes of a keepalive or zero window probe
// timer). It appends nothing for a socket with no timer pending or whose
// source reports none.
func AppendSSTimer(b []byte, s *sockets.Socket) []byte {
	t := &s.Timer
	code := t.Kind.Code()
	if code <= 0 {
		return b
	}
	b = append(b, " timer:("...)
	b = append(b, ssTimerNames[min(code, len(ssTimerNames)-1)]...)
	b = append(b, ',')
	b = AppendSSMsTimer(b, t.Expires)
	b = append(b, ',')
	n := t.Retrans
	if t.Kind == sockets.TimerKeepalive || t.Kind == sockets.TimerProbe {
		n = t.Probes
	}
	b = strconv.AppendUint(b, uint64(n), 10)
	return append(b, ')')
}

// AppendSSMsTimer appends a time in milliseconds as ss 6.1's
// print_ms_timer: "119min", "1min30", "12sec", "1.500ms", "050ms", and
// nothing for 0. Minutes drop the milliseconds, ten minutes and more the
// seconds, ten seconds and more the milliseconds.
func AppendSSMsTimer(b []byte, ms uint32) []byte {
	secs := ms / 1000
	minutes := secs / 60
	secs %= 60
	msecs := ms % 1000
	if minutes != 0 {
		msecs = 0
		b = strconv.AppendUint(b, uint64(minutes), 10)
		b = append(b, "min"...)
		if minutes > 9 {
			secs = 0
		}
	}
	if secs != 0 {
		if secs > 9 {
			msecs = 0
		}
		b = strconv.AppendUint(b, uint64(secs), 10)
		if msecs != 0 {
			b = append(b, '.')
		} else {
			b = append(b, "sec"...)
		}
	}
	if msecs != 0 {
		if msecs < 100 {
			b = append(b, '0')
		}
		if msecs < 10 {
			b = append(b, '0')
		}
		b = strconv.AppendUint(b, uint64(msecs), 10)
		b = append(b, "ms"...)
	}
	return b
}
