package ssmode

import (
	"encoding/binary"
	"io"
	"iter"

	"github.com/sockscope/sockscope/internal/sockets"
)

// columns: ss's alignment, left delimiter and header of each column.
var columns = [numCols]struct {
	right  bool
	ldelim string
	header string
}{
	colNetid: {false, "", "Netid"},
	colState: {false, " ", "State"},
	colRecvQ: {false, " ", "Recv-Q"},
	colSendQ: {false, " ", "Send-Q"},
	colAddr:  {true, " ", "Local Address:"},
	colServ:  {false, "", "Port"},
	colRAddr: {true, " ", "Peer Address:"},
	colRServ: {false, "", "Port"},
	colExt:   {false, "", "Process"},
	colProc:  {false, "", ""},
}

// ss keeps its output in a chain of 1 MiB chunks of length-prefixed
// fields and renders (measuring the columns again) whenever a row starts
// with bufChunksMax chunks in use, so that a listing larger than a few
// megabytes is laid out in parts, each with the widths of everything
// seen until then.
const (
	bufChunk     = 1 << 20
	chunkData    = bufChunk - 16 // the chunk's header: two pointers
	bufChunksMax = 5
)

// chunks emulates the accounting of ss's output buffer.
type chunks struct {
	n       int  // chunks allocated since the last render
	used    int  // bytes used in the current chunk
	curLen  int  // length of the current field
	atStart bool // the current field is the chunk's first
}

func (c *chunks) newChunk() {
	c.n++
	c.used = 2
	c.atStart = true
}

// write accounts for n bytes appended to the current field.
func (c *chunks) write(n int) {
	if c.n == 0 {
		c.newChunk()
		c.curLen = 0
	}
	if n == 0 {
		return
	}
	if n < chunkData-c.used || c.atStart {
		c.used += n
		c.curLen += n
		return
	}
	// ss moves the field to a new chunk and writes again.
	c.n++
	c.used = 2 + c.curLen + n
	c.curLen += n
	c.atStart = true
}

// flush accounts for the end of the current field.
func (c *chunks) flush() {
	if c.n == 0 {
		c.newChunk()
		c.curLen = 0
	}
	pad := c.curLen % 2
	if chunkData-c.used-pad < 2 {
		c.newChunk()
		c.curLen = 0
		return
	}
	c.used += pad + 2
	c.curLen = 0
	c.atStart = false
}

// A batch is the rows ss renders together: those before row end (and
// after the previous batch), with the column lengths measured when it is
// rendered.
type batch struct {
	end    int
	maxLen [numCols]int
}

// A Table lays sockets out as ss 6.1 does. Measure every socket, in the
// order they are to be shown, then Header and AppendRow each again in
// the same order: the widths of a row depend on the rows before and
// after it, as in ss.
type Table struct {
	o       *Options
	enabled [numCols]bool
	screen  int // the terminal's width, -1 when not a terminal
	w       rowWriter

	// measuring
	buf     chunks
	maxLen  [numCols]int
	rows    int
	batches []batch
	lastExt int // the length of the last row's Ext field, unflushed

	// writing
	cur    int // the batch being written
	row    int
	width  [numCols]int
	header bool
}

// NewTable returns a table for the options o; screen is the width of
// the terminal standard output is, or -1 when it is not one (ss then
// lays columns out compactly).
func NewTable(o *Options, names *Names, screen int) *Table {
	if names == nil {
		names = &Names{}
	}
	t := &Table{o: o, screen: screen, w: rowWriter{o: o, names: names}}
	for i := range t.enabled {
		t.enabled[i] = true
	}
	t.enabled[colNetid] = o.showNetid()
	t.enabled[colState] = o.showState()
	t.header = !o.NoHeader
	if t.header {
		for i := colNetid; i < colProc; i++ {
			if t.enabled[i] {
				t.buf.write(len(columns[i].header))
				t.flushField(i, len(columns[i].header))
			}
		}
	}
	return t
}

