package ssmode

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/collect"
	"github.com/sockscope/sockscope/internal/sockets"
)

// fakeSource returns its sockets that match the filter, and records the
// filters it was asked for.
type fakeSource struct {
	socks   []sockets.Socket
	filters []sockets.Filter
}

func (f *fakeSource) Snapshot(_ context.Context, flt sockets.Filter, dst []sockets.Socket) ([]sockets.Socket, error) {
	f.filters = append(f.filters, flt)
	for _, s := range f.socks {
		if flt.Match(&s) {
			if flt.Internals&sockets.WantExtended != 0 && s.Family == sockets.Inet6 {
				s.Internals = &sockets.Internals{Has: sockets.HasV6Only, V6Only: s.Local.Port() == 22}
			}
			dst = append(dst, s)
		}
	}
	return dst, nil
}

func runFake(t *testing.T, src *fakeSource, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errOut, Screen: -1,
		Source: func(sockets.SourceOptions) (sockets.Source, error) { return src, nil },
		// Never the system's: -K on fake sockets must not reach the
		// kernel of the machine running the tests.
		NewDestroyer: refuseDestroyer}
	code = Run(context.Background(), env, args)
	return out.String(), errOut.String(), code
}

func population() []sockets.Socket {
	mk := func(p sockets.Proto, st sockets.State, l, r string) sockets.Socket {
		s := sockets.Socket{Proto: p, Family: sockets.Inet, State: st,
			Local: netip.MustParseAddrPort(l), Remote: netip.MustParseAddrPort(r)}
		if s.Local.Addr().Is6() {
			s.Family = sockets.Inet6
		}
		return s
	}
	socks := []sockets.Socket{
		mk(sockets.TCP, sockets.Listen, "[::]:22", "[::]:0"),
		mk(sockets.TCP, sockets.Listen, "[::]:80", "[::]:0"),
		mk(sockets.TCP, sockets.Established, "10.0.0.1:22", "10.0.0.2:40000"),
		mk(sockets.UDP, sockets.Close, "0.0.0.0:53", "0.0.0.0:0"),
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Stream, State: sockets.Listen, Path: "/run/x.sock", Inode: 9},
		{Proto: sockets.Unix, Family: sockets.Local, Type: sockets.Dgram, State: sockets.Close, Inode: 10},
	}
	for i := range socks {
		socks[i].Cookie = uint64(i + 1)
	}
	return socks
}

func TestRunOrderAndV6Only(t *testing.T) {
	src := &fakeSource{socks: population()}
	out, errOut, code := runFake(t, src, "-tuxan")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// ss's order (unix, udp, tcp; IPv4 before IPv6), not the source's;
	// the IPv6 wildcard "*" unless IPV6_V6ONLY is set.
	want := "" +
		"Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n" +
		"u_str LISTEN 0      0        /run/x.sock 9               * 0           \n" +
		"u_dgr UNCONN 0      0                  * 10              * 0           \n" +
		"udp   UNCONN 0      0            0.0.0.0:53        0.0.0.0:*           \n" +
		"tcp   ESTAB  0      0           10.0.0.1:22       10.0.0.2:40000       \n" +
		"tcp   LISTEN 0      0               [::]:22           [::]:*           \n" +
		"tcp   LISTEN 0      0                  *:80              *:*           \n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	if len(src.filters) != 2 || src.filters[1].Internals != sockets.WantExtended || src.filters[0].Internals != 0 {
		t.Errorf("filters asked: %+v; want a plain dump, then a small one for IPV6_V6ONLY", src.filters)
	}
}

func TestRunRefusals(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"-N", "sockscope-no-such-ns", "-t"}, 1, "Cannot open network namespace \"sockscope-no-such-ns\": No such file or directory\n"},
		{[]string{"-tb", "-T"}, 1, "ss: -b, -T: not supported by sockscope yet\n"},
		{[]string{"-z"}, 1, "ss: SELinux is not enabled.\n"},
		{[]string{"--bogus"}, 2, "ss: unrecognized option '--bogus'\n"},
		{[]string{"-t", "dport", "bogus"}, 2, "ss: "},
	} {
		_, errOut, code := runFake(t, &fakeSource{}, c.args...)
		if code != c.code || !strings.HasPrefix(errOut, c.says) {
			t.Errorf("%q: exit %d, %q; want %d, %q", c.args, code, errOut, c.code, c.says)
		}
	}
	// A table without a source: one line, the rest listed, exit 0.
	out, errOut, code := runFake(t, &fakeSource{socks: population()}, "-tdn")
	if code != 0 || errOut != "ss: DCCP sockets are not listed: sockscope has no data source for them\n" || !strings.Contains(out, "10.0.0.1:22") {
		t.Errorf("-tdn: exit %d, %q\n%s", code, errOut, out)
	}
	// And none asked for: ss's own message, exit 0.
	_, errOut, code = runFake(t, &fakeSource{}, "-t", "-A", "!tcp")
	if code != 0 || errOut != "ss: no socket tables to show with such filter.\n" {
		t.Errorf("no tables: exit %d, %q", code, errOut)
	}
}

