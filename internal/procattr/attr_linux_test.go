package procattr

import (
	"context"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
)

// listenerFD returns the fd and inode of a TCP listener, without
// duplicating the descriptor.
func listenerFD(t *testing.T, ln net.Listener) (int32, uint64) {
	t.Helper()
	rc, err := ln.(*net.TCPListener).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd int32
	var ino uint64
	if err := rc.Control(func(f uintptr) { fd, ino = int32(f), inodeOf(t, int(f)) }); err != nil {
		t.Fatal(err)
	}
	return fd, ino
}

// startWithSocket starts path as `sleep 30` (argv[0] "sleep") holding a
// duplicate of ln as fd 3, and closes the test's duplicate. The process is
// killed, by its PID, when the test ends.
func startWithSocket(t *testing.T, path string, ln net.Listener) *exec.Cmd {
	t.Helper()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(path, "30")
	cmd.Args[0] = "sleep"
	cmd.ExtraFiles = []*os.File{f}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		unix.Kill(pid, unix.SIGKILL)
		cmd.Wait()
	})
	waitExec(t, pid, "sleep")
	return cmd
}

func readProcFile(t *testing.T, pid int, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAttributeProc attributes sockets of the test process and of a child
// that inherited one of them, on the real /proc.
func TestAttributeProc(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	lnFD, lnIno := listenerFD(t, ln)
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])

	path := sleepPath(t)
	exe, err := filepath.EvalSymlinks(path)
	if err != nil {
		t.Fatal(err)
	}
	child := startWithSocket(t, path, ln)

	self := os.Getpid()
	selfExe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	uid := uint32(os.Geteuid())
	userName := strconv.Itoa(int(uid))
	if u, err := user.LookupId(userName); err == nil {
		userName = u.Username
	}
	selfCg := parseCgroup(readProcFile(t, self, "cgroup"))
	childCg := parseCgroup(readProcFile(t, child.Process.Pid, "cgroup"))
	me := sockets.ProcessInfo{
		PID: int32(self), PPID: int32(os.Getppid()), Exe: selfExe, Cmdline: os.Args, UID: uid, User: userName,
		Name:   strings.TrimSuffix(string(readProcFile(t, self, "comm")), "\n"),
		Cgroup: selfCg.Path, Unit: selfCg.Unit, Container: selfCg.Container,
	}
	kid := sockets.ProcessInfo{
		PID: int32(child.Process.Pid), PPID: int32(self), Name: "sleep", Exe: exe, Cmdline: []string{"sleep", "30"},
		UID: uid, User: userName, Cgroup: childCg.Path, Unit: childCg.Unit, Container: childCg.Container,
	}

	for _, f := range attributeFuncs {
		for _, opts := range []Options{
			{Details: true},
			{Details: true, Workers: 1},
			{Details: true, Workers: 2, tuning: tuning{noIter: true, noCount: true}},
		} {
			socks := []sockets.Socket{
				{Proto: sockets.TCP, State: sockets.Listen, Inode: lnIno},
				{Proto: sockets.Unix, State: sockets.Established, Inode: inodeOf(t, pair[0])},
				{Proto: sockets.Unix, State: sockets.Established, Inode: inodeOf(t, pair[1])},
			}
			if _, err := f.fn(context.Background(), socks, opts); err != nil {
				t.Fatalf("%s %+v: %v", f.name, opts, err)
			}
			want := [][]sockets.Process{
				{proc(me, lnFD), proc(kid, 3)}, // shared after fork
				{proc(me, int32(pair[0]))},
				{proc(me, int32(pair[1]))},
			}
			slices.SortFunc(want[0], func(a, b sockets.Process) int { return int(a.Info.PID - b.Info.PID) })
			for i := range socks {
				if !reflect.DeepEqual(socks[i].Processes, want[i]) {
					t.Errorf("%s %+v: socket %d:\n got %s\nwant %s", f.name, opts, i, showProcs(socks[i].Processes), showProcs(want[i]))
				}
			}
		}
	}
}

