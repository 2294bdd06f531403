package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/history"
	"github.com/sockscope/sockscope/internal/testutil"
)

// TestIntegrationRecordHistory: record, run in a namespace of the test's
// own while the test makes 10 connections and 2 failed connects, keeps
// them; history finds them by port and remote address with this
// process's PID, sums them by program, and the retention deletes an old
// row when record starts.
func TestIntegrationRecordHistory(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	ns := testutil.NewNetNS(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	// An old row, for the retention to delete.
	h, err := history.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	old := history.Row{Time: time.Now().Add(-48 * time.Hour), Event: "close", Program: "old", UID: -1, Family: "inet",
		Local: netip.MustParseAddrPort("127.0.0.1:1"), Remote: netip.MustParseAddrPort("127.0.0.1:2"), State: "CLOSE", Sent: -1, Received: -1}
	if err := h.Insert(context.Background(), []history.Row{old}); err != nil {
		t.Fatal(err)
	}
	h.Close()

	ln, port := listenerIn(t, ns.Path)
	closed := closedPortIn(t, ns.Path)

	_, stop := startTracing(t, ns.Command(bin, "record", "--db", db, "--retention", "1d", fmt.Sprintf("sport = :%d or dport = :%d or dport = :%d", port, port, closed)), true)
	for range 10 {
		c, s := connectIn(t, ns.Path, ln)
		c.Close()
		s.Close()
	}
	refusedIn(t, ns.Path, closed, 2)
	time.Sleep(700 * time.Millisecond) // a batch is written at least every 200 ms
	stop()

	query := func(args ...string) []traceEvent {
		t.Helper()
		out, err := exec.Command(bin, append([]string{"history", "--db", db, "--format", "ndjson"}, args...)...).Output()
		if err != nil {
			t.Fatalf("history %v: %v", args, err)
		}
		var evs []traceEvent
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l == "" {
				continue
			}
			var e traceEvent
			if err := json.Unmarshal([]byte(l), &e); err != nil {
				t.Fatalf("%v: %s", err, l)
			}
			evs = append(evs, e)
		}
		return evs
	}
	me := int32(os.Getpid())
	count := func(evs []traceEvent) map[string]int {
		c := map[string]int{}
		for _, e := range evs {
			c[e.Event]++
			if e.PID != me {
				t.Errorf("%s %d>%d has pid %d, want %d", e.Event, e.Local.Port, e.Remote.Port, e.PID, me)
			}
		}
		return c
	}
	if c := count(query("--port", fmt.Sprint(port))); c["connect"] != 10 || c["accept"] != 10 || c["close"] != 20 {
		t.Errorf("by port: %v, want 10 connect, 10 accept, 20 close", c)
	}
	for _, e := range historyEvents(t, bin, db, "--port", fmt.Sprint(port)) {
		if e.Source != "ebpf" {
			t.Errorf("%s %d>%d: source %q, want ebpf", e.Event, e.Local.Port, e.Remote.Port, e.Source)
		}
	}
	failed := query("--port", fmt.Sprint(closed))
	if c := count(failed); c["fail"] != 2 {
		t.Errorf("failed connects: %v, want 2 fail", c)
	}
	for _, e := range failed {
		if e.Error != "ECONNREFUSED" {
			t.Errorf("a failed connect's error in the history: %q, want ECONNREFUSED", e.Error)
		}
	}
	if n := len(query("--remote", "127.0.0.1", "--since", "1h")); n != 42 {
		t.Errorf("by remote address in the last hour: %d events, want 42", n)
	}
	if n := len(query("--program", "old")); n != 0 {
		t.Errorf("the row older than the retention is still there")
	}
	if n := len(query("--since", "1h", fmt.Sprintf("dport = :%d", closed))); n != 2 {
		t.Errorf("the filter language over history: %d events, want 2", n)
	}
	out, err := exec.Command(bin, "history", "--db", db, "--summary", "--format", "json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Summary []struct {
			Program  string
			Connects int
			Fails    int
		}
	}
	if err := json.Unmarshal(out, &sum); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	connects, fails := 0, 0
	for _, s := range sum.Summary {
		connects += s.Connects
		fails += s.Fails
	}
	if connects != 10 || fails != 2 {
		t.Errorf("summary: %d connects, %d fails, want 10 and 2: %s", connects, fails, out)
	}
}

// historyEvent is an event history prints: trace's, and where it came
// from.
type historyEvent struct {
	traceEvent
	Source    string
	Container string
}

