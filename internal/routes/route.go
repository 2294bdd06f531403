package routes

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/sockscope/sockscope/internal/errs"
)

// ErrUnsupported is wrapped by the error List returns on systems it cannot
// read routes on.
var ErrUnsupported = errors.New("routes: not supported on this system")

func parseErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errs.ErrMalformed}, args...)...)
}

// Well-known routing table ids (enum rt_class_t in
// include/uapi/linux/rtnetlink.h).
const (
	TableCompat  = 252 // RT_TABLE_COMPAT: rtm_table of a table numbered above 255
	TableDefault = 253 // RT_TABLE_DEFAULT
	TableMain    = 254 // RT_TABLE_MAIN
	TableLocal   = 255 // RT_TABLE_LOCAL
)

// Route types (rtm_type, the RTN_* values of include/uapi/linux/rtnetlink.h).
const (
	TypeUnicast     = 1 // RTN_UNICAST: a gateway or direct route
	TypeLocal       = 2 // RTN_LOCAL: accept locally
	TypeBroadcast   = 3 // RTN_BROADCAST
	TypeAnycast     = 4 // RTN_ANYCAST
	TypeMulticast   = 5 // RTN_MULTICAST
	TypeBlackhole   = 6 // RTN_BLACKHOLE: drop
	TypeUnreachable = 7 // RTN_UNREACHABLE: destination is unreachable
	TypeProhibit    = 8 // RTN_PROHIBIT: administratively prohibited
	TypeThrow       = 9 // RTN_THROW: not in this table
)

// Route scopes (rtm_scope, enum rt_scope_t).
const (
	ScopeUniverse = 0   // RT_SCOPE_UNIVERSE: "global"
	ScopeSite     = 200 // RT_SCOPE_SITE
	ScopeLink     = 253 // RT_SCOPE_LINK: destination on an attached link
	ScopeHost     = 254 // RT_SCOPE_HOST: a local address
	ScopeNowhere  = 255 // RT_SCOPE_NOWHERE
)

// Route is one entry of a routing table: a decoded RTM_NEWROUTE message,
// or on Windows a MIB_IPFORWARD_ROW2 (DecodeIPForwardTable2 says which
// fields it fills and how).
type Route struct {
	// Family is 4 for an IPv4 route, 6 for an IPv6 one.
	Family int
	// Dst is the destination prefix; 0.0.0.0/0 or ::/0 for a default route.
	Dst netip.Prefix
	// Gateway is the next hop (RTA_GATEWAY, or the address of RTA_VIA,
	// which may be of the other family); invalid for a direct route and for
	// a multipath route, whose gateways are in Nexthops.
	Gateway netip.Addr
	// OIF is the output interface index (RTA_OIF); 0 if none.
	OIF int
	// IfName is the name of OIF. The decoders leave it empty; List fills
	// it.
	IfName string
	// Metric is the route priority (RTA_PRIORITY); 0 if absent. On
	// Windows, List reports the effective metric, the route's plus its
	// interface's.
	Metric uint32
	// Table is the routing table id: RTA_TABLE when present, else
	// rtm_table. See TableMain and the other Table constants.
	Table uint32
	// Protocol is who installed the route (rtm_protocol, RTPROT_*: 2
	// kernel, 3 boot, 4 static, 9 router advertisement, ...).
	Protocol uint8
	// Scope is the distance to the destination (rtm_scope, see ScopeLink
	// and the other Scope constants).
	Scope uint8
	// Type is the route type (rtm_type, see TypeUnicast and the others).
	Type uint8
	// PrefSrc is the preferred source address (RTA_PREFSRC); invalid if
	// none.
	PrefSrc netip.Addr
	// Flags are rtm_flags (RTM_F_* and RTNH_F_* bits).
	Flags uint32
	// Nexthops are the paths of a multipath route (RTA_MULTIPATH); nil
	// otherwise.
	Nexthops []Nexthop
}

// Nexthop is one path of a multipath route (struct rtnexthop and its
// attributes).
type Nexthop struct {
	// Gateway is the path's next hop (RTA_GATEWAY or RTA_VIA); invalid for
	// a direct path.
	Gateway netip.Addr
	// OIF is the output interface index (rtnh_ifindex).
	OIF int
	// IfName is the name of OIF, filled by List.
	IfName string
	// Weight is the path's weight, rtnh_hops plus one, as ip route shows it.
	Weight int
	// Flags are rtnh_flags (RTNH_F_DEAD, RTNH_F_ONLINK, ...).
	Flags uint8
}
