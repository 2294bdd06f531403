package render

import (
	"strconv"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The JSON of a socket's internals (sockets.Internals): tcp_info,
// congestion, skmem and the small attributes, each present only when the
// source filled it, every tcp_info field only when the kernel's struct
// reached it. Units are in the names. docs/json.md lists them.

// caStateNames are the names of tcpi_ca_state (enum tcp_ca_state).
var caStateNames = [...]string{"open", "disorder", "cwr", "recovery", "loss"}

// tcpOptionNames are the names of the tcpi_options bits, lowest first.
var tcpOptionNames = [...]string{"ts", "sack", "wscale", "ecn", "ecn_seen", "syn_data", "usec_ts", "tfo_child"}

// jsonFields appends "name":value pairs after a first one.
type jsonFields struct{ b []byte }

func (f *jsonFields) key(name string) {
	if f.b[len(f.b)-1] != '{' {
		f.b = append(f.b, ',')
	}
	f.b = append(f.b, '"')
	f.b = append(f.b, name...)
	f.b = append(f.b, `":`...)
}

func (f *jsonFields) uint(name string, v uint64) {
	f.key(name)
	f.b = strconv.AppendUint(f.b, v, 10)
}

func (f *jsonFields) bool(name string, v bool) {
	f.key(name)
	f.b = strconv.AppendBool(f.b, v)
}

// appendInternalsJSON appends the internals' fields of a socket object,
// each preceded by a comma.
func appendInternalsJSON(b []byte, in *sockets.Internals) []byte {
	if in.Has&sockets.HasTCPInfo != 0 {
		b = append(b, `,"tcp_info":`...)
		b = appendTCPInfoJSON(b, &in.TCP)
	}
	if in.Has&(sockets.HasCongestion|sockets.HasBBR|sockets.HasDCTCP|sockets.HasVegas) != 0 {
		b = append(b, `,"congestion":{`...)
		f := jsonFields{b}
		if in.Has&sockets.HasCongestion != 0 {
			f.key("algorithm")
			f.b = AppendJSONString(f.b, in.Congestion)
		}
		if in.Has&sockets.HasBBR != 0 {
			r := &in.BBR
			f.key("bbr")
			f.b = append(f.b, '{')
			f.uint("bw_bytes_per_s", r.BW)
			f.uint("min_rtt_us", uint64(r.MinRTT))
			f.key("pacing_gain")
			f.b = strconv.AppendFloat(f.b, float64(r.PacingGain)/256, 'f', -1, 64)
			f.key("cwnd_gain")
			f.b = strconv.AppendFloat(f.b, float64(r.CwndGain)/256, 'f', -1, 64)
			f.b = append(f.b, '}')
		}
		if in.Has&sockets.HasDCTCP != 0 {
			d := &in.DCTCP
			f.key("dctcp")
			f.b = append(f.b, '{')
			f.bool("enabled", d.Enabled)
			f.uint("ce_state", uint64(d.CEState))
			f.uint("alpha", uint64(d.Alpha))
			f.uint("ab_ecn_bytes", uint64(d.ABECN))
			f.uint("ab_tot_bytes", uint64(d.ABTot))
			f.b = append(f.b, '}')
		}
		if in.Has&sockets.HasVegas != 0 {
			v := &in.Vegas
			f.key("vegas")
			f.b = append(f.b, '{')
			f.bool("enabled", v.Enabled)
			f.uint("rtt_count", uint64(v.RTTCnt))
			f.uint("rtt_us", uint64(v.RTT))
			f.uint("min_rtt_us", uint64(v.MinRTT))
			f.b = append(f.b, '}')
		}
		b = append(f.b, '}')
	}
	switch {
	case in.Has&sockets.HasSkMem != 0:
		m := &in.SkMem
		b = append(b, `,"skmem":{`...)
		f := jsonFields{b}
		for i, v := range [...]struct {
			name string
			v    uint32
		}{
			{"rmem_alloc", m.RmemAlloc}, {"rcvbuf", m.RcvBuf}, {"wmem_alloc", m.WmemAlloc}, {"sndbuf", m.SndBuf},
			{"fwd_alloc", m.FwdAlloc}, {"wmem_queued", m.WmemQueued}, {"optmem", m.OptMem}, {"backlog", m.Backlog},
			{"drops", m.Drops},
		} {
			if i < int(m.N) {
				f.uint(v.name, uint64(v.v))
			}
		}
		b = append(f.b, '}')
	case in.Has&sockets.HasMemInfo != 0:
		m := &in.MemInfo
		b = append(b, `,"skmem":{`...)
		f := jsonFields{b}
		f.uint("rmem_alloc", uint64(m.Rmem))
		f.uint("wmem_alloc", uint64(m.Tmem))
		f.uint("fwd_alloc", uint64(m.Fmem))
		f.uint("wmem_queued", uint64(m.Wmem))
		b = append(f.b, '}')
	}
	for _, v := range [...]struct {
		part sockets.InternalsPart
		name string
		v    uint64
	}{
		{sockets.HasTOS, "tos", uint64(in.TOS)}, {sockets.HasTClass, "tclass", uint64(in.TClass)},
		{sockets.HasClassID, "class_id", uint64(in.ClassID)}, {sockets.HasMark, "mark", uint64(in.Mark)},
		{sockets.HasCgroupID, "cgroup_id", in.CgroupID}, {sockets.HasShutdown, "shutdown", uint64(in.Shutdown)},
	} {
		if in.Has&v.part != 0 {
			b = append(b, ',', '"')
			b = append(b, v.name...)
			b = append(b, '"', ':')
			b = strconv.AppendUint(b, v.v, 10)
		}
	}
	if in.Has&sockets.HasV6Only != 0 {
		b = append(b, `,"v6only":`...)
		b = strconv.AppendBool(b, in.V6Only)
	}
	if in.Has&sockets.HasULP != 0 && in.ULP != nil {
		b = append(b, `,"ulp":`...)
		b = appendULPJSON(b, in.ULP)
	}
	if in.Has&sockets.HasMD5Sig != 0 {
		b = append(b, `,"md5keys":[`...)
		for i := range in.MD5Keys {
			k := &in.MD5Keys[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"address":"`...)
			b = appendSSMD5Host(b, k)
			b = append(b, `","prefix_len":`...)
			b = strconv.AppendUint(b, uint64(k.PrefixLen), 10)
			b = append(b, `,"key_len":`...)
			b = strconv.AppendInt(b, int64(len(k.Key)), 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return b
}

// jsonTLSCiphers are the names of the TLS_CIPHER_* values from 51 on.
var jsonTLSCiphers = [...]string{"aes-gcm-128", "aes-gcm-256", "aes-ccm-128", "chacha20-poly1305",
	"sm4-gcm", "sm4-ccm", "aria-gcm-128", "aria-gcm-256"}

// jsonMPTCPFlags are the names of the MPTCP subflow flags, lowest bit
// first.
var jsonMPTCPFlags = [...]string{"mcap_rem", "mcap_loc", "join_rem", "join_loc", "backup_rem", "backup_loc",
	"fully_established", "connected", "map_valid"}

// appendJSONNamed appends names[v-base] as a JSON string, or "what(v)"
// for a value without a name.
func appendJSONNamed(b []byte, names []string, base int, v uint16, what string) []byte {
	if i := int(v) - base; i >= 0 && i < len(names) && names[i] != "" {
		return AppendJSONString(b, names[i])
	}
	return AppendJSONString(b, what+"("+strconv.Itoa(int(v))+")")
}

// appendULPJSON appends the ulp object: the ULP's name, and the tls or
// mptcp object of what it reported, each field only where the kernel
// sent it.
func appendULPJSON(b []byte, u *sockets.ULPInfo) []byte {
	b = append(b, '{')
	f := jsonFields{b}
	if u.Has(sockets.ULPAttrName) {
		f.key("name")
		f.b = AppendJSONString(f.b, u.Name)
	}
	if t := &u.TLS; u.Has(sockets.ULPAttrTLS) {
		f.key("tls")
		f.b = append(f.b, '{')
		if t.Has(sockets.TLSAttrVersion) {
			f.key("version")
			f.b = appendJSONNamed(f.b, []string{"1.2", "1.3"}, sockets.TLSVersion12, t.Version, "version")
		}
		if t.Has(sockets.TLSAttrCipher) {
			f.key("cipher")
			f.b = appendJSONNamed(f.b, jsonTLSCiphers[:], sockets.TLSCipherAESGCM128, t.Cipher, "cipher")
		}
		if t.Has(sockets.TLSAttrRxConf) {
			f.key("rxconf")
			f.b = appendJSONNamed(f.b, ssTLSConfNames[:], 0, t.RxConf, "conf")
		}
		if t.Has(sockets.TLSAttrTxConf) {
			f.key("txconf")
			f.b = appendJSONNamed(f.b, ssTLSConfNames[:], 0, t.TxConf, "conf")
		}
		if t.Has(sockets.TLSAttrZCRoTx) {
			f.bool("zc_ro_tx", true)
		}
		if t.Has(sockets.TLSAttrRxNoPad) {
			f.bool("rx_no_pad", true)
		}
		f.b = append(f.b, '}')
	}
	if m := &u.MPTCP; u.Has(sockets.ULPAttrMPTCP) {
		f.key("mptcp")
		f.b = append(f.b, '{')
		u32 := func(name string, a sockets.MPTCPSubflowAttr, v uint64) {
			if m.Has(a) {
				f.uint(name, v)
			}
		}
		if m.Has(sockets.MPTCPAttrFlags) {
			f.key("flags")
			f.b = append(f.b, '[')
			first := true
			for i := range 32 {
				if m.Flags&(1<<i) == 0 {
					continue
				}
				if !first {
					f.b = append(f.b, ',')
				}
				first = false
				if i < len(jsonMPTCPFlags) {
					f.b = AppendJSONString(f.b, jsonMPTCPFlags[i])
				} else {
					f.b = AppendJSONString(f.b, "flag("+strconv.Itoa(1<<i)+")")
				}
			}
			f.b = append(f.b, ']')
		}
		u32("token_rem", sockets.MPTCPAttrTokenRem, uint64(m.TokenRem))
		u32("token_loc", sockets.MPTCPAttrTokenLoc, uint64(m.TokenLoc))
		u32("id_rem", sockets.MPTCPAttrIDRem, uint64(m.IDRem))
		u32("id_loc", sockets.MPTCPAttrIDLoc, uint64(m.IDLoc))
		u32("rel_write_seq", sockets.MPTCPAttrRelWriteSeq, uint64(m.RelWriteSeq))
		u32("map_seq", sockets.MPTCPAttrMapSeq, m.MapSeq)
		u32("map_sfseq", sockets.MPTCPAttrMapSfSeq, uint64(m.MapSfSeq))
		u32("ssn_offset", sockets.MPTCPAttrSSNOffset, uint64(m.SSNOffset))
		u32("map_data_len", sockets.MPTCPAttrMapDataLen, uint64(m.MapDataLen))
		f.b = append(f.b, '}')
	}
	return append(f.b, '}')
}

// appendTCPInfoJSON appends tcp_info as an object of the fields the
// source filled (t.Known): those the kernel's struct reached (t.Len),
// less those the source could not tell (t.Missing).
func appendTCPInfoJSON(b []byte, t *sockets.TCPInfo) []byte {
	b = append(b, '{')
	f := jsonFields{b}
	u := func(name string, fld sockets.TCPField, v uint64) {
		if t.Known(fld) {
			f.uint(name, v)
		}
	}
	if t.Known(sockets.TCPFieldCAState) {
		f.key("ca_state")
		if int(t.CAState) < len(caStateNames) {
			f.b = AppendJSONString(f.b, caStateNames[t.CAState])
		} else {
			f.b = AppendJSONString(f.b, "ca_state("+strconv.Itoa(int(t.CAState))+")")
		}
	}
	u("retransmits", sockets.TCPFieldRetransmits, uint64(t.Retransmits))
	u("probes", sockets.TCPFieldProbes, uint64(t.Probes))
	u("backoff", sockets.TCPFieldBackoff, uint64(t.Backoff))
	// options lists the bits set among those the source knows; a source
	// that knows only some names the others in options_unknown, so that
	// a bit left out of options is one the connection does not have.
	var known, unknown sockets.TCPInfoOption
	for i := range tcpOptionNames {
		if t.Known(sockets.TCPFieldOptTimestamps + sockets.TCPField(i)) {
			known |= 1 << i
		} else {
			unknown |= 1 << i
		}
	}
	if known != 0 {
		f.key("options")
		f.b = appendOptionNames(f.b, t.Options&known)
		if unknown != 0 {
			f.key("options_unknown")
			f.b = appendOptionNames(f.b, unknown)
		}
	}
	u("snd_wscale", sockets.TCPFieldSndWScale, uint64(t.SndWScale))
	u("rcv_wscale", sockets.TCPFieldRcvWScale, uint64(t.RcvWScale))
	if t.Known(sockets.TCPFieldDeliveryRateAppLimited) {
		f.bool("delivery_rate_app_limited", t.DeliveryRateAppLimited)
	}
	u("fastopen_client_fail", sockets.TCPFieldFastOpenClientFail, uint64(t.FastOpenClientFail))
	u("rto_us", sockets.TCPFieldRTO, uint64(t.RTO))
	u("ato_us", sockets.TCPFieldATO, uint64(t.ATO))
	u("snd_mss", sockets.TCPFieldSndMSS, uint64(t.SndMSS))
	u("rcv_mss", sockets.TCPFieldRcvMSS, uint64(t.RcvMSS))
	u("unacked", sockets.TCPFieldUnacked, uint64(t.Unacked))
	u("sacked", sockets.TCPFieldSacked, uint64(t.Sacked))
	u("lost", sockets.TCPFieldLost, uint64(t.Lost))
	u("retrans", sockets.TCPFieldRetrans, uint64(t.Retrans))
	u("fackets", sockets.TCPFieldFackets, uint64(t.Fackets))
	u("last_data_sent_ms", sockets.TCPFieldLastDataSent, uint64(t.LastDataSent))
	u("last_data_recv_ms", sockets.TCPFieldLastDataRecv, uint64(t.LastDataRecv))
	u("last_ack_recv_ms", sockets.TCPFieldLastAckRecv, uint64(t.LastAckRecv))
	u("pmtu", sockets.TCPFieldPMTU, uint64(t.PMTU))
	u("rcv_ssthresh", sockets.TCPFieldRcvSSThresh, uint64(t.RcvSSThresh))
	u("rtt_us", sockets.TCPFieldRTT, uint64(t.RTT))
	u("rttvar_us", sockets.TCPFieldRTTVar, uint64(t.RTTVar))
	u("snd_ssthresh", sockets.TCPFieldSndSSThresh, uint64(t.SndSSThresh))
	u("snd_cwnd", sockets.TCPFieldSndCwnd, uint64(t.SndCwnd))
	u("advmss", sockets.TCPFieldAdvMSS, uint64(t.AdvMSS))
	u("reordering", sockets.TCPFieldReordering, uint64(t.Reordering))
	u("rcv_rtt_us", sockets.TCPFieldRcvRTT, uint64(t.RcvRTT))
	u("rcv_space", sockets.TCPFieldRcvSpace, uint64(t.RcvSpace))
	u("total_retrans", sockets.TCPFieldTotalRetrans, uint64(t.TotalRetrans))
	if t.PacingRate != ^uint64(0) {
		u("pacing_rate_bytes_per_s", sockets.TCPFieldPacingRate, t.PacingRate)
	}
	if t.MaxPacingRate != ^uint64(0) {
		u("max_pacing_rate_bytes_per_s", sockets.TCPFieldMaxPacingRate, t.MaxPacingRate)
	}
	u("bytes_acked", sockets.TCPFieldBytesAcked, t.BytesAcked)
	u("bytes_received", sockets.TCPFieldBytesReceived, t.BytesReceived)
	u("segs_out", sockets.TCPFieldSegsOut, uint64(t.SegsOut))
	u("segs_in", sockets.TCPFieldSegsIn, uint64(t.SegsIn))
	u("notsent_bytes", sockets.TCPFieldNotsentBytes, uint64(t.NotsentBytes))
	if t.MinRTT != ^uint32(0) {
		u("min_rtt_us", sockets.TCPFieldMinRTT, uint64(t.MinRTT))
	}
	u("data_segs_in", sockets.TCPFieldDataSegsIn, uint64(t.DataSegsIn))
	u("data_segs_out", sockets.TCPFieldDataSegsOut, uint64(t.DataSegsOut))
	u("delivery_rate_bytes_per_s", sockets.TCPFieldDeliveryRate, t.DeliveryRate)
	u("busy_time_us", sockets.TCPFieldBusyTime, t.BusyTime)
	u("rwnd_limited_us", sockets.TCPFieldRwndLimited, t.RwndLimited)
	u("sndbuf_limited_us", sockets.TCPFieldSndbufLimited, t.SndbufLimited)
	u("delivered", sockets.TCPFieldDelivered, uint64(t.Delivered))
	u("delivered_ce", sockets.TCPFieldDeliveredCE, uint64(t.DeliveredCE))
	u("bytes_sent", sockets.TCPFieldBytesSent, t.BytesSent)
	u("bytes_retrans", sockets.TCPFieldBytesRetrans, t.BytesRetrans)
	u("dsack_dups", sockets.TCPFieldDSACKDups, uint64(t.DSACKDups))
	u("reord_seen", sockets.TCPFieldReordSeen, uint64(t.ReordSeen))
	u("rcv_ooopack", sockets.TCPFieldRcvOOOPack, uint64(t.RcvOOOPack))
	u("snd_wnd", sockets.TCPFieldSndWnd, uint64(t.SndWnd))
	u("rcv_wnd", sockets.TCPFieldRcvWnd, uint64(t.RcvWnd))
	u("rehash", sockets.TCPFieldRehash, uint64(t.Rehash))
	u("total_rto", sockets.TCPFieldTotalRTO, uint64(t.TotalRTO))
	u("total_rto_recoveries", sockets.TCPFieldTotalRTORecoveries, uint64(t.TotalRTORecoveries))
	u("total_rto_time_ms", sockets.TCPFieldTotalRTOTime, uint64(t.TotalRTOTime))
	u("received_ce", sockets.TCPFieldReceivedCE, uint64(t.ReceivedCE))
	u("delivered_e1_bytes", sockets.TCPFieldDeliveredE1Bytes, uint64(t.DeliveredE1Bytes))
	u("delivered_e0_bytes", sockets.TCPFieldDeliveredE0Bytes, uint64(t.DeliveredE0Bytes))
	u("delivered_ce_bytes", sockets.TCPFieldDeliveredCEBytes, uint64(t.DeliveredCEBytes))
	u("received_e1_bytes", sockets.TCPFieldReceivedE1Bytes, uint64(t.ReceivedE1Bytes))
	u("received_e0_bytes", sockets.TCPFieldReceivedE0Bytes, uint64(t.ReceivedE0Bytes))
	u("received_ce_bytes", sockets.TCPFieldReceivedCEBytes, uint64(t.ReceivedCEBytes))
	u("ecn_mode", sockets.TCPFieldECNMode, uint64(t.ECNMode))
	u("accecn_opt_seen", sockets.TCPFieldAccECNOptSeen, uint64(t.AccECNOptSeen))
	u("accecn_fail_mode", sockets.TCPFieldAccECNFailMode, uint64(t.AccECNFailMode))
	u("options2", sockets.TCPFieldOptions2, uint64(t.Options2))
	return append(f.b, '}')
}

// appendOptionNames appends the names of the tcpi_options bits in o as a
// JSON array, lowest bit first.
func appendOptionNames(b []byte, o sockets.TCPInfoOption) []byte {
	b = append(b, '[')
	first := true
	for i, name := range tcpOptionNames {
		if o&(1<<i) != 0 {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, '"')
			b = append(b, name...)
			b = append(b, '"')
		}
	}
	return append(b, ']')
}
