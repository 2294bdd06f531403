package cli

import (
	"context"
	"os"
	"testing"

	"github.com/sockscope/sockscope/internal/netns"
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
		got, _, _ = liveCounts(context.Background(), f, 0, false, nsChoice{})
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

	// From outside, --netns NAME counts the same.
	f.Namespaces = func(value string, all bool) ([]netns.NetNS, []error, error) {
		n, err := netns.Resolve(value, nil)
		return []netns.NetNS{n}, nil, err
	}
	outside, _, err := liveCounts(context.Background(), f, 0, false, nsChoice{netns: ns.Name})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range sockets.StateNames {
		if outside[name] != got[name] {
			t.Errorf("%s: --netns %s counts %d, inside %d", name, ns.Name, outside[name], got[name])
		}
	}
	if _, _, err := liveCounts(context.Background(), f, 0, false, nsChoice{netns: "no-such-namespace"}); !IsUsageError(err) {
		t.Errorf("--netns no-such-namespace: %v, want a usage error", err)
	}
}
