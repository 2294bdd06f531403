package cli

import (
	"context"
	"os"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/testutil"
)

func TestMain(m *testing.M) {
	testutil.MaybeRunHolder()
	os.Exit(m.Run())
}

// TestIntegrationLiveCounts checks that the counts explain and diagram
// --live show are what the listing reports for the same sockets: in a
// namespace holding a known population with a socket in every TCP state,
// the count of each state is the number of the population's TCP, UDP and
// raw sockets in it.
func TestIntegrationLiveCounts(t *testing.T) {
	testutil.RequireRoot(t)
	ns := testutil.NewNetNS(t)
	p := testutil.StartPopulation(t, ns)
	want := map[string]int{}
	for _, e := range p.Expected {
		if e.Proto == sockets.Unix || e.Proto == sockets.MPTCP {
			continue
		}
		s := sockets.Socket{Proto: e.Proto, State: e.State}
		want[s.StateName()]++
	}
	f := &Factory{Source: sockets.NewSystemSource}
	var got map[string]int
	var listed []sockets.Socket
	err := ns.Do(func() error {
		got, _ = liveCounts(context.Background(), f, 0, false)
		src, err := sockets.NewSystemSource(sockets.SourceOptions{})
		if err != nil {
			return err
		}
		listed, err = src.Snapshot(context.Background(), sockets.Filter{Protos: sockets.ProtoSet(0).With(sockets.TCP).With(sockets.UDP).With(sockets.UDPLite).With(sockets.Raw)}, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fromListing := map[string]int{}
	for i := range listed {
		fromListing[listed[i].StateName()]++
	}
	for _, name := range sockets.StateNames {
		if got[name] != want[name] {
			t.Errorf("%s: live count %d, population %d", name, got[name], want[name])
		}
		if got[name] != fromListing[name] {
			t.Errorf("%s: live count %d, listing %d", name, got[name], fromListing[name])
		}
	}
	if want["CLOSE_WAIT"] == 0 || want["TIME_WAIT"] == 0 || want["LISTEN"] == 0 {
		t.Fatalf("population lacks states: %v", want)
	}
}
