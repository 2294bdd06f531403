package doctor

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/sockscope/sockscope/internal/sockets"
)

// tempDirs are where a program that was dropped on a machine, not
// installed, runs from: world-writable directories and memory.
var tempDirs = []string{"/tmp/", "/var/tmp/", "/dev/shm/", "/run/shm/"}

// goTestBinary is where go test and go run run a program from: one being
// built and tried, not dropped (a doctor run by a test would otherwise
// name the test).
var goTestBinary = regexp.MustCompile(`^/tmp/go-build[0-9]+/b[0-9]+/([^/]+\.test|exe/[^/]+)$`)

// shells are shells and interpreters: one reading commands from a socket
// on its standard input or output is what a reverse shell looks like.
var shells = map[string]bool{
	"sh": true, "bash": true, "dash": true, "ash": true, "zsh": true, "ksh": true, "mksh": true,
	"csh": true, "tcsh": true, "fish": true, "busybox": true,
	"python": true, "python2": true, "python3": true, "perl": true, "ruby": true, "php": true,
	"lua": true, "node": true, "nodejs": true, "tclsh": true, "pwsh": true, "powershell": true, "cmd.exe": true,
}

// isShell reports whether a program named name (a comm or an exe's base
// name) is a shell or an interpreter (python3.11 counts as python3).
func isShell(name string) bool {
	name = strings.TrimSuffix(strings.ToLower(name), ".exe")
	if shells[name] {
		return true
	}
	base := strings.TrimRight(name, "0123456789.")
	return base != name && shells[base]
}

// connectedInet reports whether s is an inet connection (TCP not
// listening, or connected UDP).
func connectedInet(s *sockets.Socket) bool {
	if s.Family != sockets.Inet && s.Family != sockets.Inet6 {
		return false
	}
	switch s.Proto {
	case sockets.TCP, sockets.MPTCP:
		return s.State != sockets.Listen && s.State != sockets.Close && s.State != sockets.BoundInactive
	case sockets.UDP, sockets.UDPLite:
		return s.State == sockets.Established
	}
	return false
}

// rawPrograms are the programs expected to hold raw sockets: ping and its
// kind, DHCP and routing daemons, capture tools.
var rawPrograms = map[string]bool{
	"ping": true, "ping6": true, "traceroute": true, "traceroute6": true, "tracepath": true, "mtr": true, "mtr-packet": true,
	"arping": true, "fping": true, "dhclient": true, "dhcpcd": true, "dhcpd": true, "NetworkManager": true,
	"systemd-network": true, "systemd-networkd": true, "tcpdump": true, "dumpcap": true, "wireshark": true, "tshark": true,
	"keepalived": true, "bird": true, "bird6": true, "zebra": true, "ospfd": true, "ospf6d": true, "ripd": true,
	"pimd": true, "igmpproxy": true, "radvd": true, "ndppd": true, "nmap": true, "hping3": true, "iputils": true,
}

// commLen is the length the kernel truncates a process name (comm) to.
const commLen = 15

// namedLike reports whether comm is the name a process run as file would
// get (the kernel keeps the first 15 bytes of the base name).
func namedLike(comm, file string) bool {
	base := strings.TrimPrefix(path.Base(file), "memfd:")
	if len(base) > commLen {
		base = base[:commLen]
	}
	return base == comm || strings.HasPrefix(base, comm) && len(comm) == commLen
}

// namedByArgs reports whether p's name is that of the file its command
// line ran: argv[0], or for a script started through its #! line (the
// kernel makes argv "interpreter script ..."), argv[1].
func namedByArgs(p *sockets.ProcessInfo) bool {
	for i, a := range p.Cmdline {
		if i > 1 {
			break
		}
		if namedLike(p.Name, a) {
			return true
		}
	}
	return false
}

