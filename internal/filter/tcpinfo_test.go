package filter

import (
	"errors"
	"reflect"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// withInfo returns a TCP socket whose tcp_info the kernel sent n bytes
// of, with the values given.
func withInfo(n int, t sockets.TCPInfo) sockets.Socket {
	s := tcp(sockets.Established, "10.0.0.1:22", "10.0.0.2:50312")
	t.Len = uint16(n)
	s.Internals = &sockets.Internals{Has: sockets.HasTCPInfo, TCP: t}
	return s
}

func TestTCPInfoCanonical(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"rtt > 100ms", "rtt > 100ms"},
		{"rtt > 100", "rtt > 100ms"},
		{"rtt gt 0.5", "rtt > 500us"},
		{"rto >= 1s", "rto >= 1s"},
		{"rto >= 1000ms", "rto >= 1s"},
		{"rttvar < 1.5ms", "rttvar < 1500us"},
		{"minrtt <= 250us", "minrtt <= 250us"},
		{"min_rtt <= 250µs", "minrtt <= 250us"},
		{"rtt = 0", "rtt = 0ms"},
		{"lastsnd > 2.5s", "lastsnd > 2500ms"},
		{"retrans > 0", "retrans > 0"},
		{"retrans_total > 0 or total_retrans > 1", "total_retrans > 0 or total_retrans > 1"},
		{"cwnd < 10 and ssthresh != 5", "cwnd < 10 and ssthresh != 5"},
		{"snd_cwnd < 10", "cwnd < 10"},
		{"delivery_rate < 10M", "delivery_rate < 10Mbps"},
		{"delivery_rate < 1.5Gbps", "delivery_rate < 1500Mbps"},
		{"pacing_rate >= 800kbps", "pacing_rate >= 800kbps"},
		{"pacing_rate >= 1234", "pacing_rate >= 1234bps"},
		{"bytes_sent > 1000000 and not lost = 0", "bytes_sent > 1000000 and not lost = 0"},
		{"state established rtt > 1s", "state established rtt > 1s"},
	} {
		e := mustParse(t, c.in)
		if got := e.String(); got != c.want {
			t.Errorf("Parse(%q).String() = %q, want %q", c.in, got, c.want)
		}
		e2 := mustParse(t, e.String())
		if !reflect.DeepEqual(e.Root, e2.Root) {
			t.Errorf("%q: canonical form %q parses to another tree", c.in, e.String())
		}
	}
}

func TestTCPInfoParseErrors(t *testing.T) {
	for _, c := range []struct{ in, tok string }{
		{"rtt > fast", "fast"},
		{"rtt > 1.0005ms", "1.0005ms"}, // below a microsecond
		{"rtt > -1ms", "-1ms"},
		{"rtt > 1e3", "1e3"},
		{"rtt > .", "."},
		{"cwnd < 1.5", "1.5"},
		{"delivery_rate > 1.5", "1.5"},
		{"delivery_rate > 99999999999999999999", "99999999999999999999"},
		{"retrans >", ""},
	} {
		_, err := Parse(c.in, testOpts)
		var fe *Error
		if !errors.As(err, &fe) || fe.Token != c.tok {
			t.Errorf("Parse(%q) = %v, want an error at %q", c.in, err, c.tok)
		}
	}
}

