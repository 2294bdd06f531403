package tui

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strings"

	"github.com/sockscope/sockscope/internal/sockets"
)

// sortSpec is the table's order: a column (colNone: the source's order)
// and its direction.
type sortSpec struct {
	col  colID
	desc bool
}

// A sortEnt is a shown row's sort key, computed once per refresh so that
// the sort compares integers: a, b, c hold the column's value (a string's
// first 16 bytes and its length, an address's 128 bits), d the row's
// identity as the tie-break; idx is the row.
type sortEnt struct {
	a, b, c, d uint64
	idx        int32
	// long says that a, b, c do not hold the whole value (a string of
	// more than 16 bytes, an IPv6 endpoint's port): equal keys are then
	// compared in full.
	long bool
}

// sortRows sorts m.order by m.sort.
func (m *model) sortRows() {
	col := m.sort.col
	if col == colNone || col == colMark {
		return
	}
	ents := m.ents[:0]
	for _, idx := range m.order {
		e := sortEnt{idx: idx}
		r := &m.rows[idx]
		e.d = r.key.id
		fillKey(&e, r, col)
		ents = append(ents, e)
	}
	desc := m.sort.desc
	slices.SortFunc(ents, func(x, y sortEnt) int {
		c := cmp.Compare(x.a, y.a)
		if c == 0 {
			c = cmp.Compare(x.b, y.b)
		}
		if c == 0 {
			c = cmp.Compare(x.c, y.c)
		}
		if c == 0 && x.long && y.long {
			c = compareFull(&m.rows[x.idx], &m.rows[y.idx], col)
		}
		if desc {
			c = -c
		}
		if c == 0 {
			c = cmp.Compare(x.d, y.d)
		}
		if c == 0 {
			c = cmp.Compare(x.idx, y.idx)
		}
		return c
	})
	for i := range ents {
		m.order[i] = ents[i].idx
	}
	m.ents = ents
}

// fillKey sets e's key fields for column col of r.
func fillKey(e *sortEnt, r *row, col colID) {
	s := &r.s
	switch col {
	case colProto:
		e.a = uint64(s.Proto)<<8 | uint64(s.Family)
		e.b = uint64(s.Type)
	case colLocal, colRemote:
		endpointKey(e, s, col == colRemote)
	case colState:
		e.a = uint64(stateRank(s))
	case colPID:
		e.a = uint64(uint32(r.pid()))
	case colProgram:
		name := ""
		if h := r.holder(); h != nil {
			name = h.Name
		}
		stringKey(e, name)
	case colUser:
		stringKey(e, userText(r, nil))
	case colContainer:
		name := ""
		if h := r.holder(); h != nil {
			name = h.Container
		}
		stringKey(e, name)
	case colRTT:
		if in := s.Internals; in != nil && in.Has&sockets.HasTCPInfo != 0 {
			e.a = uint64(in.TCP.RTT)
		}
	case colRecvQ:
		e.a = uint64(s.RecvQ)
	case colSendQ:
		e.a = uint64(s.SendQ)
	}
}

// stateRanks orders the states by a connection's life
// (sockets.StateNames); an unknown state is 99.
var stateRanks = func() (r [256]uint8) {
	for st := range r {
		r[st] = 99
		for i, n := range sockets.StateNames {
			if n == sockets.State(st).String() {
				r[st] = uint8(i)
			}
		}
	}
	return r
}()

// stateRank orders states by a connection's life, unconnected last.
func stateRank(s *sockets.Socket) int {
	if s.Proto != sockets.TCP && s.Proto != sockets.MPTCP && s.State == sockets.Close {
		return 100
	}
	return int(stateRanks[s.State])
}

// stringKey packs a string's first 16 bytes and its length; the empty
// string (no process, no user) sorts after every name.
func stringKey(e *sortEnt, s string) {
	if s == "" {
		e.a, e.b, e.c = ^uint64(0), ^uint64(0), ^uint64(0)
		return
	}
	var buf [16]byte
	copy(buf[:], s)
	e.a = binary.BigEndian.Uint64(buf[:8])
	e.b = binary.BigEndian.Uint64(buf[8:])
	e.c = uint64(len(s))
	e.long = len(s) > 16
}

// endpointKey packs an endpoint: IPv4 (address and port in b) before
// IPv6 (address in b and c, the port compared in full), unix paths last.
func endpointKey(e *sortEnt, s *sockets.Socket, remote bool) {
	if s.Proto == sockets.Unix {
		p := s.Path
		if remote {
			p = s.PeerPath
		}
		var buf [8]byte
		copy(buf[1:], p)
		e.a = 1<<63 | binary.BigEndian.Uint64(buf[:]) // after IPv6, by the path's start
		e.long = true
		return
	}
	ap := s.Local
	if remote {
		ap = s.Remote
	}
	a := ap.Addr()
	if a.Is4() || a.Is4In6() {
		v4 := a.Unmap().As4()
		e.b = uint64(binary.BigEndian.Uint32(v4[:]))<<16 | uint64(ap.Port())
		return
	}
	v6 := a.As16()
	e.a = 1 << 62
	e.b = binary.BigEndian.Uint64(v6[:8])
	e.c = binary.BigEndian.Uint64(v6[8:])
	e.long = true
}

// compareFull compares rows whose packed keys are equal.
func compareFull(x, y *row, col colID) int {
	switch col {
	case colLocal, colRemote:
		if x.s.Proto == sockets.Unix || y.s.Proto == sockets.Unix {
			px, py := x.s.Path, y.s.Path
			if col == colRemote {
				px, py = x.s.PeerPath, y.s.PeerPath
			}
			return strings.Compare(px, py)
		}
		ax, ay := x.s.Local, y.s.Local
		if col == colRemote {
			ax, ay = x.s.Remote, y.s.Remote
		}
		return ax.Compare(ay)
	case colProgram, colContainer:
		var nx, ny string
		if h := x.holder(); h != nil {
			nx = h.Name
			if col == colContainer {
				nx = h.Container
			}
		}
		if h := y.holder(); h != nil {
			ny = h.Name
			if col == colContainer {
				ny = h.Container
			}
		}
		return strings.Compare(nx, ny)
	case colUser:
		return strings.Compare(userText(x, nil), userText(y, nil))
	}
	return 0
}
