package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/containers"
	"github.com/sockscope/sockscope/internal/history"
	"github.com/sockscope/sockscope/internal/iostreams"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/trace"
)

// TestHistoryWriter: history shows what only a stored row has, its
// source and its owner's container: in a table as two last columns
// aligned under their headings, in JSON as "source" and (through trace's
// writer) "container"; a row of a database older than the source column
// has none.
func TestHistoryWriter(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	rows := []history.Row{
		{Time: t0, Event: "connect", PID: 7, Program: "curl", Exe: "/usr/bin/curl", UID: -1, Family: "inet",
			Local: netip.MustParseAddrPort("10.0.0.1:40000"), Remote: netip.MustParseAddrPort("10.1.2.3:443"),
			State: "ESTABLISHED", Sent: -1, Received: -1, Source: history.SourcePoll, Container: "web"},
		{Time: t0, Event: "close", PID: 7, Program: "curl", Exe: "/usr/bin/curl", UID: -1, Family: "inet",
			Local: netip.MustParseAddrPort("10.0.0.1:40000"), Remote: netip.MustParseAddrPort("10.1.2.3:443"),
			From: "ESTABLISHED", State: "CLOSE", Duration: 1234567 * time.Microsecond, Sent: 10, Received: 20},
	}
	write := func(format render.Format) string {
		var out, line bytes.Buffer
		var exeOf, containerOf string
		w := traceWriter{w: &line, format: format, exe: func(int32, string) (string, int64, string) { return exeOf, -1, "" },
			container: func(int32) string { return containerOf }}
		hw := historyWriter{w: &out, format: format}
		w.begin()
		hw.header(line.Bytes())
		line.Reset()
		for i := range rows {
			ev := eventOf(&rows[i])
			exeOf, containerOf = rows[i].Exe, rows[i].Container
			w.forgetOwners()
			w.event(&ev)
			hw.event(line.Bytes(), &rows[i])
			line.Reset()
		}
		w.end(0)
		out.Write(line.Bytes())
		return out.String()
	}
	table := strings.Split(strings.TrimSuffix(write(render.Table), "\n"), "\n")
	if len(table) != 3 {
		t.Fatalf("table:\n%s", strings.Join(table, "\n"))
	}
	col := strings.Index(table[0], "SOURCE")
	if col < 0 || !strings.HasSuffix(table[0], "SOURCE CONTAINER") ||
		len(table[1]) <= col || table[1][col:] != "poll   web" || len(table[2]) <= col || table[2][col:] != "-      -" {
		t.Errorf("table's added columns:\n%s", strings.Join(table, "\n"))
	}
	nd := strings.Split(strings.TrimSuffix(write(render.NDJSON), "\n"), "\n")
	if len(nd) != 2 || !strings.Contains(nd[0], `"container":"web"`) || !strings.HasSuffix(nd[0], `,"source":"poll"}`) ||
		strings.Contains(nd[1], `"source"`) || strings.Contains(nd[1], `"container"`) {
		t.Errorf("NDJSON:\n%s", strings.Join(nd, "\n"))
	}
	if js := write(render.JSON); !strings.Contains(js, `,"source":"poll"},{"time"`) {
		t.Errorf("JSON: %s", js)
	}
}