func TestTCPInfoEval(t *testing.T) {
	full := sockets.TCPInfoLenAccECN
	slow := withInfo(full, sockets.TCPInfo{RTT: 150000, RTO: 1200000, Retrans: 1, TotalRetrans: 7, SndCwnd: 4,
		DeliveryRate: 1000000, PacingRate: ^uint64(0), MinRTT: ^uint32(0), LastDataSent: 3000, BytesSent: 5})
	fast := withInfo(full, sockets.TCPInfo{RTT: 50, RTO: 204000, SndCwnd: 10, DeliveryRate: 125000000, PacingRate: 1000, MinRTT: 40})
	old := withInfo(sockets.TCPInfoLenTotalRetrans, sockets.TCPInfo{RTT: 150000, TotalRetrans: 7, BytesSent: 99})
	udp := tcp(sockets.Close, "10.0.0.1:53", "0.0.0.0:0")
	udp.Proto = sockets.UDP
	tw := tcp(sockets.TimeWait, "10.0.0.1:22", "10.0.0.3:1")
	tw.Internals = &sockets.Internals{Has: sockets.HasMark}
	socks := []sockets.Socket{slow, fast, old, udp, tw}
	names := []string{"slow", "fast", "old", "udp", "timewait"}
	for _, c := range []struct {
		filter string
		want   []string
	}{
		{"rtt > 100ms", []string{"slow", "old"}},
		{"rtt <= 100ms", []string{"fast"}},
		{"rto >= 1s", []string{"slow"}},
		{"retrans > 0", []string{"slow"}},
		{"total_retrans > 0", []string{"slow", "old"}},
		{"cwnd < 10", []string{"slow", "old"}},    // old's cwnd is 0: the field is in its struct
		{"delivery_rate < 10M", []string{"slow"}}, // 10 Mbit/s; old's struct has no delivery rate
		{"delivery_rate >= 1Gbps", []string{"fast"}},
		{"pacing_rate > 0", []string{"fast"}}, // slow's is unlimited: no value
		{"minrtt < 1ms", []string{"fast"}},    // slow's min_rtt is unknown
		{"lastsnd > 2s", []string{"slow"}},
		{"bytes_sent > 0", []string{"slow"}}, // old's struct has no bytes_sent
		{"rtt != 1ms", []string{"slow", "fast", "old"}},
		// A socket without tcp_info matches no comparison on it, but
		// not turns that around.
		{"not rtt > 100ms", []string{"fast", "udp", "timewait"}},
	} {
		e := mustParse(t, c.filter)
		var got []string
		for i := range socks {
			if e.Eval(&socks[i]) {
				got = append(got, names[i])
			}
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q selects %v, want %v", c.filter, got, c.want)
		}
		p, err := e.Plan()
		if err != nil {
			t.Fatal(err)
		}
		if p.NeedsInternals != sockets.WantInfo || p.NeedsOwners || p.Bytecode != nil || p.AfterDump == nil {
			t.Errorf("%q: plan %+v", c.filter, p)
		}
		for i := range socks {
			if p.AfterDump(&socks[i]) != e.Eval(&socks[i]) {
				t.Errorf("%q: AfterDump and Eval differ on %s", c.filter, names[i])
			}
		}
	}
}

// windowsInfo returns a TCP socket with tcp_info as the Windows source
// maps it: Len through rcv_wnd, but only the fields GetPerTcpConnectionEStats
// has a counterpart for known, the rest zero.
func windowsInfo(t sockets.TCPInfo) sockets.Socket {
	missing := sockets.AllTCPFields()
	for _, f := range []sockets.TCPField{sockets.TCPFieldState, sockets.TCPFieldRTT, sockets.TCPFieldRTO,
		sockets.TCPFieldSndCwnd, sockets.TCPFieldTotalRetrans, sockets.TCPFieldBytesSent, sockets.TCPFieldRcvWnd} {
		missing = missing.Without(f)
	}
	t.Missing = missing
	return withInfo(sockets.TCPInfoLenRcvWnd, t)
}

// TestTCPInfoEvalMissing: a field the source could not fill (Windows has
// no ato, lost, current retransmissions, pacing rate ...) is absent as a
// field beyond an old kernel's struct is: no comparison on it matches,
// whichever way it goes, and not turns that around.
func TestTCPInfoEvalMissing(t *testing.T) {
	win := windowsInfo(sockets.TCPInfo{RTT: 150000, RTO: 300000, SndCwnd: 10, TotalRetrans: 2, BytesSent: 1000, RcvWnd: 65280})
	linux := withInfo(sockets.TCPInfoLenRcvWnd, sockets.TCPInfo{RTT: 150000, RTO: 300000, SndCwnd: 10, TotalRetrans: 2, BytesSent: 1000, RcvWnd: 65280})
	for _, c := range []struct {
		filter     string
		win, linux bool
	}{
		{"rtt > 100ms", true, true},
		{"rto = 300ms", true, true},
		{"cwnd = 10", true, true},
		{"total_retrans > 1", true, true},
		{"bytes_sent >= 1000", true, true},
		{"rcv_wnd = 65280", true, true},
		{"retrans = 0", false, true},
		{"retrans > 0", false, false},
		{"retrans != 5", false, true},
		{"lost = 0", false, true},
		{"sacked < 1", false, true},
		{"unacked = 0", false, true},
		{"ato = 0", false, true},
		{"lastsnd < 1s", false, true},
		{"pmtu < 1500", false, true},
		{"rcvmss = 0", false, true},
		{"rcv_rtt = 0", false, false}, // 0: no sample yet, unknown
		{"rcv_space = 0", false, true},
		{"rcv_ssthresh = 0", false, true},
		{"delivery_rate < 1M", false, false}, // 0: no sample yet
		{"pacing_rate < 1M", false, true},
		{"delivered = 0", false, true},
		{"reord_seen = 0", false, true},
		{"rcv_ooopack = 0", false, true},
		{"not retrans > 0", true, true},
		{"not lost = 0", true, false},
	} {
		e := mustParse(t, c.filter)
		if got := e.Eval(&win); got != c.win {
			t.Errorf("%q on Windows' tcp_info: %v, want %v", c.filter, got, c.win)
		}
		if got := e.Eval(&linux); got != c.linux {
			t.Errorf("%q on Linux's: %v, want %v", c.filter, got, c.linux)
		}
		p, err := e.Plan()
		if err != nil {
			t.Fatal(err)
		}
		if p.AfterDump(&win) != c.win {
			t.Errorf("%q: AfterDump and Eval differ on Windows' tcp_info", c.filter)
		}
	}
}

