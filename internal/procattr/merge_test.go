package procattr

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// TestMerge checks that merge's result does not depend on how entries
// were spread among workers or in what order they came, and that it
// handles an inode listed twice and inodes not among the sockets.
func TestMerge(t *testing.T) {
	procs := []*sockets.ProcessInfo{
		{PID: 10, Name: "a"},
		nil, // exited: its entries are dropped
		{PID: 30, Name: "c", Cmdline: []string{"c", "-x"}},
		{PID: 40, Name: "d"},
	}
	// a holds socket 100 on fds 3 and 8, c socket 103 on 2 and 7: the
	// lowest is the entry's, the others in MoreFDs.
	a := sockets.ProcessInfo{PID: 10, Name: "a", MoreFDs: map[uint64][]int32{100: {8}}}
	c := sockets.ProcessInfo{PID: 30, Name: "c", Cmdline: []string{"c", "-x"}, MoreFDs: map[uint64][]int32{103: {7}}}
	d := sockets.ProcessInfo{PID: 40, Name: "d"}
	want := [][]sockets.Process{
		{proc(a, 3), proc(c, 4)},
		nil,
		{proc(d, 9)},
		{proc(a, 5), proc(c, 2), proc(d, 1)},
		nil,          // no inode
		{proc(d, 9)}, // listed twice
	}
	inodes := []uint64{100, 101, 102, 103, 0, 102}
	all := []entry{
		{ino: 100, proc: 2, fd: 4}, {ino: 100, proc: 0, fd: 3}, {ino: 100, proc: 0, fd: 8}, {ino: 100, proc: 1, fd: 3},
		{ino: 101, proc: 1, fd: 5},
		{ino: 102, proc: 3, fd: 9},
		{ino: 103, proc: 3, fd: 1}, {ino: 103, proc: 2, fd: 7}, {ino: 103, proc: 2, fd: 2}, {ino: 103, proc: 0, fd: 5},
		{ino: 999, proc: 0, fd: 6}, // not among the sockets
	}
	splits := [][][]entry{
		{all},
		{all[:3], all[3:]},
		{all[7:], nil, all[:7]},
		{{all[9], all[2]}, {all[5], all[0], all[10], all[4]}, {all[8], all[1], all[3], all[7], all[6]}},
	}
	for i, ents := range splits {
		socks := make([]sockets.Socket, len(want))
		for s := range socks {
			socks[s].Inode = inodes[s]
		}
		socks[1].Processes = []sockets.Process{proc(sockets.ProcessInfo{PID: 99}, 0)} // stale: cleared
		merge(socks, newInodeIndex(socks), procs, ents)
		for s := range socks {
			if !reflect.DeepEqual(socks[s].Processes, want[s]) {
				t.Errorf("split %d: socket %d:\n got %s\nwant %s", i, s, showProcs(socks[s].Processes), showProcs(want[s]))
			}
		}
		if &socks[0].Processes[1].Info.Cmdline[0] != &procs[2].Cmdline[0] {
			t.Errorf("split %d: Cmdline copied", i)
		}
		if socks[0].Processes[1].Info != procs[2] || socks[3].Processes[1].Info != procs[2] {
			t.Errorf("split %d: ProcessInfo copied", i)
		}
	}
	// No entries: no index needed, stale lists cleared.
	socks := []sockets.Socket{{Inode: 5, Processes: []sockets.Process{proc(a, 1)}}}
	merge(socks, nil, nil, nil)
	if socks[0].Processes != nil {
		t.Errorf("without entries: %s, want nil", showProcs(socks[0].Processes))
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
	return sockets.Process{Info: &info, FD: fd}
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
		if p.Info == nil {
			fmt.Fprintf(&b, "{<nil> FD:%d}", p.FD)
		} else {
			fmt.Fprintf(&b, "{%+v FD:%d}", *p.Info, p.FD)
		}
	}
	b.WriteByte(']')
	return b.String()
}
