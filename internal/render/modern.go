package render

import (
	"bufio"
	"iter"
	"net/netip"
	"strconv"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/textwidth"
)

// The modern table is the hot path of a listing (BenchmarkTable100k: 100k
// rows in a few tens of milliseconds). Columns are as wide as their widest
// cell, so the table takes two passes over the sockets, and its memory
// does not grow with the number of rows (nothing is kept per row or per
// cell): the first pass (measure) keeps only the widest cell of each
// column, counting the width of the common cells (numbers, states, numeric
// IPv4 endpoints, holders) and formatting the others into one reused
// scratch buffer; the second (writeRows) formats each row straight into
// one reused line with its padding and writes it to the buffered writer.
// Formatting twice costs less than keeping every cell of a large table
// (some 14 MB at 100k rows). There is no string per cell, no fmt, no
// text/tabwriter.
//
// Both passes must arrive at the same widths: the counting functions
// mirror the formatting ones, and the Namer, asked in both passes, is
// deterministic within one Write. (Were it not, the table would only be
// misaligned.)

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
	colTimer
	colNetNS // last: labels.modern is sized by it
)

// modernTable is the layout of one modern table: its columns and their
// widths.
type modernTable struct {
	kinds []int // the column kinds shown, in order
	colw  []int // widest cell (or heading) of each column
	o     *Options
}

func writeModern(w *bufio.Writer, rows iter.Seq[*sockets.Socket], o *Options) {
	kinds := []int{colProto, colRecvQ, colSendQ, colLocal, colRemote, colState}
	if o.NetNSColumn {
		kinds = append([]int{colNetNS}, kinds...)
	}
	if o.ShowPID || o.ShowProgram {
		kinds = append(kinds, colPID)
	}
	if o.Extended {
		kinds = append(kinds, colUser, colInode)
	}
	if o.Timers {
		kinds = append(kinds, colTimer)
	}
	if o.ShowExe {
		kinds = append(kinds, colExe)
	}
	t := &modernTable{kinds: kinds, colw: make([]int, len(kinds)), o: o}
	lab := labelsFor(o.Lang)
	heads := make([]string, len(kinds))
	for c, k := range kinds {
		heads[c] = lab.modern[k]
		if k == colPID && !o.ShowProgram {
			heads[c] = lab.pid
		}
		t.colw[c] = textwidth.String(heads[c])
	}
	if lab.modernTitle != "" && !o.NoHeader {
		w.WriteString(lab.modernTitle + "\n\n")
	}
	line := make([]byte, 0, rowBufSize)
	line = t.measure(line, rows)
	if !o.NoHeader {
		line = t.appendHeadings(line[:0], heads)
		w.Write(line)
	}
	t.writeRows(w, line, rows)
}

// measure is the first pass, on the hot path: it widens colw to fit every
// cell, counting a cell's width where it can and else formatting the cell
// into scratch, reused from cell to cell. It returns scratch, grown.
func (t *modernTable) measure(scratch []byte, rows iter.Seq[*sockets.Socket]) []byte {
	colw := t.colw
	for s := range rows {
		for c, k := range t.kinds {
			cw := -1
			switch k {
			case colRecvQ, colSendQ, colInode:
				cw = decimalLen(cellNumber(k, s))
			case colState:
				cw = len(s.StateName())
			case colLocal:
				cw = t.inet4Width(s, s.Local, false)
			case colRemote:
				cw = t.inet4Width(s, s.Remote, true)
			case colPID:
				scratch, cw = holdersWidth(scratch, s, t.o.ShowProgram)
			}
			if cw < 0 {
				scratch, cw = t.appendCell(scratch[:0], k, s)
			}
			if cw > colw[c] {
				colw[c] = cw
			}
		}
	}
	return scratch
}

// decimalLen returns the number of decimal digits of v.
func decimalLen(v uint64) int {
	n := 1
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}

