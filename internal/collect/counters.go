package collect

import (
	"errors"

	"github.com/sockscope/sockscope/internal/netstats"
)

// A CounterPoller reads the protocol counters again and again, as a Poller
// takes sockets, and says what moved since the previous reading: the
// per-second rates of the counters that changed (stats --rate, -s
// INTERVAL).
type CounterPoller struct {
	read func() (*netstats.Snapshot, error)
	prev *netstats.Snapshot
}

// NewCounterPoller returns a CounterPoller that reads with read
// (netstats.Read, or a fixture).
func NewCounterPoller(read func() (*netstats.Snapshot, error)) *CounterPoller {
	return &CounterPoller{read: read}
}

// ErrNoCounters is returned by Poll when nothing could be read.
var ErrNoCounters = errors.New("no counters could be read")

// Poll reads the counters and returns them with the rates of those that
// moved since the previous Poll (nil the first time). A reading that
// failed in part returns the counters read and the error of the rest; one
// that read nothing returns an error wrapping ErrNoCounters and leaves the
// previous reading the one the next Poll compares with.
func (p *CounterPoller) Poll() (snap *netstats.Snapshot, moved *netstats.Rates, err error) {
	snap, err = p.read()
	if snap == nil || len(snap.Groups) == 0 && err != nil {
		return nil, nil, errors.Join(ErrNoCounters, err)
	}
	if p.prev != nil {
		moved = netstats.Delta(p.prev, snap).Moved()
	}
	p.prev = snap
	return snap, moved, err
}
