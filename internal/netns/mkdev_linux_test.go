package netns

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestMkdevMatchesUnix(t *testing.T) {
	for _, d := range [][2]uint32{{0, 4}, {8, 1}, {259, 3}, {0x1000, 0x100}, {0xfffff, 0xfffff}, {0xffffffff, 0xffffffff}} {
		if got, want := Mkdev(d[0], d[1]), unix.Mkdev(d[0], d[1]); got != want {
			t.Errorf("Mkdev(%#x, %#x) = %#x, unix.Mkdev = %#x", d[0], d[1], got, want)
		}
	}
}