// TestOwnerFacts: a process's container is resolved from its cgroup once
// per process (its pid and name: a pid reused by another program is read
// again), and a process in none has none.
func TestOwnerFacts(t *testing.T) {
	root := t.TempDir()
	id := strings.Repeat("ab", 32)
	cgroup := func(pid, line string) {
		dir := filepath.Join(root, "proc", pid)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cgroup"), []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cgroup("100", "0::/system.slice/docker-"+id+".scope\n")
	cgroup("200", "0::/user.slice/user-1000.slice/session-1.scope\n")
	exeReads := 0
	facts := ownerFacts(func(pid int32, comm string) (string, int64, string) { exeReads++; return "/bin/x", 1000, "u" }, containers.NewResolver(root), nil)
	p := facts(100, "nginx")
	if p.container != id[:12] || p.containerID != id || p.exe != "/bin/x" || p.uid != 1000 {
		t.Errorf("pid 100: %+v, want container %s", p, id[:12])
	}
	if p := facts(200, "bash"); p.container != "" || p.containerID != "" {
		t.Errorf("pid 200 is in no container: %+v", p)
	}
	// Gone from /proc: the cached facts stand for the same program.
	os.RemoveAll(filepath.Join(root, "proc", "100"))
	if p := facts(100, "nginx"); p.containerID != id || exeReads != 2 {
		t.Errorf("pid 100 again: %+v after %d reads, want the cached facts", p, exeReads)
	}
	if p := facts(100, "other"); p.containerID != "" || exeReads != 3 {
		t.Errorf("pid 100 reused by another program: %+v after %d reads", p, exeReads)
	}
	if p := facts(0, ""); p.uid != -1 || exeReads != 3 {
		t.Errorf("no owner: %+v", p)
	}
}

// TestRowOfProto: a stored event keeps its protocol: a UDP socket's end
// is stored UDP with its bytes unknown, and comes back from its row as
// the UDP event it was; a TCP event stays TCP.
func TestRowOfProto(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	udp := trace.Event{Kind: trace.Close, Time: t0, Proto: sockets.UDP, Owner: trace.Owner{PID: 9, Comm: "dig"}, Family: sockets.Inet,
		Local: netip.MustParseAddrPort("10.0.0.1:53000"), Remote: netip.MustParseAddrPort("10.0.0.53:53"),
		From: sockets.Established, To: sockets.Close, Duration: 3 * time.Millisecond, NoBytes: true}
	r := rowOf(&udp, nil)
	if r.Proto != history.ProtoUDP || r.Sent != -1 || r.Received != -1 || r.From != "ESTABLISHED" || r.State != "CLOSE" {
		t.Errorf("a UDP socket's end stored as %+v", r)
	}
	if back := eventOf(&r); back != udp {
		t.Errorf("read back as %+v\nwant %+v", back, udp)
	}
	tcp := udp
	tcp.Proto, tcp.NoBytes, tcp.Sent, tcp.Received = sockets.TCP, false, 10, 20
	r = rowOf(&tcp, nil)
	if r.Proto != history.ProtoTCP || r.Sent != 10 {
		t.Errorf("a TCP close stored as %+v", r)
	}
	if back := eventOf(&r); back != tcp {
		t.Errorf("read back as %+v\nwant %+v", back, tcp)
	}
	if s := socketOfRow(&history.Row{Proto: history.ProtoUDP}, &sockets.ProcessInfo{}); s.Proto != sockets.UDP {
		t.Errorf("the filter sees a UDP row as %v", s.Proto)
	}
}

// historyDB makes a history database in a test's directory with rows,
// and returns its path.
func historyDB(t *testing.T, rows []history.Row) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := history.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Insert(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	return path
}

// runHistory runs history with args (after "history --db path"), with
// protos in place of the protocols its flags chose unless it is nil,
// and returns what it wrote on stdout and stderr.
func runHistory(t *testing.T, path string, protos *sockets.ProtoSet, args ...string) (string, string) {
	t.Helper()
	req := mustParse(t, append([]string{"history", "--db", path}, args...)...)
	if protos != nil {
		req.Filter.Protos = *protos
	}
	ios, _, out, errOut := iostreams.Test()
	if err := historyRun(context.Background(), &Factory{IO: ios}, req); err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String()
}

// protoRows are a TCP connection's connect and close, and a UDP socket's
// end, as record stores them.
func protoRows() []history.Row {
	t0 := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	base := history.Row{Time: t0, PID: 7, Program: "curl", Exe: "/usr/bin/curl", UID: -1, Family: "inet",
		Local: netip.MustParseAddrPort("10.0.0.1:40000"), Remote: netip.MustParseAddrPort("10.1.2.3:443"),
		Source: history.SourceEBPF, Proto: history.ProtoTCP}
	connect, closed, flow := base, base, base
	connect.Event, connect.State, connect.Sent, connect.Received = "connect", "ESTABLISHED", -1, -1
	closed.Time, closed.Event, closed.From, closed.State, closed.Sent, closed.Received = t0.Add(time.Second), "close", "ESTABLISHED", "CLOSE", 10, 20
	flow.Time, flow.Event, flow.Program, flow.PID, flow.Proto = t0.Add(2*time.Second), "close", "dig", 9, history.ProtoUDP
	flow.Remote, flow.From, flow.State, flow.Sent, flow.Received = netip.MustParseAddrPort("10.0.0.53:53"), "ESTABLISHED", "CLOSE", -1, -1
	return []history.Row{connect, closed, flow}
}

// TestHistoryProto: history prints each stored event in its protocol
// (NDJSON "proto", the table's PROTO column), and the protocols chosen
// (-t, -u) choose rows; none chosen is every one.
func TestHistoryProto(t *testing.T) {
	path := historyDB(t, protoRows())
	nd, _ := runHistory(t, path, nil, "--format", "ndjson")
	lines := strings.Split(strings.TrimSuffix(nd, "\n"), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `"proto":"tcp"`) || !strings.Contains(lines[2], `"proto":"udp"`) ||
		strings.Contains(lines[2], `"bytes_sent"`) {
		t.Errorf("NDJSON:\n%s", nd)
	}
	table, _ := runHistory(t, path, nil)
	rows := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	if len(rows) != 4 || !strings.Contains(rows[0], " PROTO ") || strings.Fields(rows[3])[2] != "udp" || strings.Fields(rows[1])[2] != "tcp" {
		t.Errorf("table:\n%s", table)
	}
	for _, c := range []struct {
		name   string
		protos sockets.ProtoSet
		want   []string
	}{
		{"udp", sockets.ProtoSet(0).With(sockets.UDP), []string{"dig"}},
		{"tcp", sockets.ProtoSet(0).With(sockets.TCP), []string{"curl", "curl"}},
		{"both", sockets.ProtoSet(0).With(sockets.TCP).With(sockets.UDP), []string{"curl", "curl", "dig"}},
		{"none chosen", 0, []string{"curl", "curl", "dig"}},
	} {
		out, _ := runHistory(t, path, &c.protos, "--format", "ndjson")
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if _, rest, ok := strings.Cut(l, `"program":"`); ok {
				got = append(got, rest[:strings.IndexByte(rest, '"')])
			}
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s: programs %v, want %v\n%s", c.name, got, c.want, out)
		}
	}
	// The listing's own flag: -u chooses the UDP rows.
	if out, _ := runHistory(t, path, nil, "-u", "--format", "ndjson"); strings.Count(out, "\n") != 1 || !strings.Contains(out, `"proto":"udp"`) {
		t.Errorf("history -u:\n%s", out)
	}
}

