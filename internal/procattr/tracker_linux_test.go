package procattr

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sockscope/sockscope/internal/sockets"
)

// trackerRig holds sockets and files of this process and lists them as a
// snapshot, for a Tracker to attribute call after call.
type trackerRig struct {
	t   *testing.T
	tr  *Tracker
	fds map[int]uint64 // socket fd -> inode
}

func (r *trackerRig) open() int {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		r.t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		r.t.Fatal(err)
	}
	r.fds[fd] = st.Ino
	return fd
}

func (r *trackerRig) close(fd int) {
	unix.Close(fd)
	delete(r.fds, fd)
}

// check attributes the current sockets with the Tracker and with a full
// walk, and fails if they differ.
//
// With grace, the Tracker is called once first without comparing: a
// socket of unknown holder is searched for from its second call on.
func (r *trackerRig) check(step string, grace ...bool) {
	r.t.Helper()
	socks := r.snapshot()
	if len(grace) > 0 {
		if _, err := r.tr.Attribute(context.Background(), socks); err != nil {
			r.t.Fatal(err)
		}
		socks = r.snapshot()
	}
	want := slices.Clone(socks)
	if _, err := Attribute(context.Background(), want, Options{}); err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.tr.Attribute(context.Background(), socks); err != nil {
		r.t.Fatal(err)
	}
	for i := range socks {
		got, exp := holderList(socks[i].Processes), holderList(want[i].Processes)
		if !slices.Equal(got, exp) {
			r.t.Errorf("%s: socket %d: tracker says %v, a full walk %v", step, socks[i].Inode, got, exp)
		}
	}
}

// snapshot lists the rig's sockets.
func (r *trackerRig) snapshot() (socks []sockets.Socket) {
	for _, ino := range r.fds {
		socks = append(socks, sockets.Socket{Proto: sockets.UDP, State: sockets.Close, Inode: ino})
	}
	return socks
}

func holderList(ps []sockets.Process) []int32 {
	var l []int32
	for _, p := range ps {
		l = append(l, p.Info.PID, p.FD)
	}
	return l
}

func TestTrackerFollowsChanges(t *testing.T) {
	if !fdCountsHere(t) {
		t.Skip("procfs does not report fd counts here (Linux 6.2+): the Tracker walks everything each time")
	}
	r := &trackerRig{t: t, tr: NewTracker(Options{Details: true}), fds: map[int]uint64{}}
	defer r.tr.Close()
	defer func() {
		for fd := range r.fds {
			unix.Close(fd)
		}
	}()
	a := r.open()
	r.open()
	r.check("first call (a full walk)")
	first := r.tr.state.lastFull

	r.open()
	r.open()
	r.check("two more sockets: the count moved")

	r.close(a)
	r.open() // takes a's fd number: same count, a went away
	r.check("an fd reused for another socket")

	// A file's fd reused for a socket: the count stays and no socket
	// went away; only the search for an unknown holder finds it.
	f, err := os.Open("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	r.check("a file opened")
	ffd := int(f.Fd())
	f.Close()
	if fd := r.open(); fd != ffd {
		t.Logf("the socket got fd %d, not the file's %d", fd, ffd)
	}
	// The socket's holder is unknown: it gets one call's grace before
	// every table is searched for it.
	r.check("a file's fd reused for a socket, second call", true)

	// A child holding one of the sockets: a new process.
	var shared int
	for fd := range r.fds {
		shared = fd
		break
	}
	cmd := exec.Command("sleep", "30")
	dup, err := unix.Dup(shared) // the File closes its own fd, not the rig's
	if err != nil {
		t.Fatal(err)
	}
	f = os.NewFile(uintptr(dup), "shared")
	defer f.Close()
	cmd.ExtraFiles = []*os.File{f}
	if err := cmd.Start(); err != nil {
		t.Skip("cannot start sleep:", err)
	}
	r.check("a child shares a socket")
	cmd.Process.Kill()
	cmd.Wait()
	r.check("the child exited")
	if r.tr.state.lastFull != first {
		t.Error("the tracker walked everything again: the changes were not followed one by one")
	}
}

func fdCountsHere(t *testing.T) bool {
	fd, err := unix.Open("/proc", unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer unix.Close(fd)
	return fdCounts(fd)
}

// TestTrackerAllocs checks that a Tracker's calls after the first, with
// nothing changed, allocate per process at most, never per fd: ten times
// the fds, about the same allocations.
func TestTrackerAllocs(t *testing.T) {
	if !fdCountsHere(t) {
		t.Skip("procfs does not report fd counts here (Linux 6.2+): the Tracker walks everything each time")
	}
	path := sleepPath(t)
	allocs := func(socks []sockets.Socket) float64 {
		tr := NewTracker(Options{Workers: 1})
		defer tr.Close()
		tr.Attribute(context.Background(), socks)
		return testing.AllocsPerRun(5, func() {
			if _, err := tr.Attribute(context.Background(), socks); err != nil {
				t.Fatal(err)
			}
		})
	}
	small := startHolder(t, path, 100, 100)
	a := allocs(small.socks)
	big := startHolder(t, path, 1000, 1000)
	b := allocs(big.socks)
	t.Logf("allocations of a call with nothing changed: %v with 200 fds, %v with 2000", a, b)
	if b > a+100 {
		t.Errorf("allocations grow with the number of fds: %v with 200, %v with 2000", a, b)
	}
}

// TestTrackerExec: a process that runs another program keeps its PID and
// the fds it did not mark close-on-exec; the Tracker notices the new name
// at its next call, not at its next full walk.
func TestTrackerExec(t *testing.T) {
	if !fdCountsHere(t) {
		t.Skip("procfs does not report fd counts here (Linux 6.2+)")
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0) // inherited across exec
	if err != nil {
		t.Fatal(err)
	}
	sock := os.NewFile(uintptr(fd), "socket") // closes fd, once
	defer sock.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	// sh waits for a line, then becomes sleep (the pipe, the socket and
	// the standard fds go with it; sh's own script fd does not).
	cmd := exec.Command("sh", "-c", "read x; exec sleep 30")
	cmd.ExtraFiles = []*os.File{sock}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skip("cannot start sh:", err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	tr := NewTracker(Options{Details: true})
	defer tr.Close()
	name := func() string {
		socks := []sockets.Socket{{Proto: sockets.UDP, State: sockets.Close, Inode: st.Ino}}
		if _, err := tr.Attribute(context.Background(), socks); err != nil {
			t.Fatal(err)
		}
		for _, p := range socks[0].Processes {
			if int(p.Info.PID) == cmd.Process.Pid {
				return p.Info.Name
			}
		}
		return ""
	}
	deadline := time.Now().Add(5 * time.Second)
	for name() != "sh" {
		if time.Now().After(deadline) {
			t.Fatal("the child never showed as sh")
		}
		time.Sleep(20 * time.Millisecond)
	}
	in.Write([]byte("go\n"))
	for got := name(); got != "sleep"; got = name() {
		if time.Now().After(deadline) {
			t.Fatalf("after exec the child is still %q", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if time.Since(tr.state.lastFull) > time.Minute || tr.state.lastFull.IsZero() {
		t.Fatal("no full walk recorded")
	}
}
