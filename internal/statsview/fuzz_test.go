package statsview

import (
	"io"
	"testing"

	"github.com/sockscope/sockscope/internal/netstats"
	"github.com/sockscope/sockscope/internal/render"
)

// FuzzWrite renders counters parsed from any input in every layout and
// format, with the selections and NonZero: nothing may panic, whatever
// groups and names the kernel (or a corrupt file) holds.
func FuzzWrite(f *testing.F) {
	f.Add([]byte("Icmp: InMsgs InDestUnreachs OutAddrMaskReps\nIcmp: 1 2 3\nIcmpMsg: InType3\nIcmpMsg: 4\n"), []byte("Icmp6InType999 1\nIp6InReceives 2\nUdpLite6X 3\n"), uint8(0))
	f.Add([]byte("Tcp: MaxConn RtoAlgorithm\nTcp: -1 18446744073709551615\n"), []byte("6 1\nX 2\n"), uint8(0xff))
	f.Fuzz(func(t *testing.T, snmp, snmp6 []byte, sel uint8) {
		g4, _ := netstats.ParseSNMP(snmp)
		g6, _ := netstats.ParseSNMP6(snmp6)
		for i := range g4 {
			g4[i].File = "snmp"
		}
		for i := range g6 {
			g6[i].File = "snmp6"
		}
		s := &netstats.Snapshot{Groups: append(g4, g6...)}
		r := netstats.Delta(&netstats.Snapshot{}, s)
		for _, o := range []Options{
			{}, {Lang: "zh"}, {Style: render.Windows}, {Style: render.Linux}, {Format: render.JSON}, {Format: render.CSV},
		} {
			o.Kinds = Kinds(sel & 0x1f)
			o.Families = Families(sel>>5) & 3
			o.NonZero = sel&0x80 != 0
			if err := Write(io.Discard, s, nil, o); err != nil {
				t.Fatal(err)
			}
			if err := Write(io.Discard, s, r, o); err != nil {
				t.Fatal(err)
			}
		}
	})
}
