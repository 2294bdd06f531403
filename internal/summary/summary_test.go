package summary

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

var (
	nginx = &sockets.ProcessInfo{PID: 812, Name: "nginx", User: "www-data"}
	java  = &sockets.ProcessInfo{PID: 4100, Name: "java", User: "app"}
	sshd  = &sockets.ProcessInfo{PID: 77, Name: "sshd", User: "root"}
)

func held(p ...*sockets.ProcessInfo) []sockets.Process {
	var hs []sockets.Process
	for i, pi := range p {
		hs = append(hs, sockets.Process{Info: pi, FD: int32(3 + i)})
	}
	return hs
}

func tcp(local, remote string, st sockets.State, p ...*sockets.ProcessInfo) sockets.Socket {
	l, r := netip.MustParseAddrPort(local), netip.MustParseAddrPort(remote)
	fam := sockets.Inet
	if l.Addr().Is6() {
		fam = sockets.Inet6
	}
	return sockets.Socket{Proto: sockets.TCP, Family: fam, State: st, Local: l, Remote: r, Processes: held(p...)}
}

// fixture is a small web server: nginx listening and serving, java with
// connections to a database leaking CLOSE_WAIT, TIME_WAIT toward the
// database and on port 80, UDP and unix sockets.
func fixture() []sockets.Socket {
	s := []sockets.Socket{
		tcp("0.0.0.0:80", "0.0.0.0:0", sockets.Listen, nginx),
		tcp("[::]:80", "[::]:0", sockets.Listen, nginx),
		tcp("0.0.0.0:22", "0.0.0.0:0", sockets.Listen, sshd),
		tcp("10.0.0.1:80", "198.51.100.7:50000", sockets.Established, nginx),
		tcp("10.0.0.1:80", "198.51.100.8:50001", sockets.Established, nginx),
		tcp("10.0.0.1:80", "198.51.100.9:50002", sockets.TimeWait),
		tcp("10.0.0.1:80", "198.51.100.9:50003", sockets.TimeWait),
		tcp("10.0.0.1:22", "192.0.2.5:40000", sockets.Established, sshd, sshd), // one process, two fds
		tcp("10.0.0.1:40001", "10.0.0.5:5432", sockets.Established, java),
		tcp("10.0.0.1:40002", "10.0.0.5:5432", sockets.CloseWait, java),
		tcp("10.0.0.1:40003", "10.0.0.5:5432", sockets.CloseWait, java),
		tcp("10.0.0.1:40004", "10.0.0.5:5432", sockets.TimeWait),
		tcp("10.0.0.1:40005", "10.0.0.5:5432", sockets.TimeWait),
		tcp("10.0.0.1:40006", "10.0.0.5:5432", sockets.TimeWait),
		tcp("10.0.0.1:20000", "10.0.0.6:443", sockets.TimeWait), // below the ephemeral range
		tcp("[2001:db8::1]:40007", "[2001:db8::5]:5432", sockets.FinWait2),
		{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.NewSynRecv,
			Local: netip.MustParseAddrPort("10.0.0.1:80"), Remote: netip.MustParseAddrPort("203.0.113.1:1234")},
		{Proto: sockets.UDP, Family: sockets.Inet, State: sockets.Close, Local: netip.MustParseAddrPort("0.0.0.0:53"), Processes: held(java)},
		{Proto: sockets.UDP, Family: sockets.Inet6, State: sockets.Established, Local: netip.MustParseAddrPort("[::1]:40100"), Remote: netip.MustParseAddrPort("[::1]:53")},
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Listen, Path: "/run/app.sock", Processes: held(java)},
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Established, Processes: held(java, nginx)},
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Dgram, State: sockets.Close, Processes: []sockets.Process{{}}}, // invalid holder
	}
	return s
}

var ephemeral = PortRange{Low: 32768, High: 60999}

