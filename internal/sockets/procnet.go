package sockets

// This file decodes the socket tables of /proc/net: tcp, tcp6, udp, udp6,
// udplite, udplite6, raw, raw6 and unix. It does no I/O (procsource.go
// reads the files). The hot loop to keep efficient is appendProcNet: it
// walks the bytes once, without splitting lines or fields into new slices,
// and allocates nothing per inet socket beyond the growth of dst.
//
// The inet tables are printed by tcp4_seq_show/tcp6_seq_show,
// udp4_format_sock/udp6_seq_show and raw_sock_seq_show
// (https://github.com/torvalds/linux/blob/v6.18/net/ipv4/tcp_ipv4.c,
// net/ipv6/tcp_ipv6.c, net/ipv4/udp.c, net/ipv4/raw.c, net/ipv6/datagram.c),
// as
//
//	sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ...
//	 0: 0100007F:1B59 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 470086 ...
//
// and the unix table by unix_seq_show (net/unix/af_unix.c), as
//
//	Num       RefCount Protocol Flags    Type St Inode Path
//	00000000ab2ae798: 00000002 00000000 00010000 0001 01 468593 /tmp/api server.sock

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
)

// Values of the unix table's Flags and St columns (include/linux/net.h,
// include/uapi/linux/net.h). unix_seq_show prints __SO_ACCEPTCON when
// sk_state is TCP_LISTEN, and St as SS_CONNECTED or SS_CONNECTING when
// sk_state is TCP_ESTABLISHED (CONNECTING when no process holds the socket
// yet: a connection waiting for accept()), SS_UNCONNECTED (1) or
// SS_DISCONNECTING (4) otherwise.
const (
	soAcceptCon  = 1 << 16 // __SO_ACCEPTCON
	ssConnecting = 2       // SS_CONNECTING
	ssConnected  = 3       // SS_CONNECTED
)

// maxQuotedLine is how much of a bad line an error quotes.
const maxQuotedLine = 80

// appendProcNet parses a whole inet socket table of /proc/net (tcp, tcp6,
// udp, udp6, udplite, udplite6, raw or raw6) whose sockets are of protocol
// proto and family fam, and appends those matching f to dst.
//
// The header line is skipped. A line that does not parse is skipped too,
// and the error returned (wrapping errs.ErrMalformed) quotes the first such line and
// counts the others; the sockets of every good line are still appended.
func appendProcNet(dst []Socket, data []byte, proto Proto, fam Family, f Filter) ([]Socket, error) {
	if !f.Protos.Has(proto) || !f.Families.Has(fam) {
		return dst, nil
	}
	var bad badLines
	for n, rest := 1, data; len(rest) > 0; n++ {
		var line []byte
		line, rest = cutLine(rest)
		if len(line) == 0 || n == 1 && isHeader(line, "sl") {
			continue
		}
		dst = append(dst, Socket{})
		s := &dst[len(dst)-1]
		if err := parseProcNetLine(line, proto, fam, s); err != nil {
			bad.add(n, err)
			dst = dst[:len(dst)-1]
			continue
		}
		if !f.Match(s) {
			dst = dst[:len(dst)-1]
		}
	}
	return dst, bad.err()
}

// parseProcNetLine parses one data line of an inet socket table into s,
// setting Proto, Family, State, Local, Remote, SendQ, RecvQ, UID, Inode
// and Timer and leaving the other fields alone. fam is the family of the table
// (Inet for tcp, Inet6 for tcp6, ...), or zero to take it from the width of
// the address. It returns an error wrapping errs.ErrMalformed, quoting the line, if
// the line is malformed or its addresses are not of family fam.
func parseProcNetLine(line []byte, proto Proto, fam Family, s *Socket) error {
	var field []byte
	i := 0
	field, i = nextField(line, i) // sl, "12:"
	if len(field) < 2 || field[len(field)-1] != ':' || !isDecimal(field[:len(field)-1]) {
		return lineError("bad slot number", line)
	}
	field, i = nextField(line, i)
	local, lfam, ok := parseInetAddr(field)
	if !ok || fam != 0 && lfam != fam {
		return lineError("bad local address", line)
	}
	field, i = nextField(line, i)
	remote, rfam, ok := parseInetAddr(field)
	if !ok || rfam != lfam {
		return lineError("bad remote address", line)
	}
	field, i = nextField(line, i)
	st, ok := parseHex(field, 2)
	if !ok || st == 0 {
		return lineError("bad state", line)
	}
	field, i = nextField(line, i)
	txField, rxField, _ := bytes.Cut(field, []byte{':'})
	tx, okTx := parseHex(txField, 8)
	rx, okRx := parseHex(rxField, 8)
	if !okTx || !okRx {
		return lineError("bad queue sizes", line)
	}
	field, i = nextField(line, i) // tr:tm->when, "02:000AF0B1"
	trField, whenField, _ := bytes.Cut(field, []byte{':'})
	tr, okTr := parseHex(trField, 2)
	when, okWhen := parseHex(whenField, 16)
	if !okTr || !okWhen {
		return lineError("bad timer", line)
	}
	field, i = nextField(line, i)
	retrans, ok := parseHex(field, 8)
	if !ok {
		return lineError("bad retransmit count", line)
	}
	field, i = nextField(line, i)
	uid, ok := parseDecimal(field)
	if !ok || uid > 1<<32-1 {
		return lineError("bad uid", line)
	}
	field, i = nextField(line, i) // timeout: icsk_probes_out for TCP
	probes, ok := parseDecimal(field)
	if !ok {
		return lineError("bad timeout", line)
	}
	field, _ = nextField(line, i)
	inode, ok := parseDecimal(field)
	if !ok {
		return lineError("bad inode", line)
	}
	s.Proto, s.Family, s.State = proto, lfam, State(st)
	s.Local, s.Remote = local, remote
	s.SendQ, s.RecvQ = uint32(tx), uint32(rx)
	s.UID, s.Inode = uint32(uid), inode
	s.Timer = procNetTimer(tr, when, retrans, probes)
	return nil
}

