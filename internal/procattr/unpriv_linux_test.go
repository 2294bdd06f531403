package procattr

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The unprivileged test re-runs this test binary as nobody (65534) with
// setpriv(1), running only TestUnprivilegedHelper, which does the checks.
const unprivEnv = "PROCATTR_UNPRIV_ROOT_INODE"

func TestAttributeUnprivileged(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch to an unprivileged uid")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("no setpriv(1)")
	}
	// A socket of this (root) process, which nobody cannot attribute.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, ino := listenerFD(t, ln)

	// Copy the test binary where nobody can run it.
	dir, err := os.MkdirTemp("", "procattr-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "procattr.test")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--",
		bin, "-test.run=^TestUnprivilegedHelper$", "-test.v", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), unprivEnv+"="+strconv.FormatUint(ino, 10))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
	t.Logf("%s", out)
}

// TestUnprivilegedHelper runs as nobody under TestAttributeUnprivileged.
func TestUnprivilegedHelper(t *testing.T) {
	rootIno, err := strconv.ParseUint(os.Getenv(unprivEnv), 10, 64)
	if err != nil {
		t.Skip("run by TestAttributeUnprivileged")
	}
	if os.Geteuid() == 0 {
		t.Fatal("still root")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fd, ino := listenerFD(t, ln)
	socks := []sockets.Socket{
		{Proto: sockets.TCP, State: sockets.Listen, Inode: ino},            // ours
		{Proto: sockets.TCP, State: sockets.Listen, Inode: rootIno},        // root's: unattributed
		{Proto: sockets.TCP, State: sockets.Established, Inode: 1<<40 + 1}, // nobody's: unattributed
		{Proto: sockets.TCP, State: sockets.TimeWait},                      // kernel's: not counted
		{Proto: sockets.TCP, State: sockets.SynRecv},                       // kernel's: not counted
	}
	for _, f := range attributeFuncs {
		for _, opts := range []Options{{Details: true}, {Workers: 1}, {tuning: tuning{noCount: true}}} {
			unprivCheck(t, f.name, f.fn, opts, socks, fd)
		}
	}
}

// unprivCheck attributes socks with fn and checks the result as nobody:
// socks[0] is a listener of this process on fd, the others are not ours.
func unprivCheck(t *testing.T, name string, fn attributeFunc, opts Options, socks []sockets.Socket, fd int32) {
	t.Helper()
	res, err := fn(context.Background(), socks, opts)
	if err != nil {
		t.Fatalf("%s %+v: %v", name, opts, err)
	}
	t.Logf("%s %+v: %+v", name, opts, res)
	if res.Unreadable == 0 || res.Unattributed != 2 || res.Processes <= res.Unreadable {
		t.Errorf("%s %+v: result %+v, want Unreadable > 0, Unattributed 2", name, opts, res)
	}
	p := socks[0].Processes
	if len(p) != 1 || int(p[0].Info.PID) != os.Getpid() || p[0].FD != fd {
		t.Fatalf("%s %+v: own listener: %s, want pid %d fd %d", name, opts, showProcs(p), os.Getpid(), fd)
	}
	if opts.Details && (p[0].Info.Exe == "" || p[0].Info.UID != uint32(os.Geteuid()) || len(p[0].Info.Cmdline) == 0) {
		t.Errorf("%s: own process details missing: %s", name, showProcs(p[:1]))
	}
	for i := 1; i < len(socks); i++ {
		if socks[i].Processes != nil {
			t.Errorf("%s %+v: socket %d attributed to %s", name, opts, i, showProcs(socks[i].Processes))
		}
	}
}
