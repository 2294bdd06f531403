package render

import (
	"bufio"
	"strconv"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The modern table is the hot path of a listing (BenchmarkTable100k: 100k
// rows in a few tens of milliseconds). It is built in two passes. The
// first (addRow) formats every cell once into one shared byte arena,
// recording where each cell ends and whether its display width differs
// from its length, and keeps the widest cell of each column; the second
// (writeRows) writes the rows with padding into the buffered writer.
// There is no string per cell, no fmt, no text/tabwriter. The arena is
// indexed by uint32 with one flag bit, which limits a table to 2 GiB of
// cell text (some 20 million sockets).

// modernSep separates the columns of the modern table.
const modernSep = "  "

// column kinds of the modern table.
const (
	colProto = iota
	colRecvQ
	colSendQ
	colLocal
	colRemote
	colState
	colPID // PID or PID/Program
	colUser
	colInode
	colExe
)

// grid holds the formatted cells of a table, row by row.
type grid struct {
	kinds []int // the column kinds shown, in order
	arena []byte
	// ends holds where each cell ends in arena (a cell starts where the
	// previous one ended), with wideFlag set when its display width is
	// not its length in bytes.
	ends []uint32
	colw []int // widest cell (or heading) of each column
}

const wideFlag = 1 << 31

// endCell records the cell that ends at the arena's current length; ascii
// says its display width is its length in bytes.
func (g *grid) endCell(col, start int, ascii bool) {
	end := uint32(len(g.arena))
	w := len(g.arena) - start
	if !ascii {
		if tw := textWidth(g.arena[start:]); tw != w {
			w = tw
			end |= wideFlag
		}
	}
	g.ends = append(g.ends, end)
	if w > g.colw[col] {
		g.colw[col] = w
	}
}

// cell returns the text and display width of the cell that starts at
// start and whose entry in ends is e.
func (g *grid) cell(start, e uint32) ([]byte, int) {
	text := g.arena[start : e&^wideFlag]
	if e&wideFlag != 0 {
		return text, textWidth(text)
	}
	return text, len(text)
}

func writeModern(w *bufio.Writer, socks []sockets.Socket, o *Options) {
	kinds := []int{colProto, colRecvQ, colSendQ, colLocal, colRemote, colState}
	if o.ShowPID || o.ShowProgram {
		kinds = append(kinds, colPID)
	}
	if o.Extended {
		kinds = append(kinds, colUser, colInode)
	}
	if o.ShowExe {
		kinds = append(kinds, colExe)
	}
	g := &grid{
		kinds: kinds,
		arena: make([]byte, 0, 16*len(kinds)*len(socks)+64),
		ends:  make([]uint32, 0, len(kinds)*len(socks)),
		colw:  make([]int, len(kinds)),
	}
	lab := labelsFor(o.Lang)
	heads := make([]string, len(kinds))
	for c, k := range kinds {
		heads[c] = lab.modern[k]
		if k == colPID && !o.ShowProgram {
			heads[c] = lab.pid
		}
		g.colw[c] = textWidth([]byte(heads[c]))
	}
	for i := range socks {
		g.addRow(&socks[i], o)
	}
	line := g.appendHeadings(make([]byte, 0, rowBufSize), heads)
	w.Write(line)
	g.writeRows(w, line, socks, o.Color)
}

// appendHeadings appends the heading line, aligned as the cells are.
func (g *grid) appendHeadings(line []byte, heads []string) []byte {
	last := len(g.kinds) - 1
	for c, k := range g.kinds {
		hw := textWidth([]byte(heads[c]))
		if c > 0 {
			line = append(line, modernSep...)
		}
		switch {
		case rightAligned(k):
			line = appendPad(line, g.colw[c]-hw)
			line = append(line, heads[c]...)
		case c < last:
			line = append(line, heads[c]...)
			line = appendPad(line, g.colw[c]-hw)
		default:
			line = append(line, heads[c]...)
		}
	}
	return append(line, '\n')
}

// writeRows writes the rows of the table; line is a scratch buffer. A row
// with no colour and no cell wider or narrower than its bytes (nearly
// all) is laid into a line of blanks, one copy per cell at the column's
// offset; the others are appended cell by cell.
func (g *grid) writeRows(w *bufio.Writer, line []byte, socks []sockets.Socket, colored bool) {
	kinds := g.kinds
	ncol := len(kinds)
	offs := make([]int, ncol)
	width := 0
	for c := range kinds {
		offs[c] = width
		width += g.colw[c] + len(modernSep)
	}
	blank := appendPad(nil, width)
	start := uint32(0)
	for i := range socks {
		ends := g.ends[i*ncol : (i+1)*ncol]
		if colored || anyWide(ends) {
			color := ""
			if colored {
				color = stateColor(&socks[i])
			}
			line = g.appendRow(line[:0], start, ends, color)
		} else {
			line = append(line[:0], blank...)
			end := 0
			for c, e := range ends {
				text := g.arena[start:e]
				start = e
				off := offs[c]
				end = off + len(text)
				if rightAligned(kinds[c]) {
					off += g.colw[c] - len(text)
					end = offs[c] + g.colw[c]
				}
				copy(line[off:], text)
			}
			line = append(line[:end], '\n')
		}
		start = ends[ncol-1] &^ wideFlag
		w.Write(line)
	}
}

func anyWide(ends []uint32) bool {
	for _, e := range ends {
		if e&wideFlag != 0 {
			return true
		}
	}
	return false
}

// appendRow appends one row cell by cell, padding by display width and
// colouring the state; start is where its first cell begins in the arena.
func (g *grid) appendRow(line []byte, start uint32, ends []uint32, color string) []byte {
	last := len(g.kinds) - 1
	for c, k := range g.kinds {
		text, cw := g.cell(start, ends[c])
		start = ends[c] &^ wideFlag
		if c > 0 {
			line = append(line, modernSep...)
		}
		switch {
		case rightAligned(k):
			line = appendPad(line, g.colw[c]-cw)
			line = append(line, text...)
		case k == colState:
			pad := g.colw[c]
			if c == last {
				pad = cw
			}
			line = appendColored(line, color, text, cw, pad)
		case c < last:
			line = append(line, text...)
			line = appendPad(line, g.colw[c]-cw)
		default:
			line = append(line, text...)
		}
	}
	return append(line, '\n')
}

func rightAligned(kind int) bool {
	return kind == colRecvQ || kind == colSendQ || kind == colInode
}

// addRow formats the cells of one socket.
func (g *grid) addRow(s *sockets.Socket, o *Options) {
	for c, k := range g.kinds {
		start := len(g.arena)
		ascii := true
		switch k {
		case colProto:
			g.arena = appendModernProto(g.arena, s)
		case colRecvQ:
			g.arena = appendUint(g.arena, uint64(s.RecvQ))
		case colSendQ:
			g.arena = appendUint(g.arena, uint64(s.SendQ))
		case colLocal:
			if s.Family == sockets.Local {
				g.arena, ascii = appendUnixName(g.arena, s.Path)
			} else {
				g.arena, ascii = appendModernEndpoint(g.arena, s, s.Local, false, o)
			}
		case colRemote:
			if s.Family == sockets.Local {
				g.arena, ascii = appendUnixName(g.arena, s.PeerPath)
			} else {
				g.arena, ascii = appendModernEndpoint(g.arena, s, s.Remote, true, o)
			}
		case colState:
			g.arena = append(g.arena, s.StateName()...)
		case colPID:
			g.arena, ascii = appendHolders(g.arena, s, o.ShowProgram)
		case colUser:
			if name := userName(s); name != "" {
				g.arena, _ = appendSafe(g.arena, name)
				ascii = false
			} else {
				g.arena = strconv.AppendUint(g.arena, uint64(s.UID), 10)
			}
		case colInode:
			g.arena = strconv.AppendUint(g.arena, s.Inode, 10)
		case colExe:
			g.arena = appendExes(g.arena, s)
			ascii = false
		}
		g.endCell(c, start, ascii)
	}
}

// appendModernProto appends the protocol as the modern table names it:
// tcp, tcp6, udp, udp6, udplite, udplite6, mptcp, mptcp6, raw, raw6, and
// unix/stream, unix/dgram, unix/seqpacket.
func appendModernProto(b []byte, s *sockets.Socket) []byte {
	b = append(b, s.Proto.String()...)
	switch s.Family {
	case sockets.Inet6:
		b = append(b, '6')
	case sockets.Local:
		if t := s.Type.String(); t != "" {
			b = append(b, '/')
			b = append(b, t...)
		}
	}
	return b
}

// appendUnixName appends a unix socket address: its path, its abstract
// name ("@..."), or "*" when it has none.
func appendUnixName(b []byte, p string) ([]byte, bool) {
	if p == "" {
		return append(b, '*'), true
	}
	b, _ = appendSafe(b, p)
	return b, false
}

// appendHolders appends every holder of s as "PID/name" (withName) or
// "PID", separated by commas, or "-" when no process holds it.
func appendHolders(b []byte, s *sockets.Socket, withName bool) ([]byte, bool) {
	if len(s.Processes) == 0 {
		return append(b, '-'), true
	}
	for i := range s.Processes {
		p := &s.Processes[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(p.PID), 10)
		if withName {
			b = append(b, '/')
			b, _ = appendSafe(b, p.Name)
		}
	}
	return b, !withName
}

// appendExes appends the distinct executables of the holders of s,
// separated by commas, each marked " (deleted)" when the file is gone, or
// "-" when none is known.
func appendExes(b []byte, s *sockets.Socket) []byte {
	start := len(b)
	for i := range s.Processes {
		p := &s.Processes[i]
		if p.Exe == "" || seenExe(s.Processes[:i], p) {
			continue
		}
		if len(b) > start {
			b = append(b, ',')
		}
		b, _ = appendSafe(b, p.Exe)
		if p.ExeDeleted {
			b = append(b, " (deleted)"...)
		}
	}
	if len(b) == start {
		b = append(b, '-')
	}
	return b
}

// seenExe reports whether an earlier holder has p's executable.
func seenExe(earlier []sockets.Process, p *sockets.Process) bool {
	for i := range earlier {
		if earlier[i].Exe == p.Exe && earlier[i].ExeDeleted == p.ExeDeleted {
			return true
		}
	}
	return false
}