func TestCompute(t *testing.T) {
	s := Compute(fixture(), Options{Top: 2, Ephemeral: ephemeral})
	if s.Total != 22 {
		t.Errorf("Total = %d", s.Total)
	}
	got := map[string]string{}
	for _, p := range s.Protocols {
		got[p.Name] = fmt.Sprint(p.Total, p.States)
	}
	want := map[string]string{
		"tcp":  "15 [{LISTEN 2} {SYN_RECV 1} {ESTABLISHED 4} {CLOSE_WAIT 2} {TIME_WAIT 6}]",
		"tcp6": "2 [{LISTEN 1} {FIN_WAIT2 1}]",
		"udp":  "1 [{UNCONN 1}]",
		"udp6": "1 [{ESTABLISHED 1}]",
		"unix": "3 [{LISTEN 1} {ESTABLISHED 1} {UNCONN 1}]",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("protocols\n%v\nwant\n%v", got, want)
	}
	var order []string
	for _, p := range s.Protocols {
		order = append(order, p.Name)
	}
	if strings.Join(order, " ") != "tcp tcp6 udp udp6 unix" {
		t.Errorf("protocol order %v", order)
	}
	if fmt.Sprint(s.States) != "[{LISTEN 4} {SYN_RECV 1} {ESTABLISHED 6} {FIN_WAIT2 1} {CLOSE_WAIT 2} {TIME_WAIT 6} {UNCONN 2}]" {
		t.Errorf("states %v", s.States)
	}

	ps := s.Processes
	// Held: the 3 listeners, 3 established (nginx 2, sshd 1), java's 3
	// TCP, 1 UDP and 2 unix sockets (one shared with nginx).
	if ps.Count != 3 || ps.Held != 12 || ps.NoProcess != 10 {
		t.Errorf("processes: count %d held %d none %d", ps.Count, ps.Held, ps.NoProcess)
	}
	if len(ps.Top) != 2 {
		t.Fatalf("top %+v", ps.Top)
	}
	// java: 3 TCP + 1 UDP + 2 unix = 6; nginx: 4 TCP + 1 unix = 5.
	if j := ps.Top[0]; j.PID != 4100 || j.Total != 6 || j.TCP != 3 || j.Established != 1 || j.CloseWait != 2 || j.Listen != 0 || j.User != "app" {
		t.Errorf("top[0] = %+v", j)
	}
	if n := ps.Top[1]; n.PID != 812 || n.Total != 5 || n.TCP != 4 || n.Established != 2 || n.Listen != 2 {
		t.Errorf("top[1] = %+v", n)
	}

	tw := s.TimeWait
	if tw.Total != 6 || tw.Ephemeral != ephemeral {
		t.Errorf("time_wait total %d range %v", tw.Total, tw.Ephemeral)
	}
	// Ephemeral local ports in use by non-listening TCP: 40000-range
	// ports 40001..40006 (6) and 40007 (IPv6); 50000s are remote ports.
	if tw.EphemeralInUse != 7 {
		t.Errorf("EphemeralInUse = %d", tw.EphemeralInUse)
	}
	if len(tw.Remotes) != 2 {
		t.Fatalf("remotes %+v", tw.Remotes)
	}
	if r := tw.Remotes[0]; r.Remote.String() != "10.0.0.5:5432" || r.TimeWait != 3 || r.Sockets != 6 || r.Ephemeral != 6 {
		t.Errorf("remotes[0] = %+v", r)
	}
	if r := tw.Remotes[1]; r.Remote.String() != "10.0.0.6:443" || r.TimeWait != 1 || r.Ephemeral != 0 {
		t.Errorf("remotes[1] = %+v (ties: most sockets, then the lower address)", r)
	}
	if fmt.Sprint(tw.LocalPorts) != "[{80 2}]" {
		t.Errorf("local ports %v", tw.LocalPorts)
	}
}

func TestComputeEmptyAndUnknownRange(t *testing.T) {
	s := Compute(nil, Options{})
	if s.Total != 0 || s.Protocols != nil || s.States != nil || s.Processes.Count != 0 || s.TimeWait.Total != 0 {
		t.Errorf("empty: %+v", s)
	}
	s = Compute(fixture(), Options{})
	if s.TimeWait.EphemeralInUse != 0 || s.TimeWait.Remotes[0].Ephemeral != 0 {
		t.Errorf("unknown range counted: %+v", s.TimeWait)
	}
	if len(s.Processes.Top) != 3 {
		t.Errorf("default top: %d processes", len(s.Processes.Top))
	}
}

