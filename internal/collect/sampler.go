package collect

import (
	"context"
	"errors"
	"time"

	"github.com/sockscope/sockscope/internal/sockets"
)

// A Sampler takes snapshots under one query again and again, as a Poller
// does, but keeps no previous snapshot and says nothing of what changed:
// it is for a consumer that only counts what each snapshot holds (the
// exporter's scrapes). It reuses one socket buffer, and attributes with the
// collector's Tracker, so that a snapshot after the first reads again only
// the processes whose files changed.
//
// A Sampler is not safe for concurrent use: its caller takes one
// snapshot at a time.
type Sampler struct {
	t   tracked
	buf []sockets.Socket
}

// NewSampler returns a Sampler that collects with c under q. As with a
// Poller, c must not pause garbage collection.
func NewSampler(c *Collector, q Query) *Sampler {
	return &Sampler{t: tracked{c: c, q: q}}
}

// Sample takes a snapshot. Its sockets are valid until the next call,
// which reuses their memory.
func (s *Sampler) Sample(ctx context.Context) (Snapshot, error) {
	snap, err := s.t.collect(ctx, s.buf)
	if cap(snap.Sockets) > cap(s.buf) {
		s.buf = snap.Sockets[:0]
	}
	return snap, err
}

// Close releases what the sampler holds open (the tracker's files).
func (s *Sampler) Close() error { return s.t.close() }

// tracked collects under a query, attributing with a Tracker it keeps
// from one snapshot to the next when the collector has one.
type tracked struct {
	c       *Collector
	q       Query
	tracker Tracker
}

// setQuery makes the next snapshots collect under q; a tracker that
// loaded details the query no longer wants (or not those it now wants)
// is dropped.
func (t *tracked) setQuery(q Query) {
	if t.tracker != nil && q.Details != t.q.Details {
		t.tracker.Close()
		t.tracker = nil
	}
	t.q = q
}

func (t *tracked) close() error {
	if t.tracker == nil {
		return nil
	}
	err := t.tracker.Close()
	t.tracker = nil
	return err
}

// collect takes one snapshot into dst's memory. With a Tracker, the
// sockets are listed without owners (the dump is not overlapped with a
// walk, as a single snapshot's is) and then attributed by the Tracker,
// which reads again only what changed since the previous snapshot.
func (t *tracked) collect(ctx context.Context, dst []sockets.Socket) (Snapshot, error) {
	if !t.q.Owners || t.c.Track == nil {
		return t.c.Collect(ctx, &t.q, dst)
	}
	if t.tracker == nil {
		t.tracker = t.c.Track(t.q.Details)
	}
	q := t.q
	q.Owners, q.AfterOwners = false, nil
	snap, err := t.c.Collect(ctx, &q, dst)
	if err != nil {
		return snap, err
	}
	socks := snap.Sockets
	a, aerr := t.tracker.Attribute(ctx, socks)
	if aerr != nil && !errors.Is(aerr, sockets.ErrUnsupported) {
		snap.Warnings.Attribution = aerr
	}
	snap.Warnings.Unattributed, snap.Warnings.Unreadable = a.Unattributed, a.Unreadable
	if t.q.AfterOwners != nil {
		socks = keep(socks, t.q.AfterOwners)
	}
	snap.Sockets = socks
	snap.Duration = time.Since(snap.Time)
	return snap, nil
}
