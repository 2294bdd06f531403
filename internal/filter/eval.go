package filter

import (
	"strings"

	"github.com/sockscope/sockscope/internal/sockets"
)

// Eval reports whether s matches the expression (its state clauses
// excepted: they are the caller's state mask, Plan.States), with ss's
// semantics. ss filters an inet socket twice, in the kernel with the
// compiled bytecode and again in user space (run_ssfilter), and the two
// differ: the kernel compares address families and ss's user space does
// not. Eval does both where ss would, so that it selects what ss lists.
//
// What the socket does not carry, Eval supposes: its mark is 0, its
// cgroup matches no "cgroup PATH", and the kernel's autobound (no port
// lock) holds for every socket but a listener whose port is outside the
// ephemeral range (the lock is set by bind(2) to a nonzero port only,
// and a connection never inherits it). Owner fields match when any
// process holding the socket matches; a socket nobody holds matches none,
// and an empty value (no unit, no container) matches no pattern.
//
// Eval knows nothing of namespaces: netns = NAME, pod, k8s_namespace and
// image match nothing, container only a holder's container id. EvalWith
// takes what the caller knows of them.
func (e *Expr) Eval(s *sockets.Socket) bool { return e.EvalWith(s, nil) }

// Match reports whether s is one a listing with the expression selects:
// EvalWith, and the state clauses (States) and the family the hosts name
// (Families), which a listing gives the kernel. It is for a caller that
// filters sockets it already has (a live view's filter line). Without
// state clauses it leaves states alone, as a listing with -a does.
func (e *Expr) Match(s *sockets.Socket, ns NamespaceFunc) bool {
	if states, ok := e.States(); ok && !states.Has(s.State) {
		return false
	}
	if fams := e.Families(); fams != 0 && !fams.Has(s.Family) {
		return false
	}
	return e.EvalWith(s, ns)
}

// EvalWith is Eval with ns telling the network namespaces' names and
// containers (nil: nothing is known), as Plan.Namespace does for a plan.
func (e *Expr) EvalWith(s *sockets.Socket, ns NamespaceFunc) bool {
	if e.Root == nil {
		return true
	}
	inet := isInet(s)
	for _, c := range e.parts {
		if !e.user(c.n, s, ns) {
			return false
		}
		if inet && c.kernel && !e.kernel(c.n, s) {
			return false
		}
	}
	return true
}

// part is a top-level conjunct, and whether the kernel evaluates it too.
type part struct {
	n      Node
	kernel bool
}

// prepare splits the tree into its top-level conjuncts for Eval.
func (e *Expr) prepare() {
	e.parts = e.parts[:0]
	if e.Root == nil {
		return
	}
	usable := e.kernelUsable()
	for _, c := range conjuncts(e.Root) {
		e.parts = append(e.parts, part{c, usable && classOf(c) == classKernel})
	}
}

func isInet(s *sockets.Socket) bool { return s.Family == sockets.Inet || s.Family == sockets.Inet6 }

// conjuncts flattens the top-level chain of ands.
func conjuncts(n Node) []Node {
	if a, ok := n.(*And); ok {
		return append(conjuncts(a.L), conjuncts(a.R)...)
	}
	return []Node{n}
}

// rawAddr returns an address as ss holds it in user space: IPv4 in the
// first 4 of 16 bytes, the rest zero.
func rawAddr(a [16]byte, is4 bool, v4 [4]byte) [16]byte {
	if is4 {
		var r [16]byte
		copy(r[:], v4[:])
		return r
	}
	return a
}

func sockAddr(s *sockets.Socket, d Dir) (raw [16]byte, port int32) {
	ap := s.Local
	if d == Dst {
		ap = s.Remote
	}
	a := ap.Addr()
	if a.Is4() {
		return rawAddr([16]byte{}, true, a.As4()), int32(ap.Port())
	}
	if a.IsValid() {
		return a.As16(), int32(ap.Port())
	}
	return raw, int32(ap.Port())
}

func condAddr(h *Host) [16]byte {
	a := h.Addr.Addr()
	if a.Is4() {
		return rawAddr([16]byte{}, true, a.As4())
	}
	return a.As16()
}

