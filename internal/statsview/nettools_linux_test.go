package statsview

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/testutil"
)

// netToolsOptions returns the Options that mean what net-tools' flags
// after -s mean.
func netToolsOptions(args []string) Options {
	o := Options{Style: render.Linux}
	for _, a := range args {
		for _, c := range strings.TrimPrefix(a, "-") {
			switch c {
			case 't':
				o.Kinds |= KindTCP
			case 'u':
				o.Kinds |= KindUDP
			case 'w':
				o.Kinds |= KindRaw
			case 'U':
				o.Kinds |= KindUDPLite
			case 'S':
				o.Kinds |= KindSCTP
			case '4':
				o.Families |= FamilyV4
			case '6':
				o.Families |= FamilyV6
			}
		}
	}
	return o
}

// TestIntegrationNetToolsStats makes TCP, UDP and ICMP traffic on the
// loopback of a namespace of its own, then for each form of netstat -s
// reads the counters, runs net-tools' netstat there, reads them again,
// and demands net-tools' output: every line equal, except that a number
// that moved between the two reads may be anything between its two
// values. Needs root (skips otherwise) and net-tools.
func TestIntegrationNetToolsStats(t *testing.T) {
	netstat := testutil.NetToolsNetstat(t)
	ns := testutil.NewNetNS(t)
	err := ns.Do(func() error {
		if err := dialLoopback(5); err != nil {
			return err
		}
		if err := sendToClosedPort(3); err != nil {
			return err
		}
		return sendToClosedPort6(2)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-s"}, {"-st"}, {"-su"}, {"-sw"}, {"-s", "-4"}, {"-s", "-6"}, {"-s6t"}, {"-s6u"}, {"-s6w"},
		{"-stu"}, {"-sU"}, {"-sS"}, {"-stuw"},
	} {
		t.Run(strings.Join(args, ""), func(t *testing.T) {
			var problems []string
			// Counters can move while netstat runs (a TIME_WAIT ending):
			// a line that appears or goes between the reads is retried.
			for try := 0; try < 3; try++ {
				problems = compareNetTools(t, ns, netstat, args)
				if problems == nil {
					return
				}
				time.Sleep(200 * time.Millisecond)
			}
			t.Errorf("netstat %s differs from net-tools:\n%s", strings.Join(args, " "), strings.Join(problems, "\n"))
		})
	}
}

// compareNetTools runs one comparison; nil means equal.
func compareNetTools(t *testing.T, ns *testutil.NetNS, netstat string, args []string) []string {
	t.Helper()
	read := func() *netstats.Snapshot {
		var s *netstats.Snapshot
		err := ns.Do(func() error {
			var err error
			s, err = netstats.Read("")
			return err
		})
		if err != nil {
			t.Fatalf("reading counters: %v", err)
		}
		return s
	}
	before := read()
	cmd := ns.Command(netstat, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	want, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v", netstat, args, err)
	}
	after := read()
	if !bytes.HasSuffix(want, []byte(":\n")) && !bytes.Contains(want, []byte(":\n    ")) {
		t.Fatalf("%s %v printed no statistics:\n%s", netstat, args, want)
	}
	o := netToolsOptions(args)
	lo, hi := render1(t, before, nil, o), render1(t, after, nil, o)
	return rangeDiff(string(want), string(lo), string(hi))
}

// rangeDiff compares want with lo and hi, the same output rendered from
// counters read before and after want was made: lines must be equal but
// for their numbers, and each number of want must lie between its values
// in lo and hi. It returns one line per problem, nil when there is none.
func rangeDiff(want, lo, hi string) []string {
	wl, ll, hl := strings.Split(want, "\n"), strings.Split(lo, "\n"), strings.Split(hi, "\n")
	if len(ll) != len(hl) {
		return []string{fmt.Sprintf("a line appeared or went between the reads (%d then %d lines)", len(ll), len(hl))}
	}
	var problems []string
	for i := 0; i < max(len(wl), len(ll)); i++ {
		var w, l, h string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(ll) {
			l, h = ll[i], hl[i]
		}
		if w == l || w == h {
			continue
		}
		if !lineInRange(w, l, h) {
			problems = append(problems, fmt.Sprintf("line %d: net-tools %q, sockscope %q (then %q)", i+1, w, l, h))
		}
	}
	return problems
}

// lineInRange reports whether w is l and h with each number between its
// values in l and h.
func lineInRange(w, l, h string) bool {
	wt, wn := splitNumbers(w)
	lt, ln := splitNumbers(l)
	ht, hn := splitNumbers(h)
	if wt != lt || lt != ht || len(wn) != len(ln) || len(ln) != len(hn) {
		return false
	}
	for i := range wn {
		a, b := min(ln[i], hn[i]), max(ln[i], hn[i])
		if wn[i] < a || wn[i] > b {
			return false
		}
	}
	return true
}

// splitNumbers returns s with each run of digits replaced by "#", and the
// numbers.
func splitNumbers(s string) (string, []uint64) {
	var b strings.Builder
	var nums []uint64
	for i := 0; i < len(s); {
		if s[i] < '0' || s[i] > '9' {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		n, _ := strconv.ParseUint(s[i:j], 10, 64)
		nums = append(nums, n)
		b.WriteByte('#')
		i = j
	}
	return b.String(), nums
}

// sendToClosedPort6 is sendToClosedPort over ::1: ICMPv6 traffic.
func sendToClosedPort6(n int) error {
	probe, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		return err
	}
	dst := probe.LocalAddr().(*net.UDPAddr)
	probe.Close()
	src, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		return err
	}
	defer src.Close()
	for range n {
		if _, err := src.WriteToUDP([]byte("sockscope"), dst); err != nil {
			return err
		}
	}
	return nil
}

// TestRangeDiff checks the comparison itself.
func TestRangeDiff(t *testing.T) {
	lo := "Tcp:\n    5 active connection openings\n    TCPTimeouts: 2\n"
	hi := "Tcp:\n    7 active connection openings\n    TCPTimeouts: 2\n"
	if p := rangeDiff("Tcp:\n    6 active connection openings\n    TCPTimeouts: 2\n", lo, hi); p != nil {
		t.Errorf("6 in [5, 7] refused: %v", p)
	}
	for _, bad := range []string{
		"Tcp:\n    8 active connection openings\n    TCPTimeouts: 2\n",
		"Tcp:\n    6 active connection openings\n    2 other TCP timeouts\n",
		"Tcp:\n    6 active connection openings\n",
		"Tcp:\n    6 active connection openings\n    TCPTimeouts: 2\n    extra\n",
	} {
		if p := rangeDiff(bad, lo, hi); p == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
