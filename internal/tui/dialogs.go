package tui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/textwidth"
)

// openDialog shows p over the main page and gives it the focus.
func (v *view) openDialog(name string, p tview.Primitive, focus tview.Primitive) {
	v.dialog = name
	v.root.AddPage(name, p, true, true)
	v.f.SetFocus(focus)
}

// closeDialog removes the open dialog and gives the focus back.
func (v *view) closeDialog() {
	if v.dialog == "" {
		return
	}
	v.root.RemovePage(v.dialog)
	v.dialog = ""
	if v.showProcs {
		v.f.SetFocus(v.procs)
	} else {
		v.f.SetFocus(v.table)
	}
}

// centered puts p in the middle of the screen, w x h at most, over the
// view: clicks outside it do not reach the view under it.
func centered(p tview.Primitive, w, h int) tview.Primitive {
	return modalLayer{tview.NewFlex().
		AddItem(nil, 0, 1, false).
		AddItem(tview.NewFlex().SetDirection(tview.FlexRow).
			AddItem(nil, 0, 1, false).
			AddItem(p, h, 1, true).
			AddItem(nil, 0, 1, false), w, 1, true).
		AddItem(nil, 0, 1, false)}
}

// modalLayer is a dialog's layer: it takes every mouse event, so that a
// click beside the dialog cannot move the focus to the table under it
// while the dialog stays open.
type modalLayer struct{ *tview.Flex }

func (m modalLayer) MouseHandler() func(action tview.MouseAction, event *tcell.EventMouse, setFocus func(p tview.Primitive)) (bool, tview.Primitive) {
	inner := m.Flex.MouseHandler()
	return func(action tview.MouseAction, event *tcell.EventMouse, setFocus func(p tview.Primitive)) (bool, tview.Primitive) {
		_, capture := inner(action, event, setFocus)
		return true, capture
	}
}

// textDialog shows text (left-aligned, one line per line) over the
// main page with buttons under it; focus is the button that starts with
// the focus, and done gets the button chosen (-1: Esc).
func (v *view) textDialog(name, title, text string, buttons []string, focus int, done func(int)) {
	lines := strings.Split(text, "\n")
	w := textwidth.String(title) + 4
	for _, l := range lines {
		w = max(w, textwidth.String(l)+4)
	}
	bw := 0
	for _, b := range buttons {
		bw += textwidth.String(b) + 6
	}
	w = max(w, bw+4)
	if v.width > 0 {
		w = min(w, v.width)
	}
	h := wrappedLines(text, w-4) + 4
	if v.height > 0 {
		h = min(h, v.height)
	}
	tv := tview.NewTextView().SetText(text).SetWrap(true)
	form := tview.NewForm().SetButtonsAlign(tview.AlignCenter)
	form.SetBorderPadding(0, 0, 0, 0)
	form.SetButtonStyle(tcell.StyleDefault.Underline(true))
	form.SetButtonActivatedStyle(styleSelect)
	for i, b := range buttons {
		form.AddButton(b, func() { done(i) })
		// Arrows move between the buttons, as in tview's Modal.
		form.GetButton(i).SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
			switch ev.Key() {
			case tcell.KeyLeft, tcell.KeyUp:
				return tcell.NewEventKey(tcell.KeyBacktab, 0, tcell.ModNone)
			case tcell.KeyRight, tcell.KeyDown:
				return tcell.NewEventKey(tcell.KeyTab, 0, tcell.ModNone)
			}
			return ev
		})
	}
	form.SetCancelFunc(func() { done(-1) })
	form.SetFocus(focus)
	box := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(tv, 0, 1, false).
		AddItem(form, 1, 0, true)
	box.SetBorder(true).SetTitle(" "+title+" ").SetBorderPadding(0, 0, 1, 1)
	v.openDialog(name, centered(box, w, h), form)
}

// showHelp shows every key.
func (v *view) showHelp() {
	t := tview.NewTextView().SetText(v.text("tui.help")).SetWrap(false)
	t.SetBorder(true).SetTitle(" " + v.text("tui.help.title") + " ")
	v.openDialog("help", centered(t, 72, 22), t)
}

// maxListed is how many sockets a dialog lists before "and N more".
const maxListed = 6

// describe is one line naming a socket in a dialog.
func describe(s *sockets.Socket) string {
	t := fmt.Sprintf("%s %s -> %s %s", protoText(s), endpointText(s, false, nil), endpointText(s, true, nil), s.StateName())
	for _, p := range s.Processes {
		if p.Info != nil {
			t += fmt.Sprintf(" %s/%d", p.Info.Name, p.Info.PID)
			break
		}
	}
	return sf(t)
}

// askKill asks to close the marked sockets, or the selected one.
func (v *view) askKill() {
	if v.showProcs {
		return
	}
	if v.opts.Kill == nil {
		v.setStatus(v.text("tui.status.nokill"), true)
		return
	}
	if v.killing {
		v.setStatus(v.text("tui.status.killing"), true)
		return
	}
	socks := v.m.targets()
	if len(socks) == 0 {
		v.setStatus(v.text("tui.status.nothing"), true)
		return
	}
	var b strings.Builder
	b.WriteString(v.text("tui.kill.ask", len(socks)) + "\n")
	for i := range socks {
		if i == maxListed {
			b.WriteString("\n" + v.text("tui.more", len(socks)-maxListed))
			break
		}
		b.WriteString("\n" + describe(&socks[i]))
	}
	// Cancel has the focus: the safe answer is the default one.
	v.textDialog("kill", v.text("tui.kill.title"), b.String(), []string{v.text("tui.kill.yes"), v.text("tui.cancel")}, 1, func(i int) {
		v.closeDialog()
		if i == 0 {
			v.kill(socks)
		}
	})
}

