package main

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/netns"
	"github.com/sockscope/sockscope/internal/testutil"
)

// TestIntegrationTraceBenchPause: with SOCKSCOPE_BENCH_PAUSE set, SIGUSR1
// detaches trace's program (it says "paused", and a connection made then
// has no connect) and SIGUSR2 attaches it again ("resumed", and the next
// connection's connect is there), twice over: what bench/trace.sh's
// windows with and without the program rest on. Connects only: a close
// can come late (a FIN sent again, 200 ms on), after the next pause.
func TestIntegrationTraceBenchPause(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	ns := testutil.NewNetNS(t)
	ln, port := listenerIn(t, ns.Path)
	testutil.CloseAccepted(ln)
	cmd := ns.Command(bin, "trace", "--format", "ndjson", fmt.Sprintf("dport = :%d", port))
	cmd.Env = append(os.Environ(), "SOCKSCOPE_BENCH_PAUSE=1")
	notes := make(chan string, 16)
	_, stop := startTracingNotes(t, cmd, true, notes)
	// await waits for trace's note that contains what.
	await := func(what string) {
		t.Helper()
		for {
			select {
			case n := <-notes:
				if strings.Contains(n, what) {
					return
				}
				t.Logf("trace: %s", n)
			case <-time.After(30 * time.Second):
				t.Fatalf("trace did not say %q", what)
			}
		}
	}
	// connect makes one connection to the listener and returns its local
	// port.
	connect := func() int {
		t.Helper()
		var local int
		err := netns.DoPath(ns.Path, func() error {
			c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				return err
			}
			local = c.LocalAddr().(*net.TCPAddr).Port
			return c.Close()
		})
		if err != nil {
			t.Fatal(err)
		}
		return local
	}
	var unseen, seen []int
	for range 2 {
		cmd.Process.Signal(syscall.SIGUSR1)
		await("sockscope: paused")
		unseen = append(unseen, connect())
		cmd.Process.Signal(syscall.SIGUSR2)
		await("sockscope: resumed")
		seen = append(seen, connect())
	}
	time.Sleep(300 * time.Millisecond)
	events := map[int][]string{} // by local port
	for _, e := range stop() {
		events[e.Local.Port] = append(events[e.Local.Port], e.Event)
	}
	for _, p := range unseen {
		if slices.Contains(events[p], "connect") {
			t.Errorf("paused: the connection from port %d seen: %v", p, events[p])
		}
	}
	for _, p := range seen {
		if !slices.Contains(events[p], "connect") {
			t.Errorf("resumed: the connection from port %d: events %q, want its connect", p, events[p])
		}
	}
}