func TestTableEnglish(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, Compute(fixture(), Options{Top: 2, Ephemeral: ephemeral}), render.Meta{}, Options{Top: 2}); err != nil {
		t.Fatal(err)
	}
	want := `Sockets: 22

State        tcp  tcp6  udp  udp6  unix  total
LISTEN         2     1    0     0     1      4
SYN_RECV       1     0    0     0     0      1
ESTABLISHED    4     0    0     1     1      6
FIN_WAIT2      0     1    0     0     0      1
CLOSE_WAIT     2     0    0     0     0      2
TIME_WAIT      6     0    0     0     0      6
UNCONN         0     0    1     0     1      2
total         15     2    1     1     3     22

Processes with sockets: 3 (sockets held: 12); sockets with no process: 10 (TIME_WAIT, orphans, or holders this user cannot see).

Top processes by socket count (2):
 PID  Program  User      Total  TCP  ESTABLISHED  CLOSE_WAIT  LISTEN
4100  java     app           6    3            1           2       0
 812  nginx    www-data      5    4            2           0       2

TCP sockets in TIME_WAIT: 6.
Ephemeral ports 32768-60999 (28232 ports): 7 in use (<0.1%).

Remote endpoints with the most TIME_WAIT:
Remote Address  TIME_WAIT  Sockets  Ephemeral ports
10.0.0.5:5432           3        6        6 (<0.1%)
10.0.0.6:443            1        1           0 (0%)

Local ports with the most TIME_WAIT (this side closed first):
Local Port  TIME_WAIT
        80          2
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestTableChinese(t *testing.T) {
	var b bytes.Buffer
	socks := fixture()[:8]
	if err := Write(&b, Compute(socks, Options{}), render.Meta{}, Options{Lang: "zh_CN.UTF-8"}); err != nil {
		t.Fatal(err)
	}
	want := `套接字总数：8

状态         tcp  tcp6  合计
LISTEN         2     1     3
ESTABLISHED    3     0     3
TIME_WAIT      2     0     2
合计           7     1     8

进程：2 个进程持有 6 个套接字；2 个套接字不属于任何进程（TIME_WAIT、孤儿连接，或当前用户看不到其持有者）。

套接字最多的前 2 个进程：
PID  程序   用户      合计  TCP  ESTABLISHED  CLOSE_WAIT  LISTEN
812  nginx  www-data     4    4            2           0       2
 77  sshd   root         2    2            1           0       1

TIME_WAIT：2 个 TCP 套接字。
临时端口范围未知，不显示占用比例。

TIME_WAIT 最多的远端地址：
远端地址            TIME_WAIT  套接字
198.51.100.9:50002          1       1
198.51.100.9:50003          1       1

TIME_WAIT 最多的本地端口（本端先关闭连接）：
本地端口  TIME_WAIT
      80          2
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestTableEmpty(t *testing.T) {
	var b bytes.Buffer
	Write(&b, Compute(nil, Options{}), render.Meta{}, Options{})
	if b.String() != "Sockets: 0\nNo sockets.\n" {
		t.Errorf("got %q", b.String())
	}
}

