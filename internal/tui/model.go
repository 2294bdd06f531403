package tui

import (
	"time"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/sockets"
)

// The hot path to keep efficient is model.apply: it runs once a refresh
// over every socket (100k on a busy server), on the UI goroutine.

// mark says how a row changed in the last refresh.
type mark uint8

const (
	markNone    mark = iota
	markNew          // appeared in the last refresh
	markChanged      // changed state in the last refresh
	markGone         // closed in the last refresh: shown once, then dropped
)

// rowKey identifies a socket across refreshes, as the poller does: the
// kernel's cookie, else its inode, else a hash of its endpoints.
type rowKey = collect.Key

// keyOf is the row key of s.
func keyOf(s *sockets.Socket) rowKey { return collect.KeyOf(s) }

// A row is one socket of the view. It owns its Socket: the snapshot the
// socket was copied from is reused by the next poll. Processes slices
// are shared with the snapshot, whose attribution allocates them afresh
// each poll and never writes them again; Internals is copied.
type row struct {
	s    sockets.Socket
	key  rowKey
	mark mark
	from sockets.State // the state before a change (markChanged)
}

// pid is the lowest PID holding the socket, 0 if none.
func (r *row) pid() int32 {
	for _, p := range r.s.Processes {
		if p.Info != nil {
			return p.Info.PID
		}
	}
	return 0
}

// holder is the socket's first holder, nil if none.
func (r *row) holder() *sockets.ProcessInfo {
	for _, p := range r.s.Processes {
		if p.Info != nil {
			return p.Info
		}
	}
	return nil
}

// stats are the summary line's numbers over the shown rows.
type stats struct {
	byState   [16]int // by sockets.State; unconnected datagram sockets in unconn
	unconn    int
	total     int
	newRate   float64 // sockets per second, over the last refresh
	goneRate  float64
	newN      int
	goneN     int
	hasRates  bool
	refreshed time.Time
}

// model is the view's data: the rows of the last poll, the filter, the
// sort and the selection. Its methods never do I/O.
type model struct {
	rows  []row // the last poll's sockets, then the ones it saw close
	spare []row // the previous rows, whose memory the next apply reuses
	// order indexes the rows that pass the filter, sorted.
	order []int32
	// The sort's scratch, kept from refresh to refresh.
	ents, entsTmp []sortEnt
	names         map[string]int32
	nameIDs       []int32

	sort sortSpec
	pred func(*sockets.Socket) bool // the filter line; nil passes all

	sel    rowKey // the selected socket; valid when hasSel
	hasSel bool
	picked map[rowKey]bool // rows marked for closing

	userName func(uint32) string // names a uid (Options.UserName), for the user column's sort

	// marks are the rows to colour: what the last poll saw open or
	// change, and what earlier polls did less than highlightFor ago.
	marks map[rowKey]highlight
	polls int
	// quiet makes the next apply colour nothing, as the first does: the
	// filter line changed, and Compile may have changed what Poll
	// selects, so that its next changes are the filter's, not the
	// machine's.
	quiet    bool
	lastTime time.Time
	st       stats
}

func newModel() *model {
	return &model{
		sort:   sortSpec{col: colProgram},
		picked: map[rowKey]bool{},
		marks:  map[rowKey]highlight{},
	}
}

// highlightFor is how long a new or changed row stays coloured: at
// least one refresh, and long enough to be seen at a fast one, as
// TCPView's highlights are. A closed row is shown once, whatever the
// interval.
const highlightFor = 2 * time.Second

// highlight is a row's colour and until when it lasts.
type highlight struct {
	mark  mark
	from  sockets.State
	until time.Time
}