// inet4Width returns the width of the cell appendModernEndpoint makes of
// ap, counted rather than formatted, when it is a numeric IPv4 endpoint
// (no namer) or "*:*"; -1 for any other, which measure formats.
func (t *modernTable) inet4Width(s *sockets.Socket, ap netip.AddrPort, remote bool) int {
	if s.Family == sockets.Local {
		return -1
	}
	a, port := ap.Addr(), ap.Port()
	if remote && port == 0 && (!a.IsValid() || a.IsUnspecified()) {
		return len("*:*")
	}
	if t.o.Namer != nil || !a.Is4() {
		return -1
	}
	a4 := a.As4()
	w := len(octets[a4[0]]) + len(octets[a4[1]]) + len(octets[a4[2]]) + len(octets[a4[3]]) + len("...:")
	if s.Zone != 0 && (!remote || isLinkLocal(a)) { // as appendModernEndpoint
		w += 1 + decimalLen(uint64(s.Zone))
	}
	return w + decimalLen(uint64(port)) // port 0 prints as "*", as wide
}

// holdersWidth returns the width of the cell appendHolders makes, counting
// the PIDs; scratch holds the escaped names on the way.
func holdersWidth(scratch []byte, s *sockets.Socket, withName bool) ([]byte, int) {
	if len(s.Processes) == 0 {
		return scratch, 1
	}
	w := len(s.Processes) - 1 // the commas
	for i := range s.Processes {
		p := &s.Processes[i]
		if p.Info.PID < 0 {
			w += 1 + decimalLen(uint64(-int64(p.Info.PID))) // with the sign
		} else {
			w += decimalLen(uint64(p.Info.PID))
		}
		if withName {
			var nw int
			scratch, nw = appendSafe(scratch[:0], p.Info.Name)
			w += 1 + nw
		}
	}
	return scratch, w
}

// appendHeadings appends the heading line, aligned as the cells are.
func (t *modernTable) appendHeadings(line []byte, heads []string) []byte {
	last := len(t.kinds) - 1
	for c, k := range t.kinds {
		hw := textwidth.String(heads[c])
		if c > 0 {
			line = append(line, modernSep...)
		}
		switch {
		case rightAligned(k):
			line = appendPad(line, t.colw[c]-hw)
			line = append(line, heads[c]...)
		case c < last:
			line = append(line, heads[c]...)
			line = appendPad(line, t.colw[c]-hw)
		default:
			line = append(line, heads[c]...)
		}
	}
	return append(line, '\n')
}

// writeRows is the second pass, on the hot path: it formats each row into
// line (a scratch buffer, reused from row to row) with its padding and
// writes it.
func (t *modernTable) writeRows(w *bufio.Writer, line []byte, rows iter.Seq[*sockets.Socket]) {
	for s := range rows {
		line = t.appendRow(line[:0], s)
		w.Write(line)
	}
}

// appendRow appends one row, its cells padded by display width to the
// column widths measure found, and the state coloured when asked.
func (t *modernTable) appendRow(line []byte, s *sockets.Socket) []byte {
	last := len(t.kinds) - 1
	for c, k := range t.kinds {
		if c > 0 {
			line = append(line, modernSep...)
		}
		if k == colState && t.o.Color {
			// The colour codes take no columns: pad by the name alone.
			name := s.StateName()
			if color := stateColor(s); color != "" && name != "" {
				line = append(line, color...)
				line = append(line, name...)
				line = append(line, colorReset...)
			} else {
				line = append(line, name...)
			}
			if c < last {
				line = appendPad(line, t.colw[c]-len(name))
			}
			continue
		}
		if rightAligned(k) {
			v := cellNumber(k, s)
			line = appendPad(line, t.colw[c]-decimalLen(v))
			line = appendUint(line, v)
			continue
		}
		var cw int
		line, cw = t.appendCell(line, k, s)
		if c < last {
			line = appendPad(line, t.colw[c]-cw)
		}
	}
	line = append(line, '\n')
	if t.o.Info || t.o.Memory {
		line = t.appendInternals(line, s)
	}
	return line
}

