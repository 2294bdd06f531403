package filter

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/sockets"
)

// Options are the lookups a parse needs from its surroundings. The zero
// Options (or nil) uses the defaults each field names.
type Options struct {
	// Service returns the port of a service name ("https"). Nil: the
	// built-in table of common services (see LookupService).
	Service func(name string) (uint16, bool)
	// Interface returns the index of an interface name, in the namespace
	// that will be listed. Nil: net.InterfaceByName in the calling
	// thread's namespace. A number is always taken as an index.
	Interface func(name string) (uint32, bool)
	// Cgroup returns the cgroup v2 id of a cgroup path as ss's "cgroup
	// PATH" means it (the inode of the cgroup's directory under the
	// cgroup2 mount). Nil: such conditions are an error.
	Cgroup func(path string) (uint64, bool)
	// PortLo and PortHi are the ephemeral port range (the namespace's
	// net.ipv4.ip_local_port_range), which autobound uses as ss does.
	// Zero: Linux's default, 32768 to 60999.
	PortLo, PortHi int
}

// Parse parses a filter: leading state/exclude clauses, then an
// expression. A malformed filter returns an *Error.
func Parse(input string, opts *Options) (*Expr, error) {
	if opts == nil {
		opts = &Options{}
	}
	p := &parser{input: input, toks: lex(input), opts: opts}
	return p.parse()
}

// ParseArgs parses the words of a command line after the options, as ss
// takes them: joined with spaces (each word is split again at spaces,
// as ss splits it). Error positions count in strings.Join(args, " ").
func ParseArgs(args []string, opts *Options) (*Expr, error) {
	return Parse(strings.Join(args, " "), opts)
}

// ReadFilterPath reads the filter file -F names, "-" being stdin (an
// error if there is none), as ReadFilterFile does.
func ReadFilterPath(name string, stdin io.Reader) (string, error) {
	if name == "-" {
		if stdin == nil {
			return "", errors.New("no standard input")
		}
		return ReadFilterFile(stdin)
	}
	fh, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	return ReadFilterFile(fh)
}

// ReadFilterFile reads a filter file (ss -F FILE): its lines joined with
// spaces, lines starting with '#' left out. A command line's filter words
// come before the file's, as in ss: ParseArgs(append(args, text), ...).
func ReadFilterFile(r io.Reader) (string, error) {
	var parts []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		parts = append(parts, line)
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return strings.Join(parts, " "), nil
}

type parser struct {
	input string
	toks  []token
	i     int
	opts  *Options
	depth int
}

// maxDepth bounds nesting, so that a hostile expression cannot exhaust the
// stack.
const maxDepth = 1000

func (p *parser) peek() (token, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return token{Pos: len(p.input)}, false
}

func (p *parser) next() (token, bool) {
	t, ok := p.peek()
	if ok {
		p.i++
	}
	return t, ok
}

func (p *parser) errAt(t token, msg string) *Error {
	return &Error{Input: p.input, Pos: t.Pos, Token: t.Text, Msg: msg}
}

// kind classifies a token as ss's lexer does.
type kind uint8

const (
	kWord kind = iota
	kNot
	kAnd
	kOr
	kLParen
	kRParen
	kOp
)

func classify(t token) (kind, Op) {
	if t.Quoted {
		return kWord, 0
	}
	switch t.Text {
	case "!", "not":
		return kNot, 0
	case "&", "&&", "and":
		return kAnd, 0
	case "|", "||", "or":
		return kOr, 0
	case "(":
		return kLParen, 0
	case ")":
		return kRParen, 0
	case "=", "==", "eq":
		return kOp, OpEQ
	case "!=", "ne", "neq":
		return kOp, OpNE
	case "<", "lt":
		return kOp, OpLT
	case ">", "gt":
		return kOp, OpGT
	case "<=", "le", "leq":
		return kOp, OpLE
	case ">=", "ge", "geq":
		return kOp, OpGE
	}
	return kWord, 0
}

// keywords are the words that start a condition; a value may not be one
// (escape it with a backslash).
var keywords = map[string]bool{
	"src": true, "dst": true, "sport": true, "dport": true, "dev": true,
	"fwmark": true, "cgroup": true, "autobound": true, "state": true,
	"exclude": true, "excl": true,
}

