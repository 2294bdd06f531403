package ifaces

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// Interface flags (IFF_* of include/uapi/linux/if.h), the low 16 bits that
// SIOCGIFFLAGS returns and net-tools prints.
const (
	FlagUp          = 0x1    // IFF_UP
	FlagBroadcast   = 0x2    // IFF_BROADCAST
	FlagDebug       = 0x4    // IFF_DEBUG
	FlagLoopback    = 0x8    // IFF_LOOPBACK
	FlagPointToPt   = 0x10   // IFF_POINTOPOINT
	FlagNoTrailers  = 0x20   // IFF_NOTRAILERS
	FlagRunning     = 0x40   // IFF_RUNNING
	FlagNoARP       = 0x80   // IFF_NOARP
	FlagPromisc     = 0x100  // IFF_PROMISC
	FlagAllMulti    = 0x200  // IFF_ALLMULTI
	FlagMaster      = 0x400  // IFF_MASTER
	FlagSlave       = 0x800  // IFF_SLAVE
	FlagMulticast   = 0x1000 // IFF_MULTICAST
	FlagPortSel     = 0x2000 // IFF_PORTSEL
	FlagAutoMedia   = 0x4000 // IFF_AUTOMEDIA
	FlagDynamic     = 0x8000 // IFF_DYNAMIC
	ARPHRDEther     = 1      // ARPHRD_ETHER: Ethernet
	ARPHRDPPP       = 512    // ARPHRD_PPP
	ARPHRDTunnel    = 768    // ARPHRD_TUNNEL: IPIP
	ARPHRDLoopback  = 772    // ARPHRD_LOOPBACK
	ARPHRDSit       = 776    // ARPHRD_SIT: IPv6 in IPv4
	ARPHRDNone      = 0xfffe // ARPHRD_NONE: no hardware header (tun, WireGuard)
	TxQueueLenUnset = -1     // Device.TxQueueLen when SIOCGIFTXQLEN failed
)

// Device is one network interface as net-tools' ifconfig and netstat -i
// see it: the ioctls they issue (SIOCGIFFLAGS, SIOCGIFHWADDR, SIOCGIFMTU,
// SIOCGIFMAP, SIOCGIFTXQLEN and the IPv4 address ones) and its line of
// /proc/net/dev.
type Device struct {
	// Name is the interface's name, or an IPv4 address label ("eth0:1"),
	// which SIOCGIFCONF lists as an interface of its own.
	Name string
	// Stats are the counters of the /proc/net/dev line; nil for a name
	// that file lacks (an address label).
	Stats *Interface
	// Flags are the IFF_* flags (FlagUp and the others).
	Flags uint16
	// MTU is the interface's MTU; 0 if it could not be read.
	MTU int
	// HWType is the hardware type (ARPHRD_*, ARPHRDEther and the others)
	// and HWAddr the first 8 bytes of the hardware address, zero if
	// SIOCGIFHWADDR failed.
	HWType uint16
	HWAddr [8]byte
	// TxQueueLen is the transmit queue length, or TxQueueLenUnset.
	TxQueueLen int
	// Map is the device's I/O map (SIOCGIFMAP); zero for virtual devices.
	Map IfMap
	// HasIPv4 reports that the name has an IPv4 address (SIOCGIFADDR);
	// Addr, Netmask, Broadcast and Dest (the point-to-point peer) are then
	// set (the unspecified address where an ioctl failed).
	HasIPv4                        bool
	Addr, Netmask, Broadcast, Dest netip.Addr
}

// IfMap is struct ifmap: the hardware resources of an old-style device.
type IfMap struct {
	MemStart, MemEnd uint64
	BaseAddr         uint16
	IRQ, DMA, Port   uint8
}

// Inet6Addr is one line of /proc/net/if_inet6: an IPv6 address of an
// interface.
type Inet6Addr struct {
	Addr      netip.Addr
	Ifindex   int
	PrefixLen int
	// Scope is the kernel's IPV6_ADDR_* scope bits (0 global, 0x10 host,
	// 0x20 link, 0x40 site, 0x80 IPv4-compatible).
	Scope int
	// Flags are the IFA_F_* flags.
	Flags  int
	Device string
}

// DeviceTable is what net-tools' netstat -i and -ie print: the devices in
// net-tools' order (NameLess), and every IPv6 address in the kernel's.
type DeviceTable struct {
	Devices []Device
	Inet6   []Inet6Addr
}

