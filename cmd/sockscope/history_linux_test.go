package main

import (
	"context"
	"encoding/json"
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
	"github.com/sockscope/sockscope/internal/netns"
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

	ln, err := listenIn(ns.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	closedLn, err := listenIn(ns.Path)
	if err != nil {
		t.Fatal(err)
	}
	closed := closedLn.Addr().(*net.TCPAddr).Port
	closedLn.Close()

	_, stop := startTracing(t, ns.Command(bin, "record", "--db", db, "--retention", "1d", fmt.Sprintf("sport = :%d or dport = :%d or dport = :%d", port, port, closed)), true)
	for range 10 {
		c, s := connectIn(t, ns.Path, ln)
		c.Close()
		s.Close()
	}
	for range 2 {
		netns.DoPath(ns.Path, func() error {
			if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", closed)); err == nil {
				c.Close()
			}
			return nil
		})
	}
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
	if c := count(query("--port", fmt.Sprint(closed))); c["fail"] != 2 {
		t.Errorf("failed connects: %v, want 2 fail", c)
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
