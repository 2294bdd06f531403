package filter

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// TestCompileAsSS checks the bytes against what ss 6.1 sends for the same
// expressions (captured with strace -e write=all; native byte order of
// x86-64).
func TestCompileAsSS(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the captures are little-endian")
	}
	for _, c := range []struct{ expr, hex string }{
		{"sport = :1 or sport = :2 and sport = :3",
			"07101400 00000000 01000000 00000000 01041400 07102400 00000000 02000000 00000000 07101400 00000000 03000000 00000000"},
		{"dst 10.0.0.0/8 and not dport < :1024 or autobound or src [fd00::1]:22",
			"08102400 02080000 ffffffff 0a000000 04080c00 00000004 01040800 01040800 01040800 06040800 01042000 071c2000 0a800000 16000000 fd000000 00000000 00000000 00000001"},
	} {
		want, err := hex.DecodeString(strings.ReplaceAll(c.hex, " ", ""))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Compile(mustParse(t, c.expr).Root)
		if err != nil {
			t.Fatalf("%q: %v", c.expr, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%q:\n got %x\nwant %x", c.expr, got, want)
		}
		if err := Validate(got); err != nil {
			t.Errorf("%q: Validate: %v", c.expr, err)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	ok, _ := Compile(mustParse(t, "sport = :1 or dport >= :2").Root)
	for name, bc := range map[string][]byte{
		"truncated":      ok[:len(ok)-4],
		"unknown op":     {99, 4, 8, 0},
		"jump backwards": {bcJMP, 4, 0, 0},
		"odd jump":       {bcJMP, 4, 6, 0},
		"jump too far":   {bcJMP, 4, 12, 0},
		"bad family":     {bcSCOND, 16, 20, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"long prefix":    {bcSCOND, 16, 20, 0, afInet, 33, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"short port op":  {bcSGE, 4, 8, 0},
		"into an op": append([]byte{bcJMP, 4, 8, 0}, // lands inside the S_GE below
			bcSGE, 8, 12, 0, 0, 0, 1, 0),
		"zero length": {bcAUTO, 0, 8, 0},
	} {
		if err := Validate(bc); err == nil {
			t.Errorf("%s: Validate(%x) accepted it", name, bc)
		}
	}
	if err := Validate(nil); err != nil {
		t.Errorf("empty: %v", err)
	}
}

// runBytecode runs bc on s as the kernel does (inet_diag_bc_run), with
// the kernel's view of a socket Expr.kernel assumes (mark 0, autobound
// as Expr.kernel guesses it).
func runBytecode(e *Expr, bc []byte, s *sockets.Socket) bool {
	l := len(bc)
	for l > 0 {
		o := bc[len(bc)-l:]
		yes := true
		switch o[0] {
		case bcNOP:
		case bcJMP:
			yes = false
		case bcSGE, bcSLE, bcDGE, bcDLE:
			_, p := sockAddr(s, Src)
			if o[0] == bcDGE || o[0] == bcDLE {
				_, p = sockAddr(s, Dst)
			}
			v := binary.NativeEndian.Uint16(o[6:])
			if o[0] == bcSGE || o[0] == bcDGE {
				yes = uint16(p) >= v
			} else {
				yes = uint16(p) <= v
			}
		case bcAUTO:
			yes = e.kernel(&Auto{}, s)
		case bcSCOND, bcDCOND:
			d := Src
			if o[0] == bcDCOND {
				d = Dst
			}
			h := &Host{Dir: d, Port: int32(binary.NativeEndian.Uint32(o[8:]))}
			switch o[4] {
			case afInet:
				h.Addr = netip.PrefixFrom(netip.AddrFrom4([4]byte(o[12:16])), int(o[5]))
			case afInet6:
				h.Addr = netip.PrefixFrom(netip.AddrFrom16([16]byte(o[12:28])), int(o[5]))
			}
			yes = kernelHost(h, s)
		case bcDEVCOND:
			yes = binary.NativeEndian.Uint32(o[4:]) == s.Zone
		case bcMARKCOND:
			yes = 0&binary.NativeEndian.Uint32(o[8:]) == binary.NativeEndian.Uint32(o[4:])
		case bcCGROUPCOND:
			yes = false
		}
		step := int(o[1])
		if !yes {
			step = int(binary.NativeEndian.Uint16(o[2:]))
		}
		l -= step
	}
	return l == 0
}

var bcSockets = []sockets.Socket{
	tcp(sockets.Listen, "0.0.0.0:22", "0.0.0.0:0"),
	tcp(sockets.Listen, "[::]:80", "[::]:0"),
	tcp(sockets.Established, "10.0.0.1:22", "10.0.0.2:50312"),
	tcp(sockets.Established, "[::ffff:10.1.2.3]:80", "[::ffff:10.9.9.9]:40000"),
	tcp(sockets.TimeWait, "[fd00::1]:443", "[fd00::2]:33000"),
	tcp(sockets.Established, "127.0.0.1:45000", "127.0.0.1:1"),
	tcp(sockets.Listen, "127.0.0.1:40000", "0.0.0.0:0"),
}

// checkCompiled compiles e's kernel part, validates it, and runs it on
// bcSockets against Expr.kernel.
func checkCompiled(t *testing.T, e *Expr) {
	t.Helper()
	if e.Root == nil || classOf(e.Root) != classKernel {
		return
	}
	bc, err := Compile(e.Root)
	if err == ErrTooLong {
		return
	}
	if err != nil {
		t.Fatalf("%q: Compile: %v", e, err)
	}
	if err := Validate(bc); err != nil {
		t.Fatalf("%q: Validate(%x): %v", e, bc, err)
	}
	for i := range bcSockets {
		s := &bcSockets[i]
		if got, want := runBytecode(e, bc, s), e.kernel(e.Root, s); got != want {
			t.Fatalf("%q on %v: bytecode says %v, the evaluator %v (%x)", e, s.Local, got, want, bc)
		}
	}
}

func TestCompileRuns(t *testing.T) {
	for _, f := range []string{
		"sport = :22", "not sport = :22", "sport < :100 or dport > :40000",
		"( src 10.0.0.0/8 or src [::ffff:10.0.0.0/104] ) and not ( dport >= :100 and dport <= :50000 )",
		"src 0.0.0.0/0", "src [::/0]", "dst *:1", "autobound", "not autobound and sport > :1000",
		"fwmark 0/0xff", "fwmark 1", "dev 1 or dev lo", "not not not sport = :80",
		"src 10.0.0.1 src 10.0.0.1 src 10.0.0.1 or ( dport = :1 or ( dport = :2 or dport = :3 ) )",
	} {
		checkCompiled(t, mustParse(t, f))
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"sport = :22 or dport > :1024", "not ( src 10.0.0.0/8 and dst [fd00::/8]:80 )",
		"autobound fwmark 0x1/0x1 or dev 2", "src 0.0.0.0/0 or ! ( sport < 5 | sport > 6 )",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s, testOpts)
		if err != nil {
			return
		}
		checkCompiled(t, e)
		if p, err := e.Plan(); err == nil {
			if err := Validate(p.Bytecode); err != nil {
				t.Fatalf("%q: plan bytecode: %v", e, err)
			}
		}
	})
}

func FuzzValidate(f *testing.F) {
	f.Add([]byte{bcJMP, 4, 8, 0})
	f.Add([]byte{bcSCOND, 16, 20, 0, afInet, 8, 0, 0, 0xff, 0xff, 0xff, 0xff, 10, 0, 0, 0})
	f.Fuzz(func(t *testing.T, bc []byte) {
		_ = Validate(bc) // must not panic
	})
}
