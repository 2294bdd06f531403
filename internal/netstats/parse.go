package netstats

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sockscope/sockscope/internal/errs"
)

// maxQuote is how much of a bad line an error (wrapping errs.ErrMalformed)
// quotes.
const maxQuote = 80

// A Counter is one kernel counter: its name within its group, as the
// kernel spells it (InSegs, TCPTimeouts, inuse), and its value.
type Counter struct {
	Name  string
	Value int64
}

// A Group is the counters of one line prefix (Tcp, TcpExt, Ip6, TCP6, ...)
// in the order of the file.
type Group struct {
	Name     string
	Counters []Counter
	// File is the counter file Read took the group from, relative to the
	// directory (snmp, netstat, snmp6, sockstat, sockstat6, sctp/snmp), or
	// "" when the group did not come from a file (Windows, tests). The same
	// group name can come from two files (Sctp in snmp on a future kernel,
	// and sctp/snmp), and net-tools treats each file its own way.
	File string
}

// A Snapshot is every counter read at one moment, grouped and in file
// order.
type Snapshot struct {
	Groups []Group
	Time   time.Time
}

// Get returns the value of counter name in group, and whether the snapshot
// holds it. Names are case-sensitive: Tcp (snmp) and TCP (sockstat) are two
// groups.
func (s *Snapshot) Get(group, name string) (int64, bool) {
	if s == nil {
		return 0, false
	}
	for i := range s.Groups {
		if s.Groups[i].Name != group {
			continue
		}
		for _, c := range s.Groups[i].Counters {
			if c.Name == name {
				return c.Value, true
			}
		}
	}
	return 0, false
}

// Len returns the number of counters in the snapshot.
func (s *Snapshot) Len() int {
	n := 0
	for i := range s.Groups {
		n += len(s.Groups[i].Counters)
	}
	return n
}

// ParseSNMP decodes /proc/net/snmp or /proc/net/netstat: pairs of lines,
// "Prefix: Name1 Name2 ..." then "Prefix: v1 v2 ...", each pair becoming one
// Group. Any prefix and any name is kept, known or not.
//
// It never stops at a bad line: it returns every group it could decode with
// an error wrapping errs.ErrMalformed for each problem. A pair whose name and value
// counts differ cannot be aligned and is dropped whole; a non-numeric value
// drops only its counter; a header without a value line is reported.
func ParseSNMP(data []byte) ([]Group, error) {
	var (
		groups []Group
		errs   []error
		head   []byte // pending header line
	)
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		prefix, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			errs = append(errs, parseError("no colon", line))
			continue
		}
		if head == nil {
			head = line
			continue
		}
		hprefix, hrest, _ := bytes.Cut(head, []byte(":"))
		if !bytes.Equal(prefix, hprefix) {
			errs = append(errs, parseError("header without values", head))
			head = line
			continue
		}
		names, values := strings.Fields(string(hrest)), bytes.Fields(rest)
		if len(names) != len(values) {
			errs = append(errs, parseError(fmt.Sprintf("%d names, %d values", len(names), len(values)), line))
			head = nil
			continue
		}
		g := Group{Name: string(prefix), Counters: make([]Counter, 0, len(names))}
		for i, name := range names {
			v, err := parseValue(values[i])
			if err != nil {
				errs = append(errs, parseError("counter "+name+": bad value", line))
				continue
			}
			g.Counters = append(g.Counters, Counter{Name: name, Value: v})
		}
		groups = append(groups, g)
		head = nil
	}
	if head != nil {
		errs = append(errs, parseError("header without values", head))
	}
	return groups, errors.Join(errs...)
}

// ParseSNMP6 decodes /proc/net/snmp6: one "Name value" line per counter.
// Counters are grouped by the prefix that ends at the name's first run of
// digits (Ip6InReceives is InReceives in group Ip6; UdpLite6, Icmp6, or any
// prefix a newer kernel adds). The per-type ICMPv6 counters, the IcmpMsg
// group of snmp, keep their full name (Icmp6InType1 in group Icmp6). A name
// without such a prefix lands in group "Snmp6" under its full name.
//
// Like ParseSNMP it keeps every good line and reports each bad one with an
// error wrapping errs.ErrMalformed.
func ParseSNMP6(data []byte) ([]Group, error) {
	var groups []Group
	index := map[string]int{}
	errs := eachPair(data, func(full []byte, v int64) {
		group, name := splitSNMP6(string(full))
		i, ok := index[group]
		if !ok {
			i = len(groups)
			index[group] = i
			groups = append(groups, Group{Name: group})
		}
		groups[i].Counters = append(groups[i].Counters, Counter{Name: name, Value: v})
	})
	return groups, errors.Join(errs...)
}

