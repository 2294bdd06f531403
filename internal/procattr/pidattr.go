package procattr

import "github.com/sockscope/sockscope/internal/sockets"

// pidTable attributes the sockets of a source that reports each socket's
// owning PID itself, as Windows' tables do: there is nothing to match by
// inode, only the processes' data to fill in. It holds the process
// snapshot taken by scan (PID, parent and image name of every process,
// which needs no privilege) and, with Options.Details, the function that
// loads what needs a handle to the process (exe path, command line, user).
//
// It has no build tags: the Windows scan builds one, and tests build one
// by hand with a fake load.
type pidTable struct {
	// procs are the processes of the snapshot, by PID.
	procs map[int32]*sockets.ProcessInfo
	// load fills Exe, Cmdline and User of p, whose PID, PPID and Name are
	// set; nil when details were not asked for. It returns errDenied when
	// the process may not be opened (another user's, without
	// elevation), any other error when it is gone or cannot be read.
	load func(p *sockets.ProcessInfo) error
}

// errDenied is what a pidTable's load returns for a process it may not
// open.
var errDenied = deniedError{}

type deniedError struct{}

func (deniedError) Error() string { return "access denied" }

// attribute completes the ProcessInfo of every holder the source gave
// socks. The source's ProcessInfo carries the PID, and the service as
// Unit where it named one (one ProcessInfo per PID and service, shared by
// those sockets); attribute copies in the process's data, loaded once per
// PID, and keeps the service. A PID missing from the snapshot (a process
// started after it) is loaded all the same; one that cannot be loaded
// keeps what the source gave. Sockets without a holder (PID 0: TIME_WAIT,
// the idle process) stay without.
//
// Result.Unreadable counts the processes load was denied and
// Result.Unattributed the sockets they hold, whose executable stays
// unknown; Result.Processes is the size of the snapshot.
func (t *pidTable) attribute(socks []sockets.Socket) Result {
	res := Result{Processes: len(t.procs)}
	loaded := make(map[int32]*sockets.ProcessInfo)
	denied := make(map[int32]bool)
	filled := make(map[*sockets.ProcessInfo]bool)
	for i := range socks {
		unseen := false
		for _, h := range socks[i].Processes {
			p := h.Info
			if p == nil {
				continue
			}
			if !filled[p] {
				filled[p] = true
				full, ok := loaded[p.PID]
				if !ok {
					full = t.loadPID(p.PID, denied)
					loaded[p.PID] = full
				}
				if full != nil {
					unit := p.Unit
					*p = *full
					if unit != "" {
						p.Unit = unit
					}
				}
			}
			unseen = unseen || denied[p.PID]
		}
		if unseen {
			res.Unattributed++
		}
	}
	res.Unreadable = len(denied)
	return res
}

// loadPID returns the data of process pid: the snapshot's, completed by
// load if there is one, or nil if the snapshot lacks it and load cannot
// read it. A denied load is recorded in denied.
func (t *pidTable) loadPID(pid int32, denied map[int32]bool) *sockets.ProcessInfo {
	base := t.procs[pid]
	if t.load == nil {
		return base
	}
	full := &sockets.ProcessInfo{PID: pid, UID: sockets.NoUID}
	if base != nil {
		*full = *base
	}
	switch err := t.load(full); {
	case err == errDenied:
		denied[pid] = true
	case err != nil && base == nil:
		return nil
	}
	return full
}