func TestTCPInfoPlan(t *testing.T) {
	// The plan asks the kernel for tcp_info only when a field needs it,
	// and the kernel part of a mixed expression still goes to bytecode.
	p, err := mustParse(t, "dport = :443 and rtt > 100ms").Plan()
	if err != nil {
		t.Fatal(err)
	}
	if p.NeedsInternals != sockets.WantInfo || p.Bytecode == nil {
		t.Errorf("mixed plan: internals %b bytecode %v", p.NeedsInternals, p.Bytecode)
	}
	f := p.Filter(sockets.Filter{Protos: sockets.AllProtos, Internals: sockets.WantMemory})
	if f.Internals != sockets.WantMemory|sockets.WantInfo {
		t.Errorf("Filter: internals %b", f.Internals)
	}
	for _, in := range []string{"dport = :443", "recvq > 0", "pid = 1", ""} {
		p, err := mustParse(t, in).Plan()
		if err != nil {
			t.Fatal(err)
		}
		if p.NeedsInternals != 0 || p.Filter(sockets.All).Internals != 0 {
			t.Errorf("%q asks for internals %b", in, p.NeedsInternals)
		}
	}
	// Inside an or with an owner field: evaluated after attribution,
	// tcp_info still asked for.
	p, err = mustParse(t, "pid = 1 or retrans > 0").Plan()
	if err != nil {
		t.Fatal(err)
	}
	if p.NeedsInternals != sockets.WantInfo || !p.NeedsOwners {
		t.Errorf("or with pid: internals %b owners %v", p.NeedsInternals, p.NeedsOwners)
	}
}

func TestScaled(t *testing.T) {
	for _, c := range []struct {
		num  string
		mult uint64
		want uint64
		ok   bool
	}{
		{"1", 1000, 1000, true}, {"1.5", 1000, 1500, true}, {".5", 1000, 500, true}, {"2.", 1000, 2000, true},
		{"0.001", 1000, 1, true}, {"0.0010", 1000, 1, true}, {"0.0001", 1000, 0, false}, {"", 1000, 0, false},
		{"18446744073709551615", 1, ^uint64(0), true}, {"18446744073709551615", 10, 0, false},
		{"1x", 1, 0, false}, {"+1", 1, 0, false}, {"1.2.3", 1000, 0, false},
	} {
		got, ok := scaled(c.num, c.mult)
		if got != c.want || ok != c.ok {
			t.Errorf("scaled(%q, %d) = %d, %v; want %d, %v", c.num, c.mult, got, ok, c.want, c.ok)
		}
	}
}

// TestTCPInfoNoSample: a listener's (or an unanswered SYN's) rtt is 0
// until the kernel has a sample; ss prints none, and no comparison on it
// matches, not even rtt < 20us.
func TestTCPInfoNoSample(t *testing.T) {
	s := sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Listen,
		Internals: &sockets.Internals{Has: sockets.HasTCPInfo, TCP: sockets.TCPInfo{Len: sockets.TCPInfoLenRcvWnd, SndCwnd: 10}}}
	for _, f := range []string{"rtt < 20us", "rtt = 0", "rttvar < 1ms", "rcv_rtt < 1ms", "delivery_rate < 10M"} {
		if mustParse(t, f).Eval(&s) {
			t.Errorf("%q matches a socket with no sample", f)
		}
	}
	if !mustParse(t, "not rtt > 0").Eval(&s) || !mustParse(t, "cwnd = 10").Eval(&s) {
		t.Error("the socket's other fields are lost")
	}
	s.Internals.TCP.RTT = 15
	if !mustParse(t, "rtt < 20us").Eval(&s) {
		t.Error("a sample of 15us is not < 20us")
	}
}
