package explain

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sockscope/sockscope/internal/i18n"
)

// ErrUnknownCounter is wrapped by WriteCounter's error for a name
// LookupCounter does not know.
var ErrUnknownCounter = errors.New("unknown counter")

// counter is a counter the statistics views show: its canonical name, the
// group it belongs to and the file the kernel reports it in.
type counter struct{ name, group, file string }

var counters = []counter{
	{"ActiveOpens", "Tcp", "/proc/net/snmp"},
	{"PassiveOpens", "Tcp", "/proc/net/snmp"},
	{"AttemptFails", "Tcp", "/proc/net/snmp"},
	{"EstabResets", "Tcp", "/proc/net/snmp"},
	{"CurrEstab", "Tcp", "/proc/net/snmp"},
	{"InSegs", "Tcp", "/proc/net/snmp"},
	{"OutSegs", "Tcp", "/proc/net/snmp"},
	{"RetransSegs", "Tcp", "/proc/net/snmp"},
	{"InErrs", "Tcp", "/proc/net/snmp"},
	{"OutRsts", "Tcp", "/proc/net/snmp"},
	{"ListenOverflows", "TcpExt", "/proc/net/netstat"},
	{"ListenDrops", "TcpExt", "/proc/net/netstat"},
	{"TCPTimeouts", "TcpExt", "/proc/net/netstat"},
	{"TCPSynRetrans", "TcpExt", "/proc/net/netstat"},
	{"TCPAbortOnTimeout", "TcpExt", "/proc/net/netstat"},
	{"InDatagrams", "Udp", "/proc/net/snmp"},
	{"NoPorts", "Udp", "/proc/net/snmp"},
	{"InErrors", "Udp", "/proc/net/snmp"},
	{"OutDatagrams", "Udp", "/proc/net/snmp"},
	{"RcvbufErrors", "Udp", "/proc/net/snmp"},
	{"SndbufErrors", "Udp", "/proc/net/snmp"},
}

// CounterNames returns the canonical names of the counters WriteCounter
// explains, grouped Tcp, TcpExt, Udp.
func CounterNames() []string {
	names := make([]string, len(counters))
	for i, c := range counters {
		names[i] = c.name
	}
	return names
}

// LookupCounter returns the canonical name of a counter, matched in any
// case, with or without its group prefix and separators: "retranssegs",
// "TcpRetransSegs", "Tcp:RetransSegs", "TcpExtListenOverflows",
// "udp_noports".
func LookupCounter(name string) (canonical string, ok bool) {
	c, ok := lookupCounter(name)
	return c.name, ok
}

func lookupCounter(name string) (counter, bool) {
	key := normaliseCounter(name)
	for _, c := range counters {
		if key == strings.ToLower(c.name) || key == strings.ToLower(c.group+c.name) {
			return c, true
		}
	}
	return counter{}, false
}

func normaliseCounter(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// WriteCounter explains one counter (any name LookupCounter accepts) in
// language lang: what it counts and what a rising value suggests.
func WriteCounter(w io.Writer, name, lang string) error {
	c, ok := lookupCounter(name)
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownCounter, name)
	}
	t := func(key string, args ...any) string { return i18n.T(lang, key, args...) }
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s — %s\n", c.group, c.name, t("explain.counter.source", c.group, c.file))
	fmt.Fprintf(&b, "\n%s\n", t("explain.counter.meaning"))
	b.WriteString(wrap(t("counter."+c.name+".meaning"), "  ", lineWidth))
	fmt.Fprintf(&b, "\n%s\n", t("explain.counter.rising"))
	b.WriteString(wrap(t("counter."+c.name+".rising"), "  ", lineWidth))
	_, err := io.WriteString(w, b.String())
	return err
}
