package ifaces

// The hot path is ParseDev, run once per interval by interface rate views;
// BenchmarkParseDev keeps it allocation-light.

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/errs"
)

// Interface holds one line of /proc/net/dev: an interface's cumulative
// counters since it was created, as dev_seq_printf_stats prints them from
// struct rtnl_link_stats64
// (https://github.com/torvalds/linux/blob/v6.18/net/core/net-procfs.c).
// On Windows it holds one MIB_IF_ROW2 instead (DecodeIfTable2 says how the
// fields map).
//
// Some columns are sums of several kernel counters: RxDropped is
// rx_dropped + rx_missed_errors, RxFrame is rx_length_errors +
// rx_over_errors + rx_crc_errors + rx_frame_errors, and TxCarrier is
// tx_carrier_errors + tx_aborted_errors + tx_window_errors +
// tx_heartbeat_errors.
type Interface struct {
	Name string // "eth0", or Windows' friendly name ("Ethernet"); never empty

	RxBytes, RxPackets, RxErrors, RxDropped, RxFIFO, RxFrame, RxCompressed, RxMulticast uint64

	TxBytes, TxPackets, TxErrors, TxDropped, TxFIFO, TxCollisions, TxCarrier, TxCompressed uint64

	// Windows reports that the fields below were filled from a Windows
	// MIB_IF_ROW2; ParseDev leaves them all zero, as /proc/net/dev has
	// none of them.
	Windows bool
	// RxUnicast, RxNonUnicast, TxUnicast and TxNonUnicast split the
	// packet counts as Windows does (InUcastPkts, InNUcastPkts,
	// OutUcastPkts, OutNUcastPkts; non-unicast is multicast plus
	// broadcast), and RxUnknownProtos counts received packets of unknown
	// protocols (InUnknownProtos).
	RxUnicast, RxNonUnicast, RxUnknownProtos, TxUnicast, TxNonUnicast uint64
	// Index is the interface index (InterfaceIndex).
	Index int
	// Loopback marks a software loopback interface
	// (IF_TYPE_SOFTWARE_LOOPBACK) and Filter a filter interface (a
	// lightweight filter driver's view of an adapter, whose counts repeat
	// the adapter's).
	Loopback, Filter bool
}

// devFields is the number of counters on one /proc/net/dev line.
const devFields = 16

// devHeaderLines is the number of header lines before the first interface.
const devHeaderLines = 2

// ParseDev parses the contents of /proc/net/dev into one Interface per line,
// in the kernel's order. The first two lines are headers and are skipped
// unread; blank lines are ignored. The name ends at the last ':' of a line,
// so "eth0: 123" and the older "eth0:123" both parse.
//
// It returns an error wrapping errs.ErrMalformed, quoting the line, for a line with
// no ':', an empty name, a count other than 16 counters or a counter that is
// not an unsigned decimal number; and the reader's error if reading fails.
func ParseDev(r io.Reader) ([]Interface, error) {
	sc := bufio.NewScanner(r)
	var out []Interface
	for n := 0; sc.Scan(); n++ {
		if n < devHeaderLines {
			continue
		}
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		ifc, err := parseDevLine(line)
		if err != nil {
			return nil, err
		}
		out = append(out, ifc)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read /proc/net/dev: %w", err)
	}
	return out, nil
}

// parseDevLine parses one interface line of /proc/net/dev.
func parseDevLine(line string) (Interface, error) {
	colon := strings.LastIndexByte(line, ':')
	if colon < 0 {
		return Interface{}, devError(line, "no ':' after the interface name")
	}
	ifc := Interface{Name: strings.TrimSpace(line[:colon])}
	if ifc.Name == "" {
		return Interface{}, devError(line, "empty interface name")
	}
	dst := [devFields]*uint64{
		&ifc.RxBytes, &ifc.RxPackets, &ifc.RxErrors, &ifc.RxDropped,
		&ifc.RxFIFO, &ifc.RxFrame, &ifc.RxCompressed, &ifc.RxMulticast,
		&ifc.TxBytes, &ifc.TxPackets, &ifc.TxErrors, &ifc.TxDropped,
		&ifc.TxFIFO, &ifc.TxCollisions, &ifc.TxCarrier, &ifc.TxCompressed,
	}
	rest := line[colon+1:]
	i := 0
	for {
		var f string
		f, rest = nextField(rest)
		if f == "" {
			break
		}
		if i == devFields {
			return Interface{}, devError(line, fmt.Sprintf("more than %d counters", devFields))
		}
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return Interface{}, devError(line, fmt.Sprintf("counter %d %q is not an unsigned number", i+1, f))
		}
		*dst[i] = v
		i++
	}
	if i != devFields {
		return Interface{}, devError(line, fmt.Sprintf("%d counters, want %d", i, devFields))
	}
	return ifc, nil
}

// nextField returns the first space- or tab-separated field of s and what
// follows it, without allocating; f is "" when s holds no more fields.
func nextField(s string) (f, rest string) {
	start := 0
	for start < len(s) && (s[start] == ' ' || s[start] == '\t') {
		start++
	}
	end := start
	for end < len(s) && s[end] != ' ' && s[end] != '\t' {
		end++
	}
	return s[start:end], s[end:]
}

// devError returns an error wrapping errs.ErrMalformed that quotes a /proc/net/dev
// line.
func devError(line, why string) error {
	return fmt.Errorf("%w: /proc/net/dev line %q: %s", errs.ErrMalformed, line, why)
}
