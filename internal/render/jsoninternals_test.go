package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strconv"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The reference structs of the internals' JSON, for
// TestJSONMatchesEncodingJSON: what encoding/json writes from them is
// what the hand-written encoder must write.

type refTCPInfo struct {
	CAState                *string   `json:"ca_state,omitempty"`
	Retransmits            *uint8    `json:"retransmits,omitempty"`
	Probes                 *uint8    `json:"probes,omitempty"`
	Backoff                *uint8    `json:"backoff,omitempty"`
	Options                *[]string `json:"options,omitempty"`
	OptionsUnknown         *[]string `json:"options_unknown,omitempty"`
	SndWScale              *uint8    `json:"snd_wscale,omitempty"`
	RcvWScale              *uint8    `json:"rcv_wscale,omitempty"`
	DeliveryRateAppLimited *bool     `json:"delivery_rate_app_limited,omitempty"`
	FastOpenClientFail     *uint8    `json:"fastopen_client_fail,omitempty"`
	RTOUs                  *uint32   `json:"rto_us,omitempty"`
	ATOUs                  *uint32   `json:"ato_us,omitempty"`
	SndMSS                 *uint32   `json:"snd_mss,omitempty"`
	RcvMSS                 *uint32   `json:"rcv_mss,omitempty"`
	Unacked                *uint32   `json:"unacked,omitempty"`
	Sacked                 *uint32   `json:"sacked,omitempty"`
	Lost                   *uint32   `json:"lost,omitempty"`
	Retrans                *uint32   `json:"retrans,omitempty"`
	Fackets                *uint32   `json:"fackets,omitempty"`
	LastDataSentMs         *uint32   `json:"last_data_sent_ms,omitempty"`
	LastDataRecvMs         *uint32   `json:"last_data_recv_ms,omitempty"`
	LastAckRecvMs          *uint32   `json:"last_ack_recv_ms,omitempty"`
	PMTU                   *uint32   `json:"pmtu,omitempty"`
	RcvSSThresh            *uint32   `json:"rcv_ssthresh,omitempty"`
	RTTUs                  *uint32   `json:"rtt_us,omitempty"`
	RTTVarUs               *uint32   `json:"rttvar_us,omitempty"`
	SndSSThresh            *uint32   `json:"snd_ssthresh,omitempty"`
	SndCwnd                *uint32   `json:"snd_cwnd,omitempty"`
	AdvMSS                 *uint32   `json:"advmss,omitempty"`
	Reordering             *uint32   `json:"reordering,omitempty"`
	RcvRTTUs               *uint32   `json:"rcv_rtt_us,omitempty"`
	RcvSpace               *uint32   `json:"rcv_space,omitempty"`
	TotalRetrans           *uint32   `json:"total_retrans,omitempty"`
	PacingRate             *uint64   `json:"pacing_rate_bytes_per_s,omitempty"`
	MaxPacingRate          *uint64   `json:"max_pacing_rate_bytes_per_s,omitempty"`
	BytesAcked             *uint64   `json:"bytes_acked,omitempty"`
	BytesReceived          *uint64   `json:"bytes_received,omitempty"`
	SegsOut                *uint32   `json:"segs_out,omitempty"`
	SegsIn                 *uint32   `json:"segs_in,omitempty"`
	NotsentBytes           *uint32   `json:"notsent_bytes,omitempty"`
	MinRTTUs               *uint32   `json:"min_rtt_us,omitempty"`
	DataSegsIn             *uint32   `json:"data_segs_in,omitempty"`
	DataSegsOut            *uint32   `json:"data_segs_out,omitempty"`
	DeliveryRate           *uint64   `json:"delivery_rate_bytes_per_s,omitempty"`
	BusyTimeUs             *uint64   `json:"busy_time_us,omitempty"`
	RwndLimitedUs          *uint64   `json:"rwnd_limited_us,omitempty"`
	SndbufLimitedUs        *uint64   `json:"sndbuf_limited_us,omitempty"`
	Delivered              *uint32   `json:"delivered,omitempty"`
	DeliveredCE            *uint32   `json:"delivered_ce,omitempty"`
	BytesSent              *uint64   `json:"bytes_sent,omitempty"`
	BytesRetrans           *uint64   `json:"bytes_retrans,omitempty"`
	DSACKDups              *uint32   `json:"dsack_dups,omitempty"`
	ReordSeen              *uint32   `json:"reord_seen,omitempty"`
	RcvOOOPack             *uint32   `json:"rcv_ooopack,omitempty"`
	SndWnd                 *uint32   `json:"snd_wnd,omitempty"`
	RcvWnd                 *uint32   `json:"rcv_wnd,omitempty"`
	Rehash                 *uint32   `json:"rehash,omitempty"`
	TotalRTO               *uint16   `json:"total_rto,omitempty"`
	TotalRTORecoveries     *uint16   `json:"total_rto_recoveries,omitempty"`
	TotalRTOTimeMs         *uint32   `json:"total_rto_time_ms,omitempty"`
	ReceivedCE             *uint32   `json:"received_ce,omitempty"`
	DeliveredE1Bytes       *uint32   `json:"delivered_e1_bytes,omitempty"`
	DeliveredE0Bytes       *uint32   `json:"delivered_e0_bytes,omitempty"`
	DeliveredCEBytes       *uint32   `json:"delivered_ce_bytes,omitempty"`
	ReceivedE1Bytes        *uint32   `json:"received_e1_bytes,omitempty"`
	ReceivedE0Bytes        *uint32   `json:"received_e0_bytes,omitempty"`
	ReceivedCEBytes        *uint32   `json:"received_ce_bytes,omitempty"`
	ECNMode                *uint8    `json:"ecn_mode,omitempty"`
	AccECNOptSeen          *uint8    `json:"accecn_opt_seen,omitempty"`
	AccECNFailMode         *uint8    `json:"accecn_fail_mode,omitempty"`
	Options2               *uint32   `json:"options2,omitempty"`
}

