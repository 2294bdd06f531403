package procattr

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/sockets"
)

// requireIter skips the test where the kernel's task_file iterator cannot
// be used (not root, no BTF), unless SOCKSCOPE_EBPF=require.
func requireIter(t *testing.T) {
	t.Helper()
	opts := Options{}.withDefaults()
	if iterUsable(opts) {
		kernelIter.once.Do(loadIter)
		if kernelIter.err == nil {
			return
		}
	}
	why := "the task_file iterator cannot be used here (needs root or CAP_BPF and CAP_PERFMON, BTF, and /proc of this PID namespace)"
	if kernelIter.err != nil {
		why += ": " + kernelIter.err.Error()
	}
	if os.Getenv("SOCKSCOPE_EBPF") == "require" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// TestIterMatchesWalk compares the iterator's owners with the /proc
// walk's on processes made for it: dense and sparse fd tables, a socket
// shared by three processes (this one and two children, as after fork),
// a process holding many sockets, and one whose exe was deleted. Both
// must give every socket of these processes the same holders, fds and
// process data, with and without details.
func TestIterMatchesWalk(t *testing.T) {
	requireIter(t)
	path := sleepPath(t)
	var socks []sockets.Socket
	mine := map[int32]bool{int32(os.Getpid()): true}
	for _, layout := range []string{"sss", "s n  s   n      s", "nnnnnnnnns"} {
		h := startHolderLayout(t, path, layout)
		socks = append(socks, h.socks...)
		mine[h.pid] = true
	}
	big := startHolder(t, path, 3000, 10)
	socks = append(socks, big.socks...)
	mine[big.pid] = true

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, ino := listenerFD(t, ln)
	socks = append(socks, sockets.Socket{Proto: sockets.TCP, State: sockets.Listen, Inode: ino})
	for range 2 {
		mine[int32(startWithSocket(t, path, ln).Process.Pid)] = true
	}
	deleted := filepath.Join(t.TempDir(), "sleepy")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(deleted, b, 0o755); err != nil {
		t.Fatal(err)
	}
	mine[int32(startWithSocket(t, deleted, ln).Process.Pid)] = true
	if err := os.Remove(deleted); err != nil {
		t.Fatal(err)
	}
	socks = append(socks, procNetSockets(t)...)

	for _, details := range []bool{false, true} {
		viaIter, viaWalk := slices.Clone(socks), slices.Clone(socks)
		hi, ok, err := scanIter(context.Background(), Options{Details: details}.withDefaults())
		if !ok || err != nil {
			t.Fatalf("details=%v: iterator: used %v, error %v", details, ok, err)
		}
		hw, err := scan(context.Background(), Options{Details: details, tuning: tuning{noIter: true}}.withDefaults())
		if err != nil {
			t.Fatalf("details=%v: walk: %v", details, err)
		}
		ri, rw := hi.Attribute(viaIter), hw.Attribute(viaWalk)
		if ri.Unreadable != rw.Unreadable || ri.Unattributed != rw.Unattributed {
			t.Errorf("details=%v: the iterator could not read %d processes (%d sockets without owner), the walk %d (%d)",
				details, ri.Unreadable, ri.Unattributed, rw.Unreadable, rw.Unattributed)
		}
		compared := 0
		for i := range socks {
			a, b := ours(viaIter[i].Processes, mine), ours(viaWalk[i].Processes, mine)
			if len(a) == 0 && len(b) == 0 {
				continue
			}
			compared++
			if !sameHolders(a, b) {
				t.Errorf("details=%v: socket inode %d: iterator gives %s, walk %s", details, socks[i].Inode, showProcs(a), showProcs(b))
			}
		}
		if want := len(big.socks) + 8; compared < want {
			t.Errorf("details=%v: compared %d sockets, want at least %d", details, compared, want)
		}
		shared := slices.IndexFunc(viaIter, func(s sockets.Socket) bool { return s.Inode == ino })
		if n := len(ours(viaIter[shared].Processes, mine)); n != 4 {
			t.Errorf("details=%v: the shared listener has %d of our holders through the iterator, want 4: %s", details, n, showProcs(viaIter[shared].Processes))
		}
	}
}

// ours returns the holders in ps whose PID is in mine.
func ours(ps []sockets.Process, mine map[int32]bool) []sockets.Process {
	var out []sockets.Process
	for _, p := range ps {
		if mine[p.Info.PID] {
			out = append(out, p)
		}
	}
	return out
}

// sameHolders reports whether a and b list the same processes, fds and
// process data.
func sameHolders(a, b []sockets.Process) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].FD != b[i].FD || !reflect.DeepEqual(*a[i].Info, *b[i].Info) {
			return false
		}
	}
	return true
}

