package render

import (
	"net/netip"
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// mapNamer answers from maps filled beforehand, as the command's namer
// does.
type mapNamer struct {
	hosts    map[netip.Addr]string
	services map[uint16]string
}

func (n mapNamer) Host(a netip.Addr) string { return n.hosts[a] }

func (n mapNamer) Service(port uint16, _ sockets.Proto) string { return n.services[port] }

// BenchmarkModernNamed100k is the modern table of BenchmarkTable100k with
// names (sockscope -tap): every local address named, and the two server
// ports. Both passes of the table ask the namer.
func BenchmarkModernNamed100k(b *testing.B) {
	n := mapNamer{hosts: map[netip.Addr]string{}, services: map[uint16]string{443: "https", 8080: "http-alt"}}
	for _, s := range benchSockets(100_000) {
		n.hosts[s.Local.Addr()] = "host-" + s.Local.Addr().String() + ".example"
	}
	benchWrite(b, Options{ShowProgram: true, Namer: n})
}
