package explain

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/i18n"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/textwidth"
)

// ProcCount is a process and how many sockets in a state it holds. PID 0
// means no process (TIME_WAIT and orphaned sockets).
type ProcCount struct {
	PID   int32
	Name  string
	Count int
}

// Live is the current number of sockets in a state and the processes that
// hold most of them. A nil *Live shows no live data.
type Live struct {
	Count int
	Top   []ProcCount
}

// Options says how WriteState and WriteCounter explain.
type Options struct {
	// Lang is the language: any tag i18n.Lang accepts.
	Lang string
	// OS is the operating system explained, a runtime.GOOS value:
	// "windows" gives Windows' own settings and advice; anything else
	// gives Linux's (the kernel settings sysctl shows).
	OS string
	// Settings are this machine's Linux settings (ReadSettings); nil
	// shows them as not readable. Windows ignores them.
	Settings Settings
	// Live, when not nil, is the current count and top processes of
	// the state explained.
	Live *Live
}

// windows reports whether o explains Windows.
func (o Options) windows() bool { return o.OS == "windows" }

// text returns message key in o's language and, on Windows, the Windows
// variant "key.windows" when there is one: the Linux text names sysctls
// and /proc files that Windows does not have.
func (o Options) text(key string, args ...any) string {
	if o.windows() && i18n.Has(key+".windows") {
		key += ".windows"
	}
	return i18n.T(o.Lang, key, args...)
}

// stateSettings lists, per state, the Linux settings shown under its
// duration. Names starting with an upper-case letter are not sysctls:
// they are fixed values whose value is the message "setting.NAME.value".
var stateSettings = map[string][]string{
	"LISTEN":    {"somaxconn", "tcp_max_syn_backlog"},
	"SYN_SENT":  {"tcp_syn_retries"},
	"SYN_RECV":  {"tcp_synack_retries", "tcp_max_syn_backlog", "somaxconn"},
	"FIN_WAIT1": {"tcp_orphan_retries"},
	"FIN_WAIT2": {"tcp_fin_timeout"},
	"CLOSING":   {"tcp_orphan_retries"},
	"LAST_ACK":  {"tcp_orphan_retries"},
	"TIME_WAIT": {"TCP_TIMEWAIT_LEN", "tcp_max_tw_buckets", "tcp_tw_reuse"},
}

// windowsSettings lists, per state, the Windows settings shown under its
// duration: registry values and netsh settings, which this package does
// not read, so each shows its default, "setting.NAME.value".
var windowsSettings = map[string][]string{
	"SYN_SENT":    {"MaxSynRetransmissions"},
	"ESTABLISHED": {"KeepAliveTime"},
	"FIN_WAIT1":   {"TcpMaxDataRetransmissions"},
	"CLOSING":     {"TcpMaxDataRetransmissions"},
	"LAST_ACK":    {"TcpMaxDataRetransmissions"},
	"TIME_WAIT":   {"TcpTimedWaitDelay", "DynamicPortRange", "MaxUserPort"},
}

// synRetries names the setting whose retries bound a handshake state.
var synRetries = map[string]string{"SYN_SENT": "tcp_syn_retries", "SYN_RECV": "tcp_synack_retries"}

// LookupState returns the canonical name (an entry of sockets.StateNames)
// of any spelling sockets.ParseState accepts for a single state: "time-wait",
// "SYN_RECEIVED", "SYNC_SEND", "closed", "unconn". Groups (all, connected,
// ...) are not states and report false.
func LookupState(name string) (string, bool) {
	upper := strings.ToUpper(strings.TrimSpace(name))
	for _, n := range sockets.StateNames {
		if upper == n {
			return n, true
		}
	}
	set, err := sockets.ParseState(name)
	if err != nil {
		return "", false
	}
	if r := strings.NewReplacer("-", "", "_", "", " ", "").Replace(upper); r == "UNCONNECTED" {
		return "UNCONN", true
	}
	for _, n := range sockets.StateNames {
		if s, _ := sockets.ParseState(n); s == set {
			return n, true
		}
	}
	return "", false
}

// stateError is the error for a state name with no explanation.
func stateError(name string) error {
	if _, err := sockets.ParseState(name); err != nil {
		return err
	}
	return &sockets.UnknownStateError{Name: name}
}