// TestIterPIDReused checks that, with details, a process the iterator
// saw but whose PID now names another process (a different start time)
// is left out rather than loaded in its place.
func TestIterPIDReused(t *testing.T) {
	requireIter(t)
	h := startHolder(t, sleepPath(t), 1, 0)
	seen := []iterProc{{pid: h.pid, start: 1, comm: "sleep"}}
	procs := make([]*sockets.ProcessInfo, 1)
	if _, err := loadHeld(Options{Details: true}.withDefaults(), seen, []bool{true}, procs); err != nil {
		t.Fatal(err)
	}
	if procs[0] != nil {
		t.Errorf("a process with another start time was loaded: %+v", *procs[0])
	}
	hi, ok, err := scanIter(context.Background(), Options{Details: true}.withDefaults())
	if !ok || err != nil {
		t.Fatalf("iterator: used %v, error %v", ok, err)
	}
	socks := slices.Clone(h.socks)
	hi.Attribute(socks)
	if len(socks[0].Processes) != 1 || socks[0].Processes[0].Info.PID != h.pid || socks[0].Processes[0].Info.Exe == "" {
		t.Errorf("the holder's own socket: %s", showProcs(socks[0].Processes))
	}
}

// TestIterLeaderExited: when a process's main thread has exited, the
// kernel's iterator visits each of its threads with the whole shared fd
// table; each socket must still come out once, held by the process. (The
// walk sees no fds there at all: /proc/PID/fd is the exited leader's.)
func TestIterLeaderExited(t *testing.T) {
	requireIter(t)
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 to make a process whose main thread exits:", err)
	}
	script := `
import ctypes, os, socket, sys, threading, time
socks = [socket.socket() for _ in range(3)]
print(" ".join(str(os.fstat(s.fileno()).st_ino) for s in socks), flush=True)
for _ in range(4):
    threading.Thread(target=time.sleep, args=(3600,)).start()
ctypes.CDLL(None).pthread_exit(None)
`
	cmd := exec.Command(py, "-c", script)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint64]bool{}
	for _, f := range strings.Fields(line) {
		ino, _ := strconv.ParseUint(f, 10, 64)
		want[ino] = true
	}
	// Wait until the main thread is gone (the leader a zombie).
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stat", cmd.Process.Pid, cmd.Process.Pid))
		if i := bytes.LastIndexByte(b, ')'); i > 0 && len(b) > i+2 && b[i+2] == 'Z' {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the main thread of %d did not exit", cmd.Process.Pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	h, ok, err := scanIter(context.Background(), Options{}.withDefaults())
	if !ok || err != nil {
		t.Fatalf("iterator: used %v, error %v", ok, err)
	}
	seen := map[uint64]int{}
	for _, es := range h.ents {
		for _, e := range es {
			if want[e.ino] {
				seen[e.ino]++
				if p := h.procs[e.proc]; p == nil || int(p.PID) != cmd.Process.Pid {
					t.Errorf("socket inode %d held by %+v, want PID %d", e.ino, p, cmd.Process.Pid)
				}
			}
		}
	}
	for ino := range want {
		if seen[ino] != 1 {
			t.Errorf("socket inode %d recorded %d times, want once", ino, seen[ino])
		}
	}
}

// TestIterTimeNamespace runs TestIterMatchesWalk again inside a time
// namespace whose boot time is a day ahead: /proc then shows start times
// in that boot time, and the iterator's processes must still be
// recognized in it (else, with details, every owner would be dropped).
func TestIterTimeNamespace(t *testing.T) {
	requireIter(t)
	if os.Getenv("SOCKSCOPE_IN_TIMENS") != "" {
		t.Skip("already inside the time namespace")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare(1):", err)
	}
	cmd := exec.Command(unshare, "--time", "--boottime", "86400", "--fork", os.Args[0], "-test.run", "^TestIterMatchesWalk$", "-test.count", "1", "-test.v")
	cmd.Env = append(os.Environ(), "SOCKSCOPE_IN_TIMENS=1")
	out, err := cmd.CombinedOutput()
	if bytes.Contains(out, []byte("unrecognized option")) || bytes.Contains(out, []byte("Operation not permitted")) && err != nil && !bytes.Contains(out, []byte("--- ")) {
		t.Skipf("no time namespace here: %s", out)
	}
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestIterMatchesWalk")) {
		t.Fatalf("in a time namespace: %v\n%s", err, out)
	}
}