// appendInternals appends, on an indented line of its own, what --info
// and --memory show of s: ss -i's and ss -m's text, negotiated options
// included, as ss -e prints them; nothing when the socket has none.
func (t *modernTable) appendInternals(line []byte, s *sockets.Socket) []byte {
	o := SSInfoOptions{Info: t.o.Info, Memory: t.o.Memory, Options: true, Numeric: t.o.Namer == nil}
	if !SSInfoLine(s, o) {
		return line
	}
	start := len(line)
	line = append(line, modernSep...)
	text := len(line)
	line = AppendSSInfo(line, s, o)
	if len(line) == text {
		return line[:start]
	}
	if line[text] == ' ' { // every item of ss's text starts with one
		line = append(line[:text], line[text+1:]...)
	}
	return append(line, '\n')
}

// rightAligned reports the columns of numbers, those cellNumber gives.
func rightAligned(kind int) bool {
	return kind == colRecvQ || kind == colSendQ || kind == colInode
}

// cellNumber returns the number in a right-aligned cell of s.
func cellNumber(kind int, s *sockets.Socket) uint64 {
	switch kind {
	case colRecvQ:
		return uint64(s.RecvQ)
	case colSendQ:
		return uint64(s.SendQ)
	}
	return s.Inode
}

// appendCell appends the text of one cell of s and returns its display
// width.
func (t *modernTable) appendCell(b []byte, k int, s *sockets.Socket) ([]byte, int) {
	start := len(b)
	dw := 0 // display width less length, of the escaped text
	switch k {
	case colProto:
		b = appendModernProto(b, s)
	case colRecvQ, colSendQ, colInode:
		b = appendUint(b, cellNumber(k, s))
	case colLocal:
		if s.Family == sockets.Local {
			b, dw = appendUnixName(b, s.Path)
		} else {
			b, dw = appendModernEndpoint(b, s, s.Local, false, t.o)
		}
	case colRemote:
		if s.Family == sockets.Local {
			b, dw = appendUnixName(b, s.PeerPath)
		} else {
			b, dw = appendModernEndpoint(b, s, s.Remote, true, t.o)
		}
	case colState:
		b = append(b, s.StateName()...)
	case colPID:
		b, dw = appendHolders(b, s, t.o.ShowProgram)
	case colUser:
		if name := userName(s, t.o); name != "" {
			b, dw = appendSafeDW(b, name)
		} else {
			b = appendUID(b, s.UID)
		}
	case colExe:
		b = appendExes(b, s)
		return b, textwidth.Bytes(b[start:])
	case colTimer:
		if s.Family == sockets.Local {
			b = append(b, '-')
		} else {
			b = appendTimer(b, s)
		}
	case colNetNS:
		b, dw = appendNetNSCell(b, s.NetNS, t.o)
	}
	return b, len(b) - start + dw
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
// name ("@..."), or "*" when it has none. It returns the display width
// of what it appended less its length in bytes, as appendSafeDW does.
func appendUnixName(b []byte, p string) ([]byte, int) {
	if p == "" {
		return append(b, '*'), 0
	}
	return appendSafeDW(b, p)
}

// appendHolders appends every holder of s as "PID/name" (withName) or
// "PID", separated by commas, or "-" when no process holds it. It
// returns the display width of what it appended less its length in
// bytes, as appendSafeDW does.
func appendHolders(b []byte, s *sockets.Socket, withName bool) ([]byte, int) {
	if len(s.Processes) == 0 {
		return append(b, '-'), 0
	}
	dw := 0
	for i := range s.Processes {
		p := &s.Processes[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(p.Info.PID), 10)
		if withName {
			b = append(b, '/')
			var ndw int
			b, ndw = appendSafeDW(b, p.Info.Name)
			dw += ndw
		}
	}
	return b, dw
}

// appendExes appends the distinct executables of the holders of s,
// separated by commas, each marked " (deleted)" when the file is gone, or
// "-" when none is known.
func appendExes(b []byte, s *sockets.Socket) []byte {
	start := len(b)
	for i := range s.Processes {
		p := &s.Processes[i]
		if p.Info.Exe == "" || seenExe(s.Processes[:i], p) {
			continue
		}
		if len(b) > start {
			b = append(b, ',')
		}
		b, _ = appendSafe(b, p.Info.Exe)
		if p.Info.ExeDeleted {
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
		if earlier[i].Info.Exe == p.Info.Exe && earlier[i].Info.ExeDeleted == p.Info.ExeDeleted {
			return true
		}
	}
	return false
}
