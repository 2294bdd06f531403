package main

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sockscope/sockscope/internal/testutil"
)

// TestIntegrationFilterAgainstSS runs filter expressions through the
// binary (the kernel's bytecode and state mask included) and through the
// real ss, in the population's namespace with a socket in every TCP state,
// and compares the sockets each selects: a fixed set of expressions, then
// a random one (testRandomFilters), on the one population.
func TestIntegrationFilterAgainstSS(t *testing.T) {
	testutil.RequireRoot(t)
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("needs iproute2's ss to compare with")
	}
	bin := sockscopeBinary(t)
	ns := testutil.NewNetNS(t)
	testutil.StartPopulation(t, ns)
	for _, expr := range []string{
		"state established",
		"state listening",
		"exclude time-wait",
		"state connected",
		"state synchronized",
		"state bucket",
		"state big",
		"( sport = :1 or dport = :1 )",
		"sport gt :1024",
		"dport le :1024",
		"src 127.0.0.1",
		"dst 127.0.0.0/8",
		"src [::1]",
		"not sport = :0",
		"state established not dst 127.0.0.2",
		"sport ge :30000 or dport ge :30000",
		"state time-wait dport != :22",
		"state all",
	} {
		t.Run(expr, func(t *testing.T) {
			want := ssSockets(t, ns, expr)
			got := ourSockets(t, ns, bin, expr)
			if !slices.Equal(got, want) {
				t.Errorf("sockscope selects\n  %q\nss selects\n  %q", got, want)
			}
		})
	}
	t.Run("random", func(t *testing.T) { testRandomFilters(t, ns, bin) })
}

// testRandomFilters runs a seeded stream of random expressions
// (states, excludes, ports with every operator, addresses with prefixes,
// not/and/or, nesting) through the binary and through ss, in the
// population's namespace: the same sockets, and an expression ss refuses
// is refused (exit 2) or accepted. SOCKSCOPE_FILTER_SEED replays a run.
func testRandomFilters(t *testing.T, ns *testutil.NetNS, bin string) {
	seed := time.Now().UnixNano()
	if v, err := strconv.ParseInt(os.Getenv("SOCKSCOPE_FILTER_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d (SOCKSCOPE_FILTER_SEED replays it)", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	refused := 0
	for i := 0; i < 120; i++ {
		expr := randomFilter(rng, 3)
		if rng.IntN(3) == 0 {
			expr = randomStates(rng) + " " + expr
		}
		ssOut, ssErr := ns.Command("ss", append([]string{"-tanH"}, strings.Fields(expr)...)...).Output()
		cmd := ns.Command(bin, "list", "--tcp", "--all", "--format", "json", expr)
		ours, ourErr := cmd.Output()
		if ssErr != nil {
			refused++
			var exit *exec.ExitError
			if ourErr != nil && (!errors.As(ourErr, &exit) || exit.ExitCode() != 2) {
				t.Errorf("%q: ss refuses it; sockscope fails with %v, want exit 2 or a listing", expr, ourErr)
			}
			continue
		}
		if ourErr != nil {
			t.Errorf("%q: ss accepts it; sockscope fails: %v", expr, ourErr)
			continue
		}
		want := parseSS(string(ssOut))
		got, err := parseOurs(ours)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: sockscope selects\n  %q\nss selects\n  %q", expr, got, want)
		}
	}
	t.Logf("%d expressions, %d refused by ss", 120, refused)
}

var (
	filterStates = []string{"established", "syn-sent", "syn-recv", "fin-wait-1", "fin-wait-2", "time-wait",
		"closed", "close-wait", "last-ack", "listening", "closing", "all", "connected", "synchronized", "bucket", "big"}
	filterOps   = []string{"=", "==", "!=", "<", ">", "<=", ">=", "eq", "ne", "neq", "gt", "lt", "ge", "geq", "le", "leq", ""}
	filterHosts = []string{"127.0.0.1", "127.0.0.0/8", "127.0.0.2", "[::1]", "::1", "0.0.0.0/0", "[::]/0", "127.0.0.1/32", "10.0.0.0/8", "*"}
)

// randomStates returns one or two state or exclude clauses.
func randomStates(rng *rand.Rand) string {
	var parts []string
	for n := 1 + rng.IntN(2); n > 0; n-- {
		kw := "state"
		if rng.IntN(3) == 0 {
			kw = "exclude"
		}
		parts = append(parts, kw+" "+filterStates[rng.IntN(len(filterStates))])
	}
	return strings.Join(parts, " ")
}

// randomFilter returns a random expression of depth at most depth.
func randomFilter(rng *rand.Rand, depth int) string {
	if depth > 0 && rng.IntN(3) == 0 {
		l, r := randomFilter(rng, depth-1), randomFilter(rng, depth-1)
		switch rng.IntN(4) {
		case 0:
			return "( " + l + " and " + r + " )"
		case 1:
			return "( " + l + " or " + r + " )"
		case 2:
			return "not " + l
		default:
			return l + " " + r
		}
	}
	switch rng.IntN(3) {
	case 0, 1:
		port := []string{":1", ":1024", ":30000", ":40000", ":50000", ":65535", ":0"}[rng.IntN(7)]
		dir := []string{"sport", "dport"}[rng.IntN(2)]
		op := filterOps[rng.IntN(len(filterOps))]
		if op == "" {
			return dir + " " + port
		}
		return dir + " " + op + " " + port
	default:
		host := filterHosts[rng.IntN(len(filterHosts))]
		if rng.IntN(3) == 0 && !strings.Contains(host, "/") && host != "*" {
			if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
				host = "[" + host + "]"
			}
			host += ":" + []string{"1", "1024", "*"}[rng.IntN(3)]
		}
		return []string{"src", "dst"}[rng.IntN(2)] + " " + host
	}
}

