package diagram

import (
	"strings"
	"testing"
)

// TestCanvasText checks that text takes the columns textwidth counts: a
// wide rune two, a combining mark none (it joins the cell before it).
func TestCanvasText(t *testing.T) {
	for _, tc := range []struct {
		draw func(c *canvas)
		want string
	}{
		{func(c *canvas) { c.text(2, 0, "ab") }, "  ab"},
		{func(c *canvas) { c.textRight(9, 0, "状态") }, "      状态"},
		{func(c *canvas) { c.textRight(9, 0, "cafe\u0301") }, "      cafe\u0301"},
		{func(c *canvas) { c.textCenter(5, 0, "e\u0301\u0301x") }, "    e\u0301\u0301x"},
		{func(c *canvas) { c.text(0, 0, "中\u0301|") }, "中\u0301|"},
		{func(c *canvas) { c.text(0, 0, "\u0301ab") }, "ab"},                 // no rune to join
		{func(c *canvas) { c.text(0, 0, "e\u0301"); c.set(0, 0, '-') }, "-"}, // drawn over
	} {
		c := newCanvas(1)
		tc.draw(c)
		if got := strings.TrimSuffix(c.String(false), "\n"); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}