var fieldKeywords = map[string]Field{}

func init() {
	for f := FieldPID; f < fieldEnd; f++ {
		if f != FieldCgroup {
			fieldKeywords[f.String()] = f
			keywords[f.String()] = true
		}
	}
	for name, f := range tcpAliases {
		fieldKeywords[name] = f
		keywords[name] = true
	}
}

func (p *parser) parse() (*Expr, error) {
	e := &Expr{portLo: p.opts.PortLo, portHi: p.opts.PortHi}
	if e.portLo == 0 && e.portHi == 0 {
		e.portLo, e.portHi = 32768, 60999
	}
	for {
		t, ok := p.peek()
		if !ok || t.Quoted || t.Text != "state" && t.Text != "exclude" && t.Text != "excl" {
			break
		}
		p.i++
		v, ok := p.next()
		if !ok {
			return nil, p.errAt(v, "expected a state name after "+t.Text)
		}
		set, err := parseStateName(v.Text)
		if err != nil {
			return nil, p.errAt(v, err.Error())
		}
		e.Clauses = append(e.Clauses, StateClause{Exclude: t.Text != "state", Name: v.Text, Set: set})
	}
	if _, ok := p.peek(); !ok {
		return e, nil
	}
	root, err := p.exprList()
	if err != nil {
		return nil, err
	}
	if t, ok := p.peek(); ok {
		return nil, p.errAt(t, "unbalanced )")
	}
	e.Root = root
	e.prepare()
	return e, nil
}

// exprList parses terms joined by and, or, or nothing (and), all of one
// precedence and grouped from the left, as ss's grammar does.
func (p *parser) exprList() (Node, error) {
	left, err := p.expr()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok {
			return left, nil
		}
		k, _ := classify(t)
		switch k {
		case kRParen:
			return left, nil
		case kOr, kAnd:
			p.i++
			right, err := p.expr()
			if err != nil {
				return nil, err
			}
			if k == kOr {
				left = &Or{left, right}
			} else {
				left = &And{left, right}
			}
		default:
			right, err := p.expr()
			if err != nil {
				return nil, err
			}
			left = &And{left, right}
		}
	}
}

func (p *parser) expr() (Node, error) {
	t, ok := p.next()
	if !ok {
		return nil, p.errAt(t, "expected a condition")
	}
	if p.depth++; p.depth > maxDepth {
		return nil, p.errAt(t, "expression nested too deep")
	}
	defer func() { p.depth-- }()
	k, _ := classify(t)
	switch k {
	case kLParen:
		n, err := p.exprList()
		if err != nil {
			return nil, err
		}
		c, ok := p.next()
		if !ok || c.Text != ")" {
			return nil, p.errAt(c, "expected )")
		}
		return n, nil
	case kNot:
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		return &Not{n}, nil
	case kWord:
		return p.leaf(t)
	}
	return nil, p.errAt(t, "expected a condition")
}

// op reads an optional comparison operator; it returns OpEQ if there is
// none.
func (p *parser) op() (Op, token) {
	t, ok := p.peek()
	if ok {
		if k, o := classify(t); k == kOp {
			p.i++
			return o, t
		}
	}
	return OpEQ, t
}

// value reads the value after a keyword.
func (p *parser) value(what string) (token, error) {
	t, ok := p.next()
	if !ok {
		return t, p.errAt(t, "expected "+what)
	}
	if k, _ := classify(t); k != kWord || keywords[t.Text] && !t.Quoted {
		return t, p.errAt(t, "expected "+what)
	}
	return t, nil
}

