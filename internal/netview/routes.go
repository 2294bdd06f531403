package netview

import (
	"bufio"
	"io"
	"strconv"

	"github.com/sockscope/sockscope/internal/render"
	"github.com/sockscope/sockscope/internal/routes"
)

// WriteRoutes renders routing tables to w as o says: IPv4 first, then
// IPv6, each in the order given (routes.List gives the kernel's).
//
//   - The linux style is net-tools "netstat -rn" approximated from netlink,
//     for systems without the kernel's route files (WriteKernelRoutes
//     renders those exactly): IPv4 only unless o.Families says otherwise,
//     the routes of the main table that /proc/net/route shows (every type
//     but broadcast and multicast); for IPv6 those of every table; flags
//     are derived as the kernel derives them for those files (linuxFlags4,
//     linuxFlags6). Ref prints 0 and the kernel's null-entry reject routes
//     are missing: netlink carries neither.
//   - The windows style is "route print" without its interface list: the
//     routes of the main, local and default tables.
//   - The modern style shows every route of every table.
//
// JSON, NDJSON and CSV hold every route; docs/netviews.md lists the fields.
func WriteRoutes(w io.Writer, rs []routes.Route, o Options) error {
	var v4, v6 []routes.Route
	want4, want6 := o.wants(4), o.wants(6)
	if o.Style == render.Linux {
		want4, want6 = o.routeFamilies()
	}
	for _, r := range rs {
		switch {
		case r.Family == 4 && want4:
			v4 = append(v4, r)
		case r.Family == 6 && want6:
			v6 = append(v6, r)
		}
	}
	return output(w, func(bw *bufio.Writer) error {
		switch o.Format {
		case render.JSON, render.NDJSON:
			return writeJSON(bw, o.Format, "routes", routesJSON(append(v4, v6...)))
		case render.CSV:
			return writeCSV(bw, routeCSVHead, routesCSV(append(v4, v6...)))
		}
		switch o.Style {
		case render.Linux:
			writeRoutesLinux(bw, v4, v6, &o)
		case render.Windows:
			writeRoutesWindows(bw, v4, v6, &o)
		default:
			writeRoutesModern(bw, v4, v6, &o)
		}
		return nil
	})
}

// dest prints a route's destination as CIDR, or "default" for a default
// route unless o is numeric.
func dest(r *routes.Route, o *Options) string {
	if r.Dst.Bits() == 0 && !o.Numeric {
		return "default"
	}
	return r.Dst.String()
}

func writeRoutesModern(bw *bufio.Writer, v4, v6 []routes.Route, o *Options) {
	sections := []struct {
		rs    []routes.Route
		title string
		fam   int
	}{{v4, o.t("netview.routes.ipv4"), 4}, {v6, o.t("netview.routes.ipv6"), 6}}
	var head []string
	for _, c := range []string{"dest", "gateway", "iface", "metric", "table", "protocol", "scope", "source", "type"} {
		head = append(head, o.t("netview.routes.col."+c))
	}
	first := true
	for _, s := range sections {
		if !o.wants(s.fam) || len(s.rs) == 0 && (o.Families == FamilyDefault || o.Families == FamilyBoth) {
			// A family not asked for has no section; one asked for
			// alone shows its (maybe empty) table.
			continue
		}
		if !first {
			bw.WriteByte('\n')
		}
		first = false
		bw.WriteString(s.title + "\n")
		t := table{head: head, right: map[int]bool{3: true}}
		for i := range s.rs {
			r := &s.rs[i]
			gw, dev := addrOrEmpty(r.Gateway), ifName(r.IfName, r.OIF)
			if len(r.Nexthops) > 0 {
				gw, dev = nexthopGateway(&r.Nexthops[0]), ifName(r.Nexthops[0].IfName, r.Nexthops[0].OIF)
			}
			t.add(dest(r, o), gw, dev, strconv.FormatUint(uint64(r.Metric), 10), tableName(r.Table),
				protoName(r.Protocol), scopeName(r.Scope), addrOrEmpty(r.PrefSrc), typeName(r.Type))
			for j := 1; j < len(r.Nexthops); j++ {
				nh := &r.Nexthops[j]
				t.add("", nexthopGateway(nh), ifName(nh.IfName, nh.OIF), "", "", "", "", "", "")
			}
		}
		t.write(bw)
	}
}

