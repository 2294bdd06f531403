package ssmode

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/names"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

func layout(t *testing.T, args string, screen int, nm *Names, socks []sockets.Socket) string {
	t.Helper()
	o, err := Parse(strings.Fields(args))
	if err != nil {
		t.Fatal(err)
	}
	tb := NewTable(o, nm, screen)
	for i := range socks {
		tb.Measure(&socks[i])
	}
	b := tb.Header(nil)
	for i := range socks {
		b = tb.AppendRow(b, &socks[i])
	}
	// The one-pass layout is the same.
	var one bytes.Buffer
	if err := NewTable(o, nm, screen).WriteAll(&one, slices.Values(pointers(socks))); err != nil {
		t.Fatal(err)
	}
	if one.String() != string(b) {
		t.Errorf("WriteAll differs from Measure, Header and AppendRow:\n%q\n%q", truncate(one.String()), truncate(string(b)))
	}
	return string(b)
}

func truncate(s string) string {
	if len(s) > 400 {
		return s[:400] + "..."
	}
	return s
}

func tcp(state sockets.State, local, remote string) sockets.Socket {
	s := sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: state,
		Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote)}
	if s.Local.Addr().Is6() {
		s.Family = sockets.Inet6
	}
	return s
}

// The lines below are ss 6.1's own, captured piped and through a pty.
func TestTableCompact(t *testing.T) {
	listen := tcp(sockets.Listen, "0.0.0.0:2024", "0.0.0.0:0")
	listen.SendQ = 128
	got := layout(t, "-tan", -1, nil, []sockets.Socket{listen})
	want := "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n" +
		"LISTEN 0      128          0.0.0.0:2024      0.0.0.0:*          \n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	// The last row's Process field is never measured: ss renders it
	// unflushed.
	listen.Inode, listen.Cookie = 314, 0x1001
	listen.Internals = &sockets.Internals{Has: sockets.HasShutdown | sockets.HasCgroupID, CgroupID: 1}
	nm := &Names{CgroupPath: func(uint64) string { return "/" }}
	got = layout(t, "-tanpe", -1, nm, []sockets.Socket{listen})
	want = "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n" +
		"LISTEN 0      128          0.0.0.0:2024      0.0.0.0:*    ino:314 sk:1001 cgroup:/ <->\n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestTableUnix(t *testing.T) {
	a := sockets.Socket{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Established, Inode: 310, Peer: 311}
	b := sockets.Socket{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Established, Inode: 311, Peer: 310}
	got := layout(t, "-xa", -1, nil, []sockets.Socket{a, b})
	want := "Netid State Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n" +
		"u_str ESTAB 0      0                  * 310             * 311        \n" +
		"u_str ESTAB 0      0                  * 311             * 310        \n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	abstract := sockets.Socket{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Dgram, State: sockets.Close, Path: "@x\x00y", Inode: 7}
	if got := layout(t, "-xaH", -1, nil, []sockets.Socket{abstract}); got != "u_dgr UNCONN 0      0      @x@y 7 * 0\n" {
		t.Errorf("abstract name: %q", got)
	}
}

