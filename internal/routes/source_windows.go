package routes

// The Windows source: GetIpForwardTable2, decoded by DecodeIPForwardTable2.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/sys/windows"

	"github.com/sockscope/sockscope/internal/errs"
	"github.com/sockscope/sockscope/internal/iphlp"
)

// List returns the IPv4 and IPv6 routes of Windows' routing table, read
// with GetIpForwardTable2(AF_UNSPEC) and decoded by DecodeIPForwardTable2,
// in the API's order, and then completed:
//
//   - Metric is the effective metric, the route's own plus its
//     interface's (MIB_IPINTERFACE_ROW.Metric from GetIpInterfaceEntry),
//     which is what Windows ranks routes by and what "route print" and
//     "netstat -r" show. Where the interface metric cannot be read
//     (GetIpInterfaceEntry missing or failing) the route's own is kept.
//   - IfName is the interface's name from net.Interfaces() (Windows'
//     friendly name, "Ethernet"); empty for an interface that vanished.
//   - PrefSrc of an IPv4 route is the interface address that route
//     print's Interface column shows: the one whose subnet holds the
//     gateway, else the destination, else the interface's first IPv4
//     address. Windows keeps no preferred source per route; IPv6 routes
//     get none, as route print shows their interface index instead.
//
// It returns an error wrapping ErrUnsupported if iphlpapi.dll lacks
// GetIpForwardTable2 or FreeMibTable, the API's error if the call fails,
// an error wrapping errs.ErrMalformed if the table is malformed, an error if the
// interfaces cannot be listed, or ctx's error if it is done first.
func List(ctx context.Context) ([]Route, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := readForwardTable()
	if err != nil {
		return nil, err
	}
	rs, err := DecodeIPForwardTable2(b, nil)
	if err != nil {
		return nil, fmt.Errorf("routes: GetIpForwardTable2: %w", err)
	}
	addInterfaceMetrics(rs)
	if err := fillInterfaces(rs); err != nil {
		return nil, err
	}
	return rs, nil
}

// readForwardTable returns a copy of the MIB_IPFORWARD_TABLE2 of both
// families (iphlp.Table.Copy says what it returns on failure; a missing
// export also wraps ErrUnsupported, a NumEntries above mibForwardMaxRows
// errs.ErrMalformed).
func readForwardTable() ([]byte, error) {
	b, err := iphlp.Table{Name: "GetIpForwardTable2", Proc: procGetIpForwardTable2,
		Get:       func(t **byte) error { return getIpForwardTable2(windows.AF_UNSPEC, t) },
		HeaderLen: mibForwardHeader, RowLen: mibForwardRowLen, MaxRows: mibForwardMaxRows, Malformed: errs.ErrMalformed}.Copy()
	if errors.Is(err, errors.ErrUnsupported) {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	if err != nil {
		return nil, fmt.Errorf("routes: %w", err)
	}
	return b, nil
}

// addInterfaceMetrics adds to each route's metric the metric of its
// interface for its family, asking GetIpInterfaceEntry once per interface
// and family; routes whose interface metric cannot be read are left alone.
func addInterfaceMetrics(rs []Route) {
	if procGetIpInterfaceEntry.Find() != nil {
		return
	}
	type key struct{ family, index int }
	metrics := make(map[key]uint32)
	for i := range rs {
		r := &rs[i]
		k := key{r.Family, r.OIF}
		m, ok := metrics[k]
		if !ok {
			row := windows.MibIpInterfaceRow{Family: windows.AF_INET, InterfaceIndex: uint32(r.OIF)}
			if r.Family == 6 {
				row.Family = windows.AF_INET6
			}
			if getIpInterfaceEntry(&row) == nil {
				m = row.Metric
			}
			metrics[k] = m
		}
		r.Metric = addMetric(r.Metric, m)
	}
}

// fillInterfaces fills IfName, and PrefSrc of IPv4 routes, from the
// interfaces net.Interfaces lists, as List documents.
func fillInterfaces(rs []Route) error {
	ifs, err := net.Interfaces()
	if err != nil {
		return fmt.Errorf("routes: listing interfaces: %w", err)
	}
	byIndex := make(map[int]*net.Interface, len(ifs))
	for i := range ifs {
		byIndex[ifs[i].Index] = &ifs[i]
	}
	v4 := make(map[int][]netip.Prefix)
	for i := range rs {
		r := &rs[i]
		ifc := byIndex[r.OIF]
		if ifc == nil {
			continue
		}
		r.IfName = ifc.Name
		if r.Family != 4 {
			continue
		}
		pfxs, ok := v4[r.OIF]
		if !ok {
			pfxs = ipv4Prefixes(ifc)
			v4[r.OIF] = pfxs
		}
		r.PrefSrc = interfaceSource(r, pfxs)
	}
	return nil
}

// ipv4Prefixes returns the IPv4 addresses of ifc with their prefix
// lengths; none if they cannot be listed.
func ipv4Prefixes(ifc *net.Interface) []netip.Prefix {
	addrs, err := ifc.Addrs()
	if err != nil {
		return nil
	}
	var out []netip.Prefix
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		if ones, _ := ipn.Mask.Size(); ok && ip.Unmap().Is4() {
			out = append(out, netip.PrefixFrom(ip.Unmap(), ones))
		}
	}
	return out
}
