package tui

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/sockets"
)

// churn moves h's machine on: a new connection (7), a state change (3 to
// CLOSE_WAIT) and a closed one (4, curl's).
func churn(h *harness) {
	socks := without(h.src.socks, 4)
	for i := range socks {
		if socks[i].Cookie == 3 {
			socks[i].State = sockets.CloseWait
		}
	}
	h.src.socks = append(socks, tcp(7, "10.0.0.5:80", "10.0.0.8:52000", sockets.Established, socks[0].Processes[0].Info))
}

var sizes = []struct {
	name string
	w, h int
}{{"80x24", 80, 24}, {"200x50", 200, 50}}

func TestScreenColours(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			h := newHarness(t, sz.w, sz.h, Options{Color: true}, base()...)
			h.step()
			golden(t, "initial_"+sz.name, h.screen())
			churn(h)
			h.step()
			golden(t, "colours_"+sz.name, h.screen())
			h.step() // the closed row leaves; new and changed stay coloured 2 s
			golden(t, "colours_after_"+sz.name, h.screen())
			h.step() // the colours go
			golden(t, "colours_later_"+sz.name, h.screen())
		})
	}
}

func TestScreenMarkers(t *testing.T) {
	h := newHarness(t, 80, 24, Options{Color: false}, base()...)
	h.step()
	churn(h)
	h.step()
	h.key(tcell.KeyDown)
	h.typ("m") // one marked for closing
	golden(t, "markers_80x24", h.screen())
}

func TestScreenSort(t *testing.T) {
	h := newHarness(t, 80, 24, Options{Color: true}, base()...)
	h.step()
	h.typ("oooo") // proto, local, remote, state
	golden(t, "sort_state_80x24", h.screen())
	h.typ("O")
	golden(t, "sort_state_desc_80x24", h.screen())
}

func TestScreenFilterError(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			h := newHarness(t, sz.w, sz.h, Options{Color: true, Compile: compileFilter}, base()...)
			h.step()
			h.typ("/sport = :80")
			h.key(tcell.KeyEnter)
			h.typ("/")
			golden(t, "filter_input_"+sz.name, h.screen())
			h.typ(" and (")
			h.key(tcell.KeyEnter)
			golden(t, "filter_error_"+sz.name, h.screen())
			if h.v.filterText != "sport = :80" {
				t.Errorf("filter after an invalid one = %q, want the old one kept", h.v.filterText)
			}
		})
	}
}

// detailSocket has every holder detail and tcp_info.
func detailHarness(t *testing.T, w, ht int) *harness {
	p := proc(812, "nginx")
	p.ExeDeleted = true
	p.Cgroup = "/system.slice/nginx.service"
	p.Unit = "nginx.service"
	p.Container = "3f2a9c1b7d4e"
	p.Cmdline = []string{"nginx: worker process"}
	socks := base()
	socks[1].Processes = []sockets.Process{{Info: p, FD: 7}, {Info: proc(813, "nginx"), FD: 7}}
	inspect := func(_ context.Context, s *sockets.Socket) (*sockets.Socket, error) {
		c := *s
		c.Internals = &sockets.Internals{Has: sockets.HasTCPInfo | sockets.HasCongestion, Congestion: "cubic"}
		c.Internals.TCP = sockets.TCPInfo{Len: sockets.TCPInfoLenTotalRetrans, State: uint8(sockets.Established), RTT: 1500, RTTVar: 250, RTO: 204000, SndMSS: 1448, RcvMSS: 536, SndCwnd: 10, AdvMSS: 1448}
		return &c, nil
	}
	h := newHarness(t, w, ht, Options{Color: true, Inspect: inspect, OS: "linux"}, socks...)
	h.step()
	return h
}

func TestScreenDetail(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			h := detailHarness(t, sz.w, sz.h)
			h.key(tcell.KeyDown) // past curl and nginx's listener
			h.key(tcell.KeyDown)
			h.key(tcell.KeyEnter)
			golden(t, "detail_"+sz.name, h.screen())
		})
	}
}

func TestScreenProcs(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			h := newHarness(t, sz.w, sz.h, Options{Color: true}, base()...)
			h.step()
			h.key(tcell.KeyTab)
			golden(t, "procs_"+sz.name, h.screen())
		})
	}
}

func TestScreenKill(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) { testScreenKill(t, sz.name, sz.w, sz.h) })
	}
}

func testScreenKill(t *testing.T, size string, w, ht int) {
	var got []sockets.Socket
	kill := func(_ context.Context, socks []sockets.Socket) []error {
		got = append(got, socks...)
		return []error{nil, syscall.EPERM}
	}
	h := newHarness(t, w, ht, Options{Color: true, Kill: kill}, base()...)
	h.step()
	h.typ("M") // nothing marked: M is harmless
	for range 2 {
		h.key(tcell.KeyDown) // from curl, past nginx's listener, to its connections
	}
	h.typ("mm")
	h.typ("k")
	golden(t, "kill_ask_"+size, h.screen())
	h.key(tcell.KeyLeft) // from Cancel to Close
	h.key(tcell.KeyEnter)
	if len(got) != 2 || got[0].Cookie != 2 || got[1].Cookie != 3 {
		t.Fatalf("Kill got %d sockets, want cookies 2 and 3", len(got))
	}
	golden(t, "kill_result_"+size, h.screen())
	h.key(tcell.KeyEnter)
	if h.v.dialog != "" {
		t.Errorf("dialog %q still open after OK", h.v.dialog)
	}
}

