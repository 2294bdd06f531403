package cli

import (
	"strings"

	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/sockscope/sockscope/internal/iostreams"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/sockets"
)

// parse runs the command tree on args and returns the request the listing
// would have run with.
func parse(t testing.TB, netstat bool, args ...string) (*listRequest, error) {
	ios, _, _, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	var got *listRequest
	root := NewRootCmd(&Factory{IO: ios, Netstat: netstat}, func(r *listRequest) error {
		got = r
		return nil
	})
	root.SetArgs(args)
	err := root.Execute()
	return got, err
}

func mustParse(t *testing.T, args ...string) *listRequest {
	t.Helper()
	r, err := parse(t, false, args...)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	if r == nil {
		t.Fatalf("%q: listing did not run", args)
	}
	return r
}

var (
	listening  = sockets.StateSet(0).With(sockets.Listen).With(sockets.Close)
	connected  = sockets.AllStates &^ listening
	allSet     = sockets.AllProtos &^ sockets.ProtoSet(0).With(sockets.MPTCP)
	defaultSet = allSet &^ sockets.ProtoSet(0).With(sockets.Unix) // modern tables
	tcpUDP     = sockets.ProtoSet(0).With(sockets.TCP).With(sockets.UDP).With(sockets.UDPLite)
)

func TestNetstatFlags(t *testing.T) {
	tests := []struct {
		args             []string
		protos           sockets.ProtoSet
		states           sockets.StateSet
		pid, prog, exe   bool
		numeric, details bool
		interval         time.Duration
		combos           map[sockets.Proto]sockets.FamilySet
	}{
		{args: []string{"-ano"}, protos: defaultSet, pid: true, numeric: true},
		{args: []string{"-a", "-n", "-o"}, protos: defaultSet, pid: true, numeric: true},
		{args: []string{"-tulpn"}, protos: tcpUDP, states: listening, prog: true, numeric: true},
		{args: []string{"-anop", "tcp"}, protos: sockets.ProtoSet(0).With(sockets.TCP), pid: true, numeric: true,
			combos: map[sockets.Proto]sockets.FamilySet{sockets.TCP: sockets.FamilySet(0).With(sockets.Inet)}},
		{args: []string{"-an", "-p", "tcpv6"}, protos: sockets.ProtoSet(0).With(sockets.TCP), numeric: true,
			combos: map[sockets.Proto]sockets.FamilySet{sockets.TCP: sockets.FamilySet(0).With(sockets.Inet6)}},
		{args: []string{"-p=udp", "-a"}, protos: sockets.ProtoSet(0).With(sockets.UDP),
			combos: map[sockets.Proto]sockets.FamilySet{sockets.UDP: sockets.FamilySet(0).With(sockets.Inet)}},
		{args: []string{"-b"}, protos: defaultSet, states: connected, exe: true, details: true},
		{args: []string{"-tan", "5"}, protos: sockets.ProtoSet(0).With(sockets.TCP), numeric: true, interval: 5 * time.Second},
		{args: []string{"-tanc"}, protos: sockets.ProtoSet(0).With(sockets.TCP), numeric: true, interval: time.Second},
		{args: []string{"-xa"}, protos: sockets.ProtoSet(0).With(sockets.Unix)},
		{args: []string{"-w"}, protos: sockets.ProtoSet(0).With(sockets.Raw), states: connected},
		{args: []string{"list", "--tcp", "--listening", "--numeric"}, protos: sockets.ProtoSet(0).With(sockets.TCP), states: listening, numeric: true},
		{args: []string{"list", "--state", "time-wait,SYNC_RECEIVED"}, protos: defaultSet,
			states: sockets.StateSet(0).With(sockets.TimeWait).With(sockets.SynRecv)},
		{args: []string{"--all", "--format", "json"}, protos: allSet, numeric: true, details: true},
		{args: []string{"-a", "--style", "linux"}, protos: allSet},
		{args: []string{"-tulpan"}, protos: tcpUDP, prog: true, numeric: true},
		{args: []string{"-la"}, protos: defaultSet},
		{args: []string{"list", "--port", "8080"}, protos: defaultSet},
		{args: []string{"list", "--pid", "1"}, protos: defaultSet, prog: true},
		{args: []string{"list", "--program", "sshd", "-o"}, protos: defaultSet, pid: true, details: true},
		{args: []string{"list", "--port", "8080", "-l"}, protos: defaultSet, states: listening},
		{args: []string{"-an", "-p", "tcp", "-p", "udpv6"}, protos: sockets.ProtoSet(0).With(sockets.TCP).With(sockets.UDP), numeric: true,
			combos: map[sockets.Proto]sockets.FamilySet{sockets.TCP: sockets.FamilySet(0).With(sockets.Inet), sockets.UDP: sockets.FamilySet(0).With(sockets.Inet6)}},
		{args: []string{"list", "--mptcp", "-a"}, protos: sockets.ProtoSet(0).With(sockets.MPTCP)},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := mustParse(t, tt.args...)
			if r.Filter.Protos != tt.protos {
				t.Errorf("protos = %b, want %b", r.Filter.Protos, tt.protos)
			}
			if r.Filter.States != tt.states {
				t.Errorf("states = %b, want %b", r.Filter.States, tt.states)
			}
			if r.Render.ShowPID != tt.pid || r.Render.ShowProgram != tt.prog || r.Render.ShowExe != tt.exe {
				t.Errorf("pid/program/exe = %v/%v/%v, want %v/%v/%v", r.Render.ShowPID, r.Render.ShowProgram, r.Render.ShowExe, tt.pid, tt.prog, tt.exe)
			}
			if r.Numeric != tt.numeric {
				t.Errorf("numeric = %v, want %v", r.Numeric, tt.numeric)
			}
			if r.Details != tt.details {
				t.Errorf("details = %v, want %v", r.Details, tt.details)
			}
			if r.Interval != tt.interval {
				t.Errorf("interval = %v, want %v", r.Interval, tt.interval)
			}
			if len(r.combos) != len(tt.combos) {
				t.Errorf("combos = %v, want %v", r.combos, tt.combos)
			}
			for p, f := range tt.combos {
				if r.combos[p] != f {
					t.Errorf("combos[%v] = %b, want %b", p, r.combos[p], f)
				}
			}
		})
	}
}

