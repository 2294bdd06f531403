package render

import (
	"bufio"
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The JSON encoder is written by hand for speed: it appends with strconv
// into reused buffers, a socket or a chunk at a time, so a listing of
// 100k sockets costs about what its table costs and allocates nothing per
// socket. Its output is what encoding/json would produce from the
// equivalent structs (json_test.go checks this on random sockets): the
// same escapes, the same numbers, RFC 3339 times. The schema is
// documented in docs/json.md; within schema 1 a field never changes
// meaning, and new fields may be added.

// SchemaVersion is the version of the JSON schema this package writes.
const SchemaVersion = 1

// writeJSON writes the listing as one document: the envelope, with the
// sockets one per line so that it can be read by line-oriented tools too.
// A round of a repeated listing (meta.Round > 0) is one document on one
// line, with "seq" after "time", so that the rounds form a JSON Lines
// stream a reader takes a line at a time.
func writeJSON(w *bufio.Writer, socks []sockets.Socket, meta *Meta, o *Options) {
	oneLine := meta.Round > 0
	b := make([]byte, 0, rowBufSize)
	b = append(b, `{"schema":`...)
	b = strconv.AppendInt(b, SchemaVersion, 10)
	b = append(b, `,"host":`...)
	b = AppendJSONString(b, meta.Host)
	b = append(b, `,"time":"`...)
	b = meta.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	if oneLine {
		b = append(b, `,"seq":`...)
		b = strconv.AppendInt(b, int64(meta.Round), 10)
	}
	b = append(b, `,"sockets":[`...)
	w.Write(b)
	writeSocketsJSON(w, socks, func(b []byte, s *sockets.Socket, cache processJSONCache, first bool) []byte {
		if !first {
			b = append(b, ',')
		}
		if !oneLine {
			b = append(b, '\n')
		}
		b = append(b, '{')
		return appendSocketJSONBody(b, s, cache, o)
	})
	b = b[:0]
	if len(socks) > 0 && !oneLine {
		b = append(b, '\n')
	}
	b = append(b, `],"unattributed":`...)
	b = strconv.AppendInt(b, int64(meta.Unattributed), 10)
	b = append(b, `,"warnings":[`...)
	for i, warning := range meta.Warnings {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, warning)
	}
	w.Write(append(b, "]}\n"...))
}

// writeNDJSON writes one socket object per line, with no envelope. In a
// round of a repeated listing each object starts with the round's "seq"
// and "time".
func writeNDJSON(w *bufio.Writer, socks []sockets.Socket, meta *Meta, o *Options) {
	head := []byte{'{'}
	if meta.Round > 0 {
		head = append(head, `"seq":`...)
		head = strconv.AppendInt(head, int64(meta.Round), 10)
		head = append(head, `,"time":"`...)
		head = meta.Time.AppendFormat(head, time.RFC3339Nano)
		head = append(head, `",`...)
	}
	writeSocketsJSON(w, socks, func(b []byte, s *sockets.Socket, cache processJSONCache, _ bool) []byte {
		b = append(b, head...)
		return append(appendSocketJSONBody(b, s, cache, o), '\n')
	})
}

// AppendSocketJSON appends s as a schema 1 socket object (docs/json.md),
// on one line, and returns the extended buffer. It is what the "sockets"
// array of a JSON listing holds and what an NDJSON listing prints per
// line, for reuse by other writers of the same objects, without the
// "timer" object a listing with Options.Timers adds. A holder with a nil
// ProcessInfo (invalid) is left out.
func AppendSocketJSON(b []byte, s *sockets.Socket) []byte {
	return appendSocketJSONBody(append(b, '{'), s, nil, nil)
}

