package containers

import (
	"bufio"
	"crypto/rand"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// requirePodman returns the path of podman and of a static busybox, or
// skips the test (fails it when SOCKSCOPE_PODMAN=require, as in CI).
func requirePodman(t *testing.T) (podman, busybox string) {
	t.Helper()
	miss := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("SOCKSCOPE_PODMAN") == "require" {
			t.Fatalf("%s and SOCKSCOPE_PODMAN=require", msg)
		}
		t.Skipf("%s; SOCKSCOPE_PODMAN=require makes this a failure", msg)
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
		if static(p) {
			return podman, p
		}
	}
	miss("needs a statically linked busybox (Debian package busybox-static) for the container's root file system")
	return "", ""
}

// static reports whether path is an executable that needs no dynamic
// loader, so that it runs alone in an empty root file system.
func static(path string) bool {
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

// TestIntegrationPodman runs a real container (podman with runc, from a
// root file system holding a static busybox: no image registry is needed)
// whose httpd listens on the loopback of the container's own network
// namespace, then identifies the listener from its /proc/PID/cgroup and
// names it from podman's state files, as --name gave it.
func TestIntegrationPodman(t *testing.T) {
	podman, busybox := requirePodman(t)

	rootfs := t.TempDir()
	for _, d := range []string{"bin", "proc", "sys", "dev", "etc", "tmp", "www"} {
		if err := os.Mkdir(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, applet := range []string{"sh", "httpd"} {
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}

	var tok [4]byte
	if _, err := rand.Read(tok[:]); err != nil {
		t.Fatal(err)
	}
	name := "sockscope-test-" + hex.EncodeToString(tok[:])
	port := 20000 + int(tok[0])<<4 + int(tok[1]&0x0f)
	// --network none still gives the container a network namespace of
	// its own, with only lo (up): nothing outside the machine is needed.
	// podman's default ulimits are refused on this kind of host, hence
	// the explicit ones; crun refuses hybrid cgroups, hence runc.
	args := []string{"run", "-d", "--runtime", "runc",
		"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
		"--network", "none", "--name", name, "--rootfs", rootfs,
		"/bin/httpd", "-f", "-p", "127.0.0.1:" + strconv.Itoa(port), "-h", "/www"}
	out, err := exec.Command(podman, args...).Output()
	t.Cleanup(func() {
		if out, err := exec.Command(podman, "rm", "-f", "-t", "0", name).CombinedOutput(); err != nil {
			t.Errorf("podman rm -f %s: %v\n%s", name, err, out)
		}
	})
	if err != nil {
		t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, stderrOf(err))
	}
	id := strings.TrimSpace(string(out))
	if !isID(id) {
		t.Fatalf("podman run printed %q, not a container id", out)
	}

	out, err = exec.Command(podman, "inspect", "-f", "{{.State.Pid}}", name).Output()
	if err != nil {
		t.Fatalf("podman inspect: %v\n%s", err, stderrOf(err))
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || pid <= 0 {
		t.Fatalf("podman inspect gave pid %q", out)
	}
	if !listening(t, pid, port) {
		t.Fatalf("no listener on 127.0.0.1:%d in the container's namespace (pid %d)", port, pid)
	}
	ours, _ := os.Readlink("/proc/self/ns/net")
	theirs, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil || theirs == ours {
		t.Fatalf("the container's network namespace %q (%v) is not its own (ours %q)", theirs, err, ours)
	}

	r := NewResolver("/")
	c, ok := r.Process(pid)
	if !ok {
		cg, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
		t.Fatalf("the listener (pid %d) is in no container; its cgroup:\n%s", pid, cg)
	}
	if c.Runtime != RuntimePodman || c.ID != id || c.Name != name || c.Monitor {
		t.Errorf("Process(%d) = %+v\nwant podman container %s named %s", pid, c, id, name)
	}
	t.Logf("listener pid %d in %s: %+v", pid, theirs, c)

	// The namespace is named after the container, from the processes in
	// it as a walk of /proc finds them.
	pids := inNamespace(t, theirs)
	if nc, ok := r.OfNamespace(pids); !ok || nc.ID != id || nc.NetnsLabel() != name {
		t.Errorf("OfNamespace(%v) = %+v, %v; want the container %s", pids, nc, ok, name)
	}
	host := inNamespace(t, ours)
	if hc, ok := r.OfNamespace(host); ok {
		t.Errorf("the host's namespace named after %+v", hc)
	}

	// conmon, podman's monitor, runs in the host's namespaces: it must
	// not be taken for the container.
	if b, err := os.ReadFile(filepath.Join("/run/containers/storage/overlay-containers", id, "userdata", "conmon.pid")); err == nil {
		if cpid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			if c, ok := r.Process(cpid); ok && !c.Monitor {
				t.Errorf("conmon (pid %d) taken for the container: %+v", cpid, c)
			}
		}
	}
}

// inNamespace returns the processes whose network namespace is ns
// ("net:[N]"), ascending.
func inNamespace(t *testing.T, ns string) []int32 {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int32
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if l, err := os.Readlink("/proc/" + e.Name() + "/ns/net"); err == nil && l == ns {
			pids = append(pids, int32(pid))
		}
	}
	slices.Sort(pids)
	return pids
}

// listening waits up to ten seconds for a TCP listener on 127.0.0.1:port
// in the network namespace of pid, as its /proc/PID/net/tcp shows it.
func listening(t *testing.T, pid, port int) bool {
	t.Helper()
	want := fmt.Sprintf("0100007F:%04X", port)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		f, err := os.Open(fmt.Sprintf("/proc/%d/net/tcp", pid))
		if err != nil {
			t.Fatalf("the container's listener is gone: %v", err)
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
