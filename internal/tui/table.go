package tui

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// Styles. Colours are the terminal's eight basic ones, which every
// colour terminal has; without colour only attributes are used.
var (
	styleNormal  = tcell.StyleDefault
	styleHeader  = tcell.StyleDefault.Bold(true).Underline(true)
	styleSelect  = tcell.StyleDefault.Reverse(true)
	styleNew     = tcell.StyleDefault.Foreground(tcell.ColorBlack).Background(tcell.ColorGreen)
	styleChanged = tcell.StyleDefault.Foreground(tcell.ColorBlack).Background(tcell.ColorYellow)
	styleGone    = tcell.StyleDefault.Foreground(tcell.ColorWhite).Background(tcell.ColorRed)
	stylePicked  = tcell.StyleDefault.Foreground(tcell.ColorWhite).Background(tcell.ColorBlue)
	styleError   = tcell.StyleDefault.Foreground(tcell.ColorRed).Bold(true)
)

// markStyle is the style of a row, and the style it has when selected.
func markStyle(mk mark, picked, color bool) (tcell.Style, tcell.Style) {
	if !color {
		if picked {
			return styleNormal.Bold(true), styleSelect.Bold(true)
		}
		return styleNormal, styleSelect
	}
	var st tcell.Style
	switch {
	case mk == markNew:
		st = styleNew
	case mk == markChanged:
		st = styleChanged
	case mk == markGone:
		st = styleGone
	case picked:
		st = stylePicked
	default:
		return styleNormal, styleSelect
	}
	// Selected, a coloured row shows its colour as the text's, so that
	// the selection and the colour both stay visible.
	_, bg, _ := st.Decompose()
	return st, tcell.StyleDefault.Foreground(bg).Bold(true).Underline(true)
}

// socketTable is the socket table's virtual content: it formats only
// the cells tview asks for, which are the ones on screen.
type socketTable struct {
	tview.TableContentReadOnly
	v *view
}

func (t *socketTable) GetRowCount() int    { return len(t.v.m.order) + 1 }
func (t *socketTable) GetColumnCount() int { return len(t.v.cols) }

func (t *socketTable) GetCell(row, column int) *tview.TableCell {
	v := t.v
	if column < 0 || column >= len(v.cols) {
		return nil
	}
	c := v.cols[column]
	if row == 0 {
		text := v.text(colKeys[c])
		if v.m.sort.col == c {
			if v.m.sort.desc {
				text += "▼"
			} else {
				text += "▲"
			}
		}
		cell := &tview.TableCell{Text: text, Style: styleHeader, NotSelectable: true}
		if c.numeric() {
			cell.Align = tview.AlignRight
		}
		return cell
	}
	r := v.m.row(row - 1)
	if r == nil {
		return nil
	}
	env := v.cellEnv()
	env.picked = v.m.picked[r.key]
	st, sel := markStyle(r.mark, env.picked, v.opts.Color)
	cell := &tview.TableCell{Text: cellText(r, c, &env), Style: st, SelectedStyle: sel}
	if c.numeric() {
		cell.Align = tview.AlignRight
	}
	return cell
}

// cellEnv is what formatting needs, for the current screen width: the
// six base columns fit 80 columns when addresses and names are cut.
func (v *view) cellEnv() cellEnv {
	e := cellEnv{namer: v.namer, userName: v.opts.UserName, netns: v.opts.Namespace}
	switch {
	case v.width >= 160:
		e.addrMax, e.progMax = 48, 32
	case v.width >= 120:
		e.addrMax, e.progMax = 30, 20
	default:
		e.addrMax, e.progMax = 21, 14
	}
	return e
}

// newSocketTable makes the tview table over the model.
func newSocketTable(v *view) *tview.Table {
	t := tview.NewTable().SetContent(&socketTable{v: v})
	t.SetFixed(1, 0).SetSelectable(true, false).SetSelectedStyle(styleSelect)
	t.SetSelectionChangedFunc(func(row, _ int) {
		if !v.syncing {
			v.m.selectAt(row - 1)
			v.selectionChanged()
		}
	})
	t.SetMouseCapture(func(action tview.MouseAction, ev *tcell.EventMouse) (tview.MouseAction, *tcell.EventMouse) {
		if action == tview.MouseLeftClick {
			x, y := ev.Position()
			if row, col := t.CellAt(x, y); row == 0 && col >= 0 && col < len(v.cols) {
				v.sortBy(v.cols[col])
				return tview.MouseConsumed, nil
			}
		}
		return action, ev
	})
	return t
}

// syncSelection puts the table's selection on the selected socket (it
// follows its socket across refreshes and sorts), or on the nearest row
// when that socket is gone from view.
func (v *view) syncSelection() {
	i := v.m.selected()
	if i < 0 {
		i = min(max(v.selPos, 0), len(v.m.order)-1)
		v.m.selectAt(i)
	}
	if i < 0 {
		i = 0
	}
	v.selPos = i
	v.syncing = true
	v.table.Select(i+1, 0)
	v.syncing = false
}
