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
