package summary

import (
	"bufio"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/textwidth"
)

// writeTable writes the summary as text in opts.Lang: the state by
// protocol table, the top processes, and the TIME_WAIT section.
func writeTable(w *bufio.Writer, s *Summary, opts *Options) {
	t := func(key string, args ...any) string { return i18n.T(opts.Lang, key, args...) }
	line := func(text string) { w.WriteString(text + "\n") }

	line(t("summary.total", s.Total))
	if s.Total == 0 {
		line(t("summary.none"))
		return
	}
	line("")
	states := &table{align: "l"}
	head := []string{t("summary.col.state")}
	for _, p := range s.Protocols {
		head = append(head, p.Name)
	}
	states.add(append(head, t("summary.col.total")))
	for _, st := range s.States {
		row := []string{st.State}
		for _, p := range s.Protocols {
			row = append(row, strconv.Itoa(countOf(p.States, st.State)))
		}
		states.add(append(row, strconv.Itoa(st.Count)))
	}
	total := []string{t("summary.col.total")}
	for _, p := range s.Protocols {
		total = append(total, strconv.Itoa(p.Total))
	}
	states.add(append(total, strconv.Itoa(s.Total)))
	states.write(w)

	line("")
	ps := &s.Processes
	if ps.Count == 0 {
		line(t("summary.procs.none", ps.NoProcess))
	} else {
		line(t("summary.procs", ps.Count, ps.Held, ps.NoProcess))
		line("")
		line(t("summary.procs.top", len(ps.Top)))
		withUser := false
		for _, p := range ps.Top {
			withUser = withUser || p.User != ""
		}
		procs := &table{align: "rl"}
		head := []string{t("summary.col.pid"), t("summary.col.program")}
		if withUser {
			head = append(head, t("summary.col.user"))
			procs.align = "rll"
		}
		procs.add(append(head, t("summary.col.sum"), t("summary.col.tcp"), "ESTABLISHED", "CLOSE_WAIT", "LISTEN"))
		for _, p := range ps.Top {
			row := []string{strconv.Itoa(int(p.PID)), orDash(safeText(p.Name))}
			if withUser {
				row = append(row, orDash(safeText(p.User)))
			}
			procs.add(append(row, strconv.Itoa(p.Total), strconv.Itoa(p.TCP),
				strconv.Itoa(p.Established), strconv.Itoa(p.CloseWait), strconv.Itoa(p.Listen)))
		}
		procs.write(w)
	}

	line("")
	tw := &s.TimeWait
	line(t("summary.tw.total", tw.Total))
	if size := tw.Ephemeral.Size(); size > 0 {
		line(t("summary.tw.ephemeral", tw.Ephemeral.Low, tw.Ephemeral.High, size, tw.EphemeralInUse, percent(tw.EphemeralInUse, size)))
	} else {
		line(t("summary.tw.noephemeral"))
	}
	if len(tw.Remotes) > 0 {
		line("")
		line(t("summary.tw.remotes"))
		rem := &table{align: "l"}
		head := []string{t("summary.col.remote"), t("summary.col.timewait"), t("summary.col.sockets")}
		if tw.Ephemeral.Known() {
			head = append(head, t("summary.col.ephemeral"))
		}
		rem.add(head)
		for _, r := range tw.Remotes {
			row := []string{r.Remote.String(), strconv.Itoa(r.TimeWait), strconv.Itoa(r.Sockets)}
			if tw.Ephemeral.Known() {
				row = append(row, strconv.Itoa(r.Ephemeral)+" ("+percent(r.Ephemeral, tw.Ephemeral.Size())+")")
			}
			rem.add(row)
		}
		rem.write(w)
	}
	if len(tw.LocalPorts) > 0 {
		line("")
		line(t("summary.tw.locals"))
		loc := &table{}
		loc.add([]string{t("summary.col.localport"), t("summary.col.timewait")})
		for _, p := range tw.LocalPorts {
			loc.add([]string{strconv.Itoa(int(p.Port)), strconv.Itoa(p.TimeWait)})
		}
		loc.write(w)
	}
}

func countOf(states []StateCount, name string) int {
	for _, s := range states {
		if s.State == name {
			return s.Count
		}
	}
	return 0
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// percent returns n out of total as a percentage with one decimal: "1.2%",
// "<0.1%" for a share too small to show, "0%" for none.
func percent(n, total int) string {
	if n <= 0 || total <= 0 {
		return "0%"
	}
	tenths := int64(n) * 1000 / int64(total)
	if tenths == 0 {
		return "<0.1%"
	}
	return strconv.FormatInt(tenths/10, 10) + "." + strconv.FormatInt(tenths%10, 10) + "%"
}

// table is a small aligned table: cells separated by two spaces, each
// column aligned as align says ('l' left, 'r' right; right past its
// end), headings as their column, no trailing spaces.
type table struct {
	rows  [][]string
	align string
}

func (t *table) add(row []string) { t.rows = append(t.rows, row) }

func (t *table) write(w *bufio.Writer) {
	var widths []int
	for _, row := range t.rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], textwidth.String(c))
		}
	}
	var b strings.Builder
	for _, row := range t.rows {
		b.Reset()
		for i, c := range row {
			if i > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-textwidth.String(c))
			if i >= len(t.align) || t.align[i] == 'r' {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		w.WriteString(strings.TrimRight(b.String(), " ") + "\n")
	}
}

// safeText is render.SafeText without the width: process and user names
// are chosen by whoever runs the process.
func safeText(s string) string {
	t, _ := render.SafeText(s)
	return t
}
