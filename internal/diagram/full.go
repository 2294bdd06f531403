package diagram

// drawer lays states and arrows out on a canvas.
type drawer struct {
	t      *texts
	counts map[string]int
}

func (d drawer) box(c *canvas, x, y int, state string) {
	c.box(x, y, state, count(d.counts, state))
}

// legend writes the legend lines from row y on and returns the next row.
func (d drawer) legend(c *canvas, y int) int {
	c.text(1, y, d.t.legend)
	y++
	if d.counts != nil {
		c.text(1, y, d.t.legendCounts)
		y++
	}
	return y
}

// Columns (left edge) and rows (top edge) of the full diagram's boxes.
const (
	colL = 1
	colM = 40
	colR = 84

	rowClosed = 3
	rowListen = 12
	rowSyn    = 21
	rowEstab  = 30
	rowFin1   = 40
	rowFin2   = 50
	rowTW     = 60
)

// full draws RFC 9293 Figure 5: the same states and arrows in the same
// places (CLOSED twice, as in the RFC: top and bottom right).
func (d drawer) full() *canvas {
	t := d.t
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

	// CLOSED <-> SYN_SENT around the right.
	c.path(pt{mEnd, rowClosed + 1}, pt{colR + 12, rowClosed + 1}, pt{colR + 12, rowSyn - 1})
	c.text(mEnd+2, rowClosed, t.label(sClosed, sSynSent))
	c.path(pt{colR + 8, rowSyn - 1}, pt{colR + 8, rowClosed + 2}, pt{mEnd, rowClosed + 2})
	c.textRight(colR+6, rowClosed+3, t.label(sSynSent, sClosed))

	// CLOSED <-> LISTEN.
	c.path(pt{colM + 4, rowClosed + boxH}, pt{colM + 4, rowListen - 1})
	c.textRight(colM+2, rowClosed+6, t.label(sClosed, sListen))
	c.path(pt{colM + 10, rowListen - 1}, pt{colM + 10, rowClosed + boxH})
	c.text(colM+12, rowClosed+6, t.label(sListen, sClosed))

	// LISTEN <-> SYN_RECV, LISTEN -> SYN_SENT.
	c.path(pt{colL + 4, rowSyn - 1}, pt{colL + 4, rowListen + 1}, pt{colM - 1, rowListen + 1})
	c.text(colL+7, rowListen, t.label(sSynRecv, sListen))
	c.path(pt{colM - 1, rowListen + 2}, pt{colL + 9, rowListen + 2}, pt{colL + 9, rowSyn - 1})
	c.text(colL+12, rowListen+3, t.label(sListen, sSynRecv))
	c.path(pt{mEnd, rowListen + 2}, pt{colR + 4, rowListen + 2}, pt{colR + 4, rowSyn - 1})
	c.text(mEnd+3, rowListen+3, t.label(sListen, sSynSent))

	// SYN_SENT -> SYN_RECV (simultaneous open), both -> ESTABLISHED.
	c.path(pt{colR - 1, rowSyn + 1}, pt{lEnd, rowSyn + 1})
	c.textCenter((lEnd+colR)/2, rowSyn, t.label(sSynSent, sSynRecv))
	c.path(pt{lEnd, rowSyn + 2}, pt{colM + 4, rowSyn + 2}, pt{colM + 4, rowEstab - 1})
	c.textRight(colM+2, rowSyn+4, t.label(sSynRecv, sEstab))
	c.path(pt{colR - 1, rowSyn + 2}, pt{colM + 10, rowSyn + 2}, pt{colM + 10, rowEstab - 1})
	c.text(colM+12, rowSyn+4, t.label(sSynSent, sEstab))

	// Into FIN_WAIT1 and CLOSE_WAIT.
	c.path(pt{colL + 7, rowSyn + boxH}, pt{colL + 7, rowFin1 - 1})
	c.text(colL+9, rowEstab+1, t.label(sSynRecv, sFinWait1))
	c.path(pt{colM + 4, rowEstab + boxH}, pt{colM + 4, rowEstab + 6}, pt{colL + 12, rowEstab + 6}, pt{colL + 12, rowFin1 - 1})
	c.textRight(colM+2, rowEstab+5, t.label(sEstab, sFinWait1))
	c.path(pt{colM + 10, rowEstab + boxH}, pt{colM + 10, rowEstab + 6}, pt{colR + 7, rowEstab + 6}, pt{colR + 7, rowFin1 - 1})
	c.text(colM+12, rowEstab+5, t.label(sEstab, sCloseWait))

	// Out of FIN_WAIT1 and CLOSE_WAIT.
	c.path(pt{colL + 7, rowFin1 + boxH}, pt{colL + 7, rowFin2 - 1})
	c.text(colL+9, rowFin1+6, t.label(sFinWait1, sFinWait2))
	c.path(pt{lEnd, rowFin1 + 1}, pt{colM + 7, rowFin1 + 1}, pt{colM + 7, rowFin2 - 1})
	c.text(lEnd+3, rowFin1, t.label(sFinWait1, sClosing))
	c.path(pt{colR + 7, rowFin1 + boxH}, pt{colR + 7, rowFin2 - 1})
	c.textRight(colR+5, rowFin1+6, t.label(sCloseWait, sLastAck))

	// Into TIME_WAIT and CLOSED.
	c.path(pt{colL + 7, rowFin2 + boxH}, pt{colL + 7, rowTW + 1}, pt{colM - 1, rowTW + 1})
	c.text(colL+9, rowFin2+6, t.label(sFinWait2, sTimeWait))
	c.path(pt{colM + 7, rowFin2 + boxH}, pt{colM + 7, rowTW - 1})
	c.text(colM+9, rowFin2+6, t.label(sClosing, sTimeWait))
	c.path(pt{colR + 7, rowFin2 + boxH}, pt{colR + 7, rowTW - 1})
	c.textRight(colR+5, rowFin2+6, t.label(sLastAck, sClosed))
	c.path(pt{mEnd, rowTW + 1}, pt{colR - 1, rowTW + 1})
	c.textCenter((mEnd+colR)/2, rowTW, t.label(sTimeWait, sClosed))

	y := d.legend(c, rowTW+boxH+1)
	for i, l := range t.note1 {
		c.text(1, y+i, l)
	}
	c.cells = c.cells[:y+len(t.note1)]
	return c
}
