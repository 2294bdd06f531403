package explain

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrUnknownCounter is wrapped by WriteCounter's error for a name
// LookupCounter does not know.
var ErrUnknownCounter = errors.New("unknown counter")

// counter is a counter the statistics views show: its canonical name, the
// group it belongs to and the file the kernel reports it in.
type counter struct{ name, group, file string }

// windowsCall returns the IP Helper call Windows reports c with, or ""
// for a counter only Linux keeps (TcpExt, and the UDP buffer errors that
// MIB_UDPSTATS lacks).
func (c counter) windowsCall() string {
	switch {
	case c.group == "Tcp":
		return "GetTcpStatisticsEx"
	case c.group == "Udp" && c.name != "RcvbufErrors" && c.name != "SndbufErrors":
		return "GetUdpStatisticsEx"
	}
	return ""
}

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

// WriteCounter explains one counter (any name LookupCounter accepts) as o
// says (o.Lang, o.OS): what it counts and what a rising value suggests. On
// Windows a counter only Linux keeps says so and explains no remedy.
func WriteCounter(w io.Writer, name string, o Options) error {
	c, ok := lookupCounter(name)
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownCounter, name)
	}
	t := o.text
	var b strings.Builder
	source := c.file
	if o.windows() && c.windowsCall() != "" {
		source = c.windowsCall()
	}
	fmt.Fprintf(&b, "%s %s — %s\n", c.group, c.name, t("explain.counter.source", c.group, source))
	if o.windows() && c.windowsCall() == "" {
		b.WriteByte('\n')
		b.WriteString(wrap(t("explain.counter.linuxonly", c.file), "", lineWidth))
	}
	fmt.Fprintf(&b, "\n%s\n", t("explain.counter.meaning"))
	b.WriteString(wrap(t("counter."+c.name+".meaning"), "  ", lineWidth))
	if !o.windows() || c.windowsCall() != "" {
		fmt.Fprintf(&b, "\n%s\n", t("explain.counter.rising"))
		b.WriteString(wrap(t("counter."+c.name+".rising"), "  ", lineWidth))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