// apply replaces the rows by a new snapshot. changes are what the poll
// said changed: the first poll's (every socket New) colour nothing, as
// nothing changed while the user watched. Sockets Gone are kept one
// refresh, marked. snap and changes are only read.
func (m *model) apply(snap collect.Snapshot, changes []collect.Change) {
	m.rows, m.spare = m.spare[:0], m.rows
	first := m.polls == 0 || m.quiet
	need := len(snap.Sockets)
	if !first {
		need += len(changes) // at most: the gone ones are rows too
	}
	if cap(m.rows) < need {
		// Room for a little growth: a buffer grown by append, one row at
		// a time, would be copied and thrown away again and again as the
		// count moves about its size under churn.
		m.rows = make([]row, 0, need+need/8)
	}
	if first {
		clear(m.marks)
	}
	for k, h := range m.marks {
		if !snap.Time.Before(h.until) {
			delete(m.marks, k)
		}
	}
	m.polls++
	m.quiet = false
	var newN, goneN int
	if !first {
		for _, c := range changes {
			if c.Socket == nil {
				continue
			}
			switch c.Kind {
			case collect.New:
				newN++
			case collect.Gone:
				goneN++
				k := keyOf(c.Socket)
				delete(m.marks, k)
				m.rows = append(m.rows, row{key: k, mark: markGone})
				m.copySocket(&m.rows[len(m.rows)-1], c.Socket)
				continue
			}
			h := highlight{mark: markNew, until: snap.Time.Add(highlightFor)}
			if c.Kind == collect.StateChanged {
				h.mark, h.from = markChanged, c.From
			}
			m.marks[keyOf(c.Socket)] = h
		}
	}
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		m.rows = append(m.rows, row{key: keyOf(s)})
		r := &m.rows[len(m.rows)-1]
		m.copySocket(r, s)
		if len(m.marks) > 0 {
			if h, ok := m.marks[r.key]; ok {
				r.mark, r.from = h.mark, h.from
			}
		}
	}
	// Rows beyond the new ones are from two polls ago: drop what they
	// hold (the spare, the previous poll's, is overwritten next time).
	clear(m.rows[len(m.rows):cap(m.rows)])
	m.st.newN, m.st.goneN = newN, goneN
	m.st.hasRates = false
	if !first && !m.lastTime.IsZero() && snap.Time.After(m.lastTime) {
		secs := snap.Time.Sub(m.lastTime).Seconds()
		m.st.newRate, m.st.goneRate = float64(newN)/secs, float64(goneN)/secs
		m.st.hasRates = true
	}
	m.lastTime = snap.Time
	m.st.refreshed = snap.Time
	if len(m.picked) > 0 {
		m.prunePicked()
	}
	m.refresh()
}

// copySocket copies s into r, with a copy of its internals.
func (m *model) copySocket(r *row, s *sockets.Socket) {
	r.s = *s
	if s.Internals != nil {
		in := *s.Internals
		r.s.Internals = &in
	}
}

// prunePicked forgets marks of sockets that are gone, so that the set
// never outgrows the rows.
func (m *model) prunePicked() {
	live := make(map[rowKey]bool, len(m.picked))
	for i := range m.rows {
		if k := m.rows[i].key; m.picked[k] && m.rows[i].mark != markGone {
			live[k] = true
		}
	}
	m.picked = live
}

// refresh recomputes the shown rows (filter and sort) and the summary.
func (m *model) refresh() {
	m.order = m.order[:0]
	m.st.byState = [16]int{}
	m.st.total, m.st.unconn = 0, 0
	for i := range m.rows {
		r := &m.rows[i]
		if m.pred != nil && !m.pred(&r.s) {
			continue
		}
		m.order = append(m.order, int32(i))
		if r.mark != markGone {
			m.st.total++
			switch {
			case r.s.Proto != sockets.TCP && r.s.Proto != sockets.MPTCP && r.s.State == sockets.Close:
				m.st.unconn++
			case int(r.s.State) < len(m.st.byState):
				m.st.byState[r.s.State]++
			}
		}
	}
	m.sortRows()
}

// setFilter sets the filter line's predicate (nil: none).
func (m *model) setFilter(pred func(*sockets.Socket) bool) {
	m.pred = pred
	m.refresh()
}

// row returns the i-th shown row, nil if out of range.
func (m *model) row(i int) *row {
	if i < 0 || i >= len(m.order) {
		return nil
	}
	return &m.rows[m.order[i]]
}

// selected returns the position of the selected socket among the shown
// rows, or -1.
func (m *model) selected() int {
	if !m.hasSel {
		return -1
	}
	for i, idx := range m.order {
		if m.rows[idx].key == m.sel {
			return i
		}
	}
	return -1
}

// selectAt makes the i-th shown row the selected one.
func (m *model) selectAt(i int) {
	if r := m.row(i); r != nil {
		m.sel, m.hasSel = r.key, true
	}
}

// togglePick marks or unmarks the i-th shown row for closing.
func (m *model) togglePick(i int) {
	r := m.row(i)
	if r == nil || r.mark == markGone {
		return
	}
	if m.picked[r.key] {
		delete(m.picked, r.key)
	} else {
		m.picked[r.key] = true
	}
}

// targets returns copies of the sockets to close: the marked ones, else
// the selected one.
func (m *model) targets() []sockets.Socket {
	var out []sockets.Socket
	if len(m.picked) > 0 {
		for _, idx := range m.order {
			if r := &m.rows[idx]; m.picked[r.key] && r.mark != markGone {
				out = append(out, r.s)
			}
		}
		return out
	}
	if r := m.row(m.selected()); r != nil && r.mark != markGone {
		out = append(out, r.s)
	}
	return out
}
