package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/netns"
	"github.com/sockscope/sockscope/internal/testutil"
)

// traceEvent is an NDJSON event of trace, as far as the test reads it.
type traceEvent struct {
	Event   string
	Proto   string
	PID     int32
	Program string
	Local   struct {
		IP   string
		Port int
	}
	Remote struct {
		IP   string
		Port int
	}
	State   string
	From    string
	Passive bool
	// DurationMS is how long the connection lived (close, fail).
	DurationMS    float64 `json:"duration_ms"`
	BytesSent     uint64  `json:"bytes_sent"`
	BytesReceived uint64  `json:"bytes_received"`
	Exe           string
	User          string
	Container     string
	// Error is why a connect failed (its errno's name, or "cancelled"),
	// Errno its number.
	Error string
	Errno int
}

// TestIntegrationTraceUDP: with -u, trace reports the end of each UDP
// socket the test makes in a namespace of its own (connected, and bound
// only, both families) with this process as its owner, its ends and how
// long it lived, and no TCP connection; with -t, no UDP socket. It runs
// with each of trace's programs.
func TestIntegrationTraceUDP(t *testing.T) {
	for _, program := range []string{"tp_btf", "tracepoint"} {
		t.Run(program, func(t *testing.T) { testTraceUDP(t, program) })
	}
}

func testTraceUDP(t *testing.T, program string) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	ns := testutil.NewNetNS(t)
	ln, port := listenerIn(t, ns.Path)
	testutil.CloseAccepted(ln)
	const held = 20 * time.Millisecond
	filter := fmt.Sprintf("dport = :53 or sport = :5300 or dport = :%d", port)
	for _, only := range []string{"-u", "-t"} {
		cmd := ns.Command(bin, "trace", only, "--format", "ndjson", filter)
		cmd.Env = append(os.Environ(), "SOCKSCOPE_TRACE_PROGRAM="+program)
		said, stop := startTracing(t, cmd, true)
		if !strings.Contains(said, map[string]string{"-u": "tracing UDP sockets' ends (", "-t": "tracing TCP connections ("}[only]) {
			t.Errorf("trace %s said %q", only, said)
		}
		err := netns.DoPath(ns.Path, func() error {
			c, err := net.Dial("udp4", "127.0.0.1:53")
			if err != nil {
				return err
			}
			time.Sleep(held)
			c.Close()
			pc, err := net.ListenPacket("udp6", "[::1]:5300")
			if err != nil {
				return err
			}
			time.Sleep(held)
			pc.Close()
			tc, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				return err
			}
			return tc.Close()
		})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		events := stop()
		me := int32(os.Getpid())
		var udp []traceEvent
		for _, e := range events {
			switch {
			case e.Proto == "udp":
				udp = append(udp, e)
			case only == "-u":
				t.Errorf("trace -u: a %s event %+v", e.Proto, e)
			}
		}
		if only == "-t" {
			if len(udp) != 0 || len(events) == 0 {
				t.Errorf("trace -t: UDP events %+v of %d", udp, len(events))
			}
			continue
		}
		if len(udp) != 2 {
			t.Fatalf("trace -u: UDP events %+v, want the two sockets' ends", udp)
		}
		for i, want := range []struct {
			local, remote string
			rport         int
			state         string
		}{{"127.0.0.1", "127.0.0.1", 53, "ESTABLISHED"}, {"::1", "::", 0, "UNCONN"}} {
			e := udp[i]
			if e.Event != "close" || e.PID != me || !strings.HasSuffix(e.Exe, ".test") || e.Local.IP != want.local ||
				e.Remote.IP != want.remote || e.Remote.Port != want.rport || e.From != want.state || e.DurationMS < float64(held.Milliseconds()) {
				t.Errorf("UDP end %d: %+v, want a close of %s>%s:%d from %s by pid %d after %v", i, e, want.local, want.remote, want.rport, want.state, me, held)
			}
		}
	}
}

// TestIntegrationTrace makes 200 loopback connections of 1 to 50 ms in a
// namespace of the test's own, and 5 connects to a closed port, while
// trace runs: every connection is reported connected and accepted with
// this process's PID (the accepting side by its listener's holder), both
// its ends closed with a duration no shorter than it was held, and each
// failed connect as a failure, refused (ECONNREFUSED). Two connects to
// an address of the namespace's where nothing answers fail too: one timed
// out by the kernel (ETIMEDOUT, after one SYN retry), one given up by its
// caller first (cancelled). It runs with each of trace's programs.
func TestIntegrationTrace(t *testing.T) {
	for _, program := range []string{"tp_btf", "tracepoint"} {
		t.Run(program, func(t *testing.T) { testTrace(t, program) })
	}
}

