package i18n

// netview: the interface, group, route and Ethernet views (internal/netview).
// The linux style is net-tools' English and has no keys here, nor have
// iproute2's names (main, kernel, unicast, ...), which are identifiers.
func init() {
	merge(en, map[string]string{
		// netstat -e, Windows layout.
		"netview.eth.title":      "Interface Statistics",
		"netview.eth.received":   "Received",
		"netview.eth.sent":       "Sent",
		"netview.eth.bytes":      "Bytes",
		"netview.eth.unicast":    "Unicast packets",
		"netview.eth.nonunicast": "Non-unicast packets",
		"netview.eth.discards":   "Discards",
		"netview.eth.errors":     "Errors",
		"netview.eth.unknown":    "Unknown protocols",

		// Multicast groups, modern table.
		"netview.groups.col.interface": "Interface",
		"netview.groups.col.group":     "Group",
		"netview.groups.col.users":     "Users",

		// Interfaces, modern table.
		"netview.ifaces.col.interface":  "Interface",
		"netview.ifaces.col.mtu":        "MTU",
		"netview.ifaces.col.rxbytes":    "RX bytes",
		"netview.ifaces.col.rxpackets":  "RX packets",
		"netview.ifaces.col.rxerrors":   "RX errors",
		"netview.ifaces.col.rxdropped":  "RX dropped",
		"netview.ifaces.col.rxoverruns": "RX overruns",
		"netview.ifaces.col.txbytes":    "TX bytes",
		"netview.ifaces.col.txpackets":  "TX packets",
		"netview.ifaces.col.txerrors":   "TX errors",
		"netview.ifaces.col.txdropped":  "TX dropped",
		"netview.ifaces.col.txoverruns": "TX overruns",
		"netview.ifaces.col.flags":      "Flags",

		// Routes, modern tables.
		"netview.routes.ipv4":         "IPv4 routes",
		"netview.routes.ipv6":         "IPv6 routes",
		"netview.routes.col.dest":     "Destination",
		"netview.routes.col.gateway":  "Gateway",
		"netview.routes.col.iface":    "Interface",
		"netview.routes.col.metric":   "Metric",
		"netview.routes.col.table":    "Table",
		"netview.routes.col.protocol": "Protocol",
		"netview.routes.col.scope":    "Scope",
		"netview.routes.col.source":   "Source",
		"netview.routes.col.type":     "Type",

		// Routes, Windows "route print". The heading lines are whole, as
		// English Windows prints them.
		"netview.routes.win.ipv4":       "IPv4 Route Table",
		"netview.routes.win.ipv6":       "IPv6 Route Table",
		"netview.routes.win.active":     "Active Routes:",
		"netview.routes.win.persistent": "Persistent Routes:",
		"netview.routes.win.none":       "None",
		"netview.routes.win.onlink":     "On-link",
		"netview.routes.win.head4":      "Network Destination        Netmask          Gateway       Interface  Metric",
		"netview.routes.win.head6":      " If Metric Network Destination      Gateway",
	})
}
