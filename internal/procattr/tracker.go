package procattr

import (
	"context"

	"github.com/sockscope/sockscope/internal/sockets"
)

// A Tracker attributes the sockets of one snapshot after another, as a
// live view polls them, reading again only what changed since the
// previous call. A full walk reads one link per open fd on the machine
// (half a second of kernel time at 100k sockets); a live view that did
// that every second would cost more than the listing it shows.
//
// On Linux it keeps, per process, the fd count procfs reports and the
// socket each fd held. A process whose count is unchanged, and none of
// whose sockets went away, is not read again: its fd table is taken to be
// the same. One whose count changed has only its new fds, and those whose
// socket went away, read again (fd numbers are reused lowest first). The
// guess can miss a change (a process that closed one file and opened one
// socket keeps its count): a socket no holder is known for in two calls
// in a row (one call's grace, since under churn many sockets are closed
// between the listing and the reading of the fd tables) then makes the
// Tracker read every process's new fds, and if that finds none, walk
// everything again, at most every MinFullInterval; a periodic full walk
// (FullInterval) also refreshes what the processes' details say. Where
// the guess is kept, a socket whose holders changed without any of the
// signs above (an fd passed to a process that already had as many) shows
// its former holders until the next full walk.
//
// Elsewhere each call is a full Attribute.
//
// A Tracker is not safe for concurrent use. The ProcessInfo values it
// hands out are never changed afterwards, but it does not record a
// process's other fds (ProcessInfo.MoreFDs) between full walks.
type Tracker struct {
	opts Options
	//lint:ignore U1000 empty and unused where each call is a full Attribute
	state trackerState
}

// NewTracker returns a Tracker that attributes as opts say.
func NewTracker(opts Options) *Tracker {
	return &Tracker{opts: opts.withDefaults()}
}

// Attribute sets the Processes of every socket in socks, as the Attribute
// function does. The sockets the previous call was given and this one is
// not have gone away: the fds that held them are read again. It returns
// the same errors as Attribute.
func (t *Tracker) Attribute(ctx context.Context, socks []sockets.Socket) (Result, error) {
	return t.attribute(ctx, socks)
}

// Close releases what the Tracker holds open.
func (t *Tracker) Close() error { return t.close() }
