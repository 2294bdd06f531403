package filter

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The inet_diag bytecode operations (include/uapi/linux/inet_diag.h).
const (
	bcNOP = iota
	bcJMP
	bcSGE
	bcSLE
	bcDGE
	bcDLE
	bcAUTO
	bcSCOND
	bcDCOND
	bcDEVCOND
	bcMARKCOND
	bcSEQ
	bcDEQ
	bcCGROUPCOND
)

const (
	afInet  = 2
	afInet6 = 10
)

// ErrTooLong is returned by Compile for an expression whose bytecode the
// kernel could not take: an attribute is at most 64 KiB and a jump at
// most 65535 bytes.
var ErrTooLong = errors.New("filter: expression too long for the kernel")

// maxBytecode leaves room for the attribute header in a u16 length.
const maxBytecode = 65535 - 4 - 3

// Compile compiles an expression of ss's kernel conditions (Host without
// unix, Port, Mark, Cgroup, Auto, Dev, and and/or/not of them) into
// inet_diag bytecode as ss's ssfilter_bytecompile lays it out: a program
// accepts a socket by running off its end and rejects it by jumping 4
// bytes past it. It returns an error for a node the kernel cannot
// evaluate, and ErrTooLong.
func Compile(n Node) ([]byte, error) {
	bc, err := compile(n)
	if err != nil {
		return nil, err
	}
	if len(bc) > maxBytecode {
		return nil, ErrTooLong
	}
	return bc, nil
}

func op(code byte, yes byte, no int) []byte {
	b := []byte{code, yes, 0, 0}
	binary.NativeEndian.PutUint16(b[2:], uint16(no))
	return b
}

// compileBoth compiles the two sides of an and or an or.
func compileBoth(l, r Node) (a1, a2 []byte, err error) {
	if a1, err = compile(l); err != nil {
		return nil, nil, err
	}
	if a2, err = compile(r); err != nil {
		return nil, nil, err
	}
	return a1, a2, nil
}

func compile(n Node) ([]byte, error) {
	switch n := n.(type) {
	case *Auto:
		return op(bcAUTO, 4, 8), nil
	case *Host:
		if n.Unix {
			return nil, fmt.Errorf("filter: the kernel cannot match unix paths")
		}
		code := byte(bcSCOND)
		if n.Dir == Dst {
			code = bcDCOND
		}
		alen, fam := 4, byte(0)
		if n.Addr.IsValid() {
			fam = afInet
			if !n.Addr.Addr().Is4() {
				alen, fam = 16, afInet6
			}
		}
		oplen := 4 + 8 + alen
		b := op(code, byte(oplen), oplen+4)
		cond := make([]byte, 8+alen)
		cond[0] = fam
		if n.Addr.IsValid() {
			cond[1] = byte(n.Addr.Bits())
			a := condAddr(n)
			copy(cond[8:], a[:alen])
		}
		binary.NativeEndian.PutUint32(cond[4:], uint32(n.Port))
		return append(b, cond...), nil
	case *Port:
		var code byte
		switch {
		case n.Dir == Src && n.Op == OpGE:
			code = bcSGE
		case n.Dir == Src:
			code = bcSLE
		case n.Op == OpGE:
			code = bcDGE
		default:
			code = bcDLE
		}
		return append(op(code, 8, 12), op(0, 0, int(uint16(n.Port)))...), nil
	case *Dev:
		b := op(bcDEVCOND, 8, 12)
		return binary.NativeEndian.AppendUint32(b, n.Index), nil
	case *Mark:
		b := op(bcMARKCOND, 12, 16)
		b = binary.NativeEndian.AppendUint32(b, n.Mark)
		return binary.NativeEndian.AppendUint32(b, n.Mask), nil
	case *Cgroup:
		b := op(bcCGROUPCOND, 12, 16)
		return binary.NativeEndian.AppendUint64(b, n.ID), nil
	case *And:
		a1, a2, err := compileBoth(n.L, n.R)
		if err != nil {
			return nil, err
		}
		if len(a1)+len(a2) > maxBytecode {
			return nil, ErrTooLong
		}
		patch(a1, len(a2))
		return append(a1, a2...), nil
	case *Or:
		a1, a2, err := compileBoth(n.L, n.R)
		if err != nil {
			return nil, err
		}
		if len(a1)+len(a2)+4 > maxBytecode {
			return nil, ErrTooLong
		}
		out := append(a1, op(bcJMP, 4, len(a2)+4)...)
		return append(out, a2...), nil
	case *Not:
		a1, err := compile(n.X)
		if err != nil {
			return nil, err
		}
		return append(a1, op(bcJMP, 4, 8)...), nil
	}
	return nil, fmt.Errorf("filter: the kernel cannot evaluate %s", Format(n))
}

