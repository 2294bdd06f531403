package render

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// ssBBRSocket is the client of a loopback connection as ss -tniem showed
// it (Linux 6.18, iproute2 6.1):
//
//	skmem:(r0,rb131072,t0,tb3939840,f0,w0,o0,bl0,d0) ts sack bbr wscale:10,10 rto:204 rtt:0.035/0.013 mss:47616 pmtu:65535 rcvmss:536 advmss:65483 cwnd:13 bytes_sent:100000 bytes_acked:100001 segs_out:5 segs_in:3 data_segs_out:3 bbr:(bw:26270887936bps,mrtt:0.021,pacing_gain:2.88672,cwnd_gain:2.88672) send 141487542857bps lastsnd:816 lastrcv:816 lastack:816 pacing_rate 202311142712bps delivery_rate 26270896544bps delivered:4 rcv_space:65495 rcv_ssthresh:65495 minrtt:0.021 snd_wnd:95232
func ssBBRSocket() sockets.Socket {
	in := &sockets.Internals{
		Has: sockets.HasTCPInfo | sockets.HasCongestion | sockets.HasBBR | sockets.HasSkMem | sockets.HasMemInfo,
		TCP: sockets.TCPInfo{
			Len: sockets.TCPInfoLenAccECN, State: uint8(sockets.Established),
			Options:   sockets.OptTimestamps | sockets.OptSACK | sockets.OptWScale,
			SndWScale: 10, RcvWScale: 10, RTO: 204000, RTT: 35, RTTVar: 13, SndMSS: 47616, PMTU: 65535,
			RcvMSS: 536, AdvMSS: 65483, SndCwnd: 13, SndSSThresh: 0x7fffffff, Reordering: 3,
			BytesSent: 100000, BytesAcked: 100001, SegsOut: 5, SegsIn: 3, DataSegsOut: 3,
			LastDataSent: 816, LastDataRecv: 816, LastAckRecv: 816,
			PacingRate: 25288892839, MaxPacingRate: ^uint64(0), DeliveryRate: 3283862068, Delivered: 4,
			RcvSpace: 65495, RcvSSThresh: 65495, MinRTT: 21, SndWnd: 95232, RcvWnd: 65536,
		},
		Congestion: "bbr",
		BBR:        sockets.BBRInfo{BW: 3283860992, MinRTT: 21, PacingGain: 739, CwndGain: 739},
		SkMem:      sockets.SkMemInfo{N: 9, RcvBuf: 131072, SndBuf: 3939840},
		MemInfo:    sockets.MemInfo{Tmem: 1},
	}
	return sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Established,
		Local: netip.MustParseAddrPort("127.0.0.1:54156"), Remote: netip.MustParseAddrPort("127.0.0.1:52909"), Internals: in}
}

func TestAppendSSInfo(t *testing.T) {
	s := ssBBRSocket()
	all := SSInfoOptions{Info: true, Memory: true, Options: true, Numeric: true}
	const want = " skmem:(r0,rb131072,t0,tb3939840,f0,w0,o0,bl0,d0) ts sack bbr wscale:10,10 rto:204 rtt:0.035/0.013 mss:47616 pmtu:65535 rcvmss:536 advmss:65483 cwnd:13 bytes_sent:100000 bytes_acked:100001 segs_out:5 segs_in:3 data_segs_out:3 bbr:(bw:26270887936bps,mrtt:0.021,pacing_gain:2.88672,cwnd_gain:2.88672) send 141487542857bps lastsnd:816 lastrcv:816 lastack:816 pacing_rate 202311142712bps delivery_rate 26270896544bps delivered:4 rcv_space:65495 rcv_ssthresh:65495 minrtt:0.021 snd_wnd:95232"
	if got := string(AppendSSInfo(nil, &s, all)); got != want {
		t.Errorf("-tniem:\n got %s\nwant %s", got, want)
	}
	// Without -n the rates are scaled; without -o/-e no options; -m
	// alone is the memory; -i alone no memory.
	const scaled = " bbr wscale:10,10 rto:204 rtt:0.035/0.013 mss:47616 pmtu:65535 rcvmss:536 advmss:65483 cwnd:13 bytes_sent:100000 bytes_acked:100001 segs_out:5 segs_in:3 data_segs_out:3 bbr:(bw:26.3Gbps,mrtt:0.021,pacing_gain:2.88672,cwnd_gain:2.88672) send 141Gbps lastsnd:816 lastrcv:816 lastack:816 pacing_rate 202Gbps delivery_rate 26.3Gbps delivered:4 rcv_space:65495 rcv_ssthresh:65495 minrtt:0.021 snd_wnd:95232"
	if got := string(AppendSSInfo(nil, &s, SSInfoOptions{Info: true})); got != scaled {
		t.Errorf("-ti:\n got %s\nwant %s", got, scaled)
	}
	if got := string(AppendSSInfo(nil, &s, SSInfoOptions{Memory: true})); got != " skmem:(r0,rb131072,t0,tb3939840,f0,w0,o0,bl0,d0)" {
		t.Errorf("-tm: %s", got)
	}
	// A socket without internals, or a UDP one with memory only.
	var bare sockets.Socket
	if got := AppendSSInfo(nil, &bare, all); len(got) != 0 {
		t.Errorf("no internals: %q", got)
	}
	udp := sockets.Socket{Proto: sockets.UDP, Family: sockets.Inet, Internals: &sockets.Internals{Has: sockets.HasSkMem, SkMem: sockets.SkMemInfo{N: 8, RmemAlloc: 832}}}
	if got := string(AppendSSInfo(nil, &udp, all)); got != " skmem:(r832,rb0,t0,tb0,f0,w0,o0,bl0)" {
		t.Errorf("udp: %s", got)
	}
	if SSInfoLine(&udp, SSInfoOptions{Info: true}) || !SSInfoLine(&udp, SSInfoOptions{Memory: true}) || !SSInfoLine(&bare, SSInfoOptions{Info: true}) {
		t.Error("SSInfoLine")
	}
	old := sockets.Internals{Has: sockets.HasMemInfo, MemInfo: sockets.MemInfo{Rmem: 1, Wmem: 2, Fmem: 3, Tmem: 4}}
	if got := string(AppendSSMemory(nil, &old)); got != " mem:(r1,w2,f3,t4)" {
		t.Errorf("meminfo: %s", got)
	}
}

