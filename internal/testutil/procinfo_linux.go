package testutil

import (
	"bytes"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/sockets"
)

// ReadProcess returns what /proc says of a process: PID, PPID, Name (comm),
// Exe (without " (deleted)", and ExeDeleted), Cmdline, real UID and User.
// It is how the holder describes itself and its children in the manifest,
// independently of the attribution under test. FD and the cgroup-derived
// fields are left empty. The Process has its own ProcessInfo, even on
// error. It returns an error when the process is gone.
func ReadProcess(pid int) (sockets.Process, error) {
	dir := "/proc/" + strconv.Itoa(pid)
	p := sockets.Process{ProcessInfo: &sockets.ProcessInfo{PID: int32(pid)}}

	comm, err := os.ReadFile(dir + "/comm")
	if err != nil {
		return p, err
	}
	p.Name = strings.TrimSuffix(string(comm), "\n")

	exe, err := os.Readlink(dir + "/exe")
	if err != nil {
		return p, err
	}
	p.Exe, p.ExeDeleted = strings.CutSuffix(exe, " (deleted)")

	cmdline, err := os.ReadFile(dir + "/cmdline")
	if err != nil {
		return p, err
	}
	for arg := range bytes.SplitSeq(bytes.TrimSuffix(cmdline, []byte{0}), []byte{0}) {
		p.Cmdline = append(p.Cmdline, string(arg))
	}

	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return p, err
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		key, value, _ := strings.Cut(line, ":")
		fields := strings.Fields(value)
		if len(fields) == 0 {
			continue
		}
		switch key {
		case "PPid":
			ppid, err := strconv.ParseInt(fields[0], 10, 32)
			if err != nil {
				return p, fmt.Errorf("%s/status: PPid %q: %w", dir, fields[0], err)
			}
			p.PPID = int32(ppid)
		case "Uid":
			uid, err := strconv.ParseUint(fields[0], 10, 32)
			if err != nil {
				return p, fmt.Errorf("%s/status: Uid %q: %w", dir, fields[0], err)
			}
			p.UID = uint32(uid)
		}
	}
	if u, err := user.LookupId(strconv.FormatUint(uint64(p.UID), 10)); err == nil {
		p.User = u.Username
	}
	return p, nil
}