// WriteState explains one state, given by any spelling LookupState accepts,
// as o says: in o.Lang, for o.OS with its settings, and with o.Live's
// current count and top processes when it is not nil. An unknown name
// returns the error sockets.ParseState returns (a
// *sockets.UnknownStateError with suggestions).
func WriteState(w io.Writer, state string, o Options) error {
	name, ok := LookupState(state)
	if !ok {
		return stateError(state)
	}
	t := o.text
	k := "state." + name + "."
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s — %s\n", name, t(k+"short"))
	section := func(heading, body string) {
		fmt.Fprintf(bw, "\n%s\n", heading)
		bw.WriteString(wrap(body, "  ", lineWidth))
	}
	section(t("explain.heading.meaning"), t(k+"meaning"))
	section(t("explain.heading.side"), t(k+"side"))
	fmt.Fprintf(bw, "\n%s\n", t("explain.heading.transitions"))
	bw.WriteString(wrap(label(t("explain.enter"), t(k+"enter")), "  ", lineWidth))
	bw.WriteString(wrap(label(t("explain.leave"), t(k+"leave")), "  ", lineWidth))
	section(t("explain.heading.duration"), t(k+"duration"))
	if o.windows() {
		if names := windowsSettings[name]; len(names) > 0 {
			fmt.Fprintf(bw, "\n%s\n", t("explain.heading.settings.windows"))
			writeSettings(bw, o.Lang, names, nil)
		}
	} else {
		s := o.Settings
		if set, ok := synRetries[name]; ok {
			if v, err := strconv.Atoi(s[set]); err == nil && v >= 0 && v < 30 {
				bw.WriteString(wrap(t("explain.syn.total", sysctlName(set), s[set], synGiveUp(v)), "  ", lineWidth))
			}
		}
		if names := stateSettings[name]; len(names) > 0 {
			fmt.Fprintf(bw, "\n%s\n", t("explain.heading.settings"))
			writeSettings(bw, o.Lang, names, s)
		}
	}
	section(t("explain.heading.trouble"), t(k+"trouble"))
	if o.Live != nil {
		fmt.Fprintf(bw, "\n%s\n", t("explain.heading.live"))
		fmt.Fprintf(bw, "  %s\n", liveCount(o.Lang, o.Live.Count, name))
		writeTop(bw, o.Lang, o.Live.Top)
	}
	return bw.Flush()
}

// liveCount is the sentence "N sockets in STATE.", singular for one.
func liveCount(lang string, n int, state string) string {
	if n == 1 {
		return i18n.T(lang, "explain.live.count.one", n, state)
	}
	return i18n.T(lang, "explain.live.count", n, state)
}

// synGiveUp returns the seconds after which a handshake with the given
// retries gives up: the initial 1 s timeout doubling, each at most 120 s
// (TCP_RTO_MAX).
func synGiveUp(retries int) int {
	total, rto := 0, 1
	for range retries + 1 {
		total += rto
		rto = min(rto*2, 120)
	}
	return total
}

func writeSettings(bw *bufio.Writer, lang string, names []string, s Settings) {
	type row struct{ name, value, desc string }
	var rows []row
	nameW := 0
	for _, n := range names {
		r := row{name: sysctlName(n), desc: i18n.T(lang, "setting."+n)}
		if n[0] >= 'A' && n[0] <= 'Z' {
			r.value = i18n.T(lang, "setting."+n+".value")
		} else if v, ok := s[n]; ok {
			r.value = v
		} else {
			r.value = i18n.T(lang, "explain.setting.missing")
		}
		nameW = max(nameW, textwidth.String(r.name))
		rows = append(rows, r)
	}
	for _, r := range rows {
		fmt.Fprintf(bw, "  %s = %s\n", pad(r.name, nameW), r.value)
		bw.WriteString(wrap(r.desc, "      ", lineWidth))
	}
}

func writeTop(bw *bufio.Writer, lang string, top []ProcCount) {
	labels := make([]string, len(top))
	width := 0
	for i, p := range top {
		if p.PID == 0 {
			labels[i] = i18n.T(lang, "explain.live.noproc")
		} else {
			labels[i] = i18n.T(lang, "explain.live.proc", p.Name, p.PID)
		}
		width = max(width, textwidth.String(labels[i]))
	}
	for i, p := range top {
		fmt.Fprintf(bw, "    %s  %d\n", pad(labels[i], width), p.Count)
	}
}

// WriteAll writes one table of all states (sockets.StateNames): name,
// one-line meaning, and, when counts is not nil, the number of sockets in
// each state now (counts keyed by canonical name; a missing one is 0).
func WriteAll(w io.Writer, lang string, counts map[string]int) error {
	t := func(key string) string { return i18n.T(lang, key) }
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s\n\n", t("explain.all.title"))
	stateW := textwidth.String(t("explain.col.state"))
	meanW := textwidth.String(t("explain.col.meaning"))
	for _, n := range sockets.StateNames {
		stateW = max(stateW, len(n))
		meanW = max(meanW, textwidth.String(t("state."+n+".short")))
	}
	countW := textwidth.String(t("explain.col.count"))
	for _, n := range sockets.StateNames {
		countW = max(countW, len(strconv.Itoa(counts[n])))
	}
	row := func(state, meaning, count string) {
		line := pad(state, stateW) + "  "
		if counts == nil {
			line += meaning
		} else {
			line += pad(meaning, meanW) + "  " + strings.Repeat(" ", countW-textwidth.String(count)) + count
		}
		bw.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	row(t("explain.col.state"), t("explain.col.meaning"), t("explain.col.count"))
	for _, n := range sockets.StateNames {
		row(n, t("state."+n+".short"), strconv.Itoa(counts[n]))
	}
	fmt.Fprintf(bw, "\n%s\n", t("explain.all.hint"))
	return bw.Flush()
}

// label joins a label and its text, with a space unless the label ends in
// full-width punctuation.
func label(l, text string) string {
	if strings.HasSuffix(l, "：") {
		return l + text
	}
	return l + " " + text
}