// kill closes socks and shows the result per socket.
func (v *view) kill(socks []sockets.Socket) {
	ctx := v.ctx
	v.killing = true
	v.setStatus(v.text("tui.kill.running", len(socks)), false)
	v.async(func() func() {
		errs := v.opts.Kill(ctx, socks)
		return func() {
			v.killing = false
			v.killResult(socks, errs)
		}
	})
}

// killResult shows what closing did, socket by socket.
func (v *view) killResult(socks []sockets.Socket, errs []error) {
	clear(v.m.picked)
	closed := 0
	var b strings.Builder
	for i := range socks {
		var err error
		if i < len(errs) {
			err = errs[i]
		} else {
			err = errors.New(v.text("tui.kill.noanswer"))
		}
		if err == nil {
			closed++
		}
		if i >= maxListed {
			continue
		}
		if err == nil {
			fmt.Fprintf(&b, "\n%s: %s", describe(&socks[i]), v.text("tui.kill.closed"))
		} else {
			fmt.Fprintf(&b, "\n%s: %s", describe(&socks[i]), v.text("tui.kill.failed", oneLine(err.Error())))
		}
	}
	if len(socks) > maxListed {
		b.WriteString("\n" + v.text("tui.more", len(socks)-maxListed))
	}
	head := v.text("tui.kill.done", closed, len(socks)) + "\n"
	v.setStatus(strings.TrimSpace(head), closed < len(socks))
	v.textDialog("result", v.text("tui.kill.title"), head+b.String(), []string{v.text("tui.ok")}, 0, func(int) { v.closeDialog() })
	v.drawSummary()
	v.wakeLoop() // show the closed rows now
}

// askSave asks for a file name and a format, then writes the shown rows.
func (v *view) askSave() {
	form := tview.NewForm()
	form.SetFieldStyle(tcell.StyleDefault.Underline(true))
	form.SetButtonStyle(tcell.StyleDefault)
	form.SetButtonActivatedStyle(styleSelect)
	form.SetLabelColor(tcell.ColorDefault)
	formats := []string{"JSON", "CSV"}
	form.AddInputField(v.text("tui.save.file"), "sockscope.json", 40, nil, nil)
	// Choosing a format gives the file its extension, if it has one of
	// the other format's.
	form.AddDropDown(v.text("tui.save.format"), formats, 0, func(option string, _ int) {
		in, ok := form.GetFormItem(0).(*tview.InputField)
		if !ok {
			return
		}
		name, ext := in.GetText(), "."+strings.ToLower(option)
		for _, old := range []string{".json", ".csv"} {
			if old != ext && strings.HasSuffix(name, old) {
				in.SetText(strings.TrimSuffix(name, old) + ext)
			}
		}
	})
	if dd, ok := form.GetFormItem(1).(*tview.DropDown); ok {
		dd.SetListStyles(tcell.StyleDefault, styleSelect)
		dd.SetFocusedStyle(styleSelect)
	}
	form.AddButton(v.text("tui.save.save"), func() {
		name := form.GetFormItem(0).(*tview.InputField).GetText()
		_, format := form.GetFormItem(1).(*tview.DropDown).GetCurrentOption()
		v.closeDialog()
		v.save(name, format == "CSV")
	})
	form.AddButton(v.text("tui.cancel"), v.closeDialog)
	form.SetCancelFunc(v.closeDialog)
	form.SetBorder(true).SetTitle(" " + v.text("tui.save.title") + " ")
	v.openDialog("save", centered(form, 60, 9), form)
}

// save writes the shown, still open sockets to name as JSON or CSV (the
// documented schema), refusing to overwrite a file.
func (v *view) save(name string, csv bool) {
	name = strings.TrimSpace(name)
	if name == "" {
		v.setStatus(v.text("tui.save.noname"), true)
		return
	}
	var socks []sockets.Socket
	for _, idx := range v.m.order {
		if r := &v.m.rows[idx]; r.mark != markGone {
			socks = append(socks, r.s)
		}
	}
	meta := render.Meta{Time: v.m.st.refreshed}
	meta.Host, _ = os.Hostname()
	opts := render.Options{Format: render.JSON, Lang: v.opts.Lang, UserName: v.opts.UserName}
	if csv {
		opts.Format = render.CSV
	}
	v.async(func() func() {
		err := writeFile(name, socks, meta, opts)
		return func() {
			if err != nil {
				v.setStatus(v.text("tui.save.failed", oneLine(err.Error())), true)
				return
			}
			v.setStatus(v.text("tui.save.done", len(socks), name), false)
		}
	})
}

// writeFile writes socks to a new file name.
func writeFile(name string, socks []sockets.Socket, meta render.Meta, opts render.Options) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s: %w", name, fs.ErrExist)
	}
	if err != nil {
		return err
	}
	if err := render.Write(f, socks, meta, opts); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
