package testutil

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// netnsPrefix starts the name of every namespace and directory the tests
// create; the creating test process's PID follows it (staleName), so those
// of dead test runs can be told apart from those of runs in progress.
const netnsPrefix = "sockscope-test-"

// netnsDir is where "ip netns" keeps its bind mounts.
const netnsDir = "/run/netns"

// CommandTimeout bounds every program started with NetNS.Command and every
// "ip" invocation of the harness.
const CommandTimeout = 2 * time.Minute

// NetNS is a named network namespace that lives as long as the test that
// created it.
type NetNS struct {
	// Name is the namespace's name for "ip netns", as
	// "sockscope-test-1234-0a1b2c3d".
	Name string
	// Path is its bind mount, /run/netns/NAME, usable with setns(2).
	Path string
	// Inode is the inode number of the namespace, the netns of every socket
	// created inside it.
	Inode uint64

	ctx    context.Context // cancelled when the test ends
	cancel context.CancelFunc
	mu     sync.Mutex
	cmds   []*exec.Cmd // started with Command, killed at cleanup
}

// NewNetNS creates a network namespace with "ip netns add", brings its
// loopback up, and registers a cleanup that kills the processes started with
// Command and deletes the namespace. It skips the test when not root, when
// "ip" is missing, or when root may not create namespaces here (a container
// without CAP_SYS_ADMIN), and fails it when the namespace cannot be made
// for another reason.
func NewNetNS(tb testing.TB) *NetNS {
	tb.Helper()
	RequireRoot(tb)
	if _, err := exec.LookPath("ip"); err != nil {
		tb.Skip("needs the ip command (iproute2) to create network namespaces")
	}
	removeStale(tb)

	name := staleName() + randomToken()
	if out, err := runIP("netns", "add", name); err != nil {
		if bytes.Contains(out, []byte("Operation not permitted")) || bytes.Contains(out, []byte("Permission denied")) {
			tb.Skipf("needs permission to create network namespaces (CAP_SYS_ADMIN), which root lacks here: %s", bytes.TrimSpace(out))
		}
		tb.Fatalf("creating network namespace: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ns := &NetNS{Name: name, Path: filepath.Join(netnsDir, name), ctx: ctx, cancel: cancel}
	tb.Cleanup(func() { ns.close(tb) })

	if out, err := runIP("-n", name, "link", "set", "lo", "up"); err != nil {
		tb.Fatalf("bringing lo up in %s: %v\n%s", name, err, out)
	}
	var st unix.Stat_t
	if err := unix.Stat(ns.Path, &st); err != nil {
		tb.Fatalf("stat %s: %v", ns.Path, err)
	}
	ns.Inode = st.Ino
	return ns
}

// close kills what Command started and deletes the namespace.
func (ns *NetNS) close(tb testing.TB) {
	ns.cancel()
	ns.mu.Lock()
	for _, cmd := range ns.cmds {
		if cmd.Process != nil {
			_ = cmd.Process.Kill() // by pidfd: never hits a recycled PID
		}
	}
	ns.mu.Unlock()
	if out, err := runIP("netns", "del", ns.Name); err != nil {
		tb.Errorf("deleting network namespace %s: %v\n%s", ns.Name, err, out)
	}
}

// Do runs fn on an OS thread that entered the namespace, and returns fn's
// error, or the error of entering. The thread goes back to its own
// namespace before it is handed back to the Go scheduler, or, if it cannot,
// is never handed back (it exits with the goroutine), so no other code runs
// in the namespace by accident. Code fn calls must do its namespace-sensitive work
// (opening netlink sockets, reading /proc/thread-self/net) on the calling
// goroutine. fn must not call t.FailNow or t.Fatal; if it does, Do returns an
// error, and if fn panics, Do panics with the same value.
func (ns *NetNS) Do(fn func() error) error {
	type result struct {
		err      error
		panicked bool
		value    any
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		// The thread's own namespace, to go back to: a thread that stays
		// in ns is not handed back, and if it is the process's first
		// thread (Go may run this goroutine there), it can never exit, and
		// /proc/self/net, which follows the first thread, would show ns to
		// every later reader in the process.
		home, herr := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if herr == nil {
			defer func() {
				if unix.Setns(home, unix.CLONE_NEWNET) == nil {
					runtime.UnlockOSThread()
				}
				unix.Close(home)
			}()
		}
		finished := false
		defer func() {
			if !finished {
				if v := recover(); v != nil {
					done <- result{panicked: true, value: v}
				} else {
					done <- result{err: errors.New("function passed to NetNS.Do called runtime.Goexit (t.Fatal?)")}
				}
			}
		}()
		fd, err := unix.Open(ns.Path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			finished = true
			done <- result{err: fmt.Errorf("open %s: %w", ns.Path, err)}
			return
		}
		err = unix.Setns(fd, unix.CLONE_NEWNET)
		unix.Close(fd)
		if err != nil {
			finished = true
			done <- result{err: fmt.Errorf("setns %s: %w", ns.Path, err)}
			return
		}
		err = fn()
		finished = true
		done <- result{err: err}
	}()
	r := <-done
	if r.panicked {
		panic(r.value)
	}
	return r.err
}

// Command returns a command that runs name with args inside the namespace,
// through "ip netns exec". It is killed when CommandTimeout passes or the
// test ends, whichever comes first; its Wait returns at most WaitDelay after
// that even if a child still holds its output.
func (ns *NetNS) Command(name string, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(ns.ctx, CommandTimeout)
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
	cmd.WaitDelay = 5 * time.Second
	context.AfterFunc(ns.ctx, cancel)
	ns.mu.Lock()
	ns.cmds = append(ns.cmds, cmd)
	ns.mu.Unlock()
	return cmd
}

// runIP runs the ip command with a timeout and returns its combined output.
func runIP(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), CommandTimeout)
	defer cancel()
	return exec.CommandContext(ctx, "ip", args...).CombinedOutput()
}

// removeStale deletes the namespaces and temporary directories left by
// test processes that died before their cleanup ran (a -timeout panic, a
// kill), in /run/netns, the temporary directory and the working directory
// (see setuidDir). Their names carry the creator's PID; those of a creator
// that is alive, here or in another package's test binary, are left alone.
func removeStale(tb testing.TB) {
	for _, dir := range []string{netnsDir, os.TempDir(), "."} {
		entries, _ := os.ReadDir(dir) // none yet: nothing to do
		for _, e := range entries {
			pid, ok := creator(e.Name())
			if !ok || syscall.Kill(pid, 0) != syscall.ESRCH {
				continue
			}
			var err error
			var out []byte
			if dir == netnsDir {
				out, err = runIP("netns", "del", e.Name())
			} else {
				err = os.RemoveAll(filepath.Join(dir, e.Name()))
			}
			if err != nil {
				tb.Logf("removing stale %s: %v\n%s", filepath.Join(dir, e.Name()), err, out)
			} else {
				tb.Logf("removed stale %s (its test process %d is gone)", filepath.Join(dir, e.Name()), pid)
			}
		}
	}
}

// creator returns the PID in a name made by staleName.
func creator(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, netnsPrefix)
	if !ok {
		return 0, false
	}
	pidText, _, _ := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(pidText)
	return pid, err == nil && pid > 0
}

// staleName returns the prefix of the name of a namespace or directory,
// "sockscope-test-PID-", so that removeStale can tell whether its creator
// still runs.
func staleName() string {
	return fmt.Sprintf("%s%d-", netnsPrefix, os.Getpid())
}

// randomToken returns 8 random hex digits.
func randomToken() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails on Linux
	return hex.EncodeToString(b[:])
}