func TestRunFilterAndJSON(t *testing.T) {
	src := &fakeSource{socks: population()}
	out, _, code := runFake(t, src, "-tnH", "state", "established", "dport", "=", ":40000")
	if code != 0 || out != "0      0      10.0.0.1:22 10.0.0.2:40000\n" {
		// One state: ss drops the State column.
		t.Errorf("filtered: exit %d, %q", code, out)
	}
	out, _, code = runFake(t, src, "-tan", "--format=json")
	var doc map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
		t.Errorf("--format=json: exit %d, %q", code, out)
	}

	// JSON carries the holders without -p, as sockscope's own does.
	var out2, errOut bytes.Buffer
	details := false
	env := &Env{Stdout: &out2, Stderr: &errOut, Screen: -1,
		Source: func(sockets.SourceOptions) (sockets.Source, error) { return src, nil },
		Attribute: func(_ context.Context, d bool, _ <-chan struct{}) (func([]sockets.Socket) collect.Attribution, error) {
			details = d
			return func(socks []sockets.Socket) collect.Attribution {
				for i := range socks {
					socks[i].Processes = []sockets.Process{{Info: &sockets.ProcessInfo{PID: 42, Name: "sshd"}, FD: 3}}
				}
				return collect.Attribution{}
			}, nil
		}}
	if code := Run(context.Background(), env, []string{"-tln", "--format=json"}); code != 0 || !details ||
		!strings.Contains(out2.String(), `"processes":[{"pid":42`) {
		t.Errorf("JSON without -p: exit %d, details %v:\n%s", code, details, out2.String())
	}
}

func TestRunResolve(t *testing.T) {
	src := &fakeSource{socks: population()[2:3]}
	var out, errOut bytes.Buffer
	var asked []netip.Addr
	env := &Env{Stdout: &out, Stderr: &errOut, Screen: -1,
		Source: func(sockets.SourceOptions) (sockets.Source, error) { return src, nil },
		Resolve: func(_ context.Context, addrs []netip.Addr) map[netip.Addr]string {
			asked = addrs
			return map[netip.Addr]string{netip.MustParseAddr("10.0.0.2"): "peer.example"}
		}}
	if code := Run(context.Background(), env, []string{"-tnrH"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if out.String() != "ESTAB 0      0      10.0.0.1:22 peer.example:40000\n" || len(asked) != 2 {
		t.Errorf("-r: %q, asked %v", out.String(), asked)
	}
}

// ss dumps only the family last named by -4, -6 or -f among IPv4 and
// IPv6: "-4 -6" is IPv6 alone, "-6 -4" IPv4 alone.
func TestRunPreferredFamily(t *testing.T) {
	for _, c := range []struct{ args, has, hasNot string }{
		{"-tanH -4 -6", "[::]:22", "10.0.0.1"},
		{"-tanH -6 -4", "10.0.0.1:22", "[::]"},
		{"-tanH -4 -x", "10.0.0.1:22", "[::]"},
	} {
		out, _, _ := runFake(t, &fakeSource{socks: population()}, strings.Fields(c.args)...)
		if !strings.Contains(out, c.has) || strings.Contains(out, c.hasNot) {
			t.Errorf("%s:\n%s\nwant %s, not %s", c.args, out, c.has, c.hasNot)
		}
	}
}

func TestUnixHosts(t *testing.T) {
	got := strings.Join(unixHosts([]string{"src *seq*", "or", "(dst", "=", "/tmp/x)", "and", "src", "unix:@a", "sport", "=", ":5", "dst", "/a:b"}), " ")
	if got != "src unix:*seq* or (dst = unix:/tmp/x) and src unix:@a sport = :5 dst unix:/a:b" {
		t.Errorf("%s", got)
	}
}

func TestSSOrdered(t *testing.T) {
	socks := population() // tcp6, tcp6, tcp4, udp4, unix, unix
	var got []string
	for s := range ssOrdered(slices.Values(pointers(socks)), sockets.AllProtos) {
		got = append(got, netid(s, false)+" "+s.Family.String())
	}
	want := []string{"u_str unix", "u_dgr unix", "udp inet", "tcp inet", "tcp inet6", "tcp inet6"}
	if !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
	sorted := pointers(socks[2:4]) // tcp4 after udp4: out of order
	n := 0
	for range ssOrdered(slices.Values(sorted), sockets.AllProtos) {
		n++
	}
	if n != 2 {
		t.Errorf("%d sockets yielded of 2", n)
	}
}
