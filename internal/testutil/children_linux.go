package testutil

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/sockscope/sockscope/internal/sockets"
)

// nobody is the uid and gid of the children that own a listener as
// another user.
const nobody = 65534

// spawn starts the holder's children: one sharing a listener with the
// holder, one running as uid 65534 with its own listener, one running a
// setuid-65534 copy of the test binary with its own listener, and one
// holding a listener while its executable is deleted. They run copies of
// the test binary in h.dir, which uid 65534 can execute (go test's build
// directory is private to root), or for the setuid one in h.setuidDir.
func (h *holder) spawn() error {
	lfd, _, err := listenTCP(any4, 0)
	if err != nil {
		return fmt.Errorf("shared listener: %w", err)
	}
	shared := os.NewFile(uintptr(lfd), "shared listener")
	h.keep = append(h.keep, shared)
	child, _, err := h.startChild(h.self.Info.Exe, []*os.File{shared}, nil, false)
	if err != nil {
		return fmt.Errorf("shared listener: %w", err)
	}
	child.FD = 3 // the first of ExtraFiles
	if err := h.addInet("tcp4 listener shared with a child", sockets.TCP, sockets.Listen, lfd, h.owner(lfd), child); err != nil {
		return err
	}

	exe, err := h.copyExe(h.dir, "exe-nobody")
	if err != nil {
		return err
	}
	if err := h.addChildListener("tcp4 listener of uid 65534", exe, &syscall.Credential{Uid: nobody, Gid: nobody}, false); err != nil {
		return err
	}

	if err := h.spawnSetuid(); err != nil {
		return err
	}

	exe, err = h.copyExe(h.dir, "exe-deleted")
	if err != nil {
		return err
	}
	return h.addChildListener("tcp4 listener of a deleted executable", exe, nil, true)
}

// spawnSetuid starts, as root, a copy of the test binary owned by uid and
// gid 65534 with the setuid bit, which opens a listener itself: the
// socket's uid is 65534, and so is the process's effective uid, but its
// real uid is 0 and, having exec'd a setuid program, it is not dumpable:
// only a process with CAP_SYS_PTRACE may read its /proc/PID/fd. Mode 04700
// lets no other user run the copy; root may, as it has an exec bit.
func (h *holder) spawnSetuid() error {
	const name = "tcp4 listener of a setuid-65534 process"
	exe, err := h.copyExe(h.setuidDir, "exe-setuid")
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := os.Chown(exe, nobody, nobody); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := os.Chmod(exe, 0o700|os.ModeSetuid); err != nil { // after chown, which clears it
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := h.addChildListener(name, exe, nil, false); err != nil {
		return err
	}
	if a := h.m.Access[h.last().Owners[0].Info.PID]; a.Dumpable || a.UIDs[0] != 0 || a.UIDs[1] != nobody {
		return fmt.Errorf("%s: runs with uids %v, dumpable %v; want real 0, effective %d, not dumpable "+
			"(is %s mounted nosuid?)", name, a.UIDs, a.Dumpable, nobody, h.setuidDir)
	}
	return nil
}

// addChildListener starts a child that opens a listener itself and records
// the listener, owned by the child alone. If deleteExe, the executable is
// removed once the child runs.
func (h *holder) addChildListener(name, exe string, cred *syscall.Credential, deleteExe bool) error {
	child, ready, err := h.startChild(exe, nil, cred, true)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if deleteExe {
		if err := os.Remove(exe); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if child, _, err = readProcess(int(child.Info.PID)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if !child.Info.ExeDeleted {
			return fmt.Errorf("%s: /proc/%d/exe does not say the file is deleted", name, child.Info.PID)
		}
	}
	child.FD = int32(ready.FD)
	h.m.Sockets = append(h.m.Sockets, ExpectedSocket{
		Name: name, Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Listen,
		Local: ready.Local, Remote: unspecified4, Inode: ready.Inode, UID: child.Info.UID,
		Owners: []sockets.Process{child},
	})
	return nil
}

// copyExe copies the running executable to dir/name, executable by all.
func (h *holder) copyExe(dir, name string) (string, error) {
	path := filepath.Join(dir, name)
	if err := copyExecutable("/proc/self/exe", path); err != nil {
		return "", fmt.Errorf("copying the test binary: %w", err)
	}
	return path, nil
}

// startChild starts the test binary exe as a child that holds extra (as fd
// 3 and up), runs as cred if not nil, opens its own listener if listen, and
// waits until it says it is ready, and records its credentials in the
// manifest. The child shares the holder's stdin, so it exits when the test
// closes it, and is killed if the holder dies (unless it runs a setuid
// program: exec clears the parent-death signal then, and only the closing
// stdin ends it).
func (h *holder) startChild(exe string, extra []*os.File, cred *syscall.Credential, listen bool) (sockets.Process, childReady, error) {
	var ready childReady
	r, w, err := os.Pipe()
	if err != nil {
		return sockets.Process{}, ready, err
	}
	defer r.Close()
	cmd := exec.Command(exe, holderArgs...)
	cmd.Env = append(os.Environ(), envMode+"=child", envListen+"=0")
	if listen {
		cmd.Env = append(cmd.Env, envListen+"=1")
	}
	cmd.Dir = h.dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, w, os.Stderr
	cmd.ExtraFiles = extra
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return sockets.Process{}, ready, fmt.Errorf("starting %s: %w", exe, err)
	}
	h.kids = append(h.kids, cmd)
	if err := r.SetReadDeadline(time.Now().Add(ioTimeout)); err != nil {
		return sockets.Process{}, ready, err
	}
	line, err := bufio.NewReader(r).ReadBytes('\n')
	if err != nil {
		return sockets.Process{}, ready, fmt.Errorf("child %d did not get ready: %w", cmd.Process.Pid, err)
	}
	if err := json.Unmarshal(line, &ready); err != nil {
		return sockets.Process{}, ready, fmt.Errorf("child %d: %w", cmd.Process.Pid, err)
	}
	p, access, err := readProcess(cmd.Process.Pid)
	access.Dumpable = ready.Dumpable
	h.m.Access[p.Info.PID] = access
	return p, ready, err
}