// bitsMatch compares the first bits bits of a and b.
func bitsMatch(a, b []byte, bits int) bool {
	full := bits / 8
	if full > len(a) || full > len(b) {
		return false
	}
	for i := 0; i < full; i++ {
		if a[i] != b[i] {
			return false
		}
	}
	if rem := bits % 8; rem != 0 {
		if full >= len(a) || full >= len(b) {
			return false
		}
		mask := byte(0xff << (8 - rem))
		return a[full]&mask == b[full]&mask
	}
	return true
}

func isMapped(a [16]byte) bool {
	for i := 0; i < 10; i++ {
		if a[i] != 0 {
			return false
		}
	}
	return a[10] == 0xff && a[11] == 0xff
}

// user evaluates n as ss's user space does (run_ssfilter), and
// sockscope's fields; ns tells the namespaces (nil: nothing known).
func (e *Expr) user(n Node, s *sockets.Socket, ns NamespaceFunc) bool {
	switch n := n.(type) {
	case *And:
		return e.user(n.L, s, ns) && e.user(n.R, s, ns)
	case *Or:
		return e.user(n.L, s, ns) || e.user(n.R, s, ns)
	case *Not:
		return !e.user(n.X, s, ns)
	case *Host:
		return userHost(n, s)
	case *Port:
		p := userPort(s, n.Dir)
		if n.Op == OpGE {
			return p >= int64(n.Port)
		}
		return p <= int64(n.Port)
	case *Dev:
		return s.Zone == n.Index
	case *Mark:
		return 0&n.Mask == n.Mark
	case *Cgroup:
		return false
	case *Auto:
		return e.userAuto(s)
	case *State:
		return n.Set.Has(s.State)
	case *Num:
		return evalNum(n, s)
	case *Str:
		if n.Field.namespaceField() {
			return evalNamespaceStr(n, s, ns)
		}
		return evalStr(n, s)
	}
	return false
}

// userPort is the port ss's user space compares. For a unix socket it is
// the inode (local) and the peer's inode (remote), as ss's source means it;
// ss 6.1 itself does not match them so (see docs/filters.md).
func userPort(s *sockets.Socket, d Dir) int64 {
	if s.Family == sockets.Local {
		if d == Src {
			return int64(uint32(s.Inode))
		}
		return int64(uint32(s.Peer))
	}
	if d == Src {
		return int64(s.Local.Port())
	}
	return int64(s.Remote.Port())
}

func userHost(h *Host, s *sockets.Socket) bool {
	if h.Unix {
		if s.Family != sockets.Local {
			return false
		}
		name := ""
		if h.Dir == Src {
			name = s.Path
		}
		return globMatch(h.Glob, name, true)
	}
	if h.Port != -1 && int64(h.Port) != userPort(s, h.Dir) {
		return false
	}
	if h.Addr.IsValid() && s.Family == sockets.Local {
		// ss's user space compares bytes that hold no address (the
		// name's pointer); no address matches, as ss 6.1 shows.
		return false
	}
	if h.Addr.IsValid() && h.Addr.Bits() > 0 {
		cond := condAddr(h)
		raw, _ := sockAddr(s, h.Dir)
		if bitsMatch(raw[:], cond[:], h.Addr.Bits()) {
			return true
		}
		if h.Addr.Addr().Is4() && s.Family == sockets.Inet6 && isMapped(raw) {
			return bitsMatch(raw[12:], cond[:4], h.Addr.Bits())
		}
		return false
	}
	return true
}

// userAuto is ss's user-space autobound: a local port in the ephemeral
// range; for unix sockets, no name or an autobind name ("@" and 5 hex
// digits).
func (e *Expr) userAuto(s *sockets.Socket) bool {
	if s.Family == sockets.Local {
		p := s.Path
		if p == "" {
			return true
		}
		if len(p) != 6 || p[0] != '@' {
			return false
		}
		for i := 1; i < 6; i++ {
			if !strings.ContainsRune("0123456789abcdef", rune(p[i])) {
				return false
			}
		}
		return true
	}
	port := int(s.Local.Port())
	return port >= e.portLo && port <= e.portHi
}