func (p *parser) leaf(t token) (Node, error) {
	if f, ok := fieldKeywords[t.Text]; ok {
		return p.field(f)
	}
	switch t.Text {
	case "src", "dst":
		dir := Src
		if t.Text == "dst" {
			dir = Dst
		}
		op, ot := p.op()
		if op != OpEQ && op != OpNE {
			return nil, p.errAt(ot, t.Text+" takes = or !=")
		}
		v, err := p.value("an address")
		if err != nil {
			return nil, err
		}
		h, msg := parseHost(v.Text, p.opts)
		if msg != "" {
			return nil, p.errAt(v, msg)
		}
		h.Dir = dir
		return negate(op == OpNE, h), nil
	case "sport", "dport":
		dir := Src
		if t.Text == "dport" {
			dir = Dst
		}
		op, _ := p.op()
		v, err := p.value("a port")
		if err != nil {
			return nil, err
		}
		port, msg := parsePort(v.Text, p.opts)
		if msg != "" {
			return nil, p.errAt(v, msg)
		}
		switch op {
		case OpEQ, OpNE:
			return negate(op == OpNE, &Host{Dir: dir, Port: port, PortOnly: true}), nil
		case OpGE, OpLE:
			return &Port{Dir: dir, Op: op, Port: port}, nil
		case OpLT:
			return &Not{&Port{Dir: dir, Op: OpGE, Port: port}}, nil
		default: // OpGT
			return &Not{&Port{Dir: dir, Op: OpLE, Port: port}}, nil
		}
	case "dev":
		op, ot := p.op()
		if op != OpEQ && op != OpNE {
			return nil, p.errAt(ot, "dev takes = or !=")
		}
		v, err := p.value("an interface")
		if err != nil {
			return nil, err
		}
		d, ok := parseDev(v.Text, p.opts)
		if !ok {
			return nil, p.errAt(v, "no such interface")
		}
		return negate(op == OpNE, d), nil
	case "fwmark":
		op, ot := p.op()
		if op != OpEQ && op != OpNE {
			return nil, p.errAt(ot, "fwmark takes = or !=")
		}
		v, err := p.value("a mark")
		if err != nil {
			return nil, err
		}
		m, ok := parseMark(v.Text)
		if !ok {
			return nil, p.errAt(v, "cannot parse the mark (MARK or MARK/MASK)")
		}
		return negate(op == OpNE, m), nil
	case "cgroup":
		op, ot := p.op()
		if op != OpEQ && op != OpNE {
			return nil, p.errAt(ot, "cgroup takes = or !=")
		}
		v, err := p.value("a cgroup path")
		if err != nil {
			return nil, err
		}
		if isGlob(v.Text) {
			return negate(op == OpNE, &Str{Field: FieldCgroup, Glob: v.Text}), nil
		}
		if p.opts.Cgroup == nil {
			return nil, p.errAt(v, "cannot resolve cgroup paths here")
		}
		id, ok := p.opts.Cgroup(v.Text)
		if !ok {
			return nil, p.errAt(v, "no such cgroup")
		}
		return negate(op == OpNE, &Cgroup{Path: v.Text, ID: id}), nil
	case "autobound":
		return &Auto{}, nil
	case "state":
		op, ot := p.op()
		if op != OpEQ && op != OpNE {
			return nil, p.errAt(ot, "state takes = or !=")
		}
		v, err := p.value("a state name")
		if err != nil {
			return nil, err
		}
		set, serr := parseStateName(v.Text)
		if serr != nil {
			return nil, p.errAt(v, serr.Error())
		}
		return negate(op == OpNE, &State{Name: v.Text, Set: set}), nil
	case "exclude", "excl":
		return nil, p.errAt(t, t.Text+" may only come before the expression")
	}
	return nil, p.errAt(t, "unknown condition")
}

func (p *parser) field(f Field) (Node, error) {
	op, ot := p.op()
	if !f.numeric() && op != OpEQ && op != OpNE {
		return nil, p.errAt(ot, f.String()+" takes = or !=")
	}
	v, err := p.value("a value")
	if err != nil {
		return nil, err
	}
	if !f.numeric() {
		return negate(op == OpNE, &Str{Field: f, Glob: v.Text}), nil
	}
	if f == FieldNetNS && (v.Quoted || !allDigits(v.Text)) {
		// A name: digits alone are the inode, unless escaped.
		if op != OpEQ && op != OpNE {
			return nil, p.errAt(ot, "netns takes = or != with a name (a number is the inode)")
		}
		return negate(op == OpNE, &Str{Field: f, Glob: v.Text}), nil
	}
	if tf := f.tcpInfo(); tf != nil {
		n, msg := parseUnitValue(tf.unit, v.Text)
		if msg != "" {
			return nil, p.errAt(v, msg)
		}
		return &Num{Field: f, Op: op, Value: n}, nil
	}
	n, perr := strconv.ParseUint(v.Text, 10, 64)
	if perr != nil {
		return nil, p.errAt(v, "expected a number")
	}
	return &Num{Field: f, Op: op, Value: n}, nil
}

