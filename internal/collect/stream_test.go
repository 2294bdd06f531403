package collect

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// streamer is a source that streams: each socket its own part, added in
// reverse order, and a last part dropped after it was given.
type streamer struct{ source }

func (s *streamer) Stream(_ context.Context, f sockets.Filter, sink sockets.Sink) error {
	for i := len(s.socks) - 1; i >= 0; i-- {
		if f.Match(&s.socks[i]) {
			sink.Add(i, s.socks[i:i+1])
		}
	}
	sink.Add(len(s.socks), []sockets.Socket{tcp(99, sockets.Established, 99)})
	sink.Drop(len(s.socks))
	return s.err
}

func ports(socks []sockets.Socket) []uint16 {
	var ps []uint16
	for i := range socks {
		ps = append(ps, socks[i].Local.Port())
	}
	return ps
}

func TestStream(t *testing.T) {
	socks := []sockets.Socket{tcp(1, sockets.Established, 1), tcp(2, sockets.Listen, 2), tcp(3, sockets.TimeWait, 3), tcp(4, sockets.Established, 4)}
	partial := &sockets.PartialError{Errs: []error{errors.New("udp6 failed")}}
	q := &Query{
		Kernel:    sockets.Filter{Protos: sockets.AllProtos, States: sockets.StateSet(0).With(sockets.Established).With(sockets.TimeWait)},
		AfterDump: func(s *sockets.Socket) bool { return s.Local.Port() != 4 },
	}
	for _, src := range []sockets.Source{&source{socks: socks, err: partial}, &streamer{source{socks: socks, err: partial}}} {
		var sink sockets.SliceSink
		c := &Collector{Source: src, Attribute: owners(nil)}
		snap, err := c.Stream(context.Background(), q, &sink)
		if err != nil || snap.Sockets != nil || snap.Time.IsZero() || len(snap.Warnings.Partial) != 1 {
			t.Errorf("%T: snapshot %+v, %v", src, snap, err)
		}
		if got := ports(sink.Sockets()); !slices.Equal(got, []uint16{1, 3}) {
			t.Errorf("%T: streamed ports %v, want [1 3] in order", src, got)
		}
	}

	// A query for owners cannot be streamed: the whole snapshot comes as
	// one batch, attributed and filtered by owner.
	var sink sockets.SliceSink
	oq := *q
	oq.Owners = true
	oq.AfterOwners = func(s *sockets.Socket) bool { return len(s.Processes) > 0 }
	c := &Collector{Source: &streamer{source{socks: socks}}, Attribute: owners(nil)}
	snap, err := c.Stream(context.Background(), &oq, &sink)
	got := sink.Sockets()
	if err != nil || !slices.Equal(ports(got), []uint16{1, 3}) || got[0].Processes == nil || snap.Warnings.Unattributed != 2 {
		t.Errorf("with owners: %v, %+v, %v", ports(got), snap.Warnings, err)
	}

	// A listing that fails is an error, and nothing is kept.
	fail := errors.New("netlink broke")
	if _, err := (&Collector{Source: &source{socks: socks, err: fail}}).Stream(context.Background(), q, &sockets.SliceSink{}); !errors.Is(err, fail) {
		t.Errorf("failing source: %v", err)
	}
}
