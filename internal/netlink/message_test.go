package netlink

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

// msg builds one message with header flags, seq 1 and pid 7, padded.
func msg(typ, flags uint16, payload []byte) []byte {
	b := AppendHeader(nil, Header{Len: uint32(HeaderLen + len(payload)), Type: typ, Flags: flags, Seq: 1, PID: 7})
	b = append(b, payload...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func code(c int32) []byte { return ne.AppendUint32(nil, uint32(c)) }

// fixtures returns the captured dumps of the packages that use this one:
// sock_diag dumps of every protocol, and route dumps.
func fixtures(t testing.TB) map[string][]byte {
	t.Helper()
	var names []string
	for _, g := range []string{"../sockets/testdata/netlink/*.bin", "../sockets/testdata/netlink-timers/*.bin",
		"../routes/testdata/route*.bin"} {
		m, _ := filepath.Glob(g)
		names = append(names, m...)
	}
	if len(names) < 3 {
		t.Fatalf("fixtures not found: %v", names)
	}
	out := make(map[string][]byte)
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b
	}
	return out
}

func TestDump(t *testing.T) {
	data := msg(20, FlagMulti, []byte("abc"))
	tests := []struct {
		name     string
		buf      []byte
		seq, pid uint32
		payloads []string
		done     bool
		errno    syscall.Errno // expected kernel error, if any
		inDone   bool
		parse    bool // expect an error wrapping errs.ErrMalformed
		rest     int
	}{
		{name: "empty"},
		{name: "data then done", buf: slices.Concat(data, data, msg(MsgDone, FlagMulti, code(0))),
			payloads: []string{"abc", "abc"}, done: true},
		{name: "done without payload", buf: msg(MsgDone, 0, nil), done: true},
		{name: "no done yet", buf: data, payloads: []string{"abc"}},
		{name: "done carrying ENOENT", buf: slices.Concat(data, msg(MsgDone, FlagMulti, code(-2))),
			payloads: []string{"abc"}, done: true, errno: syscall.ENOENT, inDone: true},
		{name: "error EPERM", buf: msg(MsgError, 0, slices.Concat(code(-1), make([]byte, 16))),
			errno: syscall.EPERM},
		{name: "ack ends", buf: slices.Concat(msg(MsgError, FlagCapped, code(0)), data), done: true, rest: len(data)},
		{name: "bytes after done kept", buf: slices.Concat(msg(MsgDone, 0, code(0)), []byte{0xff}), done: true, rest: 1},
		{name: "short error", buf: msg(MsgError, 0, []byte{1, 2}), parse: true},
		{name: "noop skipped, unknown yielded", buf: slices.Concat(msg(MsgNoop, 0, nil), msg(99, 0, []byte("x")), data),
			payloads: []string{"x", "abc"}},
		{name: "overrun", buf: msg(MsgOverrun, 0, nil), parse: true},
		{name: "seq checked", buf: data, seq: 2, parse: true},
		{name: "pid checked", buf: data, pid: 8, parse: true},
		{name: "seq and pid match", buf: data, seq: 1, pid: 7, payloads: []string{"abc"}},
		{name: "short header", buf: slices.Concat(data, []byte{1, 2, 3}), payloads: []string{"abc"}, parse: true, rest: 3},
		{name: "length below header", buf: func() []byte {
			b := slices.Clone(data)
			ne.PutUint32(b, 15)
			return b
		}(), parse: true, rest: len(data)},
		{name: "length past buffer", buf: func() []byte {
			b := slices.Concat(data, data)
			ne.PutUint32(b[len(data):], 200)
			return b
		}(), payloads: []string{"abc"}, parse: true, rest: len(data)},
		{name: "last message unpadded", buf: data[:HeaderLen+3], payloads: []string{"abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDump(tt.buf, tt.seq, tt.pid)
			var got []string
			for d.Next() {
				got = append(got, string(d.Payload()))
				if d.Header().Len != uint32(HeaderLen+len(d.Payload())) || d.Type() != d.Header().Type {
					t.Errorf("header %+v for a payload of %d bytes", d.Header(), len(d.Payload()))
				}
			}
			if !slices.Equal(got, tt.payloads) {
				t.Errorf("payloads %q, want %q", got, tt.payloads)
			}
			if d.Done() != tt.done {
				t.Errorf("done = %v, want %v", d.Done(), tt.done)
			}
			if len(d.Rest()) != tt.rest {
				t.Errorf("%d bytes left, want %d", len(d.Rest()), tt.rest)
			}
			var ke *Error
			switch {
			case tt.errno != 0:
				if !errors.As(d.Err(), &ke) || ke.Errno != tt.errno || ke.InDone != tt.inDone || !errors.Is(d.Err(), tt.errno) {
					t.Errorf("err = %v, want kernel errno %d (in done: %v)", d.Err(), tt.errno, tt.inDone)
				}
			case tt.parse:
				if !errors.Is(d.Err(), errs.ErrMalformed) {
					t.Errorf("err = %v, want errs.ErrMalformed", d.Err())
				}
			case d.Err() != nil:
				t.Errorf("err = %v, want nil", d.Err())
			}
		})
	}
}

// TestDumpFixtures walks every captured dump: each is one complete reply
// that parses to its end and ends with NLMSG_DONE, without an error or with
// ENOENT (raw diag is not built into the kernel that produced them).
func TestDumpFixtures(t *testing.T) {
	for name, b := range fixtures(t) {
		d := NewDump(b, 0, 0)
		for d.Next() {
		}
		if !d.Done() || len(d.Rest()) != 0 {
			t.Errorf("%s: done=%v, %d bytes left, err %v", name, d.Done(), len(d.Rest()), d.Err())
		}
		if d.Err() != nil && !errors.Is(d.Err(), syscall.ENOENT) {
			t.Errorf("%s: %v", name, d.Err())
		}
	}
}

func TestSplit(t *testing.T) {
	m := msg(24, FlagMulti, []byte{1, 2, 3, 4, 5})
	h, p, rest, err := Split(slices.Concat(m, []byte{9}))
	if err != nil || h != (Header{Len: 21, Type: 24, Flags: FlagMulti, Seq: 1, PID: 7}) ||
		!slices.Equal(p, []byte{1, 2, 3, 4, 5}) || !slices.Equal(rest, []byte{9}) {
		t.Errorf("Split = %+v %v %v %v", h, p, rest, err)
	}
	req := AppendHeader(nil, Header{Type: 20, Flags: FlagRequest | FlagDump, Seq: 3})
	req = AppendAttrUint32(req, 1, 42)
	SetLen(req)
	if h, p, _, err := Split(req); err != nil || h.Len != 24 || h.Flags != FlagRequest|FlagDump ||
		!slices.Equal(p, AppendAttr(nil, 1, ne.AppendUint32(nil, 42))) {
		t.Errorf("request: %+v %v %v", h, p, err)
	}
	SetLen(req[:3]) // too short: nothing to set, no panic
}
