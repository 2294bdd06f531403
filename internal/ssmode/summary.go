package ssmode

import (
	"bytes"
	"strconv"
)

// sockstat holds the counts of /proc/net/sockstat and sockstat6 that ss
// -s shows.
type sockstat struct {
	socks, tcpMem, tcpTotal, tcpOrphans, tcpTWs int
	tcp4Hashed, udp4, raw4, frag4, frag4Mem     int
	tcp6Hashed, udp6, raw6, frag6, frag6Mem     int
}

// parseSockstat reads the lines of sockstat or sockstat6 into s, as ss's
// get_sockstat_line does: the first word names the line, then the
// numbers follow every other word. A malformed line leaves what it
// could not read as it was.
func parseSockstat(data []byte, s *sockstat) {
	for _, line := range bytes.Split(data, []byte("\n")) {
		id, rest, ok := bytes.Cut(line, []byte(" "))
		if !ok || len(rest) == 0 {
			continue
		}
		var dst []*int
		switch string(id) {
		case "sockets:":
			dst = []*int{&s.socks}
		case "UDP:":
			dst = []*int{&s.udp4}
		case "UDP6:":
			dst = []*int{&s.udp6}
		case "RAW:":
			dst = []*int{&s.raw4}
		case "RAW6:":
			dst = []*int{&s.raw6}
		case "TCP6:":
			dst = []*int{&s.tcp6Hashed}
		case "FRAG:":
			dst = []*int{&s.frag4, &s.frag4Mem}
		case "FRAG6:":
			dst = []*int{&s.frag6, &s.frag6Mem}
		case "TCP:":
			dst = []*int{&s.tcp4Hashed, &s.tcpOrphans, &s.tcpTWs, &s.tcpTotal, &s.tcpMem}
		default:
			continue
		}
		words := bytes.Fields(rest)
		for i, p := range dst {
			k := 2*i + 1
			if k >= len(words) {
				break
			}
			v, ok := scanInt(words[k])
			if !ok {
				break
			}
			*p = v
		}
	}
}

// scanInt reads a leading decimal integer as sscanf's %d does.
func scanInt(w []byte) (int, bool) {
	neg := false
	if len(w) > 0 && (w[0] == '-' || w[0] == '+') {
		neg = w[0] == '-'
		w = w[1:]
	}
	n, v := 0, 0
	for n < len(w) && w[n] >= '0' && w[n] <= '9' {
		v = v*10 + int(w[n]-'0')
		if v > 1<<30 { // a count no kernel reaches: stop before int overflows on 32-bit
			v = 1 << 30
		}
		n++
	}
	if n == 0 {
		return 0, false
	}
	if neg {
		v = -v
	}
	return int(int32(v)), true
}

// snmpValue returns the value of key in the table of proto ("Tcp:") of
// /proc/net/snmp: a header line of names, then a line of values.
func snmpValue(data []byte, proto, key string) (int, bool) {
	lines := bytes.Split(data, []byte("\n"))
	for i := 0; i+1 < len(lines); i++ {
		if !bytes.HasPrefix(lines[i], []byte(proto)) {
			continue
		}
		names := bytes.Split(lines[i], []byte(" "))
		pos := -1
		for k := 1; k < len(names); k++ {
			if string(names[k]) == key {
				pos = k
				break
			}
		}
		if pos < 0 {
			continue
		}
		if !bytes.HasPrefix(lines[i+1], []byte(proto)) {
			return 0, false
		}
		vals := bytes.Split(lines[i+1], []byte(" "))
		if pos >= len(vals) {
			return 0, false
		}
		return scanInt(vals[pos])
	}
	return 0, false
}

// appendSummary appends ss -s's summary of the counts s and the number
// of established TCP connections.
func appendSummary(b []byte, s *sockstat, tcpEstab int) []byte {
	b = append(b, "Total: "...)
	b = strconv.AppendInt(b, int64(s.socks), 10)
	b = append(b, "\nTCP:   "...)
	b = strconv.AppendInt(b, int64(s.tcpTotal+s.tcpTWs), 10)
	b = append(b, " (estab "...)
	b = strconv.AppendInt(b, int64(tcpEstab), 10)
	b = append(b, ", closed "...)
	b = strconv.AppendInt(b, int64(s.tcpTotal-(s.tcp4Hashed+s.tcp6Hashed-s.tcpTWs)), 10)
	b = append(b, ", orphaned "...)
	b = strconv.AppendInt(b, int64(s.tcpOrphans), 10)
	b = append(b, ", timewait "...)
	b = strconv.AppendInt(b, int64(s.tcpTWs), 10)
	b = append(b, ")\n\nTransport Total     IP        IPv6\n"...)
	row := func(name string, v4, v6 int) {
		b = append(b, name...)
		b = append(b, "\t  "...)
		for _, v := range [3]int{v4 + v6, v4, v6} {
			n := len(b)
			b = strconv.AppendInt(b, int64(v), 10)
			for len(b)-n < 9 {
				b = append(b, ' ')
			}
			b = append(b, ' ')
		}
		b[len(b)-1] = '\n'
	}
	row("RAW", s.raw4, s.raw6)
	row("UDP", s.udp4, s.udp6)
	row("TCP", s.tcp4Hashed, s.tcp6Hashed)
	row("INET", s.raw4+s.udp4+s.tcp4Hashed, s.raw6+s.udp6+s.tcp6Hashed)
	row("FRAG", s.frag4, s.frag6)
	return append(b, '\n')
}