func TestTableTerminal(t *testing.T) {
	listen := tcp(sockets.Listen, "0.0.0.0:2024", "0.0.0.0:0")
	listen.SendQ = 128
	got := layout(t, "-tan", 80, nil, []sockets.Socket{listen})
	want := "State    Recv-Q   Send-Q     Local Address:Port     Peer Address:Port  Process  \n" +
		"LISTEN   0        128              0.0.0.0:2024          0.0.0.0:*              \n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestTableAddresses(t *testing.T) {
	services := names.ParseServices(strings.NewReader("ssh 22/tcp\ndomain 53/udp\nx11 6000/tcp\n"))
	nm := &Names{Services: services, EphemeralLo: 32768, EphemeralHi: 60999,
		Interface: func(i uint32) string {
			if i == 2 {
				return "eth0"
			}
			return ""
		}}
	v6 := tcp(sockets.Listen, "[::]:22", "[::]:0")
	v6only := v6
	v6only.Internals = &sockets.Internals{Has: sockets.HasV6Only, V6Only: true}
	mapped := tcp(sockets.Established, "[::ffff:127.0.0.1]:6000", "[::ffff:127.0.0.1]:40000")
	scoped := tcp(sockets.Established, "[fe80::1]:22", "[fe80::2]:33000")
	scoped.Zone = 2
	unknownIf := tcp(sockets.Listen, "127.0.0.1:22", "0.0.0.0:0")
	unknownIf.Zone = 9
	got := layout(t, "-taH", -1, nm, []sockets.Socket{v6, v6only, mapped, scoped, unknownIf})
	want := "" +
		"LISTEN 0      0                       *:ssh                  *:*    \n" +
		"LISTEN 0      0                    [::]:ssh               [::]:*    \n" +
		"ESTAB  0      0      [::ffff:127.0.0.1]:x11 [::ffff:127.0.0.1]:40000\n" +
		"ESTAB  0      0          [fe80::1]%eth0:ssh          [fe80::2]:33000\n" +
		"LISTEN 0      0           127.0.0.1%if9:ssh            0.0.0.0:*    \n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestNtop6(t *testing.T) {
	for in, want := range map[string]string{
		"::":                "::",
		"::1":               "::1",
		"::ffff:1.2.3.4":    "::ffff:1.2.3.4",
		"::1.2.3.4":         "::1.2.3.4",
		"1::":               "1::",
		"1:0:0:1::1":        "1:0:0:1::1",
		"1:0:0:1:0:0:1:1":   "1::1:0:0:1:1",
		"1:0:1:0:1:0:1:0":   "1:0:1:0:1:0:1:0",
		"fe80::abcd:1":      "fe80::abcd:1",
		"::ffff:0:1.2.3.4":  "::ffff:0:102:304",
		"2001:db8::ff00:42": "2001:db8::ff00:42",
		"0:0:0:0:0:1:2:3":   "::1:2:3",
	} {
		got := string(appendNtop6(nil, netip.MustParseAddr(in).As16()))
		if got != want {
			t.Errorf("ntop(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestMsTimer(t *testing.T) {
	for ms, want := range map[uint32]string{
		0: "", 5: "005ms", 500: "500ms", 1500: "1.500ms", 10500: "10sec", 9000: "9sec",
		65000: "1min5sec", 61500: "1min1sec", 601000: "10min", 29*60000 + 59000: "29min",
	} {
		if got := string(render.AppendSSMsTimer(nil, ms)); got != want {
			t.Errorf("%d ms: %q, want %q", ms, got, want)
		}
	}
	keep := sockets.Timer{Kind: sockets.TimerKeepalive, Expires: 29*60000 + 10, Probes: 1}
	if got := string(render.AppendSSTimer(nil, &sockets.Socket{Timer: keep})); got != " timer:(keepalive,29min,1)" {
		t.Errorf("keepalive: %q", got)
	}
	if got := string(render.AppendSSTimer(nil, &sockets.Socket{Timer: sockets.Timer{Kind: sockets.TimerOff}})); got != "" {
		t.Errorf("off: %q", got)
	}
	if got := string(render.AppendSSTimer(nil, &sockets.Socket{Timer: sockets.Timer{Kind: sockets.TimerProbe, Expires: 200}})); got != " timer:(persist,200ms,0)" {
		t.Errorf("probe: %q", got)
	}
}

func TestUsers(t *testing.T) {
	a := &sockets.ProcessInfo{PID: 10, Name: "nginx"}
	b := &sockets.ProcessInfo{PID: 200, Name: "we)ird"}
	got := string(appendUsers(nil, []sockets.Process{{Info: a, FD: 6}, {Info: nil}, {Info: b, FD: 3}}, 0))
	if got != ` users:(("we",pid=200,fd=3),("nginx",pid=10,fd=6))` {
		t.Errorf("users: %s", got)
	}
	if got := string(appendUsers(nil, []sockets.Process{{Info: nil}}, 0)); got != "" {
		t.Errorf("no valid holder: %q", got)
	}
	// A process holding the socket on several fds is listed once per fd,
	// highest first, as ss lists them.
	c := &sockets.ProcessInfo{PID: 30, Name: "py", MoreFDs: map[uint64][]int32{77: {9, 40}, 78: {5}}}
	got = string(appendUsers(nil, []sockets.Process{{Info: a, FD: 6}, {Info: c, FD: 3}}, 77))
	if got != ` users:(("py",pid=30,fd=40),("py",pid=30,fd=9),("py",pid=30,fd=3),("nginx",pid=10,fd=6))` {
		t.Errorf("several fds: %s", got)
	}
}

// A listing of more than ss's five buffer chunks is laid out in batches,
// each with the widths measured until it is rendered: a wide row at the
// end does not widen the rows of the first batch.
func TestTableBatches(t *testing.T) {
	var socks []sockets.Socket
	for i := range 120000 {
		s := tcp(sockets.Established, "10.0.0.1:1000", "10.0.0.2:2000")
		s.Local = netip.AddrPortFrom(s.Local.Addr(), uint16(1000+i%9000))
		socks = append(socks, s)
	}
	wide := tcp(sockets.Established, "[2001:db8:1:2:3:4:5:6]:1", "10.0.0.2:2000")
	socks = append(socks, wide)
	out := layout(t, "-tn", -1, nil, socks)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(socks)+1 {
		t.Fatalf("%d lines for %d sockets", len(lines), len(socks))
	}
	first, last := lines[1], lines[len(lines)-2]
	if len(first) >= len(last) {
		t.Errorf("first batch as wide as the last: %q, %q", first, last)
	}
	o, _ := Parse([]string{"-tn"})
	tb := NewTable(o, nil, -1)
	for i := range socks {
		tb.Measure(&socks[i])
	}
	tb.finish()
	if len(tb.batches) < 2 {
		t.Errorf("%d batches, want several", len(tb.batches))
	}
}
