package sockets

// What the kernel knows inside a connection: tcp_info, the congestion
// control algorithm and its state, the socket's memory, and the smaller
// per-socket attributes of inet_diag (TOS, mark, cgroup). The Linux
// source fills them from inet_diag extensions when a Filter asks
// (Filter.Internals); the Windows source maps GetPerTcpConnectionEStats
// into TCPInfo. Every field a source did not report is absent (its Has
// bit clear), never a zero that looks measured.

// InternalsMask says which internals a Filter asks the source for. Each
// bit costs the kernel work and the reply bytes, so a listing asks only
// for what it shows or filters on.
type InternalsMask uint8

// The internals a Filter can ask for.
const (
	// WantInfo asks for tcp_info (INET_DIAG_INFO), the congestion
	// algorithm's name (INET_DIAG_CONG) and its state (bbr, dctcp or
	// vegas info): what ss -i shows.
	WantInfo InternalsMask = 1 << iota
	// WantMemory asks for the socket's memory (INET_DIAG_SKMEMINFO and
	// INET_DIAG_MEMINFO): what ss -m shows.
	WantMemory
	// WantTOS asks for the IPv4 TOS, the IPv6 traffic class and the
	// cgroup v1 net_cls class id: what ss --tos shows.
	WantTOS
	// WantExtended keeps what the kernel sends without being asked
	// (shutdown state, IPV6_V6ONLY, mark, cgroup id): what ss -e shows.
	WantExtended
)

// AllInternals asks for every internal.
const AllInternals = WantInfo | WantMemory | WantTOS | WantExtended

// Has reports whether every bit of w is in m.
func (m InternalsMask) Has(w InternalsMask) bool { return m&w == w }

// Internals is what the kernel reported inside one socket, beyond the
// fields of Socket. A source allocates one only for a socket it has
// internals for; read a part only when its Has bit is set.
type Internals struct {
	// Has says which parts below the source filled.
	Has InternalsPart

	// TCP is tcp_info (HasTCPInfo); its Len says how much of it the
	// kernel sent.
	TCP TCPInfo
	// Congestion is the congestion control algorithm's name (cubic,
	// bbr, reno, ...), HasCongestion.
	Congestion string
	// CC is the algorithm's own state (HasBBR, HasDCTCP or HasVegas).
	BBR   BBRInfo
	DCTCP DCTCPInfo
	Vegas VegasInfo

	// SkMem is the socket's memory (HasSkMem), MemInfo the older,
	// shorter account (HasMemInfo).
	SkMem   SkMemInfo
	MemInfo MemInfo

	// TOS is the IPv4 type of service (HasTOS), TClass the IPv6
	// traffic class (HasTClass), ClassID the cgroup v1 net_cls class id
	// (HasClassID).
	TOS, TClass uint8
	ClassID     uint32
	// Mark is SO_MARK (HasMark; the kernel sends it only to a caller
	// with CAP_NET_ADMIN).
	Mark uint32
	// CgroupID is the id of the cgroup v2 the socket belongs to
	// (HasCgroupID), the inode number of its directory.
	CgroupID uint64
	// Shutdown is sk_shutdown (HasShutdown): bit 0 the receive side,
	// bit 1 the send side shut down.
	Shutdown uint8
	// V6Only is IPV6_V6ONLY of an AF_INET6 socket (HasV6Only).
	V6Only bool
}

// InternalsPart is a set of the parts of Internals a source filled.
type InternalsPart uint32

// The parts of Internals.
const (
	HasTCPInfo InternalsPart = 1 << iota
	HasCongestion
	HasBBR
	HasDCTCP
	HasVegas
	HasSkMem
	HasMemInfo
	HasTOS
	HasTClass
	HasClassID
	HasMark
	HasCgroupID
	HasShutdown
	HasV6Only
)

// TCPInfoOption is a bit of tcpi_options: an option the connection
// negotiated or a thing it has seen.
type TCPInfoOption uint8

// The bits of tcpi_options (TCPI_OPT_*).
const (
	OptTimestamps TCPInfoOption = 1 << iota // TCPI_OPT_TIMESTAMPS
	OptSACK                                 // TCPI_OPT_SACK
	OptWScale                               // TCPI_OPT_WSCALE
	OptECN                                  // TCPI_OPT_ECN: negotiated at the handshake
	OptECNSeen                              // TCPI_OPT_ECN_SEEN: a packet with ECT received
	OptSynData                              // TCPI_OPT_SYN_DATA: data in the SYN acked (fastopen)
	OptUSec                                 // TCPI_OPT_USEC_TS: timestamps in microseconds
	OptTFOChild                             // TCPI_OPT_TFO_CHILD: a fastopen server child
)