func TestAppendSSInfoFields(t *testing.T) {
	// The items ss prints only when they are set, and its quirks: rto of
	// exactly 3 s (TCP_TIMEOUT_INIT) is left out, ssthresh only under
	// 0xFFFF, sacked never for a listener, reordering unless 3.
	in := &sockets.Internals{Has: sockets.HasTCPInfo | sockets.HasDCTCP | sockets.HasVegas | sockets.HasCongestion,
		Congestion: "dctcp",
		TCP: sockets.TCPInfo{
			State: uint8(sockets.Established), Options: sockets.OptECN | sockets.OptECNSeen | sockets.OptSynData,
			RTO: 3000000, Backoff: 2, RTT: 1500, RTTVar: 750, ATO: 40000, SndMSS: 1448, SndCwnd: 4, SndSSThresh: 7,
			BytesRetrans: 2896, BytesReceived: 10, Unacked: 3, Retrans: 1, TotalRetrans: 5, Lost: 2, Sacked: 1,
			DSACKDups: 1, Reordering: 9, ReordSeen: 4, RcvRTT: 250, NotsentBytes: 100, MinRTT: ^uint32(0),
			RcvOOOPack: 6, BusyTime: 20000, RwndLimited: 3000, SndbufLimited: 1000, DeliveredCE: 2,
			PacingRate: 1234, MaxPacingRate: 5000000,
		},
		DCTCP: sockets.DCTCPInfo{Enabled: true, CEState: 1, Alpha: 1024, ABECN: 300, ABTot: 4000},
		Vegas: sockets.VegasInfo{Enabled: true, RTT: 3000},
	}
	s := sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet6, Internals: in}
	const want = " ecn ecnseen fastopen dctcp backoff:2 rtt:1.5/0.75 ato:40 mss:1448 cwnd:4 ssthresh:7 bytes_retrans:2896 bytes_received:10" +
		" dctcp:(ce_state:1,alpha:1024,ab_ecn:300,ab_tot:4000) send 15.4Mbps pacing_rate 9.87kbps/40Mbps delivered_ce:2" +
		" busy:20ms rwnd_limited:3ms(15.0%) sndbuf_limited:1ms(5.0%) unacked:3 retrans:1/5 lost:2 sacked:1 dsack_dups:1" +
		" reordering:9 reord_seen:4 rcv_rtt:0.25 notsent:100 rcv_ooopack:6"
	if got := string(AppendSSInfo(nil, &s, SSInfoOptions{Info: true, Options: true})); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	in.DCTCP.Enabled = false
	in.TCP.State, in.TCP.Options = uint8(sockets.Listen), 0
	in.Has &^= sockets.HasVegas | sockets.HasCongestion
	const listen = " backoff:2 rtt:1.5/0.75 ato:40 mss:1448 cwnd:4 ssthresh:7 bytes_retrans:2896 bytes_received:10 dctcp:fallback_mode send 30.9Mbps"
	if got := string(AppendSSInfo(nil, &s, SSInfoOptions{Info: true, Numeric: false})); got[:len(listen)] != listen {
		t.Errorf("\n got %s\nwant %s...", got, listen)
	}
}