type refCongestion struct {
	Algorithm *string   `json:"algorithm,omitempty"`
	BBR       *refBBR   `json:"bbr,omitempty"`
	DCTCP     *refDCTCP `json:"dctcp,omitempty"`
	Vegas     *refVegas `json:"vegas,omitempty"`
}

type refBBR struct {
	BW         uint64  `json:"bw_bytes_per_s"`
	MinRTTUs   uint32  `json:"min_rtt_us"`
	PacingGain float64 `json:"pacing_gain"`
	CwndGain   float64 `json:"cwnd_gain"`
}

type refDCTCP struct {
	Enabled bool   `json:"enabled"`
	CEState uint16 `json:"ce_state"`
	Alpha   uint32 `json:"alpha"`
	ABECN   uint32 `json:"ab_ecn_bytes"`
	ABTot   uint32 `json:"ab_tot_bytes"`
}

type refVegas struct {
	Enabled  bool   `json:"enabled"`
	RTTCount uint32 `json:"rtt_count"`
	RTTUs    uint32 `json:"rtt_us"`
	MinRTTUs uint32 `json:"min_rtt_us"`
}

type refSkMem struct {
	RmemAlloc  *uint32 `json:"rmem_alloc,omitempty"`
	RcvBuf     *uint32 `json:"rcvbuf,omitempty"`
	WmemAlloc  *uint32 `json:"wmem_alloc,omitempty"`
	SndBuf     *uint32 `json:"sndbuf,omitempty"`
	FwdAlloc   *uint32 `json:"fwd_alloc,omitempty"`
	WmemQueued *uint32 `json:"wmem_queued,omitempty"`
	OptMem     *uint32 `json:"optmem,omitempty"`
	Backlog    *uint32 `json:"backlog,omitempty"`
	Drops      *uint32 `json:"drops,omitempty"`
}

// refInternals are the socket object's fields of the internals, in the
// encoder's order; refSocket embeds them between timer and processes.
type refInternals struct {
	TCPInfo    *refTCPInfo    `json:"tcp_info,omitempty"`
	Congestion *refCongestion `json:"congestion,omitempty"`
	SkMem      *refSkMem      `json:"skmem,omitempty"`
	TOS        *uint8         `json:"tos,omitempty"`
	TClass     *uint8         `json:"tclass,omitempty"`
	ClassID    *uint32        `json:"class_id,omitempty"`
	Mark       *uint32        `json:"mark,omitempty"`
	CgroupID   *uint64        `json:"cgroup_id,omitempty"`
	Shutdown   *uint8         `json:"shutdown,omitempty"`
	V6Only     *bool          `json:"v6only,omitempty"`
	ULP        *refULP        `json:"ulp,omitempty"`
	MD5Keys    *[]refMD5Key   `json:"md5keys,omitempty"`
}

type refULP struct {
	Name  *string   `json:"name,omitempty"`
	TLS   *refTLS   `json:"tls,omitempty"`
	MPTCP *refMPTCP `json:"mptcp,omitempty"`
}

type refTLS struct {
	Version *string `json:"version,omitempty"`
	Cipher  *string `json:"cipher,omitempty"`
	RxConf  *string `json:"rxconf,omitempty"`
	TxConf  *string `json:"txconf,omitempty"`
	ZCRoTx  *bool   `json:"zc_ro_tx,omitempty"`
	RxNoPad *bool   `json:"rx_no_pad,omitempty"`
}

type refMPTCP struct {
	Flags       *[]string `json:"flags,omitempty"`
	TokenRem    *uint32   `json:"token_rem,omitempty"`
	TokenLoc    *uint32   `json:"token_loc,omitempty"`
	IDRem       *uint8    `json:"id_rem,omitempty"`
	IDLoc       *uint8    `json:"id_loc,omitempty"`
	RelWriteSeq *uint32   `json:"rel_write_seq,omitempty"`
	MapSeq      *uint64   `json:"map_seq,omitempty"`
	MapSfSeq    *uint32   `json:"map_sfseq,omitempty"`
	SSNOffset   *uint32   `json:"ssn_offset,omitempty"`
	MapDataLen  *uint32   `json:"map_data_len,omitempty"`
}

type refMD5Key struct {
	Address   string `json:"address"`
	PrefixLen uint8  `json:"prefix_len"`
	KeyLen    int    `json:"key_len"`
}

// refNamed returns names[v-base], or what(v) for a value without one.
func refNamed(names []string, base int, v uint16, what string) *string {
	if i := int(v) - base; i >= 0 && i < len(names) {
		return &names[i]
	}
	return ptr(fmt.Sprintf("%s(%d)", what, v))
}

