package ssmode

import (
	"strings"
	"testing"
)

func TestNetlink(t *testing.T) {
	nl := parseNetlink([]byte("sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n" +
		"000000006e4cfe1d 0   0          00000000 0        0        0     2        0        4       \n" +
		"00000000b2b9315b 4   1234       00000011 832      0        0     2        0        224     \n" +
		"0000000000000000 9   4294967295 00000000 0        0        0     2        0        225     \n" +
		"000000002359b9dd 22  4294963200 00000000 0        0        0     2        0        222     \n" +
		"bogus line\n"))
	if len(nl) != 4 {
		t.Fatalf("%d sockets, want 4", len(nl))
	}
	names := &Names{Comm: func(pid int32) string {
		if pid == 1234 {
			return "systemd)x"
		}
		return ""
	}}
	got := layout(t, "-A netlink -l", -1, names, nl)
	want := "State  Recv-Q Send-Q Local Address:Port         Peer Address:PortProcess\n" +
		"UNCONN 0      0               rtnl:kernel                   *           \n" +
		"UNCONN 832    0            tcpdiag:systemd/1234             *           \n" +
		"UNCONN 0      0              audit:*                        *           \n" +
		"UNCONN 0      0                 22:-4096                    *           \n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	got = layout(t, "-A netlink -lnHe", -1, names, nl[1:2])
	if want := "UNCONN 832    0      4:1234 * sk=0 cb=0 groups=0x00000011\n"; got != want {
		t.Errorf("-n -e: %q, want %q", got, want)
	}
	m := ParseNetlinkNames([]byte("# names\n0 route\n22   mine # a comment\nbad\n300 x\n"))
	if m[0] != "route" || m[22] != "mine" || m[4] != "tcpdiag" {
		t.Errorf("names: %v", m)
	}
	if strings.Contains(layout(t, "-A netlink -lH", -1, &Names{NetlinkNames: m}, nl[3:]), "22:") {
		t.Error("the table's name not used")
	}
}
