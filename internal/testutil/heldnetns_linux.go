package testutil

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// HeldNetNS is a network namespace without an ip netns name: one that a
// process holds (as a container's), or one only a bind mount outside
// /run/netns holds. Its loopback is up.
type HeldNetNS struct {
	// PID is the process holding it, 0 if only a bind mount does.
	PID int
	// Path enters it: /proc/PID/ns/net, or the bind mount.
	Path string
	// Inode is the namespace's inode, the netns of its sockets.
	Inode uint64
}

// NewUnsharedNetNS starts a process in a new network namespace ("unshare
// --net", which execs a shell that brings lo up and execs sleep) and
// returns the namespace it holds; the process is killed, by PID, when the
// test ends. It skips like NewNetNS where namespaces cannot be made.
func NewUnsharedNetNS(tb testing.TB) *HeldNetNS {
	tb.Helper()
	held, stop := startUnshared(tb, "")
	tb.Cleanup(stop)
	return held
}

// NewUnsharedNetNSAs is NewUnsharedNetNS with the holding process running
// as uid:gid (setpriv, after lo is up): a namespace an unprivileged user
// finds through their own process but may not enter.
func NewUnsharedNetNSAs(tb testing.TB, uid, gid int) *HeldNetNS {
	tb.Helper()
	if _, err := exec.LookPath("setpriv"); err != nil {
		tb.Skip("needs setpriv (util-linux) to run a process as another user")
	}
	held, stop := startUnshared(tb, fmt.Sprintf("setpriv --reuid=%d --regid=%d --clear-groups ", uid, gid))
	tb.Cleanup(stop)
	// It said it was ready before setpriv ran: wait for sleep to run as
	// uid (the owner of /proc/PID is the process's effective uid).
	deadline := time.Now().Add(30 * time.Second)
	for {
		var st unix.Stat_t
		if unix.Stat("/proc/"+strconv.Itoa(held.PID), &st) == nil && st.Uid == uint32(uid) {
			return held
		}
		if time.Now().After(deadline) {
			tb.Fatalf("process %d did not become uid %d", held.PID, uid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startUnshared starts the process of NewUnsharedNetNS; stop kills it and
// waits for it, and may be called more than once.
func startUnshared(tb testing.TB, prefix string) (held *HeldNetNS, stop func()) {
	tb.Helper()
	RequireRoot(tb)
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Skipf("needs the %s command to create network namespaces", tool)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), CommandTimeout)
	cmd := exec.CommandContext(ctx, "unshare", "--net", "sh", "-c", "ip link set lo up && echo ready && exec "+prefix+"sleep 3600")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		tb.Fatalf("unshare --net: %v", err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Kill() // by pidfd: never a recycled PID
			_ = cmd.Wait()
			cancel()
		})
	}
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(out).ReadString('\n')
		if err == nil && line != "ready\n" {
			err = &os.PathError{Op: "read", Path: "unshare output", Err: os.ErrInvalid}
		}
		ready <- err
	}()
	select {
	case err := <-ready:
		if err != nil {
			stop()
			tb.Fatalf("unshare --net did not get ready (not permitted here?): %v", err)
		}
	case <-time.After(30 * time.Second):
		stop()
		tb.Fatal("unshare --net did not get ready in 30s")
	}
	pid := cmd.Process.Pid
	path := filepath.Join("/proc", strconv.Itoa(pid), "ns", "net")
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		stop()
		tb.Fatalf("stat %s: %v", path, err)
	}
	return &HeldNetNS{PID: pid, Path: path, Inode: st.Ino}, stop
}

// NewBindMountedNetNS makes a network namespace that only a bind mount
// holds: a process unshares one, it is bind-mounted on a file in a new
// temporary directory (outside /run/netns), and the process ends. The
// mount is detached and the directory removed when the test ends.
func NewBindMountedNetNS(tb testing.TB) *HeldNetNS {
	tb.Helper()
	dir, err := os.MkdirTemp("", staleName()+"bind")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = os.RemoveAll(dir) })
	file := filepath.Join(dir, "netns")
	if err := os.WriteFile(file, nil, 0o444); err != nil {
		tb.Fatal(err)
	}
	held, stop := startUnshared(tb, "")
	tb.Cleanup(stop)
	err = unix.Mount(held.Path, file, "", unix.MS_BIND, "")
	stop()
	if err != nil {
		tb.Fatalf("mount --bind %s %s: %v", held.Path, file, err)
	}
	tb.Cleanup(func() {
		if err := unix.Unmount(file, unix.MNT_DETACH); err != nil {
			tb.Errorf("unmount %s: %v", file, err)
		}
	})
	return &HeldNetNS{Path: file, Inode: held.Inode}
}