func toRefULP(u *sockets.ULPInfo) *refULP {
	var r refULP
	if u.Has(sockets.ULPAttrName) {
		r.Name = ptr(u.Name)
	}
	if t := &u.TLS; u.Has(sockets.ULPAttrTLS) {
		r.TLS = &refTLS{}
		confs := []string{"", "none", "sw", "hw", "hw-record"}
		conf := func(v uint16) *string {
			if v == 0 {
				return ptr("conf(0)")
			}
			return refNamed(confs, 0, v, "conf")
		}
		if t.Has(sockets.TLSAttrVersion) {
			r.TLS.Version = refNamed([]string{"1.2", "1.3"}, 0x0303, t.Version, "version")
		}
		if t.Has(sockets.TLSAttrCipher) {
			r.TLS.Cipher = refNamed([]string{"aes-gcm-128", "aes-gcm-256", "aes-ccm-128", "chacha20-poly1305",
				"sm4-gcm", "sm4-ccm", "aria-gcm-128", "aria-gcm-256"}, 51, t.Cipher, "cipher")
		}
		if t.Has(sockets.TLSAttrRxConf) {
			r.TLS.RxConf = conf(t.RxConf)
		}
		if t.Has(sockets.TLSAttrTxConf) {
			r.TLS.TxConf = conf(t.TxConf)
		}
		if t.Has(sockets.TLSAttrZCRoTx) {
			r.TLS.ZCRoTx = ptr(true)
		}
		if t.Has(sockets.TLSAttrRxNoPad) {
			r.TLS.RxNoPad = ptr(true)
		}
	}
	if m := &u.MPTCP; u.Has(sockets.ULPAttrMPTCP) {
		r.MPTCP = &refMPTCP{}
		if m.Has(sockets.MPTCPAttrFlags) {
			names := []string{"mcap_rem", "mcap_loc", "join_rem", "join_loc", "backup_rem", "backup_loc",
				"fully_established", "connected", "map_valid"}
			flags := []string{}
			for i := range 32 {
				switch {
				case m.Flags&(1<<i) == 0:
				case i < len(names):
					flags = append(flags, names[i])
				default:
					flags = append(flags, fmt.Sprintf("flag(%d)", 1<<i))
				}
			}
			r.MPTCP.Flags = &flags
		}
		if m.Has(sockets.MPTCPAttrTokenRem) {
			r.MPTCP.TokenRem = ptr(m.TokenRem)
		}
		if m.Has(sockets.MPTCPAttrTokenLoc) {
			r.MPTCP.TokenLoc = ptr(m.TokenLoc)
		}
		if m.Has(sockets.MPTCPAttrIDRem) {
			r.MPTCP.IDRem = ptr(m.IDRem)
		}
		if m.Has(sockets.MPTCPAttrIDLoc) {
			r.MPTCP.IDLoc = ptr(m.IDLoc)
		}
		if m.Has(sockets.MPTCPAttrRelWriteSeq) {
			r.MPTCP.RelWriteSeq = ptr(m.RelWriteSeq)
		}
		if m.Has(sockets.MPTCPAttrMapSeq) {
			r.MPTCP.MapSeq = ptr(m.MapSeq)
		}
		if m.Has(sockets.MPTCPAttrMapSfSeq) {
			r.MPTCP.MapSfSeq = ptr(m.MapSfSeq)
		}
		if m.Has(sockets.MPTCPAttrSSNOffset) {
			r.MPTCP.SSNOffset = ptr(m.SSNOffset)
		}
		if m.Has(sockets.MPTCPAttrMapDataLen) {
			r.MPTCP.MapDataLen = ptr(m.MapDataLen)
		}
	}
	return &r
}

// kn returns &v if the source filled field f of t, else nil.
func kn[T any](t *sockets.TCPInfo, f sockets.TCPField, v T) *T {
	if !t.Known(f) {
		return nil
	}
	return &v
}

// at returns &v if the struct reached end, else nil.
func at[T any](n, end int, v T) *T {
	if n < end {
		return nil
	}
	return &v
}

