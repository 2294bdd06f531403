package netview

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/sockscope/sockscope/internal/ifaces"
)

// WriteDevices renders interfaces as net-tools 2.10 "netstat -i" does
// from t (ifaces.ReadDevices), in t's order: "Kernel Interface table",
// then the table (the packet counters, RX-OVR and TX-OVR being the fifo
// ones, and the Flg letters) or, with o.Extended (-ie), one ifconfig-style
// block per interface. Without o.All only interfaces that are up are
// shown. It renders these layouts whatever o.Style says; machine formats
// and the other styles are WriteInterfaces'.
func WriteDevices(w io.Writer, t *ifaces.DeviceTable, o Options) error {
	return output(w, func(bw *bufio.Writer) error {
		bw.WriteString("Kernel Interface table\n")
		if !o.Extended {
			bw.WriteString("Iface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n")
		}
		if t == nil {
			return nil
		}
		for i := range t.Devices {
			d := &t.Devices[i]
			if d.Flags&ifaces.FlagUp == 0 && !o.All {
				continue
			}
			if o.Extended {
				writeDeviceLong(bw, d, t.Inet6)
			} else {
				writeDeviceShort(bw, d)
			}
		}
		return nil
	})
}

// shortFlags are the letters of the Flg column, in net-tools' order (P
// twice: promiscuous, and point-to-point).
var shortFlags = []struct {
	bit    uint16
	letter byte
}{
	{ifaces.FlagAllMulti, 'A'}, {ifaces.FlagBroadcast, 'B'}, {ifaces.FlagDebug, 'D'}, {ifaces.FlagLoopback, 'L'},
	{ifaces.FlagMulticast, 'M'}, {ifaces.FlagDynamic, 'd'}, {ifaces.FlagPromisc, 'P'}, {ifaces.FlagNoTrailers, 'N'},
	{ifaces.FlagNoARP, 'O'}, {ifaces.FlagPointToPt, 'P'}, {ifaces.FlagSlave, 's'}, {ifaces.FlagMaster, 'm'},
	{ifaces.FlagRunning, 'R'}, {ifaces.FlagUp, 'U'},
}

// longFlags are the names of ifconfig's flags=N<...>, in net-tools' order.
var longFlags = []struct {
	bit  uint16
	name string
}{
	{ifaces.FlagUp, "UP"}, {ifaces.FlagBroadcast, "BROADCAST"}, {ifaces.FlagDebug, "DEBUG"},
	{ifaces.FlagLoopback, "LOOPBACK"}, {ifaces.FlagPointToPt, "POINTOPOINT"}, {ifaces.FlagNoTrailers, "NOTRAILERS"},
	{ifaces.FlagRunning, "RUNNING"}, {ifaces.FlagNoARP, "NOARP"}, {ifaces.FlagPromisc, "PROMISC"},
	{ifaces.FlagAllMulti, "ALLMULTI"}, {ifaces.FlagSlave, "SLAVE"}, {ifaces.FlagMaster, "MASTER"},
	{ifaces.FlagMulticast, "MULTICAST"}, {ifaces.FlagDynamic, "DYNAMIC"},
}

// deviceFlagLetters is the Flg column of one interface.
func deviceFlagLetters(f uint16) string {
	var b strings.Builder
	if f == 0 {
		b.WriteString("[NO FLAGS]")
	}
	for _, l := range shortFlags {
		if f&l.bit != 0 {
			b.WriteByte(l.letter)
		}
	}
	return b.String()
}

func writeDeviceShort(bw *bufio.Writer, d *ifaces.Device) {
	fmt.Fprintf(bw, "%-15s %5d ", d.Name, d.MTU)
	if s := d.Stats; s != nil {
		fmt.Fprintf(bw, "%8d %6d %6d %-6d %8d %6d %6d %6d ", s.RxPackets, s.RxErrors, s.RxDropped, s.RxFIFO,
			s.TxPackets, s.TxErrors, s.TxDropped, s.TxFIFO)
	} else {
		fmt.Fprintf(bw, "%-56s", "     - no statistics available -")
	}
	bw.WriteString(deviceFlagLetters(d.Flags) + "\n")
}

// hwType is what net-tools knows of a hardware type: its name, its title,
// and how it prints an address (nil: never).
type hwType struct {
	name, title string
	print       func(a [8]byte) string
}

func printEther(a [8]byte) string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5])
}

