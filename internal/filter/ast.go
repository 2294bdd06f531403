package filter

import (
	"net/netip"

	"github.com/sockscope/sockscope/internal/sockets"
)

// A Node is one node of an expression tree: *And, *Or, *Not, or a leaf
// (*Host, *Port, *Dev, *Mark, *Cgroup, *Auto, *State, *Num, *Str).
type Node interface{ node() }

// And matches when both L and R match.
type And struct{ L, R Node }

// Or matches when L or R matches.
type Or struct{ L, R Node }

// Not matches when X does not.
type Not struct{ X Node }

// Dir says which end of a socket a condition looks at.
type Dir uint8

// The ends of a socket.
const (
	Src Dir = iota // the local end: src, sport
	Dst            // the remote end: dst, dport
)

// Op is a comparison operator.
type Op uint8

// The comparison operators, and their spellings: = == eq, != ne neq,
// < lt, > gt, <= le leq, >= ge geq.
const (
	OpEQ Op = iota
	OpNE
	OpLT
	OpGT
	OpLE
	OpGE
)

var opNames = [...]string{OpEQ: "=", OpNE: "!=", OpLT: "<", OpGT: ">", OpLE: "<=", OpGE: ">="}

// String returns the operator's symbol.
func (o Op) String() string { return opNames[o] }

// Host is ss's host condition (src/dst HOST, and sport/dport = PORT): a
// unix path glob, or an optional address prefix with an optional port.
type Host struct {
	Dir Dir
	// Unix is set for a unix:GLOB condition; Glob is then the pattern.
	Unix bool
	Glob string
	// Family is the family prefix the host was written with (inet:,
	// inet6:), 0 if none. It restricts the listing to that family, as
	// in ss; it does not change what the condition matches.
	Family sockets.Family
	// Addr is the address and prefix length; the zero Prefix means any
	// address. Its address is kept as written (not masked).
	Addr netip.Prefix
	// Port is the port, or -1 for any.
	Port int32
	// PortOnly marks a condition written as sport/dport = PORT, so that
	// it prints as it was written.
	PortOnly bool
}

// Port is a port range condition of ss: sport/dport >= or <= PORT. The
// other operators are built from it and Host, as ss builds them: < is
// not >=, > is not <=, = is a Host, != is not a Host.
type Port struct {
	Dir  Dir
	Op   Op // OpGE or OpLE
	Port int32
}

// Dev matches the interface a socket is bound to (ss: dev NAME|INDEX).
type Dev struct {
	Name  string // as written
	Index uint32
}

// Mark matches the socket mark: mark & Mask == Mark (ss: fwmark V[/M]).
type Mark struct{ Mark, Mask uint32 }

// Cgroup matches the cgroup v2 a socket belongs to, by id (ss: cgroup
// PATH). The kernel alone can tell it.
type Cgroup struct {
	Path string
	ID   uint64
}

// Auto matches sockets whose local port was chosen by the kernel (ss:
// autobound).
type Auto struct{}

// State matches sockets in one of the states of Set; it is sockscope's:
// ss takes states only before the expression.
type State struct {
	Name string // as written
	Set  sockets.StateSet
}

// Field names a field sockscope adds to ss's language.
type Field uint8

// The added fields.
const (
	FieldPID Field = iota + 1
	FieldPPID
	FieldUID
	FieldUser
	FieldProgram
	FieldExe
	FieldCmdline
	FieldUnit
	FieldContainer
	FieldCgroup
	FieldNetNS
	FieldRecvQ
	FieldSendQ
	FieldPod          // the Kubernetes pod's name, of the socket's namespace
	FieldK8sNamespace // the Kubernetes namespace of that pod
	FieldImage        // the image of the namespace's container
	fieldPlainEnd     // the tcp_info fields follow (tcpinfo.go)
)

var fieldNames = [...]string{
	FieldPID: "pid", FieldPPID: "ppid", FieldUID: "uid", FieldUser: "user",
	FieldProgram: "program", FieldExe: "exe", FieldCmdline: "cmdline",
	FieldUnit: "unit", FieldContainer: "container", FieldCgroup: "cgroup",
	FieldNetNS: "netns", FieldRecvQ: "recvq", FieldSendQ: "sendq",
	FieldPod: "pod", FieldK8sNamespace: "k8s_namespace", FieldImage: "image",
}