// TestAppendSSInfoMissing: tcp_info from a source that could not fill
// some fields (Windows) shows none of them, not even as the zeros ss
// prints for Linux (reordering:0, retrans:0/N).
func TestAppendSSInfoMissing(t *testing.T) {
	s := windowsSocket()
	in := s.Internals
	const want = " wscale:7,8 rto:300 rtt:1.234/0.321 mss:1460 advmss:1460 cwnd:10 bytes_sent:1048576" +
		" bytes_retrans:2920 bytes_acked:1045656 bytes_received:300 segs_out:722 segs_in:400 data_segs_out:720" +
		" data_segs_in:2 send 94.7Mbps busy:43ms rwnd_limited:3ms(7.0%) retrans:-/2 dsack_dups:1 notsent:1000" +
		" minrtt:0.9 snd_wnd:131072"
	if got := string(AppendSSInfo(nil, &s, SSInfoOptions{Info: true, Options: true})); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	// A reordering Windows cannot tell (were it so) shows nothing
	// either, though ss prints any but 3.
	in.TCP.Reordering = 0
	in.TCP.Missing = in.TCP.Missing.With(sockets.TCPFieldReordering)
	if got := string(AppendSSInfo(nil, &s, SSInfoOptions{Info: true})); strings.Contains(got, "reordering") {
		t.Errorf("missing reordering shown: %s", got)
	}
	// Linux's tcp_info with the same values: ss's zeros.
	in.TCP.Missing = sockets.TCPFieldSet{}
	if got := string(AppendSSInfo(nil, &s, SSInfoOptions{Info: true})); !strings.Contains(got, " retrans:0/2 ") ||
		!strings.Contains(got, " reordering:0 ") {
		t.Errorf("Linux: %s", got)
	}
}

func TestAppendSSBW(t *testing.T) {
	for _, tt := range []struct {
		bw      float64
		numeric bool
		want    string
	}{
		{0, false, "0"}, {999, false, "999"}, {1000, false, "1k"}, {1234567, false, "1.23M"},
		{2.5e9, false, "2.5G"}, {1.5e12, false, "1.5T"}, {999.5, false, "999.5"}, {52428800000, true, "52428800000"},
		{0.5, true, "0"}, {1.5, true, "2"},
	} {
		if got := string(appendSSBW(nil, tt.bw, tt.numeric)); got != tt.want {
			t.Errorf("%v (numeric %v): %s, want %s", tt.bw, tt.numeric, got, tt.want)
		}
	}
}

func TestAppendSSTimer(t *testing.T) {
	for _, tt := range []struct {
		timer sockets.Timer
		want  string
	}{
		{sockets.Timer{Kind: sockets.NoTimerData}, ""},
		{sockets.Timer{Kind: sockets.TimerOff}, ""},
		{sockets.Timer{Kind: sockets.TimerOn, Retrans: 2, Expires: 204}, " timer:(on,204ms,2)"},
		{sockets.Timer{Kind: sockets.TimerOn, Expires: 50}, " timer:(on,050ms,0)"},
		{sockets.Timer{Kind: sockets.TimerKeepalive, Probes: 1, Expires: 7170240}, " timer:(keepalive,119min,1)"},
		{sockets.Timer{Kind: sockets.TimerTimeWait, Expires: 59500}, " timer:(timewait,59sec,0)"},
		{sockets.Timer{Kind: sockets.TimerTimeWait, Expires: 1500}, " timer:(timewait,1.500ms,0)"},
		{sockets.Timer{Kind: sockets.TimerProbe, Probes: 3, Expires: 90000}, " timer:(persist,1min30sec,3)"},
		{sockets.Timer{Kind: sockets.TimerKind(9), Expires: 0}, " timer:(unknown,,0)"},
	} {
		s := sockets.Socket{Proto: sockets.TCP, Timer: tt.timer}
		if got := string(AppendSSTimer(nil, &s)); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.timer, got, tt.want)
		}
	}
}

