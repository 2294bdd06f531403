// Package order sorts socket listings by the fields --sort names:
//
//	--sort FIELD[,FIELD]...   FIELD is NAME, NAME:asc, NAME:desc or -NAME
//
// Parse reads such a spec into a Spec, whose Compare orders two sockets
// by the first field that tells them apart and whose Sort sorts a
// listing stably (sockets equal in every field keep the order the source
// gave). The fields, the order of each and the treatment of sockets that
// lack a field are documented in docs/cli-sort.md. Nothing here reads
// the system: it is pure and fuzzed.
package order

import (
	"cmp"
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/sockets"
)

// Field is a field a listing can be sorted by.
type Field int

// The fields, in the order Fields lists them.
const (
	Port    Field = iota // the local port (inet sockets)
	State                // the state, in the order of a connection's life
	PID                  // the first holder's PID
	Program              // the first holder's process name
	RecvQ                // Recv-Q
	SendQ                // Send-Q
	Remote               // the remote address, then port (unix: the peer's path)
	Local                // the local address, then port (unix: the path)
	Proto                // the protocol (tcp, udp, udplite, mptcp, raw, unix), then IPv4 before IPv6
	numFields
)

var fieldNames = [numFields]string{
	Port: "port", State: "state", PID: "pid", Program: "program", RecvQ: "recv-q",
	SendQ: "send-q", Remote: "remote", Local: "local", Proto: "proto",
}

// aliases are other spellings of the field names: the column headings
// (Recv-Q, Foreign Address) and their spellings without a dash.
var aliases = map[string]Field{
	"recvq": RecvQ, "recv_q": RecvQ, "sendq": SendQ, "send_q": SendQ,
	"foreign": Remote, "protocol": Proto,
}

// String returns the field's name as Parse accepts it.
func (f Field) String() string {
	if f >= 0 && f < numFields {
		return fieldNames[f]
	}
	return "field(" + strconv.Itoa(int(f)) + ")"
}

// Fields returns the valid field names, in the documented order.
func Fields() []string { return slices.Clone(fieldNames[:]) }

// Key is one field of a spec and its direction.
type Key struct {
	Field Field
	Desc  bool // descending: largest first
}

// Spec is a parsed --sort value: the keys, most significant first.
type Spec []Key

// ErrSpec is matched (errors.Is) by every error Parse returns.
var ErrSpec = errors.New("invalid sort spec")

// UnknownFieldError is a field name Parse does not know. It prints as one
// line naming it and the valid names.
type UnknownFieldError struct {
	Field string
	Valid []string
}

func (e *UnknownFieldError) Error() string {
	return "unknown sort field " + strconv.Quote(e.Field) + " (valid: " + strings.Join(e.Valid, ", ") + ")"
}

// Is makes errors.Is(err, ErrSpec) true.
func (e *UnknownFieldError) Is(target error) bool { return target == ErrSpec }

// SpecError is a spec Parse cannot read for another reason: empty, an
// empty field, a direction other than asc and desc, a field given twice.
// It prints as one line quoting the spec.
type SpecError struct {
	Spec   string
	Reason string
}

func (e *SpecError) Error() string {
	return "sort " + strconv.Quote(e.Spec) + ": " + e.Reason
}

// Is makes errors.Is(err, ErrSpec) true.
func (e *SpecError) Is(target error) bool { return target == ErrSpec }