// appendSocketJSONBody appends a socket object but for its opening brace,
// with its "timer" object if o asks for timers and the source reported
// one, and what o.Namespace says of its namespace; o may be nil. cache
// holds the process objects already encoded (nil: none).
func appendSocketJSONBody(b []byte, s *sockets.Socket, cache processJSONCache, o *Options) []byte {
	timers := o != nil && o.Timers
	b = append(b, `"proto":`...)
	b = AppendJSONString(b, s.Proto.String())
	b = append(b, `,"family":`...)
	b = AppendJSONString(b, s.Family.String())
	if s.Family == sockets.Local {
		b = append(b, `,"type":`...)
		b = AppendJSONString(b, s.Type.String())
	}
	b = append(b, `,"state":`...)
	b = AppendJSONString(b, s.StateName())
	if s.Family == sockets.Local {
		b = append(b, `,"local":{"path":`...)
		b = AppendJSONString(b, s.Path)
		b = append(b, `},"remote":{"path":`...)
		b = AppendJSONString(b, s.PeerPath)
		b = append(b, `,"inode":`...)
		b = strconv.AppendUint(b, s.Peer, 10)
		b = append(b, '}')
	} else {
		b = append(b, `,"local":`...)
		b = appendJSONEndpoint(b, s.Local.Addr(), s.Local.Port())
		b = append(b, `,"remote":`...)
		b = appendJSONEndpoint(b, s.Remote.Addr(), s.Remote.Port())
	}
	b = append(b, `,"recv_q":`...)
	b = strconv.AppendUint(b, uint64(s.RecvQ), 10)
	b = append(b, `,"send_q":`...)
	b = strconv.AppendUint(b, uint64(s.SendQ), 10)
	b = append(b, `,"inode":`...)
	b = strconv.AppendUint(b, s.Inode, 10)
	if s.UID != sockets.NoUID {
		b = append(b, `,"uid":`...)
		b = strconv.AppendUint(b, uint64(s.UID), 10)
	}
	b = append(b, `,"netns":`...)
	b = strconv.AppendUint(b, s.NetNS, 10)
	b = appendNamespaceJSON(b, s.NetNS, o)
	if s.Cookie != 0 {
		b = append(b, `,"cookie":`...)
		b = strconv.AppendUint(b, s.Cookie, 10)
	}
	if s.Zone != 0 {
		b = append(b, `,"ifindex":`...)
		b = strconv.AppendUint(b, uint64(s.Zone), 10)
	}
	if s.Created != 0 {
		b = append(b, `,"created":"`...)
		b = time.Unix(0, s.Created).AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	if timers && s.Timer.Kind != sockets.NoTimerData {
		b = append(b, `,"timer":{"kind":`...)
		b = AppendJSONString(b, s.Timer.Kind.String())
		b = append(b, `,"expires_ms":`...)
		b = strconv.AppendUint(b, uint64(s.Timer.Expires), 10)
		b = append(b, `,"retrans":`...)
		b = strconv.AppendUint(b, uint64(s.Timer.Retrans), 10)
		b = append(b, `,"probes":`...)
		b = strconv.AppendUint(b, uint64(s.Timer.Probes), 10)
		b = append(b, '}')
	}
	if s.Internals != nil {
		b = appendInternalsJSON(b, s.Internals)
	}
	b = append(b, `,"processes":[`...)
	first := true
	for i := range s.Processes {
		if s.Processes[i].Info == nil {
			continue // invalid: left out, as Write does
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = cache.appendProcess(b, &s.Processes[i])
	}
	return append(b, "]}"...)
}

// appendJSONEndpoint appends {"ip":"...","port":N}. The address text is
// escaped only if it carries a zone that needs it.
func appendJSONEndpoint(b []byte, a netip.Addr, port uint16) []byte {
	b = append(b, `{"ip":"`...)
	start := len(b)
	if a.Is4() {
		b = appendIPv4(b, a.As4())
	} else {
		b = appendIPv6Zone(b, a)
	}
	for i := start; i < len(b); i++ {
		if !jsonSafe[b[i]] {
			var tmp [64]byte
			text := append(tmp[:0], b[start:]...)
			b = appendJSONStringBody(b[:start], string(text))
			break
		}
	}
	b = append(b, `","port":`...)
	b = strconv.AppendUint(b, uint64(port), 10)
	return append(b, '}')
}

// appendProcessJSON appends one holder of a socket. pid, name, exe,
// cmdline, user and fd are always present; uid wherever the OS has uids
// (not Windows: NoUID); ppid, exe_deleted, cgroup, unit and container
// only when known (non-zero, true, non-empty).
func appendProcessJSON(b []byte, p *sockets.Process) []byte {
	b = appendProcessHead(b, p.Info)
	b = strconv.AppendInt(b, int64(p.FD), 10)
	return appendProcessTail(b, p.Info)
}

// appendProcessHead appends a process object up to the value of "fd".
func appendProcessHead(b []byte, p *sockets.ProcessInfo) []byte {
	b = append(b, `{"pid":`...)
	b = strconv.AppendInt(b, int64(p.PID), 10)
	if p.PPID != 0 {
		b = append(b, `,"ppid":`...)
		b = strconv.AppendInt(b, int64(p.PPID), 10)
	}
	b = append(b, `,"name":`...)
	b = AppendJSONString(b, p.Name)
	b = append(b, `,"exe":`...)
	b = AppendJSONString(b, p.Exe)
	if p.ExeDeleted {
		b = append(b, `,"exe_deleted":true`...)
	}
	b = append(b, `,"cmdline":[`...)
	for i, arg := range p.Cmdline {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, arg)
	}
	b = append(b, ']')
	if p.UID != sockets.NoUID {
		b = append(b, `,"uid":`...)
		b = strconv.AppendUint(b, uint64(p.UID), 10)
	}
	b = append(b, `,"user":`...)
	b = AppendJSONString(b, p.User)
	return append(b, `,"fd":`...)
}

// appendProcessTail appends a process object after the value of "fd".
func appendProcessTail(b []byte, p *sockets.ProcessInfo) []byte {
	if p.Cgroup != "" {
		b = append(b, `,"cgroup":`...)
		b = AppendJSONString(b, p.Cgroup)
	}
	if p.Unit != "" {
		b = append(b, `,"unit":`...)
		b = AppendJSONString(b, p.Unit)
	}
	if p.Container != "" {
		b = append(b, `,"container":`...)
		b = AppendJSONString(b, p.Container)
	}
	return append(b, '}')
}

// processJSONCache holds each process's object, but for its fd, encoded
// once per listing (per encoding goroutine): a process holding 10k sockets (with a long command
// line) is escaped once, then copied. A nil cache encodes every time.
type processJSONCache map[*sockets.ProcessInfo]processJSON

// processJSON is a process object split where its fd goes.
type processJSON struct {
	enc   []byte
	split int // enc[:split] ends with `"fd":`
}

func newProcessJSONCache() processJSONCache { return make(processJSONCache) }

// appendProcess appends p as appendProcessJSON does.
func (c processJSONCache) appendProcess(b []byte, p *sockets.Process) []byte {
	if c == nil {
		return appendProcessJSON(b, p)
	}
	pj, ok := c[p.Info]
	if !ok {
		pj.enc = appendProcessHead(nil, p.Info)
		pj.split = len(pj.enc)
		pj.enc = appendProcessTail(pj.enc, p.Info)
		c[p.Info] = pj
	}
	b = append(b, pj.enc[:pj.split]...)
	b = strconv.AppendInt(b, int64(p.FD), 10)
	return append(b, pj.enc[pj.split:]...)
}

// jsonSafe[c] is true for the bytes a JSON string holds as they are:
// printable ASCII and DEL, except '"' and '\\'.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// AppendJSONString appends s as a JSON string (RFC 8259), escaped as
// encoding/json escapes it without HTML escaping: '"' and '\\', control
// characters (\b \f \n \r \t, others \u00XX), U+2028 and U+2029; each
// byte of invalid UTF-8 becomes U+FFFD.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	return append(appendJSONStringBody(b, s), '"')
}

func appendJSONStringBody(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}