// TCPInfo is struct tcp_info of include/uapi/linux/tcp.h as of Linux
// 6.18, field for field, with the kernel's units (microseconds for rtt,
// rto, ato; bytes per second for rates). The struct grew over the years;
// Len is how many bytes of it the kernel sent, and a field that lies
// beyond Len is absent: test it with Has (or the field's offset) before
// reading it. The Windows source sets Len to cover what it mapped and
// leaves the rest zero.
type TCPInfo struct {
	// Len is the number of bytes of struct tcp_info the source filled;
	// see the TCPInfoLen* sizes.
	Len uint16

	State       uint8 // tcpi_state, a TCP State
	CAState     uint8 // tcpi_ca_state: 0 open, 1 disorder, 2 cwr, 3 recovery, 4 loss
	Retransmits uint8 // tcpi_retransmits: current consecutive retransmissions
	Probes      uint8 // tcpi_probes: unanswered zero window or keepalive probes
	Backoff     uint8 // tcpi_backoff: exponential backoff of the RTO
	Options     TCPInfoOption
	SndWScale   uint8 // tcpi_snd_wscale (4 bits)
	RcvWScale   uint8 // tcpi_rcv_wscale (4 bits)
	// DeliveryRateAppLimited is tcpi_delivery_rate_app_limited (1 bit).
	DeliveryRateAppLimited bool
	// FastOpenClientFail is tcpi_fastopen_client_fail (2 bits, 5.5+).
	FastOpenClientFail uint8

	RTO    uint32 // tcpi_rto, µs
	ATO    uint32 // tcpi_ato, µs
	SndMSS uint32 // tcpi_snd_mss, bytes
	RcvMSS uint32 // tcpi_rcv_mss, bytes

	Unacked uint32 // tcpi_unacked, segments
	Sacked  uint32 // tcpi_sacked
	Lost    uint32 // tcpi_lost
	Retrans uint32 // tcpi_retrans: segments retransmitted and not yet acked
	Fackets uint32 // tcpi_fackets, always 0 since Linux 4.15

	LastDataSent uint32 // tcpi_last_data_sent, ms ago
	LastAckSent  uint32 // tcpi_last_ack_sent, always 0
	LastDataRecv uint32 // tcpi_last_data_recv, ms ago
	LastAckRecv  uint32 // tcpi_last_ack_recv, ms ago

	PMTU        uint32 // tcpi_pmtu
	RcvSSThresh uint32 // tcpi_rcv_ssthresh
	RTT         uint32 // tcpi_rtt, µs (smoothed)
	RTTVar      uint32 // tcpi_rttvar, µs
	SndSSThresh uint32 // tcpi_snd_ssthresh, segments
	SndCwnd     uint32 // tcpi_snd_cwnd, segments
	AdvMSS      uint32 // tcpi_advmss
	Reordering  uint32 // tcpi_reordering

	RcvRTT   uint32 // tcpi_rcv_rtt, µs
	RcvSpace uint32 // tcpi_rcv_space

	TotalRetrans uint32 // tcpi_total_retrans: segments retransmitted over the life

	PacingRate    uint64 // tcpi_pacing_rate, bytes/s (^0: unlimited)
	MaxPacingRate uint64 // tcpi_max_pacing_rate, bytes/s (^0: unlimited)
	BytesAcked    uint64 // tcpi_bytes_acked
	BytesReceived uint64 // tcpi_bytes_received
	SegsOut       uint32 // tcpi_segs_out
	SegsIn        uint32 // tcpi_segs_in

	NotsentBytes uint32 // tcpi_notsent_bytes
	MinRTT       uint32 // tcpi_min_rtt, µs
	DataSegsIn   uint32 // tcpi_data_segs_in
	DataSegsOut  uint32 // tcpi_data_segs_out

	DeliveryRate uint64 // tcpi_delivery_rate, bytes/s

	BusyTime      uint64 // tcpi_busy_time, µs
	RwndLimited   uint64 // tcpi_rwnd_limited, µs
	SndbufLimited uint64 // tcpi_sndbuf_limited, µs

	Delivered   uint32 // tcpi_delivered, segments
	DeliveredCE uint32 // tcpi_delivered_ce

	BytesSent    uint64 // tcpi_bytes_sent
	BytesRetrans uint64 // tcpi_bytes_retrans
	DSACKDups    uint32 // tcpi_dsack_dups
	ReordSeen    uint32 // tcpi_reord_seen

	RcvOOOPack uint32 // tcpi_rcv_ooopack

	SndWnd uint32 // tcpi_snd_wnd, bytes
	RcvWnd uint32 // tcpi_rcv_wnd, bytes (6.2+)

	Rehash uint32 // tcpi_rehash (6.2+)

	TotalRTO           uint16 // tcpi_total_rto (6.7+)
	TotalRTORecoveries uint16 // tcpi_total_rto_recoveries
	TotalRTOTime       uint32 // tcpi_total_rto_time, ms

	ReceivedCE       uint32 // tcpi_received_ce (6.18+)
	DeliveredE1Bytes uint32 // tcpi_delivered_e1_bytes
	DeliveredE0Bytes uint32 // tcpi_delivered_e0_bytes
	DeliveredCEBytes uint32 // tcpi_delivered_ce_bytes
	ReceivedE1Bytes  uint32 // tcpi_received_e1_bytes
	ReceivedE0Bytes  uint32 // tcpi_received_e0_bytes
	ReceivedCEBytes  uint32 // tcpi_received_ce_bytes
	ECNMode          uint8  // tcpi_ecn_mode (2 bits)
	AccECNOptSeen    uint8  // tcpi_accecn_opt_seen (2 bits)
	AccECNFailMode   uint8  // tcpi_accecn_fail_mode (4 bits)
	Options2         uint32 // tcpi_options2 (24 bits)
}