// String returns the field's keyword.
func (f Field) String() string {
	if tf := f.tcpInfo(); tf != nil {
		return tf.name
	}
	return fieldNames[f]
}

// numeric reports whether the field takes a number and every operator
// (netns takes a name too: see namespaceField).
func (f Field) numeric() bool {
	switch f {
	case FieldPID, FieldPPID, FieldUID, FieldNetNS, FieldRecvQ, FieldSendQ:
		return true
	}
	return f.tcpInfo() != nil
}

// needsOwners reports whether the field is a property of the processes
// holding a socket, known only after attribution. container is: it
// matches a holder's container too, so a socket's namespace alone cannot
// rule it out.
func (f Field) needsOwners() bool {
	switch f {
	case FieldUID, FieldNetNS, FieldRecvQ, FieldSendQ, FieldPod, FieldK8sNamespace, FieldImage:
		return false
	}
	return f.tcpInfo() == nil
}

// namespaceField reports whether a glob on the field is matched against
// what the caller knows of the socket's network namespace (Namespace):
// its name, its container, the container's pod and image.
func (f Field) namespaceField() bool {
	switch f {
	case FieldNetNS, FieldContainer, FieldPod, FieldK8sNamespace, FieldImage:
		return true
	}
	return false
}

// Num compares a numeric field with a value.
type Num struct {
	Field Field
	Op    Op
	Value uint64
}

// Str matches a string field against a glob (fnmatch(3) without
// FNM_PATHNAME: * matches /). "!=" is a Not around it. With FieldNetNS it
// matches the namespace's name (netns = NAME); netns = NUMBER is a Num.
type Str struct {
	Field Field
	Glob  string
}

func (*And) node()    {}
func (*Or) node()     {}
func (*Not) node()    {}
func (*Host) node()   {}
func (*Port) node()   {}
func (*Dev) node()    {}
func (*Mark) node()   {}
func (*Cgroup) node() {}
func (*Auto) node()   {}
func (*State) node()  {}
func (*Num) node()    {}
func (*Str) node()    {}

// StateClause is one of the state/exclude clauses before an expression.
type StateClause struct {
	Exclude bool
	Name    string // as written
	Set     sockets.StateSet
}

// Expr is a parsed filter: the leading state clauses and the expression
// (Root, nil if there is none).
type Expr struct {
	Clauses []StateClause
	Root    Node

	portLo, portHi int    // the ephemeral port range, for autobound
	parts          []part // Root's top-level conjuncts
}

// States returns the state mask the leading clauses give, as ss computes
// it: the first state clause starts from none, the first exclude clause
// from all; ok is false if there are no clauses (the caller's default
// applies: ss's is connected sockets without -a, all with it). Clauses
// that leave no state ("exclude all") give ss's default for TCP without
// -a, as ss ignores an empty mask.
func (e *Expr) States() (set sockets.StateSet, ok bool) {
	for i, c := range e.Clauses {
		if i == 0 && c.Exclude {
			set = sockets.AllStates
		}
		if c.Exclude {
			set &^= c.Set
		} else {
			set |= c.Set
		}
	}
	if len(e.Clauses) > 0 && set == 0 {
		// ss ignores a mask that comes out empty ("exclude all") and keeps
		// the protocols' default, even with -a: for TCP, the connected
		// states without SYN_RECV and TIME_WAIT.
		none := sockets.StateSet(0)
		return sockets.AllStates &^ none.With(sockets.Listen).With(sockets.Close).
			With(sockets.TimeWait).With(sockets.SynRecv), true
	}
	return set, len(e.Clauses) > 0
}

// Families returns the family ss restricts a listing to when a host is
// written with a family prefix (inet:, inet6:, unix:; the last one
// counts): that family alone, Local for unix. Zero: no restriction.
func (e *Expr) Families() sockets.FamilySet {
	if e.Root == nil {
		return 0
	}
	return familiesOf(e.Root)
}
