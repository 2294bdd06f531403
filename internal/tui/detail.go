package tui

import (
	"fmt"
	"strings"

	"github.com/sockscope/sockscope/internal/explain"
	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/textwidth"
)

// inspect asks Options.Inspect for the selected socket's internals
// (again if fresh, as after a refresh); the answer, when it comes, is
// drawn if that socket is still the one shown. One call is in flight at
// a time: a request made meanwhile is made when it returns, for the
// socket selected then.
func (v *view) inspect(fresh bool) {
	r := v.m.row(v.m.selected())
	if r == nil || v.opts.Inspect == nil || r.mark == markGone {
		return
	}
	if !fresh && v.inspected != nil && v.inspectedKey == r.key {
		return
	}
	if v.inspecting {
		v.inspectAgain = true
		return
	}
	v.inspecting = true
	s, key, ctx := r.s, r.key, v.ctx
	v.async(func() func() {
		got, err := v.opts.Inspect(ctx, &s)
		return func() {
			v.inspecting = false
			if err == nil && got != nil {
				v.inspected, v.inspectedKey = got, key
			}
			if v.inspectAgain {
				v.inspectAgain = false
				v.inspect(true)
			}
			if v.showDetail {
				v.drawDetail()
			}
		}
	})
}

// drawDetail fills the detail pane with the selected socket.
func (v *view) drawDetail() {
	r := v.m.row(v.m.selected())
	v.detail.Clear()
	v.detail.SetTitle(" " + v.text("tui.detail.title") + " ")
	if r == nil {
		v.detail.SetText(v.text("tui.detail.none"))
		v.detailNeed = 1
		return
	}
	if v.inspected == nil || v.inspectedKey != r.key {
		v.inspected = nil
		v.inspect(false)
	}
	text := v.detailText(r)
	v.detail.SetText(text)
	v.detail.ScrollToBeginning()
	v.detailNeed = wrappedLines(text, v.width-2)
	v.layout()
}

// detailText describes a row: its endpoints and state, the state
// explained in one line, its numbers, every holder, and tcp_info.
func (v *view) detailText(r *row) string {
	s := &r.s
	if v.inspected != nil && v.inspectedKey == r.key && v.inspected.Internals != nil {
		c := *s
		c.Internals = v.inspected.Internals
		s = &c
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s -> %s  %s\n", protoText(s), sf(endpointText(s, false, v.namer)), sf(endpointText(s, true, v.namer)), s.StateName())
	if line := v.stateLine(s); line != "" {
		b.WriteString(line + "\n")
	}
	fmt.Fprintf(&b, "recv-q %d  send-q %d  inode %d", s.RecvQ, s.SendQ, s.Inode)
	if u := userText(r, v.opts.UserName); u != "" {
		fmt.Fprintf(&b, "  %s %s", v.text("tui.detail.user"), sf(u))
	}
	if s.Cookie != 0 {
		fmt.Fprintf(&b, "  cookie %d", s.Cookie)
	}
	b.WriteByte('\n')
	if s.Internals != nil && s.Internals.Has&sockets.HasTCPInfo != 0 {
		info := render.AppendSSInfo(nil, s, render.SSInfoOptions{Info: true, Memory: true, Options: true})
		fmt.Fprintf(&b, "tcp_info: %s\n", strings.TrimSpace(string(info)))
	}
	if len(s.Processes) == 0 {
		b.WriteString(v.text("tui.detail.noholder") + "\n")
	}
	for _, p := range s.Processes {
		if p.Info != nil {
			v.writeHolder(&b, p)
		}
	}
	return b.String()
}

// sf is a name a process or a user chose, made safe for the terminal.
func sf(s string) string {
	t, _ := render.SafeText(s)
	return t
}

// writeHolder describes one process holding the socket.
func (v *view) writeHolder(b *strings.Builder, p sockets.Process) {
	in := p.Info
	fmt.Fprintf(b, "%s %d  ppid %d  %s  fd %d", v.text("tui.detail.pid"), in.PID, in.PPID, sf(in.Name), p.FD)
	if in.User != "" {
		fmt.Fprintf(b, "  %s %s", v.text("tui.detail.user"), sf(in.User))
	} else {
		fmt.Fprintf(b, "  uid %d", in.UID)
	}
	b.WriteByte('\n')
	if in.Exe != "" {
		fmt.Fprintf(b, "  exe %s", sf(in.Exe))
		if in.ExeDeleted {
			fmt.Fprintf(b, " (%s)", v.text("tui.detail.deleted"))
		}
		b.WriteByte('\n')
	}
	if len(in.Cmdline) > 0 {
		fmt.Fprintf(b, "  cmdline %s\n", sf(strings.Join(in.Cmdline, " ")))
	}
	var parts []string
	if in.Cgroup != "" {
		parts = append(parts, "cgroup "+sf(in.Cgroup))
	}
	if in.Unit != "" {
		parts = append(parts, "unit "+sf(in.Unit))
	}
	if in.Container != "" {
		parts = append(parts, v.text("tui.detail.container")+" "+sf(in.Container))
	}
	if len(parts) > 0 {
		fmt.Fprintf(b, "  %s\n", strings.Join(parts, "  "))
	}
}

// stateLine is explain's one-line description of the socket's state,
// Windows' own text where it has one.
func (v *view) stateLine(s *sockets.Socket) string {
	name, ok := explain.LookupState(s.StateName())
	if !ok {
		return ""
	}
	key := "state." + name + ".short"
	if v.opts.OS == "windows" && i18n.Has(key+".windows") {
		key += ".windows"
	}
	if !i18n.Has(key) {
		return ""
	}
	return name + ": " + i18n.T(v.opts.Lang, key)
}

// wrappedLines is how many lines text takes wrapped at width columns.
func wrappedLines(text string, width int) int {
	n := 0
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		w := textwidth.String(l)
		if width <= 0 || w <= width {
			n++
		} else {
			n += (w + width - 1) / width
		}
	}
	return n
}