func TestNetstatNameUsesNativeStyle(t *testing.T) {
	r, err := parse(t, true, "-tan")
	if err != nil {
		t.Fatal(err)
	}
	if r.Render.Style != nativeStyle() {
		t.Errorf("style = %v, want native %v", r.Render.Style, nativeStyle())
	}
	r = mustParse(t, "-tan")
	if r.Render.Style != render.Modern {
		t.Errorf("style = %v, want modern", r.Render.Style)
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string // in the message
	}{
		{[]string{"-z"}, "unknown shorthand flag: 'z'"},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"-p", "foo"}, `unknown protocol "foo"`},
		{[]string{"-p", "icmp"}, "only valid with -s"},
		{[]string{"list", "--state", "bogus"}, `unknown state "bogus"`},
		{[]string{"list", "--state", "establised"}, "ESTABLISHED"},
		{[]string{"list", "--port", "0"}, `bad port "0"`},
		{[]string{"list", "--port", "http"}, `bad port "http"`},
		{[]string{"list", "--port", "70000"}, `bad port "70000"`},
		{[]string{"list", "--pid", "-3"}, `bad PID "-3"`},
		{[]string{"-tan", "0"}, `bad interval "0"`},
		{[]string{"-tan", "--", "-1"}, `bad interval "-1"`},
		{[]string{"-tan", "1e9"}, `bad interval "1e9"`},
		{[]string{"-tan", "abc"}, `filter: unknown condition at "abc" (position 0)`},
		{[]string{"-rn", "abc"}, `unexpected argument "abc"`},
		{[]string{"-tan", "1", "2"}, "more than one interval"},
		{[]string{"--format", "xml"}, "xml"},
		{[]string{"--style", "fancy"}, "fancy"},
		{[]string{"--json", "--format", "csv"}, "--json conflicts with --format csv"},
		{[]string{"--lang", "fr"}, `unknown language "fr"`},
		{[]string{"-tan", "1e-12"}, `bad interval "1e-12"`},
		{[]string{"-tan", "--info", "--style", "linux"}, "--info does not apply to the linux layout"},
		{[]string{"list", "--memory", "--style", "windows"}, "--memory does not apply to the windows layout"},
		{[]string{"-s", "--info"}, "--info does not apply to -s"},
		{[]string{"-tan", "--all-netns", "--style", "linux"}, "--all-netns does not apply to the linux layout"},
		{[]string{"-tan", "--netns", "a", "--all-netns"}, "--netns and --all-netns cannot be given together"},
		{[]string{"-tan", "--netns", ""}, "--netns needs"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := parse(t, false, tt.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if !IsUsageError(err) {
				t.Errorf("%v is not a usage error", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is more than one line", err)
			}
		})
	}
}