// eachPair calls fn with the name and value of every "name value" line of
// data, and returns an error wrapping errs.ErrMalformed, quoting the line,
// for each line that is not one (blank lines are skipped).
func eachPair(data []byte, fn func(name []byte, v int64)) []error {
	var errs []error
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		f := bytes.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			errs = append(errs, parseError("want name and value", line))
			continue
		}
		v, err := parseValue(f[1])
		if err != nil {
			errs = append(errs, parseError("bad value", line))
			continue
		}
		fn(f[0], v)
	}
	return errs
}

// splitSNMP6 returns the group and counter name of an snmp6 name.
func splitSNMP6(full string) (group, name string) {
	i := 0
	for i < len(full) && !isDigit(full[i]) {
		i++
	}
	if i == 0 || i == len(full) {
		return "Snmp6", full
	}
	for i < len(full) && isDigit(full[i]) {
		i++
	}
	if i == len(full) {
		return "Snmp6", full
	}
	group, name = full[:i], full[i:]
	if isTypeCounter(name) {
		return group, full
	}
	return group, name
}

// isTypeCounter reports whether name is InTypeN or OutTypeN, a per-type
// ICMP counter.
func isTypeCounter(name string) bool {
	for _, p := range []string{"InType", "OutType"} {
		if len(name) > len(p) && name[:len(p)] == p {
			for i := len(p); i < len(name); i++ {
				if !isDigit(name[i]) {
					return false
				}
			}
			return true
		}
	}
	return false
}

// ParseSockstat decodes /proc/net/sockstat or /proc/net/sockstat6: one
// line per group, "TCP: inuse 5 orphan 0 tw 2 alloc 7 mem 1", names and
// values alternating. Every group and name is kept, known or not.
//
// A bad value drops its counter, a name without a value is reported, and
// the other counters are kept; each problem is an error wrapping errs.ErrMalformed.
func ParseSockstat(data []byte) ([]Group, error) {
	var (
		groups []Group
		errs   []error
	)
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		prefix, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			errs = append(errs, parseError("no colon", line))
			continue
		}
		f := bytes.Fields(rest)
		g := Group{Name: string(bytes.TrimSpace(prefix)), Counters: make([]Counter, 0, len(f)/2)}
		for i := 0; i < len(f); i += 2 {
			if i+1 == len(f) {
				errs = append(errs, parseError("counter "+string(f[i])+" without value", line))
				break
			}
			v, err := parseValue(f[i+1])
			if err != nil {
				errs = append(errs, parseError("counter "+string(f[i])+": bad value", line))
				continue
			}
			g.Counters = append(g.Counters, Counter{Name: string(f[i]), Value: v})
		}
		groups = append(groups, g)
	}
	return groups, errors.Join(errs...)
}

// ParseSCTP decodes /proc/net/sctp/snmp (present once the sctp module is
// loaded): one "SctpName value" line per counter, all in group Sctp, each
// kept under its name without the "Sctp" prefix (SctpCurrEstab is
// CurrEstab), as ParseSNMP6 does for Ip6. A name without the prefix is kept
// whole. Like the other parsers it keeps every good line and reports each
// bad one with an error wrapping errs.ErrMalformed.
func ParseSCTP(data []byte) ([]Group, error) {
	g := Group{Name: "Sctp"}
	errs := eachPair(data, func(full []byte, v int64) {
		name := string(full)
		if n, ok := strings.CutPrefix(name, "Sctp"); ok && n != "" {
			name = n
		}
		g.Counters = append(g.Counters, Counter{Name: name, Value: v})
	})
	if len(g.Counters) == 0 {
		return nil, errors.Join(errs...)
	}
	return []Group{g}, errors.Join(errs...)
}

// parseValue parses a decimal counter. The kernel prints unsigned 64-bit
// counters; one above MaxInt64 keeps its bits (uint64(v) recovers it).
// This is the hot path of Read: up to 18 digits are summed without
// allocating.
func parseValue(b []byte) (int64, error) {
	if digits := b; len(b) > 0 && len(b) <= 19 {
		neg := b[0] == '-'
		if neg {
			digits = b[1:]
		}
		if len(digits) > 0 && len(digits) <= 18 {
			var v int64
			for _, c := range digits {
				if !isDigit(c) {
					goto slow
				}
				v = v*10 + int64(c-'0')
			}
			if neg {
				v = -v
			}
			return v, nil
		}
	}
slow:
	s := string(b)
	v, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		return v, nil
	}
	u, uerr := strconv.ParseUint(s, 10, 64)
	if uerr != nil {
		return 0, err
	}
	return int64(u), nil
}

// nextLine splits data at the first newline.
func nextLine(data []byte) (line, rest []byte) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return data[:i], data[i+1:]
	}
	return data, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseError returns an error wrapping errs.ErrMalformed that quotes line.
func parseError(what string, line []byte) error {
	q := line
	if len(q) > maxQuote {
		return fmt.Errorf("%w: %s: %q (truncated)", errs.ErrMalformed, what, q[:maxQuote])
	}
	return fmt.Errorf("%w: %s: %q", errs.ErrMalformed, what, q)
}