// historyEvents runs history with args and decodes its NDJSON events.
func historyEvents(t *testing.T, bin, db string, args ...string) []historyEvent {
	t.Helper()
	out, err := exec.Command(bin, append([]string{"history", "--db", db, "--format", "ndjson"}, args...)...).Output()
	if err != nil {
		t.Fatalf("history %v: %v", args, err)
	}
	var evs []historyEvent
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l == "" {
			continue
		}
		var e historyEvent
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		evs = append(evs, e)
	}
	return evs
}

// TestIntegrationRecordPolling: record without eBPF (--no-bpf) polls every
// 200 ms in a namespace of the test's own while the test holds three
// connections open for 1.2 s and makes one that lasts well under a
// millisecond. history finds each held connection's connect, accept and
// both closes with this process's PID and exe, marked as polled, with a
// duration close to how long it was held; the short one is not there,
// and record said on stderr that such connections are not seen.
func TestIntegrationRecordPolling(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	ns := testutil.NewNetNS(t)
	db := filepath.Join(t.TempDir(), "h.db")
	ln, port := listenerIn(t, ns.Path)
	shortLn, short := listenerIn(t, ns.Path)

	said, stop := startTracing(t, ns.Command(bin, "record", "--no-bpf", "--interval", "200ms", "--db", db,
		fmt.Sprintf("sport = :%d or dport = :%d or sport = :%d or dport = :%d", port, port, short, short)), false)
	if !strings.Contains(said, "polling every 200ms") || !strings.Contains(said, "shorter than 200ms) is not seen") {
		t.Errorf("record did not say that it polls and what polling misses: %s", said)
	}
	const held = 1200 * time.Millisecond
	var conns []*net.TCPConn
	for range 3 {
		c, s := connectIn(t, ns.Path, ln)
		conns = append(conns, c, s)
	}
	time.Sleep(held)
	for _, c := range conns {
		c.Close()
	}
	start := time.Now()
	c, s := connectIn(t, ns.Path, shortLn)
	c.Close()
	s.Close()
	shortLived := time.Since(start)
	time.Sleep(700 * time.Millisecond) // three polls, each stored as it is made
	stop()

	me := int32(os.Getpid())
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range historyEvents(t, bin, db, "--port", fmt.Sprint(port)) {
		count[e.Event]++
		if e.PID != me || e.Exe != exe || e.Program == "" {
			t.Errorf("%s %d>%d: pid %d %q exe %q, want %d and %q", e.Event, e.Local.Port, e.Remote.Port, e.PID, e.Program, e.Exe, me, exe)
		}
		if e.Source != "poll" {
			t.Errorf("%s %d>%d: source %q, want poll", e.Event, e.Local.Port, e.Remote.Port, e.Source)
		}
		if e.Passive != (e.Local.Port == port) {
			t.Errorf("%s %d>%d: passive %t", e.Event, e.Local.Port, e.Remote.Port, e.Passive)
		}
		// Seen first and last up to an interval (and a poll's own time)
		// after it opened and before it closed.
		if e.Event == "close" && (e.DurationMS < float64((held-500*time.Millisecond)/time.Millisecond) ||
			e.DurationMS > float64((held+500*time.Millisecond)/time.Millisecond)) {
			t.Errorf("close %d>%d lasted %.0f ms, held %v", e.Local.Port, e.Remote.Port, e.DurationMS, held)
		}
	}
	if count["connect"] != 3 || count["accept"] != 3 || count["close"] != 6 || len(count) != 3 {
		t.Errorf("held connections: %v, want 3 connect, 3 accept, 6 close", count)
	}
	if evs := historyEvents(t, bin, db, "--port", fmt.Sprint(short)); len(evs) != 0 && shortLived < 50*time.Millisecond {
		t.Errorf("a connection of %v, shorter than the interval, is in the history: %+v", shortLived, evs)
	}
}

// TestIntegrationRecordIntervalWithEBPF: --interval is refused, as a flag
// that does not apply, when record traces with eBPF (exit status 2, one
// line).
func TestIntegrationRecordIntervalWithEBPF(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	ns := testutil.NewNetNS(t)
	cmd := ns.Command(bin, "record", "--interval", "1s", "--db", filepath.Join(t.TempDir(), "h.db"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Signal(os.Interrupt)
		<-done
		if os.Getenv("SOCKSCOPE_EBPF") == "require" {
			t.Fatalf("record with --interval ran (polled?) instead of refusing the flag: %s", stderr.String())
		}
		t.Skipf("no eBPF here, so record polls and --interval applies: %s", stderr.String())
	}
	var ee *exec.ExitError
	msg := strings.TrimSpace(stderr.String())
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || strings.Count(msg, "\n") != 0 || !strings.Contains(msg, "--interval does not apply") {
		t.Errorf("record --interval with eBPF: %v, stderr %q; want exit status 2 and one line saying --interval does not apply", err, msg)
	}
}
