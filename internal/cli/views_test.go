package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/ifaces"
	"github.com/sockscope/sockscope/internal/iostreams"
	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/netview"
	"github.com/sockscope/sockscope/internal/sockets"
	"github.com/sockscope/sockscope/internal/statsview"
)

// TestStatsSelection checks that -s's protocol flags reach the counters'
// options, and that a selection of nothing is refused.
func TestStatsSelection(t *testing.T) {
	r := mustParse(t, "-st", "-4")
	if r.Stats.Kinds != statsview.KindTCP || r.Stats.Families != statsview.FamilyV4 {
		t.Errorf("-st -4: kinds %v families %v", r.Stats.Kinds, r.Stats.Families)
	}
	if r = mustParse(t, "stats", "--nonzero", "-u"); !r.Stats.NonZero || r.Stats.Kinds != statsview.KindUDP {
		t.Errorf("stats --nonzero -u: %+v", r.Stats)
	}
	_, _, err := execRoot(t, false, "-s", "-6", "-p", "tcp")
	if !IsUsageError(err) || !strings.Contains(fmt.Sprint(err), "select no counter") {
		t.Errorf("-s -6 -p tcp: %v", err)
	}
}

// TestRepeatedListingRounds checks that each round of a repeated listing
// is numbered for the data formats.
func TestRepeatedListingRounds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &Factory{Source: func(sockets.SourceOptions) (sockets.Source, error) {
		return &roundSource{rounds: 3, done: cancel}, nil
	}}
	ios, _, out, _ := iostreams.Test()
	f.IO = ios
	root := NewRootCmd(f, nil)
	root.SetArgs([]string{"-tan", "--format", "ndjson", "0.01"})
	if err := root.ExecuteContext(ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	for _, want := range []string{`"seq":1`, `"seq":2`, `"time":`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("ndjson rounds lack %s:\n%s", want, out.String())
		}
	}
}

// roundSource lists one TCP socket each time it is asked, and calls done
// once asked rounds times.
type roundSource struct {
	rounds int
	done   func()
}

func (s *roundSource) Snapshot(_ context.Context, _ sockets.Filter, dst []sockets.Socket) ([]sockets.Socket, error) {
	if s.rounds--; s.rounds == 0 {
		s.done()
	}
	return append(dst, tcpSocks()[0]), nil
}

// TestWindowsStatsConnections checks that -s -p tcp in the Windows layout
// is followed by the TCP connections, as Windows netstat prints them (the
// reference document's capture), and that other layouts are not.
func TestWindowsStatsConnections(t *testing.T) {
	f := &Factory{
		Source: func(sockets.SourceOptions) (sockets.Source, error) {
			return &fakeSource{socks: tcpSocks(), started: make(chan struct{})}, nil
		},
		Views: ViewSources{Stats: func() (*netstats.Snapshot, error) {
			return &netstats.Snapshot{Groups: []netstats.Group{{Name: "Tcp", Counters: []netstats.Counter{{Name: "ActiveOpens", Value: 1732}}}}}, nil
		}},
	}
	out, _, err := execList(t, f, "-s", "-p", "tcp", "--style", "windows", "-n")
	if err != nil {
		t.Fatal(err)
	}
	stats, conns := strings.Index(out, "Active Opens"), strings.Index(out, "Active Connections")
	if stats < 0 || conns < stats || !strings.Contains(out[conns:], "ESTABLISHED") {
		t.Errorf("-s -p tcp --style windows: want the statistics, then the connections:\n%s", out)
	}
	out, _, err = execList(t, f, "-s", "-p", "tcp", "--style", "modern")
	if err != nil || strings.Contains(out, "ESTABLISHED") {
		t.Errorf("-s -p tcp --style modern lists connections (%v):\n%s", err, out)
	}
}

