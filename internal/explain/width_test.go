package explain

import (
	"bufio"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/textwidth"
)

// TestTopAligned checks that the counts of the busiest processes line up
// whatever their names hold: wide characters, emoji, combining marks.
func TestTopAligned(t *testing.T) {
	top := []ProcCount{{Name: "nginx", PID: 1, Count: 1}, {Name: "火狐", PID: 2, Count: 2},
		{Name: "🦊fox", PID: 3, Count: 3}, {Name: "cafe\u0301", PID: 4, Count: 4}, {Count: 5}}
	for _, lang := range []string{"en", "zh"} {
		var b strings.Builder
		bw := bufio.NewWriter(&b)
		writeTop(bw, lang, top)
		bw.Flush()
		col := -1
		for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
			i := strings.LastIndexByte(l, ' ')
			if c := textwidth.String(l[:i]); col < 0 {
				col = c
			} else if c != col {
				t.Errorf("%s: count of %q at column %d, want %d", lang, l, c, col)
			}
		}
	}
}
