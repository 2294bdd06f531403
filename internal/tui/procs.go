package tui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/sockscope/sockscope/internal/sockets"
)

// procCol names a column of the per-process view.
type procCol uint8

const (
	pcolPID procCol = iota
	pcolProgram
	pcolUser
	pcolTotal
	pcolEstab
	pcolListen
	pcolCloseWait
	pcolTimeWait
	pcolSynSent
	pcolOther
	pcolCount
)

var procColKeys = [pcolCount]string{
	pcolPID: "tui.col.pid", pcolProgram: "tui.col.program", pcolUser: "tui.col.user",
	pcolTotal: "tui.col.total", pcolEstab: "tui.col.estab", pcolListen: "tui.col.listen",
	pcolCloseWait: "tui.col.closewait", pcolTimeWait: "tui.col.timewait",
	pcolSynSent: "tui.col.synsent", pcolOther: "tui.col.other",
}

// A procRow is one process and how many of the shown sockets it holds,
// by state. PID 0 gathers the sockets no process holds (TIME_WAIT,
// orphans) or whose holders could not be seen.
type procRow struct {
	pid    int32
	info   *sockets.ProcessInfo
	counts [pcolCount]int // pcolTotal and the state columns
}

type procSort struct {
	col  procCol
	desc bool
}

// procModel is the per-process view's data, built from the shown rows.
type procModel struct {
	rows []procRow
	sort procSort
	sel  int32 // the selected PID; -1 before the user chose one
}

// build aggregates the model's shown, still open sockets by process.
func (p *procModel) build(m *model) {
	idx := make(map[int32]int, len(p.rows))
	p.rows = p.rows[:0]
	add := func(pid int32, info *sockets.ProcessInfo, s *sockets.Socket) {
		i, ok := idx[pid]
		if !ok {
			i = len(p.rows)
			idx[pid] = i
			p.rows = append(p.rows, procRow{pid: pid, info: info})
		}
		c := &p.rows[i].counts
		c[pcolTotal]++
		c[stateCol(s)]++
	}
	for _, ri := range m.order {
		r := &m.rows[ri]
		if r.mark == markGone {
			continue
		}
		held := false
		for _, h := range r.s.Processes {
			if h.Info != nil {
				add(h.Info.PID, h.Info, &r.s)
				held = true
			}
		}
		if !held {
			add(0, nil, &r.s)
		}
	}
	p.sortRows()
}

// stateCol is the count column of a socket's state: a connected or
// listening socket of any protocol (a unix listener, a connected UDP
// socket) counts as such; unconnected ones and the rarer TCP states as
// Other.
func stateCol(s *sockets.Socket) procCol {
	switch s.State {
	case sockets.Established:
		return pcolEstab
	case sockets.Listen:
		return pcolListen
	case sockets.CloseWait:
		return pcolCloseWait
	case sockets.TimeWait:
		return pcolTimeWait
	case sockets.SynSent:
		return pcolSynSent
	}
	return pcolOther
}

func (r *procRow) name() string {
	if r.info == nil {
		return ""
	}
	return r.info.Name
}

func (r *procRow) user() string {
	if r.info == nil {
		return ""
	}
	return r.info.User
}

// sortRows sorts by the chosen column, then by PID.
func (p *procModel) sortRows() {
	col, desc := p.sort.col, p.sort.desc
	slices.SortFunc(p.rows, func(a, b procRow) int {
		var c int
		switch col {
		case pcolPID:
		case pcolProgram:
			c = strings.Compare(a.name(), b.name())
		case pcolUser:
			c = strings.Compare(a.user(), b.user())
		default:
			c = cmp.Compare(a.counts[col], b.counts[col])
		}
		if desc {
			c = -c
		}
		if c == 0 {
			c = cmp.Compare(a.pid, b.pid)
			if desc && col == pcolPID {
				c = -c
			}
		}
		return c
	})
}

// cycle moves the sort to the next or previous of cols.
func (p *procModel) cycle(cols []procCol, step int) {
	i := 0
	for j, c := range cols {
		if c == p.sort.col {
			i = j
		}
	}
	n := len(cols)
	p.sort.col = cols[((i+step)%n+n)%n]
}

// position returns the row index of pid, or -1.
func (p *procModel) position(pid int32) int {
	for i := range p.rows {
		if p.rows[i].pid == pid {
			return i
		}
	}
	return -1
}

