// Package iostreams holds the standard streams of a command and what is
// known about them (whether stdout is a terminal), so that commands can be
// run against buffers in tests.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/sockscope/sockscope/internal/i18n"
)

// IOStreams are the streams a command reads and writes.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdoutTTY, stderrTTY bool
	charset              i18n.Charset
	// width is the terminal's width in columns, 0 when stdout is not a
	// terminal or its size is unknown.
	width int
}

// An Option changes the streams System returns.
type Option func(*IOStreams)

// WithCharset makes stdout and stderr encode into charset cs, as
// SetCharset does.
func WithCharset(cs i18n.Charset) Option {
	return func(s *IOStreams) { s.SetCharset(cs) }
}

// System returns the process's own streams, changed by opts.
func System(opts ...Option) *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
	if s.stdoutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
			s.width = w
		}
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Test returns streams backed by buffers: stdin, stdout and stderr.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// IsStderrTTY reports whether stderr is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStderrTTY overrides terminal detection of stderr, for tests.
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// SetStdoutTTY overrides terminal detection, for tests.
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// TerminalWidth returns the width of the terminal stdout writes to, in
// columns, or 0 when stdout is not a terminal or its size is unknown.
func (s *IOStreams) TerminalWidth() int { return s.width }

// SetTerminalWidth overrides the terminal width, for tests.
func (s *IOStreams) SetTerminalWidth(w int) { s.width = w }

// SetCharset makes Out and ErrOut encode the UTF-8 text written to them
// into charset cs (a *CharsetWriter around each) when cs needs it
// (cs.NeedsEncoding: GBK, GB18030, GB2312), and write unchanged
// otherwise. A stream that is a Windows console is never encoded: Go
// writes to it as UTF-16, so every character already shows. Calling it
// again replaces the earlier charset; it does not encode twice.
func (s *IOStreams) SetCharset(cs i18n.Charset) {
	s.charset = cs
	s.Out = withCharset(s.Out, cs)
	s.ErrOut = withCharset(s.ErrOut, cs)
}

// Charset returns the charset set by SetCharset (CharsetUnknown if none).
func (s *IOStreams) Charset() i18n.Charset { return s.charset }

// DataOut returns stdout without the charset encoding SetCharset added:
// the writer for JSON, NDJSON and CSV, which are UTF-8 whatever the
// locale (docs/json.md), while tables and messages follow the terminal's
// charset. Without an encoding it is Out itself.
func (s *IOStreams) DataOut() io.Writer {
	if cw, ok := s.Out.(*CharsetWriter); ok {
		return cw.Underlying()
	}
	return s.Out
}

// Flush writes what the charset writers of Out and ErrOut still hold: a
// character the last write left unfinished, as "?". Complete characters
// are never held, so only output that may end mid-character needs it.
func (s *IOStreams) Flush() error {
	var err error
	for _, w := range []io.Writer{s.Out, s.ErrOut} {
		if cw, ok := w.(*CharsetWriter); ok {
			if e := cw.Flush(); err == nil {
				err = e
			}
		}
	}
	return err
}

func withCharset(w io.Writer, cs i18n.Charset) io.Writer {
	if cw, ok := w.(*CharsetWriter); ok {
		w = cw.Underlying()
	}
	if w == nil || !cs.NeedsEncoding() || isConsole(w) {
		return w
	}
	return NewCharsetWriter(w, cs)
}