// summaryRows are rows of seven groups: curl's TCP connections to one
// end in container web, seen by eBPF (bytes) and by polling (none);
// curl's in no container, all by eBPF; curl's UDP to the same end; dig's
// UDP sockets' ends (no bytes); an unconnected UDP socket's end; and
// nginx's connections accepted on one end, from two clients, one of
// them from three ports.
func summaryRows() []history.Row {
	t0 := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	remote := netip.MustParseAddrPort("10.1.2.3:443")
	r := func(sec int, event, program, container, proto string, remote netip.AddrPort, sent, received int64) history.Row {
		state := "CLOSE"
		if event == "connect" {
			state = "ESTABLISHED"
		}
		return history.Row{Time: t0.Add(time.Duration(sec) * time.Second), Event: event, PID: 7, Program: program, UID: -1,
			Family: "inet", Local: netip.MustParseAddrPort("10.0.0.1:40000"), Remote: remote, Proto: proto, State: state,
			Container: container, Sent: sent, Received: received}
	}
	return []history.Row{
		r(0, "connect", "curl", "web", "tcp", remote, -1, -1),
		r(1, "close", "curl", "web", "tcp", remote, 100, 200),
		r(2, "connect", "curl", "web", "tcp", remote, -1, -1),
		r(3, "close", "curl", "web", "tcp", remote, -1, -1), // polled
		r(4, "connect", "curl", "", "tcp", remote, -1, -1),
		r(5, "close", "curl", "", "tcp", remote, 10, 20),
		r(6, "close", "curl", "web", "udp", remote, -1, -1),
		r(7, "close", "dig", "", "udp", netip.MustParseAddrPort("10.0.0.53:53"), -1, -1),
		r(8, "close", "dig", "", "udp", netip.MustParseAddrPort("10.0.0.53:53"), -1, -1),
		r(9, "close", "ntpd", "", "udp", netip.MustParseAddrPort("0.0.0.0:0"), -1, -1),
		accepted(10, "accept", "10.0.0.7:50001"), accepted(11, "close", "10.0.0.7:50001"),
		accepted(12, "accept", "10.0.0.7:50002"), accepted(13, "close", "10.0.0.7:50002"),
		accepted(14, "accept", "10.0.0.7:50003"), accepted(15, "close", "10.0.0.7:50003"),
		accepted(16, "accept", "10.0.0.8:50001"), accepted(17, "close", "10.0.0.8:50001"),
	}
}

