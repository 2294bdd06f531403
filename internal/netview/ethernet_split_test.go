package netview

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sockscope/sockscope/internal/ifaces"
	"github.com/sockscope/sockscope/internal/render"
)

// windowsIfaces are interfaces as ifaces.DecodeIfTable2 fills them.
var windowsIfaces = []ifaces.Interface{
	{Name: "Loopback Pseudo-Interface 1", Windows: true, Loopback: true, Index: 1,
		RxBytes: 7, RxUnicast: 7, TxBytes: 7, TxUnicast: 7},
	{Name: "Ethernet", Windows: true, Index: 12,
		RxBytes: 3000, RxPackets: 30, RxUnicast: 20, RxNonUnicast: 10, RxMulticast: 10, RxDropped: 1, RxErrors: 2, RxUnknownProtos: 3,
		TxBytes: 1500, TxPackets: 15, TxUnicast: 12, TxNonUnicast: 3, TxDropped: 4, TxErrors: 5},
	{Name: "Ethernet-WFP Native MAC Layer LightWeight Filter-0000", Windows: true, Filter: true, Index: 13,
		RxBytes: 3000, RxUnicast: 20, RxNonUnicast: 10, TxBytes: 1500, TxUnicast: 12, TxNonUnicast: 3},
	{Name: "Wi-Fi", Windows: true, Index: 14,
		RxBytes: 100, RxUnicast: 1, RxNonUnicast: 2, RxUnknownProtos: 1, TxBytes: 50, TxUnicast: 3, TxNonUnicast: 1},
	{Name: "lo", Windows: true, Index: 15, RxBytes: 1}, // a Windows adapter named lo is not skipped by name
}

// TestEthernetWindowsCounters checks that Windows interfaces give Windows'
// own split, summed over all but loopback and filter interfaces.
func TestEthernetWindowsCounters(t *testing.T) {
	rx, tx := Ethernet(windowsIfaces)
	if want := (EthernetStats{Bytes: 3101, Unicast: 21, NonUnicast: 12, Discards: 1, Errors: 2, UnknownProtocols: 4}); rx != want {
		t.Errorf("received %+v, want %+v", rx, want)
	}
	if want := (EthernetStats{Bytes: 1550, Unicast: 15, NonUnicast: 4, Discards: 4, Errors: 5}); tx != want {
		t.Errorf("sent %+v, want %+v", tx, want)
	}
	var b bytes.Buffer
	if err := WriteEthernet(&b, windowsIfaces, Options{Style: render.Windows}); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"Non-unicast packets              12               4",
		"Unknown protocols                 4",
	} {
		if !strings.Contains(b.String(), line+"\n") {
			t.Errorf("no line %q in\n%s", line, b.String())
		}
	}
}
