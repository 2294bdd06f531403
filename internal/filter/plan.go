package filter

import (
	"github.com/sockscope/sockscope/internal/sockets"
)

// class is where a top-level conjunct can be evaluated.
type class uint8

const (
	classKernel class = iota // ss's conditions the bytecode expresses
	classDump                // needs only the socket, in user space
	classOwner               // needs the socket's owners
)

// leafKinds reports which kinds of leaves n holds.
type leafKinds struct {
	owner    bool // a field known after attribution
	userOnly bool // a condition no bytecode expresses
	ssOnly   bool // dev or a unix host: ss compiles no bytecode at all
	markish  bool // fwmark or cgroup PATH: the kernel alone can tell
	tcpInfo  bool // a tcp_info field: the kernel must be asked for it
	netns    bool // a field the caller's Namespace tells
}

func kindsOf(n Node, k *leafKinds) {
	switch n := n.(type) {
	case *And:
		kindsOf(n.L, k)
		kindsOf(n.R, k)
	case *Or:
		kindsOf(n.L, k)
		kindsOf(n.R, k)
	case *Not:
		kindsOf(n.X, k)
	case *Host:
		if n.Unix {
			k.userOnly, k.ssOnly = true, true
		}
	case *Dev:
		k.userOnly, k.ssOnly = true, true
	case *Mark, *Cgroup:
		k.markish = true
	case *State:
		k.userOnly = true
	case *Num:
		if n.Field.tcpInfo() != nil {
			k.tcpInfo = true
		}
		if n.Field.needsOwners() {
			k.owner = true
		} else {
			k.userOnly = true
		}
	case *Str:
		if n.Field.needsOwners() {
			k.owner = true
		} else {
			k.userOnly = true
		}
		if n.Field.namespaceField() {
			k.netns = true
		}
	}
}

func classOf(n Node) class {
	var k leafKinds
	kindsOf(n, &k)
	switch {
	case k.owner:
		return classOwner
	case k.userOnly:
		return classDump
	}
	return classKernel
}

// kernelUsable reports whether ss would send bytecode for the tree: not if
// any of its conditions is one ss cannot compile (dev, a unix host), which
// makes ss compile nothing.
func (e *Expr) kernelUsable() bool {
	if e.Root == nil {
		return false
	}
	var k leafKinds
	kindsOf(e.Root, &k)
	return !k.ssOnly
}

// Plan is an expression split by where each part runs: the kernel (the
// state mask and inet_diag bytecode), user space after the dump, and user
// space after owner attribution. A listing applies, in order: States and
// Bytecode in the dump request (sockets.Filter.States and .Bytecode);
// Families; AfterDump on each socket of the dump; attribution if
// NeedsOwners; AfterOwners. The result is what Expr.Eval selects, as ss
// selects it.
type Plan struct {
	// States is the state mask of the leading state/exclude clauses, and
	// StatesGiven whether there were any; without them the caller's
	// default holds (ss: connected sockets, all with -a, listening with
	// -l).
	States      sockets.StateSet
	StatesGiven bool
	// Families is what ss restricts the listing to when a host is written
	// with a family prefix (inet:, inet6:, unix: — the last one counts):
	// that family alone, Local for unix. Zero: no restriction.
	Families sockets.FamilySet
	// Bytecode is the inet_diag bytecode (INET_DIAG_REQ_BYTECODE) of the
	// top-level conjuncts the kernel can evaluate, nil if none. It
	// applies to inet dumps only; unix sockets are filtered by AfterDump.
	// MARK_COND needs CAP_NET_ADMIN (the kernel says EPERM without).
	Bytecode []byte
	// AfterDump evaluates, in user space, ss's whole expression part as
	// ss's user space does after the kernel (both together make ss's
	// result), the kernel's semantics again where the socket tells them
	// (so that a source without bytecode selects the same), and the
	// fields known from the socket alone (state inside the expression,
	// uid, netns, recvq, sendq) or from its namespace (netns = NAME, pod,
	// k8s_namespace, image: see Namespace). Nil if there is nothing to evaluate. A conjunct with fwmark or cgroup PATH, which only the
	// kernel can tell, is left to the bytecode for inet sockets: a source
	// that cannot apply bytecode (the /proc fallback, Windows) does not
	// filter by it, and ss's user-space pass over it (its family-blind
	// address match, its port-range autobound) is not repeated, so such
	// a conjunct can select a few sockets more than ss (see
	// docs/filters.md).
	AfterDump func(*sockets.Socket) bool
	// NeedsOwners says whether AfterOwners needs the sockets' owners
	// (pid, ppid, user, program, exe, cmdline, unit, container, cgroup
	// GLOB). container is evaluated there, whole: it matches the
	// namespace's container or a holder's.
	NeedsOwners bool
	// AfterOwners evaluates the conjuncts that need owners, after
	// attribution. Nil if there are none.
	AfterOwners func(*sockets.Socket) bool
	// NeedsInternals is what the dump must ask the kernel for
	// (sockets.Filter.Internals) for the expression's tcp_info fields
	// (rtt, retrans, cwnd, ...) to be known; AfterDump compares them.
	// Zero if the expression has none.
	NeedsInternals sockets.InternalsMask
	// NeedsNamespaces says whether the expression names network
	// namespaces or containers (netns = NAME, container, pod,
	// k8s_namespace, image): only then need the caller find the
	// namespaces' names and containers for Namespace.
	NeedsNamespaces bool
	// Namespace tells AfterDump and AfterOwners what is known of the
	// network namespace with an inode (sockets.Socket.NetNS): its name
	// and its container. The caller sets it after Plan and before
	// running them; they read it on every call. Nil, or a nil result:
	// nothing is known, and netns = NAME, pod, k8s_namespace and image
	// match nothing (netns = NUMBER still compares the inode) and
	// container only a holder's container id.
	Namespace NamespaceFunc
}

