package routes

import (
	"os"
	"testing"

	"github.com/sockscope/sockscope/internal/netlink"
)

// FuzzDecodeRoute feeds DecodeRoute (one rtmsg payload) and DecodeDump
// (a whole reply buffer) the same bytes: neither may panic, and a route
// that decodes must be self-consistent.
func FuzzDecodeRoute(f *testing.F) {
	for _, name := range []string{"testdata/route4.bin", "testdata/route6.bin"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b) // a whole captured dump
		// and each captured route payload
		for d := netlink.NewDump(b, 0, 0); d.Next(); {
			f.Add(d.Payload())
		}
	}
	f.Add(rtmsg(afInet, 0))                                               // the smallest valid route
	f.Add(rtmsg(afInet, 33))                                              // prefix longer than the address
	f.Add(rtmsg(afInet, 0, attr(rtaMultipath, 200, 0, 0, 0, 1, 0, 0, 0))) // rtnh_len past the attribute
	f.Add(rtmsg(afInet, 0, attr(rtaVia, afInet6, 0, 1)))                  // RTA_VIA with a truncated address
	f.Add(append(rtmsg(afInet, 0), 0xff, 0xff, 1, 0))                     // attribute length past the end
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _ = DecodeDump(b, nil)
		r, err := DecodeRoute(b)
		if err != nil {
			return
		}
		if r.Family != 4 && r.Family != 6 {
			t.Errorf("Family %d", r.Family)
		}
		if !r.Dst.IsValid() || (r.Dst.Addr().Is4() != (r.Family == 4)) {
			t.Errorf("Dst %v for family %d", r.Dst, r.Family)
		}
		if r.OIF < 0 {
			t.Errorf("OIF %d", r.OIF)
		}
		for _, nh := range r.Nexthops {
			if nh.Weight < 1 || nh.Weight > 256 || nh.OIF < 0 {
				t.Errorf("nexthop %+v", nh)
			}
		}
	})
}