// flushField is ss's field_flush of column i holding n bytes.
func (t *Table) flushField(i, n int) {
	if n > t.maxLen[i] {
		t.maxLen[i] = n
	}
	t.buf.flush()
}

// Measure accounts for the next row: the lengths of its fields, and
// where ss would render.
func (t *Table) Measure(s *sockets.Socket) {
	t.w.format(s)
	t.account()
}

// account accounts for the row just formatted. It reports whether ss
// renders what it holds before this row (a batch ends).
func (t *Table) account() (batchEnds bool) {
	w := &t.w
	if t.rows > 0 || t.header {
		// The previous row's Ext, then its empty last column (or the
		// header's), flushed as the row starts; ss renders here when
		// its buffer is full.
		if t.rows > 0 {
			t.flushField(colExt, t.lastExt)
		}
		if t.buf.n >= bufChunksMax {
			t.batches = append(t.batches, batch{end: t.rows, maxLen: t.maxLen})
			t.buf = chunks{}
			batchEnds = true
		} else {
			t.flushField(colProc, 0)
		}
	}
	for i := colNetid; i < colExt; i++ {
		if !t.enabled[i] {
			continue
		}
		n := w.at[i+1] - w.at[i]
		t.buf.write(n)
		t.flushField(i, n)
	}
	t.lastExt = w.at[colExt+1] - w.at[colExt]
	t.buf.write(t.lastExt)
	t.rows++
	return batchEnds
}

// WriteAll lays out every socket all yields, in one pass as ss does: the
// rows of a batch are kept formatted (a few megabytes, as ss keeps them)
// until the batch ends, then written with its widths. It is the same as
// Measure over every socket, then Header and AppendRow over every socket
// again; use one or the other on a Table.
func (t *Table) WriteAll(out io.Writer, all iter.Seq[*sockets.Socket]) error {
	var (
		// The pending rows, each field as its length (a uvarint) and
		// its bytes, in chunks that are reused from batch to batch and
		// never copied as they fill.
		chunks [][]byte
		used   int // chunks in use
		b      = make([]byte, 0, 64<<10)
		first  = true
	)
	render := func(maxLen *[numCols]int) error {
		t.widths(maxLen)
		if first && t.header {
			b = t.appendHeader(b)
		}
		first = false
		var fields [numCols][]byte
		for _, c := range chunks[:used] {
			for len(c) > 0 {
				for i := range fields {
					n, k := binary.Uvarint(c)
					fields[i], c = c[k:k+int(n)], c[k+int(n):]
				}
				b = t.appendLine(b, &fields)
				if len(b) >= 60<<10 {
					if _, err := out.Write(b); err != nil {
						return err
					}
					b = b[:0]
				}
			}
		}
		for i := range chunks[:used] {
			chunks[i] = chunks[i][:0]
		}
		used = 0
		return nil
	}
	for s := range all {
		w := &t.w
		w.format(s)
		if t.account() {
			if err := render(&t.batches[len(t.batches)-1].maxLen); err != nil {
				return err
			}
		}
		need := len(w.buf) + numCols*binary.MaxVarintLen32
		if used == 0 || cap(chunks[used-1])-len(chunks[used-1]) < need {
			if used == len(chunks) {
				chunks = append(chunks, make([]byte, 0, max(rowChunk, need)))
			}
			used++
		}
		c := chunks[used-1]
		for i := 0; i < numCols; i++ {
			f := w.field(i)
			c = binary.AppendUvarint(c, uint64(len(f)))
			c = append(c, f...)
		}
		chunks[used-1] = c
	}
	t.finish()
	if err := render(&t.batches[len(t.batches)-1].maxLen); err != nil {
		return err
	}
	_, err := out.Write(b)
	return err
}

// rowChunk is the size of the chunks WriteAll keeps rows in.
const rowChunk = 256 << 10