// suspicious looks at every process holding a socket for what the
// reference document's `netstat -b` is used to find: an executable that
// was deleted or runs from a temporary directory or memory, a process
// whose name is not its program's, a shell or interpreter on a socket
// (standard input, output or error), a raw socket in an unexpected
// program, and a listener on every address whose program no package
// installed.
func suspicious(in *Input) []Finding {
	type acc struct {
		p        *sockets.ProcessInfo
		ns       string
		socks    []*sockets.Socket
		stdio    []*sockets.Socket
		raw      []*sockets.Socket
		wildcard []*sockets.Socket
	}
	var order []*acc
	by := make(map[*sockets.ProcessInfo]*acc)
	for i := range in.After {
		s := &in.After[i]
		for _, h := range s.Processes {
			p := h.Info
			if p == nil {
				continue
			}
			a := by[p]
			if a == nil {
				a = &acc{p: p, ns: in.ns(s)}
				by[p] = a
				order = append(order, a)
			}
			a.socks = append(a.socks, s)
			if h.FD >= 0 && h.FD <= 2 && connectedInet(s) {
				// A connection, not a listener (inetd's wait
				// services, systemd's StandardInput=socket) nor a
				// unix socket (systemd connects services' output
				// to the journal so).
				a.stdio = append(a.stdio, s)
			}
			if s.Proto == sockets.Raw {
				a.raw = append(a.raw, s)
			}
			if s.State == sockets.Listen && isTCP(s) && s.Local.Addr().IsUnspecified() {
				a.wildcard = append(a.wildcard, s)
			}
		}
	}
	var out []Finding
	for _, a := range order {
		p := a.p
		f := func(rule string, sev Severity, socks []*sockets.Socket, facts ...Fact) Finding {
			return Finding{
				Rule: rule, Severity: sev, Subject: procSubject(p), NetNS: a.ns, Facts: facts,
				Processes: []*sockets.ProcessInfo{p}, Sockets: top(socks),
				Look: []string{fmt.Sprintf("sockscope list -ae --pid %d --format json", p.PID)},
			}
		}
		sockCount := Fact{Key: "sockets", Value: float64(len(a.socks))}
		if p.ExeDeleted {
			out = append(out, f(RuleDeletedExe, Warning, a.socks, sockCount))
		}
		if p.Exe != "" && !goTestBinary.MatchString(p.Exe) {
			if strings.HasPrefix(p.Exe, "/memfd:") || hasAnyPrefix(p.Exe, tempDirs) {
				out = append(out, f(RuleTempExe, Critical, a.socks, sockCount))
			}
		}
		if p.Exe != "" && p.Name != "" && !namedLike(p.Name, p.Exe) && !namedByArgs(p) {
			out = append(out, f(RuleNameMismatch, Warning, a.socks, sockCount))
		}
		if len(a.stdio) > 0 && (isShell(p.Name) || p.Exe != "" && isShell(path.Base(p.Exe))) {
			out = append(out, f(RuleShellSocket, Critical, a.stdio, Fact{Key: "stdio_sockets", Value: float64(len(a.stdio))}))
		}
		if len(a.raw) > 0 && !rawPrograms[p.Name] && (p.Exe == "" || !rawPrograms[path.Base(p.Exe)]) {
			out = append(out, f(RuleRawSocket, Warning, a.raw, Fact{Key: "raw_sockets", Value: float64(len(a.raw))}))
		}
		if len(a.wildcard) > 0 && in.Packaged != nil && p.Exe != "" && !goTestBinary.MatchString(p.Exe) {
			if owned, known := in.Packaged(p.Exe); known && !owned {
				out = append(out, f(RuleUnpackaged, Info, a.wildcard, Fact{Key: "listeners", Value: float64(len(a.wildcard))}))
			}
		}
	}
	return out
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// localServices are services that are meant to be reached from the
// machine itself (or a private network behind a firewall), by port,
// with how bad it is to find them on every address: those that take
// commands without a password by default are critical.
var localServices = map[uint16]struct {
	name string
	sev  Severity
}{
	2375:  {"docker API (unencrypted)", Critical},
	2376:  {"docker API", Warning},
	2379:  {"etcd", Warning},
	3306:  {"MySQL/MariaDB", Warning},
	5432:  {"PostgreSQL", Warning},
	6379:  {"Redis", Critical},
	11211: {"memcached", Critical},
	27017: {"MongoDB", Warning},
	9200:  {"Elasticsearch", Warning},
	5984:  {"CouchDB", Warning},
	8086:  {"InfluxDB", Warning},
	9042:  {"Cassandra", Warning},
	1433:  {"SQL Server", Warning},
	1521:  {"Oracle", Warning},
	5672:  {"AMQP (RabbitMQ)", Warning},
	10250: {"kubelet API", Warning},
	9229:  {"Node.js inspector (debugger)", Critical},
	5005:  {"Java debugger (JDWP)", Critical},
	2345:  {"Go debugger (Delve)", Critical},
	6000:  {"X11", Warning},
}

// exposed names listeners on every address (0.0.0.0 or ::) of services
// that are usually bound to localhost.
func exposed(in *Input) []Finding {
	var out []Finding
	seen := make(map[string]bool)
	for i := range in.After {
		s := &in.After[i]
		if !isTCP(s) || s.State != sockets.Listen || !s.Local.Addr().IsUnspecified() {
			continue
		}
		svc, ok := localServices[s.Local.Port()]
		if !ok {
			continue
		}
		subject := s.Local.String() + " " + svc.name
		if p := owner(s); p != nil {
			subject += " " + procSubject(p)
		}
		if seen[subject] {
			continue
		}
		seen[subject] = true
		f := Finding{
			Rule: RuleExposed, Severity: svc.sev, Subject: subject, NetNS: in.ns(s),
			Facts:   []Fact{{Key: "port", Value: float64(s.Local.Port())}},
			Sockets: []*sockets.Socket{s},
			Look:    []string{fmt.Sprintf("sockscope list -tlnp 'sport = :%d'", s.Local.Port())},
		}
		if p := owner(s); p != nil {
			f.Processes = []*sockets.ProcessInfo{p}
		}
		out = append(out, f)
	}
	return out
}