// procNetTimer returns the Timer of the tr, tm->when (clock ticks, 1/100
// s), retrnsmt and timeout columns of an inet table.
func procNetTimer(tr, when, retrans, probes uint64) Timer {
	t := Timer{Kind: timerKindOf(tr), Retrans: clampU8(retrans), Probes: clampU8(probes)}
	if t.Kind != TimerOff {
		// A kernel before 4.2 could print a timer that just expired as a
		// negative number of ticks, which reads as a huge one: 0.
		if when > 1<<32/10 {
			when = 0
		}
		t.Expires = uint32(when * 10)
	}
	return t
}

// appendProcNetUnix parses the whole /proc/net/unix table and appends the
// sockets matching f to dst. It handles errors as appendProcNet does.
//
// Sockets of inode 0 are skipped, as unix_diag skips them, so that this
// table and netlink list the same sockets: they are connections queued on
// a listener that no accept() has picked up yet, which no process holds.
//
// A socket's name may hold a newline, which the kernel prints as is: a line
// that does not parse and follows a socket with a name is taken as the
// rest of that name.
func appendProcNetUnix(dst []Socket, data []byte, f Filter) ([]Socket, error) {
	if !f.Protos.Has(Unix) {
		return dst, nil
	}
	var bad badLines
	named := false // the previous record had a name that may go on
	kept := -1     // the index in dst of the previous record, if kept
	for n, rest := 1, data; len(rest) > 0; n++ {
		var line []byte
		line, rest = cutLine(rest)
		if n == 1 && isHeader(line, "Num") {
			continue
		}
		dst = append(dst, Socket{})
		s := &dst[len(dst)-1]
		err := parseProcNetUnixLine(line, s)
		if err != nil {
			dst = dst[:len(dst)-1]
			if !named {
				if len(line) > 0 {
					bad.add(n, err)
				}
				continue
			}
			if kept >= 0 {
				dst[kept].Path += "\n" + string(line)
			}
			continue
		}
		named = s.Path != ""
		kept = len(dst) - 1
		if s.Inode == 0 || !f.Match(s) {
			dst = dst[:len(dst)-1]
			kept = -1
		}
	}
	return dst, bad.err()
}

// parseProcNetUnixLine parses one data line of /proc/net/unix into s,
// setting Proto, Family, Type, State, Inode and Path and leaving the other
// fields alone: the table has no queue sizes, peer or uid. The state is
// the kernel's sk_state, which the table encodes in Flags and St: Listen,
// Established (connected, or queued on a listener for accept()), or
// Close. It returns an error wrapping errs.ErrMalformed, quoting the line, if the
// line is malformed.
func parseProcNetUnixLine(line []byte, s *Socket) error {
	var field []byte
	i := 0
	field, i = nextField(line, i) // the socket's address, "%pK:"
	if len(field) < 2 || field[len(field)-1] != ':' {
		return lineError("bad socket address", line)
	}
	if _, ok := parseHex(field[:len(field)-1], 16); !ok {
		return lineError("bad socket address", line)
	}
	var vals [5]uint64 // RefCount Protocol Flags Type St
	for k := range vals {
		field, i = nextField(line, i)
		v, ok := parseHex(field, 8)
		if !ok {
			return lineError("bad number", line)
		}
		vals[k] = v
	}
	flags, typ, st := vals[2], vals[3], vals[4]
	if typ > 0xff {
		return lineError("bad type", line)
	}
	field, i = nextField(line, i)
	inode, ok := parseDecimal(field)
	if !ok {
		return lineError("bad inode", line)
	}
	var path string
	if i < len(line) { // nextField stopped at a space: " name"
		path = string(line[i+1:])
	}
	state := Close
	switch {
	case flags&soAcceptCon != 0:
		state = Listen
	case st == ssConnected || st == ssConnecting:
		state = Established
	}
	s.Proto, s.Family, s.Type, s.State = Unix, Local, SockType(typ), state
	s.UID = NoUID // /proc/net/unix has no uid column
	s.Inode, s.Path = inode, path
	return nil
}