func TestTableSafeNames(t *testing.T) {
	evil := &sockets.ProcessInfo{PID: 9, Name: "x\x1b[31m\u202egnp.exe\xff"}
	var b bytes.Buffer
	Write(&b, Compute([]sockets.Socket{tcp("127.0.0.1:1", "0.0.0.0:0", sockets.Listen, evil)}, Options{}), render.Meta{}, Options{})
	if !strings.Contains(b.String(), `x\x1b[31m\u202egnp.exe\xff`) || strings.ContainsAny(b.String(), "\x1b\u202e") {
		t.Errorf("unsafe name written raw:\n%s", b.String())
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	meta := render.Meta{Host: "web1", Time: time.Date(2026, 12, 6, 21, 44, 9, 120000000, time.FixedZone("", 3600)), Unattributed: 2}
	if err := Write(&b, Compute(fixture(), Options{Top: 1, Ephemeral: ephemeral}), meta, Options{Format: render.JSON, Top: 1}); err != nil {
		t.Fatal(err)
	}
	want := `{"schema":1,"kind":"summary","host":"web1","time":"2026-12-06T21:44:09.12+01:00","total":22,` +
		`"protocols":[{"name":"tcp","proto":"tcp","family":"inet","total":15,"states":{"LISTEN":2,"SYN_RECV":1,"ESTABLISHED":4,"CLOSE_WAIT":2,"TIME_WAIT":6}},` +
		`{"name":"tcp6","proto":"tcp","family":"inet6","total":2,"states":{"LISTEN":1,"FIN_WAIT2":1}},` +
		`{"name":"udp","proto":"udp","family":"inet","total":1,"states":{"UNCONN":1}},` +
		`{"name":"udp6","proto":"udp","family":"inet6","total":1,"states":{"ESTABLISHED":1}},` +
		`{"name":"unix","proto":"unix","family":"unix","total":3,"states":{"LISTEN":1,"ESTABLISHED":1,"UNCONN":1}}],` +
		`"states":{"LISTEN":4,"SYN_RECV":1,"ESTABLISHED":6,"FIN_WAIT2":1,"CLOSE_WAIT":2,"TIME_WAIT":6,"UNCONN":2},` +
		`"processes":{"count":3,"held":12,"no_process":10,"top":[{"pid":4100,"name":"java","user":"app","total":6,"tcp":3,"established":1,"close_wait":2,"listen":0}]},` +
		`"time_wait":{"total":6,"ephemeral":{"low":32768,"high":60999,"size":28232,"in_use":7},` +
		`"remotes":[{"ip":"10.0.0.5","port":5432,"time_wait":3,"sockets":6,"ephemeral":6}],"local_ports":[{"port":80,"time_wait":2}]},` +
		`"unattributed":2,"warnings":[]}` + "\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	var v map[string]any
	if err := json.Unmarshal(b.Bytes(), &v); err != nil {
		t.Fatal(err)
	}

	// Empty, unknown range, a round of a repeated summary, NDJSON.
	b.Reset()
	meta = render.Meta{Host: "h", Time: time.Unix(0, 0).UTC(), Round: 3, Warnings: []string{"raw: <no>"}}
	if err := Write(&b, Compute(nil, Options{}), meta, Options{Format: render.NDJSON}); err != nil {
		t.Fatal(err)
	}
	want = `{"schema":1,"kind":"summary","host":"h","time":"1970-01-01T00:00:00Z","seq":3,"total":0,"protocols":[],"states":{},` +
		`"processes":{"count":0,"held":0,"no_process":0,"top":[]},"time_wait":{"total":0,"ephemeral":null,"remotes":[],"local_ports":[]},` +
		`"unattributed":0,"warnings":["raw: <no>"]}` + "\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestValidate(t *testing.T) {
	for _, o := range []Options{{}, {Format: render.JSON}, {Format: render.NDJSON, Top: 3}} {
		if err := o.Validate(); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
	for _, o := range []Options{{Format: render.CSV}, {Top: -1}, {Format: render.Format(42)}} {
		err := o.Validate()
		var oe *OptionError
		if !errors.As(err, &oe) || !errors.Is(err, ErrOption) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: %v", o, err)
		}
		if Write(&bytes.Buffer{}, &Summary{}, render.Meta{}, o) == nil {
			t.Errorf("Write took %+v", o)
		}
	}
	if err := (Options{Format: render.CSV}).Validate(); err.Error() != `summary: format "csv" is not valid (valid: table, json, ndjson)` {
		t.Errorf("message: %v", err)
	}
}

func TestParsePortRange(t *testing.T) {
	for in, want := range map[string]PortRange{
		"32768\t60999\n": {32768, 60999},
		"1 65535":        {1, 65535},
		" 1024  1024 ":   {1024, 1024},
	} {
		got, err := ParsePortRange(in)
		if err != nil || got != want {
			t.Errorf("ParsePortRange(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "1", "0 10", "10 9", "1 65536", "a b", "1 2 3", "-1 5"} {
		if got, err := ParsePortRange(in); err == nil {
			t.Errorf("ParsePortRange(%q) = %v, want an error", in, got)
		}
	}
	if r := (PortRange{10, 9}); r.Known() || r.Size() != 0 || r.Contains(9) {
		t.Error("a reversed range is not known")
	}
}

func TestPercent(t *testing.T) {
	for _, tc := range []struct {
		n, total int
		want     string
	}{{0, 10, "0%"}, {1, 28232, "<0.1%"}, {340, 28232, "1.2%"}, {10, 10, "100.0%"}, {1, 0, "0%"}} {
		if got := percent(tc.n, tc.total); got != tc.want {
			t.Errorf("percent(%d, %d) = %q, want %q", tc.n, tc.total, got, tc.want)
		}
	}
}

// FuzzParsePortRange: the range is read from a file; nothing panics and
// a parsed range is known.
func FuzzParsePortRange(f *testing.F) {
	for _, s := range []string{"32768\t60999\n", "0 0", "65535 65535", "1\n2", "99999 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParsePortRange(s)
		if err == nil && (!r.Known() || r.Size() < 1) {
			t.Fatalf("ParsePortRange(%q) = %v without error", s, r)
		}
	})
}

// TestDocExamples: the table and the JSON document in docs/summary.md
// are what Write prints for the fixture.
func TestDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/summary.md")
	if err != nil {
		t.Fatal(err)
	}
	var table, js bytes.Buffer
	sum := Compute(fixture(), Options{Top: 2, Ephemeral: ephemeral})
	Write(&table, sum, render.Meta{}, Options{Top: 2})
	meta := render.Meta{Host: "web1", Time: time.Date(2026, 12, 6, 21, 44, 9, 120000000, time.FixedZone("", 3600)), Unattributed: 2}
	Write(&js, Compute(fixture(), Options{Top: 1, Ephemeral: ephemeral}), meta, Options{Format: render.JSON})
	for _, want := range []string{"```text\n" + table.String() + "```", "```json\n" + js.String() + "```"} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("docs/summary.md does not hold\n%s", want)
		}
	}
}
