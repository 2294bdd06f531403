package procattr

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// TestMerge checks that merge's result does not depend on how hits were
// spread among workers or in what order they came.
func TestMerge(t *testing.T) {
	procs := []*sockets.ProcessInfo{
		{PID: 10, Name: "a"},
		nil, // exited: its hits are dropped
		{PID: 30, Name: "c", Cmdline: []string{"c", "-x"}},
		{PID: 40, Name: "d"},
	}
	a := sockets.ProcessInfo{PID: 10, Name: "a"}
	c := sockets.ProcessInfo{PID: 30, Name: "c", Cmdline: []string{"c", "-x"}}
	d := sockets.ProcessInfo{PID: 40, Name: "d"}
	want := [][]sockets.Process{
		{proc(a, 3), proc(c, 4)},
		nil,
		{proc(d, 9)},
		{proc(a, 5), proc(c, 2), proc(d, 1)},
	}
	all := []hit{
		{sock: 0, proc: 2, fd: 4}, {sock: 0, proc: 0, fd: 3}, {sock: 0, proc: 0, fd: 8}, {sock: 0, proc: 1, fd: 3},
		{sock: 1, proc: 1, fd: 5},
		{sock: 2, proc: 3, fd: 9},
		{sock: 3, proc: 3, fd: 1}, {sock: 3, proc: 2, fd: 7}, {sock: 3, proc: 2, fd: 2}, {sock: 3, proc: 0, fd: 5},
	}
	splits := [][][]hit{
		{all},
		{all[:3], all[3:]},
		{all[7:], nil, all[:7]},
		{{all[9], all[2]}, {all[5], all[0], all[4]}, {all[8], all[1], all[3], all[7], all[6]}},
	}
	for i, hits := range splits {
		socks := make([]sockets.Socket, len(want))
		socks[1].Processes = []sockets.Process{proc(sockets.ProcessInfo{PID: 99}, 0)} // stale: cleared
		merge(socks, procs, hits)
		for s := range socks {
			if !reflect.DeepEqual(socks[s].Processes, want[s]) {
				t.Errorf("split %d: socket %d:\n got %s\nwant %s", i, s, showProcs(socks[s].Processes), showProcs(want[s]))
			}
		}
		if &socks[0].Processes[1].Cmdline[0] != &procs[2].Cmdline[0] {
			t.Errorf("split %d: Cmdline copied", i)
		}
		if socks[0].Processes[1].ProcessInfo != procs[2] || socks[3].Processes[1].ProcessInfo != procs[2] {
			t.Errorf("split %d: ProcessInfo copied", i)
		}
	}
}

func TestUnattributed(t *testing.T) {
	held := []sockets.Process{proc(sockets.ProcessInfo{PID: 1}, 0)}
	socks := []sockets.Socket{
		{State: sockets.Established, Inode: 1},                                 // counted
		{State: sockets.Listen, Inode: 2},                                      // counted
		{State: sockets.Close, Inode: 3, Proto: sockets.UDP},                   // counted
		{State: sockets.Established, Inode: 4, Processes: held},                // attributed
		{State: sockets.TimeWait, Inode: 5},                                    // kernel's
		{State: sockets.SynRecv, Inode: 6},                                     // kernel's
		{State: sockets.NewSynRecv, Inode: 7},                                  // kernel's
		{State: sockets.FinWait2},                                              // orphan: no inode
		{State: sockets.Established, Inode: 8, Processes: []sockets.Process{}}, // empty list: counted
	}
	if got := unattributed(socks); got != 4 {
		t.Errorf("unattributed = %d, want 4", got)
	}
}

// proc returns a Process with its own copy of info.
func proc(info sockets.ProcessInfo, fd int32) sockets.Process {
	return sockets.Process{ProcessInfo: &info, FD: fd}
}

// showProcs formats ps for failure messages, with each ProcessInfo's
// contents instead of its address.
func showProcs(ps []sockets.Process) string {
	if ps == nil {
		return "nil"
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(' ')
		}
		if p.ProcessInfo == nil {
			fmt.Fprintf(&b, "{<nil> FD:%d}", p.FD)
		} else {
			fmt.Fprintf(&b, "{%+v FD:%d}", *p.ProcessInfo, p.FD)
		}
	}
	b.WriteByte(']')
	return b.String()
}
