package netview

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strconv"

	"github.com/sockscope/sockscope/internal/ifaces"
	"github.com/sockscope/sockscope/internal/render"
)

// WriteGroups renders multicast group memberships to w as o says. The
// linux style is net-tools "netstat -g": one "IPv6/IPv4 Group
// Memberships" table, IPv4 groups first, then IPv6, as Debian 12's
// net-tools 2.10 prints them, each in the order given; without o.Numeric
// a group o.Names names ("ip6-allnodes") reads as that name. Windows
// netstat has no -g, so the windows style is the modern one: Interface,
// Group, Users, in the order given.
func WriteGroups(w io.Writer, gs []ifaces.Membership, o Options) error {
	var sel []ifaces.Membership
	for _, g := range gs {
		if fam := famOf(g); o.wants(fam) {
			sel = append(sel, g)
		}
	}
	return output(w, func(bw *bufio.Writer) error {
		switch o.Format {
		case render.JSON, render.NDJSON:
			return writeJSON(bw, o.Format, "groups", groupsJSON(sel))
		case render.CSV:
			var rows [][]string
			for _, g := range sel {
				rows = append(rows, []string{g.Device, strconv.Itoa(g.Ifindex), strconv.Itoa(famOf(g)), g.Group.String(), strconv.Itoa(g.Users)})
			}
			return writeCSV(bw, []string{"interface", "ifindex", "family", "group", "users"}, rows)
		}
		if o.Style == render.Linux {
			bw.WriteString("IPv6/IPv4 Group Memberships\n")
			bw.WriteString("Interface       RefCnt Group\n")
			bw.WriteString("--------------- ------ ---------------------\n")
			for _, fam := range []int{4, 6} {
				for _, g := range sel {
					if famOf(g) == fam {
						fmt.Fprintf(bw, "%-15s %-6d %s\n", g.Device, g.Users, o.hostOr(g.Group, groupText(g.Group)))
					}
				}
			}
			return nil
		}
		t := table{right: map[int]bool{2: true}, head: []string{o.t("netview.groups.col.interface"),
			o.t("netview.groups.col.group"), o.t("netview.groups.col.users")}}
		for _, g := range sel {
			t.add(g.Device, g.Group.String(), strconv.Itoa(g.Users))
		}
		t.write(bw)
		return nil
	})
}

func famOf(g ifaces.Membership) int {
	if g.Group.Is4() {
		return 4
	}
	return 6
}

type groupJSON struct {
	Interface string `json:"interface"`
	Ifindex   int    `json:"ifindex"`
	Family    int    `json:"family"`
	Group     string `json:"group"`
	Users     int    `json:"users"`
}

func groupsJSON(gs []ifaces.Membership) []groupJSON {
	out := make([]groupJSON, 0, len(gs))
	for _, g := range gs {
		out = append(out, groupJSON{g.Device, g.Ifindex, famOf(g), g.Group.String(), g.Users})
	}
	return out
}

// groupText prints a group as net-tools does: IPv6 as glibc's inet_ntop.
func groupText(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	return ntop6(a)
}
