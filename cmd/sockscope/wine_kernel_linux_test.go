package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// What the Wine tests (wine_linux_test.go) compare the Windows build's
// output with: the Linux kernel's own view, from ss and /proc/net/snmp.

// A wineKey names a socket as both ss and the Windows build can tell it:
// for TCP the protocol, both endpoints and the kernel's state name; for
// UDP the protocol and the local endpoint alone (a Windows UDP table row
// has neither a remote address nor a state).
type wineKey string

// tcpKey returns the key of a TCP socket; state is the kernel's name
// (LISTEN, ESTABLISHED, TIME_WAIT, ...).
func tcpKey(local, remote, state string) wineKey {
	return wineKey("tcp " + local + " " + remote + " " + state)
}

// udpKey returns the key of a UDP socket.
func udpKey(local string) wineKey { return wineKey("udp " + local) }

// endpointKey writes an endpoint so that ss's and the JSON's spellings of
// it compare equal: zones dropped, every unspecified address "*" (ss
// writes a dual-stack wildcard as "*", some versions 0.0.0.0 too).
func endpointKey(ip string, port uint16) string {
	a, err := netip.ParseAddr(ip)
	switch {
	case ip == "*" || err == nil && a.IsUnspecified():
		ip = "*"
	case err == nil:
		ip = a.WithZone("").String()
	}
	return ip + ":" + strconv.Itoa(int(port))
}

// addrPortKey is endpointKey of an netip.AddrPort.
func addrPortKey(ap netip.AddrPort) string {
	return endpointKey(ap.Addr().String(), ap.Port())
}

// ssStates maps the state names ss prints to the kernel's (JSON) names.
// ss's UNCONN for TCP is a bound, not listening socket (Linux 6.7+ lists
// them); its JSON name is CLOSE.
var ssStates = map[string]string{
	"ESTAB":      "ESTABLISHED",
	"SYN-SENT":   "SYN_SENT",
	"SYN-RECV":   "SYN_RECV",
	"FIN-WAIT-1": "FIN_WAIT1",
	"FIN-WAIT-2": "FIN_WAIT2",
	"TIME-WAIT":  "TIME_WAIT",
	"UNCONN":     "CLOSE",
	"CLOSE-WAIT": "CLOSE_WAIT",
	"LAST-ACK":   "LAST_ACK",
	"LISTEN":     "LISTEN",
	"CLOSING":    "CLOSING",
}

// ssEndpoint parses an endpoint as ss -n prints it: 127.0.0.1:80,
// [::1]:80, *:80, [fe80::1]%eth0:22, 0.0.0.0%lo:53, 0.0.0.0:* (port 0).
func ssEndpoint(s string) (string, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", fmt.Errorf("endpoint %q has no port", s)
	}
	host, portText := s[:i], s[i+1:]
	var port uint64
	if portText != "*" {
		var err error
		if port, err = strconv.ParseUint(portText, 10, 16); err != nil {
			return "", fmt.Errorf("endpoint %q: %v", s, err)
		}
	}
	if j := strings.IndexByte(host, '%'); j >= 0 && !strings.Contains(host[j:], "]") {
		host = host[:j]
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if j := strings.IndexByte(host, '%'); j >= 0 {
		host = host[:j]
	}
	return endpointKey(host, uint16(port)), nil
}

// ssSnapshot is one reading of ss: the TCP and UDP sockets of this
// network namespace.
type ssSnapshot map[wineKey]bool

// readSS runs ss -tanH and ss -uanH.
func readSS(t *testing.T) ssSnapshot {
	t.Helper()
	snap := ssSnapshot{}
	for _, proto := range []string{"tcp", "udp"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, "ss", "-"+proto[:1]+"anH").Output()
		cancel()
		if err != nil {
			t.Fatalf("ss -%sanH: %v", proto[:1], err)
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) > 0 && (f[0] == "tcp" || f[0] == "udp") {
				f = f[1:] // a Netid column
			}
			if len(f) < 5 {
				t.Fatalf("ss -%sanH: line %q", proto[:1], sc.Text())
			}
			local, err := ssEndpoint(f[3])
			if err != nil {
				t.Fatalf("ss -%sanH: %v", proto[:1], err)
			}
			if proto == "udp" {
				snap[udpKey(local)] = true
				continue
			}
			remote, err := ssEndpoint(f[4])
			if err != nil {
				t.Fatalf("ss -tanH: %v", err)
			}
			state, ok := ssStates[f[0]]
			if !ok {
				t.Fatalf("ss -tanH: unknown state in %q", sc.Text())
			}
			snap[tcpKey(local, remote, state)] = true
		}
	}
	return snap
}

// compareWithSS judges a listing (keys, with how many times each was
// listed) against ss read right before and right after it: every socket
// in both readings (a stable one) must be listed, and every socket listed
// must be in at least one reading. It returns what is wrong, one line
// each, and how many stable sockets there were.
func compareWithSS(got map[wineKey]int, before, after ssSnapshot) (problems []string, stable int) {
	for k := range before {
		if !after[k] {
			continue
		}
		stable++
		if got[k] == 0 {
			if strings.HasSuffix(string(k), " CLOSE") {
				// A bound, not listening TCP socket: Wine reads
				// /proc/net/tcp*, which does not list them.
				continue
			}
			problems = append(problems, fmt.Sprintf("missing: %s (in both ss readings)", k))
		}
	}
	for k := range got {
		if !before[k] && !after[k] {
			problems = append(problems, fmt.Sprintf("extra: %s (in neither ss reading)", k))
		}
	}
	return problems, stable
}

// snmp is /proc/net/snmp: group (Tcp, Udp, ...) -> counter -> value.
type snmp map[string]map[string]int64

// readSNMP reads /proc/net/snmp, where each group is a line of names
// followed by a line of values, both starting with "Group:".
func readSNMP(t *testing.T) snmp {
	t.Helper()
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		t.Fatal(err)
	}
	s := snmp{}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		names, values := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if len(names) != len(values) || len(names) == 0 || names[0] != values[0] {
			t.Fatalf("/proc/net/snmp: lines %q and %q do not pair", lines[i], lines[i+1])
		}
		g := map[string]int64{}
		for j := 1; j < len(names); j++ {
			v, err := strconv.ParseInt(values[j], 10, 64)
			if err != nil {
				// Linux prints unsigned longs: a counter past 2^63 is
				// not something this test can meet.
				t.Fatalf("/proc/net/snmp: %s %s = %q: %v", names[0], names[j], values[j], err)
			}
			g[names[j]] = v
		}
		s[strings.TrimSuffix(names[0], ":")] = g
	}
	return s
}

// gauges are the counters of /proc/net/snmp that go down as well as up.
var gauges = map[string]bool{"CurrEstab": true}

// checkCounter says what is wrong with v, the value the Windows build
// printed for counter name, given the kernel's values before and after
// ("" if nothing). A counter only grows, so it must lie between them; a
// gauge between the smaller and larger of them. Windows counters are 32
// bits (MIB_TCPSTATS, MIB_UDPSTATS are DWORDs): once the kernel's value
// passes 2^32, v is compared modulo 2^32.
func checkCounter(name string, v, before, after int64) string {
	lo, hi := before, after
	if gauges[name] {
		lo, hi = min(before, after), max(before, after)
	}
	if hi >= 1<<32 {
		if d := int64(uint32(v) - uint32(lo)); d <= hi-lo {
			return ""
		}
	} else if lo <= v && v <= hi {
		return ""
	}
	return fmt.Sprintf("%s = %d, kernel had %d before and %d after", name, v, before, after)
}