func negate(neg bool, n Node) Node {
	if neg {
		return &Not{n}
	}
	return n
}

// parseStateName parses a state name as ss 6.1 does, or any spelling
// sockets.ParseState accepts; ss's groups are ss's.
func parseStateName(name string) (sockets.StateSet, error) {
	none := sockets.StateSet(0)
	switch strings.ToLower(name) {
	case "all":
		return sockets.AllStates, nil
	case "connected":
		return sockets.AllStates &^ none.With(sockets.Close).With(sockets.Listen), nil
	case "synchronized":
		return sockets.AllStates &^ none.With(sockets.Close).With(sockets.Listen).With(sockets.SynSent), nil
	case "bucket":
		return none.With(sockets.SynRecv).With(sockets.TimeWait), nil
	case "big":
		return sockets.AllStates &^ none.With(sockets.SynRecv).With(sockets.TimeWait), nil
	case "syn-rcv":
		return none.With(sockets.SynRecv), nil
	case "bound-inactive", "bound_inactive", "boundinactive":
		return none.With(sockets.BoundInactive), nil
	}
	return sockets.ParseState(name)
}

// parsePort parses a port as ss does with a port keyword: an optional
// ':', then '*' or nothing (any), a number (C syntax: 0x1F, 017, -1) or a
// service name.
func parsePort(v string, opts *Options) (int32, string) {
	v = strings.TrimPrefix(v, ":")
	if v == "" || v == "*" {
		return -1, ""
	}
	if n, ok := parseCInt(v); ok {
		return n, ""
	}
	look := opts.Service
	if look == nil {
		look = LookupService
	}
	if port, ok := look(v); ok {
		return int32(port), ""
	}
	return 0, "not a port or a known service"
}

// parseCInt parses an int as strtol(3) with base 0 does, the whole string.
func parseCInt(v string) (int32, bool) {
	s := strings.TrimLeft(v, "+-")
	if len(v)-len(s) > 1 || s == "" || strings.ContainsAny(s, "_") {
		return 0, false
	}
	if len(s) > 1 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O' || s[1] == 'b' || s[1] == 'B') {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 0, 32)
	if err != nil {
		return 0, false
	}
	return int32(n), true
}