// printUnspec prints the 16 bytes net-tools shows of an address of a type
// it does not know, of which the kernel gave the first 8.
func printUnspec(a [8]byte) string {
	var b strings.Builder
	for i := 0; i < 16; i++ {
		if i > 0 {
			b.WriteByte('-')
		}
		var c byte
		if i < len(a) {
			c = a[i]
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

var hwTypes = map[uint16]hwType{
	ifaces.ARPHRDEther:    {"ether", "Ethernet", printEther},
	ifaces.ARPHRDLoopback: {"loop", "Local Loopback", nil},
	ifaces.ARPHRDPPP:      {"ppp", "Point-to-Point Protocol", nil},
	ifaces.ARPHRDSit:      {"sit", "IPv6-in-IPv4", nil},
	ifaces.ARPHRDTunnel:   {"tunnel", "IPIP Tunnel", nil},
}

var hwUnspec = hwType{"unspec", "UNSPEC", printUnspec}

// scaled is ifconfig's short form of a byte count: one decimal in the
// largest binary unit the count exceeds.
func scaled(v uint64) string {
	units := []struct {
		limit uint64
		name  string
	}{{1 << 50, "PiB"}, {1 << 40, "TiB"}, {1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}}
	tenths := v * 10
	unit := "B"
	for _, u := range units {
		if v > u.limit {
			if u.limit == 1<<50 && v > (1<<63-1)/10 {
				tenths = v / (1 << 50 / 10) // as net-tools, avoiding the overflow of v*10
			} else {
				tenths /= u.limit
			}
			unit = u.name
			break
		}
	}
	return fmt.Sprintf("%d.%d %s", tenths/10, tenths%10, unit)
}

func writeDeviceLong(bw *bufio.Writer, d *ifaces.Device, inet6 []ifaces.Inet6Addr) {
	flags := fmt.Sprintf("flags=%d<", int16(d.Flags))
	if d.Flags == 0 {
		flags += ">"
	}
	for _, l := range longFlags {
		if d.Flags&l.bit != 0 {
			flags += l.name + ","
		}
	}
	// net-tools turns the last comma into ">" and otherwise drops the last
	// character, so no flags read "flags=0<".
	if strings.HasSuffix(flags, ",") {
		flags = flags[:len(flags)-1] + ">"
	} else {
		flags = flags[:len(flags)-1]
	}
	fmt.Fprintf(bw, "%s: %s  mtu %d\n", d.Name, flags, d.MTU)
	if d.HasIPv4 {
		fmt.Fprintf(bw, "        inet %s  netmask %s", d.Addr, d.Netmask)
		if d.Flags&ifaces.FlagBroadcast != 0 {
			fmt.Fprintf(bw, "  broadcast %s", d.Broadcast)
		}
		if d.Flags&ifaces.FlagPointToPt != 0 {
			fmt.Fprintf(bw, "  destination %s", d.Dest)
		}
		bw.WriteByte('\n')
	}
	for _, a := range inet6 {
		if a.Device != d.Name {
			continue
		}
		fmt.Fprintf(bw, "        inet6 %s  prefixlen %d  scopeid 0x%x%s\n", ntop6(a.Addr), a.PrefixLen, a.Scope, scopeNames(a.Scope))
	}
	hw, ok := hwTypes[d.HWType]
	if !ok {
		hw = hwUnspec
	}
	if hw.print != nil {
		fmt.Fprintf(bw, "        %s %s", hw.name, hw.print(d.HWAddr))
	} else {
		fmt.Fprintf(bw, "        %s", hw.name)
	}
	if d.TxQueueLen != ifaces.TxQueueLenUnset {
		fmt.Fprintf(bw, "  txqueuelen %d", d.TxQueueLen)
	}
	fmt.Fprintf(bw, "  (%s)\n", hw.title)
	if s := d.Stats; s != nil {
		fmt.Fprintf(bw, "        RX packets %d  bytes %d (%s)\n", s.RxPackets, s.RxBytes, scaled(s.RxBytes))
		fmt.Fprintf(bw, "        RX errors %d  dropped %d  overruns %d  frame %d\n", s.RxErrors, s.RxDropped, s.RxFIFO, s.RxFrame)
		fmt.Fprintf(bw, "        TX packets %d  bytes %d (%s)\n", s.TxPackets, s.TxBytes, scaled(s.TxBytes))
		fmt.Fprintf(bw, "        TX errors %d  dropped %d overruns %d  carrier %d  collisions %d\n", s.TxErrors, s.TxDropped,
			s.TxFIFO, s.TxCarrier, s.TxCollisions)
	}
	if m := d.Map; m.IRQ != 0 || m.MemStart != 0 || m.DMA != 0 || m.BaseAddr >= 0x100 {
		bw.WriteString("        device ")
		if m.IRQ != 0 {
			fmt.Fprintf(bw, "interrupt %d  ", m.IRQ)
		}
		if m.BaseAddr >= 0x100 {
			fmt.Fprintf(bw, "base 0x%x  ", m.BaseAddr)
		}
		if m.MemStart != 0 {
			fmt.Fprintf(bw, "memory 0x%x-%x  ", m.MemStart, m.MemEnd)
		}
		if m.DMA != 0 {
			fmt.Fprintf(bw, "  dma 0x%x", m.DMA)
		}
		bw.WriteByte('\n')
	}
	bw.WriteByte('\n')
}

// scopeNames spells an if_inet6 scope as ifconfig does: "<link>",
// "<global>", "<compat,global>"; nothing when no name applies.
func scopeNames(scope int) string {
	var names []string
	if scope&0x80 != 0 { // IPV6_ADDR_COMPATv4
		names = append(names, "compat")
		scope -= 0x80
	}
	if scope == 0 {
		names = append(names, "global")
	}
	for _, s := range []struct {
		bit  int
		name string
	}{{0x20, "link"}, {0x40, "site"}, {0x10, "host"}} {
		if scope&s.bit != 0 {
			names = append(names, s.name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "<" + strings.Join(names, ",") + ">"
}