// nexthopGateway prints one path of a multipath route: its gateway (or
// "direct") and its weight.
func nexthopGateway(nh *routes.Nexthop) string {
	gw := addrOrEmpty(nh.Gateway)
	if gw == "" {
		gw = "direct"
	}
	return gw + " weight " + strconv.Itoa(nh.Weight)
}

// routeJSON is the JSON object of one route (docs/netviews.md).
type routeJSON struct {
	Family      int           `json:"family"`
	Destination string        `json:"destination"`
	Gateway     *string       `json:"gateway"`
	Interface   string        `json:"interface"`
	Ifindex     int           `json:"ifindex"`
	Metric      uint32        `json:"metric"`
	Table       uint32        `json:"table"`
	TableName   string        `json:"table_name"`
	Protocol    string        `json:"protocol"`
	Scope       string        `json:"scope"`
	Type        string        `json:"type"`
	Source      *string       `json:"source"`
	Flags       uint32        `json:"flags"`
	Nexthops    []nexthopJSON `json:"nexthops,omitempty"`
}

type nexthopJSON struct {
	Gateway   *string `json:"gateway"`
	Interface string  `json:"interface"`
	Ifindex   int     `json:"ifindex"`
	Weight    int     `json:"weight"`
	Flags     uint8   `json:"flags"`
}

func routesJSON(rs []routes.Route) []routeJSON {
	out := make([]routeJSON, 0, len(rs))
	for _, r := range rs {
		j := routeJSON{Family: r.Family, Destination: r.Dst.String(), Gateway: addrOrNil(r.Gateway),
			Interface: r.IfName, Ifindex: r.OIF, Metric: r.Metric, Table: r.Table, TableName: tableName(r.Table),
			Protocol: protoName(r.Protocol), Scope: scopeName(r.Scope), Type: typeName(r.Type),
			Source: addrOrNil(r.PrefSrc), Flags: r.Flags}
		for _, nh := range r.Nexthops {
			j.Nexthops = append(j.Nexthops, nexthopJSON{Gateway: addrOrNil(nh.Gateway), Interface: nh.IfName,
				Ifindex: nh.OIF, Weight: nh.Weight, Flags: nh.Flags})
		}
		out = append(out, j)
	}
	return out
}

var routeCSVHead = []string{"family", "destination", "gateway", "interface", "ifindex", "weight",
	"metric", "table", "protocol", "scope", "type", "source", "flags"}

// routesCSV flattens routes to rows; a multipath route takes one row per
// path, with that path's gateway, interface and weight (0 otherwise).
func routesCSV(rs []routes.Route) [][]string {
	var rows [][]string
	for _, r := range rs {
		row := func(gw, dev string, idx, weight int) []string {
			return []string{strconv.Itoa(r.Family), r.Dst.String(), gw, dev, strconv.Itoa(idx), strconv.Itoa(weight),
				strconv.FormatUint(uint64(r.Metric), 10), tableName(r.Table), protoName(r.Protocol),
				scopeName(r.Scope), typeName(r.Type), addrOrEmpty(r.PrefSrc), strconv.FormatUint(uint64(r.Flags), 10)}
		}
		if len(r.Nexthops) == 0 {
			rows = append(rows, row(addrOrEmpty(r.Gateway), r.IfName, r.OIF, 0))
		}
		for _, nh := range r.Nexthops {
			rows = append(rows, row(addrOrEmpty(nh.Gateway), nh.IfName, nh.OIF, nh.Weight))
		}
	}
	return rows
}
