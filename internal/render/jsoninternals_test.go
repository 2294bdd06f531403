package render

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
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
		t, n := &in.TCP, int(in.TCP.Len)
		ti := &refTCPInfo{
			Retransmits: at(n, 3, t.Retransmits), Probes: at(n, 4, t.Probes), Backoff: at(n, 5, t.Backoff),
			SndWScale: at(n, 7, t.SndWScale), RcvWScale: at(n, 7, t.RcvWScale),
			DeliveryRateAppLimited: at(n, 8, t.DeliveryRateAppLimited), FastOpenClientFail: at(n, 8, t.FastOpenClientFail),
			RTOUs: at(n, 12, t.RTO), ATOUs: at(n, 16, t.ATO), SndMSS: at(n, 20, t.SndMSS), RcvMSS: at(n, 24, t.RcvMSS),
			Unacked: at(n, 28, t.Unacked), Sacked: at(n, 32, t.Sacked), Lost: at(n, 36, t.Lost), Retrans: at(n, 40, t.Retrans),
			Fackets: at(n, 44, t.Fackets), LastDataSentMs: at(n, 48, t.LastDataSent), LastDataRecvMs: at(n, 56, t.LastDataRecv),
			LastAckRecvMs: at(n, 60, t.LastAckRecv), PMTU: at(n, 64, t.PMTU), RcvSSThresh: at(n, 68, t.RcvSSThresh),
			RTTUs: at(n, 72, t.RTT), RTTVarUs: at(n, 76, t.RTTVar), SndSSThresh: at(n, 80, t.SndSSThresh),
			SndCwnd: at(n, 84, t.SndCwnd), AdvMSS: at(n, 88, t.AdvMSS), Reordering: at(n, 92, t.Reordering),
			RcvRTTUs: at(n, 96, t.RcvRTT), RcvSpace: at(n, 100, t.RcvSpace), TotalRetrans: at(n, 104, t.TotalRetrans),
			BytesAcked: at(n, 128, t.BytesAcked), BytesReceived: at(n, 136, t.BytesReceived),
			SegsOut: at(n, 140, t.SegsOut), SegsIn: at(n, 144, t.SegsIn), NotsentBytes: at(n, 148, t.NotsentBytes),
			DataSegsIn: at(n, 156, t.DataSegsIn), DataSegsOut: at(n, 160, t.DataSegsOut),
			DeliveryRate: at(n, 168, t.DeliveryRate), BusyTimeUs: at(n, 176, t.BusyTime),
			RwndLimitedUs: at(n, 184, t.RwndLimited), SndbufLimitedUs: at(n, 192, t.SndbufLimited),
			Delivered: at(n, 196, t.Delivered), DeliveredCE: at(n, 200, t.DeliveredCE),
			BytesSent: at(n, 208, t.BytesSent), BytesRetrans: at(n, 216, t.BytesRetrans),
			DSACKDups: at(n, 220, t.DSACKDups), ReordSeen: at(n, 224, t.ReordSeen), RcvOOOPack: at(n, 228, t.RcvOOOPack),
			SndWnd: at(n, 232, t.SndWnd), RcvWnd: at(n, 236, t.RcvWnd), Rehash: at(n, 240, t.Rehash),
			TotalRTO: at(n, 242, t.TotalRTO), TotalRTORecoveries: at(n, 244, t.TotalRTORecoveries),
			TotalRTOTimeMs: at(n, 248, t.TotalRTOTime), ReceivedCE: at(n, 252, t.ReceivedCE),
			DeliveredE1Bytes: at(n, 256, t.DeliveredE1Bytes), DeliveredE0Bytes: at(n, 260, t.DeliveredE0Bytes),
			DeliveredCEBytes: at(n, 264, t.DeliveredCEBytes), ReceivedE1Bytes: at(n, 268, t.ReceivedE1Bytes),
			ReceivedE0Bytes: at(n, 272, t.ReceivedE0Bytes), ReceivedCEBytes: at(n, 276, t.ReceivedCEBytes),
			ECNMode: at(n, 280, t.ECNMode), AccECNOptSeen: at(n, 280, t.AccECNOptSeen),
			AccECNFailMode: at(n, 280, t.AccECNFailMode), Options2: at(n, 280, t.Options2),
		}
		if n >= 2 {
			name := "ca_state(" + strconv.Itoa(int(t.CAState)) + ")"
			if int(t.CAState) < len(caStateNames) {
				name = caStateNames[t.CAState]
			}
			ti.CAState = &name
		}
		if n >= 6 {
			opts := []string{}
			for i, name := range tcpOptionNames {
				if t.Options&(1<<i) != 0 {
					opts = append(opts, name)
				}
			}
			ti.Options = &opts
		}
		if t.PacingRate != ^uint64(0) {
			ti.PacingRate = at(n, 112, t.PacingRate)
		}
		if t.MaxPacingRate != ^uint64(0) {
			ti.MaxPacingRate = at(n, 120, t.MaxPacingRate)
		}
		if t.MinRTT != ^uint32(0) {
			ti.MinRTTUs = at(n, 152, t.MinRTT)
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
	return r
}

// randInternals returns internals with random parts and a random
// tcp_info length, every value random.
func randInternals(r *rand.Rand) *sockets.Internals {
	in := &sockets.Internals{Has: sockets.InternalsPart(r.Uint32() & (1<<14 - 1))}
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
	in.Congestion = []string{"cubic", "bbr", "", "we\"ird\u2028"}[r.IntN(4)]
	in.BBR = sockets.BBRInfo{BW: u64(), MinRTT: u32(), PacingGain: u32(), CwndGain: u32()}
	in.DCTCP = sockets.DCTCPInfo{Enabled: r.IntN(2) == 0, CEState: uint16(u32()), Alpha: u32(), ABECN: u32(), ABTot: u32()}
	in.Vegas = sockets.VegasInfo{Enabled: r.IntN(2) == 0, RTTCnt: u32(), RTT: u32(), MinRTT: u32()}
	in.SkMem = sockets.SkMemInfo{N: uint8(r.IntN(10)), RmemAlloc: u32(), RcvBuf: u32(), WmemAlloc: u32(), SndBuf: u32(),
		FwdAlloc: u32(), WmemQueued: u32(), OptMem: u32(), Backlog: u32(), Drops: u32()}
	in.MemInfo = sockets.MemInfo{Rmem: u32(), Wmem: u32(), Fmem: u32(), Tmem: u32()}
	in.TOS, in.TClass, in.ClassID, in.Mark, in.CgroupID = uint8(u32()), uint8(u32()), u32(), u32(), u64()
	in.Shutdown, in.V6Only = uint8(r.IntN(4)), r.IntN(2) == 0
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
		s.Internals.Has = 1<<14 - 1
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