// accepted is a row of nginx's, of a connection accepted on
// 10.0.0.1:443 from client.
func accepted(sec int, event, client string) history.Row {
	r := history.Row{Time: time.Date(2026, 12, 7, 3, 0, sec, 0, time.UTC), Event: event, PID: 8, Program: "nginx", UID: -1,
		Family: "inet", Local: netip.MustParseAddrPort("10.0.0.1:443"), Remote: netip.MustParseAddrPort(client),
		Proto: "tcp", State: "ESTABLISHED", Passive: true, Sent: -1, Received: -1}
	if event == "close" {
		r.State, r.Sent, r.Received = "CLOSE", 1000, 10
	}
	return r
}

// TestHistorySummary: the summary groups by program, container,
// protocol and remote end (an accepted connection's by the end it was
// accepted on and its client's address, whatever the client's port),
// and tells bytes it does not know from none:
// a group none of whose connections' bytes are known shows "-" (JSON
// leaves them out), one where only some are shows their sum with a "+"
// (JSON "bytes_partial": true); a connect, which carries no bytes, does
// not make its group's bytes partial.
func TestHistorySummary(t *testing.T) {
	sum := make(map[summaryKey]*summaryRow)
	rows := summaryRows()
	for i := range rows {
		addSummary(sum, &rows[i])
	}
	var out bytes.Buffer
	partial, err := writeSummary(&out, sum, render.Table, "en")
	if err != nil || !partial {
		t.Fatalf("partial %v, %v", partial, err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	want := []string{
		"PROGRAM CONTAINER PROTO LOCAL REMOTE CONNECTS ACCEPTS CLOSES FAILS SENT RECEIVED FIRST LAST",
		"nginx - tcp 10.0.0.1:443 10.0.0.7:* 0 3 3 0 3000 30 2026-12-07 03:00:10 2026-12-07 03:00:15",
		"curl web tcp * 10.1.2.3:443 2 0 2 0 100+ 200+ 2026-12-07 03:00:00 2026-12-07 03:00:03",
		"dig - udp * 10.0.0.53:53 0 0 2 0 - - 2026-12-07 03:00:07 2026-12-07 03:00:08",
		"curl - tcp * 10.1.2.3:443 1 0 1 0 10 20 2026-12-07 03:00:04 2026-12-07 03:00:05",
		"curl web udp * 10.1.2.3:443 0 0 1 0 - - 2026-12-07 03:00:06 2026-12-07 03:00:06",
		"nginx - tcp 10.0.0.1:443 10.0.0.8:* 0 1 1 0 1000 10 2026-12-07 03:00:16 2026-12-07 03:00:17",
		"ntpd - udp * 0.0.0.0:* 0 0 1 0 - - 2026-12-07 03:00:09 2026-12-07 03:00:09",
	}
	if len(lines) != len(want) {
		t.Fatalf("table:\n%s", out.String())
	}
	sent := strings.Index(lines[0], "SENT") + len("SENT")
	for i, l := range lines {
		if got := strings.Join(strings.Fields(l), " "); got != want[i] {
			t.Errorf("line %d: %q\nwant %q", i, got, want[i])
		}
		// The digits of every row end under SENT's last letter, a "+"
		// after them.
		if i > 0 && (len(l) <= sent || l[sent-1] < '0' && l[sent-1] != '-' || l[sent-1] > '9') {
			t.Errorf("line %d: SENT not aligned under its heading:\n%s\n%s", i, lines[0], l)
		}
	}

	out.Reset()
	if _, err := writeSummary(&out, sum, render.JSON, "en"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Summary []struct {
			Program, Container, Proto string
			Local                     *struct {
				IP   string
				Port int
			}
			Remote struct {
				IP   string
				Port int
			}
			Accepts       int
			Closes        int
			BytesSent     *int64 `json:"bytes_sent"`
			BytesReceived *int64 `json:"bytes_received"`
			BytesPartial  *bool  `json:"bytes_partial"`
		}
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || len(doc.Summary) != 7 {
		t.Fatalf("%v: %s", err, out.String())
	}
	served, web, dig, plain, ntpd := doc.Summary[0], doc.Summary[1], doc.Summary[2], doc.Summary[3], doc.Summary[6]
	if served.Local == nil || served.Local.IP != "10.0.0.1" || served.Local.Port != 443 || served.Remote.IP != "10.0.0.7" ||
		served.Remote.Port != 0 || served.Accepts != 3 {
		t.Errorf("connections accepted from one client: %+v (local %+v)", served, served.Local)
	}
	if web.Local != nil {
		t.Errorf("connections made have a local end: %+v", web.Local)
	}
	if web.Container != "web" || web.Proto != "tcp" || web.BytesSent == nil || *web.BytesSent != 100 || *web.BytesReceived != 200 ||
		web.BytesPartial == nil || !*web.BytesPartial {
		t.Errorf("a group with some bytes unknown: %+v", web)
	}
	if dig.Proto != "udp" || dig.Closes != 2 || dig.BytesSent != nil || dig.BytesReceived != nil || dig.BytesPartial != nil ||
		dig.Remote.IP != "10.0.0.53" || dig.Remote.Port != 53 {
		t.Errorf("a group with no bytes known: %+v", dig)
	}
	if plain.Container != "" || plain.BytesSent == nil || *plain.BytesSent != 10 || plain.BytesPartial == nil || *plain.BytesPartial {
		t.Errorf("a group with every byte known: %+v", plain)
	}
	if ntpd.Remote.IP != "0.0.0.0" || ntpd.Remote.Port != 0 {
		t.Errorf("an unconnected UDP socket's group: %+v", ntpd)
	}
	if strings.Contains(out.String(), `"container":""`) {
		t.Errorf("an empty container in JSON: %s", out.String())
	}
}

// TestHistorySummaryNote: history --summary over a database says on
// stderr what a "+" means when a group has one, and not otherwise.
func TestHistorySummaryNote(t *testing.T) {
	path := historyDB(t, summaryRows())
	out, errOut := runHistory(t, path, nil, "--summary")
	if !strings.Contains(out, "100+") || !strings.Contains(errOut, "a + after SENT or RECEIVED") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}
	path = historyDB(t, protoRows())
	if out, errOut = runHistory(t, path, nil, "--summary"); strings.Contains(out, "+") || errOut != "" {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}
}
