package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/textwidth"
)

// inputMode is what the bottom line is taking, if anything.
type inputMode uint8

const (
	inputNone inputMode = iota
	inputFilter
	inputSearch
)

// view is the live view: the model and the widgets that show it. Its
// methods run on the UI goroutine, except what viewState holds.
type view struct {
	viewState
	ctx  context.Context
	opts Options
	m    *model
	f    focuser

	root    *tview.Pages
	main    *tview.Flex
	table   *tview.Table
	procs   *tview.Table
	pm      *procModel
	detail  *tview.TextView
	summary *tview.TextView
	statusV *tview.TextView
	input   *tview.InputField

	cols  []colID
	tog   toggles
	namer render.Namer

	width, height int
	selPos        int  // the selected row's position, for when its socket goes
	syncing       bool // the selection is being set by the view, not the user

	status    string
	statusErr bool
	mode      inputMode
	dialog    string // the name of the open page over the main one, "" if none

	showDetail, showProcs bool
	detailNeed            int             // lines the detail pane's text takes
	filterText            string          // the filter line in force
	search                string          // the last search
	inspected             *sockets.Socket // Inspect's answer for inspectedKey
	inspectedKey          rowKey
	inspecting            bool // an Inspect is in flight
	inspectAgain          bool // and another was asked for meanwhile
	killing               bool // a Kill is in flight

	quit  func()
	async func(work func() func()) // runs work off the UI goroutine, then what it returns on it
}

// newView builds the view; f holds the focus.
func newView(ctx context.Context, opts Options, f focuser) *view {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	v := &view{ctx: ctx, opts: opts, m: newModel(), f: f}
	v.m.userName = opts.UserName
	v.interval.Store(int64(opts.Interval))
	v.wake = make(chan struct{}, 1)
	v.quit = func() {}
	v.async = func(work func() func()) {
		if done := work(); done != nil {
			done()
		}
	}
	setTheme()
	v.cols = columns(opts.Color, v.tog, opts.Namespace != nil)
	v.table = newSocketTable(v)
	v.pm = &procModel{sort: procSort{col: pcolTotal, desc: true}, sel: -1}
	v.procs = newProcTable(v)
	v.detail = tview.NewTextView().SetDynamicColors(false).SetWrap(true).SetScrollable(true)
	v.detail.SetBorder(true)
	v.summary = tview.NewTextView().SetDynamicColors(false).SetWrap(false)
	v.statusV = tview.NewTextView().SetDynamicColors(false).SetWrap(false)
	v.input = tview.NewInputField()
	v.input.SetFieldStyle(tcell.StyleDefault.Underline(true))
	v.input.SetLabelStyle(tcell.StyleDefault.Bold(true))
	v.main = tview.NewFlex().SetDirection(tview.FlexRow)
	v.root = tview.NewPages().AddPage("main", v.main, true, true)
	if opts.Filter != "" && opts.Compile != nil {
		if pred, err := opts.Compile(opts.Filter); err == nil {
			v.filterText = opts.Filter
			v.m.pred = pred
		}
	}
	v.layout()
	v.f.SetFocus(v.table)
	v.refreshView()
	return v
}

// setTheme makes tview draw in the terminal's own colours, so that the
// only colours on screen are the view's marks.
func setTheme() {
	d := tcell.ColorDefault
	tview.Styles = tview.Theme{
		PrimitiveBackgroundColor: d, ContrastBackgroundColor: d, MoreContrastBackgroundColor: d,
		BorderColor: d, TitleColor: d, GraphicsColor: d, PrimaryTextColor: d,
		SecondaryTextColor: d, TertiaryTextColor: d, InverseTextColor: d, ContrastSecondaryTextColor: d,
	}
}

// text returns a message in the view's language.
func (v *view) text(key string, args ...any) string { return i18n.T(v.opts.Lang, key, args...) }

// layout arranges the main page for the current mode and screen size.
func (v *view) layout() {
	v.main.Clear()
	body := tview.Primitive(v.table)
	if v.showProcs {
		body = v.procs
	}
	v.main.AddItem(body, 0, 1, !v.showDetail)
	if v.showDetail && !v.showProcs {
		// The pane takes what its text needs, leaving the table its
		// heading and five rows.
		h := v.detailNeed + 2
		if v.height > 0 {
			h = max(min(h, v.height-2-6), 3)
		}
		v.main.AddItem(v.detail, h, 0, false)
	}
	v.main.AddItem(v.summary, 1, 0, false)
	if v.mode != inputNone {
		v.main.AddItem(v.input, 1, 0, true)
	} else {
		v.main.AddItem(v.statusV, 1, 0, false)
	}
}

// resize takes the screen's size before a draw: what is fitted to the
// width (the summary, the detail pane's height) is fitted again when it
// changed.
func (v *view) resize(w, h int) {
	if w != v.width || h != v.height {
		v.width, v.height = w, h
		v.drawSummary()
		if v.showDetail {
			v.drawDetail()
		}
	}
	v.layout()
}

