package netstats

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// readSystem asks the IP Helper API for the counters of both families:
// GetIpStatisticsEx (MIB_IPSTATS), GetIcmpStatisticsEx (MIB_ICMP_EX),
// GetTcpStatisticsEx (MIB_TCPSTATS) and GetUdpStatisticsEx (MIB_UDPSTATS),
// first for AF_INET then for AF_INET6, decoded by mib.go into groups Ip,
// Icmp, IcmpMsg (when a type count is not zero), Tcp, Udp, then Ip6, Icmp6,
// Tcp6, Udp6. A call that fails is skipped; its error is joined into the
// one returned with the counters the other calls gave. Snapshot.Time is
// taken just before the first call.
func readSystem() (*Snapshot, error) {
	s := &Snapshot{Time: time.Now()}
	// One buffer, as large as the largest structure; uint64 for alignment.
	var buf [(SizeMIBICMPEx + 7) / 8]uint64
	var errs []error
	for _, fam := range [...]struct {
		af                   uint32
		v6                   bool
		ip, tcp, udp, suffix string
	}{
		{windows.AF_INET, false, "Ip", "Tcp", "Udp", ""},
		{windows.AF_INET6, true, "Ip6", "Tcp6", "Udp6", "6"},
	} {
		for _, c := range [...]struct {
			name   string
			call   func(*byte, uint32) error
			size   int
			decode func([]byte) ([]Group, error)
		}{
			{"GetIpStatisticsEx", getIpStatisticsEx, SizeMIBIPStats, func(b []byte) ([]Group, error) {
				g, err := DecodeIPStats(b, fam.ip)
				return []Group{g}, err
			}},
			{"GetIcmpStatisticsEx", getIcmpStatisticsEx, SizeMIBICMPEx, func(b []byte) ([]Group, error) {
				return DecodeICMPStatsEx(b, fam.v6)
			}},
			{"GetTcpStatisticsEx", getTcpStatisticsEx, SizeMIBTCPStats, func(b []byte) ([]Group, error) {
				g, err := DecodeTCPStats(b, fam.tcp)
				return []Group{g}, err
			}},
			{"GetUdpStatisticsEx", getUdpStatisticsEx, SizeMIBUDPStats, func(b []byte) ([]Group, error) {
				g, err := DecodeUDPStats(b, fam.udp)
				return []Group{g}, err
			}},
		} {
			b := unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), len(buf)*8)[:c.size]
			clear(b)
			if err := c.call(&b[0], fam.af); err != nil {
				errs = append(errs, fmt.Errorf("%s(AF_INET%s): %w", c.name, fam.suffix, err))
				continue
			}
			groups, err := c.decode(b)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s(AF_INET%s): %w", c.name, fam.suffix, err))
				continue
			}
			s.Groups = append(s.Groups, groups...)
		}
	}
	return s, errors.Join(errs...)
}
