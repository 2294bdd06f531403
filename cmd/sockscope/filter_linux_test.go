package main

import (
	"encoding/json"
	"net/netip"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/testutil"
)

// TestIntegrationFilterAgainstSS runs filter expressions through the
// binary (the kernel's bytecode and state mask included) and through the
// real ss, in the population's namespace with a socket in every TCP state,
// and compares the sockets each selects.
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
	var socks []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
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
		t.Fatal(err)
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
	return socks
}
