package tui

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/filter"
	"github.com/sockscope/sockscope/internal/sockets"
)

var update = flag.Bool("update", false, "rewrite the golden screens in testdata/")

// testdata is the goldens' directory, absolute: a test may change the
// working directory.
var testdata = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Join(wd, "testdata")
}()

// scriptSource is a sockets.Source that lists what the test put in it.
type scriptSource struct{ socks []sockets.Socket }

func (s *scriptSource) Snapshot(_ context.Context, _ sockets.Filter, dst []sockets.Socket) ([]sockets.Socket, error) {
	return append(dst, s.socks...), nil
}

// testFocus holds the focus as tview's Application does.
type testFocus struct{ p tview.Primitive }

func (f *testFocus) SetFocus(p tview.Primitive) {
	if f.p != nil {
		f.p.Blur()
	}
	f.p = p
	if p != nil {
		p.Focus(f.SetFocus)
	}
}

func (f *testFocus) GetFocus() tview.Primitive { return f.p }

// harness drives a view on a simulation screen: the test steps the
// refresh and injects keys, so nothing depends on timing.
type harness struct {
	t    testing.TB
	v    *view
	scr  tcell.SimulationScreen
	src  *scriptSource
	w, h int
	now  time.Time
}

// newHarness makes a view of w x h over src, polled through a real
// collect.Poller; opts.Poll and opts.Screen are set here.
func newHarness(t testing.TB, w, h int, opts Options, socks ...sockets.Socket) *harness {
	t.Helper()
	src := &scriptSource{socks: socks}
	p := collect.NewPoller(&collect.Collector{Source: src}, collect.Query{Kernel: sockets.All})
	hs := &harness{t: t, src: src, w: w, h: h, now: time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)}
	opts.Poll = func(ctx context.Context, _ bool) (collect.Snapshot, []collect.Change, error) {
		snap, ch, err := p.Poll(ctx)
		snap.Time = hs.now // a fixed clock: the rates on screen are the test's
		hs.now = hs.now.Add(time.Second)
		return snap, ch, err
	}
	scr := tcell.NewSimulationScreen("UTF-8")
	if err := scr.Init(); err != nil {
		t.Fatal(err)
	}
	scr.SetSize(w, h)
	t.Cleanup(scr.Fini)
	opts.Screen = scr
	hs.scr = scr
	hs.v = newView(context.Background(), opts, &testFocus{})
	hs.v.resize(w, h)
	return hs
}

// step runs one refresh.
func (h *harness) step() { h.v.step(context.Background()) }

// key injects a key.
func (h *harness) key(k tcell.Key) { h.v.handleKey(tcell.NewEventKey(k, 0, tcell.ModNone)) }

// typ injects typed characters.
func (h *harness) typ(s string) {
	for _, r := range s {
		h.v.handleKey(tcell.NewEventKey(tcell.KeyRune, r, tcell.ModNone))
	}
}

// screen draws the view and returns the screen: each row's text, then
// its style codes (one per cell; "." the terminal's default style), then
// a legend of the codes.
func (h *harness) screen() string {
	if w, ht := h.scr.Size(); w != h.w || ht != h.h {
		h.scr.SetSize(h.w, h.h)
	}
	h.v.resize(h.w, h.h)
	h.scr.Clear()
	h.v.root.SetRect(0, 0, h.w, h.h)
	h.v.root.Draw(h.scr)
	h.scr.Show()
	cells, w, ht := h.scr.GetContents()
	codes := map[tcell.Style]byte{}
	var legend []string
	var b strings.Builder
	for y := 0; y < ht; y++ {
		var text, style strings.Builder
		for x := 0; x < w; x++ {
			c := cells[y*w+x]
			if len(c.Bytes) == 0 {
				if x > 0 && len(cells[y*w+x-1].Bytes) > 0 && isWide(cells[y*w+x-1].Bytes) {
					style.WriteByte(code(codes, &legend, c.Style))
					continue
				}
				text.WriteByte(' ')
			} else {
				text.Write(c.Bytes)
			}
			style.WriteByte(code(codes, &legend, c.Style))
		}
		fmt.Fprintf(&b, "%s|\n%s|\n", strings.TrimRight(text.String(), "\x00"), style.String())
	}
	b.WriteString("--\n")
	for _, l := range legend {
		b.WriteString(l + "\n")
	}
	return b.String()
}