func testTrace(t *testing.T, program string) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	ns := testutil.NewNetNS(t)
	ln, port := listenerIn(t, ns.Path)
	closed := closedPortIn(t, ns.Path)
	// Nothing answers at 10.99.0.0/24 routed to the loopback device: a
	// SYN to it comes back in as a packet for another host, which the
	// namespace, not forwarding, drops.
	if out, err := ns.Command("ip", "route", "add", "10.99.0.0/24", "dev", "lo").CombinedOutput(); err != nil {
		t.Fatalf("ip route add: %v: %s", err, out)
	}

	cmd := ns.Command(bin, "trace", "--format", "ndjson",
		fmt.Sprintf("sport = :%d or dport = :%d or dport = :%d or dst 10.99.0.0/24", port, port, closed))
	cmd.Env = append(os.Environ(), "SOCKSCOPE_TRACE_PROGRAM="+program)
	said, stop := startTracing(t, cmd, true)
	if !strings.Contains(said, "eBPF: "+program) {
		t.Fatalf("trace said %q, want the program %s", said, program)
	}
	// TCP by default, and how to add UDP.
	if !strings.Contains(said, "tracing TCP connections (") || !strings.Contains(said, "-tu adds UDP sockets' ends") {
		t.Errorf("trace said %q, want TCP connections and how to add UDP", said)
	}
	// It yields to the work it watches: every thread is SCHED_BATCH.
	if policies := schedPolicies(t, cmd.Process.Pid); len(policies) == 0 || slices.ContainsFunc(policies, func(p string) bool { return p != "3" }) {
		t.Errorf("trace's threads' scheduling policies %v, want all 3 (SCHED_BATCH)", policies)
	}

	// The connects that time out, meanwhile: the kernel's after one SYN
	// retry (TCP_SYNCNT 1: some 3 s), and the caller's after 100 ms.
	var dummyWG sync.WaitGroup
	var dummyErr [2]error
	for i, d := range []net.Dialer{
		{Control: func(_, _ string, c syscall.RawConn) error {
			return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_SYNCNT, 1) })
		}},
		{Timeout: 100 * time.Millisecond},
	} {
		dummyWG.Add(1)
		go func() {
			defer dummyWG.Done()
			dummyErr[i] = netns.DoPath(ns.Path, func() error {
				c, err := d.Dial("tcp", fmt.Sprintf("10.99.0.%d:80", 2+i))
				if err == nil {
					c.Close()
				}
				return err
			})
		}()
	}

	// The server side: accept, greet, hold until the client closes.
	greeting := []byte("hi\n")
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				c.Write(greeting)
				io.Copy(io.Discard, c) // until the client closes
				c.Close()
			}()
		}
	}()
	const n = 200
	held := make(map[int]time.Duration) // client port -> how long it was held
	wrote := make(map[int]int)          // client port -> bytes it sent
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 20)
	for range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var c net.Conn
			err := netns.DoPath(ns.Path, func() error {
				var err error
				c, err = net.Dial("tcp", ln.Addr().String())
				return err
			})
			if err != nil {
				t.Error(err)
				return
			}
			d := time.Duration(1+rand.IntN(50)) * time.Millisecond
			k := 1 + rand.IntN(5000)
			if _, err := c.Write(make([]byte, k)); err != nil {
				t.Error(err)
			}
			if _, err := io.ReadFull(c, make([]byte, len(greeting))); err != nil {
				t.Error(err)
			}
			time.Sleep(d)
			mu.Lock()
			held[c.LocalAddr().(*net.TCPAddr).Port] = d
			wrote[c.LocalAddr().(*net.TCPAddr).Port] = k
			mu.Unlock()
			c.Close()
		}()
	}
	wg.Wait()
	refusedIn(t, ns.Path, closed, 5)
	dummyWG.Wait()
	if !errors.Is(dummyErr[0], syscall.ETIMEDOUT) {
		t.Errorf("a connect to nothing: %v, want ETIMEDOUT", dummyErr[0])
	}
	if dummyErr[1] == nil {
		t.Error("a connect to nothing with a timeout of 100 ms succeeded")
	}
	time.Sleep(500 * time.Millisecond)
	events := stop()

	me := int32(os.Getpid())
	reasons := map[int][]string{} // remote port -> the failures' errors
	count := map[string]int{}
	clientClosed := map[int]bool{}
	for _, e := range events {
		count[e.Event]++
		switch e.Event {
		case "connect", "accept", "fail":
			if e.PID != me {
				t.Errorf("%s %d>%d has pid %d, want %d (this process)", e.Event, e.Local.Port, e.Remote.Port, e.PID, me)
			}
			if e.Event == "fail" {
				reasons[e.Remote.Port] = append(reasons[e.Remote.Port], e.Error)
				if e.Error == "ECONNREFUSED" && e.Errno != int(syscall.ECONNREFUSED) {
					t.Errorf("fail %s has errno %d", e.Error, e.Errno)
				}
			} else if e.Error != "" {
				t.Errorf("%s %d>%d has error %q", e.Event, e.Local.Port, e.Remote.Port, e.Error)
			}
		case "close":
			if e.Remote.Port == port { // the client's end
				clientClosed[e.Local.Port] = true
				if d, ok := held[e.Local.Port]; ok && e.DurationMS < float64(d.Milliseconds()) {
					t.Errorf("connection from port %d held %v, closed after %.3f ms", e.Local.Port, d, e.DurationMS)
				}
				// The data bytes, neither the SYN nor either FIN.
				if k, ok := wrote[e.Local.Port]; ok && (e.BytesSent != uint64(k) || e.BytesReceived != uint64(len(greeting))) {
					t.Errorf("connection from port %d sent %d bytes and received %d, trace says %d and %d",
						e.Local.Port, k, len(greeting), e.BytesSent, e.BytesReceived)
				}
				if !strings.HasSuffix(e.Exe, ".test") {
					t.Errorf("close of port %d: exe %q, want this test binary", e.Local.Port, e.Exe)
				}
			}
			if k, ok := wrote[e.Remote.Port]; ok && e.Local.Port == port && (e.BytesSent != uint64(len(greeting)) || e.BytesReceived != uint64(k)) {
				t.Errorf("accepted connection from port %d: sent %d bytes and received %d, trace says %d and %d",
					e.Remote.Port, len(greeting), k, e.BytesSent, e.BytesReceived)
			}
			if e.PID != me {
				t.Errorf("close %d>%d has pid %d, want %d", e.Local.Port, e.Remote.Port, e.PID, me)
			}
		}
	}
	if count["connect"] != n || count["accept"] != n || count["close"] != 2*n || count["fail"] != 7 {
		t.Errorf("events %v, want %d connect, %d accept, %d close, 7 fail", count, n, n, 2*n)
	}
	if got := reasons[closed]; len(got) != 5 || slices.ContainsFunc(got, func(r string) bool { return r != "ECONNREFUSED" }) {
		t.Errorf("the connects to a closed port failed with %q, want ECONNREFUSED each", got)
	}
	if got := reasons[80]; len(got) != 2 || !slices.Contains(got, "ETIMEDOUT") || !slices.Contains(got, "cancelled") {
		t.Errorf("the connects to nothing failed with %q, want ETIMEDOUT and cancelled", got)
	}
	for p := range held {
		if !clientClosed[p] {
			t.Errorf("no close for the connection from port %d", p)
		}
	}
}

