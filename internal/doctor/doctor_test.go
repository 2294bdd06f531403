package doctor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/summary"
)

func proc(pid int32, name, exe string, cmdline ...string) *sockets.ProcessInfo {
	return &sockets.ProcessInfo{PID: pid, Name: name, Exe: exe, Cmdline: cmdline}
}

// tcp makes a TCP socket with cookie id from local to remote in state
// st, held by p on fd 5 (nil: no holder).
func tcp(id uint64, st sockets.State, local, remote string, p *sockets.ProcessInfo) sockets.Socket {
	s := sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: st, Cookie: id,
		Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote)}
	if p != nil {
		s.Processes = []sockets.Process{{Info: p, FD: 5}}
	}
	return s
}

// counters makes a reading of name=value pairs, "Group.Name".
func counters(kv map[string]int64) *netstats.Snapshot {
	s := &netstats.Snapshot{}
	groups := map[string]int{}
	for k, v := range kv {
		g, n, _ := strings.Cut(k, ".")
		i, ok := groups[g]
		if !ok {
			i = len(s.Groups)
			groups[g] = i
			s.Groups = append(s.Groups, netstats.Group{Name: g})
		}
		s.Groups[i].Counters = append(s.Groups[i].Counters, netstats.Counter{Name: n, Value: v})
	}
	return s
}

// rules returns the rule ids of fs with their severities.
func rules(fs []Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule+":"+f.Severity.String())
	}
	return strings.Join(out, " ")
}

func TestCloseWait(t *testing.T) {
	app := proc(10, "app", "/usr/bin/app")
	mk := func(persisted, fresh, before int) *Input {
		in := &Input{Window: 5 * time.Second}
		id := uint64(1)
		for range persisted {
			s := tcp(id, sockets.CloseWait, "10.0.0.1:80", fmt.Sprintf("10.0.0.2:%d", id), app)
			in.Before = append(in.Before, s)
			in.After = append(in.After, s)
			id++
		}
		for range fresh {
			in.After = append(in.After, tcp(id, sockets.CloseWait, "10.0.0.1:80", fmt.Sprintf("10.0.0.2:%d", id), app))
			id++
		}
		for range before {
			in.Before = append(in.Before, tcp(id, sockets.CloseWait, "10.0.0.1:80", fmt.Sprintf("10.0.0.2:%d", id), app))
			id++
		}
		return in
	}
	for _, c := range []struct {
		persisted, fresh, before int
		want                     string
	}{
		{2, 0, 0, ""},                          // two that outlived the window: a slow close
		{3, 0, 0, "close-wait-leak:warning"},   // three: a leak
		{0, 9, 0, ""},                          // new ones alone may be closing now
		{0, 50, 0, ""},                         // even many (a busy server)
		{3, 9, 0, "close-wait-leak:warning"},   // kept ones, and a few more
		{3, 10, 0, "close-wait-leak:critical"}, // kept ones, and ten more: growing
		{3, 0, 5, "close-wait-leak:warning"},   // others closed meanwhile
		{100, 0, 0, "close-wait-leak:critical"},
		{99, 0, 0, "close-wait-leak:warning"},
	} {
		fs := Examine(mk(c.persisted, c.fresh, c.before))
		if got := rules(fs); got != c.want {
			t.Errorf("%d kept, %d new, %d gone: %q, want %q", c.persisted, c.fresh, c.before, got, c.want)
		}
		if len(fs) == 1 && (fs[0].Processes[0].PID != 10 || fs[0].Subject != "app (pid 10)") {
			t.Errorf("finding names %v %q", fs[0].Processes, fs[0].Subject)
		}
	}
}

