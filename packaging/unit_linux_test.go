package packaging

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
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/testutil"
)

// listenerEnv makes the test binary a listener holder instead of running
// tests: it listens on 127.0.0.1, prints "PID PORT", and exits when its
// stdin closes.
const listenerEnv = "SOCKSCOPE_PACKAGING_LISTENER"

// listenerName is the name the holder runs under, which sockscope -p
// prints as its program (short enough not to be cut).
const listenerName = "ssunitlisten"

// The users of the experiment: the owner of the listener and the user
// sockscope runs as, neither root nor each other.
const (
	ownerUID   = 65533
	scannerUID = 65534
)

func TestMain(m *testing.M) {
	if os.Getenv(listenerEnv) == "1" {
		if err := holdListener(); err != nil {
			fmt.Fprintln(os.Stderr, "listener:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// holdListener listens on a loopback port, says which, and holds it until
// stdin reaches its end.
func holdListener() error {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Printf("%d %d\n", os.Getpid(), ln.Addr().(*net.TCPAddr).Port)
	_, err = io.Copy(io.Discard, os.Stdin)
	return err
}

// setprivCaps turns unit capability names (CAP_SYS_PTRACE) into setpriv's
// list ("-all,+sys_ptrace"), which clears every other one.
func setprivCaps(caps []string) string {
	list := "-all"
	for _, c := range caps {
		list += ",+" + strings.ToLower(strings.TrimPrefix(c, "CAP_"))
	}
	return list
}

// TestIntegrationUnitCapabilities runs sockscope -tanp as the unit runs it,
// as an unprivileged user with no_new_privs and exactly the unit's
// capabilities (ambient, inheritable and bounding), in a namespace where a
// process of another unprivileged user holds a loopback listener: the
// listener's owner must be named and nothing reported missing. Then,
// without each of the capabilities in turn and without any, the listener
// must still be listed, with no owner, and sockscope must say on stderr
// that it could not see it: each capability is needed, and its loss is
// never silent.
func TestIntegrationUnitCapabilities(t *testing.T) {
	testutil.RequireRoot(t)
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv (util-linux) to run a program as another user with chosen capabilities")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command to build sockscope")
	}
	caps, err := loadUnit(t).capabilitySet("AmbientCapabilities")
	if err != nil {
		t.Fatal(err)
	}
	ns := testutil.NewNetNS(t)

	// The binaries sit where the two users may run them.
	bin := filepath.Join(testutil.SharedTempDir(t), "sockscope")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, goTool, "build", "-o", bin, "./cmd/sockscope")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	holderExe := testutil.CopyExecutable(t, self, listenerName)

	pid, port := startListener(t, ns, setpriv, holderExe)
	owner := fmt.Sprintf("%d/%s", pid, listenerName)
	local := fmt.Sprintf("127.0.0.1:%d", port)

	run := func(caps []string) (column, stderr string) {
		t.Helper()
		list := setprivCaps(caps)
		cmd := ns.Command(setpriv, "--reuid="+strconv.Itoa(scannerUID), "--regid="+strconv.Itoa(scannerUID),
			"--clear-groups", "--no-new-privs", "--inh-caps="+list, "--ambient-caps="+list, "--bounding-set="+list,
			bin, "-tanp")
		cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
		var errBuf strings.Builder
		cmd.Stderr = &errBuf
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("sockscope -tanp with %s: %v\n%s%s", list, err, out, errBuf.String())
		}
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) >= 7 && f[0] == "tcp" && f[3] == local && f[5] == "LISTEN" {
				return f[len(f)-1], errBuf.String()
			}
		}
		t.Fatalf("sockscope -tanp with %s does not list the listener %s:\n%s%s", list, local, out, errBuf.String())
		return "", ""
	}

	column, stderr := run(caps)
	if column != owner {
		t.Errorf("with the unit's capabilities %q the listener's owner is %q, want %q\nstderr: %s", caps, column, owner, stderr)
	}
	if strings.Contains(stderr, "could not be attributed") {
		t.Errorf("with the unit's capabilities %q sockscope says it missed owners:\n%s", caps, stderr)
	}

	fewerSets := [][]string{nil}
	for i := range caps {
		fewerSets = append(fewerSets, append(append([]string{}, caps[:i]...), caps[i+1:]...))
	}
	for _, fewer := range fewerSets {
		column, stderr := run(fewer)
		if column != "-" {
			t.Errorf("with only %q the listener's owner is %q: the unit grants more than attribution needs", fewer, column)
		}
		if !strings.Contains(stderr, "1 socket could not be attributed") {
			t.Errorf("with only %q sockscope does not say the listener's owner is unknown; stderr:\n%s", fewer, stderr)
		}
	}
}

// startListener starts the listener holder in ns as ownerUID, with no
// capabilities, and returns its PID and port. It stops when the test ends.
func startListener(t *testing.T, ns *testutil.NetNS, setpriv, exe string) (pid, port int) {
	t.Helper()
	cmd := ns.Command(setpriv, "--reuid="+strconv.Itoa(ownerUID), "--regid="+strconv.Itoa(ownerUID),
		"--clear-groups", "--inh-caps=-all", "--bounding-set=-all", exe)
	cmd.Env = []string{listenerEnv + "=1"}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Logf("listener: %v\n%s", err, stderr.String())
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("listener did not start: %v\n%s", err, stderr.String())
	}
	if _, err := fmt.Sscanf(line, "%d %d", &pid, &port); err != nil {
		t.Fatalf("listener said %q: %v", line, err)
	}
	return pid, port
}
