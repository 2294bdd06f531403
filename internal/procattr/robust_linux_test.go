package procattr

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
)

// Tests of the walk under change: processes exiting, cancellation, stale
// /proc/PID descriptors.

// TestAttributeChurn runs Attribute and Scan while processes holding
// sockets are killed and reaped: they must not fail, and never attribute a
// socket to a process other than the one that held it.
func TestAttributeChurn(t *testing.T) {
	path := sleepPath(t)
	var holders []*holder
	var socks []sockets.Socket
	owner := map[uint64]int32{}
	for range 40 {
		h := startHolderLayout(t, path, strings.Repeat("s ", 150))
		holders = append(holders, h)
		socks = append(socks, h.socks...)
		for _, s := range h.socks {
			owner[s.Inode] = h.pid
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, h := range holders {
			unix.Kill(int(h.pid), unix.SIGKILL)
			h.cmd.Wait() // reap: the /proc entry goes away
			time.Sleep(time.Millisecond)
		}
	}()
	for i := 0; ; i++ {
		f := attributeFuncs[i/2%len(attributeFuncs)]
		opts := Options{Workers: 2, tuning: tuning{noIter: true, splitAt: 64 << (i % 3)}, Details: i%2 == 0}
		if _, err := f.fn(context.Background(), socks, opts); err != nil {
			t.Fatalf("%s %+v: %v", f.name, opts, err)
		}
		for _, s := range socks {
			for _, p := range s.Processes {
				if p.Info.PID != owner[s.Inode] || p.Info.Name != "sleep" {
					t.Fatalf("%s: socket %d of pid %d attributed to %s", f.name, s.Inode, owner[s.Inode], showProcs([]sockets.Process{p}))
				}
			}
		}
		select {
		case <-done:
			return
		default:
		}
	}
}

// countdownCtx is a context that is canceled after its Err method has
// been called n times: a cancellation at a chosen point of the walk.
type countdownCtx struct {
	context.Context
	n atomic.Int32
}

func (c *countdownCtx) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// TestAttributeCancelMidWalk cancels the walk at every point, with split
// tables in flight: Attribute and Scan return the context's error, leave
// the sockets alone, and close every descriptor they opened.
func TestAttributeCancelMidWalk(t *testing.T) {
	path := sleepPath(t)
	var socks []sockets.Socket
	for range 3 {
		socks = append(socks, startHolder(t, path, 600, 0).socks...)
	}
	openFDs := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(ents)
	}
	before := openFDs()
	for _, f := range attributeFuncs {
		for i := range socks {
			socks[i].Processes = nil // filled by the previous walk, which ended
		}
		canceled := 0
		for n := int32(1); n < 400; n += 7 {
			ctx := &countdownCtx{Context: context.Background()}
			ctx.n.Store(n)
			// With Busy never closed, the held-back worker must still
			// end with the walk.
			_, err := f.fn(ctx, socks, Options{Workers: 3, tuning: tuning{noIter: true, splitAt: 64}, Busy: make(chan struct{})})
			if err == nil {
				break // the walk ended before the countdown
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("%s n=%d: err = %v, want context.Canceled", f.name, n, err)
			}
			canceled++
			for i := range socks {
				if socks[i].Processes != nil {
					t.Fatalf("%s n=%d: socket %d filled after cancellation", f.name, n, i)
				}
			}
			if after := openFDs(); after != before {
				t.Fatalf("%s n=%d: %d fds open after the walk, %d before", f.name, n, after, before)
			}
		}
		if canceled < 5 {
			t.Errorf("%s: only %d walks canceled: the countdown does not reach the walk", f.name, canceled)
		}
	}
}

// TestStalePIDDir checks the kernel behaviour the walk relies on: once a
// process is gone, reads through a /proc/PID descriptor opened before fail,
// even before its PID is reused (so they fail after reuse too: the
// descriptor is tied to the old process, not to the number).
func TestStalePIDDir(t *testing.T) {
	h := startHolder(t, sleepPath(t), 3, 0)
	pidfd, err := unix.Open("/proc/"+strconv.Itoa(int(h.pid)), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pidfd)
	fdfd, err := unix.Openat(pidfd, "fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fdfd)
	buf := make([]byte, 64)
	if _, err := unix.Readlinkat(fdfd, "3", buf); err != nil {
		t.Fatalf("readlink fd 3 of a live process: %v", err)
	}
	unix.Kill(int(h.pid), unix.SIGKILL)
	h.cmd.Wait()
	if _, err := unix.Readlinkat(fdfd, "3", buf); err != unix.ENOENT && err != unix.ESRCH {
		t.Errorf("readlink fd 3 through a stale fd dir: %v, want ENOENT or ESRCH", err)
	}
	if _, err := unix.Openat(pidfd, "fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != unix.ENOENT && err != unix.ESRCH {
		t.Errorf("open fd through a stale pid dir: %v, want ENOENT or ESRCH", err)
	}
	if _, err := unix.Getdents(fdfd, make([]byte, 4096)); err != unix.ENOENT && err != unix.ESRCH {
		t.Errorf("getdents of a stale fd dir: %v, want ENOENT or ESRCH", err)
	}
	for _, name := range []string{"stat", "comm", "cmdline"} {
		if fd, err := unix.Openat(pidfd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0); err == nil {
			unix.Close(fd)
			t.Errorf("open %s through a stale pid dir succeeded", name)
		}
	}
}
