package filter

import (
	"strconv"
	"strings"
)

// services is the built-in table of service names, for a caller that
// passes no Options.Service: the IANA names of common TCP/UDP services
// whose TCP and UDP ports agree, as /etc/services lists them.
var services = map[string]uint16{
	"ftp-data": 20, "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25,
	"domain": 53, "dns": 53, "bootps": 67, "bootpc": 68, "tftp": 69,
	"gopher": 70, "finger": 79, "http": 80, "www": 80, "kerberos": 88,
	"pop3": 110, "sunrpc": 111, "ident": 113, "auth": 113, "nntp": 119,
	"ntp": 123, "netbios-ns": 137, "netbios-dgm": 138, "netbios-ssn": 139,
	"imap": 143, "imap2": 143, "snmp": 161, "snmp-trap": 162, "bgp": 179,
	"irc": 194, "ldap": 389, "https": 443, "microsoft-ds": 445, "syslog": 514,
	"submission": 587, "ipp": 631, "ldaps": 636, "rsync": 873, "imaps": 993,
	"pop3s": 995, "socks": 1080, "openvpn": 1194, "ms-sql-s": 1433,
	"radius": 1812, "nfs": 2049, "mysql": 3306, "rdp": 3389, "ms-wbt-server": 3389,
	"postgresql": 5432, "postgres": 5432, "amqp": 5672, "x11": 6000,
	"redis": 6379, "http-alt": 8080, "webcache": 8080,
}

// LookupService returns the port of a service name from the built-in table.
func LookupService(name string) (uint16, bool) {
	p, ok := services[name]
	return p, ok
}

// ServicesLookup returns a lookup of service names in data, the contents
// of a services(5) file (/etc/services): "name port/proto [aliases...]",
// '#' comments. A name is resolved as ss resolves it: its TCP port, else
// its UDP port (ss calls a name whose TCP and UDP ports differ ambiguous;
// no such name exists in practice). Names the file lacks fall back to
// LookupService. Malformed lines are skipped.
func ServicesLookup(data []byte) func(name string) (uint16, bool) {
	tcp := map[string]uint16{}
	udp := map[string]uint16{}
	for _, line := range strings.Split(string(data), "\n") {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		port, proto, ok := strings.Cut(f[1], "/")
		if !ok {
			continue
		}
		v, err := strconv.ParseUint(port, 10, 16)
		if err != nil || port[0] == '+' {
			continue
		}
		n := uint16(v)
		var m map[string]uint16
		switch proto {
		case "tcp":
			m = tcp
		case "udp":
			m = udp
		default:
			continue
		}
		for _, name := range append([]string{f[0]}, f[2:]...) {
			if _, dup := m[name]; !dup {
				m[name] = n
			}
		}
	}
	return func(name string) (uint16, bool) {
		if p, ok := tcp[name]; ok {
			return p, true
		}
		if p, ok := udp[name]; ok {
			return p, true
		}
		return LookupService(name)
	}
}
