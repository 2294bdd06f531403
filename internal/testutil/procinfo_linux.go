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
// Exe (without " (deleted)", and ExeDeleted), Cmdline, effective UID (the
// uid ProcessInfo.UID holds, as attribution reports it) and User. It is how
// the holder describes itself and its children in the manifest,
// independently of the attribution under test. FD and the cgroup-derived
// fields are left empty. The Process has its own ProcessInfo, even on
// error. It returns an error when the process is gone.
func ReadProcess(pid int) (sockets.Process, error) {
	p, _, err := readProcess(pid)
	return p, err
}

// readProcess is ReadProcess, and also returns the process's credentials
// as /proc/PID/status lists them (Dumpable is left false).
func readProcess(pid int) (sockets.Process, ProcessAccess, error) {
	dir := "/proc/" + strconv.Itoa(pid)
	p := sockets.Process{Info: &sockets.ProcessInfo{PID: int32(pid)}}
	var acc ProcessAccess

	comm, err := os.ReadFile(dir + "/comm")
	if err != nil {
		return p, acc, err
	}
	p.Info.Name = strings.TrimSuffix(string(comm), "\n")

	exe, err := os.Readlink(dir + "/exe")
	if err != nil {
		return p, acc, err
	}
	p.Info.Exe, p.Info.ExeDeleted = strings.CutSuffix(exe, " (deleted)")

	cmdline, err := os.ReadFile(dir + "/cmdline")
	if err != nil {
		return p, acc, err
	}
	for arg := range bytes.SplitSeq(bytes.TrimSuffix(cmdline, []byte{0}), []byte{0}) {
		p.Info.Cmdline = append(p.Info.Cmdline, string(arg))
	}

	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return p, acc, err
	}
	seen := 0
	for line := range strings.SplitSeq(string(status), "\n") {
		key, value, _ := strings.Cut(line, ":")
		fields := strings.Fields(value)
		switch key {
		case "PPid":
			if len(fields) != 1 {
				return p, acc, fmt.Errorf("%s/status: bad PPid line %q", dir, line)
			}
			ppid, err := strconv.ParseInt(fields[0], 10, 32)
			if err != nil {
				return p, acc, fmt.Errorf("%s/status: PPid %q: %w", dir, fields[0], err)
			}
			p.Info.PPID = int32(ppid)
			seen++
		case "Uid", "Gid": // real, effective, saved, filesystem
			ids := &acc.UIDs
			if key == "Gid" {
				ids = &acc.GIDs
			}
			if len(fields) != len(ids) {
				return p, acc, fmt.Errorf("%s/status: bad %s line %q", dir, key, line)
			}
			for i, f := range fields {
				id, err := strconv.ParseUint(f, 10, 32)
				if err != nil {
					return p, acc, fmt.Errorf("%s/status: %s %q: %w", dir, key, f, err)
				}
				ids[i] = uint32(id)
			}
			seen++
		}
	}
	if seen != 3 {
		return p, acc, fmt.Errorf("%s/status: no PPid, Uid or Gid line", dir)
	}
	p.Info.UID = acc.UIDs[1]
	if u, err := user.LookupId(strconv.FormatUint(uint64(p.Info.UID), 10)); err == nil {
		p.Info.User = u.Username
	}
	return p, acc, nil
}
