package procattr

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/sockscope/sockscope/internal/errs"
)

// The records the kernel's task_file iterator program writes (iter_linux.go),
// in native byte order. A process record comes before the socket records
// of its descriptors:
//
//	process: kind=1 u32, tgid u32, start u64 (ns since boot), comm [16]byte
//	socket:  kind=2 u32, fd u32, inode u64
const (
	iterKindProc = 1
	iterKindSock = 2
	iterProcSize = 32
	iterSockSize = 16
	// iterBlock is the number of entries of a block (64 KiB).
	iterBlock = 4096
)

// iterProc is a process as the iterator saw it.
type iterProc struct {
	pid   int32
	start uint64 // the thread group leader's start_boottime, in ns
	comm  string
}

// iterDecoder decodes the iterator's records as they are read. Its
// result has the shape of a walk's: processes by index, entries pointing
// to those indices.
type iterDecoder struct {
	procs []iterProc
	// ents are the entries in blocks of iterBlock, never copied as they
	// grow (100k sockets would leave 2 MB of garbage behind).
	ents  [][]entry
	cur   int32           // index of the process the next socket records belong to; -1 none
	index map[int32]int32 // pid -> index: a thread with its own fd table repeats its process
}

func newIterDecoder() *iterDecoder {
	return &iterDecoder{cur: -1, index: make(map[int32]int32, 512)}
}

// feed decodes the whole records at the start of b and returns how many
// bytes they took; the rest (a record cut by the read) is to be fed again
// with what follows. It returns an error wrapping errs.ErrMalformed for a
// record of unknown kind, a socket record before any process record, or
// a negative PID or fd.
func (d *iterDecoder) feed(b []byte) (int, error) {
	ne := binary.NativeEndian
	off := 0
	for len(b)-off >= 4 {
		switch kind := ne.Uint32(b[off:]); kind {
		case iterKindProc:
			if len(b)-off < iterProcSize {
				return off, nil
			}
			r := b[off : off+iterProcSize]
			pid := int32(ne.Uint32(r[4:]))
			if pid <= 0 {
				return off, fmt.Errorf("%w: task_file iterator: process record with PID %d", errs.ErrMalformed, pid)
			}
			i, ok := d.index[pid]
			if !ok {
				i = int32(len(d.procs))
				d.index[pid] = i
				comm := r[16:32]
				if n := bytes.IndexByte(comm, 0); n >= 0 {
					comm = comm[:n]
				}
				d.procs = append(d.procs, iterProc{pid: pid, start: ne.Uint64(r[8:]), comm: string(comm)})
			}
			d.cur = i
			off += iterProcSize
		case iterKindSock:
			if len(b)-off < iterSockSize {
				return off, nil
			}
			r := b[off : off+iterSockSize]
			fd := int32(ne.Uint32(r[4:]))
			if d.cur < 0 || fd < 0 {
				return off, fmt.Errorf("%w: task_file iterator: socket record (fd %d) without its process", errs.ErrMalformed, fd)
			}
			if n := len(d.ents); n == 0 || len(d.ents[n-1]) == cap(d.ents[n-1]) {
				d.ents = append(d.ents, make([]entry, 0, iterBlock))
			}
			last := &d.ents[len(d.ents)-1]
			*last = append(*last, entry{ino: ne.Uint64(r[8:]), proc: d.cur, fd: fd})
			off += iterSockSize
		default:
			return off, fmt.Errorf("%w: task_file iterator: record of kind %d", errs.ErrMalformed, kind)
		}
	}
	return off, nil
}

// finish returns the processes sorted by PID, as a walk's PID list is
// (unseenPIDs relies on it), with the entries' indices remapped to match.
func (d *iterDecoder) finish() ([]iterProc, [][]entry) {
	if slices.IsSortedFunc(d.procs, func(a, b iterProc) int { return cmp.Compare(a.pid, b.pid) }) {
		return d.procs, d.ents
	}
	order := make([]int32, len(d.procs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(d.procs[a].pid, d.procs[b].pid) })
	sorted := make([]iterProc, len(d.procs))
	newIndex := make([]int32, len(d.procs))
	for to, from := range order {
		sorted[to] = d.procs[from]
		newIndex[from] = int32(to)
	}
	for _, es := range d.ents {
		for i := range es {
			es[i].proc = newIndex[es[i].proc]
		}
	}
	return sorted, d.ents
}