// Parse reads a --sort value: fields separated by commas, each a name
// (in any case; see Fields) optionally followed by ":asc" or ":desc" or
// preceded by "-" (descending). Spaces around a field are ignored. It
// returns an *UnknownFieldError for a name it does not know, a
// *SpecError for anything else it cannot read; both match ErrSpec.
func Parse(spec string) (Spec, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, &SpecError{Spec: spec, Reason: "no field (valid: " + strings.Join(fieldNames[:], ", ") + ")"}
	}
	var s Spec
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		name, dir, hasDir := strings.Cut(part, ":")
		k := Key{}
		if strings.HasPrefix(name, "-") {
			name, k.Desc = name[1:], true
			if hasDir {
				return nil, &SpecError{Spec: spec, Reason: "field " + strconv.Quote(part) + " has both - and :" + dir}
			}
		}
		if name == "" {
			return nil, &SpecError{Spec: spec, Reason: "empty field"}
		}
		if hasDir {
			switch strings.ToLower(dir) {
			case "asc":
			case "desc":
				k.Desc = true
			default:
				return nil, &SpecError{Spec: spec, Reason: "direction " + strconv.Quote(dir) + " is not asc or desc"}
			}
		}
		f, ok := lookup(name)
		if !ok {
			return nil, &UnknownFieldError{Field: name, Valid: Fields()}
		}
		k.Field = f
		if slices.ContainsFunc(s, func(o Key) bool { return o.Field == f }) {
			return nil, &SpecError{Spec: spec, Reason: "field " + f.String() + " given twice"}
		}
		s = append(s, k)
	}
	return s, nil
}

func lookup(name string) (Field, bool) {
	name = strings.ToLower(name)
	for f, n := range fieldNames {
		if n == name {
			return Field(f), true
		}
	}
	f, ok := aliases[name]
	return f, ok
}

// String returns the spec as Parse reads it back: "port,recv-q:desc".
func (s Spec) String() string {
	var b strings.Builder
	for i, k := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k.Field.String())
		if k.Desc {
			b.WriteString(":desc")
		}
	}
	return b.String()
}

// Sort sorts socks by s, stably: sockets equal in every key keep their
// order. It never fails; an empty spec leaves socks as they are.
func (s Spec) Sort(socks []sockets.Socket) {
	if len(s) == 0 {
		return
	}
	// Sorting the indices moves 4 bytes per swap instead of a whole
	// Socket, and lets Compare take pointers; the permutation is applied
	// once at the end. Ties are broken by the index, which makes the
	// faster unstable sort stable.
	idx := make([]int32, len(socks))
	for i := range idx {
		idx[i] = int32(i)
	}
	// The first holder is looked up once per socket, not at every
	// comparison: the lookup misses the cache and dominated the sort.
	var holders []*sockets.ProcessInfo
	if s.UsesHolder() {
		holders = make([]*sockets.ProcessInfo, len(socks))
		for i := range socks {
			holders[i] = firstHolder(&socks[i])
		}
	}
	slices.SortFunc(idx, func(i, j int32) int {
		var ha, hb *sockets.ProcessInfo
		if holders != nil {
			ha, hb = holders[i], holders[j]
		}
		return cmp.Or(s.compare(&socks[i], &socks[j], ha, hb), cmp.Compare(i, j))
	})
	sorted := make([]sockets.Socket, len(socks))
	for i, j := range idx {
		sorted[i] = socks[j]
	}
	copy(socks, sorted)
}

// Compare returns -1, 0 or +1 as a sorts before, with or after b. A
// socket that lacks a field (a unix socket's port, a socket no process
// holds for pid and program) sorts after every socket that has it, in
// either direction.
func (s Spec) Compare(a, b *sockets.Socket) int {
	var ha, hb *sockets.ProcessInfo
	if s.UsesHolder() {
		ha, hb = firstHolder(a), firstHolder(b)
	}
	return s.compare(a, b, ha, hb)
}

// UsesHolder reports whether s sorts by a field of the holding process (pid,
// program), which needs the sockets attributed first.
func (s Spec) UsesHolder() bool {
	return slices.ContainsFunc(s, func(k Key) bool { return k.Field == PID || k.Field == Program })
}

// compare is Compare with the first holders of a and b (nil: none, or
// the spec does not need them) already looked up.
func (s Spec) compare(a, b *sockets.Socket, ha, hb *sockets.ProcessInfo) int {
	for _, k := range s {
		if c := compareField(k, a, b, ha, hb); c != 0 {
			return c
		}
	}
	return 0
}

