package netlink

import (
	"errors"
	"slices"
	"syscall"
	"testing"
)

func TestErrorExtAck(t *testing.T) {
	// The request the kernel refused: a header and 8 bytes of payload.
	req := AppendHeader(nil, Header{Len: 24, Type: 26, Flags: FlagRequest | FlagDump, Seq: 1})
	req = append(req, 1, 2, 3, 4, 5, 6, 7, 8)
	tlvs := slices.Concat(AppendAttr(nil, errAttrMsg, "Invalid values in header\x00"), AppendAttrUint32(nil, errAttrOffs, 20))
	tests := []struct {
		name string
		m    []byte
		want Error
	}{
		{name: "error, capped, message and offset",
			m:    msg(MsgError, FlagCapped|FlagAckTLVs, slices.Concat(code(-22), req[:HeaderLen], tlvs)),
			want: Error{Errno: syscall.EINVAL, Msg: "Invalid values in header", Offset: 20, HasOffset: true}},
		{name: "error, whole request echoed",
			m:    msg(MsgError, FlagAckTLVs, slices.Concat(code(-22), req, tlvs)),
			want: Error{Errno: syscall.EINVAL, Msg: "Invalid values in header", Offset: 20, HasOffset: true}},
		{name: "error without TLVs flag: attributes not read",
			m:    msg(MsgError, FlagCapped, slices.Concat(code(-22), req[:HeaderLen], tlvs)),
			want: Error{Errno: syscall.EINVAL}},
		{name: "done with message",
			m:    msg(MsgDone, FlagMulti|FlagAckTLVs, slices.Concat(code(-22), AppendAttr(nil, errAttrMsg, "bad\x00"))),
			want: Error{Errno: syscall.EINVAL, InDone: true, Msg: "bad"}},
		{name: "echoed length past the payload",
			m:    msg(MsgError, FlagAckTLVs, slices.Concat(code(-1), AppendHeader(nil, Header{Len: 400}), tlvs)),
			want: Error{Errno: syscall.EPERM}},
		{name: "echoed header truncated",
			m:    msg(MsgError, FlagAckTLVs|FlagCapped, slices.Concat(code(-1), []byte{1, 2})),
			want: Error{Errno: syscall.EPERM}},
		{name: "malformed TLVs and offset of wrong size",
			m: msg(MsgError, FlagAckTLVs|FlagCapped, slices.Concat(code(-1), req[:HeaderLen],
				AppendAttr(nil, errAttrOffs, []byte{1, 2}), []byte{99, 0, 1, 0})),
			want: Error{Errno: syscall.EPERM}},
		{name: "message without NUL",
			m:    msg(MsgError, FlagAckTLVs|FlagCapped, slices.Concat(code(-95), req[:HeaderLen], AppendAttr(nil, errAttrMsg, "x"))),
			want: Error{Errno: syscall.EOPNOTSUPP, Msg: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDump(tt.m, 0, 0)
			if d.Next() {
				t.Fatal("a control message yielded")
			}
			var e *Error
			if !errors.As(d.Err(), &e) || *e != tt.want {
				t.Fatalf("err = %#v, want %#v", d.Err(), tt.want)
			}
			if !errors.Is(d.Err(), tt.want.Errno) {
				t.Errorf("errors.Is(%v, %v) = false", d.Err(), tt.want.Errno)
			}
		})
	}
}

func TestErrorIs(t *testing.T) {
	var err error = &Error{Errno: syscall.EINVAL, Msg: "bad bytecode"}
	if !errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.EPERM) {
		t.Errorf("errors.Is does not match the errno")
	}
	if got, want := err.Error(), "invalid argument: bad bytecode"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	err = &Error{Errno: syscall.ENOENT, InDone: true, Offset: 36, HasOffset: true}
	if got, want := err.Error(), "no such file or directory (at byte 36 of the request)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
