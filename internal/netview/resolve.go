package netview

import (
	"bufio"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Names are the local name databases net-tools' netstat consults without
// -n, through glibc's "files" sources: host names (/etc/hosts) for
// addresses, network names (/etc/networks) for network destinations. With
// them the linux layouts print the names net-tools prints for every
// address those files name; an address they do not name stays a number
// (net-tools would go on to ask DNS, which sockscope never does).
type Names struct {
	hosts map[netip.Addr]string
	nets  map[uint32]string
}

// ReadNames reads dir/hosts and dir/networks (dir "" is /etc). A file
// that is missing or unreadable contributes no names: name lookup is a
// courtesy, never a reason to fail.
func ReadNames(dir string) *Names {
	if dir == "" {
		dir = "/etc"
	}
	open := func(name string) io.Reader {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil
		}
		return strings.NewReader(string(b))
	}
	return ParseNames(open("hosts"), open("networks"))
}

// ParseNames reads the hosts(5) text of hosts and the networks(5) text of
// networks (either may be nil) as glibc's files sources do: "#" starts a
// comment; a hosts line is an address and its names, of which the first
// is the one a reverse lookup returns; a networks line is a name and a
// network number of up to four dotted parts (decimal, 0x hexadecimal or 0
// octal), missing trailing parts being zero ("10.21" is 10.21.0.0). The
// first line naming an address or network wins; malformed lines are
// skipped.
func ParseNames(hosts, networks io.Reader) *Names {
	n := &Names{hosts: map[netip.Addr]string{}, nets: map[uint32]string{}}
	eachLine(hosts, func(f []string) {
		if len(f) < 2 {
			return
		}
		a, err := netip.ParseAddr(f[0])
		if err != nil || a.Zone() != "" {
			return
		}
		if _, ok := n.hosts[a]; !ok {
			n.hosts[a] = f[1]
		}
	})
	eachLine(networks, func(f []string) {
		if len(f) < 2 {
			return
		}
		v, ok := networkNumber(f[1])
		if !ok {
			return
		}
		if _, dup := n.nets[v]; !dup {
			n.nets[v] = f[0]
		}
	})
	return n
}

// eachLine calls fn with the fields of each line of r before any "#".
func eachLine(r io.Reader, fn func([]string)) {
	if r == nil {
		return
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if f := strings.Fields(line); len(f) > 0 {
			fn(f)
		}
	}
}

// networkNumber parses a networks(5) number as glibc does: inet_network
// of the text padded with ".0" parts to four.
func networkNumber(s string) (uint32, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return 0, false
	}
	var v uint32
	for i := 0; i < 4; i++ {
		p := uint64(0)
		if i < len(parts) {
			var err error
			if p, err = strconv.ParseUint(parts[i], 0, 8); err != nil {
				return 0, false
			}
		}
		v = v<<8 | uint32(p)
	}
	return v, true
}

// host returns the host name of a, if the hosts file names it.
func (n *Names) host(a netip.Addr) (string, bool) {
	if n == nil {
		return "", false
	}
	s, ok := n.hosts[a]
	return s, ok
}

// network returns the network name of the IPv4 network a, if the
// networks file names it.
func (n *Names) network(a netip.Addr) (string, bool) {
	if n == nil || !a.Is4() {
		return "", false
	}
	b := a.As4()
	s, ok := n.nets[uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3])]
	return s, ok
}

// hostOr returns the host name of a, or number when there is none or o
// is numeric.
func (o *Options) hostOr(a netip.Addr, number string) string {
	if o.Numeric {
		return number
	}
	if s, ok := o.Names.host(a); ok {
		return s
	}
	return number
}

// dest4 spells an IPv4 route destination as net-tools does: "default"
// for 0.0.0.0 unless numeric, else the name of the host (a host route, or
// an address with bits beyond the prefix) or of the network, else the
// number.
func (o *Options) dest4(dst netip.Prefix, hostRoute bool) string {
	a := dst.Addr()
	if o.Numeric {
		return a.String()
	}
	if a.IsUnspecified() {
		return "default"
	}
	if hostRoute || dst.Masked().Addr() != a {
		return o.hostOr(a, a.String())
	}
	if s, ok := o.Names.network(a); ok {
		return s
	}
	return a.String()
}
