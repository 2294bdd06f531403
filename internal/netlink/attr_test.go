package netlink

import (
	"errors"
	"slices"
	"testing"

	"github.com/sockscope/sockscope/internal/errs"
)

func TestAttrs(t *testing.T) {
	good := AppendAttr(AppendAttr(nil, 8, []byte{1}), AttrNested|11, "\x01\x02\x03\x04\x05")
	type attr struct {
		typ, flags uint16
		data       string
	}
	tests := []struct {
		name string
		b    []byte
		want []attr
		bad  bool
	}{
		{name: "empty"},
		{name: "two, nested flag apart", b: good, want: []attr{{8, 0, "\x01"}, {11, AttrNested, "\x01\x02\x03\x04\x05"}}},
		{name: "unpadded last", b: good[:len(good)-3], want: []attr{{8, 0, "\x01"}, {11, AttrNested, "\x01\x02\x03\x04\x05"}}},
		{name: "empty payload", b: []byte{4, 0, 3, 0x40}, want: []attr{{3, AttrNetByteOrder, ""}}},
		{name: "length below header", b: []byte{3, 0, 1, 0}, bad: true},
		{name: "overrun", b: slices.Concat(good[:8], []byte{12, 0, 1, 0, 9}), want: []attr{{8, 0, "\x01"}}, bad: true},
		{name: "trailing bytes", b: slices.Concat(good[:8], []byte{0, 0}), want: []attr{{8, 0, "\x01"}}, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []attr
			a := NewAttrs(tt.b)
			for a.Next() {
				got = append(got, attr{a.Type(), a.Flags(), string(a.Data())})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("attrs %v, want %v", got, tt.want)
			}
			if bad := errors.Is(a.Err(), errs.ErrMalformed); bad != tt.bad || (!tt.bad && a.Err() != nil) {
				t.Errorf("err = %v, want errs.ErrMalformed: %v", a.Err(), tt.bad)
			}
		})
	}
}

func TestAttrsNested(t *testing.T) {
	inner := slices.Concat(AppendAttrUint32(nil, 1, 7), AppendAttr(nil, 2, "x"))
	b := slices.Concat(AppendAttr(nil, 5, "top"), AppendAttr(nil, AttrNested|6, inner), AppendAttr(nil, 7, []byte{1, 0}))
	a := NewAttrs(b)
	var got []uint16
	for a.Next() {
		got = append(got, a.Type())
		if a.Type() == 6 {
			n := a.Nested()
			for n.Next() {
				got = append(got, 100+n.Type())
			}
			if n.Err() != nil {
				t.Fatal(n.Err())
			}
		}
	}
	if want := []uint16{5, 6, 101, 102, 7}; a.Err() != nil || !slices.Equal(got, want) {
		t.Errorf("types %v, %v; want %v", got, a.Err(), want)
	}
	// A nested run that is malformed fails its own walk, not the outer one.
	a = NewAttrs(AppendAttr(nil, 6, []byte{9, 0, 1, 0}))
	for a.Next() {
		n := a.Nested()
		for n.Next() {
		}
		if !errors.Is(n.Err(), errs.ErrMalformed) {
			t.Errorf("nested: %v, want errs.ErrMalformed", n.Err())
		}
	}
	if a.Err() != nil {
		t.Errorf("outer: %v", a.Err())
	}
}

func TestAppendAttr(t *testing.T) {
	if got, want := AppendAttr(nil, 1, "ab"), []byte{6, 0, 1, 0, 'a', 'b', 0, 0}; !slices.Equal(got, want) {
		t.Errorf("string: % x, want % x", got, want)
	}
	if got, want := AppendAttr([]byte{0xee}, 2, []byte{}), []byte{0xee, 4, 0, 2, 0}; !slices.Equal(got, want) {
		t.Errorf("empty: % x, want % x", got, want)
	}
}
