package tui

import (
	"cmp"
	"context"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// cookies lists the shown rows' cookies and marks, in order.
func cookies(m *model) []string {
	var out []string
	for i := range m.order {
		r := m.row(i)
		out = append(out, string("=+~-"[r.mark])+itoa(r.s.Cookie))
	}
	return out
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

func TestModelApply(t *testing.T) {
	h := newHarness(t, 80, 24, Options{Color: true}, base()...)
	m := h.v.m
	m.sort = sortSpec{col: colNone}
	h.step()
	if got := cookies(m); !slices.Equal(got, []string{"=1", "=2", "=3", "=4", "=5", "=6"}) {
		t.Fatalf("first poll: %v, want every row unmarked", got)
	}
	churn(h)
	h.step()
	if got := cookies(m); !slices.Equal(got, []string{"-4", "=1", "=2", "~3", "=5", "=6", "+7"}) {
		t.Fatalf("after churn: %v", got)
	}
	if r := m.row(3); r.from != sockets.Established || r.s.State != sockets.CloseWait {
		t.Errorf("changed row: from %v to %v", r.from, r.s.State)
	}
	if m.st.total != 6 || m.st.newN != 1 || m.st.goneN != 1 || m.st.newRate != 1 || m.st.goneRate != 1 {
		t.Errorf("stats %+v", m.st)
	}
	h.step() // a second later
	if got := cookies(m); !slices.Equal(got, []string{"=1", "=2", "~3", "=5", "=6", "+7"}) {
		t.Fatalf("a refresh later: %v, want the closed row gone, the others still coloured (highlightFor)", got)
	}
	h.step() // two seconds after the change
	if got := cookies(m); !slices.Equal(got, []string{"=1", "=2", "=3", "=5", "=6", "=7"}) {
		t.Fatalf("two refreshes later: %v, want no marks", got)
	}
	// An empty snapshot: everything closes, once.
	h.src.socks = nil
	h.step()
	if len(m.order) != 6 || m.st.total != 0 {
		t.Errorf("empty snapshot: %d rows shown, total %d; want 6 closed rows, total 0", len(m.order), m.st.total)
	}
	h.step()
	if len(m.order) != 0 || len(m.rows) != 0 {
		t.Errorf("then: %d rows, want none", len(m.rows))
	}
	h.screen() // draws an empty table
}

func TestModelSteadyMemory(t *testing.T) {
	h := newHarness(t, 80, 24, Options{Color: true}, base()...)
	h.step()
	h.v.m.picked[keyOf(&h.src.socks[1])] = true
	steady := without(base(), 2) // the marked one goes
	capRows := 0
	for i := range 50 {
		// Churn: one socket leaves, another comes; the count stays.
		h.src.socks = append(slices.Clone(steady), tcp(uint64(100+i), "10.0.0.5:80", "10.0.0.8:52000", sockets.Established, nil))
		h.step()
		if i == 5 {
			capRows = cap(h.v.m.rows)
		}
	}
	m := h.v.m
	if len(m.rows) != 7 || cap(m.rows) != capRows {
		t.Errorf("after 50 refreshes: %d rows (cap %d, was %d), want 6 open and 1 closed, no growth", len(m.rows), cap(m.rows), capRows)
	}
	if len(m.picked) != 0 {
		t.Errorf("marks of closed sockets kept: %d", len(m.picked))
	}
}

func TestSelectionFollowsSocket(t *testing.T) {
	h := newHarness(t, 80, 24, Options{Color: true}, base()...)
	h.step()
	// Select nginx's connection from 10.0.0.9:51001 (cookie 3).
	for h.v.m.row(h.v.m.selected()).s.Cookie != 3 {
		h.key(tcell.KeyDown)
	}
	sel := func() uint64 { return h.v.m.row(h.v.m.selected()).s.Cookie }
	h.typ("o") // sort by another column
	if sel() != 3 {
		t.Errorf("after a sort the selection is on %d", sel())
	}
	// Sockets come before it: the selection stays on it.
	h.src.socks = append([]sockets.Socket{tcp(9, "10.0.0.5:80", "10.0.0.1:1", sockets.Established, proc(1, "a"))}, h.src.socks...)
	h.step()
	if sel() != 3 {
		t.Errorf("after a refresh the selection is on %d", sel())
	}
	row, _ := h.v.table.GetSelection()
	if r := h.v.m.row(row - 1); r == nil || r.s.Cookie != 3 {
		t.Errorf("the table selects row %d, not the socket", row)
	}
	// It closes: shown red once, selected still; then the row at its place.
	h.src.socks = without(h.src.socks, 3)
	h.step()
	if sel() != 3 || h.v.m.row(h.v.m.selected()).mark != markGone {
		t.Errorf("closed selected socket: selection on %d", sel())
	}
	h.step()
	if h.v.m.selected() < 0 {
		t.Error("no selection after the selected socket left")
	}
}

func TestSortColumns(t *testing.T) {
	socks := base()
	socks = append(socks,
		sockets.Socket{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Listen, Inode: 77, Path: "/run/b.sock"},
		sockets.Socket{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Established, Inode: 78, Path: "/run/a.sock", Peer: 79},
		tcp(8, "[2001:db8::1]:443", "[2001:db8::2]:1000", sockets.Established, proc(90, "a-very-long-program-name-indeed")),
		tcp(9, "[2001:db8::1]:80", "[2001:db8::2]:1000", sockets.Established, proc(91, "a-very-long-program-name-indeed-too")),
	)
	h := newHarness(t, 80, 24, Options{Color: true}, socks...)
	h.step()
	m := h.v.m
	env := h.v.cellEnv()
	for c := colProto; c < colCount; c++ {
		for _, desc := range []bool{false, true} {
			m.sort = sortSpec{col: c, desc: desc}
			m.refresh()
			for i := 1; i < len(m.order); i++ {
				a, b := m.row(i-1), m.row(i)
				if cmp := compareRows(a, b, c, &env); (!desc && cmp > 0) || (desc && cmp < 0) {
					t.Errorf("sort by %s (desc %v): row %d %q before %q", colKeys[c], desc, i-1, rawText(a, c, &env), rawText(b, c, &env))
				}
			}
		}
	}
}

// compareRows is the reference order of a column: what the packed keys
// must agree with.
func compareRows(a, b *row, c colID, env *cellEnv) int {
	switch c {
	case colLocal, colRemote:
		if (a.s.Proto == sockets.Unix) != (b.s.Proto == sockets.Unix) {
			if a.s.Proto == sockets.Unix {
				return 1
			}
			return -1
		}
		if a.s.Proto == sockets.Unix {
			x, y := a.s.Path, b.s.Path
			if c == colRemote {
				x, y = a.s.PeerPath, b.s.PeerPath
			}
			return compareNames(x, y)
		}
		x, y := a.s.Local, b.s.Local
		if c == colRemote {
			x, y = a.s.Remote, b.s.Remote
		}
		ax, ay := x.Addr().Unmap(), y.Addr().Unmap()
		if ax.Is4() != ay.Is4() {
			if ax.Is4() {
				return -1
			}
			return 1
		}
		return netip.AddrPortFrom(ax, x.Port()).Compare(netip.AddrPortFrom(ay, y.Port()))
	case colState:
		return stateRank(&a.s) - stateRank(&b.s)
	case colProto:
		return cmp.Or(cmp.Compare(a.s.Proto, b.s.Proto), cmp.Compare(a.s.Family, b.s.Family), cmp.Compare(a.s.Type, b.s.Type))
	case colRecvQ:
		return cmp.Compare(a.s.RecvQ, b.s.RecvQ)
	case colSendQ:
		return cmp.Compare(a.s.SendQ, b.s.SendQ)
	case colPID:
		return int(a.pid()) - int(b.pid())
	case colProgram, colUser, colContainer:
		return compareNames(rawText(a, c, env), rawText(b, c, env))
	}
	return 0
}

// compareNames orders names, the empty one last.
func compareNames(x, y string) int {
	switch {
	case x == y:
		return 0
	case x == "":
		return 1
	case y == "":
		return -1
	}
	return strings.Compare(x, y)
}

func TestProcsAggregate(t *testing.T) {
	socks := base()
	// A socket two processes hold counts for both.
	socks[1].Processes = append(socks[1].Processes, sockets.Process{Info: proc(900, "worker"), FD: 4})
	// A unix listener counts as listening, an unconnected UDP socket as
	// Other.
	socks = append(socks,
		sockets.Socket{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Listen, Inode: 70, Processes: []sockets.Process{{Info: proc(600, "sshd")}}},
		sockets.Socket{Proto: sockets.UDP, Family: sockets.Inet, State: sockets.Close, Inode: 71, Local: netip.MustParseAddrPort("0.0.0.0:68"), Processes: []sockets.Process{{Info: proc(600, "sshd")}}},
	)
	h := newHarness(t, 80, 24, Options{Color: true}, socks...)
	h.step()
	p := &procModel{sort: procSort{col: pcolPID}}
	p.build(h.v.m)
	got := map[int32][pcolCount]int{}
	for _, r := range p.rows {
		got[r.pid] = r.counts
	}
	want := map[int32]struct{ total, estab, listen, tw int }{
		0: {1, 0, 0, 1}, 600: {3, 0, 2, 0}, 812: {3, 2, 1, 0}, 900: {1, 1, 0, 0}, 4242: {1, 1, 0, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("processes %v, want %v", got, want)
	}
	for pid, w := range want {
		c := got[pid]
		if c[pcolTotal] != w.total || c[pcolEstab] != w.estab || c[pcolListen] != w.listen || c[pcolTimeWait] != w.tw || (pid == 600 && c[pcolOther] != 1) {
			t.Errorf("pid %d: %v, want %+v", pid, c, w)
		}
	}
	if p.rows[0].pid != 0 || p.rows[len(p.rows)-1].pid != 4242 {
		t.Errorf("sorted by PID: first %d, last %d", p.rows[0].pid, p.rows[len(p.rows)-1].pid)
	}
	p.sort = procSort{col: pcolTotal, desc: true}
	p.sortRows()
	if p.rows[0].pid != 600 || p.rows[1].pid != 812 {
		t.Errorf("by sockets, most first (ties by PID): %d, %d first", p.rows[0].pid, p.rows[1].pid)
	}
	// Enter on a process filters the table to it.
	h.v.opts.Compile = compileFilter
	h.key(tcell.KeyTab)
	h.key(tcell.KeyDown) // 600 and 812 have the most sockets
	h.key(tcell.KeyDown)
	h.key(tcell.KeyUp)
	h.key(tcell.KeyEnter)
	if h.v.showProcs || h.v.filterText != "pid = 812" || len(h.v.m.order) != 3 {
		t.Errorf("Enter on nginx: procs %v, filter %q, %d rows", h.v.showProcs, h.v.filterText, len(h.v.m.order))
	}
}

func TestSearch(t *testing.T) {
	h := newHarness(t, 80, 24, Options{Color: true}, base()...)
	h.step()
	h.typ("s")
	h.typ("ssh")
	if r := h.v.m.row(h.v.m.selected()); r.s.Cookie != 6 {
		t.Errorf("search ssh selected %d", r.s.Cookie)
	}
	h.key(tcell.KeyEnter)
	h.typ("s51")
	h.key(tcell.KeyEnter)
	first := h.v.m.row(h.v.m.selected()).s.Cookie
	h.typ("N")
	second := h.v.m.row(h.v.m.selected()).s.Cookie
	if first != 2 || second != 3 {
		t.Errorf("search 51 then next: %d, %d; want 2, 3", first, second)
	}
	h.typ("szzz")
	h.key(tcell.KeyEnter)
	if !h.v.statusErr {
		t.Errorf("no match: status %q", h.v.status)
	}
}

func TestKeysToggles(t *testing.T) {
	var infos []bool
	h := newHarness(t, 200, 50, Options{Color: true}, base()...)
	poll := h.v.opts.Poll
	h.v.opts.Poll = func(ctx context.Context, info bool) (collect.Snapshot, []collect.Change, error) {
		infos = append(infos, info)
		return poll(ctx, info)
	}
	h.step()
	h.typ("ucbt")
	h.step()
	want := []colID{colProto, colLocal, colRemote, colState, colPID, colProgram, colUser, colContainer, colRTT, colRecvQ, colSendQ}
	if !slices.Equal(h.v.cols, want) {
		t.Errorf("columns %v, want %v", h.v.cols, want)
	}
	if !slices.Equal(infos, []bool{false, true}) {
		t.Errorf("Poll's info: %v, want tcp_info asked once the rtt column shows", infos)
	}
	h.typ(" ")
	if !h.v.paused.Load() {
		t.Error("space did not pause")
	}
	h.typ("p")
	if h.v.paused.Load() {
		t.Error("p did not resume")
	}
	h.typ("++")
	if got := h.v.interval.Load(); got != int64(3e9) {
		t.Errorf("interval after ++: %v", got)
	}
	h.typ("-")
	h.typ("n") // no Namer: says so
	if !h.v.statusErr {
		t.Error("n without a namer: no message")
	}
	h.typ("k") // no Kill: says so
	if !strings.Contains(h.v.status, "not available") {
		t.Errorf("k without Kill: %q", h.v.status)
	}
	golden(t, "columns_200x50", h.screen())
}

// fakeNamer names 10.0.0.9 and port 80.
type fakeNamer struct{}

func (fakeNamer) Host(a netip.Addr) string {
	if a == netip.MustParseAddr("10.0.0.9") {
		return "client.example"
	}
	return ""
}

func (fakeNamer) Service(port uint16, _ sockets.Proto) string {
	if port == 80 {
		return "http"
	}
	return ""
}

func TestNames(t *testing.T) {
	calls := 0
	namer := func(_ context.Context, socks []sockets.Socket) render.Namer {
		calls++
		return fakeNamer{}
	}
	h := newHarness(t, 80, 24, Options{Color: true, Namer: namer}, base()...)
	h.step()
	h.typ("n")
	h.step()
	env := h.v.cellEnv()
	r := h.v.m.row(2) // nginx's first connection
	if got := rawText(r, colRemote, &env); got != "client.example:51000" {
		t.Errorf("remote with names: %q", got)
	}
	if got := rawText(r, colLocal, &env); got != "10.0.0.5:http" {
		t.Errorf("local with names: %q", got)
	}
	golden(t, "names_80x24", h.screen())
	h.typ("n")
	if got := rawText(r, colLocal, &env); calls != 1 || h.v.namer != nil {
		t.Errorf("names off: namer kept (%d calls, %q)", calls, got)
	}
}

func TestZeroSizeScreen(t *testing.T) {
	for _, sz := range [][2]int{{0, 0}, {1, 1}, {10, 3}} {
		h := newHarness(t, sz[0], sz[1], Options{Color: true}, base()...)
		h.step()
		h.key(tcell.KeyEnter)
		h.typ("?")
		h.screen()
		h.typ("x")
		h.typ("w")
		h.screen()
	}
}

func TestFilterChangeColoursNothing(t *testing.T) {
	h := newHarness(t, 80, 24, Options{Color: true, Compile: compileFilter}, base()...)
	h.step()
	h.typ("/sport = :80")
	h.key(tcell.KeyEnter)
	// What the next poll brings may be the new filter's doing (Compile
	// can widen Poll's query): no colours then.
	h.src.socks = append(h.src.socks, tcp(30, "10.0.0.5:80", "10.0.0.3:1", sockets.Established, nil))
	h.step()
	for i := range h.v.m.order {
		if r := h.v.m.row(i); r.mark != markNone {
			t.Errorf("refresh after a filter change: %d marked %d", r.s.Cookie, r.mark)
		}
	}
	if h.v.m.st.hasRates {
		t.Error("rates after a filter change count the filter's changes")
	}
	h.src.socks = append(h.src.socks, tcp(31, "10.0.0.5:80", "10.0.0.3:2", sockets.Established, nil))
	h.step()
	if got := cookies(h.v.m); !slices.Contains(got, "+31") {
		t.Errorf("the refresh after: %v, want 31 new", got)
	}
}

// TestSortRandom checks the radix sort against a comparison of the rows
// on random sockets: every column, both directions, ties broken by the
// socket's identity whatever order the source listed them in.
func TestSortRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	names := []string{"", "a", "b", "nginx", "nginx-worker-process-long", "nginx-worker-process-longer", "[x]"}
	addrs := []string{"10.0.0.1", "10.0.0.2", "0.0.0.0", "::", "::1", "2001:db8::1", "2001:db8::1:0:0:1", "::ffff:10.0.0.1", "fe80::1"}
	var socks []sockets.Socket
	for i := range 600 {
		var s sockets.Socket
		if r.IntN(8) == 0 {
			s = sockets.Socket{Proto: sockets.Unix, Family: sockets.Local, Inode: uint64(5000 + i), Path: names[r.IntN(len(names))], PeerPath: names[r.IntN(len(names))]}
		} else {
			l := netip.AddrPortFrom(netip.MustParseAddr(addrs[r.IntN(len(addrs))]), uint16(r.IntN(4)*20000))
			rm := netip.AddrPortFrom(netip.MustParseAddr(addrs[r.IntN(len(addrs))]), uint16(r.IntN(3)))
			s = tcp(uint64(r.Uint32())<<20|uint64(i), "1.1.1.1:1", "", sockets.State(1+r.IntN(11)), nil)
			s.Local, s.Remote = l, rm
			s.RecvQ, s.SendQ = uint32(r.IntN(3)), uint32(r.IntN(3)<<20)
		}
		if r.IntN(4) > 0 {
			p := proc(int32(r.IntN(5)), names[r.IntN(len(names))])
			p.User, p.Container = names[r.IntN(len(names))], names[r.IntN(len(names))]
			s.Processes = []sockets.Process{{Info: p}}
		}
		socks = append(socks, s)
	}
	h := newHarness(t, 80, 24, Options{Color: true}, socks...)
	h.step()
	m := h.v.m
	env := h.v.cellEnv()
	orders := map[sortSpec][]uint64{}
	for c := colProto; c < colCount; c++ {
		for _, desc := range []bool{false, true} {
			m.sort = sortSpec{col: c, desc: desc}
			m.refresh()
			var ids []uint64
			for i := range m.order {
				ids = append(ids, m.row(i).key.ID)
				if i == 0 {
					continue
				}
				a, b := m.row(i-1), m.row(i)
				cmp := compareRows(a, b, c, &env)
				if desc {
					cmp = -cmp
				}
				if cmp > 0 || cmp == 0 && a.key.ID > b.key.ID {
					t.Fatalf("sort by %s (desc %v): row %d %q (%d) before %q (%d)", colKeys[c], desc, i-1, rawText(a, c, &env), a.key.ID, rawText(b, c, &env), b.key.ID)
				}
			}
			orders[m.sort] = ids
		}
	}
	// The source lists the same sockets in another order: the same rows.
	slices.Reverse(h.src.socks)
	h.step()
	for spec, want := range orders {
		m.sort = spec
		m.refresh()
		for i := range m.order {
			if m.row(i).key.ID != want[i] {
				t.Fatalf("sort %+v: row %d differs when the source lists in another order", spec, i)
			}
		}
	}
}
