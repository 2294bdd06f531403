package procattr

import (
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// TestHoldersNil: the Holders of a failed Scan leave the sockets alone.
func TestHoldersNil(t *testing.T) {
	socks := []sockets.Socket{{Inode: 1, Processes: []sockets.Process{proc(sockets.ProcessInfo{PID: 7}, 3)}}}
	var h *Holders
	if res := h.Attribute(socks); res != (Result{}) || len(socks[0].Processes) != 1 {
		t.Errorf("nil Holders: result %+v, processes %s; want a zero Result, socks unchanged", res, showProcs(socks[0].Processes))
	}
}

// TestHoldersEmpty: Holders without entries clear stale lists and count
// Unattributed if some process was unreadable.
func TestHoldersEmpty(t *testing.T) {
	socks := []sockets.Socket{
		{State: sockets.Listen, Inode: 1, Processes: []sockets.Process{proc(sockets.ProcessInfo{PID: 7}, 3)}},
		{State: sockets.TimeWait},
	}
	h := &Holders{res: Result{Processes: 3, Unreadable: 1}}
	if res := h.Attribute(socks); res != (Result{Processes: 3, Unreadable: 1, Unattributed: 1}) || socks[0].Processes != nil {
		t.Errorf("result %+v, processes %s; want Unattributed 1 and no processes", res, showProcs(socks[0].Processes))
	}
}

// TestHoldersAdd: the processes of added Holders keep their entries, and
// a socket both saw lists the holders of both, sorted by PID.
func TestHoldersAdd(t *testing.T) {
	a := &Holders{procs: []*sockets.ProcessInfo{{PID: 50}}, ents: [][]entry{{{ino: 1, proc: 0, fd: 3}}}, res: Result{Processes: 1}}
	b := &Holders{procs: []*sockets.ProcessInfo{nil, {PID: 9}}, ents: [][]entry{{{ino: 1, proc: 1, fd: 4}, {ino: 2, proc: 1, fd: 5}}}, res: Result{Processes: 2, Unreadable: 1}}
	a.add(b)
	socks := []sockets.Socket{{State: sockets.Listen, Inode: 1}, {State: sockets.Listen, Inode: 2}, {State: sockets.Listen, Inode: 3}}
	res := a.Attribute(socks)
	if got := showProcs(socks[0].Processes); got != showProcs([]sockets.Process{proc(sockets.ProcessInfo{PID: 9}, 4), proc(sockets.ProcessInfo{PID: 50}, 3)}) {
		t.Errorf("inode 1: %s, want PIDs 9 (fd 4) and 50 (fd 3)", got)
	}
	if len(socks[1].Processes) != 1 || socks[1].Processes[0].Info.PID != 9 || socks[1].Processes[0].FD != 5 {
		t.Errorf("inode 2: %s, want PID 9 on fd 5", showProcs(socks[1].Processes))
	}
	if res != (Result{Processes: 3, Unreadable: 1, Unattributed: 1}) {
		t.Errorf("result %+v", res)
	}
}
