package testutil

import (
	"bufio"
	"crypto/rand"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Container is a real podman container a test started: a busybox httpd
// listening on 127.0.0.1:Port in the container's own network namespace.
type Container struct {
	ID, Name string
	PID      int // the listener, as the host sees it
	Port     int
}

// StartPodmanHTTPD runs a podman container (runc, a root file system of a
// static busybox: no image registry is needed; --network none, which
// still gives it a network namespace of its own with lo up) whose httpd
// listens on 127.0.0.1 inside, waits for the listener, and removes the
// container when the test ends. It skips without root, podman, runc or a
// static busybox, and fails instead when SOCKSCOPE_PODMAN=require (CI).
func StartPodmanHTTPD(tb testing.TB) *Container {
	tb.Helper()
	podman, busybox := requirePodman(tb)
	rootfs := tb.TempDir()
	for _, d := range []string{"bin", "proc", "sys", "dev", "etc", "tmp", "www"} {
		if err := os.Mkdir(filepath.Join(rootfs, d), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	b, err := os.ReadFile(busybox)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), b, 0o755); err != nil {
		tb.Fatal(err)
	}
	for _, applet := range []string{"sh", "httpd"} {
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", applet)); err != nil {
			tb.Fatal(err)
		}
	}
	var tok [4]byte
	if _, err := rand.Read(tok[:]); err != nil {
		tb.Fatal(err)
	}
	c := &Container{Name: "sockscope-test-" + hex.EncodeToString(tok[:]), Port: 20000 + int(tok[0])<<4 + int(tok[1]&0x0f)}
	// podman's default ulimits are refused on this kind of host, hence the
	// explicit ones; crun refuses hybrid cgroups, hence runc.
	args := []string{"run", "-d", "--runtime", "runc",
		"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
		"--network", "none", "--name", c.Name, "--rootfs", rootfs,
		"/bin/httpd", "-f", "-p", "127.0.0.1:" + strconv.Itoa(c.Port), "-h", "/www"}
	out, err := exec.Command(podman, args...).Output()
	tb.Cleanup(func() {
		if out, err := exec.Command(podman, "rm", "-f", "-t", "0", c.Name).CombinedOutput(); err != nil {
			tb.Errorf("podman rm -f %s: %v\n%s", c.Name, err, out)
		}
	})
	if err != nil {
		tb.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, stderrOf(err))
	}
	c.ID = strings.TrimSpace(string(out))
	out, err = exec.Command(podman, "inspect", "-f", "{{.State.Pid}}", c.Name).Output()
	if err != nil {
		tb.Fatalf("podman inspect: %v\n%s", err, stderrOf(err))
	}
	if c.PID, err = strconv.Atoi(strings.TrimSpace(string(out))); err != nil || c.PID <= 0 {
		tb.Fatalf("podman inspect gave pid %q", out)
	}
	if !listening(tb, c.PID, c.Port) {
		tb.Fatalf("no listener on 127.0.0.1:%d in the container's namespace (pid %d)", c.Port, c.PID)
	}
	return c
}

// requirePodman returns the path of podman and of a static busybox, or
// skips the test (fails it when SOCKSCOPE_PODMAN=require, as in CI).
func requirePodman(tb testing.TB) (podman, busybox string) {
	tb.Helper()
	miss := func(format string, args ...any) {
		tb.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("SOCKSCOPE_PODMAN") == "require" {
			tb.Fatalf("%s and SOCKSCOPE_PODMAN=require", msg)
		}
		tb.Skipf("%s; SOCKSCOPE_PODMAN=require makes this a failure", msg)
	}
	if os.Geteuid() != 0 {
		miss("needs root: runs a podman container (run as root or with sudo)")
	}
	podman, err := exec.LookPath("podman")
	if err != nil {
		miss("needs podman (Debian package podman)")
	}
	if _, err := exec.LookPath("runc"); err != nil {
		miss("needs runc (Debian package runc): crun refuses a hybrid cgroup host")
	}
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if staticELF(p) {
			return podman, p
		}
	}
	miss("needs a statically linked busybox (Debian package busybox-static) for the container's root file system")
	return "", ""
}

// staticELF reports whether path is an executable that needs no dynamic
// loader, so that it runs alone in an empty root file system.
func staticELF(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

// listening waits up to ten seconds for a TCP listener on 127.0.0.1:port
// in the network namespace of pid, as its /proc/PID/net/tcp shows it.
func listening(tb testing.TB, pid, port int) bool {
	tb.Helper()
	want := fmt.Sprintf("0100007F:%04X", port)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		f, err := os.Open(fmt.Sprintf("/proc/%d/net/tcp", pid))
		if err != nil {
			tb.Fatalf("the container's listener is gone: %v", err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			// sl local_address rem_address st ...; 0A is LISTEN.
			if len(fields) > 3 && fields[1] == want && fields[3] == "0A" {
				f.Close()
				return true
			}
		}
		f.Close()
	}
	return false
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