// Plan splits the expression. The top-level and-chain is split by
// conjunct: a conjunct the kernel can evaluate goes to the bytecode (and
// AfterDump, as ss re-checks it), one that needs owners to AfterOwners,
// the rest to AfterDump. Bytecode longer than the kernel takes is left
// out (AfterDump then does the kernel's part); Plan fails (ErrTooLong)
// only if that part tests fwmark or cgroup PATH, which only the kernel
// can tell.
func (e *Expr) Plan() (*Plan, error) {
	p := &Plan{}
	p.States, p.StatesGiven = e.States()
	if !e.namesBoundInactive() {
		// ss 6.1 never asks the kernel for TCP sockets bound and not
		// listening (Linux 6.7's bound-inactive), which sockets' state
		// sets carry along with closed: only a clause that names them
		// sends them.
		p.States &^= 1 << sockets.BoundInactive
	}
	if e.Root == nil {
		return p, nil
	}
	p.Families = e.Families()
	var all leafKinds
	kindsOf(e.Root, &all)
	if all.tcpInfo {
		p.NeedsInternals = sockets.WantInfo
	}
	p.NeedsNamespaces = all.netns
	var kern, dump, owners []Node
	for _, c := range conjuncts(e.Root) {
		switch classOf(c) {
		case classKernel:
			kern = append(kern, c)
		case classDump:
			dump = append(dump, c)
		default:
			owners = append(owners, c)
		}
	}
	usable := e.kernelUsable()
	if len(kern) > 0 && usable {
		bc, err := Compile(andAll(kern))
		switch {
		case err == ErrTooLong && !hasMarkish(kern):
			// User space evaluates the kernel's semantics too (below).
		case err != nil:
			return nil, err
		default:
			p.Bytecode = bc
		}
	}
	// ss's user-space pass over the kernel conjuncts, and the kernel's
	// own semantics again where they can be told from the socket, for a
	// source that applies no bytecode (the /proc fallback, Windows).
	type check struct {
		n              Node
		kernel         bool // evaluate the kernel semantics too
		markish, guess bool // only the kernel can tell; autobound is guessed
	}
	var checks []check
	for _, c := range kern {
		var k leafKinds
		kindsOf(c, &k)
		checks = append(checks, check{c, usable, k.markish, hasAuto(c)})
	}
	for _, c := range dump {
		checks = append(checks, check{n: c})
	}
	if len(checks) > 0 {
		p.AfterDump = func(s *sockets.Socket) bool {
			inet := isInet(s)
			ns := p.Namespace
			for _, c := range checks {
				if inet && c.markish {
					continue
				}
				if !e.user(c.n, s, ns) {
					return false
				}
				if inet && c.kernel && !c.guess && !e.kernel(c.n, s) {
					return false
				}
			}
			return true
		}
	}
	if len(owners) > 0 {
		p.NeedsOwners = true
		p.AfterOwners = func(s *sockets.Socket) bool {
			ns := p.Namespace
			for _, c := range owners {
				if !e.user(c, s, ns) {
					return false
				}
			}
			return true
		}
	}
	return p, nil
}

// namesBoundInactive reports whether a state clause names bound-inactive
// itself (not as part of closed or a group).
func (e *Expr) namesBoundInactive() bool {
	for _, c := range e.Clauses {
		if !c.Exclude && c.Set == sockets.StateSet(0).With(sockets.BoundInactive) {
			return true
		}
	}
	return false
}

// Filter returns f with the plan's kernel part: its state mask (if the
// filter gave one), its bytecode and the internals it needs (added to
// those f asks for). Families is left to the caller, which knows which
// protocols it lists.
func (p *Plan) Filter(f sockets.Filter) sockets.Filter {
	if p.StatesGiven {
		f.States = p.States
	}
	f.Bytecode = string(p.Bytecode)
	f.Internals |= p.NeedsInternals
	return f
}

func hasMarkish(ns []Node) bool {
	for _, n := range ns {
		var k leafKinds
		kindsOf(n, &k)
		if k.markish {
			return true
		}
	}
	return false
}

func hasAuto(n Node) bool {
	switch n := n.(type) {
	case *And:
		return hasAuto(n.L) || hasAuto(n.R)
	case *Or:
		return hasAuto(n.L) || hasAuto(n.R)
	case *Not:
		return hasAuto(n.X)
	case *Auto:
		return true
	}
	return false
}

func andAll(ns []Node) Node {
	n := ns[0]
	for _, m := range ns[1:] {
		n = &And{n, m}
	}
	return n
}

// familiesOf returns the family of the last host written with a family
// prefix, as ss keeps it (each such host resets ss's family set).
func familiesOf(n Node) sockets.FamilySet {
	var last sockets.FamilySet
	var walk func(Node)
	walk = func(n Node) {
		switch n := n.(type) {
		case *And:
			walk(n.L)
			walk(n.R)
		case *Or:
			walk(n.L)
			walk(n.R)
		case *Not:
			walk(n.X)
		case *Host:
			switch {
			case n.Unix:
				last = sockets.FamilySet(0).With(sockets.Local)
			case n.Family != 0:
				last = sockets.FamilySet(0).With(n.Family)
			}
		}
	}
	walk(n)
	return last
}
