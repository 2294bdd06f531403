package iostreams

import (
	"io"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/sockscope/sockscope/internal/i18n"
)

// A CharsetWriter encodes the UTF-8 text written to it into the charset
// of a GBK, GB18030 or GB2312 locale, so that Chinese shows on a terminal
// that is not UTF-8. In any other charset it writes what it is given.
//
// It is streaming-safe: a character split across two Writes is held back
// (at most 3 bytes) and encoded whole when its last byte arrives; every
// complete character is written at once, so nothing waits for a Flush
// but an unfinished one at the very end. A character the charset lacks
// and a byte that is not UTF-8 each become "?": encoding never fails and
// never stops the output. It is safe for concurrent use.
type CharsetWriter struct {
	w      io.Writer
	cs     i18n.Charset
	enc    transform.Transformer // nil: write through
	mu     sync.Mutex
	pend   [utf8.UTFMax - 1]byte // the start of a character split across Writes
	npend  int
	buf    []byte
	encBuf [8]byte
}

// chunk is how much input one Write encodes before writing it out, so the
// output buffer stays small whatever the size of a Write.
const chunk = 16 << 10

// NewCharsetWriter returns a writer that encodes to w in charset cs (see
// CharsetWriter). When cs needs no encoding (cs.NeedsEncoding is false:
// UTF-8, unknown, other) it writes to w unchanged.
func NewCharsetWriter(w io.Writer, cs i18n.Charset) *CharsetWriter {
	cw := &CharsetWriter{w: w, cs: cs}
	switch cs {
	case i18n.CharsetGBK, i18n.CharsetGB2312:
		// GB2312 (EUC-CN) is GBK restricted to the bytes 0xA1-0xF7 and
		// 0xA1-0xFE: the GBK encoder gives GB2312's own bytes for its
		// characters, and appendRune rejects the rest.
		cw.enc = simplifiedchinese.GBK.NewEncoder()
	case i18n.CharsetGB18030:
		cw.enc = simplifiedchinese.GB18030.NewEncoder()
	}
	return cw
}

// Charset returns the charset the writer encodes into.
func (cw *CharsetWriter) Charset() i18n.Charset { return cw.cs }

// Underlying returns the writer the encoded bytes go to.
func (cw *CharsetWriter) Underlying() io.Writer { return cw.w }

// Write encodes p and writes it to the underlying writer. It returns
// len(p) and nil when every byte was either written (encoded) or held as
// the start of a character the next Write completes; on an error of the
// underlying writer it returns how many bytes of p were written before
// the failing chunk, and that error.
func (cw *CharsetWriter) Write(p []byte) (int, error) {
	if cw.enc == nil {
		return cw.w.Write(p)
	}
	cw.mu.Lock()
	defer cw.mu.Unlock()
	done := 0
	buf := cw.buf[:0]
	if cw.npend > 0 {
		// Finish the character split across Writes: decode from the held
		// bytes and the first few of p (a character has at most 4).
		var tmp [2*utf8.UTFMax - 1]byte
		n := copy(tmp[:], cw.pend[:cw.npend])
		k := copy(tmp[n:], p[:min(len(p), utf8.UTFMax)])
		var used int
		buf, used = cw.encode(buf, tmp[:n+k])
		if used < n+k && k == len(p) {
			// p ends inside a character: hold it, write what came
			// before it.
			cw.npend = copy(cw.pend[:], tmp[used:n+k])
			cw.buf = buf[:0]
			if err := cw.flushBuf(buf); err != nil {
				return 0, err
			}
			return len(p), nil
		}
		// tmp held at least 4 bytes of p, so an unfinished character is
		// wholly in p and is read again below.
		done = used - cw.npend
		cw.npend = 0
	}
	for done < len(p) {
		end := min(done+chunk, len(p))
		var used int
		buf, used = cw.encode(buf, p[done:end])
		if end == len(p) && done+used < end {
			cw.npend = copy(cw.pend[:], p[done+used:end])
			used = end - done
		}
		if err := cw.flushBuf(buf); err != nil {
			cw.buf = buf[:0]
			return done, err
		}
		buf = buf[:0]
		done += used
	}
	if err := cw.flushBuf(buf); err != nil {
		cw.buf = buf[:0]
		return 0, err
	}
	cw.buf = buf[:0]
	return len(p), nil
}

// Flush writes a character left unfinished by the last Write as "?". It
// is needed only when the text may end in the middle of a character.
func (cw *CharsetWriter) Flush() error {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	if cw.npend == 0 {
		return nil
	}
	cw.npend = 0
	return cw.flushBuf(append(cw.buf[:0], '?'))
}

func (cw *CharsetWriter) flushBuf(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	n, err := cw.w.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	return err
}

// encode appends the encoding of the characters in src to buf and returns
// how many bytes of src it read: all of them but an unfinished character
// at the end.
func (cw *CharsetWriter) encode(buf, src []byte) ([]byte, int) {
	i := 0
	for i < len(src) {
		if src[i] < utf8.RuneSelf {
			j := i + 1
			for j < len(src) && src[j] < utf8.RuneSelf {
				j++
			}
			buf = append(buf, src[i:j]...)
			i = j
			continue
		}
		if !utf8.FullRune(src[i:]) {
			break
		}
		r, size := utf8.DecodeRune(src[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			buf = append(buf, '?')
		case r >= 0xE000 && r <= 0xF8FF:
			// A private-use character has no glyph a terminal agrees on,
			// and x/text's GB18030 encodes some of them to bytes that
			// decode to another one: "?" says what it is.
			buf = append(buf, '?')
		default:
			buf = cw.appendRune(buf, src[i:i+size])
		}
		i += size
	}
	return buf, i
}

// appendRune appends the encoding of the one character in raw, or "?"
// when the charset lacks it.
func (cw *CharsetWriter) appendRune(buf, raw []byte) []byte {
	n, _, err := cw.enc.Transform(cw.encBuf[:], raw, true)
	if err != nil || n == 0 {
		return append(buf, '?')
	}
	out := cw.encBuf[:n]
	if cw.cs == i18n.CharsetGB2312 && !isGB2312(out) {
		return append(buf, '?')
	}
	return append(buf, out...)
}

// isGB2312 reports whether b, one character as GBK encodes it, is a
// GB2312 character in EUC-CN: two bytes, the first 0xA1-0xF7 and the
// second 0xA1-0xFE (GBK's other codes, and the euro's 0x80, are not).
func isGB2312(b []byte) bool {
	return len(b) == 2 && b[0] >= 0xA1 && b[0] <= 0xF7 && b[1] >= 0xA1 && b[1] <= 0xFE
}
