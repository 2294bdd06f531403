package netlink

// Attributes: struct nlattr (struct rtattr in rtnetlink, the same layout),
// a 4-byte header of length and type followed by the payload, padded to 4
// bytes.

// Attribute type flags, carried in the top bits of nla_type.
const (
	AttrNested       = 0x8000 // NLA_F_NESTED: the payload is a run of attributes
	AttrNetByteOrder = 0x4000 // NLA_F_NET_BYTEORDER: the payload is big-endian
	attrTypeMask     = 0x3fff // NLA_TYPE_MASK
)

// Attrs walks a run of attributes:
//
//	a := netlink.NewAttrs(b)
//	for a.Next() {
//		switch a.Type() { ... a.Data() ... }
//	}
//	if a.Err() != nil { ... }
//
// It stops at the end of b, or at an attribute whose length is below its
// header's size or runs past b; trailing bytes too short for a header are
// an error too. The error wraps errs.ErrMalformed.
type Attrs struct {
	b    []byte
	typ  uint16
	data []byte
	err  error
}

// NewAttrs returns an Attrs over b, a run of attributes.
func NewAttrs(b []byte) Attrs { return Attrs{b: b} }

// Next advances to the next attribute and reports whether there is one.
func (a *Attrs) Next() bool {
	if a.err != nil || len(a.b) == 0 {
		return false
	}
	if len(a.b) < AttrHeaderLen {
		a.err = parseErrorf("%d trailing bytes, too short for an attribute", len(a.b))
		return false
	}
	n := int(ne.Uint16(a.b[0:2]))
	if n < AttrHeaderLen || n > len(a.b) {
		a.err = parseErrorf("attribute length %d out of range [%d, %d]", n, AttrHeaderLen, len(a.b))
		return false
	}
	a.typ = ne.Uint16(a.b[2:4])
	a.data = a.b[AttrHeaderLen:n:n]
	a.b = a.b[min(Align(n), len(a.b)):]
	return true
}

// Type returns the current attribute's type, without the NLA_F_NESTED and
// NLA_F_NET_BYTEORDER flags.
func (a *Attrs) Type() uint16 { return a.typ & attrTypeMask }

// Flags returns the current attribute's AttrNested and AttrNetByteOrder
// flags.
func (a *Attrs) Flags() uint16 { return a.typ &^ attrTypeMask }

// Data returns the current attribute's payload, without padding. It
// aliases the walked bytes, with its capacity clipped to its length so
// that no reslice reaches the next attribute.
func (a *Attrs) Data() []byte { return a.data }

// Nested returns an Attrs over the attributes nested in the current one
// (its payload), whether or not the kernel set NLA_F_NESTED: many
// families, sock_diag and rtnetlink among them, do not.
func (a *Attrs) Nested() Attrs { return Attrs{b: a.data} }

// Err returns the error that stopped the walk, nil at the end of the run.
func (a *Attrs) Err() error { return a.err }

// AppendAttr appends an attribute of type typ holding data, then padding
// up to a multiple of 4 bytes (b is assumed to end aligned). data longer
// than an attribute can hold (64 KiB less the header) is the caller's
// mistake: the length field would wrap.
func AppendAttr[T ~string | ~[]byte](b []byte, typ uint16, data T) []byte {
	b = ne.AppendUint16(b, uint16(AttrHeaderLen+len(data)))
	b = ne.AppendUint16(b, typ)
	b = append(b, data...)
	for n := len(data); n%4 != 0; n++ {
		b = append(b, 0)
	}
	return b
}

// AppendAttrUint32 appends an attribute of type typ holding v in host byte
// order.
func AppendAttrUint32(b []byte, typ uint16, v uint32) []byte {
	b = ne.AppendUint16(b, AttrHeaderLen+4)
	b = ne.AppendUint16(b, typ)
	return ne.AppendUint32(b, v)
}
