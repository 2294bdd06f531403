package sockets

// What the kernel knows inside a connection: tcp_info, the congestion
// control algorithm and its state, the socket's memory, and the smaller
// per-socket attributes of inet_diag (TOS, mark, cgroup). The Linux
// source fills them from inet_diag extensions when a Filter asks
// (Filter.Internals); the Windows source maps GetPerTcpConnectionEStats
// into TCPInfo. Every field a source did not report is absent (its Has
// bit clear; within tcp_info, TCPInfo.Known false), never a zero that
// looks measured.

import "encoding/binary"

// InternalsMask says which internals a Filter asks the source for. Each
// bit costs the kernel work and the reply bytes, so a listing asks only
// for what it shows or filters on.
type InternalsMask uint8

// The internals a Filter can ask for.
const (
	// WantInfo asks for tcp_info (INET_DIAG_INFO), the congestion
	// algorithm's name (INET_DIAG_CONG) and its state (bbr, dctcp or
	// vegas info), and with tcp_info the kernel adds the upper layer
	// protocol (INET_DIAG_ULP_INFO) and the TCP-MD5 keys
	// (INET_DIAG_MD5SIG): what ss -i shows.
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

	// VFSIno and VFSDev are the inode number and the device of the file
	// a unix socket is bound to (HasVFS), VFSDev in the kernel's own
	// encoding (major<<20 | minor), as UNIX_DIAG_VFS carries it.
	VFSIno, VFSDev uint32
	// Peers are the inode numbers of the connections pending on a
	// listening unix socket (HasPeers; the kernel sends the list, maybe
	// empty, for a listener only).
	Peers []uint32

	// ULP is the upper layer protocol attached to a TCP socket (HasULP;
	// nil without): mptcp under an MPTCP socket, tls with kernel TLS.
	// MD5Keys are its TCP-MD5 signature keys (HasMD5Sig). The kernel
	// sends both with tcp_info (WantInfo), to a caller with
	// CAP_NET_ADMIN only. Few sockets have either: they are held apart
	// so that the others' Internals stay small.
	ULP     *ULPInfo
	MD5Keys []MD5Key
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
	HasULP
	HasMD5Sig
	HasVFS
	HasPeers
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
// beyond Len is absent. A source that maps another OS's statistics
// (Windows) fills only some of the fields within Len and names the others
// in Missing. Test a field with Known before reading it; a field that is
// not known is zero.
type TCPInfo struct {
	// Len is the number of bytes of struct tcp_info the source filled;
	// see the TCPInfoLen* sizes.
	Len uint16

	// Missing are the fields within Len the source did not fill. It is
	// empty for Linux, whose kernel sends a prefix of the struct: every
	// field up to Len is there.
	Missing TCPFieldSet

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
// field that ends at byte end (one of the TCPInfoLen* sizes). It speaks
// of the length alone: a field Missing names is absent even so; Known
// tells of one field.
func (t *TCPInfo) Has(end int) bool { return int(t.Len) >= end }

// Known reports whether the source filled the field f: Len reaches its
// end and Missing does not name it.
func (t *TCPInfo) Known(f TCPField) bool {
	return f < tcpFieldCount && int(t.Len) >= int(tcpFieldEnd[f]) && !t.Missing.Has(f)
}

// TCPField names a field of TCPInfo, for Known and Missing. Each bit of
// Options is a field of its own (TCPFieldOptTimestamps + n for the bit
// 1<<n), since a source may know some of them only.
type TCPField uint8

// The fields of TCPInfo, in the order of struct tcp_info.
const (
	TCPFieldState TCPField = iota
	TCPFieldCAState
	TCPFieldRetransmits
	TCPFieldProbes
	TCPFieldBackoff
	TCPFieldOptTimestamps // the OptTimestamps bit of Options
	TCPFieldOptSACK
	TCPFieldOptWScale
	TCPFieldOptECN
	TCPFieldOptECNSeen
	TCPFieldOptSynData
	TCPFieldOptUSec
	TCPFieldOptTFOChild
	TCPFieldSndWScale
	TCPFieldRcvWScale
	TCPFieldDeliveryRateAppLimited
	TCPFieldFastOpenClientFail
	TCPFieldRTO
	TCPFieldATO
	TCPFieldSndMSS
	TCPFieldRcvMSS
	TCPFieldUnacked
	TCPFieldSacked
	TCPFieldLost
	TCPFieldRetrans
	TCPFieldFackets
	TCPFieldLastDataSent
	TCPFieldLastAckSent
	TCPFieldLastDataRecv
	TCPFieldLastAckRecv
	TCPFieldPMTU
	TCPFieldRcvSSThresh
	TCPFieldRTT
	TCPFieldRTTVar
	TCPFieldSndSSThresh
	TCPFieldSndCwnd
	TCPFieldAdvMSS
	TCPFieldReordering
	TCPFieldRcvRTT
	TCPFieldRcvSpace
	TCPFieldTotalRetrans
	TCPFieldPacingRate
	TCPFieldMaxPacingRate
	TCPFieldBytesAcked
	TCPFieldBytesReceived
	TCPFieldSegsOut
	TCPFieldSegsIn
	TCPFieldNotsentBytes
	TCPFieldMinRTT
	TCPFieldDataSegsIn
	TCPFieldDataSegsOut
	TCPFieldDeliveryRate
	TCPFieldBusyTime
	TCPFieldRwndLimited
	TCPFieldSndbufLimited
	TCPFieldDelivered
	TCPFieldDeliveredCE
	TCPFieldBytesSent
	TCPFieldBytesRetrans
	TCPFieldDSACKDups
	TCPFieldReordSeen
	TCPFieldRcvOOOPack
	TCPFieldSndWnd
	TCPFieldRcvWnd
	TCPFieldRehash
	TCPFieldTotalRTO
	TCPFieldTotalRTORecoveries
	TCPFieldTotalRTOTime
	TCPFieldReceivedCE
	TCPFieldDeliveredE1Bytes
	TCPFieldDeliveredE0Bytes
	TCPFieldDeliveredCEBytes
	TCPFieldReceivedE1Bytes
	TCPFieldReceivedE0Bytes
	TCPFieldReceivedCEBytes
	TCPFieldECNMode
	TCPFieldAccECNOptSeen
	TCPFieldAccECNFailMode
	TCPFieldOptions2
	tcpFieldCount
)

// tcpFieldEnd is the end of each field in struct tcp_info: the Len from
// which the kernel sends it.
var tcpFieldEnd = [tcpFieldCount]uint16{
	TCPFieldState:                  1,
	TCPFieldCAState:                2,
	TCPFieldRetransmits:            3,
	TCPFieldProbes:                 4,
	TCPFieldBackoff:                5,
	TCPFieldOptTimestamps:          6,
	TCPFieldOptSACK:                6,
	TCPFieldOptWScale:              6,
	TCPFieldOptECN:                 6,
	TCPFieldOptECNSeen:             6,
	TCPFieldOptSynData:             6,
	TCPFieldOptUSec:                6,
	TCPFieldOptTFOChild:            6,
	TCPFieldSndWScale:              7,
	TCPFieldRcvWScale:              7,
	TCPFieldDeliveryRateAppLimited: 8,
	TCPFieldFastOpenClientFail:     8,
	TCPFieldRTO:                    12,
	TCPFieldATO:                    16,
	TCPFieldSndMSS:                 20,
	TCPFieldRcvMSS:                 24,
	TCPFieldUnacked:                28,
	TCPFieldSacked:                 32,
	TCPFieldLost:                   36,
	TCPFieldRetrans:                40,
	TCPFieldFackets:                44,
	TCPFieldLastDataSent:           48,
	TCPFieldLastAckSent:            52,
	TCPFieldLastDataRecv:           56,
	TCPFieldLastAckRecv:            60,
	TCPFieldPMTU:                   64,
	TCPFieldRcvSSThresh:            68,
	TCPFieldRTT:                    72,
	TCPFieldRTTVar:                 76,
	TCPFieldSndSSThresh:            80,
	TCPFieldSndCwnd:                84,
	TCPFieldAdvMSS:                 88,
	TCPFieldReordering:             92,
	TCPFieldRcvRTT:                 96,
	TCPFieldRcvSpace:               100,
	TCPFieldTotalRetrans:           TCPInfoLenTotalRetrans,
	TCPFieldPacingRate:             112,
	TCPFieldMaxPacingRate:          TCPInfoLenMaxPacing,
	TCPFieldBytesAcked:             128,
	TCPFieldBytesReceived:          TCPInfoLenBytesRecv,
	TCPFieldSegsOut:                140,
	TCPFieldSegsIn:                 TCPInfoLenSegs,
	TCPFieldNotsentBytes:           TCPInfoLenNotsent,
	TCPFieldMinRTT:                 TCPInfoLenMinRTT,
	TCPFieldDataSegsIn:             156,
	TCPFieldDataSegsOut:            TCPInfoLenDataSegs,
	TCPFieldDeliveryRate:           TCPInfoLenDeliveryRate,
	TCPFieldBusyTime:               176,
	TCPFieldRwndLimited:            184,
	TCPFieldSndbufLimited:          TCPInfoLenChrono,
	TCPFieldDelivered:              196,
	TCPFieldDeliveredCE:            TCPInfoLenDelivered,
	TCPFieldBytesSent:              208,
	TCPFieldBytesRetrans:           TCPInfoLenBytesRetrans,
	TCPFieldDSACKDups:              220,
	TCPFieldReordSeen:              TCPInfoLenReordSeen,
	TCPFieldRcvOOOPack:             TCPInfoLenOOOPack,
	TCPFieldSndWnd:                 TCPInfoLenSndWnd,
	TCPFieldRcvWnd:                 TCPInfoLenRcvWnd,
	TCPFieldRehash:                 TCPInfoLenRehash,
	TCPFieldTotalRTO:               242,
	TCPFieldTotalRTORecoveries:     244,
	TCPFieldTotalRTOTime:           TCPInfoLenTotalRTO,
	TCPFieldReceivedCE:             252,
	TCPFieldDeliveredE1Bytes:       256,
	TCPFieldDeliveredE0Bytes:       260,
	TCPFieldDeliveredCEBytes:       264,
	TCPFieldReceivedE1Bytes:        268,
	TCPFieldReceivedE0Bytes:        272,
	TCPFieldReceivedCEBytes:        276,
	TCPFieldECNMode:                TCPInfoLenAccECN,
	TCPFieldAccECNOptSeen:          TCPInfoLenAccECN,
	TCPFieldAccECNFailMode:         TCPInfoLenAccECN,
	TCPFieldOptions2:               TCPInfoLenAccECN,
}

// TCPFieldSet is a set of TCPFields; its zero value is empty.
type TCPFieldSet [(tcpFieldCount + 63) / 64]uint64

// Has reports whether f is in s.
func (s TCPFieldSet) Has(f TCPField) bool {
	return f < tcpFieldCount && s[f/64]&(1<<(f%64)) != 0
}

// With returns s with f added.
func (s TCPFieldSet) With(f TCPField) TCPFieldSet {
	if f < tcpFieldCount {
		s[f/64] |= 1 << (f % 64)
	}
	return s
}

// Without returns s with f removed.
func (s TCPFieldSet) Without(f TCPField) TCPFieldSet {
	if f < tcpFieldCount {
		s[f/64] &^= 1 << (f % 64)
	}
	return s
}

// AllTCPFields is the set of every TCPField.
func AllTCPFields() TCPFieldSet {
	var s TCPFieldSet
	for f := range tcpFieldCount {
		s = s.With(f)
	}
	return s
}

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

// Reply attributes carrying internals (enum INET_DIAG_*), beyond those
// inetdiag.go names.
const (
	inetDiagMemInfo   = 1  // INET_DIAG_MEMINFO: struct inet_diag_meminfo
	inetDiagInfo      = 2  // INET_DIAG_INFO: struct tcp_info for TCP
	inetDiagVegasInfo = 3  // INET_DIAG_VEGASINFO: struct tcpvegas_info
	inetDiagCong      = 4  // INET_DIAG_CONG: the algorithm's name, NUL-terminated
	inetDiagTOS       = 5  // INET_DIAG_TOS: u8
	inetDiagTClass    = 6  // INET_DIAG_TCLASS: u8
	inetDiagSkMemInfo = 7  // INET_DIAG_SKMEMINFO: u32[SK_MEMINFO_VARS]
	inetDiagDCTCPInfo = 9  // INET_DIAG_DCTCPINFO: struct tcp_dctcp_info
	inetDiagMark      = 15 // INET_DIAG_MARK: u32
	inetDiagBBRInfo   = 16 // INET_DIAG_BBRINFO: struct tcp_bbr_info
	inetDiagClassID   = 17 // INET_DIAG_CLASS_ID: u32
	inetDiagCgroupID  = 21 // INET_DIAG_CGROUP_ID: u64
)

// extBits returns the idiag_ext bits of a request for the internals m,
// as ss sets them: bit n-1 asks for attribute n. INET_DIAG_VEGASINFO
// asks the congestion module for its state, whichever it is (bbr and
// dctcp answer with their own attributes).
func extBits(m InternalsMask) uint8 {
	var ext uint8
	if m.Has(WantInfo) {
		ext |= 1<<(inetDiagInfo-1) | 1<<(inetDiagVegasInfo-1) | 1<<(inetDiagCong-1)
	}
	if m.Has(WantMemory) {
		ext |= 1<<(inetDiagMemInfo-1) | 1<<(inetDiagSkMemInfo-1)
	}
	if m.Has(WantTOS) {
		ext |= 1<<(inetDiagTOS-1) | 1<<(inetDiagTClass-1)
	}
	return ext
}

// bigEndianHost is true where the kernel packs C bit-fields from the most
// significant bit of their storage unit (big-endian ABIs).
var bigEndianHost = binary.NativeEndian.Uint16([]byte{0, 1}) == 1

// bitfield returns the bits [lo, lo+n) of a storage unit of size bits,
// counting from where the ABI starts allocating bit-fields.
func bitfield(v uint32, size, lo, n uint) uint32 {
	if bigEndianHost {
		lo = size - lo - n
	}
	return v >> lo & (1<<n - 1)
}

// decodeTCPInfo decodes struct tcp_info of any length into t: the fields
// that end within b, with t.Len saying where that is (capped at the
// largest layout known). Fields beyond it are zero. It never fails: every
// length is one some kernel could send.
func decodeTCPInfo(b []byte, t *TCPInfo) {
	var buf [TCPInfoLenAccECN]byte
	n := copy(buf[:], b)
	ne := binary.NativeEndian
	u32 := func(off int) uint32 { return ne.Uint32(buf[off:]) }
	u64 := func(off int) uint64 { return ne.Uint64(buf[off:]) }
	*t = TCPInfo{
		Len:                    uint16(n),
		State:                  buf[0],
		CAState:                buf[1],
		Retransmits:            buf[2],
		Probes:                 buf[3],
		Backoff:                buf[4],
		Options:                TCPInfoOption(buf[5]),
		SndWScale:              uint8(bitfield(uint32(buf[6]), 8, 0, 4)),
		RcvWScale:              uint8(bitfield(uint32(buf[6]), 8, 4, 4)),
		DeliveryRateAppLimited: bitfield(uint32(buf[7]), 8, 0, 1) != 0,
		FastOpenClientFail:     uint8(bitfield(uint32(buf[7]), 8, 1, 2)),

		RTO: u32(8), ATO: u32(12), SndMSS: u32(16), RcvMSS: u32(20),
		Unacked: u32(24), Sacked: u32(28), Lost: u32(32), Retrans: u32(36), Fackets: u32(40),
		LastDataSent: u32(44), LastAckSent: u32(48), LastDataRecv: u32(52), LastAckRecv: u32(56),
		PMTU: u32(60), RcvSSThresh: u32(64), RTT: u32(68), RTTVar: u32(72),
		SndSSThresh: u32(76), SndCwnd: u32(80), AdvMSS: u32(84), Reordering: u32(88),
		RcvRTT: u32(92), RcvSpace: u32(96), TotalRetrans: u32(100),
		PacingRate: u64(104), MaxPacingRate: u64(112), BytesAcked: u64(120), BytesReceived: u64(128),
		SegsOut: u32(136), SegsIn: u32(140),
		NotsentBytes: u32(144), MinRTT: u32(148), DataSegsIn: u32(152), DataSegsOut: u32(156),
		DeliveryRate: u64(160),
		BusyTime:     u64(168), RwndLimited: u64(176), SndbufLimited: u64(184),
		Delivered: u32(192), DeliveredCE: u32(196),
		BytesSent: u64(200), BytesRetrans: u64(208), DSACKDups: u32(216), ReordSeen: u32(220),
		RcvOOOPack: u32(224), SndWnd: u32(228), RcvWnd: u32(232), Rehash: u32(236),
		TotalRTO: ne.Uint16(buf[240:]), TotalRTORecoveries: ne.Uint16(buf[242:]), TotalRTOTime: u32(244),
		ReceivedCE: u32(248), DeliveredE1Bytes: u32(252), DeliveredE0Bytes: u32(256), DeliveredCEBytes: u32(260),
		ReceivedE1Bytes: u32(264), ReceivedE0Bytes: u32(268), ReceivedCEBytes: u32(272),
	}
	v := u32(276)
	t.ECNMode = uint8(bitfield(v, 32, 0, 2))
	t.AccECNOptSeen = uint8(bitfield(v, 32, 2, 2))
	t.AccECNFailMode = uint8(bitfield(v, 32, 4, 4))
	t.Options2 = bitfield(v, 32, 8, 24)
}

// padded returns b copied into a zeroed array of n bytes (n at most 24),
// so that a short attribute reads as zeros past its end, as ss reads it.
func padded(b []byte, n int) [24]byte {
	var buf [24]byte
	copy(buf[:n], b)
	return buf
}

// decodeBBRInfo decodes struct tcp_bbr_info (20 bytes; shorter reads as
// zeros past its end).
func decodeBBRInfo(b []byte) BBRInfo {
	buf := padded(b, 20)
	ne := binary.NativeEndian
	return BBRInfo{
		BW:         uint64(ne.Uint32(buf[4:]))<<32 | uint64(ne.Uint32(buf[0:])),
		MinRTT:     ne.Uint32(buf[8:]),
		PacingGain: ne.Uint32(buf[12:]),
		CwndGain:   ne.Uint32(buf[16:]),
	}
}

// decodeDCTCPInfo decodes struct tcp_dctcp_info (16 bytes).
func decodeDCTCPInfo(b []byte) DCTCPInfo {
	buf := padded(b, 16)
	ne := binary.NativeEndian
	return DCTCPInfo{
		Enabled: ne.Uint16(buf[0:]) != 0,
		CEState: ne.Uint16(buf[2:]),
		Alpha:   ne.Uint32(buf[4:]),
		ABECN:   ne.Uint32(buf[8:]),
		ABTot:   ne.Uint32(buf[12:]),
	}
}

// decodeVegasInfo decodes struct tcpvegas_info (16 bytes).
func decodeVegasInfo(b []byte) VegasInfo {
	buf := padded(b, 16)
	ne := binary.NativeEndian
	return VegasInfo{
		Enabled: ne.Uint32(buf[0:]) != 0,
		RTTCnt:  ne.Uint32(buf[4:]),
		RTT:     ne.Uint32(buf[8:]),
		MinRTT:  ne.Uint32(buf[12:]),
	}
}

// decodeMemInfo decodes struct inet_diag_meminfo (16 bytes).
func decodeMemInfo(b []byte) MemInfo {
	buf := padded(b, 16)
	ne := binary.NativeEndian
	return MemInfo{Rmem: ne.Uint32(buf[0:]), Wmem: ne.Uint32(buf[4:]), Fmem: ne.Uint32(buf[8:]), Tmem: ne.Uint32(buf[12:])}
}

// decodeSkMemInfo decodes the SK_MEMINFO_* array: as many whole u32 as b
// holds, up to the nine known; N says how many.
func decodeSkMemInfo(b []byte) SkMemInfo {
	var v [skMemVars]uint32
	n := min(len(b)/4, skMemVars)
	for i := range n {
		v[i] = binary.NativeEndian.Uint32(b[4*i:])
	}
	return SkMemInfo{
		N:         uint8(n),
		RmemAlloc: v[SkMemRmemAlloc], RcvBuf: v[SkMemRcvBuf],
		WmemAlloc: v[SkMemWmemAlloc], SndBuf: v[SkMemSndBuf],
		FwdAlloc: v[SkMemFwdAlloc], WmemQueued: v[SkMemWmemQueued],
		OptMem: v[SkMemOptMem], Backlog: v[SkMemBacklog], Drops: v[SkMemDrops],
	}
}

// congNames are the kernel's congestion control algorithms, so that the
// name of a socket's allocates nothing in the common case.
var congNames = [...]string{"cubic", "bbr", "reno", "dctcp", "vegas", "westwood", "htcp", "bic",
	"highspeed", "hybla", "illinois", "lp", "nv", "scalable", "veno", "yeah", "cdg", "bbr2", "bbr3", "prague"}

// decodeCong returns the algorithm name of INET_DIAG_CONG: the bytes up
// to the first NUL.
func decodeCong(b []byte) string {
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	for _, n := range congNames {
		if n == string(b) {
			return n
		}
	}
	return string(b)
}

// decodeInternal decodes one reply attribute of type typ into in if it
// is an internal that mask asks for and the protocol p carries (tcp_info
// is TCP's: MPTCP and the others put other structs or nothing in
// INET_DIAG_INFO). It reports whether it recognised the attribute. It
// touches in only together with a Has bit, so an Internals to which it
// added nothing is still zero.
func decodeInternal(typ uint16, data []byte, p Proto, mask InternalsMask, in *Internals) bool {
	switch typ {
	case inetDiagInfo:
		if p != TCP || !mask.Has(WantInfo) {
			return false
		}
		decodeTCPInfo(data, &in.TCP)
		in.Has |= HasTCPInfo
	case inetDiagCong:
		if !mask.Has(WantInfo) {
			return false
		}
		in.Congestion = decodeCong(data)
		in.Has |= HasCongestion
	case inetDiagBBRInfo:
		if !mask.Has(WantInfo) {
			return false
		}
		in.BBR = decodeBBRInfo(data)
		in.Has |= HasBBR
	case inetDiagDCTCPInfo:
		if !mask.Has(WantInfo) {
			return false
		}
		in.DCTCP = decodeDCTCPInfo(data)
		in.Has |= HasDCTCP
	case inetDiagVegasInfo:
		if !mask.Has(WantInfo) {
			return false
		}
		in.Vegas = decodeVegasInfo(data)
		in.Has |= HasVegas
	case inetDiagULPInfo:
		if p != TCP || !mask.Has(WantInfo) || in.Has&HasULP != 0 {
			return false
		}
		u, ok := decodeULPInfo(data)
		if !ok {
			return false
		}
		in.ULP, in.Has = &u, in.Has|HasULP
	case inetDiagMD5Sig:
		if p != TCP || !mask.Has(WantInfo) || len(data) == 0 || in.Has&HasMD5Sig != 0 {
			return false
		}
		in.MD5Keys, in.Has = decodeMD5Sig(data), in.Has|HasMD5Sig
	case inetDiagSkMemInfo:
		if !mask.Has(WantMemory) {
			return false
		}
		in.SkMem = decodeSkMemInfo(data)
		in.Has |= HasSkMem
	case inetDiagMemInfo:
		if !mask.Has(WantMemory) {
			return false
		}
		in.MemInfo = decodeMemInfo(data)
		in.Has |= HasMemInfo
	case inetDiagTOS, inetDiagTClass:
		if !mask.Has(WantTOS) || len(data) < 1 {
			return false
		}
		if typ == inetDiagTOS {
			in.TOS, in.Has = data[0], in.Has|HasTOS
		} else {
			in.TClass, in.Has = data[0], in.Has|HasTClass
		}
	case inetDiagClassID:
		if !mask.Has(WantTOS) || len(data) < 4 {
			return false
		}
		in.ClassID, in.Has = binary.NativeEndian.Uint32(data), in.Has|HasClassID
	case inetDiagMark:
		if !mask.Has(WantExtended) || len(data) < 4 {
			return false
		}
		in.Mark, in.Has = binary.NativeEndian.Uint32(data), in.Has|HasMark
	case inetDiagCgroupID:
		if !mask.Has(WantExtended) || len(data) < 8 {
			return false
		}
		in.CgroupID, in.Has = binary.NativeEndian.Uint64(data), in.Has|HasCgroupID
	case inetDiagShutdown:
		if !mask.Has(WantExtended) || len(data) < 1 {
			return false
		}
		in.Shutdown, in.Has = data[0], in.Has|HasShutdown
	case inetDiagSkV6Only:
		if !mask.Has(WantExtended) || len(data) < 1 {
			return false
		}
		in.V6Only, in.Has = data[0] != 0, in.Has|HasV6Only
	default:
		return false
	}
	return true
}

// internalsSlab hands out zeroed Internals from chunks, so that a dump
// with internals allocates once per internalsChunk sockets, not once per
// socket.
type internalsSlab struct{ free []Internals }

const internalsChunk = 32

// next returns a zeroed Internals; it stays the next one handed out until
// take is called.
func (s *internalsSlab) next() *Internals {
	if len(s.free) == 0 {
		s.free = make([]Internals, internalsChunk)
	}
	return &s.free[0]
}

// take hands out the Internals next returned.
func (s *internalsSlab) take() { s.free = s.free[1:] }
