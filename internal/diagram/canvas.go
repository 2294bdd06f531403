package diagram

import (
	"strings"

	"github.com/sockscope/sockscope/internal/textwidth"
)

// canvas is a fixed grid of terminal cells. A wide rune occupies its
// cell and the next one, which holds the placeholder 0.
type canvas struct {
	cells [][]rune
	// marks holds, by cell, the zero-width runes (combining marks) written
	// after the cell's rune: they take no column of their own, so that text
	// takes the columns textwidth.String counts.
	marks map[[2]int]string
}

const maxWidth = 100

func newCanvas(h int) *canvas {
	c := &canvas{cells: make([][]rune, h)}
	for i := range c.cells {
		c.cells[i] = []rune(strings.Repeat(" ", maxWidth))
	}
	return c
}

func (c *canvas) set(x, y int, r rune) {
	if y < 0 || y >= len(c.cells) || x < 0 || x >= maxWidth {
		return
	}
	c.cells[y][x] = r
	delete(c.marks, [2]int{x, y})
}

// mark adds the zero-width rune r to the cell at x, y, after its rune.
func (c *canvas) mark(x, y int, r rune) {
	if y < 0 || y >= len(c.cells) || x < 0 || x >= maxWidth {
		return
	}
	if c.marks == nil {
		c.marks = map[[2]int]string{}
	}
	c.marks[[2]int{x, y}] += string(r)
}

// text writes s with its first column at x. A zero-width rune joins the
// cell of the rune before it (one with none before it is dropped).
func (c *canvas) text(x, y int, s string) {
	base := -1
	for _, r := range s {
		switch textwidth.Rune(r) {
		case 0:
			if base >= 0 {
				c.mark(base, y, r)
			}
			continue
		case 2:
			c.set(x, y, r)
			c.set(x+1, y, 0)
			base = x
			x += 2
		default:
			c.set(x, y, r)
			base = x
			x++
		}
	}
}

// textRight writes s so that its last column is x.
func (c *canvas) textRight(x, y int, s string) { c.text(x-textwidth.String(s)+1, y, s) }

// textCenter writes s centred on column x.
func (c *canvas) textCenter(x, y int, s string) { c.text(x-textwidth.String(s)/2, y, s) }

// Box geometry: 15 columns (13 inside) by 4 rows: the state name and a
// line reserved for the live count, "(1234567)" at most.
const (
	boxW = 15
	boxH = 4
)

// box draws a state box with its top-left corner at x, y.
func (c *canvas) box(x, y int, name, count string) {
	c.set(x, y, '┌')
	c.set(x+boxW-1, y, '┐')
	c.set(x, y+boxH-1, '└')
	c.set(x+boxW-1, y+boxH-1, '┘')
	for i := x + 1; i < x+boxW-1; i++ {
		c.set(i, y, '─')
		c.set(i, y+boxH-1, '─')
	}
	for j := y + 1; j < y+boxH-1; j++ {
		c.set(x, j, '│')
		c.set(x+boxW-1, j, '│')
	}
	c.textCenter(x+boxW/2, y+1, name)
	if count != "" {
		c.textCenter(x+boxW/2, y+2, count)
	}
}

type pt struct{ x, y int }

// path draws an orthogonal polyline through pts with an arrowhead at
// the last point.
func (c *canvas) path(pts ...pt) {
	dir := func(a, b pt) pt { return pt{sign(b.x - a.x), sign(b.y - a.y)} }
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		d := dir(a, b)
		line := '─'
		if d.x == 0 {
			line = '│'
		}
		for p := a; p != b; p = (pt{p.x + d.x, p.y + d.y}) {
			c.set(p.x, p.y, line)
		}
		if i > 0 {
			c.set(a.x, a.y, corner(dir(pts[i-1], a), d))
		}
	}
	n := len(pts)
	c.set(pts[n-1].x, pts[n-1].y, arrow(dir(pts[n-2], pts[n-1])))
}

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// corner returns the corner joining travel direction in to out.
func corner(in, out pt) rune {
	// The corner connects the side travel came from (-in) and out.
	from := pt{-in.x, -in.y}
	h, v := from, out
	if from.x == 0 {
		h, v = out, from
	}
	switch {
	case h.x < 0 && v.y > 0:
		return '┐'
	case h.x < 0 && v.y < 0:
		return '┘'
	case h.x > 0 && v.y > 0:
		return '┌'
	default:
		return '└'
	}
}

func arrow(d pt) rune {
	switch {
	case d.x > 0:
		return '▶'
	case d.x < 0:
		return '◀'
	case d.y < 0:
		return '▲'
	}
	return '▼'
}

var asciiOf = map[rune]rune{
	'┌': '+', '┐': '+', '└': '+', '┘': '+', '─': '-', '│': '|',
	'▶': '>', '◀': '<', '▲': '^', '▼': 'v',
}

// String returns the canvas as lines without trailing blanks, ending
// in a newline; ascii replaces the drawing characters with +-|<>^v.
func (c *canvas) String(ascii bool) string {
	var b strings.Builder
	for y, row := range c.cells {
		var l strings.Builder
		for x, r := range row {
			if r == 0 {
				continue
			}
			if a, ok := asciiOf[r]; ok && ascii {
				r = a
			}
			l.WriteRune(r)
			l.WriteString(c.marks[[2]int{x, y}])
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteByte('\n')
	}
	return b.String()
}
