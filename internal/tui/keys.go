package tui

import (
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// handleKey is every key's way in: the application's input capture, and
// the tests'. Keys of the view are handled here; the rest go to the
// widget that has the focus (the table's arrows and pages, a dialog's
// buttons, the input line's editing).
func (v *view) handleKey(ev *tcell.EventKey) {
	if ev.Key() == tcell.KeyCtrlC {
		v.quit()
		return
	}
	if v.dialog == "help" {
		v.closeDialog()
		return
	}
	if v.dialog != "" {
		v.forward(ev)
		return
	}
	// A click may have given the focus elsewhere (a line of text, the
	// table under the input line): keys go where the mode says.
	if v.mode != inputNone {
		if v.f.GetFocus() != tview.Primitive(v.input) {
			v.f.SetFocus(v.input)
		}
		v.forward(ev)
		return
	}
	body := tview.Primitive(v.table)
	if v.showProcs {
		body = v.procs
	}
	if f := v.f.GetFocus(); f != body && !(v.showDetail && f == tview.Primitive(v.detail)) {
		v.f.SetFocus(body)
	}
	switch ev.Key() {
	case tcell.KeyEnter:
		if v.showProcs {
			v.procEnter()
		} else {
			v.showDetail = !v.showDetail
			v.f.SetFocus(body)
			v.layout()
			if v.showDetail {
				v.drawDetail()
			}
		}
		return
	case tcell.KeyEscape:
		switch {
		case v.showDetail:
			v.showDetail = false
			v.f.SetFocus(body)
			v.layout()
		case v.showProcs:
			v.toggleProcs()
		}
		return
	case tcell.KeyTab, tcell.KeyBacktab:
		v.toggleProcs()
		return
	case tcell.KeyDelete:
		v.askKill()
		return
	case tcell.KeyInsert:
		v.pick()
		return
	case tcell.KeyRune:
		if v.rune(ev.Rune()) {
			return
		}
	}
	v.forward(ev)
}

// rune handles a typed character; false: it is not one of the view's.
func (v *view) rune(r rune) bool {
	switch r {
	case 'q':
		v.quit()
	case '?', 'h':
		v.showHelp()
	case ' ', 'p':
		v.paused.Store(!v.paused.Load())
		if !v.paused.Load() {
			v.wakeLoop()
		}
		v.drawSummary()
	case '+', '=':
		v.stepInterval(1)
	case '-', '_':
		v.stepInterval(-1)
	case 'o', '>':
		v.sortNext(1)
	case '<':
		v.sortNext(-1)
	case 'O', 'r':
		v.sortReverse()
	case '/', 'f':
		v.openInput(inputFilter)
	case 's':
		v.openInput(inputSearch)
	case 'N':
		v.findNext(v.search, 1)
	case 'n':
		v.toggleNames()
	case 'u':
		v.tog.user = !v.tog.user
		v.refreshView()
	case 'c':
		v.tog.container = !v.tog.container
		v.refreshView()
	case 't':
		v.tog.rtt = !v.tog.rtt
		v.wantInfo.Store(v.tog.rtt)
		if v.tog.rtt {
			v.wakeLoop()
		}
		v.refreshView()
	case 'b':
		v.tog.queues = !v.tog.queues
		v.refreshView()
	case 'k':
		v.askKill()
	case 'm':
		v.pick()
	case 'M':
		clear(v.m.picked)
		v.drawSummary()
	case 'w':
		v.askSave()
	case 'P':
		v.toggleProcs()
	default:
		return false
	}
	return true
}

// forward gives a key to the widget that has the focus, through the
// widgets that contain it, as tview's Application does.
func (v *view) forward(ev *tcell.EventKey) {
	if h := v.root.InputHandler(); h != nil {
		h(ev, v.f.SetFocus)
	}
}

// stepInterval moves the refresh interval one step longer (1) or
// shorter (-1).
func (v *view) stepInterval(step int) {
	cur := time.Duration(v.interval.Load())
	i := 0
	for i < len(intervals)-1 && intervals[i] < cur {
		i++
	}
	i = min(max(i+step, 0), len(intervals)-1)
	v.interval.Store(int64(intervals[i]))
	v.wakeLoop()
	v.drawSummary()
}

// toggleNames turns name resolution on or off.
func (v *view) toggleNames() {
	if v.opts.Namer == nil {
		v.setStatus(v.text("tui.status.nonames"), true)
		return
	}
	on := !v.names.Load()
	v.names.Store(on)
	if on {
		v.wakeLoop()
	} else {
		v.namer = nil
	}
	v.drawSummary()
}

// pick marks or unmarks the selected row for closing, then moves down.
func (v *view) pick() {
	if v.showProcs {
		return
	}
	i := v.m.selected()
	v.m.togglePick(i)
	if i+1 < len(v.m.order) {
		v.m.selectAt(i + 1)
	}
	v.syncSelection()
	v.drawSummary()
}

// sortNext sorts by the next or previous column.
func (v *view) sortNext(step int) {
	if v.showProcs {
		v.pm.cycle(v.procCols(), step)
		v.pm.sortRows()
		v.syncProcSelection()
		return
	}
	v.cycleSort(step)
}

// sortReverse reverses the sort.
func (v *view) sortReverse() {
	if v.showProcs {
		v.pm.sort.desc = !v.pm.sort.desc
		v.pm.sortRows()
		v.syncProcSelection()
		return
	}
	if v.m.sort.col == colNone {
		v.cycleSort(1)
	}
	v.m.sort.desc = !v.m.sort.desc
	v.m.refresh()
	v.syncSelection()
}

// openInput opens the bottom line for a filter or a search.
func (v *view) openInput(mode inputMode) {
	if mode == inputFilter && v.opts.Compile == nil {
		v.setStatus(v.text("tui.status.nofilter"), true)
		return
	}
	if v.showProcs {
		v.toggleProcs()
	}
	v.mode = mode
	start := v.m.selected()
	switch mode {
	case inputFilter:
		v.input.SetLabel(v.text("tui.input.filter") + " ").SetText(v.filterText)
		v.input.SetChangedFunc(nil)
	case inputSearch:
		v.input.SetLabel(v.text("tui.input.search") + " ").SetText("")
		v.input.SetChangedFunc(func(text string) {
			v.m.selectAt(start)
			v.findFrom(text, max(start, 0), 1)
		})
	}
	v.input.SetDoneFunc(func(key tcell.Key) {
		text := v.input.GetText()
		v.mode = inputNone
		v.layout()
		v.f.SetFocus(v.table)
		if key != tcell.KeyEnter {
			return
		}
		if mode == inputFilter {
			v.applyFilter(text)
		} else {
			v.search = text
		}
	})
	v.layout()
	v.f.SetFocus(v.input)
}

// applyFilter compiles and applies a filter line; an invalid one keeps
// the filter in force and shows the error.
func (v *view) applyFilter(text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		v.filterText = ""
		v.m.quiet = true
		v.m.setFilter(nil)
		v.setStatus("", false)
		v.refreshView()
		return
	}
	pred, err := v.opts.Compile(text)
	if err != nil {
		v.setStatus(v.text("tui.status.badfilter", err.Error()), true)
		return
	}
	v.filterText = text
	v.m.quiet = true
	v.m.setFilter(pred)
	v.setStatus("", false)
	v.refreshView()
}

// findNext jumps to the next row (after the selected one) that matches.
func (v *view) findNext(text string, step int) {
	if text == "" {
		return
	}
	v.findFrom(text, v.m.selected()+step, step)
}

// findFrom selects the first row from position i on (wrapping) whose
// text contains text, case-insensitively; if none, says so.
func (v *view) findFrom(text string, i, step int) {
	if text == "" {
		v.syncSelection()
		return
	}
	n := len(v.m.order)
	needle := strings.ToLower(text)
	env := v.cellEnv()
	for k := 0; k < n; k++ {
		j := ((i+k*step)%n + n) % n
		if v.rowMatches(v.m.row(j), needle, &env) {
			v.m.selectAt(j)
			v.syncSelection()
			v.selectionChanged()
			if v.statusErr {
				v.setStatus("", false)
			}
			return
		}
	}
	v.setStatus(v.text("tui.status.notfound", text), true)
}

// rowMatches says whether any shown column of r contains needle.
func (v *view) rowMatches(r *row, needle string, env *cellEnv) bool {
	for _, c := range v.cols {
		if c == colMark {
			continue
		}
		if strings.Contains(strings.ToLower(rawText(r, c, env)), needle) {
			return true
		}
	}
	return false
}
