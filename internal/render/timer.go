package render

import (
	"strconv"

	"github.com/sockscope/sockscope/internal/sockets"
)

// appendTimer appends a socket's timer as net-tools netstat -o prints it
// (tcp_do_one, udp_do_one, raw_do_one): "off (0.00/0/0)", "on
// (0.20/1/0)", "keepalive (7170.24/0/2)", "timewait (46.65/0/0)", the
// time left in seconds with two decimals (the kernel's 1/100 s ticks)
// then the retransmissions and the unanswered probes. TCP and MPTCP name
// the kinds; for UDP, UDP-Lite and raw sockets net-tools prints a running
// timer as "on1" or "on2". A zero window probe timer is "unkn-4", as
// net-tools has no name for it. A socket whose source reports no timers
// gets "-".
func appendTimer(b []byte, s *sockets.Socket) []byte {
	t := &s.Timer
	code := t.Kind.Code()
	switch {
	case t.Kind == sockets.NoTimerData:
		return append(b, '-')
	case t.Kind == sockets.TimerOff:
		b = append(b, "off (0.00/"...)
		return appendTimerCounters(b, t)
	case s.Proto != sockets.TCP && s.Proto != sockets.MPTCP:
		if code <= 2 {
			b = append(b, "on"...)
			b = strconv.AppendInt(b, int64(code), 10)
		} else {
			b = append(b, "unkn-"...)
			b = strconv.AppendInt(b, int64(code), 10)
		}
	case t.Kind == sockets.TimerProbe:
		b = append(b, "unkn-4"...)
	default:
		b = append(b, t.Kind.String()...)
	}
	b = append(b, " ("...)
	ticks := t.Expires / 10 // what /proc/net/tcp prints: 1/100 s
	b = strconv.AppendUint(b, uint64(ticks/100), 10)
	b = append(b, '.', byte('0'+ticks%100/10), byte('0'+ticks%10), '/')
	return appendTimerCounters(b, t)
}

// appendTimerCounters appends "RETRANS/PROBES)".
func appendTimerCounters(b []byte, t *sockets.Timer) []byte {
	b = strconv.AppendUint(b, uint64(t.Retrans), 10)
	b = append(b, '/')
	b = strconv.AppendUint(b, uint64(t.Probes), 10)
	return append(b, ')')
}
