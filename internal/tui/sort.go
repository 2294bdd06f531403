package tui

import (
	"encoding/binary"
	"slices"
	"strings"

	"github.com/sockscope/sockscope/internal/sockets"
)

// The sort runs every refresh over every shown row (100k on a busy
// server), so it compares no rows: each row's value in the sorted column
// is packed into three words (names become their rank among the names
// shown), the row's identity into a fourth, and a radix sort orders
// them, in time linear in the rows, skipping the digits all rows share.

// sortSpec is the table's order: a column (colNone: the source's order)
// and its direction.
type sortSpec struct {
	col  colID
	desc bool
}

// A sortEnt is a shown row's sort key: k[0] to k[2] the column's value,
// most significant first, k[3] the row's identity (the tie-break, which
// keeps rows of equal value in one order from refresh to refresh); idx
// is the row.
type sortEnt struct {
	k   [4]uint64
	idx int32
}

// sortRows sorts m.order by m.sort.
func (m *model) sortRows() {
	col := m.sort.col
	if col == colNone || col == colMark {
		return
	}
	ents := m.ents[:0]
	for _, idx := range m.order {
		r := &m.rows[idx]
		e := sortEnt{idx: idx}
		fillKey(&e, r, col)
		e.k[3] = r.key.ID
		ents = append(ents, e)
	}
	switch col {
	case colProgram, colUser, colContainer:
		m.rankNames(ents, func(r *row) (string, bool) { return nameOf(r, col, m.userName), true })
	case colLocal, colRemote:
		m.rankNames(ents, func(r *row) (string, bool) {
			if r.s.Proto != sockets.Unix {
				return "", false
			}
			if col == colRemote {
				return r.s.PeerPath, true
			}
			return r.s.Path, true
		})
	}
	if m.sort.desc {
		for i := range ents {
			ents[i].k[0], ents[i].k[1], ents[i].k[2] = ^ents[i].k[0], ^ents[i].k[1], ^ents[i].k[2]
		}
	}
	ents, m.entsTmp = radixSort(ents, m.entsTmp)
	for i := range ents {
		m.order[i] = ents[i].idx
	}
	m.ents = ents
}

// fillKey sets e's value words for column col of r (names are ranked
// later, by rankNames).
func fillKey(e *sortEnt, r *row, col colID) {
	s := &r.s
	switch col {
	case colNetNS:
		e.k[0] = s.NetNS // by namespace: its rows together
	case colProto:
		e.k[0] = uint64(s.Proto)<<16 | uint64(s.Family)<<8 | uint64(s.Type)
	case colLocal, colRemote:
		endpointKey(e, s, col == colRemote)
	case colState:
		e.k[0] = uint64(stateRank(s))
	case colPID:
		e.k[0] = uint64(uint32(r.pid()))
	case colRTT:
		if in := s.Internals; in != nil && in.Has&sockets.HasTCPInfo != 0 {
			e.k[0] = uint64(in.TCP.RTT)
		}
	case colRecvQ:
		e.k[0] = uint64(s.RecvQ)
	case colSendQ:
		e.k[0] = uint64(s.SendQ)
	}
}

// nameOf is the name column col sorts r by: the one it shows.
func nameOf(r *row, col colID, userName func(uint32) string) string {
	h := r.holder()
	switch {
	case col == colUser:
		return userText(r, userName)
	case h == nil:
		return ""
	case col == colContainer:
		return h.Container
	}
	return h.Name
}

// rankNames sets k[0] of the entries whose row has a name (name's second
// result) to the name's rank among them, keeping the class bits above
// it; the empty name ranks after every other.
func (m *model) rankNames(ents []sortEnt, name func(*row) (string, bool)) {
	if m.names == nil {
		m.names = map[string]int32{}
	}
	clear(m.names)
	ids := m.nameIDs[:0]
	var distinct []string
	for i := range ents {
		n, ok := name(&m.rows[ents[i].idx])
		id := int32(-1)
		if ok {
			var seen bool
			if id, seen = m.names[n]; !seen {
				id = int32(len(distinct))
				m.names[n] = id
				distinct = append(distinct, n)
			}
		}
		ids = append(ids, id)
	}
	m.nameIDs = ids
	if len(distinct) == 0 {
		return
	}
	byName := make([]int32, len(distinct))
	for i := range byName {
		byName[i] = int32(i)
	}
	slices.SortFunc(byName, func(a, b int32) int {
		x, y := distinct[a], distinct[b]
		if (x == "") != (y == "") {
			if x == "" {
				return 1
			}
			return -1
		}
		return strings.Compare(x, y)
	})
	rank := make([]uint64, len(distinct))
	for r, id := range byName {
		rank[id] = uint64(r)
	}
	for i, id := range ids {
		if id >= 0 {
			ents[i].k[0] |= rank[id]
		}
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

// endpointKey packs an endpoint: IPv4 (address and port), then IPv6
// (class, 128 address bits and the port spread over the three words),
// then unix paths (class; the path's rank is added by rankNames).
func endpointKey(e *sortEnt, s *sockets.Socket, remote bool) {
	if s.Proto == sockets.Unix {
		e.k[0] = 2 << 62
		return
	}
	ap := s.Local
	if remote {
		ap = s.Remote
	}
	a := ap.Addr()
	if !a.Is6() || a.Is4In6() {
		v4 := a.Unmap().As4() // the zero Addr too: as 0.0.0.0
		if !a.IsValid() {
			v4 = [4]byte{}
		}
		e.k[2] = uint64(binary.BigEndian.Uint32(v4[:]))<<16 | uint64(ap.Port())
		return
	}
	v6 := a.As16()
	hi, lo := binary.BigEndian.Uint64(v6[:8]), binary.BigEndian.Uint64(v6[8:])
	e.k[0] = 1<<62 | hi>>2
	e.k[1] = hi<<62 | lo>>2
	e.k[2] = lo<<62 | uint64(ap.Port())
}

// radixSort sorts ents by k, least significant word and digit first,
// each pass stable; a digit every entry shares costs one counting pass
// and no move. tmp is scratch space (grown as needed); it returns the
// sorted entries and the scratch, either of which may be ents' memory.
func radixSort(ents, tmp []sortEnt) ([]sortEnt, []sortEnt) {
	const bits = 11
	const buckets = 1 << bits
	if len(ents) < 2 {
		return ents, tmp
	}
	if cap(tmp) < len(ents) {
		tmp = make([]sortEnt, len(ents))
	}
	tmp = tmp[:len(ents)]
	var count [buckets]int
	for w := 3; w >= 0; w-- {
		for shift := 0; shift < 64; shift += bits {
			clear(count[:])
			for i := range ents {
				count[(ents[i].k[w]>>shift)&(buckets-1)]++
			}
			if count[(ents[0].k[w]>>shift)&(buckets-1)] == len(ents) {
				continue // every entry has this digit
			}
			sum := 0
			for d := range count {
				sum, count[d] = sum+count[d], sum
			}
			for i := range ents {
				d := (ents[i].k[w] >> shift) & (buckets - 1)
				tmp[count[d]] = ents[i]
				count[d]++
			}
			ents, tmp = tmp, ents
		}
	}
	return ents, tmp
}
