package trace

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/sockscope/sockscope/internal/testutil"
)

// TestExecProgramsAssemble: the exec programs assemble.
func TestExecProgramsAssemble(t *testing.T) {
	eo := execOffsets{interp: 104, pid: 2464, tgid: 2468, cred: 2960, euid: 20, ok: true}
	for _, p := range execSpec(eo).Programs {
		if err := p.Instructions.Marshal(io.Discard, binary.LittleEndian); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
}

// TestExecOf: a process that executed a file while the reader ran, and
// has exited since, is known by that file's path, its user and its
// cgroup, and so is a child it forked without executing anything (bash's
// subshell); a script by its interpreter; a process started before the
// reader is known as /proc named it when the programs were attached,
// and so is a child it forks without executing anything, once gone; a
// child forked by a process the programs know nothing of is not known,
// even where an earlier process with its PID was.
func TestExecOf(t *testing.T) {
	testutil.RequireRoot(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to run")
	}
	old := startOldShell(t, bash)
	r := execReader(t)

	// The old shell, started before them, was put in their map from
	// /proc; then it is taken out, as if they knew nothing of it, for
	// its subshell's fork below.
	real, err := filepath.EvalSymlinks(bash)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := r.ExecOf(old.pid); !ok || e.Path != real || e.UID != int64(os.Geteuid()) {
		t.Errorf("ExecOf(%d), a shell started before the programs = %+v, %v; want %q, %d, true", old.pid, e, ok, real, os.Geteuid())
	} else if path, ok := r.CgroupPath(e.Cgroup); !ok || path != ownCgroup(t) {
		t.Errorf("ExecOf(%d)'s cgroup %d is %q, %v; want this test's, %q", old.pid, e.Cgroup, path, ok, ownCgroup(t))
	}
	if err := r.execs.Maps["execs"].Delete(uint32(old.pid)); err != nil {
		t.Fatal(err)
	}

	// A copy of bash under a name of its own, run as another user: it
	// says its PID and its subshell's, and exits.
	beacon := testutil.CopyExecutable(t, bash, "beacon")
	// In a cgroup of its own, as a container's process would be.
	root, unmount, err := cgroup2Root()
	if err != nil {
		t.Skipf("no cgroup v2 hierarchy: %v", err)
	}
	defer unmount()
	group := fmt.Sprintf("/sockscope-exec-test-%d", os.Getpid())
	if err := os.Mkdir(root+group, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(root + group) // once beacon is gone
	dir, err := os.Open(root + group)
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	cmd := exec.Command(beacon, "-c", `echo $$; (echo $BASHPID); true`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534},
		UseCgroupFD: true, CgroupFD: int(dir.Fd())}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", beacon, err)
	}
	pids := strings.Fields(string(out))
	if len(pids) != 2 || pids[0] == pids[1] {
		t.Fatalf("beacon said %q, want its PID and its subshell's", out)
	}
	for _, p := range pids {
		pid, _ := strconv.Atoi(p)
		if _, err := os.Stat("/proc/" + p); err == nil {
			t.Fatalf("process %s is still there", p)
		}
		e, ok := r.ExecOf(int32(pid))
		if !ok || e.Path != beacon || e.UID != 65534 {
			t.Errorf("ExecOf(%s) = %+v, %v; want %q, 65534, true", p, e, ok, beacon)
		}
		// Its cgroup, named as /proc writes it.
		if path, ok := r.CgroupPath(e.Cgroup); !ok || path != group {
			t.Errorf("ExecOf(%s)'s cgroup %d is %q, %v; want %q", p, e.Cgroup, path, ok, group)
		}
	}

	// A script is known by its interpreter, as /proc/PID/exe names it.
	script := filepath.Join(filepath.Dir(beacon), "script")
	if err := os.WriteFile(script, []byte("#!"+beacon+"\necho $$\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(script).Output()
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	if e, ok := r.ExecOf(int32(pid)); !ok || e.Path != beacon || e.UID != 0 {
		t.Errorf("ExecOf(%d), a script run by root = %+v, %v; want its interpreter %q, 0, true", pid, e, ok, beacon)
	}

	// The PIDs the old shell's subshell may take are given entries of
	// processes gone; its fork must forget its own.
	last, err := os.ReadFile("/proc/sys/kernel/ns_last_pid")
	if err != nil {
		t.Fatal(err)
	}
	next, _ := strconv.Atoi(strings.TrimSpace(string(last)))
	stale := make([]byte, execEntrySize)
	copy(stale[execPathOff:], "/stale")
	for pid := next + 1; pid <= next+200; pid++ {
		if err := r.execs.Maps["execs"].Put(uint32(pid), stale); err != nil {
			t.Fatal(err)
		}
	}
	sub := int(old.fork(t))
	if sub <= next || sub > next+200 {
		t.Skipf("the subshell took PID %d, past the %d given stale entries (a busy machine)", sub, 200)
	}
	if e, ok := r.ExecOf(int32(sub)); ok {
		t.Errorf("ExecOf(%d) = %q: a stale entry outlived the fork of a process the programs never saw executing", sub, e.Path)
	}
}

// ownCgroup returns this process's cgroup (v2), as /proc/self/cgroup
// names it.
func ownCgroup(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rel, ok := strings.CutPrefix(line, "0::"); ok {
			return rel
		}
	}
	t.Skip("no cgroup v2 line in /proc/self/cgroup")
	return ""
}

// TestExecSeeded: a shell started before the reader forks a subshell
// once the programs run, which exits: it is known by the shell's exe
// (put in the map from /proc, and copied at the fork), where before it
// was not known at all.
func TestExecSeeded(t *testing.T) {
	testutil.RequireRoot(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to run")
	}
	real, err := filepath.EvalSymlinks(bash)
	if err != nil {
		t.Fatal(err)
	}
	old := startOldShell(t, bash)
	r := execReader(t)
	sub := old.fork(t)
	if e, ok := r.ExecOf(sub); !ok || e.Path != real {
		t.Errorf("ExecOf(%d), the gone subshell of a shell older than the reader = %+v, %v; want %q", sub, e, ok, real)
	}
}

// oldShell is a shell started before the reader (startOldShell), which
// forks a subshell when told (fork).
type oldShell struct {
	pid   int32
	cmd   *exec.Cmd
	stdin io.Writer
	sub   string // where the subshell writes its PID
}

// startOldShell starts bash as an oldShell; it is killed when the test
// ends.
func startOldShell(t *testing.T, bash string) *oldShell {
	t.Helper()
	sub := filepath.Join(t.TempDir(), "subshell")
	cmd := exec.Command(bash, "-c", `echo $$; read x; (echo $BASHPID >"$1")`, "old", sub)
	stdin, line := testutil.StartHelper(t, cmd)
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pid, _ := strconv.Atoi(line)
	return &oldShell{pid: int32(pid), cmd: cmd, stdin: stdin, sub: sub}
}

// fork has the shell fork its subshell, which writes its PID and exits,
// and then the shell too; it returns the subshell's PID, once gone.
func (o *oldShell) fork(t *testing.T) int32 {
	t.Helper()
	if _, err := io.WriteString(o.stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
	o.cmd.Wait()
	b, err := os.ReadFile(o.sub)
	if err != nil {
		t.Fatalf("the old shell's subshell: %v", err)
	}
	sub := strings.TrimSpace(string(b))
	if _, err := os.Stat("/proc/" + sub); err == nil {
		t.Fatalf("the subshell %s is still there", sub)
	}
	pid, _ := strconv.Atoi(sub)
	return int32(pid)
}

// execReader opens a Reader with the exec programs (closed when the test
// ends); it skips where the BTF program does not run.
func execReader(t *testing.T) *Reader {
	t.Helper()
	r, err := Open(0, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if r.Program() != ProgramBTF {
		t.Skipf("the exec programs need the BTF program; %s runs", r.Program())
	}
	if err := r.TraceExecs(); err != nil {
		t.Fatalf("the exec programs did not load: %v", err)
	}
	return r
}