// Sizes of struct tcp_info as it grew: the end offset of the last field
// each version added. A field is present when Len reaches its end.
const (
	TCPInfoLenTotalRetrans = 104 // Linux 2.6.x: through tcpi_total_retrans
	TCPInfoLenMaxPacing    = 120 // 3.15: tcpi_pacing_rate, tcpi_max_pacing_rate
	TCPInfoLenBytesRecv    = 136 // 4.1, 4.2: bytes_acked, bytes_received
	TCPInfoLenSegs         = 144 // 4.2: segs_out, segs_in
	TCPInfoLenNotsent      = 148 // 4.6
	TCPInfoLenMinRTT       = 152 // 4.6
	TCPInfoLenDataSegs     = 160 // 4.6: data_segs_in, data_segs_out
	TCPInfoLenDeliveryRate = 168 // 4.9
	TCPInfoLenChrono       = 192 // 4.10: busy, rwnd_limited, sndbuf_limited
	TCPInfoLenDelivered    = 200 // 4.18: delivered, delivered_ce
	TCPInfoLenBytesRetrans = 216 // 4.19: bytes_sent, bytes_retrans
	TCPInfoLenReordSeen    = 224 // 4.19: dsack_dups, reord_seen
	TCPInfoLenOOOPack      = 228 // 5.4
	TCPInfoLenSndWnd       = 232 // 5.4
	TCPInfoLenRcvWnd       = 236 // 6.2
	TCPInfoLenRehash       = 240 // 6.2
	TCPInfoLenTotalRTO     = 248 // 6.7: total_rto, total_rto_recoveries, total_rto_time
	TCPInfoLenAccECN       = 280 // 6.18: received_ce, the AccECN counters and bits
)

// Has reports whether the source filled tcp_info at least through the
// field that ends at byte end (one of the TCPInfoLen* sizes).
func (t *TCPInfo) Has(end int) bool { return int(t.Len) >= end }

// BBRInfo is struct tcp_bbr_info.
type BBRInfo struct {
	BW         uint64 // bbr_bw_hi<<32 | bbr_bw_lo: bandwidth estimate, bytes/s
	MinRTT     uint32 // bbr_min_rtt, µs
	PacingGain uint32 // bbr_pacing_gain, <<8
	CwndGain   uint32 // bbr_cwnd_gain, <<8
}

// DCTCPInfo is struct tcp_dctcp_info.
type DCTCPInfo struct {
	Enabled bool   // dctcp_enabled
	CEState uint16 // dctcp_ce_state
	Alpha   uint32 // dctcp_alpha
	ABECN   uint32 // dctcp_ab_ecn
	ABTot   uint32 // dctcp_ab_tot
}

// VegasInfo is struct tcpvegas_info.
type VegasInfo struct {
	Enabled bool   // tcpv_enabled
	RTTCnt  uint32 // tcpv_rttcnt
	RTT     uint32 // tcpv_rtt, µs
	MinRTT  uint32 // tcpv_minrtt, µs
}

// SkMemInfo is the SK_MEMINFO_* array of INET_DIAG_SKMEMINFO, what ss -m
// prints as skmem:(r,rb,t,tb,f,w,o,bl,d). N is how many of the values the
// kernel sent (Backlog arrived in 3.8 and Drops in 4.8); a value at an
// index at or beyond N is absent.
type SkMemInfo struct {
	N          uint8
	RmemAlloc  uint32 // r: bytes in the receive queue
	RcvBuf     uint32 // rb: SO_RCVBUF
	WmemAlloc  uint32 // t: bytes in the send queue (sent, not yet freed)
	SndBuf     uint32 // tb: SO_SNDBUF
	FwdAlloc   uint32 // f: memory allocated ahead
	WmemQueued uint32 // w: bytes queued for sending
	OptMem     uint32 // o: option memory
	Backlog    uint32 // bl: bytes in the backlog
	Drops      uint32 // d: packets dropped
}

// The indexes of the SK_MEMINFO_* array, for SkMemInfo.N.
const (
	SkMemRmemAlloc = iota
	SkMemRcvBuf
	SkMemWmemAlloc
	SkMemSndBuf
	SkMemFwdAlloc
	SkMemWmemQueued
	SkMemOptMem
	SkMemBacklog
	SkMemDrops
	skMemVars
)

// MemInfo is struct inet_diag_meminfo (INET_DIAG_MEMINFO), the account
// ss prints as mem:(r,w,f,t) on kernels without SKMEMINFO.
type MemInfo struct {
	Rmem, Wmem, Fmem, Tmem uint32
}
