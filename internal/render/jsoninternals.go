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
	return b
}

// appendTCPInfoJSON appends tcp_info as an object of the fields the
// kernel's struct reached (t.Len).
func appendTCPInfoJSON(b []byte, t *sockets.TCPInfo) []byte {
	b = append(b, '{')
	f := jsonFields{b}
	n := int(t.Len)
	u := func(name string, end int, v uint64) {
		if end <= n {
			f.uint(name, v)
		}
	}
	if n >= 2 {
		f.key("ca_state")
		if int(t.CAState) < len(caStateNames) {
			f.b = AppendJSONString(f.b, caStateNames[t.CAState])
		} else {
			f.b = AppendJSONString(f.b, "ca_state("+strconv.Itoa(int(t.CAState))+")")
		}
	}
	u("retransmits", 3, uint64(t.Retransmits))
	u("probes", 4, uint64(t.Probes))
	u("backoff", 5, uint64(t.Backoff))
	if n >= 6 {
		f.key("options")
		f.b = append(f.b, '[')
		first := true
		for i, name := range tcpOptionNames {
			if t.Options&(1<<i) != 0 {
				if !first {
					f.b = append(f.b, ',')
				}
				first = false
				f.b = append(f.b, '"')
				f.b = append(f.b, name...)
				f.b = append(f.b, '"')
			}
		}
		f.b = append(f.b, ']')
	}
	u("snd_wscale", 7, uint64(t.SndWScale))
	u("rcv_wscale", 7, uint64(t.RcvWScale))
	if n >= 8 {
		f.bool("delivery_rate_app_limited", t.DeliveryRateAppLimited)
		f.uint("fastopen_client_fail", uint64(t.FastOpenClientFail))
	}
	u("rto_us", 12, uint64(t.RTO))
	u("ato_us", 16, uint64(t.ATO))
	u("snd_mss", 20, uint64(t.SndMSS))
	u("rcv_mss", 24, uint64(t.RcvMSS))
	u("unacked", 28, uint64(t.Unacked))
	u("sacked", 32, uint64(t.Sacked))
	u("lost", 36, uint64(t.Lost))
	u("retrans", 40, uint64(t.Retrans))
	u("fackets", 44, uint64(t.Fackets))
	u("last_data_sent_ms", 48, uint64(t.LastDataSent))
	u("last_data_recv_ms", 56, uint64(t.LastDataRecv))
	u("last_ack_recv_ms", 60, uint64(t.LastAckRecv))
	u("pmtu", 64, uint64(t.PMTU))
	u("rcv_ssthresh", 68, uint64(t.RcvSSThresh))
	u("rtt_us", 72, uint64(t.RTT))
	u("rttvar_us", 76, uint64(t.RTTVar))
	u("snd_ssthresh", 80, uint64(t.SndSSThresh))
	u("snd_cwnd", 84, uint64(t.SndCwnd))
	u("advmss", 88, uint64(t.AdvMSS))
	u("reordering", 92, uint64(t.Reordering))
	u("rcv_rtt_us", 96, uint64(t.RcvRTT))
	u("rcv_space", 100, uint64(t.RcvSpace))
	u("total_retrans", 104, uint64(t.TotalRetrans))
	if t.PacingRate != ^uint64(0) {
		u("pacing_rate_bytes_per_s", 112, t.PacingRate)
	}
	if t.MaxPacingRate != ^uint64(0) {
		u("max_pacing_rate_bytes_per_s", 120, t.MaxPacingRate)
	}
	u("bytes_acked", 128, t.BytesAcked)
	u("bytes_received", 136, t.BytesReceived)
	u("segs_out", 140, uint64(t.SegsOut))
	u("segs_in", 144, uint64(t.SegsIn))
	u("notsent_bytes", 148, uint64(t.NotsentBytes))
	if t.MinRTT != ^uint32(0) {
		u("min_rtt_us", 152, uint64(t.MinRTT))
	}
	u("data_segs_in", 156, uint64(t.DataSegsIn))
	u("data_segs_out", 160, uint64(t.DataSegsOut))
	u("delivery_rate_bytes_per_s", 168, t.DeliveryRate)
	u("busy_time_us", 176, t.BusyTime)
	u("rwnd_limited_us", 184, t.RwndLimited)
	u("sndbuf_limited_us", 192, t.SndbufLimited)
	u("delivered", 196, uint64(t.Delivered))
	u("delivered_ce", 200, uint64(t.DeliveredCE))
	u("bytes_sent", 208, t.BytesSent)
	u("bytes_retrans", 216, t.BytesRetrans)
	u("dsack_dups", 220, uint64(t.DSACKDups))
	u("reord_seen", 224, uint64(t.ReordSeen))
	u("rcv_ooopack", 228, uint64(t.RcvOOOPack))
	u("snd_wnd", 232, uint64(t.SndWnd))
	u("rcv_wnd", 236, uint64(t.RcvWnd))
	u("rehash", 240, uint64(t.Rehash))
	u("total_rto", 242, uint64(t.TotalRTO))
	u("total_rto_recoveries", 244, uint64(t.TotalRTORecoveries))
	u("total_rto_time_ms", 248, uint64(t.TotalRTOTime))
	u("received_ce", 252, uint64(t.ReceivedCE))
	u("delivered_e1_bytes", 256, uint64(t.DeliveredE1Bytes))
	u("delivered_e0_bytes", 260, uint64(t.DeliveredE0Bytes))
	u("delivered_ce_bytes", 264, uint64(t.DeliveredCEBytes))
	u("received_e1_bytes", 268, uint64(t.ReceivedE1Bytes))
	u("received_e0_bytes", 272, uint64(t.ReceivedE0Bytes))
	u("received_ce_bytes", 276, uint64(t.ReceivedCEBytes))
	u("ecn_mode", 280, uint64(t.ECNMode))
	u("accecn_opt_seen", 280, uint64(t.AccECNOptSeen))
	u("accecn_fail_mode", 280, uint64(t.AccECNFailMode))
	u("options2", 280, uint64(t.Options2))
	return append(f.b, '}')
}