// setStatus shows a message in the status line; err shows it as an error.
func (v *view) setStatus(msg string, err bool) {
	v.status, v.statusErr = msg, err
	v.drawStatus()
}

func (v *view) drawStatus() {
	v.statusV.Clear()
	msg := v.status
	if msg == "" {
		msg = v.text("tui.status.hint")
	}
	st := styleNormal
	if v.statusErr {
		st = styleError
		if !v.opts.Color {
			st = styleNormal.Bold(true)
		}
	}
	v.statusV.SetTextStyle(st)
	v.statusV.SetText(oneLine(msg))
}

// oneLine makes msg one line of safe text.
func oneLine(msg string) string {
	msg = strings.ReplaceAll(msg, "\n", " ")
	t, _ := render.SafeText(msg)
	return t
}

// refreshView redraws what depends on the model: the columns, the
// selection, the per-process view, the summary, the detail pane.
func (v *view) refreshView() {
	v.cols = columns(v.opts.Color, v.tog, v.opts.Namespace != nil)
	v.syncSelection()
	if v.showProcs {
		v.pm.build(v.m)
		v.syncProcSelection()
	}
	v.drawSummary()
	v.drawStatus()
	if v.showDetail {
		v.drawDetail()
	}
}

// drawSummary writes the summary line: what the view is doing (paused
// or the interval), the counts by state, the rates, then the names and
// filter in force. What does not fit the screen is left out from the
// right.
func (v *view) drawSummary() {
	st := &v.m.st
	var parts []string
	if v.paused.Load() {
		parts = append(parts, "["+v.text("tui.sum.paused")+"]")
	} else {
		parts = append(parts, time.Duration(v.interval.Load()).String())
	}
	parts = append(parts, fmt.Sprintf("%s %d", v.text("tui.sum.total"), st.total))
	if st.hasRates {
		parts = append(parts, fmt.Sprintf("%s %.1f/s", v.text("tui.sum.new"), st.newRate), fmt.Sprintf("%s %.1f/s", v.text("tui.sum.closed"), st.goneRate))
	}
	for _, s := range []sockets.State{sockets.Established, sockets.Listen, sockets.TimeWait, sockets.CloseWait, sockets.SynSent, sockets.SynRecv, sockets.FinWait1, sockets.FinWait2, sockets.LastAck, sockets.Closing} {
		if n := st.byState[s]; n > 0 || s == sockets.Established || s == sockets.Listen {
			parts = append(parts, fmt.Sprintf("%s %d", shortState(s), n))
		}
	}
	if st.unconn > 0 {
		parts = append(parts, fmt.Sprintf("UNCONN %d", st.unconn))
	}
	if n := len(v.m.picked); n > 0 {
		parts = append(parts, v.text("tui.sum.marked", n))
	}
	if v.names.Load() {
		parts = append(parts, v.text("tui.sum.names"))
	}
	if v.filterText != "" {
		parts = append(parts, v.text("tui.sum.filter")+" "+v.filterText)
	}
	var b strings.Builder
	for i, p := range parts {
		p = oneLine(p)
		if i > 0 {
			if v.width > 0 && textwidth.String(b.String())+2+textwidth.String(p) > v.width {
				continue // a later, shorter part may still fit
			}
			b.WriteString("  ")
		}
		b.WriteString(p)
	}
	v.summary.SetTextStyle(styleNormal.Bold(true))
	v.summary.SetText(b.String())
}

// shortState is ss's short name of a state.
func shortState(s sockets.State) string {
	switch s {
	case sockets.Established:
		return "ESTAB"
	case sockets.SynRecv:
		return "SYN-RECV"
	case sockets.SynSent:
		return "SYN-SENT"
	}
	return s.String()
}

// selectionChanged follows a move of the selection.
func (v *view) selectionChanged() {
	v.selPos = max(v.m.selected(), 0)
	if v.showDetail {
		v.drawDetail()
	}
}

// sortBy sorts by col, or reverses the sort when it is already col.
func (v *view) sortBy(col colID) {
	if v.m.sort.col == col {
		v.m.sort.desc = !v.m.sort.desc
	} else {
		v.m.sort = sortSpec{col: col}
	}
	v.m.refresh()
	v.syncSelection()
}

// cycleSort moves the sort to the next (step 1) or previous column shown.
func (v *view) cycleSort(step int) {
	i := -1
	for j, c := range v.cols {
		if c == v.m.sort.col {
			i = j
		}
	}
	n := len(v.cols)
	for k := 0; k < n; k++ {
		i = ((i+step)%n + n) % n
		if v.cols[i] != colMark {
			break
		}
	}
	v.m.sort = sortSpec{col: v.cols[i], desc: v.m.sort.desc}
	v.m.refresh()
	v.syncSelection()
}