// TestSummary checks that summary counts every state of the listing's
// sockets, with owners, and refuses CSV.
func TestSummary(t *testing.T) {
	f := &Factory{Source: func(sockets.SourceOptions) (sockets.Source, error) {
		return &fakeSource{socks: tcpSocks(), started: make(chan struct{})}, nil
	}}
	if a, b := mustParse(t, "summary"), mustParse(t, "summary", "--format", "json"); a.Filter.Protos != b.Filter.Protos || !a.Filter.Protos.Has(sockets.Unix) {
		t.Errorf("summary counts %v as a table, %v as JSON; want the same, unix included", a.Filter.Protos, b.Filter.Protos)
	}
	r := mustParse(t, "summary", "-t")
	if r.View != viewSummary || !r.Owners || r.Filter.States != 0 {
		t.Errorf("summary -t: view %v owners %v states %v; want every state, with owners", r.View, r.Owners, r.Filter.States)
	}
	out, _, err := execList(t, f, "summary", "--format", "json")
	if err != nil || !strings.Contains(out, `"kind":"summary"`) {
		t.Errorf("summary --format json: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"summary", "--format", "csv"}, {"summary", "--top", "-1"}, {"summary", "extra"}, {"summary", "-l"}} {
		if _, _, err := execRoot(t, false, args...); !IsUsageError(err) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}

// TestIfaceFilter checks that --iface keeps the interfaces and groups it
// names, and that a name matching nothing is bad input.
func TestIfaceFilter(t *testing.T) {
	f := &Factory{Views: ViewSources{
		Interfaces: func() ([]ifaces.Interface, map[string]netview.IfaceInfo, error) {
			return []ifaces.Interface{{Name: "lo"}, {Name: "eth0"}}, nil, nil
		},
		Groups: func() ([]ifaces.Membership, error) {
			return []ifaces.Membership{{Ifindex: 1, Device: "lo", Group: netip.MustParseAddr("224.0.0.1"), Users: 1},
				{Ifindex: 2, Device: "eth0", Group: netip.MustParseAddr("224.0.0.251"), Users: 1}}, nil
		},
	}}
	out, _, err := execList(t, f, "interfaces", "--iface", "eth0", "--format", "csv")
	if err != nil || strings.Contains(out, "lo,") || !strings.Contains(out, "eth0") {
		t.Errorf("interfaces --iface eth0 (%v):\n%s", err, out)
	}
	out, _, err = execList(t, f, "groups", "--iface", "lo", "--format", "csv")
	if err != nil || strings.Contains(out, "224.0.0.251") || !strings.Contains(out, "224.0.0.1") {
		t.Errorf("groups --iface lo (%v):\n%s", err, out)
	}
	if _, _, err := execList(t, f, "interfaces", "--iface", "nosuch"); !IsUsageError(err) {
		t.Errorf("--iface nosuch: %v, want a usage error", err)
	}
}

// TestViewRounds checks that a repeated view marks its rounds in the data
// formats (seq and time, one line per object, one CSV header) and follows
// net-tools between rounds in its layout (the interface title once, no
// blank line).
func TestViewRounds(t *testing.T) {
	newF := func(rounds int, done func()) *Factory {
		n := 0
		return &Factory{Views: ViewSources{
			Interfaces: func() ([]ifaces.Interface, map[string]netview.IfaceInfo, error) {
				if n++; n == rounds {
					done()
				}
				return []ifaces.Interface{{Name: "lo", RxPackets: uint64(n)}}, nil, nil
			},
		}}
	}
	run := func(args ...string) string {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f := newF(3, cancel)
		ios, _, out, _ := iostreams.Test()
		f.IO = ios
		root := NewRootCmd(f, nil)
		root.SetArgs(args)
		if err := root.ExecuteContext(ctx); err != nil && !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		return out.String()
	}
	out := run("interfaces", "--format", "json", "0.01")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], `{"seq":1,"time":"`) || !strings.HasPrefix(lines[2], `{"seq":3,`) {
		t.Errorf("JSON rounds:\n%s", out)
	}
	out = run("interfaces", "--format", "csv", "0.01")
	if strings.Count(out, "name,") != 1 || !strings.Contains(out, ",seq,time\n") || !strings.Contains(out, ",3,") {
		t.Errorf("CSV rounds:\n%s", out)
	}
	out = run("interfaces", "--format", "ndjson", "0.01")
	if strings.Contains(out, "\n\n") || strings.Count(out, `"seq":`) != 3 {
		t.Errorf("NDJSON rounds:\n%s", out)
	}
	out = run("interfaces", "--style", "linux", "0.01")
	if strings.Count(out, "Kernel Interface table") != 1 || strings.Contains(out, "\n\n") || strings.Count(out, "Iface") != 3 {
		t.Errorf("net-tools rounds:\n%s", out)
	}
	if _, _, err := execRoot(t, false, "-s", "--format", "csv", "1"); !IsUsageError(err) {
		t.Errorf("-s --format csv 1: %v, want a usage error", err)
	}
}

// TestIfacesAll checks that the interface table lists the interfaces that
// are up, and -a all of them, as netstat -i does; and that -e outside
// net-tools' layout is refused.
func TestIfacesAll(t *testing.T) {
	f := &Factory{Views: ViewSources{
		Interfaces: func() ([]ifaces.Interface, map[string]netview.IfaceInfo, error) {
			return []ifaces.Interface{{Name: "lo"}, {Name: "down0"}},
				map[string]netview.IfaceInfo{"lo": {Flags: net.FlagUp | net.FlagLoopback}, "down0": {}}, nil
		},
	}}
	out, _, err := execList(t, f, "interfaces", "--format", "csv")
	if err != nil || strings.Contains(out, "down0") {
		t.Errorf("interfaces (%v) lists a down one:\n%s", err, out)
	}
	out, _, err = execList(t, f, "interfaces", "-a", "--format", "csv")
	if err != nil || !strings.Contains(out, "down0") {
		t.Errorf("interfaces -a (%v) leaves out a down one:\n%s", err, out)
	}
	for _, args := range [][]string{{"interfaces", "-e"}, {"routes", "-e"}, {"-rn", "-e", "--format", "json"}} {
		if _, _, err := execList(t, f, args...); !IsUsageError(err) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}