// kernel evaluates an ss expression as the kernel runs its bytecode
// (inet_diag_bc_run) on an inet socket.
func (e *Expr) kernel(n Node, s *sockets.Socket) bool {
	switch n := n.(type) {
	case *And:
		return e.kernel(n.L, s) && e.kernel(n.R, s)
	case *Or:
		return e.kernel(n.L, s) || e.kernel(n.R, s)
	case *Not:
		return !e.kernel(n.X, s)
	case *Host:
		return kernelHost(n, s)
	case *Port:
		_, p := sockAddr(s, n.Dir)
		if n.Op == OpGE {
			return uint16(p) >= uint16(n.Port)
		}
		return uint16(p) <= uint16(n.Port)
	case *Dev:
		return s.Zone == n.Index
	case *Mark:
		return 0&n.Mask == n.Mark
	case *Cgroup:
		return false
	case *Auto:
		// The kernel's autobound is a socket without SOCK_BINDPORT_LOCK,
		// which only bind(2) to a nonzero port sets; accepted, TIME_WAIT
		// and request sockets never have it. The socket does not say, so
		// a listener is taken as bound explicitly unless its port is an
		// ephemeral one, and every other socket as autobound.
		if s.State == sockets.Listen || s.State == sockets.Close || s.State == sockets.BoundInactive {
			return e.userAuto(s)
		}
		return true
	}
	return true
}

func kernelHost(h *Host, s *sockets.Socket) bool {
	raw, port := sockAddr(s, h.Dir)
	if h.Port != -1 && h.Port != port {
		return false
	}
	if !h.Addr.IsValid() {
		return true // AF_UNSPEC: no address to compare
	}
	cond := condAddr(h)
	condV4 := h.Addr.Addr().Is4()
	if condV4 != (s.Family == sockets.Inet) {
		if s.Family == sockets.Inet6 && condV4 && isMapped(raw) {
			return bitsMatch(raw[12:], cond[:4], h.Addr.Bits())
		}
		return false
	}
	if h.Addr.Bits() == 0 {
		return true
	}
	return bitsMatch(raw[:], cond[:], h.Addr.Bits())
}

func evalNum(n *Num, s *sockets.Socket) bool {
	if tf := n.Field.tcpInfo(); tf != nil {
		v, ok := tcpValue(tf, s)
		return ok && compare(v, n.Op, n.Value)
	}
	switch n.Field {
	case FieldUID:
		if s.UID != sockets.NoUID {
			return compare(uint64(s.UID), n.Op, n.Value)
		}
		for _, p := range s.Processes {
			if p.Info != nil && compare(uint64(p.Info.UID), n.Op, n.Value) {
				return true
			}
		}
		return false
	case FieldNetNS:
		return compare(s.NetNS, n.Op, n.Value)
	case FieldRecvQ:
		return compare(uint64(s.RecvQ), n.Op, n.Value)
	case FieldSendQ:
		return compare(uint64(s.SendQ), n.Op, n.Value)
	}
	for _, p := range s.Processes {
		if p.Info == nil {
			continue
		}
		v := p.Info.PID
		if n.Field == FieldPPID {
			v = p.Info.PPID
		}
		if v >= 0 && compare(uint64(v), n.Op, n.Value) {
			return true
		}
	}
	return false
}

func compare(v uint64, op Op, w uint64) bool {
	switch op {
	case OpEQ:
		return v == w
	case OpNE:
		return v != w
	case OpLT:
		return v < w
	case OpGT:
		return v > w
	case OpLE:
		return v <= w
	}
	return v >= w
}

func evalStr(n *Str, s *sockets.Socket) bool {
	for _, p := range s.Processes {
		pi := p.Info
		if pi == nil {
			continue
		}
		var v string
		switch n.Field {
		case FieldUser:
			v = pi.User
		case FieldProgram:
			v = pi.Name
		case FieldExe:
			v = pi.Exe
		case FieldCmdline:
			v = strings.Join(pi.Cmdline, " ")
		case FieldUnit:
			v = pi.Unit
		case FieldCgroup:
			v = pi.Cgroup
		}
		if v != "" && globMatch(n.Glob, v, false) {
			return true
		}
	}
	return false
}