func TestViews(t *testing.T) {
	tests := []struct {
		args     []string
		view     view
		protos   string
		interval time.Duration
		ethernet bool
	}{
		{args: []string{"-s"}, view: viewStats},
		{args: []string{"-s", "-p", "tcp"}, view: viewStats, protos: "tcp"},
		{args: []string{"-sp", "icmp"}, view: viewStats, protos: "icmp"},
		{args: []string{"-s", "5"}, view: viewStats, interval: 5 * time.Second},
		{args: []string{"stats", "--rate"}, view: viewStats, interval: time.Second},
		{args: []string{"stats", "-p", "udpv6"}, view: viewStats, protos: "udpv6"},
		{args: []string{"-rn"}, view: viewRoutes},
		{args: []string{"routes"}, view: viewRoutes},
		{args: []string{"-i"}, view: viewIfaces},
		{args: []string{"interfaces"}, view: viewIfaces},
		{args: []string{"-g"}, view: viewGroups},
		{args: []string{"groups"}, view: viewGroups},
		{args: []string{"-e", "--style", "windows"}, view: viewEthernet, ethernet: true},
		{args: []string{"-es", "--style", "windows"}, view: viewStats, ethernet: true},
		{args: []string{"-e"}, view: viewList},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := mustParse(t, tt.args...)
			if r.View != tt.view || r.ViewProtos != tt.protos || r.Interval != tt.interval || r.Ethernet != tt.ethernet {
				t.Errorf("view %v protos %q interval %v ethernet %v; want %v %q %v %v",
					r.View, r.ViewProtos, r.Interval, r.Ethernet, tt.view, tt.protos, tt.interval, tt.ethernet)
			}
		})
	}
}

// FuzzListFlags: no argument list makes the parser panic, and every error
// is a single line.
func FuzzListFlags(f *testing.F) {
	for _, seed := range []string{
		"-ano", "-tulpn", "-anop tcp", "-b", "list --state time-wait --port 80",
		"-tan 5", "-p", "-p tcp,udpv6 -4", "--format=json --all", "-c 0.5",
		"list --pid 1,2 --program nginx", "-p= ", "-- -x", "--state=",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Fields(s)
		if len(args) > 0 && (args[0] == "help" || args[0] == "completion" || args[0] == "__complete") {
			return // cobra's own commands print to the streams; nothing to check
		}
		_, err := parse(t, false, args...)
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("multi-line error for %q: %q", args, err)
		}
	})
}

// On Windows (native layout Windows) the default table is Windows netstat's
// even without the netstat name; elsewhere it is the modern one.
func TestWindowsDefaultsToItsLayout(t *testing.T) {
	in := func(native render.Style) requestInput {
		lf := &listFlags{}
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		addFlags(fs, lf, "", inRoot, protoNetstat)
		return requestInput{flags: lf, set: fs, scope: inRoot, stdoutTTY: true, native: native}
	}
	r, err := buildRequest(in(render.Windows))
	if err != nil || r.Render.Style != render.Windows {
		t.Errorf("style %v, %v; want windows", r.Render.Style, err)
	}
	r, err = buildRequest(in(render.Linux))
	if err != nil || r.Render.Style != render.Modern {
		t.Errorf("style %v, %v; want modern", r.Render.Style, err)
	}
}
