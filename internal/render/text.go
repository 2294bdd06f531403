package render

import (
	"strconv"
	"unicode/utf8"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/textwidth"
)

// Table text comes from the kernel and from processes (paths, program
// names, command lines), so anyone who can name a socket or a program
// controls it. Before it reaches a terminal, appendSafe escapes what could
// break the layout or drive the terminal: control bytes, C1 controls,
// bidirectional overrides (which reorder what a reader sees) and invalid
// UTF-8.

// safeASCII[c] is true for the bytes appendSafe copies as they are.
var safeASCII = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = true
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendSafe appends s to b with unsafe characters escaped: control
// bytes and invalid UTF-8 as \xNN, C1 controls and bidirectional
// formatting characters as \uNNNN. It returns the extended slice and the
// display width of what it appended.
func appendSafe(b []byte, s string) ([]byte, int) {
	i := 0
	for i < len(s) && safeASCII[s[i]] {
		i++
	}
	b = append(b, s[:i]...)
	w := i
	for i < len(s) {
		c := s[i]
		if safeASCII[c] {
			b = append(b, c)
			w++
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			w += 4
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			w += 4
		case r < 0xa0 || isBidiControl(r):
			b = append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
			w += 6
		default:
			b = append(b, s[i:i+size]...)
			w += textwidth.Rune(r)
		}
		i += size
	}
	return b, w
}

// SafeText returns s as the tables print it, unsafe characters escaped
// (appendSafe), and its display width: for a table of another package
// that holds names a process chose.
func SafeText(s string) (string, int) {
	b, w := appendSafe(nil, s)
	return string(b), w
}

// appendSafeDW appends s as appendSafe does and returns the display width
// of what it appended less its length in bytes: 0 for ASCII, negative for
// most other text. A cell's width is its length plus the sum of these.
func appendSafeDW(b []byte, s string) ([]byte, int) {
	n := len(b)
	b, w := appendSafe(b, s)
	return b, w - (len(b) - n)
}

// isBidiControl reports the explicit bidirectional formatting characters
// (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI) and the marks LRM, RLM
// and ALM.
func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 ||
		r == 0x200e || r == 0x200f || r == 0x061c
}

// appendUint appends v in decimal; strconv.AppendUint with a shortcut for
// the one-digit numbers most queues hold.
func appendUint(b []byte, v uint64) []byte {
	if v < 10 {
		return append(b, byte('0'+v))
	}
	return strconv.AppendUint(b, v, 10)
}

const spaces = "                                                                "

// appendPad appends n spaces (none if n <= 0).
func appendPad(b []byte, n int) []byte {
	for n > len(spaces) {
		b = append(b, spaces...)
		n -= len(spaces)
	}
	if n > 0 {
		b = append(b, spaces[:n]...)
	}
	return b
}

// trimRight removes trailing spaces from b.
func trimRight(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return b
}

const colorReset = "\x1b[0m"

// stateColor returns the ANSI escape sequence that colours s's state, or
// "" (SPEC section 4): live connections green, listeners cyan, connections
// waiting to close yellow, handshakes magenta, the rest in the terminal's
// colour.
func stateColor(s *sockets.Socket) string {
	switch s.State {
	case sockets.Established:
		return "\x1b[32m"
	case sockets.Listen:
		return "\x1b[36m"
	case sockets.TimeWait, sockets.CloseWait:
		return "\x1b[33m"
	case sockets.SynSent, sockets.SynRecv, sockets.NewSynRecv:
		return "\x1b[35m"
	}
	return ""
}

// appendColored appends text wrapped in color (when not "") and pads it to
// width columns; textW is the display width of text.
func appendColored(b []byte, color string, text []byte, textW, width int) []byte {
	if color != "" && len(text) > 0 {
		b = append(b, color...)
		b = append(b, text...)
		b = append(b, colorReset...)
	} else {
		b = append(b, text...)
	}
	return appendPad(b, width-textW)
}

// userName returns the name of the socket's user as a holder process
// knows it, or "" when no holder runs as that user.
func userName(s *sockets.Socket, o *Options) string {
	if s.UID == sockets.NoUID {
		return "" // not known: appendUID prints "-"
	}
	for i := range s.Processes {
		if p := &s.Processes[i]; p.Info.UID == s.UID && p.Info.User != "" {
			return p.Info.User
		}
	}
	if o.UserName != nil {
		return o.UserName(s.UID)
	}
	return ""
}

// baseName returns the last element of a slash-separated path.
func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' || p[i] == '\\' {
			return p[i+1:]
		}
	}
	return p
}

// firstLabel returns a host name up to its first dot; a name that is an
// address (it holds ':' or is all digits and dots) is returned whole.
func firstLabel(name string) string {
	digits := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == ':' {
			return name
		}
		if (c < '0' || c > '9') && c != '.' {
			digits = false
		}
	}
	if digits {
		return name
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '.' {
			if i == 0 {
				return name
			}
			return name[:i]
		}
	}
	return name
}

// appendUID appends a socket's uid, or "-" when it is not known.
func appendUID(b []byte, uid uint32) []byte {
	if uid == sockets.NoUID {
		return append(b, '-')
	}
	return strconv.AppendUint(b, uint64(uid), 10)
}
