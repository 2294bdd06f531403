package testutil

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// testPopulation is a small population built by hand: a listener shared by
// two processes, a TIME_WAIT socket and a unix socket.
func testPopulation() *Population {
	holder := sockets.Process{Info: &sockets.ProcessInfo{PID: 10, PPID: 1, Name: "holder", Exe: "/bin/holder", Cmdline: []string{"holder"}}, FD: 3}
	child := sockets.Process{Info: &sockets.ProcessInfo{PID: 11, PPID: 10, Name: "holder", Exe: "/bin/holder", Cmdline: []string{"holder"}}, FD: 3}
	return &Population{NetNS: 99, Holder: 10, Expected: []ExpectedSocket{
		{
			Name: "listener", Proto: sockets.TCP, Family: sockets.Inet, State: sockets.Listen,
			Local: netip.MustParseAddrPort("127.0.0.1:80"), Remote: netip.MustParseAddrPort("0.0.0.0:0"),
			Inode: 1000, Owners: []sockets.Process{holder, child},
		},
		{
			Name: "time-wait", Proto: sockets.TCP, Family: sockets.Inet6, State: sockets.TimeWait,
			Local: netip.MustParseAddrPort("[::ffff:127.0.0.1]:5000"), Remote: netip.MustParseAddrPort("[::ffff:127.0.0.1]:80"),
		},
		{
			Name: "unix", Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Dgram, State: sockets.Close,
			Path: "/tmp/x.sock", Inode: 1001, Peer: 0, Owners: []sockets.Process{holder},
		},
	}}
}

// listing returns what a correct source and attribution report for
// testPopulation. Every process of it has its own copy of the
// ProcessInfo, so that a test mutating one changes neither the population
// nor the other sockets.
func listing(p *Population) []sockets.Socket {
	var got []sockets.Socket
	for _, e := range p.Expected {
		procs := slices.Clone(e.Owners)
		for i := range procs {
			info := *procs[i].Info
			procs[i].Info = &info
		}
		got = append(got, sockets.Socket{
			Proto: e.Proto, Family: e.Family, Type: e.Type, State: e.State,
			Local: e.Local, Remote: e.Remote, Path: e.Path, Peer: e.Peer,
			Inode: e.Inode, UID: e.UID, NetNS: p.NetNS,
			Processes: procs,
		})
	}
	return got
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name   string
		mutate func([]sockets.Socket) []sockets.Socket
		want   []string // substrings of the problems, in order
	}{
		{"exact", func(s []sockets.Socket) []sockets.Socket { return s }, nil},
		{"reordered owners and unmapped addresses", func(s []sockets.Socket) []sockets.Socket {
			s[0].Processes[0], s[0].Processes[1] = s[0].Processes[1], s[0].Processes[0]
			s[1].Local = netip.MustParseAddrPort("127.0.0.1:5000")
			s[1].Remote = netip.MustParseAddrPort("127.0.0.1:80")
			return s
		}, nil},
		{"missing", func(s []sockets.Socket) []sockets.Socket { return s[1:] }, []string{"listener: missing"}},
		{"twice", func(s []sockets.Socket) []sockets.Socket { return append(s, s[2]) }, []string{"unix: reported 2 times"}},
		{"state", func(s []sockets.Socket) []sockets.Socket {
			s[0].State = sockets.Established
			return s
		}, []string{"listener: state = ESTABLISHED, want LISTEN"}},
		{"owner missing", func(s []sockets.Socket) []sockets.Socket {
			s[0].Processes = s[0].Processes[:1]
			return s
		}, []string{"listener: owner pids = [10], want [10 11]"}},
		{"owner of time-wait", func(s []sockets.Socket) []sockets.Socket {
			s[1].Processes = []sockets.Process{{Info: &sockets.ProcessInfo{PID: 10}}}
			return s
		}, []string{"time-wait: owner pids = [10], want []"}},
		{"owner details", func(s []sockets.Socket) []sockets.Socket {
			s[2].Processes[0].Info.ExeDeleted = true
			s[2].Processes[0].FD = 4
			return s
		}, []string{"unix: owner pid 10: exe_deleted = true, want false", "unix: owner pid 10: fd = 4, want 3"}},
		{"family", func(s []sockets.Socket) []sockets.Socket {
			s[1].Family = sockets.Inet
			return s
		}, []string{"time-wait: missing", "unexpected socket: tcp inet"}},
		{"netns and inode", func(s []sockets.Socket) []sockets.Socket {
			s[0].NetNS = 1
			s[0].Inode = 7
			return s
		}, []string{"listener: inode = 7, want 1000", "listener: netns = 1, want 99"}},
		{"unexpected", func(s []sockets.Socket) []sockets.Socket {
			return append(s, sockets.Socket{Proto: sockets.Unix, Family: sockets.Local, Inode: 5})
		}, []string{"unexpected socket: unix unix"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPopulation()
			problems := p.Diff(tt.mutate(listing(p)))
			if len(problems) != len(tt.want) {
				t.Fatalf("Diff = %q, want %d problems like %q", problems, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(problems[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, problems[i], w)
				}
			}
		})
	}
}