// parseHost parses ss's HOST: [FAMILY:]ADDR[:PORT] with ADDR an IPv4
// address or prefix, [IPv6] or [IPv6/len], '*' or nothing; or
// unix:GLOB. Unlike ss, a bare IPv6 address or prefix (fd00::1,
// fd00::/8) is taken whole as an address; a port needs brackets then.
func parseHost(v string, opts *Options) (*Host, string) {
	h := &Host{Port: -1}
	switch {
	case strings.HasPrefix(v, "unix:"):
		h.Unix, h.Glob = true, v[len("unix:"):]
		return h, ""
	case strings.HasPrefix(v, "inet:"):
		h.Family, v = sockets.Inet, v[len("inet:"):]
	case strings.HasPrefix(v, "inet6:"):
		h.Family, v = sockets.Inet6, v[len("inet6:"):]
	case strings.HasPrefix(v, "link:"), strings.HasPrefix(v, "netlink:"), strings.HasPrefix(v, "vsock:"):
		return nil, "packet, netlink and vsock sockets are not supported"
	}
	var addr, port string
	hasPort := false
	switch {
	case strings.HasPrefix(v, "["):
		end := strings.IndexByte(v, ']')
		if end < 0 {
			return nil, "missing ]"
		}
		addr = v[1:end]
		rest := v[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return nil, "expected :PORT after ]"
			}
			port, hasPort = rest[1:], true
		}
		if addr == "" {
			return nil, "empty address in []"
		}
	case strings.HasPrefix(v, "*"):
		rest := v[1:]
		if rest != "" {
			if rest[0] != ':' {
				return nil, "expected :PORT after *"
			}
			port, hasPort = rest[1:], true
		}
	default:
		if strings.Count(v, ":") >= 2 {
			// A bare IPv6 address or prefix, which ss refuses.
			addr = v
			break
		}
		from := strings.IndexByte(v, '/')
		if from < 0 {
			from = 0
		}
		if c := strings.LastIndexByte(v[from:], ':'); c >= 0 {
			addr, port, hasPort = v[:from+c], v[from+c+1:], true
		} else {
			addr = v
		}
	}
	if hasPort && port != "" && port != "*" {
		n, msg := parsePort(port, opts)
		if msg != "" {
			return nil, msg
		}
		h.Port = n
	}
	if addr != "" && addr != "*" {
		pfx, ok := parsePrefix(addr)
		if !ok {
			return nil, "expected an address or prefix"
		}
		if h.Family == sockets.Inet && !pfx.Addr().Is4() || h.Family == sockets.Inet6 && pfx.Addr().Is4() {
			return nil, "address of the wrong family"
		}
		h.Addr = pfx
	}
	return h, ""
}

// parsePrefix parses an address with an optional /len, keeping the
// address unmasked; without /len the prefix is the whole address.
func parsePrefix(s string) (netip.Prefix, bool) {
	a, bits, hasBits := strings.Cut(s, "/")
	addr, err := netip.ParseAddr(a)
	if err != nil || addr.Zone() != "" {
		return netip.Prefix{}, false
	}
	n := addr.BitLen()
	if hasBits {
		v, err := strconv.ParseUint(bits, 10, 8)
		if err != nil || int(v) > addr.BitLen() || bits == "" || bits[0] == '+' {
			return netip.Prefix{}, false
		}
		n = int(v)
	}
	return netip.PrefixFrom(addr, n), true
}

func parseDev(v string, opts *Options) (*Dev, bool) {
	if opts.Interface != nil {
		if i, ok := opts.Interface(v); ok && i != 0 {
			return &Dev{Name: v, Index: i}, true
		}
	} else if ifc, err := net.InterfaceByName(v); err == nil && ifc.Index > 0 {
		return &Dev{Name: v, Index: uint32(ifc.Index)}, true
	}
	n, err := strconv.ParseUint(v, 0, 32)
	if err != nil || strings.ContainsAny(v, "_+-") {
		return nil, false
	}
	return &Dev{Name: v, Index: uint32(n)}, true
}

// parseMark parses MARK or MARK/MASK as ss's sscanf("%i/%i") does (C
// integer syntax), the whole string.
func parseMark(v string) (*Mark, bool) {
	m := &Mark{Mask: 0xffffffff}
	a, b, hasMask := strings.Cut(v, "/")
	mark, ok := parseCUint32(a)
	if !ok {
		return nil, false
	}
	m.Mark = mark
	if hasMask {
		if m.Mask, ok = parseCUint32(b); !ok {
			return nil, false
		}
	}
	return m, true
}

func parseCUint32(v string) (uint32, bool) {
	s := strings.TrimLeft(v, "+-")
	if len(v)-len(s) > 1 || s == "" || strings.ContainsAny(s, "_") ||
		len(s) > 1 && s[0] == '0' && strings.ContainsAny(s[1:2], "oObB") {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 0, 64)
	if err != nil || n < -1<<31 || n >= 1<<32 {
		return 0, false
	}
	return uint32(n), true
}

func isGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

// allDigits reports whether s is a decimal number, which netns takes as
// the namespace's inode rather than its name.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// IsKeyword reports whether word starts a condition of the language (in
// any case, as the command line compares it): a caller that must tell a
// filter expression from other words (a protocol after a bare -p) asks
// here, so that every field the language knows counts.
func IsKeyword(word string) bool {
	w := strings.ToLower(word)
	return keywords[w] || w == "not"
}