func toRefInternals(in *sockets.Internals) refInternals {
	var r refInternals
	if in == nil {
		return r
	}
	if in.Has&sockets.HasTCPInfo != 0 {
		t := &in.TCP
		ti := &refTCPInfo{
			Retransmits: kn(t, sockets.TCPFieldRetransmits, t.Retransmits), Probes: kn(t, sockets.TCPFieldProbes, t.Probes), Backoff: kn(t, sockets.TCPFieldBackoff, t.Backoff),
			SndWScale: kn(t, sockets.TCPFieldSndWScale, t.SndWScale), RcvWScale: kn(t, sockets.TCPFieldRcvWScale, t.RcvWScale),
			DeliveryRateAppLimited: kn(t, sockets.TCPFieldDeliveryRateAppLimited, t.DeliveryRateAppLimited), FastOpenClientFail: kn(t, sockets.TCPFieldFastOpenClientFail, t.FastOpenClientFail),
			RTOUs: kn(t, sockets.TCPFieldRTO, t.RTO), ATOUs: kn(t, sockets.TCPFieldATO, t.ATO), SndMSS: kn(t, sockets.TCPFieldSndMSS, t.SndMSS), RcvMSS: kn(t, sockets.TCPFieldRcvMSS, t.RcvMSS),
			Unacked: kn(t, sockets.TCPFieldUnacked, t.Unacked), Sacked: kn(t, sockets.TCPFieldSacked, t.Sacked), Lost: kn(t, sockets.TCPFieldLost, t.Lost), Retrans: kn(t, sockets.TCPFieldRetrans, t.Retrans),
			Fackets: kn(t, sockets.TCPFieldFackets, t.Fackets), LastDataSentMs: kn(t, sockets.TCPFieldLastDataSent, t.LastDataSent), LastDataRecvMs: kn(t, sockets.TCPFieldLastDataRecv, t.LastDataRecv),
			LastAckRecvMs: kn(t, sockets.TCPFieldLastAckRecv, t.LastAckRecv), PMTU: kn(t, sockets.TCPFieldPMTU, t.PMTU), RcvSSThresh: kn(t, sockets.TCPFieldRcvSSThresh, t.RcvSSThresh),
			RTTUs: kn(t, sockets.TCPFieldRTT, t.RTT), RTTVarUs: kn(t, sockets.TCPFieldRTTVar, t.RTTVar), SndSSThresh: kn(t, sockets.TCPFieldSndSSThresh, t.SndSSThresh),
			SndCwnd: kn(t, sockets.TCPFieldSndCwnd, t.SndCwnd), AdvMSS: kn(t, sockets.TCPFieldAdvMSS, t.AdvMSS), Reordering: kn(t, sockets.TCPFieldReordering, t.Reordering),
			RcvRTTUs: kn(t, sockets.TCPFieldRcvRTT, t.RcvRTT), RcvSpace: kn(t, sockets.TCPFieldRcvSpace, t.RcvSpace), TotalRetrans: kn(t, sockets.TCPFieldTotalRetrans, t.TotalRetrans),
			BytesAcked: kn(t, sockets.TCPFieldBytesAcked, t.BytesAcked), BytesReceived: kn(t, sockets.TCPFieldBytesReceived, t.BytesReceived),
			SegsOut: kn(t, sockets.TCPFieldSegsOut, t.SegsOut), SegsIn: kn(t, sockets.TCPFieldSegsIn, t.SegsIn), NotsentBytes: kn(t, sockets.TCPFieldNotsentBytes, t.NotsentBytes),
			DataSegsIn: kn(t, sockets.TCPFieldDataSegsIn, t.DataSegsIn), DataSegsOut: kn(t, sockets.TCPFieldDataSegsOut, t.DataSegsOut),
			DeliveryRate: kn(t, sockets.TCPFieldDeliveryRate, t.DeliveryRate), BusyTimeUs: kn(t, sockets.TCPFieldBusyTime, t.BusyTime),
			RwndLimitedUs: kn(t, sockets.TCPFieldRwndLimited, t.RwndLimited), SndbufLimitedUs: kn(t, sockets.TCPFieldSndbufLimited, t.SndbufLimited),
			Delivered: kn(t, sockets.TCPFieldDelivered, t.Delivered), DeliveredCE: kn(t, sockets.TCPFieldDeliveredCE, t.DeliveredCE),
			BytesSent: kn(t, sockets.TCPFieldBytesSent, t.BytesSent), BytesRetrans: kn(t, sockets.TCPFieldBytesRetrans, t.BytesRetrans),
			DSACKDups: kn(t, sockets.TCPFieldDSACKDups, t.DSACKDups), ReordSeen: kn(t, sockets.TCPFieldReordSeen, t.ReordSeen), RcvOOOPack: kn(t, sockets.TCPFieldRcvOOOPack, t.RcvOOOPack),
			SndWnd: kn(t, sockets.TCPFieldSndWnd, t.SndWnd), RcvWnd: kn(t, sockets.TCPFieldRcvWnd, t.RcvWnd), Rehash: kn(t, sockets.TCPFieldRehash, t.Rehash),
			TotalRTO: kn(t, sockets.TCPFieldTotalRTO, t.TotalRTO), TotalRTORecoveries: kn(t, sockets.TCPFieldTotalRTORecoveries, t.TotalRTORecoveries),
			TotalRTOTimeMs: kn(t, sockets.TCPFieldTotalRTOTime, t.TotalRTOTime), ReceivedCE: kn(t, sockets.TCPFieldReceivedCE, t.ReceivedCE),
			DeliveredE1Bytes: kn(t, sockets.TCPFieldDeliveredE1Bytes, t.DeliveredE1Bytes), DeliveredE0Bytes: kn(t, sockets.TCPFieldDeliveredE0Bytes, t.DeliveredE0Bytes),
			DeliveredCEBytes: kn(t, sockets.TCPFieldDeliveredCEBytes, t.DeliveredCEBytes), ReceivedE1Bytes: kn(t, sockets.TCPFieldReceivedE1Bytes, t.ReceivedE1Bytes),
			ReceivedE0Bytes: kn(t, sockets.TCPFieldReceivedE0Bytes, t.ReceivedE0Bytes), ReceivedCEBytes: kn(t, sockets.TCPFieldReceivedCEBytes, t.ReceivedCEBytes),
			ECNMode: kn(t, sockets.TCPFieldECNMode, t.ECNMode), AccECNOptSeen: kn(t, sockets.TCPFieldAccECNOptSeen, t.AccECNOptSeen),
			AccECNFailMode: kn(t, sockets.TCPFieldAccECNFailMode, t.AccECNFailMode), Options2: kn(t, sockets.TCPFieldOptions2, t.Options2),
		}
		if t.Known(sockets.TCPFieldCAState) {
			name := "ca_state(" + strconv.Itoa(int(t.CAState)) + ")"
			if int(t.CAState) < len(caStateNames) {
				name = caStateNames[t.CAState]
			}
			ti.CAState = &name
		}
		opts, unknown := []string{}, []string{}
		for i, name := range tcpOptionNames {
			switch {
			case !t.Known(sockets.TCPFieldOptTimestamps + sockets.TCPField(i)):
				unknown = append(unknown, name)
			case t.Options&(1<<i) != 0:
				opts = append(opts, name)
			}
		}
		if len(unknown) < len(tcpOptionNames) {
			ti.Options = &opts
			if len(unknown) > 0 {
				ti.OptionsUnknown = &unknown
			}
		}
		if t.PacingRate != ^uint64(0) {
			ti.PacingRate = kn(t, sockets.TCPFieldPacingRate, t.PacingRate)
		}
		if t.MaxPacingRate != ^uint64(0) {
			ti.MaxPacingRate = kn(t, sockets.TCPFieldMaxPacingRate, t.MaxPacingRate)
		}
		if t.MinRTT != ^uint32(0) {
			ti.MinRTTUs = kn(t, sockets.TCPFieldMinRTT, t.MinRTT)
		}
		r.TCPInfo = ti
	}
	if in.Has&(sockets.HasCongestion|sockets.HasBBR|sockets.HasDCTCP|sockets.HasVegas) != 0 {
		c := &refCongestion{}
		if in.Has&sockets.HasCongestion != 0 {
			c.Algorithm = ptr(in.Congestion)
		}
		if in.Has&sockets.HasBBR != 0 {
			c.BBR = &refBBR{in.BBR.BW, in.BBR.MinRTT, float64(in.BBR.PacingGain) / 256, float64(in.BBR.CwndGain) / 256}
		}
		if in.Has&sockets.HasDCTCP != 0 {
			d := in.DCTCP
			c.DCTCP = &refDCTCP{d.Enabled, d.CEState, d.Alpha, d.ABECN, d.ABTot}
		}
		if in.Has&sockets.HasVegas != 0 {
			v := in.Vegas
			c.Vegas = &refVegas{v.Enabled, v.RTTCnt, v.RTT, v.MinRTT}
		}
		r.Congestion = c
	}
	switch m, n := &in.SkMem, int(in.SkMem.N); {
	case in.Has&sockets.HasSkMem != 0:
		r.SkMem = &refSkMem{at(n, 1, m.RmemAlloc), at(n, 2, m.RcvBuf), at(n, 3, m.WmemAlloc), at(n, 4, m.SndBuf),
			at(n, 5, m.FwdAlloc), at(n, 6, m.WmemQueued), at(n, 7, m.OptMem), at(n, 8, m.Backlog), at(n, 9, m.Drops)}
	case in.Has&sockets.HasMemInfo != 0:
		mi := in.MemInfo
		r.SkMem = &refSkMem{RmemAlloc: &mi.Rmem, WmemAlloc: &mi.Tmem, FwdAlloc: &mi.Fmem, WmemQueued: &mi.Wmem}
	}
	if in.Has&sockets.HasTOS != 0 {
		r.TOS = ptr(in.TOS)
	}
	if in.Has&sockets.HasTClass != 0 {
		r.TClass = ptr(in.TClass)
	}
	if in.Has&sockets.HasClassID != 0 {
		r.ClassID = ptr(in.ClassID)
	}
	if in.Has&sockets.HasMark != 0 {
		r.Mark = ptr(in.Mark)
	}
	if in.Has&sockets.HasCgroupID != 0 {
		r.CgroupID = ptr(in.CgroupID)
	}
	if in.Has&sockets.HasShutdown != 0 {
		r.Shutdown = ptr(in.Shutdown)
	}
	if in.Has&sockets.HasV6Only != 0 {
		r.V6Only = ptr(in.V6Only)
	}
	if in.Has&sockets.HasULP != 0 {
		r.ULP = toRefULP(in.ULP)
	}
	if in.Has&sockets.HasMD5Sig != 0 {
		keys := []refMD5Key{}
		for _, k := range in.MD5Keys {
			keys = append(keys, refMD5Key{Address: k.Addr.String(), PrefixLen: k.PrefixLen, KeyLen: len(k.Key)})
		}
		r.MD5Keys = &keys
	}
	return r
}