func TestOnly(t *testing.T) {
	p := testPopulation()
	listen := sockets.Filter{Protos: sockets.AllProtos, States: sockets.StateSet(0).With(sockets.Listen)}
	if got := p.Only(listen); len(got.Expected) != 1 || got.Expected[0].Name != "listener" {
		t.Errorf("Only(listen) = %+v, want the listener", got.Expected)
	}
	inet6 := sockets.Filter{Protos: sockets.AllProtos, Families: sockets.FamilySet(0).With(sockets.Inet6)}
	var names []string
	for _, e := range p.Only(inet6).Expected {
		names = append(names, e.Name)
	}
	if want := []string{"time-wait", "unix"}; !slices.Equal(names, want) {
		t.Errorf("Only(inet6) = %q, want %q (unix sockets pass a family filter)", names, want)
	}
	if len(p.Expected) != 3 {
		t.Errorf("Only changed the population: %d sockets left", len(p.Expected))
	}
}

func TestWithoutBoundInactive(t *testing.T) {
	p := testPopulation()
	p.Expected[2].BoundInactive = true
	var names []string
	for _, e := range p.WithoutBoundInactive().Expected {
		names = append(names, e.Name)
	}
	if want := []string{"listener", "time-wait"}; !slices.Equal(names, want) {
		t.Errorf("WithoutBoundInactive = %q, want %q", names, want)
	}
	if len(p.Expected) != 3 {
		t.Errorf("WithoutBoundInactive changed the population: %d sockets left", len(p.Expected))
	}
}

func TestAttributableBy(t *testing.T) {
	p := testPopulation()
	nobody := [4]uint32{65534, 65534, 65534, 65534}
	p.Access = map[int32]ProcessAccess{
		10: {Dumpable: true, UIDs: nobody, GIDs: nobody},
		11: {Dumpable: true, UIDs: nobody, GIDs: nobody},
	}
	tests := []struct {
		name   string
		access ProcessAccess // of pid 11
		want   []int32
	}{
		{"both", ProcessAccess{Dumpable: true, UIDs: nobody, GIDs: nobody}, []int32{10, 11}},
		{"not dumpable", ProcessAccess{UIDs: nobody, GIDs: nobody}, []int32{10}},
		{"setuid: real uid 0", ProcessAccess{Dumpable: true, UIDs: [4]uint32{0, 65534, 65534, 65534}, GIDs: nobody}, []int32{10}},
		{"saved uid differs", ProcessAccess{Dumpable: true, UIDs: [4]uint32{65534, 65534, 0, 65534}, GIDs: nobody}, []int32{10}},
		{"gid differs", ProcessAccess{Dumpable: true, UIDs: nobody, GIDs: [4]uint32{65534, 0, 65534, 65534}}, []int32{10}},
		{"fs ids are not checked", ProcessAccess{Dumpable: true, UIDs: [4]uint32{65534, 65534, 65534, 0}, GIDs: nobody}, []int32{10, 11}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.Access[11] = tt.access
			if got := PIDs(p.AttributableBy(&p.Expected[0], 65534, 65534)); !slices.Equal(got, tt.want) {
				t.Errorf("AttributableBy = %v, want %v", got, tt.want)
			}
		})
	}
	delete(p.Access, 11)
	if got := PIDs(p.AttributableBy(&p.Expected[0], 65534, 65534)); !slices.Equal(got, []int32{10}) {
		t.Errorf("AttributableBy without access facts for pid 11 = %v, want [10]", got)
	}
	if got := p.AttributableBy(&p.Expected[1], 65534, 65534); len(got) != 0 {
		t.Errorf("AttributableBy(no owners) = %v, want none", got)
	}
}