// finish closes the last batch.
func (t *Table) finish() {
	t.batches = append(t.batches, batch{end: t.rows, maxLen: t.maxLen})
}

// widths is ss's render_calc_width for the column lengths maxLen.
func (t *Table) widths(maxLen *[numCols]int) {
	screen := t.screen
	compact := screen <= 0
	if compact {
		screen = int(^uint(0) >> 1)
	}
	first := true
	for i := range t.width {
		t.width[i] = 0
		if !t.enabled[i] {
			continue
		}
		w := maxLen[i]
		if !first && w != 0 {
			w += len(columns[i].ldelim)
		}
		w = min(w, screen)
		if w != 0 {
			first = false
		}
		t.width[i] = w
	}
	if compact {
		return
	}
	// Lines of columns that fit the screen, the spare space spread over
	// a line's columns, the leftmost ones one more.
	length, linecols, eol := 0, 0, -1
	for c := 0; c < numCols; c++ {
		if t.width[c] == 0 {
			continue
		}
		linecols++
		length += t.width[c]
		last := true
		for k := c + 1; k < numCols; k++ {
			if t.width[k] != 0 {
				last = false
				break
			}
		}
		if !last && length < screen {
			continue
		}
		if length != screen {
			if length > screen {
				length -= t.width[c]
				c--
				linecols--
			}
			pad := screen - length
			spacing, rem := pad/linecols, pad%linecols
			for k := c; k > eol; k-- {
				if t.width[k] == 0 {
					continue
				}
				t.width[k] += spacing
				if rem > 0 {
					t.width[k]++
					rem--
				}
			}
		}
		eol = c
		length, linecols = 0, 0
	}
}

// Header appends the header line, if there is one, and readies the
// table for AppendRow. Call it after every row is measured.
func (t *Table) Header(b []byte) []byte {
	t.finish()
	t.cur, t.row = 0, 0
	t.widths(&t.batches[0].maxLen)
	if !t.header {
		return b
	}
	return t.appendHeader(b)
}

// appendHeader appends the header line in the current widths.
func (t *Table) appendHeader(b []byte) []byte {
	var fields [numCols][]byte
	for i := colNetid; i < colProc; i++ {
		fields[i] = []byte(columns[i].header)
	}
	return t.appendLine(b, &fields)
}

// AppendRow appends the next row's line(s).
func (t *Table) AppendRow(b []byte, s *sockets.Socket) []byte {
	for t.cur+1 < len(t.batches) && t.row >= t.batches[t.cur].end {
		t.cur++
		t.widths(&t.batches[t.cur].maxLen)
	}
	w := &t.w
	w.format(s)
	var fields [numCols][]byte
	for i := range fields {
		fields[i] = w.field(i)
	}
	t.row++
	return t.appendLine(b, &fields)
}

// appendLine appends one line of fields laid out in the current widths,
// as ss's render prints its tokens.
func (t *Table) appendLine(b []byte, fields *[numCols][]byte) []byte {
	started := false
	for i := 0; i < numCols; i++ {
		if !t.enabled[i] {
			continue
		}
		f := fields[i]
		col := &columns[i]
		printed := 0
		if started {
			b = append(b, col.ldelim...)
			printed = len(col.ldelim)
		}
		started = true
		w := t.width[i]
		if w != 0 && col.right {
			if s := w - len(f) - printed; s > 0 {
				b = appendSpaces(b, s)
				printed += s
			}
		}
		b = append(b, f...)
		printed += len(f)
		if w != 0 && !col.right {
			if s := w - printed; s > 0 {
				b = appendSpaces(b, s)
			}
		}
	}
	return append(b, '\n')
}

const spaces = "                                                                "

func appendSpaces(b []byte, n int) []byte {
	for n > len(spaces) {
		b = append(b, spaces...)
		n -= len(spaces)
	}
	return append(b, spaces[:n]...)
}
