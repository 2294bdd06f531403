package cli

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/containers"
	"github.com/sockscope/sockscope/internal/history"
	"github.com/sockscope/sockscope/internal/render"
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
		w := traceWriter{w: &line, format: format, exe: func(int32) (string, int64, string) { return exeOf, -1, "" },
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
	facts := ownerFacts(func(pid int32) (string, int64, string) { exeReads++; return "/bin/x", 1000, "u" }, containers.NewResolver(root))
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