// ErrNoDevices is wrapped by the error ReadDevices returns on systems
// without the Linux interface ioctls.
var ErrNoDevices = errors.New("ifaces: interface details are read on Linux only")

// CompareNames orders interface names as net-tools does (its nstrcmp): a
// name splits into a stem, a decimal number ending it and an alias
// (":N"); stems compare as bytes up to the shorter one's length, then the
// longer stem sorts last, then the numbers, then the aliases (none before
// any), so eth2 < eth10 < eth10:1 < lo. It returns -1, 0 or +1; 0 also
// for names net-tools takes as one ("eth01" and "eth1").
func CompareNames(a, b string) int {
	aStem, aNum, aAlias := splitName(a)
	bStem, bNum, bAlias := splitName(b)
	n := min(len(aStem), len(bStem))
	if c := strings.Compare(aStem[:n], bStem[:n]); c != 0 {
		return c
	}
	switch {
	case len(aStem) != len(bStem):
		return cmpInt(len(aStem), len(bStem))
	case aNum != bNum:
		return cmpInt(aNum, bNum)
	}
	return cmpInt(aAlias, bAlias)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// splitName splits an interface name for CompareNames: the stem before
// the trailing digits, their value (0 when there are none) and the alias
// number after a final ":" followed by digits (-1 when there is none).
// Numbers saturate rather than overflow.
func splitName(s string) (stem string, num, alias int) {
	alias = -1
	if i := strings.LastIndexByte(s, ':'); i >= 0 && i < len(s)-1 && allDigits(s[i+1:]) {
		alias = atoiSat(s[i+1:])
		s = s[:i]
	}
	j := len(s)
	for j > 0 && s[j-1] >= '0' && s[j-1] <= '9' {
		j--
	}
	return s[:j], atoiSat(s[j:]), alias
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoiSat is the value of a run of decimal digits, 0 for none, capped at
// 1<<31-1.
func atoiSat(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = min(v*10+int(s[i]-'0'), 1<<31-1)
	}
	return v
}

// insertName adds name to names, which CompareNames keeps sorted, unless
// a name comparing equal is there already, as net-tools builds its list.
func insertName(names []string, name string) []string {
	i := len(names)
	for i > 0 {
		c := CompareNames(names[i-1], name)
		if c == 0 {
			return names
		}
		if c < 0 {
			break
		}
		i--
	}
	names = append(names, "")
	copy(names[i+1:], names[i:])
	names[i] = name
	return names
}

// ParseIfInet6 parses /proc/net/if_inet6, as printed by if6_seq_show
// (net/ipv6/addrconf.c): one line per address, "address ifindex prefixlen
// scope flags device", the address as 32 hexadecimal digits and the
// numbers in hexadecimal. Blank lines are ignored.
//
// It returns an error wrapping errs.ErrMalformed, quoting the line, for a line with
// fewer than 6 fields, an address that is not 32 hexadecimal digits or a
// number that is not hexadecimal (a prefix length above 128 included), and
// the reader's error if reading fails.
func ParseIfInet6(r io.Reader) ([]Inet6Addr, error) {
	sc := bufio.NewScanner(r)
	var out []Inet6Addr
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 6 {
			return nil, igmpError("/proc/net/if_inet6", line, fmt.Sprintf("%d fields, want 6", len(f)))
		}
		var a [16]byte
		if len(f[0]) != 32 {
			return nil, igmpError("/proc/net/if_inet6", line, fmt.Sprintf("address %q is not 32 hexadecimal digits", f[0]))
		}
		if _, err := hex.Decode(a[:], []byte(f[0])); err != nil {
			return nil, igmpError("/proc/net/if_inet6", line, fmt.Sprintf("address %q is not 32 hexadecimal digits", f[0]))
		}
		var v [4]int
		for i := range v {
			n, err := strconv.ParseUint(f[1+i], 16, 31)
			if err != nil {
				return nil, igmpError("/proc/net/if_inet6", line, fmt.Sprintf("field %d %q is not hexadecimal", 2+i, f[1+i]))
			}
			v[i] = int(n)
		}
		if v[1] > 128 {
			return nil, igmpError("/proc/net/if_inet6", line, fmt.Sprintf("prefix length %d above 128", v[1]))
		}
		out = append(out, Inet6Addr{Addr: netip.AddrFrom16(a), Ifindex: v[0], PrefixLen: v[1], Scope: v[2], Flags: v[3], Device: f[5]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read /proc/net/if_inet6: %w", err)
	}
	return out, nil
}