// ssSockets returns "local remote" of each socket `ss -tanH EXPR` prints,
// sorted, addresses as netip spells them. (ss leaves out its State column
// when the expression names one state, so states are not compared here;
// the filter package's tests compare them.)
func ssSockets(t *testing.T, ns *testutil.NetNS, expr string) []string {
	out, err := ns.Command("ss", append([]string{"-tanH"}, strings.Fields(expr)...)...).Output()
	if err != nil {
		t.Fatalf("ss -tanH %s: %v", expr, err)
	}
	return parseSS(string(out))
}

// parseSS reads the sockets of ss -tanH's output as ssSockets returns them.
func parseSS(out string) []string {
	var socks []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		if _, err := strconv.Atoi(f[0]); err != nil {
			f = f[1:] // the State column
		}
		if len(f) < 4 {
			continue
		}
		socks = append(socks, ssAddr(f[2])+" "+ssAddr(f[3]))
	}
	slices.Sort(socks)
	return socks
}

// ssAddr spells an address of ss (127.0.0.1:80, [::1]:80, *:80, 0.0.0.0:*,
// [::ffff:127.0.0.1]:80) as "addr:port", "*" for a wildcard port.
func ssAddr(s string) string {
	i := strings.LastIndexByte(s, ':')
	host, port := strings.Trim(s[:i], "[]"), s[i+1:]
	if host == "*" {
		host = "::"
	}
	if a, err := netip.ParseAddr(host); err == nil {
		host = a.Unmap().String()
	}
	if port == "*" {
		port = "0"
	}
	return host + ":" + port
}

// ourSockets is ssSockets for `sockscope list --tcp --all --format json
// EXPR`.
func ourSockets(t *testing.T, ns *testutil.NetNS, bin, expr string) []string {
	out, err := ns.Command(bin, "list", "--tcp", "--all", "--format", "json", expr).Output()
	if err != nil {
		t.Fatalf("sockscope list --tcp %s: %v", expr, err)
	}
	socks, err := parseOurs(out)
	if err != nil {
		t.Fatal(err)
	}
	return socks
}

// parseOurs reads the sockets of the JSON listing as ssSockets returns
// them.
func parseOurs(out []byte) ([]string, error) {
	var doc struct {
		Sockets []struct {
			Proto, State  string
			Local, Remote struct {
				IP   string
				Port int
			}
		}
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, err
	}
	var socks []string
	for _, s := range doc.Sockets {
		if s.Proto != "tcp" {
			continue
		}
		ep := func(ip string, port int) string {
			a, err := netip.ParseAddr(ip)
			if err == nil {
				ip = a.Unmap().String()
			}
			return ip + ":" + strconv.Itoa(port)
		}
		socks = append(socks, ep(s.Local.IP, s.Local.Port)+" "+ep(s.Remote.IP, s.Remote.Port))
	}
	slices.Sort(socks)
	return socks, nil
}
