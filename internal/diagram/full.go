package diagram

import (
	"slices"

	"github.com/sockscope/sockscope/internal/textwidth"
)

// drawer lays states and arrows out on a canvas.
type drawer struct {
	t      *texts
	counts map[string]int
	// shared are the states a view draws on both sides: their count
	// belongs to neither, so it is written once, in the legend.
	shared []string
	// counted are the states whose count is already in a box: a state
	// drawn twice shows it once.
	counted map[string]bool
}

func (d *drawer) box(c *canvas, x, y int, state string) {
	n := ""
	if !slices.Contains(d.shared, state) && !d.counted[state] {
		n = count(d.counts, state)
		if d.counted == nil {
			d.counted = map[string]bool{}
		}
		d.counted[state] = true
	}
	c.box(x, y, state, n)
}

// legend writes the legend lines from row y on and returns the next row.
func (d *drawer) legend(c *canvas, y int) int {
	c.text(1, y, d.t.legend)
	y++
	if d.counts != nil {
		c.text(1, y, d.t.legendCounts)
		y++
		if len(d.shared) > 0 {
			var list string
			for i, s := range d.shared {
				if i > 0 {
					list += d.t.listSep
				}
				list += s + " " + count(d.counts, s)
			}
			c.text(1, y, d.t.sharedCounts(list))
			y++
		}
	}
	return y
}

// geometry is the placement of the whole diagram's boxes, the left edges
// of its three columns, and the columns it may take.
type geometry struct{ colL, colM, colR, width int }

// wide is the layout of RFC 9293 Figure 5 with every label on one line
// (99 columns); narrow fits NarrowWidth, some labels on two lines.
var (
	wide   = geometry{colL: 1, colM: 40, colR: 84, width: maxWidth}
	narrow = geometry{colL: 1, colM: 33, colR: 64, width: NarrowWidth}
)

// Rows (top edge) of the full diagram's boxes.
const (
	rowClosed = 3
	rowListen = 12
	rowSyn    = 21
	rowEstab  = 30
	rowFin1   = 40
	rowFin2   = 50
	rowTW     = 60
)

// Alignments of a label against its anchor column.
const (
	alignLeft = iota
	alignRight
)

// label writes the label of the arrow from -> to at column x (its first
// column, or its last with alignRight) on row y: on one line if it takes
// at most maxW columns, else "event /" on row y and the action on row
// y+1.
func (d *drawer) label(c *canvas, x, y, align, maxW int, from, to string) {
	lines := []string{d.t.label(from, to)}
	if textwidth.String(lines[0]) > maxW {
		ev, act := d.t.parts(from, to)
		lines = []string{ev + " /", act}
	}
	for i, l := range lines {
		if align == alignRight {
			c.textRight(x, y+i, l)
		} else {
			c.text(x, y+i, l)
		}
	}
}