// parseInetAddr parses "0100007F:1B59": an IPv4 address as 8 hex digits or
// an IPv6 one as 32, then a port as up to 4 hex digits. The kernel prints
// each 32-bit word of the address as the integer it is in memory, so the
// bytes come back in host byte order.
func parseInetAddr(b []byte) (netip.AddrPort, Family, bool) {
	hexAddr, hexPort, ok := bytes.Cut(b, []byte{':'})
	if !ok {
		return netip.AddrPort{}, 0, false
	}
	port, ok := parseHex(hexPort, 4)
	if !ok {
		return netip.AddrPort{}, 0, false
	}
	switch len(hexAddr) {
	case 8:
		var a [4]byte
		w, ok := parseHex(hexAddr, 8)
		if !ok {
			return netip.AddrPort{}, 0, false
		}
		binary.NativeEndian.PutUint32(a[:], uint32(w))
		return netip.AddrPortFrom(netip.AddrFrom4(a), uint16(port)), Inet, true
	case 32:
		var a [16]byte
		for k := 0; k < 4; k++ {
			w, ok := parseHex(hexAddr[8*k:8*k+8], 8)
			if !ok {
				return netip.AddrPort{}, 0, false
			}
			binary.NativeEndian.PutUint32(a[4*k:], uint32(w))
		}
		return netip.AddrPortFrom(netip.AddrFrom16(a), uint16(port)), Inet6, true
	}
	return netip.AddrPort{}, 0, false
}

// cutLine returns the first line of data, without its '\n', and the rest.
func cutLine(data []byte) (line, rest []byte) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return data[:i], data[i+1:]
	}
	return data, nil
}

// nextField returns the field of line that starts at or after i, fields
// being separated by runs of spaces, and the index just after it.
func nextField(line []byte, i int) ([]byte, int) {
	for i < len(line) && line[i] == ' ' {
		i++
	}
	start := i
	for i < len(line) && line[i] != ' ' {
		i++
	}
	return line[start:i], i
}

// isHeader reports whether line's first field is name.
func isHeader(line []byte, name string) bool {
	field, _ := nextField(line, 0)
	return string(field) == name
}

var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c - 'a' + 10)
		t[c-'a'+'A'] = byte(c - 'a' + 10)
	}
	return t
}()

// parseHex parses 1 to maxDigits hex digits (maxDigits <= 16).
func parseHex(b []byte, maxDigits int) (uint64, bool) {
	if len(b) == 0 || len(b) > maxDigits {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		d := hexValue[c]
		if d == 0xff {
			return 0, false
		}
		v = v<<4 | uint64(d)
	}
	return v, true
}

// parseDecimal parses an unsigned decimal number that fits in a uint64.
func parseDecimal(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

func isDecimal(b []byte) bool {
	_, ok := parseDecimal(b)
	return ok
}

// lineError returns an error wrapping errs.ErrMalformed that quotes line, cut to
// maxQuotedLine bytes.
func lineError(what string, line []byte) error {
	return parseErrorf("%s in %s", what, quoteLine(line))
}

func quoteLine(line []byte) string {
	if len(line) > maxQuotedLine {
		return strconv.Quote(string(line[:maxQuotedLine])) + "..."
	}
	return strconv.Quote(string(line))
}

// badLines remembers the first bad line of a table and counts the others.
type badLines struct {
	first error
	line  int
	more  int
}

func (b *badLines) add(line int, err error) {
	if b.first == nil {
		b.first, b.line = err, line
		return
	}
	b.more++
}

func (b *badLines) err() error {
	switch {
	case b.first == nil:
		return nil
	case b.more == 0:
		return fmt.Errorf("line %d: %w", b.line, b.first)
	}
	return fmt.Errorf("line %d: %w (and %d more bad lines)", b.line, b.first, b.more)
}
