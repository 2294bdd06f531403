// Package netview renders the netstat views that are not socket listings:
// the routing tables (netstat -r), the interface table (netstat -i), the
// Windows Ethernet statistics (netstat -e) and the multicast group
// memberships (netstat -g).
//
// # Layouts
//
// Every view has the three table styles of package render, chosen by
// Options.Style, and the machine formats JSON, NDJSON and CSV, chosen by
// Options.Format:
//
//   - render.Linux lays the tables out as net-tools 2.10 netstat does (-r,
//     -i, -ie, -g), column for column, always in English as net-tools is.
//     Byte-exact output needs what net-tools reads: WriteKernelRoutes
//     renders the kernel's route files (routes.ReadKernel) and
//     WriteDevices the interface ioctls (ifaces.ReadDevices); WriteRoutes
//     and WriteInterfaces approximate the same layouts from netlink and
//     net.Interfaces where those are missing (Windows, macOS). Without
//     Options.Numeric, the names of /etc/hosts and /etc/networks
//     (ReadNames, the only files a writer's caller reads for them) stand
//     for addresses as in net-tools.
//   - render.Windows lays them out as Windows does: "route print" for
//     routes and "netstat -e" for Ethernet statistics. Windows netstat has
//     no interface table (its -i is time in state) and no -g, so those two
//     views fall back to the modern layout.
//   - render.Modern (the default) aligns columns to their content and
//     shows everything the kernel gave: all routing tables, bytes as well
//     as packets.
//
// The Windows and modern tables speak Simplified Chinese when Options.Lang
// is a "zh" tag (SPEC section 6), padded by display width (a CJK character
// takes two columns, as in the GBK console Windows pads by bytes).
//
// docs/netviews.md describes each layout, the JSON and CSV fields, and how
// Linux counters map onto the Windows ones.
//
// # Input
//
// The writers render what they are given, in the order given, and never
// read the system: routes come from routes.List (or routes.ReadKernel),
// interfaces and groups from ifaces.Interfaces (or ifaces.ReadDevices)
// and ifaces.Groups, MTUs and flags from net.Interfaces (IfaceInfo). Each writer buffers its output and returns
// the first error writing to w.
package netview