// full draws RFC 9293 Figure 5: the same states and arrows in the same
// places (CLOSED twice, as in the RFC: top and bottom right), in geometry
// g.
func (d *drawer) full(g geometry) *canvas {
	t := d.t
	colL, colM, colR := g.colL, g.colM, g.colR
	c := newCanvas(rowTW + 10)
	c.text(1, 0, t.titleFull)

	lEnd, mEnd := colL+boxW, colM+boxW // first column right of each box
	d.box(c, colM, rowClosed, sClosed)
	d.box(c, colM, rowListen, sListen)
	d.box(c, colL, rowSyn, sSynRecv)
	d.box(c, colR, rowSyn, sSynSent)
	d.box(c, colM, rowEstab, sEstab)
	d.box(c, colL, rowFin1, sFinWait1)
	d.box(c, colR, rowFin1, sCloseWait)
	d.box(c, colL, rowFin2, sFinWait2)
	d.box(c, colM, rowFin2, sClosing)
	d.box(c, colR, rowFin2, sLastAck)
	d.box(c, colM, rowTW, sTimeWait)
	d.box(c, colR, rowTW, sClosed)

	// CLOSED <-> SYN_SENT around the right. A two-line label starts a
	// row higher, so that it still ends above the arrow.
	c.path(pt{mEnd, rowClosed + 1}, pt{colR + 12, rowClosed + 1}, pt{colR + 12, rowSyn - 1})
	if w := colR + 12 - (mEnd + 2) - 1; textwidth.String(t.label(sClosed, sSynSent)) > w {
		d.label(c, mEnd+2, rowClosed-1, alignLeft, w, sClosed, sSynSent)
	} else {
		d.label(c, mEnd+2, rowClosed, alignLeft, w, sClosed, sSynSent)
	}
	c.path(pt{colR + 8, rowSyn - 1}, pt{colR + 8, rowClosed + 2}, pt{mEnd, rowClosed + 2})
	d.label(c, colR+6, rowClosed+3, alignRight, colR+6-mEnd-1, sSynSent, sClosed)

	// CLOSED <-> LISTEN.
	c.path(pt{colM + 4, rowClosed + boxH}, pt{colM + 4, rowListen - 1})
	d.label(c, colM+2, rowClosed+6, alignRight, colM+2, sClosed, sListen)
	c.path(pt{colM + 10, rowListen - 1}, pt{colM + 10, rowClosed + boxH})
	d.label(c, colM+12, rowClosed+6, alignLeft, colR+8-(colM+12)-1, sListen, sClosed)

	// LISTEN <-> SYN_RECV, LISTEN -> SYN_SENT.
	c.path(pt{colL + 4, rowSyn - 1}, pt{colL + 4, rowListen + 1}, pt{colM - 1, rowListen + 1})
	d.label(c, colL+7, rowListen, alignLeft, colM-1-(colL+7), sSynRecv, sListen)
	c.path(pt{colM - 1, rowListen + 2}, pt{colL + 9, rowListen + 2}, pt{colL + 9, rowSyn - 1})
	d.label(c, colL+12, rowListen+3, alignLeft, colM-1-(colL+12), sListen, sSynRecv)
	c.path(pt{mEnd, rowListen + 2}, pt{colR + 4, rowListen + 2}, pt{colR + 4, rowSyn - 1})
	d.label(c, mEnd+3, rowListen+3, alignLeft, colR+4-(mEnd+3)-1, sListen, sSynSent)

	// SYN_SENT -> SYN_RECV (simultaneous open), both -> ESTABLISHED.
	c.path(pt{colR - 1, rowSyn + 1}, pt{lEnd, rowSyn + 1})
	c.textCenter((lEnd+colR)/2, rowSyn, t.label(sSynSent, sSynRecv))
	c.path(pt{lEnd, rowSyn + 2}, pt{colM + 4, rowSyn + 2}, pt{colM + 4, rowEstab - 1})
	d.label(c, colM+2, rowSyn+4, alignRight, colM+2-(colL+7)-1, sSynRecv, sEstab)
	c.path(pt{colR - 1, rowSyn + 2}, pt{colM + 10, rowSyn + 2}, pt{colM + 10, rowEstab - 1})
	d.label(c, colM+12, rowSyn+4, alignLeft, g.width-1-(colM+12), sSynSent, sEstab)

	// Into FIN_WAIT1 and CLOSE_WAIT.
	c.path(pt{colL + 7, rowSyn + boxH}, pt{colL + 7, rowFin1 - 1})
	d.label(c, colL+9, rowEstab+1, alignLeft, colM-1-(colL+9), sSynRecv, sFinWait1)
	c.path(pt{colM + 4, rowEstab + boxH}, pt{colM + 4, rowEstab + 6}, pt{colL + 12, rowEstab + 6}, pt{colL + 12, rowFin1 - 1})
	d.label(c, colM+2, rowEstab+5, alignRight, colM+2-(colL+7)-1, sEstab, sFinWait1)
	c.path(pt{colM + 10, rowEstab + boxH}, pt{colM + 10, rowEstab + 6}, pt{colR + 7, rowEstab + 6}, pt{colR + 7, rowFin1 - 1})
	d.label(c, colM+12, rowEstab+5, alignLeft, colR+7-(colM+12)-1, sEstab, sCloseWait)

	// Out of FIN_WAIT1 and CLOSE_WAIT.
	c.path(pt{colL + 7, rowFin1 + boxH}, pt{colL + 7, rowFin2 - 1})
	d.label(c, colL+9, rowFin1+6, alignLeft, colM+7-(colL+9)-1, sFinWait1, sFinWait2)
	c.path(pt{lEnd, rowFin1 + 1}, pt{colM + 7, rowFin1 + 1}, pt{colM + 7, rowFin2 - 1})
	d.label(c, lEnd+3, rowFin1, alignLeft, colR-(lEnd+3)-1, sFinWait1, sClosing)
	c.path(pt{colR + 7, rowFin1 + boxH}, pt{colR + 7, rowFin2 - 1})
	d.label(c, colR+5, rowFin1+6, alignRight, colR+5-(colM+7)-1, sCloseWait, sLastAck)

	// Into TIME_WAIT and CLOSED. The labels of CLOSING and LAST_ACK
	// share a row when they fit side by side, else they take a row each.
	c.path(pt{colL + 7, rowFin2 + boxH}, pt{colL + 7, rowTW + 1}, pt{colM - 1, rowTW + 1})
	d.label(c, colL+9, rowFin2+6, alignLeft, colM+7-(colL+9)-1, sFinWait2, sTimeWait)
	c.path(pt{colM + 7, rowFin2 + boxH}, pt{colM + 7, rowTW - 1})
	c.path(pt{colR + 7, rowFin2 + boxH}, pt{colR + 7, rowTW - 1})
	yClosing, yLastAck := rowFin2+6, rowFin2+6
	if colM+9+textwidth.String(t.label(sClosing, sTimeWait)) >= colR+5-textwidth.String(t.label(sLastAck, sClosed)) {
		yClosing, yLastAck = rowFin2+5, rowFin2+7
	}
	d.label(c, colM+9, yClosing, alignLeft, colR+7-(colM+9)-1, sClosing, sTimeWait)
	d.label(c, colR+5, yLastAck, alignRight, colR+5-(colM+7)-1, sLastAck, sClosed)
	c.path(pt{mEnd, rowTW + 1}, pt{colR - 1, rowTW + 1})
	if l := t.label(sTimeWait, sClosed); textwidth.String(l) <= colR-mEnd-2 {
		c.textCenter((mEnd+colR)/2, rowTW, l)
	} else {
		ev, act := t.parts(sTimeWait, sClosed)
		c.textCenter((mEnd+colR)/2, rowTW, ev)
		c.textCenter((mEnd+colR)/2, rowTW+2, act)
	}

	y := d.legend(c, rowTW+boxH+1)
	for i, l := range t.note1 {
		c.text(1, y+i, l)
	}
	c.cells = c.cells[:y+len(t.note1)]
	return c
}
