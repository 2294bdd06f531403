package names

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Services maps ports to service names, like getservbyport(3), and names
// to ports, like getservbyname(3). Only tcp and udp entries are kept. A
// Services is immutable once built and safe for concurrent use; the nil
// *Services knows no names.
//
// Lookup is on the hot path of every table row; it is one map access.
type Services struct {
	byPort map[uint32]string  // portKey(port, udp) → name
	byName map[nameKey]uint16 // name or alias → port
}

type nameKey struct {
	name string
	udp  bool
}

func portKey(port uint16, udp bool) uint32 {
	k := uint32(port) << 1
	if udp {
		k |= 1
	}
	return k
}

// protoUDP maps a protocol name to the services(5) protocol its ports are
// named in: mptcp uses tcp's names, udplite udp's. ok is false for
// protocols without service names (raw, unix, anything else).
func protoUDP(proto string) (udp, ok bool) {
	switch proto {
	case "tcp", "mptcp":
		return false, true
	case "udp", "udplite":
		return true, true
	}
	return false, false
}

// Lookup returns the service name of port for proto ("tcp", "udp";
// "mptcp" is looked up as tcp and "udplite" as udp). ok is false when the
// port has no name or the protocol has no service names (raw, unix).
func (s *Services) Lookup(port uint16, proto string) (name string, ok bool) {
	udp, ok := protoUDP(proto)
	if !ok || s == nil {
		return "", false
	}
	name, ok = s.byPort[portKey(port, udp)]
	return name, ok
}

// Port returns the port of a service name or alias for proto, as
// getservbyname(3) does, for filters such as "dport = :ssh". It matches
// names exactly (services(5) names are case-sensitive). ok is false when
// the name is unknown for that protocol.
func (s *Services) Port(name, proto string) (port uint16, ok bool) {
	udp, ok := protoUDP(proto)
	if !ok || s == nil {
		return 0, false
	}
	port, ok = s.byName[nameKey{name, udp}]
	return port, ok
}

// Len returns the number of (port, protocol) pairs that have a name.
func (s *Services) Len() int {
	if s == nil {
		return 0
	}
	return len(s.byPort)
}

// add records one entry; the first entry for a port, and the first port
// for a name, win.
func (s *Services) add(name string, port uint16, udp bool, aliases ...string) {
	if _, dup := s.byPort[portKey(port, udp)]; !dup {
		s.byPort[portKey(port, udp)] = name
	}
	s.addName(name, port, udp)
	for _, a := range aliases {
		s.addName(a, port, udp)
	}
}

func (s *Services) addName(name string, port uint16, udp bool) {
	if _, dup := s.byName[nameKey{name, udp}]; !dup {
		s.byName[nameKey{name, udp}] = port
	}
}

func newServices() *Services {
	return &Services{byPort: make(map[uint32]string), byName: make(map[nameKey]uint16)}
}

// maxServicesFile bounds what LoadServices reads; /etc/services is ~15 KB,
// IANA's complete registry as a services file under 1 MB.
const maxServicesFile = 8 << 20

// LoadServices reads the services(5) file at path. When the file is
// missing, unreadable, larger than 8 MiB or holds no tcp/udp entry, it
// returns the built-in table instead (see Builtin). It never fails.
func LoadServices(path string) *Services {
	f, err := os.Open(path)
	if err != nil {
		return Builtin()
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxServicesFile+1))
	if err != nil || len(data) > maxServicesFile {
		return Builtin()
	}
	s := ParseServices(bytes.NewReader(data))
	if s.Len() == 0 {
		return Builtin()
	}
	return s
}

// Builtin returns the built-in table: about 170 common services with
// their IANA names, used when no services file can be read. The table is
// built once and shared.
func Builtin() *Services { return builtin() }

var builtin = sync.OnceValue(func() *Services {
	s := newServices()
	for _, e := range builtinServices {
		if e.protos&onTCP != 0 {
			s.add(e.name, e.port, false)
		}
		if e.protos&onUDP != 0 {
			s.add(e.name, e.port, true)
		}
	}
	return s
})

// maxLine is the longest services line ParseServices reads; longer lines
// are skipped whole.
const maxLine = 64 << 10

// ParseServices decodes a services(5) file: one service per line,
//
//	name  port/protocol  [alias ...]  [# comment]
//
// fields separated by blanks, everything from '#' to the end of the line a
// comment. Only the tcp and udp protocols are kept (sctp, ddp, ... are
// skipped). The first entry for a port wins, as with getservbyport(3).
// Malformed lines (missing or non-decimal port, port over 65535, a name
// with control characters or invalid UTF-8) are skipped, and so are lines
// over 64 KiB. ParseServices reads r to its end or its first error and
// never fails or panics.
func ParseServices(r io.Reader) *Services {
	s := newServices()
	br := bufio.NewReaderSize(r, maxLine)
	skipping := false // inside an over-long line
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			skipping = true
			continue
		}
		if !skipping {
			s.parseLine(line)
		}
		skipping = false
		if err != nil {
			return s
		}
	}
}

// parseLine adds the entry on one line, if the line holds a valid tcp or
// udp entry.
func (s *Services) parseLine(line []byte) {
	if i := bytes.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	name, rest := nextField(line)
	portProto, rest := nextField(rest)
	portText, proto, found := bytes.Cut(portProto, []byte{'/'})
	if !found || !validName(name) {
		return
	}
	port, ok := parsePort(portText)
	if !ok {
		return
	}
	var udp bool
	switch string(proto) {
	case "tcp":
	case "udp":
		udp = true
	default:
		return
	}
	var aliases []string
	for {
		var alias []byte
		alias, rest = nextField(rest)
		if alias == nil {
			break
		}
		if validName(alias) {
			aliases = append(aliases, string(alias))
		}
	}
	s.add(string(name), port, udp, aliases...)
}

func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n'
}

// nextField returns the first blank-separated field of b and what follows
// it; field is nil when b holds only blanks.
func nextField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && isBlank(b[i]) {
		i++
	}
	if i == len(b) {
		return nil, nil
	}
	j := i
	for j < len(b) && !isBlank(b[j]) {
		j++
	}
	return b[i:j], b[j:]
}

// parsePort parses a decimal port of at most five digits and 65535.
func parsePort(b []byte) (uint16, bool) {
	if len(b) == 0 || len(b) > 5 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(string(b), 10, 16)
	return uint16(n), err == nil
}

// validName reports whether b is a name safe to print: non-empty, valid
// UTF-8, without control characters (a services file is trusted, but a
// terminal should never receive escape sequences from it).
func validName(b []byte) bool {
	if len(b) == 0 || !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			return false
		}
	}
	return true
}