func TestScreenKillCancel(t *testing.T) {
	called := false
	kill := func(context.Context, []sockets.Socket) []error { called = true; return nil }
	h := newHarness(t, 80, 24, Options{Color: true, Kill: kill}, base()...)
	h.step()
	h.typ("k")
	h.key(tcell.KeyEnter) // Cancel has the focus
	if called {
		t.Error("Enter on the confirmation closed the connection: Cancel must be the default")
	}
}

func TestScreenSave(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) { testScreenSave(t, sz.name, sz.w, sz.h) })
	}
}

func testScreenSave(t *testing.T, size string, w, ht int) {
	dir := t.TempDir()
	h := newHarness(t, w, ht, Options{Color: true, Compile: compileFilter}, base()...)
	h.step()
	h.typ("/state established")
	h.key(tcell.KeyEnter)
	h.typ("w")
	golden(t, "save_"+size, h.screen())
	name := filepath.Join(dir, "view.json")
	h.key(tcell.KeyCtrlU) // clear the proposed name
	h.typ(name)
	h.key(tcell.KeyTab) // format: JSON
	h.key(tcell.KeyTab) // Save
	h.key(tcell.KeyEnter)
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (status: %q)", err, h.v.status)
	}
	var doc struct {
		Schema  int `json:"schema"`
		Sockets []struct {
			State string `json:"state"`
		} `json:"sockets"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("saved JSON: %v\n%s", err, data)
	}
	if doc.Schema != 1 || len(doc.Sockets) != 3 {
		t.Errorf("saved schema %d with %d sockets, want schema 1 and the 3 established shown", doc.Schema, len(doc.Sockets))
	}
	// A second save to the same name is refused, not an overwrite.
	h.v.save(name, false)
	if !h.v.statusErr || !strings.Contains(h.v.status, "exists") {
		t.Errorf("saving over a file: status %q, want an error", h.v.status)
	}
}

func TestScreenHelp(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			h := newHarness(t, sz.w, sz.h, Options{Color: true}, base()...)
			h.step()
			h.typ("?")
			golden(t, "help_"+sz.name, h.screen())
			h.typ("x")
			if h.v.dialog != "" {
				t.Error("a key did not close the help")
			}
		})
	}
}

func TestScreenChinese(t *testing.T) {
	h := newHarness(t, 80, 24, Options{Color: true, Lang: "zh-CN"}, base()...)
	h.step()
	churn(h)
	h.step()
	golden(t, "zh_80x24", h.screen())
}

func TestScreenPollError(t *testing.T) {
	h := newHarness(t, 80, 24, Options{Color: true}, base()...)
	h.step()
	h.v.applyPoll(collect.Snapshot{}, nil, errors.New("netlink: permission denied"), nil)
	if !h.v.statusErr || !strings.Contains(h.v.status, "permission denied") {
		t.Errorf("status %q after a failed poll", h.v.status)
	}
	if len(h.v.m.order) != len(base()) {
		t.Errorf("a failed poll dropped the rows: %d shown", len(h.v.m.order))
	}
}

// mixed has what squeezes and escapes: long IPv6 endpoints, a long
// program name with a style tag and a control byte in it, UDP, unix
// sockets, a socket no process holds.
func mixed() []sockets.Socket {
	odd := proc(31337, "[red]evil\x1b[2J-name-long")
	udp := tcp(20, "0.0.0.0:53", "", sockets.Close, proc(53, "dnsmasq"))
	udp.Proto = sockets.UDP
	return []sockets.Socket{
		tcp(21, "[2001:db8:aaaa:bbbb:cccc:dddd:eeee:1]:443", "[2001:db8:1111:2222:3333:4444:5555:6666]:60000", sockets.Established, odd),
		udp,
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Listen, Inode: 501, Path: "/run/systemd/journal/very/long/path/to/a/socket/stdout", UID: 0, Processes: []sockets.Process{{Info: proc(1, "systemd"), FD: 9}}},
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Dgram, State: sockets.Close, Inode: 502, Path: "@abstract[x]", Peer: 503, UID: sockets.NoUID},
		tcp(22, "127.0.0.1:5432", "127.0.0.1:40000", sockets.Established, nil),
	}
}

func TestScreenMixed(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) {
			h := newHarness(t, sz.w, sz.h, Options{Color: false, UserName: func(uid uint32) string { return "root" }}, mixed()...)
			h.step()
			h.typ("u")
			got := h.screen()
			if strings.ContainsRune(got, 0x1b) {
				t.Error("an escape byte from a process name reached the screen")
			}
			golden(t, "mixed_"+sz.name, got)
			h.key(tcell.KeyEnter)
			golden(t, "mixed_detail_"+sz.name, h.screen())
		})
	}
}

func TestMouseSortsByHeading(t *testing.T) {
	h := newHarness(t, 80, 24, Options{Color: true}, base()...)
	h.step()
	h.screen() // lays the table out
	// Click the State heading (x 40 in the 80x24 layout), twice.
	click := func(x int) {
		ev := tcell.NewEventMouse(x, 0, tcell.Button1, tcell.ModNone)
		h.v.root.MouseHandler()(tview.MouseLeftClick, ev, h.v.f.SetFocus)
	}
	click(40)
	if h.v.m.sort != (sortSpec{col: colState}) {
		t.Errorf("after a click on State: sort %+v", h.v.m.sort)
	}
	click(40)
	if h.v.m.sort != (sortSpec{col: colState, desc: true}) {
		t.Errorf("after a second click: sort %+v", h.v.m.sort)
	}
}

func TestScreenResize(t *testing.T) {
	h := newHarness(t, 200, 50, Options{Color: true}, base()...)
	h.step()
	churn(h)
	h.step()
	h.screen()
	h.w, h.h = 80, 24
	golden(t, "resized_80x24", h.screen())
	// Fitted to 200 columns, the summary would be cut inside its last
	// part ("CLOSE_WA"); fitted again, it leaves the part out.
	for _, line := range strings.Split(h.screen(), "\n") {
		if strings.Contains(line, "Total") && strings.Contains(line, "CLOSE_WA") {
			t.Errorf("the summary was not fitted again to the narrower screen: %q", line)
		}
	}
}

func TestScreenSaveCSV(t *testing.T) {
	name := filepath.Join(t.TempDir(), "view.csv")
	h := newHarness(t, 80, 24, Options{Color: true}, base()...)
	h.step()
	h.v.save(name, true)
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(data), "\n"); lines != 7 {
		t.Errorf("CSV of 6 sockets has %d lines, want a header and 6 rows:\n%s", lines, data)
	}
}

func TestDialogKeepsTheMouse(t *testing.T) {
	kill := func(context.Context, []sockets.Socket) []error { return nil }
	h := newHarness(t, 80, 24, Options{Color: true, Kill: kill}, base()...)
	h.step()
	h.typ("k")
	h.screen()
	// A click on the table beside the dialog.
	ev := tcell.NewEventMouse(2, 2, tcell.Button1, tcell.ModNone)
	for _, a := range []tview.MouseAction{tview.MouseLeftDown, tview.MouseLeftUp, tview.MouseLeftClick} {
		h.v.root.MouseHandler()(a, ev, h.v.f.SetFocus)
	}
	if h.v.f.GetFocus() == tview.Primitive(h.v.table) {
		t.Error("a click beside the dialog gave the table the focus under the open dialog")
	}
	h.key(tcell.KeyEscape)
	if h.v.dialog != "" {
		t.Errorf("Esc did not close the dialog %q", h.v.dialog)
	}
}

func TestFocusComesBack(t *testing.T) {
	h := newHarness(t, 80, 24, Options{Color: true, Compile: compileFilter}, base()...)
	h.step()
	h.screen()
	// The status line took the focus (a click): arrows still move.
	h.v.f.SetFocus(h.v.statusV)
	h.key(tcell.KeyDown)
	if h.v.m.selected() != 1 {
		t.Errorf("Down with the focus astray: row %d selected", h.v.m.selected())
	}
	// The table took it from the open filter line: typing still goes
	// to the line.
	h.typ("/")
	h.v.f.SetFocus(h.v.table)
	h.typ("state listen")
	h.key(tcell.KeyEnter)
	if h.v.filterText != "state listen" || len(h.v.m.order) != 2 {
		t.Errorf("filter %q, %d rows", h.v.filterText, len(h.v.m.order))
	}
}

func TestSaveFormatSetsExtension(t *testing.T) {
	t.Chdir(t.TempDir()) // a name the golden screen can show
	h := newHarness(t, 80, 24, Options{Color: true}, base()...)
	h.step()
	h.typ("w")
	h.key(tcell.KeyCtrlU)
	h.typ("x.json")
	h.key(tcell.KeyTab)   // the format
	h.key(tcell.KeyEnter) // opens the list
	h.key(tcell.KeyDown)  // CSV
	h.key(tcell.KeyEnter)
	golden(t, "save_csv_80x24", h.screen())
	h.key(tcell.KeyTab) // Save
	h.key(tcell.KeyEnter)
	data, err := os.ReadFile("x.csv")
	if err != nil {
		t.Fatalf("%v (status %q)", err, h.v.status)
	}
	if !strings.HasPrefix(string(data), "proto,") && !strings.Contains(strings.SplitN(string(data), "\n", 2)[0], "proto") {
		t.Errorf("not CSV:\n%s", data)
	}
}
