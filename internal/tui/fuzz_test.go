package tui

import (
	"strings"
	"testing"
	"unicode"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/sockscope/sockscope/internal/sockets"
)

// FuzzCellText feeds the names a process or a peer chooses (program,
// user, container, unix paths) through every column: nothing panics, no
// control character reaches the screen, and tview reads no style tag in
// them (the width it measures is that of the text as written, the
// escape brackets aside).
func FuzzCellText(f *testing.F) {
	f.Add("nginx", "/run/a.sock", "alice")
	f.Add("[red]x", "@abs[tract]", "[::]")
	f.Add("a\x1b[2Jb", "\x00\n\t", "\u202e")
	f.Add("[[]]][[:::]", "[#ff0000]", "[\"region\"]")
	f.Add("宽字符进程名称", "/路径/套接字", "用户")
	scr := tcell.NewSimulationScreen("UTF-8")
	if err := scr.Init(); err != nil {
		f.Fatal(err)
	}
	scr.SetSize(300, 1)
	f.Fuzz(func(t *testing.T, name, path, user string) {
		p := &sockets.ProcessInfo{PID: 1, Name: name, User: user, Container: user}
		rows := []row{
			{s: sockets.Socket{Proto: sockets.Unix, Family: sockets.Local, Path: path, PeerPath: name, Processes: []sockets.Process{{Info: p}}}},
			{s: sockets.Socket{Proto: sockets.TCP, Family: sockets.Inet, Processes: []sockets.Process{{Info: p}}}},
		}
		for _, env := range []cellEnv{{}, {addrMax: 21, progMax: 14}, {addrMax: 1, progMax: 1}} {
			for i := range rows {
				for c := colMark; c < colCount; c++ {
					text := cellText(&rows[i], c, &env)
					for _, r := range text {
						if unicode.IsControl(r) {
							t.Fatalf("column %d of %q/%q: control character %U in %q", c, name, path, r, text)
						}
					}
					// tview prints the text as it is, word joiners
					// aside (and a mark that combined with one): it
					// read no tag in it.
					if strings.IndexByte(text, '[') >= 0 {
						want := strings.ReplaceAll(text, "\u2060", "")
						if got := printed(scr, text); got != printed(scr, noTags(want)) {
							t.Fatalf("column %d of %q: tview prints %q for %q", c, name, got, want)
						}
					}
				}
			}
		}
		v := &view{opts: Options{Lang: "en"}}
		_ = v.detailText(&rows[0])
		_ = v.detailText(&rows[1])
	})
}

// noTags is text tview cannot read a tag in: no "[" at all (each one
// replaced by "(", which is as wide).
func noTags(s string) string { return strings.ReplaceAll(s, "[", "(") }

// printed is what tview prints of text, with "[" shown as "(" so that it
// compares with noTags.
func printed(scr tcell.SimulationScreen, text string) string {
	scr.Clear()
	tview.Print(scr, text, 0, 0, 300, tview.AlignLeft, tcell.ColorDefault)
	scr.Show()
	cells, _, _ := scr.GetContents()
	var b strings.Builder
	for _, c := range cells {
		b.Write(c.Bytes)
	}
	out := strings.ReplaceAll(strings.TrimRight(b.String(), " "), "[", "(")
	return strings.Map(func(r rune) rune {
		if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
			return -1
		}
		return r
	}, out)
}