// randInternals returns internals with random parts and a random
// tcp_info length, every value random.
func randInternals(r *rand.Rand) *sockets.Internals {
	in := &sockets.Internals{Has: sockets.InternalsPart(r.Uint32() & (1<<16 - 1))}
	u32, u64 := r.Uint32, r.Uint64
	ends := []int{0, 2, 5, 7, 8, 44, 60, 104, 112, 120, 152, 168, 200, 232, 240, 248, 280}
	in.TCP = sockets.TCPInfo{
		Len: uint16(ends[r.IntN(len(ends))]), CAState: uint8(r.IntN(6)), Retransmits: uint8(u32()), Probes: uint8(u32()),
		Backoff: uint8(u32()), Options: sockets.TCPInfoOption(u32()), SndWScale: uint8(r.IntN(16)), RcvWScale: uint8(r.IntN(16)),
		DeliveryRateAppLimited: r.IntN(2) == 0, FastOpenClientFail: uint8(r.IntN(4)),
		RTO: u32(), ATO: u32(), SndMSS: u32(), RcvMSS: u32(), Unacked: u32(), Sacked: u32(), Lost: u32(), Retrans: u32(),
		Fackets: u32(), LastDataSent: u32(), LastDataRecv: u32(), LastAckRecv: u32(), PMTU: u32(), RcvSSThresh: u32(),
		RTT: u32(), RTTVar: u32(), SndSSThresh: u32(), SndCwnd: u32(), AdvMSS: u32(), Reordering: u32(), RcvRTT: u32(),
		RcvSpace: u32(), TotalRetrans: u32(), PacingRate: u64(), MaxPacingRate: u64(), BytesAcked: u64(), BytesReceived: u64(),
		SegsOut: u32(), SegsIn: u32(), NotsentBytes: u32(), MinRTT: u32(), DataSegsIn: u32(), DataSegsOut: u32(),
		DeliveryRate: u64(), BusyTime: u64(), RwndLimited: u64(), SndbufLimited: u64(), Delivered: u32(), DeliveredCE: u32(),
		BytesSent: u64(), BytesRetrans: u64(), DSACKDups: u32(), ReordSeen: u32(), RcvOOOPack: u32(), SndWnd: u32(),
		RcvWnd: u32(), Rehash: u32(), TotalRTO: uint16(u32()), TotalRTORecoveries: uint16(u32()), TotalRTOTime: u32(),
		ReceivedCE: u32(), DeliveredE1Bytes: u32(), DeliveredE0Bytes: u32(), DeliveredCEBytes: u32(), ReceivedE1Bytes: u32(),
		ReceivedE0Bytes: u32(), ReceivedCEBytes: u32(), ECNMode: uint8(r.IntN(4)), AccECNOptSeen: uint8(r.IntN(4)),
		AccECNFailMode: uint8(r.IntN(16)), Options2: u32() >> 8,
	}
	if r.IntN(2) == 0 {
		in.TCP.Len = uint16(r.IntN(sockets.TCPInfoLenAccECN + 1)) // a cut inside a field
	}
	if r.IntN(3) == 0 {
		in.TCP.PacingRate, in.TCP.MaxPacingRate, in.TCP.MinRTT = ^uint64(0), ^uint64(0), ^uint32(0)
	}
	switch r.IntN(3) {
	case 0: // a source that could not tell some fields (Windows)
		for f := range sockets.TCPField(128) {
			if r.IntN(3) == 0 {
				in.TCP.Missing = in.TCP.Missing.With(f)
			}
		}
	case 1: // one that knows only some option bits
		for i := range 8 {
			if r.IntN(2) == 0 {
				in.TCP.Missing = in.TCP.Missing.With(sockets.TCPFieldOptTimestamps + sockets.TCPField(i))
			}
		}
	}
	in.Congestion = []string{"cubic", "bbr", "", "we\"ird\u2028"}[r.IntN(4)]
	in.BBR = sockets.BBRInfo{BW: u64(), MinRTT: u32(), PacingGain: u32(), CwndGain: u32()}
	in.DCTCP = sockets.DCTCPInfo{Enabled: r.IntN(2) == 0, CEState: uint16(u32()), Alpha: u32(), ABECN: u32(), ABTot: u32()}
	in.Vegas = sockets.VegasInfo{Enabled: r.IntN(2) == 0, RTTCnt: u32(), RTT: u32(), MinRTT: u32()}
	in.SkMem = sockets.SkMemInfo{N: uint8(r.IntN(10)), RmemAlloc: u32(), RcvBuf: u32(), WmemAlloc: u32(), SndBuf: u32(),
		FwdAlloc: u32(), WmemQueued: u32(), OptMem: u32(), Backlog: u32(), Drops: u32()}
	in.MemInfo = sockets.MemInfo{Rmem: u32(), Wmem: u32(), Fmem: u32(), Tmem: u32()}
	in.TOS, in.TClass, in.ClassID, in.Mark, in.CgroupID = uint8(u32()), uint8(u32()), u32(), u32(), u64()
	in.Shutdown, in.V6Only = uint8(r.IntN(4)), r.IntN(2) == 0
	in.ULP = &sockets.ULPInfo{
		Attrs: uint8(u32()), Name: []string{"mptcp", "tls", "", "we\"ird\u2028"}[r.IntN(4)],
		TLS: sockets.TLSInfo{Attrs: uint8(u32()), Version: uint16(0x0302 + r.IntN(4)), Cipher: uint16(50 + r.IntN(10)),
			TxConf: uint16(r.IntN(6)), RxConf: uint16(r.IntN(6))},
		MPTCP: sockets.MPTCPSubflowInfo{Attrs: uint16(u32()), TokenRem: u32(), TokenLoc: u32(), RelWriteSeq: u32(),
			MapSeq: u64(), MapSfSeq: u32(), SSNOffset: u32(), MapDataLen: u32() & 0xffff,
			Flags: sockets.MPTCPSubflowFlag(u32() & (1<<r.IntN(33) - 1)), IDRem: uint8(u32()), IDLoc: uint8(u32())},
	}
	for range r.IntN(3) {
		a := [16]byte{}
		for i := range a {
			a[i] = uint8(u32())
		}
		k := sockets.MD5Key{Family: 10, PrefixLen: uint8(r.IntN(129)), Addr: netip.AddrFrom16(a), Key: make([]byte, r.IntN(81))}
		if r.IntN(2) == 0 {
			k.Family, k.Addr = 2, netip.AddrFrom4([4]byte(a[:4]))
		}
		in.MD5Keys = append(in.MD5Keys, k)
	}
	return in
}

