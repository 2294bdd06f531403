package netview

import (
	"bufio"
	"io"
	"strconv"

	"github.com/sockscope/sockscope/internal/ifaces"
	"github.com/sockscope/sockscope/internal/render"
)

// EthernetStats are the counters of Windows "netstat -e". From
// /proc/net/dev they are derived: Linux keeps no unicast/non-unicast split
// on transmit and no per-interface count of unknown protocols, so:
//
//	Received Bytes               = rx_bytes
//	Received Unicast packets     = rx_packets - multicast (never below 0)
//	Received Non-unicast packets = multicast (the kernel's rx multicast
//	                               count; broadcasts are not counted apart)
//	Received Discards            = rx_dropped (drop + missed)
//	Received Errors              = rx_errors
//	Received Unknown protocols   = 0
//	Sent Bytes                   = tx_bytes
//	Sent Unicast packets         = tx_packets
//	Sent Non-unicast packets     = 0
//	Sent Discards                = tx_dropped
//	Sent Errors                  = tx_errors
//
// each summed over every interface but the loopback "lo": Windows sums
// over its adapters, and its loopback pseudo-interface counts nothing.
//
// Interfaces read on Windows (ifaces.Interface.Windows set) carry the
// split themselves, so each row is Windows' own counter: Unicast and
// Non-unicast packets are the In/OutUcastPkts and In/OutNUcastPkts of
// MIB_IF_ROW2, Discards and Errors In/OutDiscards and In/OutErrors,
// Unknown protocols InUnknownProtos. Those are summed over every interface
// but loopback ones (IF_TYPE_SOFTWARE_LOOPBACK) and filter interfaces,
// whose counts repeat those of the adapter they filter.
type EthernetStats struct {
	Bytes, Unicast, NonUnicast, Discards, Errors, UnknownProtocols uint64
}

// Ethernet sums ifs into received and sent counters as documented on
// EthernetStats.
func Ethernet(ifs []ifaces.Interface) (rx, tx EthernetStats) {
	for _, f := range ifs {
		if f.Windows {
			if !f.Loopback && !f.Filter {
				addWindows(&rx, &tx, &f)
			}
			continue
		}
		if f.Name == "lo" {
			continue
		}
		rx.Bytes += f.RxBytes
		rx.Unicast += f.RxPackets - min(f.RxMulticast, f.RxPackets)
		rx.NonUnicast += f.RxMulticast
		rx.Discards += f.RxDropped
		rx.Errors += f.RxErrors
		tx.Bytes += f.TxBytes
		tx.Unicast += f.TxPackets
		tx.Discards += f.TxDropped
		tx.Errors += f.TxErrors
	}
	return rx, tx
}

// addWindows adds the Windows counters of f to rx and tx.
func addWindows(rx, tx *EthernetStats, f *ifaces.Interface) {
	rx.Bytes += f.RxBytes
	rx.Unicast += f.RxUnicast
	rx.NonUnicast += f.RxNonUnicast
	rx.Discards += f.RxDropped
	rx.Errors += f.RxErrors
	rx.UnknownProtocols += f.RxUnknownProtos
	tx.Bytes += f.TxBytes
	tx.Unicast += f.TxUnicast
	tx.NonUnicast += f.TxNonUnicast
	tx.Discards += f.TxDropped
	tx.Errors += f.TxErrors
}

// WriteEthernet is Windows netstat -e: "Interface Statistics", received
// and sent Bytes, Unicast packets, Non-unicast packets, Discards, Errors
// and Unknown protocols, summed over the interfaces but lo as
// EthernetStats documents. Every table style prints the Windows layout,
// which is the only one there is.
func WriteEthernet(w io.Writer, ifs []ifaces.Interface, o Options) error {
	rx, tx := Ethernet(ifs)
	return output(w, func(bw *bufio.Writer) error {
		switch o.Format {
		case render.JSON, render.NDJSON:
			return writeJSON(bw, o.Format, "ethernet", []ethernetJSON{{rxJSONOf(rx), txJSONOf(tx)}})
		case render.CSV:
			u := func(v uint64) string { return strconv.FormatUint(v, 10) }
			return writeCSV(bw, []string{"counter", "received", "sent"}, [][]string{
				{"bytes", u(rx.Bytes), u(tx.Bytes)},
				{"unicast_packets", u(rx.Unicast), u(tx.Unicast)},
				{"non_unicast_packets", u(rx.NonUnicast), u(tx.NonUnicast)},
				{"discards", u(rx.Discards), u(tx.Discards)},
				{"errors", u(rx.Errors), u(tx.Errors)},
				{"unknown_protocols", u(rx.UnknownProtocols), ""},
			})
		}
		writeEthernetTable(bw, rx, tx, &o)
		return nil
	})
}

func writeEthernetTable(bw *bufio.Writer, rx, tx EthernetStats, o *Options) {
	bw.WriteString(o.t("netview.eth.title") + "\n\n")
	bw.WriteString(padRight("", 21) + padLeft(o.t("netview.eth.received"), 14) + padLeft(o.t("netview.eth.sent"), 16) + "\n\n")
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	rows := []struct {
		key  string
		r, s uint64
	}{
		{"netview.eth.bytes", rx.Bytes, tx.Bytes},
		{"netview.eth.unicast", rx.Unicast, tx.Unicast},
		{"netview.eth.nonunicast", rx.NonUnicast, tx.NonUnicast},
		{"netview.eth.discards", rx.Discards, tx.Discards},
		{"netview.eth.errors", rx.Errors, tx.Errors},
	}
	for _, r := range rows {
		bw.WriteString(padRight(o.t(r.key), 21) + padLeft(u(r.r), 14) + padLeft(u(r.s), 16) + "\n")
	}
	bw.WriteString(padRight(o.t("netview.eth.unknown"), 21) + padLeft(u(rx.UnknownProtocols), 14) + "\n")
}

type ethernetJSON struct {
	Received ethernetRxJSON `json:"received"`
	Sent     ethernetTxJSON `json:"sent"`
}

type ethernetRxJSON struct {
	Bytes            uint64 `json:"bytes"`
	Unicast          uint64 `json:"unicast_packets"`
	NonUnicast       uint64 `json:"non_unicast_packets"`
	Discards         uint64 `json:"discards"`
	Errors           uint64 `json:"errors"`
	UnknownProtocols uint64 `json:"unknown_protocols"`
}

type ethernetTxJSON struct {
	Bytes      uint64 `json:"bytes"`
	Unicast    uint64 `json:"unicast_packets"`
	NonUnicast uint64 `json:"non_unicast_packets"`
	Discards   uint64 `json:"discards"`
	Errors     uint64 `json:"errors"`
}

func rxJSONOf(s EthernetStats) ethernetRxJSON {
	return ethernetRxJSON(s)
}

func txJSONOf(s EthernetStats) ethernetTxJSON {
	return ethernetTxJSON{s.Bytes, s.Unicast, s.NonUnicast, s.Discards, s.Errors}
}