func TestEphemeral(t *testing.T) {
	app := proc(10, "client", "/usr/bin/client")
	for _, c := range []struct {
		n    int
		want string
	}{{4, ""}, {5, "ephemeral-ports:warning"}, {7, "ephemeral-ports:warning"}, {8, "ephemeral-ports:critical"}, {10, "ephemeral-ports:critical"}} {
		in := &Input{Limits: netstats.Limits{Ephemeral: summary.PortRange{Low: 40000, High: 40009}}}
		for i := range c.n {
			st := sockets.Established
			if i%2 == 1 {
				st = sockets.TimeWait
			}
			in.After = append(in.After, tcp(uint64(i+1), st, fmt.Sprintf("10.0.0.1:%d", 40000+i), "10.0.0.9:443", app))
		}
		// Another destination, and a server's connections (local port
		// outside the range), do not count.
		in.After = append(in.After, tcp(99, sockets.Established, "10.0.0.1:40009", "10.0.0.8:443", app),
			tcp(98, sockets.Established, "10.0.0.1:80", "10.0.0.9:40001", app))
		fs := Examine(in)
		if got := rules(fs); got != c.want {
			t.Errorf("%d connections in a range of 10: %q, want %q", c.n, got, c.want)
		}
		// With tcp_tw_reuse 1, connect() takes TIME_WAIT ports again:
		// only the established half counts.
		in.Limits.TWReuse = 1
		reused := rules(Examine(in))
		if want := map[bool]string{true: "ephemeral-ports:warning", false: ""}[c.n >= 10]; reused != want {
			t.Errorf("%d connections, half TIME_WAIT, tcp_tw_reuse 1: %q, want %q", c.n, reused, want)
		}
		if len(fs) == 1 && fs[0].Subject != "10.0.0.9:443" {
			t.Errorf("subject %q", fs[0].Subject)
		}
	}
}

func TestTimeWaitLimit(t *testing.T) {
	for _, c := range []struct {
		tw, overflow int64
		want         string
	}{{79, 0, ""}, {80, 0, "time-wait-limit:warning"}, {10, 3, "time-wait-limit:critical"}} {
		in := &Input{
			Limits:         netstats.Limits{MaxTWBuckets: 100},
			CountersBefore: counters(map[string]int64{"TCP.tw": 0, "TcpExt.TCPTimeWaitOverflow": 0}),
			CountersAfter:  counters(map[string]int64{"TCP.tw": c.tw, "TcpExt.TCPTimeWaitOverflow": c.overflow}),
		}
		if got := rules(Examine(in)); got != c.want {
			t.Errorf("tw %d overflow %d: %q, want %q", c.tw, c.overflow, got, c.want)
		}
	}
}

func TestListenQueues(t *testing.T) {
	srv := proc(20, "srv", "/usr/sbin/srv")
	listener := func(recvQ, backlog uint32) sockets.Socket {
		s := tcp(1, sockets.Listen, "0.0.0.0:8080", "0.0.0.0:0", srv)
		s.RecvQ, s.SendQ = recvQ, backlog
		return s
	}
	for _, c := range []struct {
		recvQ, backlog uint32
		overflows      int64
		want           string
	}{
		{0, 1, 0, ""},
		{1, 2, 0, ""},
		{1, 1, 0, ""}, // the kernel still queues one more
		{2, 1, 0, "accept-queue-full:warning"},
		{2, 1, 7, "accept-queue-full:critical"},
		{1, 0, 0, "accept-queue-full:warning"}, // listen(fd, 0) queues one
		{0, 128, 7, "listen-drops:warning"},
		{0, 0, 0, ""},
	} {
		in := &Input{
			After:          []sockets.Socket{listener(c.recvQ, c.backlog)},
			CountersBefore: counters(map[string]int64{"TcpExt.ListenOverflows": 100}),
			CountersAfter:  counters(map[string]int64{"TcpExt.ListenOverflows": 100 + c.overflows}),
		}
		fs := Examine(in)
		if got := rules(fs); got != c.want {
			t.Errorf("queue %d/%d, %d overflows: %q, want %q", c.recvQ, c.backlog, c.overflows, got, c.want)
		}
		if len(fs) == 1 && fs[0].Rule == RuleAcceptQueue && fs[0].Processes[0].PID != 20 {
			t.Errorf("accept-queue-full names %v", fs[0].Processes)
		}
	}
	// SYN_RECV piling on a listener of backlog 8.
	in := &Input{After: []sockets.Socket{listener(0, 8)}}
	for i := range 8 {
		in.After = append(in.After, tcp(uint64(10+i), sockets.NewSynRecv, "10.0.0.1:8080", fmt.Sprintf("10.0.0.2:%d", 5000+i), nil))
	}
	if got := rules(Examine(in)); got != "syn-recv-flood:warning" {
		t.Errorf("8 SYN_RECV on a backlog of 8: %q", got)
	}
	in.After = in.After[:8]
	if got := rules(Examine(in)); got != "" {
		t.Errorf("7 SYN_RECV on a backlog of 8: %q", got)
	}
}