// procTable is the per-process view's virtual table content.
type procTable struct {
	tview.TableContentReadOnly
	v *view
}

func (t *procTable) GetRowCount() int    { return len(t.v.pm.rows) + 1 }
func (t *procTable) GetColumnCount() int { return len(t.v.procCols()) }

// procCols are the per-process columns that fit: the user's goes below
// 100 columns.
func (v *view) procCols() []procCol {
	cs := make([]procCol, 0, pcolCount)
	for c := range pcolCount {
		if c != pcolUser || v.width == 0 || v.width >= 100 {
			cs = append(cs, c)
		}
	}
	return cs
}

func (t *procTable) GetCell(row, column int) *tview.TableCell {
	v, p := t.v, t.v.pm
	cols := v.procCols()
	if column < 0 || column >= len(cols) {
		return nil
	}
	c := cols[column]
	align := tview.AlignRight
	if c == pcolProgram || c == pcolUser {
		align = tview.AlignLeft
	}
	if row == 0 {
		text := v.text(procColKeys[c])
		if p.sort.col == c {
			text += map[bool]string{false: "▲", true: "▼"}[p.sort.desc]
		}
		return &tview.TableCell{Text: text, Style: styleHeader, NotSelectable: true, Align: align}
	}
	if row-1 >= len(p.rows) {
		return nil
	}
	r := &p.rows[row-1]
	var text string
	switch c {
	case pcolPID:
		if r.pid != 0 {
			text = strconv.Itoa(int(r.pid))
		} else {
			text = "-"
		}
	case pcolProgram:
		text = r.name()
		if r.pid == 0 {
			text = v.text("tui.procs.none")
		}
		text = cutRight(text, 14+10*min(v.width/100, 1))
	case pcolUser:
		text = cutRight(r.user(), 16)
	default:
		text = strconv.Itoa(r.counts[c])
	}
	return &tview.TableCell{Text: safe(text), Style: styleNormal, SelectedStyle: styleSelect, Align: align}
}

// newProcTable makes the per-process table.
func newProcTable(v *view) *tview.Table {
	t := tview.NewTable().SetContent(&procTable{v: v})
	t.SetFixed(1, 0).SetSelectable(true, false).SetSelectedStyle(styleSelect)
	t.SetSelectionChangedFunc(func(row, _ int) {
		if !v.syncing && row >= 1 && row-1 < len(v.pm.rows) {
			v.pm.sel = v.pm.rows[row-1].pid
		}
	})
	t.SetMouseCapture(func(action tview.MouseAction, ev *tcell.EventMouse) (tview.MouseAction, *tcell.EventMouse) {
		if action == tview.MouseLeftClick {
			x, y := ev.Position()
			if row, col := t.CellAt(x, y); row == 0 && col >= 0 && col < len(v.procCols()) {
				c := v.procCols()[col]
				if v.pm.sort.col == c {
					v.pm.sort.desc = !v.pm.sort.desc
				} else {
					v.pm.sort = procSort{col: c, desc: c >= pcolTotal}
				}
				v.pm.sortRows()
				v.syncProcSelection()
				return tview.MouseConsumed, nil
			}
		}
		return action, ev
	})
	return t
}

// syncProcSelection keeps the per-process selection on its PID.
func (v *view) syncProcSelection() {
	i := max(v.pm.position(v.pm.sel), 0)
	if i < len(v.pm.rows) {
		v.pm.sel = v.pm.rows[i].pid
	}
	v.syncing = true
	v.procs.Select(i+1, 0)
	v.syncing = false
}

// toggleProcs switches between the socket table and the per-process view.
func (v *view) toggleProcs() {
	v.showProcs = !v.showProcs
	if v.showProcs {
		v.pm.build(v.m)
		v.syncProcSelection()
		v.f.SetFocus(v.procs)
	} else {
		v.f.SetFocus(v.table)
	}
	v.layout()
}

// procEnter filters the socket table to the selected process's sockets.
func (v *view) procEnter() {
	pid := v.pm.sel
	v.toggleProcs()
	if pid == 0 || v.opts.Compile == nil {
		return
	}
	v.applyFilter("pid = " + strconv.Itoa(int(pid)))
}