// patch moves the rejecting jumps of a (those to 4 bytes past its end)
// reloc bytes further, for a program appended after a.
func patch(a []byte, reloc int) {
	for off := 0; off < len(a); {
		yes := int(a[off+1])
		no := int(binary.NativeEndian.Uint16(a[off+2:]))
		if no == len(a)-off+4 {
			binary.NativeEndian.PutUint16(a[off+2:], uint16(no+reloc))
		}
		if yes == 0 {
			return // not a program Compile made
		}
		off += yes
	}
}

// Validate checks bytecode as the kernel does before running it
// (inet_diag_bc_audit): every operation known and whole, every jump
// forward, 4-aligned, within the program or to its reject point, and
// landing on an operation. A nil error means the kernel accepts it.
func Validate(bc []byte) error {
	length := len(bc)
	for l := length; l > 0; {
		o := bc[length-l:]
		if l < 4 {
			return fmt.Errorf("bytecode: truncated operation at %d", length-l)
		}
		code, yes := o[0], int(o[1])
		no := int(binary.NativeEndian.Uint16(o[2:]))
		minLen := 4
		switch code {
		case bcSCOND, bcDCOND:
			minLen += 8
			if l < minLen {
				return fmt.Errorf("bytecode: truncated host condition at %d", length-l)
			}
			alen := 0
			switch o[4] {
			case 0:
			case afInet:
				alen = 4
			case afInet6:
				alen = 16
			default:
				return fmt.Errorf("bytecode: bad address family %d at %d", o[4], length-l)
			}
			minLen += alen
			if l < minLen {
				return fmt.Errorf("bytecode: truncated address at %d", length-l)
			}
			if int(o[5]) > 8*alen {
				return fmt.Errorf("bytecode: prefix length %d too long at %d", o[5], length-l)
			}
		case bcDEVCOND:
			minLen += 4
		case bcSEQ, bcSGE, bcSLE, bcDEQ, bcDGE, bcDLE:
			minLen += 4
		case bcMARKCOND:
			minLen += 8
		case bcCGROUPCOND:
			minLen += 8
		case bcAUTO, bcJMP, bcNOP:
		default:
			return fmt.Errorf("bytecode: unknown operation %d at %d", code, length-l)
		}
		if l < minLen {
			return fmt.Errorf("bytecode: truncated operation at %d", length-l)
		}
		if code != bcNOP {
			if no < minLen || no > l+4 || no&3 != 0 {
				return fmt.Errorf("bytecode: bad jump %d at %d", no, length-l)
			}
			if no < l && !validCC(bc, length, l-no) {
				return fmt.Errorf("bytecode: jump into an operation at %d", length-l)
			}
		}
		if yes < minLen || yes > l+4 || yes&3 != 0 {
			return fmt.Errorf("bytecode: bad length %d at %d", yes, length-l)
		}
		l -= yes
		if l < 0 {
			return fmt.Errorf("bytecode: operation runs past the end")
		}
	}
	return nil
}

// validCC reports whether the operation boundaries of bc, walked from the
// start, hit the point cc bytes before the end.
func validCC(bc []byte, length, cc int) bool {
	for l := length; l >= 0; {
		if cc > l {
			return false
		}
		if cc == l {
			return true
		}
		o := bc[length-l:]
		yes := int(o[1])
		if yes < 4 || yes&3 != 0 {
			return false
		}
		l -= yes
	}
	return false
}