// TestJSONInternalsByLength writes a socket with every part of its
// internals for every tcp_info length and skmem count, against
// encoding/json's writing of the reference: a field appears exactly when
// the kernel's struct reached its end.
func TestJSONInternalsByLength(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n <= sockets.TCPInfoLenAccECN+1; n++ {
		s := sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established,
			Local: netip.MustParseAddrPort("127.0.0.1:1"), Remote: netip.MustParseAddrPort("127.0.0.1:2"), UID: sockets.NoUID}
		s.Internals = randInternals(r)
		s.Internals.Has = 1<<16 - 1
		s.Internals.TCP.Len = uint16(min(n, sockets.TCPInfoLenAccECN))
		s.Internals.SkMem.N = uint8(n % 10)
		want := refJSON(t, toRef(&s, false))
		var got bytes.Buffer
		if err := Write(&got, []sockets.Socket{s}, Meta{}, Options{Format: NDJSON}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("len %d:\n got %s\nwant %s", n, got.Bytes(), want)
		}
	}
}

// TestJSONInternalsFields checks the names and values of a known socket's
// internals.
func TestJSONInternalsFields(t *testing.T) {
	s := ssBBRSocket()
	s.Internals.Has |= sockets.HasTOS | sockets.HasV6Only
	s.Internals.TOS = 0x10
	var got bytes.Buffer
	if err := Write(&got, []sockets.Socket{s}, Meta{}, Options{Format: NDJSON}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"tcp_info":{"ca_state":"open","retransmits":0,"probes":0,"backoff":0,"options":["ts","sack","wscale"],"snd_wscale":10,"rcv_wscale":10,"delivery_rate_app_limited":false,"fastopen_client_fail":0,"rto_us":204000,"ato_us":0,"snd_mss":47616,`,
		`"rtt_us":35,"rttvar_us":13,`, `"pacing_rate_bytes_per_s":25288892839,"bytes_acked":100001,`, `"min_rtt_us":21,`,
		`"snd_wnd":95232,"rcv_wnd":65536,`, `"options2":0}`,
		`"congestion":{"algorithm":"bbr","bbr":{"bw_bytes_per_s":3283860992,"min_rtt_us":21,"pacing_gain":2.88671875,"cwnd_gain":2.88671875}}`,
		`"skmem":{"rmem_alloc":0,"rcvbuf":131072,"wmem_alloc":0,"sndbuf":3939840,"fwd_alloc":0,"wmem_queued":0,"optmem":0,"backlog":0,"drops":0},"tos":16,"v6only":false,"processes":[]}`,
	} {
		if !bytes.Contains(got.Bytes(), []byte(want)) {
			t.Errorf("no %s in\n%s", want, got.Bytes())
		}
	}
	if bytes.Contains(got.Bytes(), []byte("max_pacing_rate")) {
		t.Errorf("an unlimited max pacing rate is written: %s", got.Bytes())
	}
}

// windowsKnown are the tcp_info fields the Windows source fills from
// GetPerTcpConnectionEStats (sockets' estats.go).
var windowsKnown = []sockets.TCPField{
	sockets.TCPFieldState, sockets.TCPFieldBackoff, sockets.TCPFieldOptWScale, sockets.TCPFieldSndWScale,
	sockets.TCPFieldRcvWScale, sockets.TCPFieldRTO, sockets.TCPFieldSndMSS, sockets.TCPFieldAdvMSS,
	sockets.TCPFieldReordering, sockets.TCPFieldRTT, sockets.TCPFieldRTTVar, sockets.TCPFieldMinRTT,
	sockets.TCPFieldSndCwnd, sockets.TCPFieldSndSSThresh, sockets.TCPFieldTotalRetrans, sockets.TCPFieldBytesRetrans,
	sockets.TCPFieldDSACKDups, sockets.TCPFieldBytesSent, sockets.TCPFieldBytesAcked, sockets.TCPFieldBytesReceived,
	sockets.TCPFieldSegsOut, sockets.TCPFieldSegsIn, sockets.TCPFieldDataSegsOut, sockets.TCPFieldDataSegsIn,
	sockets.TCPFieldRwndLimited, sockets.TCPFieldBusyTime, sockets.TCPFieldNotsentBytes, sockets.TCPFieldSndWnd,
	sockets.TCPFieldRcvWnd,
}

// windowsSocket returns an established TCP socket with tcp_info as the
// Windows source maps it: Len through rcv_wnd, the fields it has no
// counterpart for Missing and zero.
func windowsSocket() sockets.Socket {
	missing := sockets.AllTCPFields()
	for _, f := range windowsKnown {
		missing = missing.Without(f)
	}
	return sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established,
		Local: netip.MustParseAddrPort("10.0.0.1:50000"), Remote: netip.MustParseAddrPort("10.0.0.2:443"), UID: sockets.NoUID,
		Internals: &sockets.Internals{Has: sockets.HasTCPInfo, TCP: sockets.TCPInfo{
			Len: sockets.TCPInfoLenRcvWnd, Missing: missing, State: uint8(sockets.Established),
			Options: sockets.OptWScale, SndWScale: 7, RcvWScale: 8, RTO: 300000, SndMSS: 1460, AdvMSS: 1460,
			Reordering: 3, RTT: 1234, RTTVar: 321, MinRTT: 900, SndCwnd: 10, SndSSThresh: 2941706,
			TotalRetrans: 2, BytesRetrans: 2920, DSACKDups: 1, BytesSent: 1 << 20, BytesAcked: 1<<20 - 2920,
			BytesReceived: 300, SegsOut: 722, SegsIn: 400, DataSegsOut: 720, DataSegsIn: 2,
			RwndLimited: 3000, BusyTime: 43000, NotsentBytes: 1000, SndWnd: 131072, RcvWnd: 65280,
		}}}
}

// TestJSONTCPInfoMissing: a field the source could not fill has no key,
// though the struct's length reaches it, and options says which bits it
// cannot tell rather than leave them out as if clear.
func TestJSONTCPInfoMissing(t *testing.T) {
	s := windowsSocket()
	var out bytes.Buffer
	if err := Write(&out, []sockets.Socket{s}, Meta{}, Options{Format: NDJSON}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		TCPInfo map[string]any `json:"tcp_info"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, out.Bytes())
	}
	want := map[string]any{
		"backoff": 0.0, "options": []any{"wscale"},
		"options_unknown": []any{"ts", "sack", "ecn", "ecn_seen", "syn_data", "usec_ts", "tfo_child"},
		"snd_wscale":      7.0, "rcv_wscale": 8.0, "rto_us": 300000.0, "snd_mss": 1460.0, "advmss": 1460.0,
		"reordering": 3.0, "rtt_us": 1234.0, "rttvar_us": 321.0, "min_rtt_us": 900.0, "snd_cwnd": 10.0,
		"snd_ssthresh": 2941706.0, "total_retrans": 2.0, "bytes_retrans": 2920.0, "dsack_dups": 1.0,
		"bytes_sent": 1048576.0, "bytes_acked": 1045656.0, "bytes_received": 300.0, "segs_out": 722.0,
		"segs_in": 400.0, "data_segs_out": 720.0, "data_segs_in": 2.0, "rwnd_limited_us": 3000.0,
		"busy_time_us": 43000.0, "notsent_bytes": 1000.0, "snd_wnd": 131072.0, "rcv_wnd": 65280.0,
	}
	if !reflect.DeepEqual(got.TCPInfo, want) {
		for k, v := range got.TCPInfo {
			if w, ok := want[k]; !ok || !reflect.DeepEqual(v, w) {
				t.Errorf("%s: %v, want %v", k, v, w)
			}
		}
		for k := range want {
			if _, ok := got.TCPInfo[k]; !ok {
				t.Errorf("no %s", k)
			}
		}
	}
	// Nothing of the kind for a Linux tcp_info of the same length.
	s.Internals.TCP.Missing = sockets.TCPFieldSet{}
	out.Reset()
	if err := Write(&out, []sockets.Socket{s}, Meta{}, Options{Format: NDJSON}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"ca_state":"open"`, `"options":["wscale"],"snd_wscale"`, `"lost":0`, `"ato_us":0`, `"rcv_ooopack":0`} {
		if !bytes.Contains(out.Bytes(), []byte(key)) {
			t.Errorf("Linux tcp_info without %s: %s", key, out.Bytes())
		}
	}
}

// TestJSONULP checks the ulp object of an MPTCP subflow and of a kernel
// TLS socket, and the md5keys list, which leaves the keys out.
func TestJSONULP(t *testing.T) {
	s := ssBBRSocket()
	s.Internals.Has |= sockets.HasULP | sockets.HasMD5Sig
	s.Internals.ULP = ssMPTCPSubflow()
	s.Internals.MD5Keys = []sockets.MD5Key{
		{Family: 2, PrefixLen: 16, Addr: netip.MustParseAddr("10.1.0.0"), Key: []byte("k2")},
		{Family: 10, PrefixLen: 128, Addr: netip.MustParseAddr("::1"), Key: []byte("secret")},
	}
	tls := ssBBRSocket()
	tls.Internals.Has |= sockets.HasULP
	tls.Internals.ULP = &sockets.ULPInfo{Attrs: 1<<sockets.ULPAttrName | 1<<sockets.ULPAttrTLS, Name: "tls", TLS: sockets.TLSInfo{
		Attrs:   1<<sockets.TLSAttrVersion | 1<<sockets.TLSAttrCipher | 1<<sockets.TLSAttrTxConf | 1<<sockets.TLSAttrRxConf | 1<<sockets.TLSAttrRxNoPad,
		Version: sockets.TLSVersion12, Cipher: sockets.TLSCipherChaCha20, TxConf: sockets.TLSConfHW, RxConf: 7}}
	var got bytes.Buffer
	if err := Write(&got, []sockets.Socket{s, tls}, Meta{}, Options{Format: NDJSON}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"ulp":{"name":"mptcp","mptcp":{"flags":["mcap_rem","mcap_loc","fully_established","connected"],"token_rem":0,"token_loc":1074260342,"id_rem":0,"id_loc":0,"rel_write_seq":0,"map_seq":9314311360798144609,"map_sfseq":1,"ssn_offset":2150520153,"map_data_len":3000}},"md5keys":[{"address":"10.1.0.0","prefix_len":16,"key_len":2},{"address":"::1","prefix_len":128,"key_len":6}]`,
		`"ulp":{"name":"tls","tls":{"version":"1.2","cipher":"chacha20-poly1305","rxconf":"conf(7)","txconf":"hw","rx_no_pad":true}}`,
	} {
		if !bytes.Contains(got.Bytes(), []byte(want)) {
			t.Errorf("no %s in\n%s", want, got.Bytes())
		}
	}
	if bytes.Contains(got.Bytes(), []byte("secret")) {
		t.Errorf("a key in the JSON: %s", got.Bytes())
	}
	for _, line := range bytes.Split(bytes.TrimSpace(got.Bytes()), []byte("\n")) {
		if !json.Valid(line) {
			t.Errorf("not JSON: %s", line)
		}
	}
}
