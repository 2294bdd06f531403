package netns

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/testutil"
)

// childEnv makes the test binary run TestUnprivilegedChild's body.
const childEnv = "SOCKSCOPE_NETNS_UNPRIVILEGED_CHILD"

// nobody is the uid and gid the child runs as.
const nobody = 65534

// TestIntegrationUnprivileged runs discovery and a listing as an
// unprivileged user (uid 65534): its own namespace is listed (without
// setns, which it may not call), the namespace of its own process in
// another namespace is read through that process's /proc/PID/net, and a
// named namespace it can see but not enter is one error naming it.
func TestIntegrationUnprivileged(t *testing.T) {
	testutil.RequireRoot(t)
	named := testutil.NewNetNS(t)
	held := testutil.NewUnsharedNetNSAs(t, nobody, nobody)
	heldPort := makeSockets(t, held.Path)

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The test binary sits in a directory only root may enter.
	exe := testutil.CopyExecutable(t, self, "netns.test")
	dir := filepath.Dir(exe)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-test.run", "^TestUnprivilegedChild$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("child said:\n%s", out)

	var own uint64
	var ownPort uint16
	lines := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		lines[line] = true
		if rest, ok := strings.CutPrefix(line, "own "); ok {
			f := strings.Fields(rest)
			own, _ = strconv.ParseUint(f[0], 10, 64)
			p, _ := strconv.ParseUint(f[1], 10, 16)
			ownPort = uint16(p)
		}
	}
	for _, want := range []string{
		fmt.Sprintf("ns %d pid:%d", held.Inode, held.PID),
		fmt.Sprintf("ns %d %s", named.Inode, named.Name),
		fmt.Sprintf("sock %d %d LISTEN", own, ownPort),
		fmt.Sprintf("sock %d %d LISTEN", held.Inode, heldPort),
		fmt.Sprintf("error %s setns: operation not permitted", named.Name),
	} {
		if !lines[want] {
			t.Errorf("child did not say %q", want)
		}
	}
	// Other tests' namespaces may come and go meanwhile; the test's own
	// fail only as said above.
	for line := range lines {
		f := strings.Fields(line)
		if len(f) > 1 && f[0] == "error" && (f[1] == fmt.Sprintf("pid:%d", held.PID) || f[1] == fmt.Sprintf("pid:%d", os.Getpid()) ||
			f[1] == named.Name && !strings.HasSuffix(line, "setns: operation not permitted")) {
			t.Errorf("unexpected error: %s", line)
		}
	}
}

// TestUnprivilegedChild is the unprivileged side of
// TestIntegrationUnprivileged; it does nothing unless that test runs it.
func TestUnprivilegedChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("run by TestIntegrationUnprivileged")
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ownLink, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	own, _ := ParseLink(ownLink)
	w := io.Writer(os.Stdout)
	fmt.Fprintf(w, "own %d %d\n", own, ln.Addr().(*net.TCPAddr).Port)
	found, errs := Discover(nil)
	for _, n := range found {
		fmt.Fprintf(w, "ns %d %s\n", n.Inode, n.Name)
	}
	for _, err := range errs {
		fmt.Fprintf(w, "discover: %v\n", err)
	}
	src := NewSource(found, SourceOptions{
		New: func() (sockets.Source, error) { return sockets.NewSystemSource(sockets.SourceOptions{}) },
		Proc: func(dir string) (sockets.Source, error) {
			return sockets.NewSystemSource(sockets.SourceOptions{Kind: "proc", ProcNet: dir})
		},
	})
	got, err := src.Snapshot(context.Background(), sockets.Filter{Protos: sockets.ProtoSet(0).With(sockets.TCP)}, nil)
	for _, s := range got {
		fmt.Fprintf(w, "sock %d %d %s\n", s.NetNS, s.Local.Port(), s.State)
	}
	if err != nil {
		partial, ok := err.(*sockets.PartialError)
		if !ok {
			t.Fatalf("listing failed as a whole: %v", err)
		}
		for _, e := range partial.Errs {
			var name string
			if ne, ok := e.(*Error); ok {
				name = ne.NS.Name
			}
			msg := e.Error()
			if i := strings.LastIndex(msg, "setns: "); i >= 0 {
				msg = msg[i:]
			}
			fmt.Fprintf(w, "error %s %s\n", name, msg)
		}
	}
}
