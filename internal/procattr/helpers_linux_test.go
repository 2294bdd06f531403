package procattr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
)

// holder is a `sleep` process started by a test that holds sockets (and
// other files) it inherited.
type holder struct {
	cmd   *exec.Cmd
	pid   int32
	socks []sockets.Socket // in fd order
	fds   []int32          // fds[i] holds socks[i]
}

// startHolder starts `sleep 3600` holding nsock fresh unbound TCP sockets
// on fds 3… and then nidle descriptors of /dev/null.
func startHolder(tb testing.TB, path string, nsock, nidle int) *holder {
	return startHolderLayout(tb, path, strings.Repeat("s", nsock)+strings.Repeat("n", nidle))
}

// startHolderLayout starts `sleep 3600` (as argv[0] "sleep", from path)
// whose fds 3, 4, … are given by layout: 's' a fresh unbound TCP socket,
// 'n' /dev/null, ' ' closed. The test process keeps no copy. The process
// is killed, by its PID, when the test ends.
func startHolderLayout(tb testing.TB, path, layout string) *holder {
	tb.Helper()
	h := &holder{}
	null, err := os.Open(os.DevNull)
	if err != nil {
		tb.Fatal(err)
	}
	defer null.Close()
	extra := make([]*os.File, len(layout))
	defer func() {
		for _, f := range extra {
			if f != nil && f != null {
				f.Close()
			}
		}
	}()
	for i, c := range layout {
		switch c {
		case 'n':
			extra[i] = null
		case 's':
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				tb.Fatalf("socket: %v", err)
			}
			extra[i] = os.NewFile(uintptr(fd), "socket")
			h.socks = append(h.socks, sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Close, Inode: inodeOf(tb, fd)})
			h.fds = append(h.fds, int32(3+i))
		}
	}
	h.cmd = exec.Command(path, "3600")
	h.cmd.Args[0] = "sleep"
	h.cmd.ExtraFiles = extra
	if err := h.cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", path, err)
	}
	h.pid = int32(h.cmd.Process.Pid)
	waitExec(tb, int(h.pid), "sleep")
	tb.Cleanup(func() {
		unix.Kill(int(h.pid), unix.SIGKILL)
		h.cmd.Wait()
	})
	return h
}

// inodeOf returns the inode of the file open as fd.
func inodeOf(tb testing.TB, fd int) uint64 {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		tb.Fatal(err)
	}
	return st.Ino
}

// sleepPath returns the path of sleep(1), skipping the test without it.
func sleepPath(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("sleep")
	if err != nil {
		tb.Skip("no sleep(1):", err)
	}
	return p
}

// raiseNoFile raises the soft fd limit to the hard one (Go does this at
// start-up too; this makes it explicit) and returns it.
func raiseNoFile(tb testing.TB) int {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		tb.Fatal(err)
	}
	lim.Cur = lim.Max
	unix.Setrlimit(unix.RLIMIT_NOFILE, &lim)
	return int(lim.Cur)
}

// procNetSockets returns the sockets of /proc/net/{tcp,tcp6,udp,udp6,unix}
// of the test's network namespace, with inodes and TCP states.
func procNetSockets(tb testing.TB) []sockets.Socket {
	var socks []sockets.Socket
	for _, f := range []struct {
		name  string
		proto sockets.Proto
		col   int // inode column
	}{{"tcp", sockets.TCP, 9}, {"tcp6", sockets.TCP, 9}, {"udp", sockets.UDP, 9}, {"udp6", sockets.UDP, 9}, {"unix", sockets.Unix, 6}} {
		b, err := os.ReadFile("/proc/net/" + f.name)
		if err != nil {
			continue
		}
		for i, line := range strings.Split(string(b), "\n") {
			fs := strings.Fields(line)
			if i == 0 || len(fs) <= f.col {
				continue
			}
			ino, _ := strconv.ParseUint(fs[f.col], 10, 64)
			st := sockets.Established
			if f.proto == sockets.TCP {
				v, _ := strconv.ParseUint(fs[3], 16, 8)
				st = sockets.State(v)
			}
			socks = append(socks, sockets.Socket{Proto: f.proto, State: st, Inode: ino})
		}
	}
	return socks
}

// attributeFunc is one way of attributing socks: Attribute, or Scan and
// then Holders.Attribute.
type attributeFunc func(ctx context.Context, socks []sockets.Socket, opts Options) (Result, error)

// attributeFuncs are the ways tests check alike.
var attributeFuncs = []struct {
	name string
	fn   attributeFunc
}{
	{"Attribute", Attribute},
	{"Scan", scanAttribute},
	{"Tracker", trackerAttribute},
}

// trackerAttribute is a Tracker's second call on socks: the first walks
// everything, the second reads only what changed, and must come to the
// same, with Attribute's error contract.
func trackerAttribute(ctx context.Context, socks []sockets.Socket, opts Options) (Result, error) {
	tr := NewTracker(opts)
	defer tr.Close()
	tr.Attribute(ctx, slices.Clone(socks)) // the second call says the same
	return tr.Attribute(ctx, socks)
}

// scanAttribute is Scan followed by Holders.Attribute, with Attribute's
// error contract.
func scanAttribute(ctx context.Context, socks []sockets.Socket, opts Options) (Result, error) {
	h, err := Scan(ctx, opts)
	if h == nil {
		if err == nil {
			return Result{}, errors.New("Scan returned neither Holders nor an error")
		}
		return Result{}, err
	}
	return h.Attribute(socks), err
}

// closedSoon returns a channel closed a millisecond from now: a
// Options.Busy that ends during the walk.
func closedSoon() chan struct{} {
	c := make(chan struct{})
	time.AfterFunc(time.Millisecond, func() { close(c) })
	return c
}

// waitExec waits until process pid has finished exec'ing a program whose
// argv[0] is argv0. exec.Cmd.Start returns once the child is forked; until
// the exec completes, its cmdline is still the test binary's, or briefly
// empty (the new program's comm and exe are set before its arguments).
func waitExec(tb testing.TB, pid int, argv0 string) {
	tb.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && bytes.HasPrefix(b, []byte(argv0+"\x00")) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("process %d did not exec %s", pid, argv0)
		}
		time.Sleep(time.Millisecond)
	}
}
