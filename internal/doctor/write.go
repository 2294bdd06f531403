package doctor

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// Checked says what a run examined, for the report.
type Checked struct {
	Sockets, Processes int
	Window             time.Duration
	// Counters is false when the counters could not be read (their rules
	// were skipped).
	Counters bool
}

// why is the catalog key of a rule's explanation: the explain command's
// own text where it has one.
var why = map[string]string{
	RuleCloseWait:    "state.CLOSE_WAIT.trouble",
	RuleTimeWait:     "state.TIME_WAIT.trouble",
	RuleSynRecv:      "state.SYN_RECV.trouble",
	RuleSynSent:      "state.SYN_SENT.trouble",
	RuleListenDrops:  "counter.ListenOverflows.rising",
	RuleRetrans:      "counter.RetransSegs.rising",
	RuleResets:       "counter.OutRsts.rising",
	RuleConnectFails: "counter.AttemptFails.rising",
	RuleUDPDrops:     "counter.RcvbufErrors.rising",
}

// whyKey returns the catalog key of rule's explanation.
func whyKey(rule string) string {
	if k, ok := why[rule]; ok {
		return k
	}
	return "doctor.why." + rule
}

// WriteTable writes findings for a person, in language lang: worst
// first, each with its evidence, why it matters, what to do and the
// commands to look closer; or one line saying what was checked when
// nothing was found.
func WriteTable(w io.Writer, fs []Finding, c Checked, lang string) error {
	bw := bufio.NewWriter(w)
	t := func(key string, args ...any) string { return i18n.T(lang, key, args...) }
	if len(fs) == 0 {
		bw.WriteString(t("doctor.none", c.Sockets, c.Processes, c.Window.Round(100*time.Millisecond).String(), len(Rules)) + "\n")
		if !c.Counters {
			bw.WriteString(t("doctor.nocounters") + "\n")
		}
		return bw.Flush()
	}
	counts := map[Severity]int{}
	for _, f := range fs {
		counts[f.Severity]++
	}
	summary := "doctor.summary"
	if len(fs) == 1 {
		summary = "doctor.summary.one"
	}
	bw.WriteString(t(summary, len(fs), counts[Critical], counts[Warning], counts[Info], c.Sockets, c.Window.Round(100*time.Millisecond).String()) + "\n")
	for _, f := range fs {
		bw.WriteString("\n")
		sev := strings.ToUpper(t("doctor.severity." + f.Severity.String()))
		bw.WriteString(sev + "  " + t("doctor.title."+f.Rule, f.Subject))
		if f.NetNS != "" {
			bw.WriteString("  [" + t("doctor.label.netns") + " " + f.NetNS + "]")
		}
		bw.WriteString("\n")
		writeField(bw, t("doctor.label.evidence"), facts(f.Facts, lang))
		for _, p := range f.Processes {
			writeField(bw, t("doctor.label.process"), process(p))
		}
		for _, s := range f.Sockets {
			writeField(bw, t("doctor.label.socket"), socketLine(s))
		}
		writeField(bw, t("doctor.label.why"), t(whyKey(f.Rule)))
		writeField(bw, t("doctor.label.fix"), t("doctor.fix."+f.Rule))
		for _, l := range f.Look {
			writeField(bw, t("doctor.label.look"), l)
		}
	}
	if !c.Counters {
		bw.WriteString("\n" + t("doctor.nocounters") + "\n")
	}
	return bw.Flush()
}

func writeField(bw *bufio.Writer, label, text string) {
	bw.WriteString("  " + label + ": " + text + "\n")
}

