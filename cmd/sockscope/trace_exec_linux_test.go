package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/sockscope/sockscope/internal/testutil"
	"github.com/sockscope/sockscope/internal/trace"
)

// TestIntegrationTraceShortLived: the connections of processes gone
// before trace reads their events (within a fifth of a second) carry
// the file each executed, its user and its PID: ten runs of a copy of
// bash under a name of its own, each connecting through /dev/tcp and
// exiting at once, as curl in a loop or a beacon run by cron would. /proc
// has nothing of them by then, where trace reads after they exited (as a
// run without the exec programs showed, every one); the exec programs
// kept it.
func TestIntegrationTraceShortLived(t *testing.T) {
	testutil.RequireRoot(t)
	bin := sockscopeBinary(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to run")
	}
	ns := testutil.NewNetNS(t)
	ln, port := listenerIn(t, ns.Path)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				io.Copy(io.Discard, c)
				c.Close()
			}(c)
		}
	}()
	beacon := testutil.CopyExecutable(t, bash, "beacon")

	cmd := ns.Command(bin, "trace", "--format", "ndjson", fmt.Sprintf("dport = :%d", port))
	said, stop := startTracing(t, cmd, true)
	requireExecPrograms(t, said)
	if progs := bpfProgramsOf(cmd.Process.Pid); !progs[trace.ProgramNameExec] || !progs[trace.ProgramNameFork] {
		t.Errorf("trace holds the programs %v, want the exec programs among them", progs)
	}
	pids := map[int32]bool{}
	for range 10 {
		out, err := ns.Command(beacon, "-c", fmt.Sprintf("exec 3<>/dev/tcp/127.0.0.1/%d; echo $$", port)).Output()
		if err != nil {
			t.Fatalf("beacon: %v", err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
		if err != nil {
			t.Fatalf("beacon said %q", out)
		}
		pids[int32(pid)] = true
	}
	time.Sleep(600 * time.Millisecond) // the closes: the listener's side reads to the end first
	events := stop()
	count := map[string]int{}
	for _, e := range events {
		if e.Remote.Port != port {
			continue
		}
		count[e.Event]++
		if !pids[e.PID] || e.Exe != beacon || e.User != "root" {
			j, _ := json.Marshal(e)
			t.Errorf("want PID one of the beacons', exe %s, user root: %s", beacon, j)
		}
	}
	if count["connect"] != 10 || count["close"] != 10 {
		t.Errorf("events to the listener: %v, want 10 connects and 10 closes", count)
	}
}

// TestIntegrationTraceContainerShortLived: a connection made by a
// short-lived process in a real podman container (busybox's wget, run by
// podman exec, to the container's httpd) carries the container's name
// and the file the process executed, as the container sees it.
func TestIntegrationTraceContainerShortLived(t *testing.T) {
	c := testutil.StartPodmanHTTPD(t)
	bin := sockscopeBinary(t)
	cmd := exec.Command(bin, "trace", "--format", "ndjson", fmt.Sprintf("dport = :%d", c.Port))
	said, stop := startTracing(t, cmd, true)
	requireExecPrograms(t, said)
	const runs = 3
	for range runs {
		// httpd has nothing to serve: wget fails, once connected.
		exec.Command("podman", "exec", c.Name, "/bin/busybox", "wget", "-q", "-O", "/dev/null",
			fmt.Sprintf("http://127.0.0.1:%d/", c.Port)).Run()
	}
	time.Sleep(600 * time.Millisecond)
	connects := 0
	for _, e := range stop() {
		if e.Event != "connect" || e.Remote.Port != c.Port {
			continue
		}
		connects++
		if e.Container != c.Name || e.Exe != "/bin/busybox" || e.PID == int32(c.PID) {
			j, _ := json.Marshal(e)
			t.Errorf("want container %s, exe /bin/busybox, a PID not httpd's: %s", c.Name, j)
		}
	}
	if connects != runs {
		t.Errorf("%d connects to httpd, want %d", connects, runs)
	}
}

// requireExecPrograms skips a test of the exec programs where trace
// said it runs the classic program (they are BTF programs), unless
// SOCKSCOPE_EBPF=require.
func requireExecPrograms(t *testing.T, said string) {
	t.Helper()
	if strings.Contains(said, "eBPF: tp_btf") {
		return
	}
	if os.Getenv("SOCKSCOPE_EBPF") == "require" && os.Getenv("SOCKSCOPE_TRACE_PROGRAM") == "" {
		t.Fatalf("trace said %q: the exec programs need the BTF program", said)
	}
	t.Skipf("trace said %q: the exec programs need the BTF program", said)
}

// bpfProgramsOf returns the names of the BPF programs process pid holds
// (the programs and links among its descriptors: their fdinfo's
// prog_id), whatever other processes load meanwhile.
func bpfProgramsOf(pid int) map[string]bool {
	names := map[string]bool{}
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fdinfo", pid))
	for _, fd := range fds {
		info, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%s", pid, fd.Name()))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(info), "\n") {
			v, ok := strings.CutPrefix(line, "prog_id:")
			if !ok {
				continue
			}
			id, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
			if err != nil {
				continue
			}
			p, err := ebpf.NewProgramFromID(ebpf.ProgramID(id))
			if err != nil {
				continue
			}
			if pi, err := p.Info(); err == nil {
				names[pi.Name] = true
			}
			p.Close()
		}
	}
	return names
}
