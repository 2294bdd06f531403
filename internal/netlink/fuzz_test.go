package netlink

import (
	"slices"
	"testing"
)

// FuzzDump feeds arbitrary bytes to the framing, the error decoder and the
// attribute walker, nested to any depth: nothing may panic, and every
// payload and attribute yielded must lie inside the input. The input is
// clipped to its length so that any reslice past it would panic.
func FuzzDump(f *testing.F) {
	for _, b := range fixtures(f) {
		f.Add(b)
	}
	f.Add(msg(MsgDone, 0, code(-2)))                                              // ENOENT in NLMSG_DONE
	f.Add(msg(MsgError, FlagAckTLVs, slices.Concat(code(-22), make([]byte, 16)))) // extended ACK, nothing after the echo
	f.Add(msg(MsgError, FlagAckTLVs|FlagCapped, slices.Concat(code(-22), make([]byte, 16),
		AppendAttr(nil, errAttrMsg, "m\x00"), AppendAttrUint32(nil, errAttrOffs, 3)))) // message and offset
	f.Add(msg(20, 0, AppendAttr(nil, AttrNested|1, AppendAttr(nil, 2, AppendAttr(nil, 3, "x"))))) // three levels
	f.Fuzz(func(t *testing.T, b []byte) {
		b = b[:len(b):len(b)]
		d := NewDump(b, 0, 0)
		total := 0
		for d.Next() {
			p := d.Payload()
			if cap(p) != len(p) {
				t.Fatalf("payload of %d bytes with capacity %d", len(p), cap(p))
			}
			total += HeaderLen + len(p)
			if total > len(b) {
				t.Fatalf("payloads total %d bytes of a %d-byte input", total, len(b))
			}
			walk(t, p, 0)
		}
		if d.Err() == nil && !d.Done() && len(d.Rest()) != 0 {
			t.Fatalf("stopped with %d bytes left and no error", len(d.Rest()))
		}
		if len(d.Rest()) > len(b) {
			t.Fatalf("%d bytes left of %d", len(d.Rest()), len(b))
		}
		if d.Err() != nil { // its text too must not panic
			_ = d.Err().Error()
		}
	})
}

// walk walks p as attributes and each attribute's payload as nested ones.
func walk(t *testing.T, p []byte, depth int) {
	if depth > 8 {
		return
	}
	a := NewAttrs(p)
	total := 0
	for a.Next() {
		total += AttrHeaderLen + len(a.Data())
		if cap(a.Data()) != len(a.Data()) {
			t.Fatalf("attribute of %d bytes with capacity %d", len(a.Data()), cap(a.Data()))
		}
		if total > len(p) {
			t.Fatalf("attributes total %d bytes of a %d-byte run", total, len(p))
		}
		walk(t, a.Data(), depth+1)
	}
}
