package render

import (
	"testing"

	"github.com/sockscope/sockscope/internal/sockets"
)

// TestAppendTimer checks the timer text against what net-tools prints
// for each kind and protocol (tcp_do_one, udp_do_one, raw_do_one).
func TestAppendTimer(t *testing.T) {
	tcp, udp, raw := sockets.TCP, sockets.UDP, sockets.Raw
	for _, tc := range []struct {
		p    sockets.Proto
		t    sockets.Timer
		want string
	}{
		{tcp, sockets.Timer{}, "-"},
		{tcp, sockets.Timer{Kind: sockets.TimerOff, Retrans: 3, Probes: 1}, "off (0.00/3/1)"},
		{tcp, sockets.Timer{Kind: sockets.TimerOn, Retrans: 1, Expires: 209}, "on (0.20/1/0)"},
		{tcp, sockets.Timer{Kind: sockets.TimerKeepalive, Expires: 7170249}, "keepalive (7170.24/0/0)"},
		{tcp, sockets.Timer{Kind: sockets.TimerTimeWait, Expires: 46650}, "timewait (46.65/0/0)"},
		{tcp, sockets.Timer{Kind: sockets.TimerTimeWait, Expires: 9}, "timewait (0.00/0/0)"},
		{tcp, sockets.Timer{Kind: sockets.TimerProbe, Probes: 2, Expires: 120000}, "unkn-4 (120.00/0/2)"},
		{sockets.MPTCP, sockets.Timer{Kind: sockets.TimerKind(9), Expires: 10}, "unkn-8 (0.01/0/0)"},
		{tcp, sockets.Timer{Kind: sockets.TimerOn, Retrans: 255, Probes: 255, Expires: 1<<32 - 1}, "on (4294967.29/255/255)"},
		{udp, sockets.Timer{Kind: sockets.TimerOff}, "off (0.00/0/0)"},
		{udp, sockets.Timer{Kind: sockets.TimerOn, Expires: 1500}, "on1 (1.50/0/0)"},
		{raw, sockets.Timer{Kind: sockets.TimerKeepalive, Expires: 1500}, "on2 (1.50/0/0)"},
		{raw, sockets.Timer{Kind: sockets.TimerTimeWait, Expires: 1500}, "unkn-3 (1.50/0/0)"},
	} {
		s := sockets.Socket{Proto: tc.p, Family: sockets.Inet, Timer: tc.t}
		if got := string(appendTimer(nil, &s)); got != tc.want {
			t.Errorf("%s %+v: got %q, want %q", tc.p, tc.t, got, tc.want)
		}
	}
}
