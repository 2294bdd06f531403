package testutil

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// holderStartTimeout bounds the holder's setup: three copies of the test
// binary, four children, a few dozen connections.
const holderStartTimeout = time.Minute

// StartPopulation starts a holder process inside ns (the test binary run
// again; its TestMain must call MaybeRunHolder) and returns the sockets it
// holds once all of them exist. The population is, on loopback only:
//
//   - TCP listeners on 127.0.0.1, [::1] (IPv6 only) and [::] (dual-stack),
//     each with an established pair through it, both ends held (the pair
//     through [::] has an IPv4 client, so its server end is IPv6 with
//     v4-mapped addresses);
//   - a TCP socket in every state: a FIN_WAIT2 client that shut down its
//     sending side and its CLOSE_WAIT server; a SYN_SENT client of a
//     listener with backlog 0 whose queue is full, and the queued
//     connection (its server end ESTABLISHED, never accepted: no owner);
//     a SYN_RECV request socket (no owner) of a listener deferring accept,
//     and its silent client; FIN_WAIT1, LAST_ACK and CLOSING sockets, whose
//     FIN waits behind data their never-reading peer has no room for; a
//     bound-inactive socket (CLOSE; see ExpectedSocket.BoundInactive); and
//     a TIME_WAIT client, held by no process;
//   - UDP sockets bound to 127.0.0.1 and [::1], and one connected;
//   - unix sockets: a stream listener on a path, both ends of a socketpair,
//     a datagram socket bound to a path, an abstract stream listener;
//   - TCP listeners held by the holder and a child together, by a child
//     running as uid 65534, by a setuid-65534 child (real uid 0, not
//     dumpable; see Population.AttributableBy), and by a child whose
//     executable was deleted.
//
// Every state is held by a peer that never does what would end it, not by
// timing; only TIME_WAIT ends by itself, after 60 seconds. The holder and
// its children exit when the test ends: cleanup closes their stdin, waits,
// and kills their process group if they linger. It fails the test if the
// holder cannot be started or does not get ready.
func StartPopulation(tb testing.TB, ns *NetNS) *Population {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatalf("finding the test binary: %v", err)
	}
	dir, err := os.MkdirTemp("", staleName())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil { // the uid 65534 child runs an executable in it
		tb.Fatal(err)
	}
	setuidDir := setuidDir(tb, dir)
	token := randomToken()
	manifestPath := filepath.Join(dir, "manifest.json")
	stderrPath := filepath.Join(dir, "holder.stderr")

	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	defer outR.Close()
	errFile, err := os.Create(stderrPath)
	if err != nil {
		tb.Fatal(err)
	}
	// Not ns.Command: the holder outlives CommandTimeout when a test is
	// long, and is stopped gently below rather than killed.
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns.Name, exe}, holderArgs...)...)
	cmd.Env = append(os.Environ(),
		envMode+"=1", envDir+"="+dir, envSetuid+"="+setuidDir, envToken+"="+token, envManifest+"="+manifestPath)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdinR, outW, errFile
	// Its own process group, so that cleanup can kill the children too. No
	// Pdeathsig: it fires when the forking OS thread exits, which NetNS.Do
	// makes threads do; the holder notices the test's death by its stdin.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	stdinR.Close()
	outW.Close()
	errFile.Close()
	if err != nil {
		stdinW.Close()
		tb.Fatalf("starting the holder: %v", err)
	}
	tb.Cleanup(func() { stopHolder(tb, cmd, stdinW, stderrPath) })

	if err := waitReady(outR); err != nil {
		stderr := readTail(stderrPath)
		if stderr == "" {
			stderr = "(nothing: does TestMain call testutil.MaybeRunHolder?)"
		}
		tb.Fatalf("holder (pid %d) did not get ready: %v\nits stderr:\n%s", cmd.Process.Pid, err, stderr)
	}
	data, err := os.ReadFile(manifestPath)
	if err != nil {
		tb.Fatalf("reading the holder's manifest: %v", err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		tb.Fatalf("decoding the holder's manifest: %v", err)
	}
	if m.NetNS != ns.Inode {
		tb.Fatalf("holder runs in netns %d, want %d (%s)", m.NetNS, ns.Inode, ns.Name)
	}
	return &Population{NetNS: m.NetNS, Holder: m.Holder, Dir: dir, Token: token, Expected: m.Sockets, Access: m.Access}
}

// setuidDir returns a directory for the setuid copy of the test binary:
// dir, unless its file system is mounted nosuid (a tmpfs /tmp often is),
// and then a new directory under the working directory, removed when the
// test ends. It fails the test if both are nosuid.
func setuidDir(tb testing.TB, dir string) string {
	tb.Helper()
	if ok, err := allowsSetuid(dir); err != nil {
		tb.Fatal(err)
	} else if ok {
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	alt, err := os.MkdirTemp(wd, staleName())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(alt) })
	if ok, err := allowsSetuid(alt); err != nil {
		tb.Fatal(err)
	} else if !ok {
		tb.Fatalf("%s and %s are on file systems mounted nosuid: nowhere to run a setuid test binary", dir, alt)
	}
	return alt
}

// allowsSetuid reports whether the file system of dir honours setuid bits.
func allowsSetuid(dir string) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return false, fmt.Errorf("statfs %s: %w", dir, err)
	}
	return st.Flags&unix.ST_NOSUID == 0, nil
}

// waitReady waits for the holder's "ready" line.
func waitReady(out *os.File) error {
	if err := out.SetReadDeadline(time.Now().Add(holderStartTimeout)); err != nil {
		return err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return errors.New("timed out after " + holderStartTimeout.String())
		}
		return errors.New("it exited")
	}
	if line != "ready\n" {
		return errors.New("it said " + strings.TrimSpace(line))
	}
	return nil
}

// stopHolder closes the holder's stdin, which ends the holder and its
// children, waits for it, and kills its process group, stragglers included,
// if it lingers. The kill happens before the holder is reaped: while it is a
// zombie its PID, the group's ID, cannot be given to another process.
func stopHolder(tb testing.TB, cmd *exec.Cmd, stdin *os.File, stderrPath string) {
	stdin.Close()
	pid := cmd.Process.Pid
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		var info unix.Siginfo
		for unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil) == unix.EINTR {
		}
	}()
	select {
	case <-exited:
	case <-time.After(2 * ioTimeout):
		tb.Errorf("holder (pid %d) did not exit after its stdin closed; killing its process group", pid)
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-exited
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL) // children that outlived the holder, if any
	switch err := cmd.Wait(); {
	case err != nil && tb.Failed(): // the test failed already: keep it short
		tb.Logf("holder (pid %d): %v", pid, err)
	case err != nil:
		tb.Errorf("holder (pid %d): %v\nits stderr:\n%s", pid, err, readTail(stderrPath))
	}
}

// readTail returns the last few kilobytes of a file, for failure messages.
func readTail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	const max = 4 << 10
	if len(data) > max {
		data = data[len(data)-max:]
	}
	return string(data)
}