// TestIntegrationTraceNoBPF: with the eBPF path turned off, the closes
// still arrive (both ends of 20 connections in a namespace of the test's
// own, and with -u a UDP socket's end), without their process, and trace
// says what is lost.
func TestIntegrationTraceNoBPF(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	ns := testutil.NewNetNS(t)
	ln, port := listenerIn(t, ns.Path)
	said, stop := startTracing(t, ns.Command(bin, "trace", "-tu", "--no-bpf", "--format", "ndjson", fmt.Sprintf("sport = :%d or dport = :%d or dport = :53", port, port)), false)
	if !strings.Contains(said, "closes only") || !strings.Contains(said, "without") {
		t.Fatalf("trace --no-bpf said %q, want what it cannot see", said)
	}
	for range 20 {
		client, server := connectIn(t, ns.Path, ln)
		client.Close()
		server.Close()
	}
	// A UDP socket connected, then closed: its end too.
	if err := netns.DoPath(ns.Path, func() error {
		c, err := net.Dial("udp4", "127.0.0.1:53")
		if err == nil {
			c.Close()
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	events := stop()
	closes, udp := 0, 0
	for _, e := range events {
		if e.Event != "close" {
			t.Errorf("without eBPF, a %s event", e.Event)
		}
		if e.PID != 0 {
			t.Errorf("without eBPF, close %d>%d has pid %d", e.Local.Port, e.Remote.Port, e.PID)
		}
		if e.Proto == "udp" {
			udp++
			if e.Remote.Port != 53 || e.From != "ESTABLISHED" {
				t.Errorf("without eBPF, the UDP end %+v", e)
			}
			continue
		}
		closes++
	}
	if closes != 40 || udp != 1 {
		t.Errorf("%d closes of TCP and %d of UDP, want 40 (both ends of 20 connections) and 1", closes, udp)
	}
}

// TestIntegrationTraceListenerElsewhere: a connection accepted by a
// listener older than the trace, in a network namespace other than
// trace's (a container's server), carries the listener's holder: trace's
// first snapshot of owners covers every namespace, not its own alone.
func TestIntegrationTraceListenerElsewhere(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	ns := testutil.NewNetNS(t)
	ln, port := listenerIn(t, ns.Path) // held by this process, before the trace
	cmd := exec.Command(bin, "trace", "--format", "ndjson", fmt.Sprintf("sport = :%d or dport = :%d", port, port))
	_, stop := startTracing(t, cmd, true)
	accepted := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
		accepted <- err
	}()
	if err := netns.DoPath(ns.Path, func() error {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			c.Close()
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := <-accepted; err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the reader's timer: every 200 ms
	events := stop()
	i := slices.IndexFunc(events, func(ev traceEvent) bool { return ev.Event == "accept" })
	switch {
	case i < 0:
		t.Fatalf("no accept among %+v", events)
	case events[i].PID != int32(os.Getpid()) || events[i].Local.Port != port:
		t.Errorf("accept %+v, want PID %d (the listener's holder) on port %d", events[i], os.Getpid(), port)
	}
}

// startTracing starts cmd (trace or record) and waits for its line on
// stderr that says how it traces, which it returns. With needBPF, a
// trace without eBPF skips the test (unless SOCKSCOPE_EBPF=require, which
// makes it a failure). stop interrupts cmd and returns the NDJSON events
// it printed. Its other lines on stderr are logged.
func startTracing(t *testing.T, cmd *exec.Cmd, needBPF bool) (said string, stop func() []traceEvent) {
	t.Helper()
	return startTracingNotes(t, cmd, needBPF, nil)
}

// startTracingNotes is startTracing that sends cmd's other lines on
// stderr to notes, where not nil, rather than log them.
func startTracingNotes(t *testing.T, cmd *exec.Cmd, needBPF bool, notes chan<- string) (said string, stop func() []traceEvent) {
	t.Helper()
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, "LC_ALL=C") // the words waited for are English
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			switch {
			case strings.Contains(sc.Text(), "sockscope: tracing"):
				lines <- sc.Text()
			case notes != nil:
				notes <- sc.Text()
			default:
				t.Logf("%s: %s", cmd.Args[len(cmd.Args)-1], sc.Text())
			}
		}
	}()
	select {
	case said = <-lines:
	case <-time.After(30 * time.Second):
		t.Fatal("it did not start tracing")
	}
	if needBPF && !strings.Contains(said, "(eBPF: ") {
		if os.Getenv("SOCKSCOPE_EBPF") != "require" {
			t.Skipf("no eBPF here (%s); SOCKSCOPE_EBPF=require makes this a failure", said)
		}
		t.Fatalf("it could not trace with eBPF: %s", said)
	}
	var events []traceEvent
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var e traceEvent
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Errorf("not an event: %v: %s", err, sc.Bytes())
				continue
			}
			events = append(events, e)
		}
	}()
	return said, func() []traceEvent {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("it did not end on SIGINT")
		}
		cmd.Wait()
		return events
	}
}

// schedPolicies returns the scheduling policy of each thread of process
// pid (the 41st field of its /proc/PID/task/TID/stat: 0 SCHED_OTHER, 3
// SCHED_BATCH).
func schedPolicies(t *testing.T, pid int) []string {
	t.Helper()
	stats, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	var policies []string
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // a thread gone meanwhile
		}
		// The fields after the name (the 2nd, in parentheses) from the 3rd on.
		fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(fields) > 41-3 {
			policies = append(policies, fields[41-3])
		}
	}
	return policies
}