func TestAppendSSInfoAllocs(t *testing.T) {
	s := ssBBRSocket()
	b := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() { b = AppendSSInfo(b[:0], &s, SSInfoOptions{Info: true, Memory: true, Options: true}) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

// ssMPTCPSubflow is the client subflow of an MPTCP connection as ss -tni
// ended its info line (Linux 6.18, iproute2 6.1):
//
//	... snd_wnd:65536 tcp-ulp-mptcp flags:Mmec token:0000(id:0)/4007e976(id:0) seq:814314d553c23861 sfseq:1 ssnoff:802e5559 maplen:bb8
func ssMPTCPSubflow() *sockets.ULPInfo {
	all := uint16(0)
	for a := sockets.MPTCPAttrTokenRem; a <= sockets.MPTCPAttrIDLoc; a++ {
		all |= 1 << a
	}
	return &sockets.ULPInfo{
		Attrs: 1<<sockets.ULPAttrName | 1<<sockets.ULPAttrMPTCP,
		Name:  "mptcp",
		MPTCP: sockets.MPTCPSubflowInfo{
			Attrs:    all,
			TokenLoc: 0x4007e976, MapSeq: 0x814314d553c23861, MapSfSeq: 1, SSNOffset: 0x802e5559, MapDataLen: 3000,
			Flags: sockets.MPTCPFlagMCapRem | sockets.MPTCPFlagMCapLoc | sockets.MPTCPFlagFullyEstablished | sockets.MPTCPFlagConnected,
		},
	}
}

func TestAppendSSULP(t *testing.T) {
	const mptcp = " tcp-ulp-mptcp flags:Mmec token:0000(id:0)/4007e976(id:0) seq:814314d553c23861 sfseq:1 ssnoff:802e5559 maplen:bb8"
	s := ssBBRSocket()
	s.Internals.Has |= sockets.HasULP
	s.Internals.ULP = ssMPTCPSubflow()
	// After tcp_info's items, with -i only: the kernel sends it only to
	// a request that asked for tcp_info.
	base := ssBBRSocket()
	for _, o := range []SSInfoOptions{{Info: true}, {Info: true, Memory: true, Options: true, Numeric: true}} {
		want := string(AppendSSInfo(nil, &base, o)) + mptcp
		if got := string(AppendSSInfo(nil, &s, o)); got != want {
			t.Errorf("%+v:\n got %s\nwant %s", o, got, want)
		}
	}
	if got := string(AppendSSInfo(nil, &s, SSInfoOptions{Memory: true})); got != string(AppendSSInfo(nil, &base, SSInfoOptions{Memory: true})) {
		t.Errorf("-m: %s", got)
	}
	// A listener: its name alone, after what little tcp_info it has.
	l := sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Listen, Internals: &sockets.Internals{
		Has: sockets.HasULP | sockets.HasTCPInfo | sockets.HasCongestion, Congestion: "bbr",
		TCP: sockets.TCPInfo{Len: sockets.TCPInfoLenAccECN, State: uint8(sockets.Listen), SndCwnd: 10, Reordering: 3},
		ULP: &sockets.ULPInfo{Attrs: 1 << sockets.ULPAttrName, Name: "mptcp"},
	}}
	if got := string(AppendSSInfo(nil, &l, SSInfoOptions{Info: true})); got != " bbr cwnd:10 tcp-ulp-mptcp" {
		t.Errorf("listener: %q", got)
	}

	for _, tt := range []struct {
		name string
		u    sockets.ULPInfo
		want string
	}{
		{"kernel TLS", sockets.ULPInfo{Attrs: 1<<sockets.ULPAttrName | 1<<sockets.ULPAttrTLS, Name: "tls", TLS: sockets.TLSInfo{
			Attrs:   1<<sockets.TLSAttrVersion | 1<<sockets.TLSAttrCipher | 1<<sockets.TLSAttrTxConf | 1<<sockets.TLSAttrRxConf | 1<<sockets.TLSAttrZCRoTx | 1<<sockets.TLSAttrRxNoPad,
			Version: sockets.TLSVersion13, Cipher: sockets.TLSCipherAESGCM256, TxConf: sockets.TLSConfSW, RxConf: sockets.TLSConfHWRecord}},
			" tcp-ulp-tls version: 1.3 cipher: aes-gcm-256 rxconf: hw-record txconf: sw zc_ro_tx"},
		{"TLS values ss 6.1 does not name", sockets.ULPInfo{Attrs: 1 << sockets.ULPAttrTLS, TLS: sockets.TLSInfo{
			Attrs:   1<<sockets.TLSAttrVersion | 1<<sockets.TLSAttrCipher | 1<<sockets.TLSAttrTxConf | 1<<sockets.TLSAttrRxConf,
			Version: 0x0302, Cipher: sockets.TLSCipherChaCha20, TxConf: 0, RxConf: 9}},
			" version: unknown(770) rxconf: unknown(9) txconf: unknown(0)"},
		{"TLS without attributes", sockets.ULPInfo{Attrs: 1<<sockets.ULPAttrName | 1<<sockets.ULPAttrTLS, Name: "tls"}, " tcp-ulp-tls"},
		{"token needs all four", sockets.ULPInfo{Attrs: 1 << sockets.ULPAttrMPTCP, MPTCP: sockets.MPTCPSubflowInfo{
			Attrs:    1<<sockets.MPTCPAttrTokenRem | 1<<sockets.MPTCPAttrTokenLoc | 1<<sockets.MPTCPAttrIDRem | 1<<sockets.MPTCPAttrFlags,
			TokenRem: 1, TokenLoc: 2, Flags: 1 << 9}},
			" flags:"},
		{"every flag, ids, short tokens", sockets.ULPInfo{Attrs: 1 << sockets.ULPAttrMPTCP, MPTCP: sockets.MPTCPSubflowInfo{
			Attrs:    1<<sockets.MPTCPAttrTokenRem | 1<<sockets.MPTCPAttrTokenLoc | 1<<sockets.MPTCPAttrIDRem | 1<<sockets.MPTCPAttrIDLoc | 1<<sockets.MPTCPAttrFlags | 1<<sockets.MPTCPAttrMapSeq,
			TokenRem: 0xab, TokenLoc: 0x12345, IDRem: 2, IDLoc: 255, Flags: 0x1ff}},
			" flags:MmJjBbecv token:00ab(id:2)/12345(id:255) seq:0"},
		{"flags of zero print nothing", sockets.ULPInfo{Attrs: 1 << sockets.ULPAttrMPTCP, MPTCP: sockets.MPTCPSubflowInfo{Attrs: 1 << sockets.MPTCPAttrFlags}}, ""},
	} {
		if got := string(AppendSSULP(nil, &tt.u)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestAppendSSMD5Keys(t *testing.T) {
	// ss -tlni on a listener with two keys, the kernel's latest first:
	// ss 6.1 writes the keys ahead of its table and leaves "=" empty.
	s := sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Listen, Internals: &sockets.Internals{
		Has: sockets.HasMD5Sig | sockets.HasTCPInfo | sockets.HasCongestion | sockets.HasULP, Congestion: "bbr",
		TCP: sockets.TCPInfo{Len: sockets.TCPInfoLenAccECN, State: uint8(sockets.Listen), SndCwnd: 10, Reordering: 3},
		MD5Keys: []sockets.MD5Key{
			{Family: 2, PrefixLen: 16, Addr: netip.MustParseAddr("10.1.0.0"), Key: []byte("k2")},
			{Family: 2, PrefixLen: 32, Addr: netip.MustParseAddr("127.0.0.1"), Key: []byte("sec ret,\\x\x01\xff")},
			{Family: 10, PrefixLen: 128, Addr: netip.MustParseAddr("::1"), Key: []byte("v6")},
			{Family: 10, PrefixLen: 96, Addr: netip.MustParseAddr("::10.0.0.1"), Key: nil},
			{Family: 10, PrefixLen: 128, Addr: netip.MustParseAddr("::ffff:10.0.0.1"), Key: nil},
		},
		ULP: &sockets.ULPInfo{Attrs: 1 << sockets.ULPAttrName, Name: "tls"},
	}}
	o := SSInfoOptions{Info: true}
	const line = " bbr cwnd:10 md5keys:10.1.0.0/16=,127.0.0.1/32=,::1/128=,::10.0.0.1/96=,::ffff:10.0.0.1/128= tcp-ulp-tls"
	if got := string(AppendSSInfo(nil, &s, o)); got != line {
		t.Errorf("line:\n got %s\nwant %s", got, line)
	}
	const ahead = `k2sec\040ret\054\134x\001\377v6`
	if got := string(AppendSSMD5KeysAhead(nil, &s, o)); got != ahead {
		t.Errorf("ahead: %s, want %s", got, ahead)
	}
	o.MD5Keys = true
	const keyed = " bbr cwnd:10 md5keys:10.1.0.0/16=k2,127.0.0.1/32=sec\\040ret\\054\\134x\\001\\377,::1/128=v6,::10.0.0.1/96=,::ffff:10.0.0.1/128= tcp-ulp-tls"
	if got := string(AppendSSInfo(nil, &s, o)); got != keyed {
		t.Errorf("MD5Keys:\n got %s\nwant %s", got, keyed)
	}
	if got := AppendSSMD5KeysAhead(nil, &s, SSInfoOptions{Memory: true}); len(got) != 0 {
		t.Errorf("ahead without -i: %q", got)
	}
}