func TestSynSent(t *testing.T) {
	app := proc(30, "app", "/usr/bin/app")
	stuck := tcp(1, sockets.SynSent, "10.0.0.1:50000", "10.99.0.2:80", app)
	fresh := tcp(2, sockets.SynSent, "10.0.0.1:50001", "10.99.0.2:80", app)
	in := &Input{Before: []sockets.Socket{stuck}, After: []sockets.Socket{stuck, fresh}, Window: 2 * time.Second}
	fs := Examine(in)
	if rules(fs) != "syn-sent-stuck:warning" || fs[0].Facts[0].Value != 1 || fs[0].Processes[0].PID != 30 {
		t.Errorf("one stuck, one new: %q %+v", rules(fs), fs)
	}
	in.Before = nil
	if got := rules(Examine(in)); got != "" {
		t.Errorf("none stuck through the window: %q", got)
	}
}

func TestCounterRules(t *testing.T) {
	for _, c := range []struct {
		name          string
		before, after map[string]int64
		limits        netstats.Limits
		want          string
	}{
		{"few segments", map[string]int64{"Tcp.RetransSegs": 0, "Tcp.OutSegs": 0}, map[string]int64{"Tcp.RetransSegs": 500, "Tcp.OutSegs": 999}, netstats.Limits{}, ""},
		{"retrans 4.9%", map[string]int64{"Tcp.RetransSegs": 0, "Tcp.OutSegs": 0}, map[string]int64{"Tcp.RetransSegs": 49, "Tcp.OutSegs": 1000}, netstats.Limits{}, ""},
		{"retrans 5%", map[string]int64{"Tcp.RetransSegs": 0, "Tcp.OutSegs": 0}, map[string]int64{"Tcp.RetransSegs": 50, "Tcp.OutSegs": 1000}, netstats.Limits{}, "retransmissions:warning"},
		{"retrans 20%", map[string]int64{"Tcp.RetransSegs": 0, "Tcp.OutSegs": 0}, map[string]int64{"Tcp.RetransSegs": 200, "Tcp.OutSegs": 1000}, netstats.Limits{}, "retransmissions:critical"},
		{"orphans 24%", nil, map[string]int64{"TCP.orphan": 24}, netstats.Limits{MaxOrphans: 100}, ""},
		{"orphans 25%", nil, map[string]int64{"TCP.orphan": 25}, netstats.Limits{MaxOrphans: 100}, "orphans:warning"},
		{"orphans 50%", nil, map[string]int64{"TCP.orphan": 50}, netstats.Limits{MaxOrphans: 100}, "orphans:critical"},
		{"tcp mem below pressure", nil, map[string]int64{"TCP.mem": 199}, netstats.Limits{TCPMem: [3]int64{100, 200, 300}}, ""},
		{"tcp mem pressure", nil, map[string]int64{"TCP.mem": 200}, netstats.Limits{TCPMem: [3]int64{100, 200, 300}}, "tcp-memory:warning"},
		{"tcp mem near max", nil, map[string]int64{"TCP.mem": 270}, netstats.Limits{TCPMem: [3]int64{100, 200, 300}}, "tcp-memory:critical"},
		{"resets", map[string]int64{"Tcp.OutRsts": 0, "Tcp.OutSegs": 0}, map[string]int64{"Tcp.OutRsts": 500, "Tcp.OutSegs": 4000}, netstats.Limits{}, "resets:warning"},
		{"few resets", map[string]int64{"Tcp.OutRsts": 0, "Tcp.OutSegs": 0}, map[string]int64{"Tcp.OutRsts": 499, "Tcp.OutSegs": 4000}, netstats.Limits{}, ""},
		{"connects fail", map[string]int64{"Tcp.AttemptFails": 0, "Tcp.ActiveOpens": 0}, map[string]int64{"Tcp.AttemptFails": 10, "Tcp.ActiveOpens": 20}, netstats.Limits{}, "connect-failures:warning"},
		{"few connects", map[string]int64{"Tcp.AttemptFails": 0, "Tcp.ActiveOpens": 0}, map[string]int64{"Tcp.AttemptFails": 19, "Tcp.ActiveOpens": 19}, netstats.Limits{}, ""},
		{"udp buffer", map[string]int64{"Udp.RcvbufErrors": 0}, map[string]int64{"Udp.RcvbufErrors": 1}, netstats.Limits{}, "udp-drops:warning"},
		{"udp no ports", map[string]int64{"Udp.NoPorts": 0}, map[string]int64{"Udp.NoPorts": 500}, netstats.Limits{}, "udp-drops:info"},
		{"counter reset (reboot)", map[string]int64{"Tcp.RetransSegs": 900, "Tcp.OutSegs": 9000}, map[string]int64{"Tcp.RetransSegs": 10, "Tcp.OutSegs": 100}, netstats.Limits{}, ""},
	} {
		in := &Input{Window: 5 * time.Second, Limits: c.limits, PageSize: 1,
			CountersBefore: counters(c.before), CountersAfter: counters(c.after)}
		if got := rules(Examine(in)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestSuspicious(t *testing.T) {
	held := func(p *sockets.ProcessInfo, fd int32, st sockets.State, local string) sockets.Socket {
		s := tcp(uint64(p.PID), st, local, "10.0.0.2:4444", p)
		s.Processes[0].FD = fd
		return s
	}
	deleted := proc(1, "srv", "/usr/sbin/srv")
	deleted.ExeDeleted = true
	raw := sockets.Socket{Proto: sockets.Raw, Family: sockets.Inet, State: sockets.Close, Cookie: 77,
		Local: netip.MustParseAddrPort("0.0.0.0:1"), Processes: []sockets.Process{{Info: proc(7, "evil", "/usr/local/bin/evil"), FD: 3}}}
	ping := raw
	ping.Processes = []sockets.Process{{Info: proc(8, "ping", "/usr/bin/ping", "ping", "10.0.0.1"), FD: 3}}
	for _, c := range []struct {
		name string
		s    sockets.Socket
		pkg  func(string) (bool, bool)
		want string
	}{
		{"deleted", held(deleted, 3, sockets.Established, "10.0.0.1:80"), nil, "deleted-exe:warning"},
		{"/dev/shm", held(proc(2, "x", "/dev/shm/x"), 3, sockets.Established, "10.0.0.1:80"), nil, "temp-exe:critical"},
		{"memfd", held(proc(3, "x", "/memfd:x"), 3, sockets.Established, "10.0.0.1:80"), nil, "temp-exe:critical"},
		{"/tmp", held(proc(4, "x", "/tmp/x"), 3, sockets.Established, "10.0.0.1:80"), nil, "temp-exe:critical"},
		{"go test", held(proc(5, "doctor.test", "/tmp/go-build123/b001/doctor.test"), 3, sockets.Established, "10.0.0.1:80"), nil, ""},
		{"go run", held(proc(5, "server", "/tmp/go-build123/b001/exe/server"), 3, sockets.Established, "10.0.0.1:80"), nil, ""},
		{"a listener on a shell's stdin (inetd)", held(proc(22, "sh", "/usr/bin/dash", "sh"), 0, sockets.Listen, "0.0.0.0:7"), nil, ""},
		{"kworker", held(proc(6, "kworker/0:1", "/usr/local/bin/xmrig", "kworker/0:1"), 3, sockets.Established, "10.0.0.1:80"), nil, "name-mismatch:warning"},
		{"python", held(proc(9, "python3", "/usr/bin/python3.11", "python3", "app.py"), 3, sockets.Established, "10.0.0.1:80"), nil, ""},
		{"script run by its #! line", held(proc(21, "server.py", "/usr/bin/python3.11", "/usr/bin/python3", "./server.py"), 3, sockets.Established, "10.0.0.1:80"), nil, ""},
		{"busybox applet", held(proc(10, "nc", "/bin/busybox", "nc", "-l"), 3, sockets.Established, "10.0.0.1:80"), nil, ""},
		{"long name", held(proc(11, "systemd-resolve", "/usr/lib/systemd/systemd-resolved"), 3, sockets.Established, "10.0.0.1:80"), nil, ""},
		{"shell on fd 0", held(proc(12, "sh", "/usr/bin/dash", "/bin/sh"), 0, sockets.Established, "10.0.0.1:80"), nil, "shell-socket:critical"},
		{"bash on fd 2", held(proc(13, "bash", "/usr/bin/bash", "bash", "-i"), 2, sockets.Established, "10.0.0.1:80"), nil, "shell-socket:critical"},
		{"python on fd 1", held(proc(14, "python3", "/usr/bin/python3.11", "python3"), 1, sockets.Established, "10.0.0.1:80"), nil, "shell-socket:critical"},
		{"server on fd 0 (inetd style)", held(proc(15, "sshd", "/usr/sbin/sshd", "sshd"), 0, sockets.Established, "10.0.0.1:22"), nil, ""},
		{"shell on fd 3", held(proc(16, "bash", "/usr/bin/bash", "bash"), 3, sockets.Established, "10.0.0.1:80"), nil, ""},
		{"raw", raw, nil, "raw-socket:warning"},
		{"ping", ping, nil, ""},
		{"unpackaged", held(proc(17, "srv", "/opt/srv/srv", "srv"), 3, sockets.Listen, "0.0.0.0:9999"), func(string) (bool, bool) { return false, true }, "unpackaged-listener:info"},
		{"packaged", held(proc(18, "srv", "/usr/sbin/srv", "srv"), 3, sockets.Listen, "0.0.0.0:9999"), func(string) (bool, bool) { return true, true }, ""},
		{"no package database", held(proc(19, "srv", "/opt/srv/srv", "srv"), 3, sockets.Listen, "0.0.0.0:9999"), func(string) (bool, bool) { return false, false }, ""},
		{"unpackaged on localhost", held(proc(20, "srv", "/opt/srv/srv", "srv"), 3, sockets.Listen, "127.0.0.1:9999"), func(string) (bool, bool) { return false, true }, ""},
	} {
		fs := Examine(&Input{After: []sockets.Socket{c.s}, Packaged: c.pkg})
		if got := rules(fs); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
		if len(fs) == 1 && fs[0].Processes[0] != c.s.Processes[0].Info {
			t.Errorf("%s: names %v", c.name, fs[0].Processes)
		}
	}
}

func TestExposed(t *testing.T) {
	redis := proc(40, "redis-server", "/usr/bin/redis-server")
	for _, c := range []struct {
		local, want string
	}{
		{"0.0.0.0:6379", "exposed-service:critical"},
		{"[::]:5432", "exposed-service:warning"},
		{"127.0.0.1:6379", ""},
		{"10.0.0.1:5432", ""},
		{"0.0.0.0:8080", ""},
	} {
		s := tcp(1, sockets.Listen, c.local, "0.0.0.0:0", redis)
		if s.Local.Addr().Is6() {
			s.Family = sockets.Inet6
			s.Remote = netip.MustParseAddrPort("[::]:0")
		}
		fs := Examine(&Input{After: []sockets.Socket{s}})
		if got := rules(fs); got != c.want {
			t.Errorf("%s: %q, want %q", c.local, got, c.want)
		}
	}
}

// TestOrderAndWriters: findings come worst first; the JSON is valid and
// carries the data; the table names rule, process and what to do; with
// nothing found one line says what was checked.
func TestOrderAndWriters(t *testing.T) {
	shell := proc(12, "sh", "/usr/bin/dash", "/bin/sh")
	s1 := tcp(1, sockets.Established, "10.0.0.1:80", "10.0.0.2:4444", shell)
	s1.Processes[0].FD = 0
	redis := tcp(2, sockets.Listen, "[::]:5432", "[::]:0", proc(3, "postgres", "/usr/lib/postgresql/15/bin/postgres", "postgres"))
	redis.Family = sockets.Inet6
	in := &Input{After: []sockets.Socket{redis, s1}, Window: 5 * time.Second}
	fs := Examine(in)
	if got := rules(fs); got != "shell-socket:critical exposed-service:warning" {
		t.Fatalf("order: %q", got)
	}
	if Worst(fs) != Critical || Worst(nil) != 0 {
		t.Errorf("Worst")
	}
	var buf bytes.Buffer
	c := Checked{Sockets: 2, Processes: 2, Window: 5 * time.Second, Counters: true}
	if err := WriteJSON(&buf, fs, c, ""); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema   int
		Worst    string
		Findings []struct {
			Rule, Severity, Subject, Why, Fix string
			Processes                         []struct{ PID int32 }
			Sockets                           []json.RawMessage
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	if doc.Schema != 1 || doc.Worst != "critical" || len(doc.Findings) != 2 || doc.Findings[0].Processes[0].PID != 12 ||
		doc.Findings[0].Why == "" || doc.Findings[0].Fix == "" || len(doc.Findings[0].Sockets) != 1 {
		t.Errorf("JSON: %s", buf.Bytes())
	}
	buf.Reset()
	WriteTable(&buf, fs, c, "")
	for _, want := range []string{"CRITICAL", "sh (pid 12)", "12 sh /usr/bin/dash", "fix:", "look: sockscope list"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	WriteTable(&buf, nil, c, "")
	if lines := strings.Count(buf.String(), "\n"); lines != 1 || !strings.Contains(buf.String(), "no problem") {
		t.Errorf("nothing found: %q", buf.String())
	}
}

// TestCatalog: every rule has a title, an explanation and a fix, and
// every fact a label, in English.
func TestCatalog(t *testing.T) {
	for _, r := range Rules {
		for _, key := range []string{"doctor.title." + r, whyKey(r), "doctor.fix." + r} {
			if !i18n.Has(key) {
				t.Errorf("no message %s", key)
			}
		}
	}
}