// facts writes a finding's evidence: "label value (of limit)", separated
// by semicolons.
func facts(fs []Fact, lang string) string {
	var parts []string
	for _, f := range fs {
		s := i18n.T(lang, "doctor.fact."+f.Key) + " " + number(f.Key, f.Value)
		if f.Of > 0 {
			s += " / " + number(f.Key, f.Of) + " (" + fmtPct(f.Value/f.Of) + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// number writes a fact's value: ratios as percentages, the rest as
// integers or with one decimal.
func number(key string, v float64) string {
	if strings.HasSuffix(key, "_ratio") {
		return fmtPct(v)
	}
	if v == float64(int64(v)) {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// process writes a process: pid, name, exe (marked deleted), command line.
func process(p *sockets.ProcessInfo) string {
	s := strconv.Itoa(int(p.PID)) + " " + p.Name
	if p.Exe != "" {
		s += " " + p.Exe
		if p.ExeDeleted {
			s += " (deleted)"
		}
	}
	if len(p.Cmdline) > 0 {
		s += "  [" + oneLine(strings.Join(p.Cmdline, " "), maxCmdline) + "]"
	}
	if p.User != "" {
		s += "  user " + p.User
	}
	return s
}

// maxCmdline is how much of a command line the table shows (JSON has it
// all).
const maxCmdline = 120

// oneLine makes s one line of at most max runes: control characters
// become spaces, and what is cut is marked with an ellipsis.
func oneLine(s string, max int) string {
	var b strings.Builder
	n := 0
	space := false
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			r = ' '
		}
		if r == ' ' && space {
			continue
		}
		space = r == ' '
		if n == max {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// socketLine writes a socket as the modern listing shows it, numeric.
func socketLine(s *sockets.Socket) string {
	b := []byte(s.Proto.String() + " ")
	b = render.AppendModernEndpoint(b, s, false, nil)
	b = append(b, " -> "...)
	b = render.AppendModernEndpoint(b, s, true, nil)
	b = append(b, ' ')
	b = append(b, s.StateName()...)
	if len(s.Processes) > 0 && s.Processes[0].Info != nil {
		b = append(b, " fd "...)
		b = strconv.AppendInt(b, int64(s.Processes[0].FD), 10)
	}
	return string(b)
}

// WriteJSON writes findings as one JSON document (schema in
// docs/doctor.md); text fields are in language lang.
func WriteJSON(w io.Writer, fs []Finding, c Checked, lang string) error {
	b := []byte(`{"schema":1,"window_seconds":`)
	b = strconv.AppendFloat(b, c.Window.Seconds(), 'f', -1, 64)
	b = append(b, `,"checked":{"sockets":`...)
	b = strconv.AppendInt(b, int64(c.Sockets), 10)
	b = append(b, `,"processes":`...)
	b = strconv.AppendInt(b, int64(c.Processes), 10)
	b = append(b, `,"counters":`...)
	b = strconv.AppendBool(b, c.Counters)
	b = append(b, `,"rules":[`...)
	for i, r := range Rules {
		if i > 0 {
			b = append(b, ',')
		}
		b = render.AppendJSONString(b, r)
	}
	b = append(b, `]},"worst":`...)
	b = render.AppendJSONString(b, Worst(fs).String())
	b = append(b, `,"findings":[`...)
	t := func(key string, args ...any) string { return i18n.T(lang, key, args...) }
	for i := range fs {
		f := &fs[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"rule":`...)
		b = render.AppendJSONString(b, f.Rule)
		b = append(b, `,"severity":`...)
		b = render.AppendJSONString(b, f.Severity.String())
		b = append(b, `,"subject":`...)
		b = render.AppendJSONString(b, f.Subject)
		if f.NetNS != "" {
			b = append(b, `,"netns":`...)
			b = render.AppendJSONString(b, f.NetNS)
		}
		b = append(b, `,"title":`...)
		b = render.AppendJSONString(b, t("doctor.title."+f.Rule, f.Subject))
		b = append(b, `,"facts":[`...)
		for j, fa := range f.Facts {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"key":`...)
			b = render.AppendJSONString(b, fa.Key)
			b = append(b, `,"value":`...)
			b = strconv.AppendFloat(b, fa.Value, 'f', -1, 64)
			if fa.Of > 0 {
				b = append(b, `,"of":`...)
				b = strconv.AppendFloat(b, fa.Of, 'f', -1, 64)
			}
			b = append(b, '}')
		}
		b = append(b, `],"processes":[`...)
		for j, p := range f.Processes {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendProcessJSON(b, p)
		}
		b = append(b, `],"sockets":[`...)
		for j, s := range f.Sockets {
			if j > 0 {
				b = append(b, ',')
			}
			b = render.AppendSocketJSON(b, s)
		}
		b = append(b, `],"why":`...)
		b = render.AppendJSONString(b, t(whyKey(f.Rule)))
		b = append(b, `,"fix":`...)
		b = render.AppendJSONString(b, t("doctor.fix."+f.Rule))
		b = append(b, `,"look":[`...)
		for j, l := range f.Look {
			if j > 0 {
				b = append(b, ',')
			}
			b = render.AppendJSONString(b, l)
		}
		b = append(b, "]}"...)
	}
	b = append(b, "]}\n"...)
	_, err := w.Write(b)
	return err
}

func appendProcessJSON(b []byte, p *sockets.ProcessInfo) []byte {
	b = append(b, `{"pid":`...)
	b = strconv.AppendInt(b, int64(p.PID), 10)
	b = append(b, `,"ppid":`...)
	b = strconv.AppendInt(b, int64(p.PPID), 10)
	b = append(b, `,"name":`...)
	b = render.AppendJSONString(b, p.Name)
	b = append(b, `,"exe":`...)
	b = render.AppendJSONString(b, p.Exe)
	if p.ExeDeleted {
		b = append(b, `,"exe_deleted":true`...)
	}
	b = append(b, `,"cmdline":[`...)
	for i, a := range p.Cmdline {
		if i > 0 {
			b = append(b, ',')
		}
		b = render.AppendJSONString(b, a)
	}
	b = append(b, `],"uid":`...)
	b = strconv.AppendInt(b, int64(p.UID), 10)
	b = append(b, `,"user":`...)
	b = render.AppendJSONString(b, p.User)
	return append(b, '}')
}