// compareField compares one key: first whether each socket has the field
// (those without it last, whatever the direction), then the values.
func compareField(k Key, a, b *sockets.Socket, ha, hb *sockets.ProcessInfo) int {
	hasA, hasB := true, true
	switch k.Field {
	case Port:
		hasA, hasB = a.Family != sockets.Local, b.Family != sockets.Local
	case PID, Program:
		hasA, hasB = ha != nil, hb != nil
	}
	switch {
	case hasA && !hasB:
		return -1
	case !hasA && hasB:
		return 1
	case !hasA && !hasB:
		return 0
	}
	var c int
	switch k.Field {
	case PID:
		c = cmp.Compare(ha.PID, hb.PID)
	case Program:
		c = strings.Compare(ha.Name, hb.Name)
	default:
		c = compareValue(k.Field, a, b)
	}
	if k.Desc {
		return -c
	}
	return c
}

func compareValue(f Field, a, b *sockets.Socket) int {
	switch f {
	case Port:
		return cmp.Compare(a.Local.Port(), b.Local.Port())
	case State:
		return cmp.Compare(StateRank(a), StateRank(b))
	case RecvQ:
		return cmp.Compare(a.RecvQ, b.RecvQ)
	case SendQ:
		return cmp.Compare(a.SendQ, b.SendQ)
	case Remote:
		return compareEndpoint(a, b, a.Remote, b.Remote, a.PeerPath, b.PeerPath)
	case Local:
		return compareEndpoint(a, b, a.Local, b.Local, a.Path, b.Path)
	case Proto:
		return cmp.Or(cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Family, b.Family))
	}
	return 0
}

// compareEndpoint orders IPv4 before IPv6 before unix, addresses by their
// numeric value then port, unix sockets by path.
func compareEndpoint(a, b *sockets.Socket, ea, eb netip.AddrPort, pa, pb string) int {
	if c := cmp.Compare(isUnix(a), isUnix(b)); c != 0 {
		return c
	}
	if a.Family == sockets.Local {
		return strings.Compare(pa, pb)
	}
	return ea.Compare(eb)
}

func isUnix(s *sockets.Socket) int {
	if s.Family == sockets.Local {
		return 1
	}
	return 0
}

// firstHolder returns the first valid holder of s, as listings show it
// first, or nil when no process holds s.
func firstHolder(s *sockets.Socket) *sockets.ProcessInfo {
	for _, p := range s.Processes {
		if p.Info != nil {
			return p.Info
		}
	}
	return nil
}

// stateRanks orders the states as a connection lives them (the order of
// sockscope explain): LISTEN, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT1,
// FIN_WAIT2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT, CLOSE; then
// UNCONN, then states the kernel may add.
var stateRanks = func() (r [256]uint8) {
	for i := range r {
		r[i] = 255
	}
	for i, st := range []sockets.State{
		sockets.Listen, sockets.SynSent, sockets.SynRecv, sockets.Established,
		sockets.FinWait1, sockets.FinWait2, sockets.CloseWait, sockets.Closing,
		sockets.LastAck, sockets.TimeWait, sockets.Close,
	} {
		r[st] = uint8(i)
	}
	r[sockets.NewSynRecv] = r[sockets.SynRecv]
	r[sockets.BoundInactive] = r[sockets.Close]
	return r
}()

const rankUnconn = 11

// StateRank returns the position of s's state in the order of a
// connection's life, as --sort state orders them: LISTEN 0, SYN_SENT,
// SYN_RECV, ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT, CLOSING,
// LAST_ACK, TIME_WAIT, CLOSE 10, UNCONN 11 (an unconnected datagram,
// raw or unix socket), and 255 for a state it does not know.
func StateRank(s *sockets.Socket) int {
	r := stateRanks[s.State]
	if r == stateRanks[sockets.Close] && s.Proto != sockets.TCP && s.Proto != sockets.MPTCP {
		return rankUnconn
	}
	return int(r)
}
