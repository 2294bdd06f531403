package collect

import (
	"context"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// countingTracker attributes every socket to one process and counts its
// calls and closes.
type countingTracker struct{ calls, closes int }

func (c *countingTracker) Attribute(_ context.Context, socks []sockets.Socket) (Attribution, error) {
	c.calls++
	info := &sockets.ProcessInfo{PID: 1, Name: "one"}
	for i := range socks {
		socks[i].Processes = []sockets.Process{{Info: info}}
	}
	return Attribution{Unattributed: 1}, nil
}

func (c *countingTracker) Close() error { c.closes++; return nil }

// TestSampler: a Sampler keeps one tracker from snapshot to snapshot,
// keeps after attribution only what AfterOwners passes, reuses its
// buffer, and closes the tracker once.
func TestSampler(t *testing.T) {
	src := &source{socks: []sockets.Socket{tcp(80, sockets.Listen, 1), tcp(81, sockets.Established, 2)}}
	var tr *countingTracker
	c := &Collector{Source: src, Track: func(bool) Tracker {
		tr = &countingTracker{}
		return tr
	}}
	s := NewSampler(c, Query{Kernel: sockets.Filter{Protos: sockets.AllProtos}, Owners: true, AfterOwners: func(s *sockets.Socket) bool { return s.State == sockets.Listen }})
	var first *sockets.Socket
	for i := range 3 {
		snap, err := s.Sample(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.Sockets) != 1 || snap.Sockets[0].Inode != 1 || len(snap.Sockets[0].Processes) != 1 || snap.Warnings.Unattributed != 1 {
			t.Fatalf("sample %d: %+v", i, snap)
		}
		if i == 0 {
			first = &snap.Sockets[0]
		} else if &snap.Sockets[0] != first {
			t.Errorf("sample %d did not reuse the buffer", i)
		}
	}
	if tr.calls != 3 {
		t.Errorf("tracker called %d times, want 3", tr.calls)
	}
	s.Close()
	s.Close()
	if tr.closes != 1 {
		t.Errorf("tracker closed %d times, want 1", tr.closes)
	}
}