// TestAttributeDeletedExe runs a copy of sleep(1) whose file is then
// removed: its exe is reported without " (deleted)", with ExeDeleted.
func TestAttributeDeletedExe(t *testing.T) {
	src, err := filepath.EvalSymlinks(sleepPath(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(t.TempDir(), "sleepy")
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, ino := listenerFD(t, ln)
	child := startWithSocket(t, exe, ln)
	if err := os.Remove(exe); err != nil {
		t.Fatal(err)
	}
	for _, f := range attributeFuncs {
		socks := []sockets.Socket{{Proto: sockets.TCP, State: sockets.Listen, Inode: ino}}
		if _, err := f.fn(context.Background(), socks, Options{Details: true}); err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(socks[0].Processes, func(p sockets.Process) bool { return int(p.Info.PID) == child.Process.Pid })
		if i < 0 {
			t.Fatalf("%s: child %d not among %s", f.name, child.Process.Pid, showProcs(socks[0].Processes))
		}
		if p := socks[0].Processes[i]; p.Info.Exe != exe || !p.Info.ExeDeleted || p.Info.Name != "sleepy" {
			t.Errorf("%s: got exe %q deleted=%v name %q, want %q deleted=true name \"sleepy\"", f.name, p.Info.Exe, p.Info.ExeDeleted, p.Info.Name, exe)
		}
	}
}

// TestAttributeSplit compares every way of reading fd tables on processes
// with dense, sparse and scattered tables: probing by count, listing, and
// tables split among workers (with a small split threshold), sparse enough
// to make chunks fall back to listing and to have fds past the count.
func TestAttributeSplit(t *testing.T) {
	if lim := raiseNoFile(t); lim < 4000 {
		t.Skipf("fd limit %d", lim)
	}
	path := sleepPath(t)
	layouts := []string{
		strings.Repeat("s", 1500),                                                       // dense
		strings.Repeat("sn", 400) + strings.Repeat(" ", 1200) + "s",                     // holes, one fd far past the count
		strings.Repeat("s", 300) + strings.Repeat(" ", 2500) + "ssss",                   // a big gap
		strings.Repeat(" s  ", 300) + strings.Repeat("n", 10) + " s",                    // scattered
		strings.Repeat("s", 500) + strings.Repeat(" ", 1000) + strings.Repeat("s", 500), // whole chunks unused
		"", // no inherited fds
	}
	var holders []*holder
	var socks []sockets.Socket
	for _, l := range layouts {
		h := startHolderLayout(t, path, l)
		holders = append(holders, h)
		socks = append(socks, h.socks...)
	}
	socks = append(socks, sockets.Socket{Inode: 1 << 41, State: sockets.Established})

	for _, opts := range []Options{
		{Workers: 1},
		{Workers: 1, tuning: tuning{noIter: true, noCount: true}},
		{Workers: 2},
		{Workers: 2, tuning: tuning{noIter: true, splitAt: 64}},
		{Workers: 3, tuning: tuning{noIter: true, splitAt: 100}},
		{Workers: 2, tuning: tuning{noIter: true, splitAt: 400}},                           // chunks of 100, some all unused
		{Workers: 2, tuning: tuning{noIter: true, splitAt: 64, noCount: true}},             // no count: never split
		{Workers: 2, tuning: tuning{noIter: true, splitAt: 64}, Busy: make(chan struct{})}, // one worker throughout
		{Workers: 3, tuning: tuning{noIter: true, splitAt: 100}, Busy: closedSoon()},       // the third joins midway
	} {
		for _, f := range attributeFuncs {
			for i := range socks {
				socks[i].Processes = nil
			}
			if _, err := f.fn(context.Background(), socks, opts); err != nil {
				t.Fatalf("%s %+v: %v", f.name, opts, err)
			}
			i := 0
			for _, h := range holders {
				for j := range h.socks {
					got := socks[i].Processes
					if len(got) != 1 || got[0].Info.PID != h.pid || got[0].FD != h.fds[j] || got[0].Info.Name != "sleep" {
						t.Fatalf("%s %+v: socket %d of pid %d: got %s, want fd %d", f.name, opts, j, h.pid, showProcs(got), h.fds[j])
					}
					i++
				}
			}
			if got := socks[i].Processes; got != nil {
				t.Errorf("%s %+v: unheld socket attributed to %s", f.name, opts, showProcs(got))
			}
		}
	}
}

// TestAttributeAllocs checks that the walk allocates per call, per process
// holding a socket and per block of holders, never per fd: ten times the
// fds, a few more allocations (one more process, bigger blocks), not a
// thousand.
func TestAttributeAllocs(t *testing.T) {
	path := sleepPath(t)
	for _, f := range attributeFuncs {
		if f.name == "Tracker" {
			continue // it keeps what it learns per socket: TestTrackerAllocs
		}
		allocs := func(socks []sockets.Socket) float64 {
			return testing.AllocsPerRun(5, func() {
				if _, err := f.fn(context.Background(), socks, Options{Workers: 1}); err != nil {
					t.Fatal(err)
				}
			})
		}
		// The walk records every socket: measure before the big holder
		// starts.
		small := startHolder(t, path, 100, 100)
		a := allocs(small.socks)
		big := startHolder(t, path, 1000, 1000)
		b := allocs(big.socks)
		t.Logf("%s: allocations: %v with 200 fds, %v with 2000", f.name, a, b)
		// The big process loaded (ProcessInfo, Name), blocks of 512 and
		// 1024 entries, and the lists of blocks growing; and the walk sees
		// every process on the machine, so other tests' processes (go test
		// runs packages in parallel) come and go between the two
		// measurements. An allocation per fd would add 1800.
		if b > a+100 {
			t.Errorf("%s: allocations grow with the number of fds: %v with 200, %v with 2000", f.name, a, b)
		}
		for _, h := range []*holder{small, big} {
			unix.Kill(int(h.pid), unix.SIGKILL)
			h.cmd.Wait()
		}
	}
}
