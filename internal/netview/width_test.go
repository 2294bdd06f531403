package netview

import (
	"bufio"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/textwidth"
)

// TestTableAligned checks that a table's columns line up whatever the
// interface names hold: Windows names adapters in the system's language
// ("イーサネット", whose ー is wide too), and half-width katakana, emoji or
// a combining mark may turn up in a name chosen by hand.
func TestTableAligned(t *testing.T) {
	tb := &table{head: []string{"Iface", "MTU", "Flags"}, right: map[int]bool{1: true}}
	for _, name := range []string{"eth0", "イーサネット 2", "ｲｰｻﾈｯﾄ", "以太网", "wlan🌐", "cafe\u0301", "Wi‑Fi・2"} {
		tb.add(name, "1500", "BMRU")
	}
	var b strings.Builder
	bw := bufio.NewWriter(&b)
	tb.write(bw)
	bw.Flush()
	col := -1
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		i := strings.LastIndex(l, "  ")
		if c := textwidth.String(l[:i]); col < 0 {
			col = c
		} else if c != col {
			t.Errorf("last column of %q at %d, want %d", l, c, col)
		}
	}
}
