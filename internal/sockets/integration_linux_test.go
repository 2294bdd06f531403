package sockets_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/procattr"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/testutil"
)

// The integration tests of "every socket, its state and its owners": a
// known population of sockets in a namespace of the test's own, listed by
// each source and attributed, must come out exactly as the holder made it.
// They need root; see internal/testutil.

func TestMain(m *testing.M) {
	testutil.MaybeRunHolder()
	os.Exit(m.Run())
}

// sourceKinds are the SourceOptions.Kind values every test runs with.
var sourceKinds = []string{"netlink", "proc"}

// attribute fills the processes of socks, with details, as the CLI does.
func attribute(t *testing.T, socks []sockets.Socket) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := procattr.Attribute(ctx, socks, procattr.Options{Details: true})
	if err != nil {
		t.Fatalf("procattr.Attribute: %v (%+v)", err, res)
	}
	if res.Unreadable != 0 {
		// Even root may be denied some process (a sandbox's init); Check
		// finds out if one of ours was.
		t.Logf("procattr.Attribute: %+v", res)
	}
}

// checkSource lists and attributes the population with one source kind
// and checks it, and, for sources that report unix peers, the peers.
func checkSource(t *testing.T, kind string) {
	testutil.RequireRoot(t)
	ns := testutil.NewNetNS(t)
	p := testutil.StartPopulation(t, ns)
	got := testutil.Snapshot(t, ns, kind, sockets.All)
	attribute(t, got)
	expected(p, kind).Check(t, got)
	if kind == "netlink" {
		checkPeers(t, p, got)
	}
	if t.Failed() {
		logListing(t, got)
	}
}

// expected returns what the source kind can report of the population:
// all of it through sock_diag; through /proc/net all but the bound-inactive
// TCP sockets, which are in no table /proc/net/tcp walks (only in the bind
// hash). Request sockets (SYN_RECV) are in the established hash, which
// /proc/net/tcp walks, so both sources report them.
func expected(p *testutil.Population, kind string) *testutil.Population {
	if kind == "proc" {
		return p.WithoutBoundInactive()
	}
	return p
}

// TestIntegrationNetlink checks the sock_diag source and attribution
// against the population.
func TestIntegrationNetlink(t *testing.T) { checkSource(t, "netlink") }

// TestIntegrationProc checks the /proc/net source and attribution against
// the population.
func TestIntegrationProc(t *testing.T) { checkSource(t, "proc") }

// checkPeers asserts that the unix sockets whose peer the holder knows (a
// socketpair) report that peer: unix_diag carries it, /proc/net/unix does
// not.
func checkPeers(t *testing.T, p *testutil.Population, got []sockets.Socket) {
	t.Helper()
	for _, e := range p.Expected {
		if e.Peer == 0 {
			continue
		}
		i := slices.IndexFunc(got, func(s sockets.Socket) bool { return s.Family == sockets.Local && s.Inode == e.Inode })
		if i >= 0 && got[i].Peer != e.Peer {
			t.Errorf("%s: peer inode = %d, want %d", e.Name, got[i].Peer, e.Peer)
		}
	}
}

