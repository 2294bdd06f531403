package containers

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/testutil"
)

// TestIntegrationPodman runs a real container (podman with runc, from a
// root file system holding a static busybox: no image registry is needed)
// whose httpd listens on the loopback of the container's own network
// namespace, then identifies the listener from its /proc/PID/cgroup and
// names it from podman's state files, as --name gave it.
func TestIntegrationPodman(t *testing.T) {
	tc := testutil.StartPodmanHTTPD(t)
	id, name, pid := tc.ID, tc.Name, tc.PID
	if !isID(id) {
		t.Fatalf("podman run printed %q, not a container id", id)
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
