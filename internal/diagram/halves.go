package diagram

import "github.com/sockscope/sockscope/internal/textwidth"

// The two halves, like the two figures of a netstat guide: the active
// side on the left, the passive side on the right, time running down,
// segments on the wire as horizontal arrows between them. They are
// always drawn within NarrowWidth columns.
const (
	sideL = 4  // left edge of the active side's boxes
	sideR = 45 // left edge of the passive side's boxes
	axisL = sideL + boxW/2
	axisR = sideR + boxW/2
	wireL = sideL + boxW // first column right of the active side's boxes
	wireM = (wireL + sideR) / 2
)

// header writes the title and the two sides' names.
func (d *drawer) header(c *canvas, title, left, right string) {
	c.text(1, 0, title)
	// Centred on its axis, but never past the left edge ("Active close
	// (closes first)" is wider than the margin).
	c.text(max(1, axisL-textwidth.String(left)/2), 2, left)
	c.textCenter(axisR, 2, right)
}

// step draws a downward arrow on a side's axis from row y0 to the row
// above y1 with its label to the right.
func (d *drawer) step(c *canvas, axis, y0, y1, labelY int, from, to string) {
	c.path(pt{axis, y0}, pt{axis, y1 - 1})
	c.text(axis+2, labelY, d.t.label(from, to))
}

// segment draws a segment on the wire on row y from column x0 to x1,
// named above the arrow.
func segment(c *canvas, x0, x1, y int, name string) {
	c.path(pt{x0, y}, pt{x1, y})
	c.textCenter(wireM, y-1, name)
}

// chainX are the left edges of a chain's boxes: three fit NarrowWidth,
// with arrows of chainGap columns between them.
var chainX = []int{1, 1 + boxW + chainGap, 1 + 2*(boxW+chainGap)}

const chainGap = 17

// chain draws the states in a row at y, each arrow with its event above
// and its action below.
func (d *drawer) chain(c *canvas, y int, st ...string) {
	for i, s := range st {
		d.box(c, chainX[i], y, s)
		if i > 0 {
			x0, x1 := chainX[i-1]+boxW, chainX[i]-1
			c.path(pt{x0, y + 1}, pt{x1, y + 1})
			ev, act := d.t.parts(st[i-1], s)
			c.textCenter((x0+x1+1)/2, y, ev)
			c.textCenter((x0+x1+1)/2, y+2, act)
		}
	}
}

// open draws connection setup: the three-way handshake, and the
// simultaneous open through SYN_RECV.
func (d *drawer) open() *canvas {
	t := d.t
	c := newCanvas(60)
	d.shared = []string{sClosed, sEstab}
	d.header(c, t.titleOpen, t.client, t.server)

	d.box(c, sideL, 3, sClosed)
	d.box(c, sideR, 3, sClosed)
	d.step(c, axisL, 7, 12, 9, sClosed, sSynSent)
	d.step(c, axisR, 7, 12, 9, sClosed, sListen)
	d.box(c, sideL, 12, sSynSent)
	d.box(c, sideR, 12, sListen)
	segment(c, wireL, sideR-1, 13, "SYN")

	d.step(c, axisR, 16, 21, 18, sListen, sSynRecv)
	d.box(c, sideR, 21, sSynRecv)
	segment(c, sideR-1, axisL+1, 22, "SYN,ACK")
	d.step(c, axisL, 16, 30, 25, sSynSent, sEstab)

	d.box(c, sideL, 30, sEstab)
	segment(c, wireL, axisR-1, 31, "ACK")
	d.step(c, axisR, 25, 39, 33, sSynRecv, sEstab)
	d.box(c, sideR, 39, sEstab)

	c.text(1, 44, t.simOpen)
	d.chain(c, 45, sSynSent, sSynRecv, sEstab)
	y := d.legend(c, 50)
	c.cells = c.cells[:y]
	return c
}

// close draws connection teardown: the four-way close, and the
// simultaneous close through CLOSING.
func (d *drawer) close() *canvas {
	t := d.t
	c := newCanvas(70)
	d.shared = []string{sEstab, sClosed}
	d.header(c, t.titleClose, t.activeClose, t.passiveClose)

	d.box(c, sideL, 3, sEstab)
	d.box(c, sideR, 3, sEstab)
	d.step(c, axisL, 7, 12, 9, sEstab, sFinWait1)
	d.box(c, sideL, 12, sFinWait1)
	segment(c, wireL, axisR-1, 13, "FIN")
	d.step(c, axisR, 7, 21, 15, sEstab, sCloseWait)

	d.box(c, sideR, 21, sCloseWait)
	segment(c, sideR-1, axisL+1, 22, "ACK")
	d.step(c, axisL, 16, 30, 25, sFinWait1, sFinWait2)
	d.step(c, axisR, 25, 30, 27, sCloseWait, sLastAck)

	d.box(c, sideL, 30, sFinWait2)
	d.box(c, sideR, 30, sLastAck)
	segment(c, sideR-1, wireL, 31, "FIN")
	d.step(c, axisL, 34, 39, 36, sFinWait2, sTimeWait)
	d.step(c, axisR, 34, 48, 41, sLastAck, sClosed)

	d.box(c, sideL, 39, sTimeWait)
	segment(c, wireL, axisR-1, 40, "ACK")
	d.step(c, axisL, 43, 48, 45, sTimeWait, sClosed)
	d.box(c, sideL, 48, sClosed)
	d.box(c, sideR, 48, sClosed)

	c.text(1, 53, t.simClose)
	d.chain(c, 54, sFinWait1, sClosing, sTimeWait)
	y := d.legend(c, 59)
	c.cells = c.cells[:y]
	return c
}