// TestIntegrationDifferential checks that the netlink and /proc sources
// report the same inet sockets (by protocol, family, endpoints, state,
// inode and uid) and the same unix sockets (by inode: /proc/net/unix lacks
// peers and uids), except the bound-inactive TCP sockets, which only
// sock_diag can list (see expected). Request sockets (SYN_RECV) agree on
// uid only because the holder is root: sock_diag reports 0 for them,
// /proc/net/tcp the listener's uid.
func TestIntegrationDifferential(t *testing.T) {
	testutil.RequireRoot(t)
	ns := testutil.NewNetNS(t)
	p := testutil.StartPopulation(t, ns)
	netlink := identities(testutil.Snapshot(t, ns, "netlink", sockets.All))
	proc := identities(testutil.Snapshot(t, ns, "proc", sockets.All))
	netlinkOnly := map[string]bool{}
	for _, e := range p.Expected {
		if e.BoundInactive {
			s := sockets.Socket{Proto: e.Proto, Family: e.Family, State: e.State,
				Local: e.Local, Remote: e.Remote, Inode: e.Inode, UID: e.UID}
			netlinkOnly[identity(&s)] = true
		}
	}
	if len(netlinkOnly) == 0 {
		t.Error("the population has no bound-inactive socket: the exception below is untested")
	}
	for id := range netlink {
		if !proc[id] && !netlinkOnly[id] {
			t.Errorf("netlink only: %s", id)
		}
	}
	for id := range netlinkOnly {
		if !netlink[id] || proc[id] {
			t.Errorf("bound-inactive %s: in netlink %v, in proc %v; want netlink only", id, netlink[id], proc[id])
		}
	}
	for id := range proc {
		if !netlink[id] {
			t.Errorf("proc only: %s", id)
		}
	}
	if len(netlink) == 0 {
		t.Error("both sources found no socket at all")
	}
}

// identities returns the comparable identity of each socket.
func identities(socks []sockets.Socket) map[string]bool {
	ids := make(map[string]bool, len(socks))
	for i := range socks {
		ids[identity(&socks[i])] = true
	}
	return ids
}

// identity returns what the differential test compares of a socket.
func identity(s *sockets.Socket) string {
	if s.Family == sockets.Local {
		return fmt.Sprintf("unix inode %d", s.Inode)
	}
	return fmt.Sprintf("%v %v %v -> %v %s inode %d uid %d",
		s.Proto, s.Family, s.Local, s.Remote, s.StateName(), s.Inode, s.UID)
}

// TestIntegrationFilter checks that each source returns exactly the
// sockets a filter selects, for filters the kernel can apply (states) and
// ones applied after (families, protocols).
func TestIntegrationFilter(t *testing.T) {
	testutil.RequireRoot(t)
	ns := testutil.NewNetNS(t)
	p := testutil.StartPopulation(t, ns)
	filters := []struct {
		name string
		f    sockets.Filter
	}{
		{"listen", sockets.Filter{Protos: sockets.AllProtos, States: sockets.StateSet(0).With(sockets.Listen)}},
		{"inet6", sockets.Filter{Protos: sockets.AllProtos, Families: sockets.FamilySet(0).With(sockets.Inet6)}},
		{"closing", sockets.Filter{Protos: sockets.AllProtos, States: sockets.StateSet(0).
			With(sockets.TimeWait).With(sockets.CloseWait).With(sockets.FinWait2)}},
		{"handshake", sockets.Filter{Protos: sockets.AllProtos, States: sockets.StateSet(0).
			With(sockets.SynSent).With(sockets.SynRecv)}},
		{"fin-wait-1 last-ack closing", sockets.Filter{Protos: sockets.AllProtos, States: sockets.StateSet(0).
			With(sockets.FinWait1).With(sockets.LastAck).With(sockets.Closing)}},
		{"close", sockets.Filter{Protos: sockets.AllProtos, States: sockets.StateSet(0).With(sockets.Close)}},
		{"udp", sockets.Filter{Protos: sockets.ProtoSet(0).With(sockets.UDP)}},
	}
	for _, kind := range sourceKinds {
		for _, tt := range filters {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				want := expected(p.Only(tt.f), kind)
				if len(want.Expected) == 0 {
					t.Fatalf("filter %s selects nothing of the population", tt.name)
				}
				got := testutil.Snapshot(t, ns, kind, tt.f)
				attribute(t, got)
				want.Check(t, got)
				if t.Failed() {
					logListing(t, got)
				}
			})
		}
	}
}

// logListing logs what a source returned, for a failed test.
func logListing(t *testing.T, got []sockets.Socket) {
	t.Helper()
	t.Logf("the source returned %d sockets:", len(got))
	for i := range got {
		t.Log("  " + testutil.Describe(&got[i]))
	}
}
