package sockets

import (
	"fmt"
	"strings"

	"github.com/sockscope/sockscope/internal/errs"
)

// State is a socket state, numbered as the kernel numbers TCP states
// (include/net/tcp_states.h). Datagram, raw and unix sockets use
// Established (connected) and Close (unconnected, "UNCONN").
type State uint8

// The kernel's TCP states.
const (
	Established State = iota + 1
	SynSent
	SynRecv
	FinWait1
	FinWait2
	TimeWait
	Close
	CloseWait
	LastAck
	Listen
	Closing
	NewSynRecv    // a request socket; reported by the kernel as SynRecv
	BoundInactive // bound, not listening (Linux 6.7+); reported as Close
	maxState
)

var stateNames = [...]string{
	Established:   "ESTABLISHED",
	SynSent:       "SYN_SENT",
	SynRecv:       "SYN_RECV",
	FinWait1:      "FIN_WAIT1",
	FinWait2:      "FIN_WAIT2",
	TimeWait:      "TIME_WAIT",
	Close:         "CLOSE",
	CloseWait:     "CLOSE_WAIT",
	LastAck:       "LAST_ACK",
	Listen:        "LISTEN",
	Closing:       "CLOSING",
	NewSynRecv:    "SYN_RECV",
	BoundInactive: "CLOSE",
}

// String returns the kernel's name of the state (SPEC section 4):
// LISTEN, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT1, FIN_WAIT2,
// CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT, CLOSE.
func (s State) String() string {
	if int(s) < len(stateNames) && stateNames[s] != "" {
		return stateNames[s]
	}
	return fmt.Sprintf("STATE(%d)", uint8(s))
}

// Valid reports whether s is a state the kernel defines.
func (s State) Valid() bool { return s >= Established && s < maxState }

// StateSet is a set of states, one bit per State, as the kernel's
// inet_diag idiag_states mask.
type StateSet uint32

// AllStates holds every state.
const AllStates = StateSet(1<<maxState - 2)

// Has reports whether st is in the set.
func (s StateSet) Has(st State) bool { return s&(1<<st) != 0 }

// With returns the set with st added; SynRecv brings NewSynRecv and Close
// brings BoundInactive, as the kernel reports them under one name.
func (s StateSet) With(st State) StateSet {
	s |= 1 << st
	switch st {
	case SynRecv:
		s |= 1 << NewSynRecv
	case Close:
		s |= 1 << BoundInactive
	}
	return s
}

// stateSpellings maps a normalised spelling (upper case, no separators) to
// its state. It holds the kernel's, ss's, Windows netstat's and net-tools'
// names, and misspellings that circulate in netstat guides.
var stateSpellings = map[string]StateSet{
	"ESTABLISHED": StateSet(0).With(Established), "ESTAB": StateSet(0).With(Established),
	"SYNSENT": StateSet(0).With(SynSent), "SYNCSEND": StateSet(0).With(SynSent),
	"SYNSEND": StateSet(0).With(SynSent), "SYNCSENT": StateSet(0).With(SynSent),
	"SYNRECV": StateSet(0).With(SynRecv), "SYNRECEIVED": StateSet(0).With(SynRecv),
	"SYNCRECEIVED": StateSet(0).With(SynRecv), "SYNCRECV": StateSet(0).With(SynRecv),
	"SYNRCVD":  StateSet(0).With(SynRecv),
	"FINWAIT1": StateSet(0).With(FinWait1), "FINWAIT2": StateSet(0).With(FinWait2),
	"TIMEWAIT": StateSet(0).With(TimeWait), "TIMEDWAIT": StateSet(0).With(TimeWait),
	"CLOSE": StateSet(0).With(Close), "CLOSED": StateSet(0).With(Close),
	"UNCONN": StateSet(0).With(Close), "UNCONNECTED": StateSet(0).With(Close),
	"CLOSEWAIT": StateSet(0).With(CloseWait), "LASTACK": StateSet(0).With(LastAck),
	"LISTEN": StateSet(0).With(Listen), "LISTENING": StateSet(0).With(Listen),
	"CLOSING": StateSet(0).With(Closing),
	// ss's state groups.
	"ALL":       AllStates,
	"CONNECTED": AllStates &^ StateSet(0).With(Listen).With(Close),
	// ss: every state but closed, listening and SYN_SENT (a request
	// socket, SYN_RECV, is synchronized).
	"SYNCHRONIZED": AllStates &^ StateSet(0).With(Listen).With(Close).With(SynSent),
	"BUCKET":       StateSet(0).With(SynRecv).With(TimeWait),
	"BIG":          AllStates &^ StateSet(0).With(SynRecv).With(TimeWait),
}

// ParseState parses any spelling of a state name, in any case, with or
// without '-', '_' or spaces: "time-wait", "TIME_WAIT", "timewait",
// "SYN_RECEIVED", "LISTENING", "UNCONN", and the misspellings
// "SYNC_RECEIVED" and "SYNC_SEND". It also accepts ss's groups (all,
// connected, synchronized, bucket, big). An unknown name returns an error
// wrapping errs.ErrInvalid that lists the closest valid names.
func ParseState(name string) (StateSet, error) {
	key := normaliseState(name)
	if set, ok := stateSpellings[key]; ok {
		return set, nil
	}
	if key == "" {
		return 0, fmt.Errorf("%w: empty state name", errs.ErrInvalid)
	}
	return 0, &UnknownStateError{Name: name, Suggestions: closestStates(key)}
}

func normaliseState(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-', r == '_', r == ' ':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// StateNames lists the canonical names a user may give, in the order of a
// connection's life.
var StateNames = []string{
	"LISTEN", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2",
	"CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT", "CLOSE", "UNCONN",
}

// UnknownStateError reports a state name no spelling matches.
type UnknownStateError struct {
	Name        string
	Suggestions []string // canonical names closest to Name, best first
}

func (e *UnknownStateError) Error() string {
	msg := fmt.Sprintf("unknown state %q", e.Name)
	if len(e.Suggestions) > 0 {
		msg += " (did you mean " + strings.Join(e.Suggestions, " or ") + "?)"
	}
	return msg
}

// Is makes errors.Is(err, errs.ErrInvalid) true.
func (e *UnknownStateError) Is(target error) bool { return target == errs.ErrInvalid }

// closestStates returns up to two canonical names within a small edit
// distance of key.
func closestStates(key string) []string {
	type cand struct {
		name string
		d    int
	}
	var best []cand
	for _, name := range StateNames {
		d := editDistance(key, normaliseState(name))
		if d <= max(2, len(key)/3) {
			best = append(best, cand{name, d})
		}
	}
	for i := 1; i < len(best); i++ {
		for j := i; j > 0 && best[j].d < best[j-1].d; j-- {
			best[j], best[j-1] = best[j-1], best[j]
		}
	}
	var out []string
	for i := 0; i < len(best) && i < 2; i++ {
		out = append(out, best[i].name)
	}
	return out
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
