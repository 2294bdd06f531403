package netview

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/sockscope/sockscope/internal/ifaces"
	"github.com/sockscope/sockscope/internal/render"
)

// IfaceInfo is what /proc/net/dev lacks: MTU and flags (from
// net.Interfaces()).
type IfaceInfo struct {
	MTU   int
	Flags net.Flags
}

// WriteInterfaces renders the interface table to w as o says, one row per
// interface in the order given; info, keyed by name, supplies MTUs and
// flags ("-" and no flags for a missing name). The linux style is net-tools
// "netstat -ia" approximated for systems without Linux's interface ioctls
// (WriteDevices renders those exactly, and leaves out interfaces that are
// down unless asked): RX-OVR and TX-OVR are the fifo counters, Flg the
// letters B (broadcast), L (loopback), M (multicast), P (point-to-point), R
// (running) and U (up) that net.Flags knows, in net-tools' order; names are
// never truncated. The windows style is the modern one: Windows netstat -i
// is something else.
func WriteInterfaces(w io.Writer, ifs []ifaces.Interface, info map[string]IfaceInfo, o Options) error {
	return output(w, func(bw *bufio.Writer) error {
		switch o.Format {
		case render.JSON, render.NDJSON:
			return writeJSON(bw, o.Format, "interfaces", ifacesJSON(ifs, info))
		case render.CSV:
			return writeCSV(bw, ifaceCSVHead, ifacesCSV(ifs, info))
		}
		if o.Style == render.Linux {
			writeIfacesLinux(bw, ifs, info)
			return nil
		}
		t := table{right: map[int]bool{}}
		for i := 1; i <= 11; i++ {
			t.right[i] = true
		}
		for _, c := range []string{"interface", "mtu", "rxbytes", "rxpackets", "rxerrors", "rxdropped", "rxoverruns",
			"txbytes", "txpackets", "txerrors", "txdropped", "txoverruns", "flags"} {
			t.head = append(t.head, o.t("netview.ifaces.col."+c))
		}
		u := func(v uint64) string { return strconv.FormatUint(v, 10) }
		for _, f := range ifs {
			mtu, flags := "-", ""
			if in, ok := info[f.Name]; ok {
				mtu, flags = strconv.Itoa(in.MTU), flagNames(in.Flags)
			}
			t.add(f.Name, mtu, u(f.RxBytes), u(f.RxPackets), u(f.RxErrors), u(f.RxDropped), u(f.RxFIFO),
				u(f.TxBytes), u(f.TxPackets), u(f.TxErrors), u(f.TxDropped), u(f.TxFIFO), flags)
		}
		t.write(bw)
		return nil
	})
}

// flagNames lists flags as net.Flags names them, comma-separated.
func flagNames(f net.Flags) string {
	if f == 0 {
		return ""
	}
	return strings.ReplaceAll(f.String(), "|", ",")
}

// flagLetters is net-tools' Flg column for the flags net.Interfaces knows.
func flagLetters(f net.Flags) string {
	if f == 0 {
		return "[NO FLAGS]"
	}
	var b strings.Builder
	for _, l := range []struct {
		f net.Flags
		c byte
	}{{net.FlagBroadcast, 'B'}, {net.FlagLoopback, 'L'}, {net.FlagMulticast, 'M'},
		{net.FlagPointToPoint, 'P'}, {net.FlagRunning, 'R'}, {net.FlagUp, 'U'}} {
		if f&l.f != 0 {
			b.WriteByte(l.c)
		}
	}
	return b.String()
}

func writeIfacesLinux(bw *bufio.Writer, ifs []ifaces.Interface, info map[string]IfaceInfo) {
	bw.WriteString("Kernel Interface table\n")
	bw.WriteString("Iface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n")
	for _, f := range ifs {
		mtu, flags := "-", ""
		if in, ok := info[f.Name]; ok {
			mtu, flags = strconv.Itoa(in.MTU), flagLetters(in.Flags)
		}
		fmt.Fprintf(bw, "%-15s %5s %8d %6d %6d %-6d %8d %6d %6d %6d %s\n", f.Name, mtu,
			f.RxPackets, f.RxErrors, f.RxDropped, f.RxFIFO, f.TxPackets, f.TxErrors, f.TxDropped, f.TxFIFO, flags)
	}
}

// ifaceJSON is the JSON object of one interface (docs/netviews.md).
type ifaceJSON struct {
	Name  string   `json:"name"`
	MTU   *int     `json:"mtu"`
	Flags []string `json:"flags"`
	RX    rxJSON   `json:"rx"`
	TX    txJSON   `json:"tx"`
}

type rxJSON struct {
	Bytes      uint64 `json:"bytes"`
	Packets    uint64 `json:"packets"`
	Errors     uint64 `json:"errors"`
	Dropped    uint64 `json:"dropped"`
	FIFO       uint64 `json:"fifo"`
	Frame      uint64 `json:"frame"`
	Compressed uint64 `json:"compressed"`
	Multicast  uint64 `json:"multicast"`
}

type txJSON struct {
	Bytes      uint64 `json:"bytes"`
	Packets    uint64 `json:"packets"`
	Errors     uint64 `json:"errors"`
	Dropped    uint64 `json:"dropped"`
	FIFO       uint64 `json:"fifo"`
	Collisions uint64 `json:"collisions"`
	Carrier    uint64 `json:"carrier"`
	Compressed uint64 `json:"compressed"`
}

func ifacesJSON(ifs []ifaces.Interface, info map[string]IfaceInfo) []ifaceJSON {
	out := make([]ifaceJSON, 0, len(ifs))
	for _, f := range ifs {
		j := ifaceJSON{Name: f.Name, Flags: []string{},
			RX: rxJSON{f.RxBytes, f.RxPackets, f.RxErrors, f.RxDropped, f.RxFIFO, f.RxFrame, f.RxCompressed, f.RxMulticast},
			TX: txJSON{f.TxBytes, f.TxPackets, f.TxErrors, f.TxDropped, f.TxFIFO, f.TxCollisions, f.TxCarrier, f.TxCompressed}}
		if in, ok := info[f.Name]; ok {
			mtu := in.MTU
			j.MTU = &mtu
			if in.Flags != 0 {
				j.Flags = strings.Split(in.Flags.String(), "|")
			}
		}
		out = append(out, j)
	}
	return out
}

var ifaceCSVHead = []string{"name", "mtu", "flags",
	"rx_bytes", "rx_packets", "rx_errors", "rx_dropped", "rx_fifo", "rx_frame", "rx_compressed", "rx_multicast",
	"tx_bytes", "tx_packets", "tx_errors", "tx_dropped", "tx_fifo", "tx_collisions", "tx_carrier", "tx_compressed"}

func ifacesCSV(ifs []ifaces.Interface, info map[string]IfaceInfo) [][]string {
	var rows [][]string
	for _, f := range ifs {
		mtu, flags := "", ""
		if in, ok := info[f.Name]; ok {
			mtu, flags = strconv.Itoa(in.MTU), flagNames(in.Flags)
		}
		row := []string{f.Name, mtu, flags}
		for _, v := range []uint64{f.RxBytes, f.RxPackets, f.RxErrors, f.RxDropped, f.RxFIFO, f.RxFrame, f.RxCompressed,
			f.RxMulticast, f.TxBytes, f.TxPackets, f.TxErrors, f.TxDropped, f.TxFIFO, f.TxCollisions, f.TxCarrier, f.TxCompressed} {
			row = append(row, strconv.FormatUint(v, 10))
		}
		rows = append(rows, row)
	}
	return rows
}