func isWide(b []byte) bool {
	r := []rune(string(b))
	return len(r) > 0 && tview.TaggedStringWidth(string(r[0])) == 2
}

// code is the one-letter code of a style, added to the legend when new.
func code(codes map[tcell.Style]byte, legend *[]string, st tcell.Style) byte {
	if c, ok := codes[st]; ok {
		return c
	}
	fg, bg, attr := st.Decompose()
	var c byte = '.'
	if st != tcell.StyleDefault {
		c = byte('a' + len(*legend))
		if c > 'z' {
			c = byte('A' + len(*legend) - 26)
		}
		var as []string
		for _, a := range []struct {
			m tcell.AttrMask
			n string
		}{{tcell.AttrBold, "bold"}, {tcell.AttrReverse, "reverse"}, {tcell.AttrDim, "dim"}, {tcell.AttrItalic, "italic"}, {tcell.AttrBlink, "blink"}} {
			if attr&a.m != 0 {
				as = append(as, a.n)
			}
		}
		if st.GetUnderlineStyle() != tcell.UnderlineStyleNone {
			as = append(as, "underline")
		}
		*legend = append(*legend, fmt.Sprintf("%c fg=%s bg=%s %s", c, colorName(fg), colorName(bg), strings.Join(as, ",")))
	}
	codes[st] = c
	return c
}

func colorName(c tcell.Color) string {
	if c == tcell.ColorDefault {
		return "default"
	}
	return c.Name()
}

// golden compares got with testdata/name.golden (rewritten with -update).
func golden(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join(testdata, name+".golden")
	if *update {
		if err := os.MkdirAll(testdata, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("screen %s differs from %s (go test -update rewrites it):\n%s", name, path, got)
	}
}

// Fixtures.

func proc(pid int32, name string) *sockets.ProcessInfo {
	return &sockets.ProcessInfo{PID: pid, PPID: 1, Name: name, UID: 1000, User: "alice",
		Exe: "/usr/bin/" + name, Cmdline: []string{name, "--serve"}}
}

func tcp(cookie uint64, local, remote string, st sockets.State, p *sockets.ProcessInfo) sockets.Socket {
	s := sockets.Socket{
		Proto: sockets.TCP, Family: sockets.Inet, State: st, Cookie: cookie, Inode: cookie + 1000,
		Local: netip.MustParseAddrPort(local), UID: 1000,
	}
	if remote != "" {
		s.Remote = netip.MustParseAddrPort(remote)
	} else {
		s.Remote = netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	}
	if s.Local.Addr().Is6() {
		s.Family = sockets.Inet6
	}
	if p != nil {
		s.Processes = []sockets.Process{{Info: p, FD: 3}}
	}
	return s
}

// base is a small machine: a web server, its clients, a TIME_WAIT.
func base() []sockets.Socket {
	nginx, curl := proc(812, "nginx"), proc(4242, "curl")
	return []sockets.Socket{
		tcp(1, "0.0.0.0:80", "", sockets.Listen, nginx),
		tcp(2, "10.0.0.5:80", "10.0.0.9:51000", sockets.Established, nginx),
		tcp(3, "10.0.0.5:80", "10.0.0.9:51001", sockets.Established, nginx),
		tcp(4, "10.0.0.5:43210", "93.184.216.34:443", sockets.Established, curl),
		tcp(5, "10.0.0.5:80", "10.0.0.7:40000", sockets.TimeWait, nil),
		tcp(6, "[::]:22", "", sockets.Listen, proc(600, "sshd")),
	}
}

// without returns socks without the socket of cookie.
func without(socks []sockets.Socket, cookie uint64) []sockets.Socket {
	return slices.DeleteFunc(slices.Clone(socks), func(s sockets.Socket) bool { return s.Cookie == cookie })
}

// compileFilter compiles the filter language as the command line does,
// state clauses included.
func compileFilter(expr string) (func(*sockets.Socket) bool, error) {
	e, err := filter.Parse(expr, nil)
	if err != nil {
		return nil, err
	}
	return func(s *sockets.Socket) bool { return e.Match(s, nil) }, nil
}
