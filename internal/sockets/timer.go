package sockets

// TimerKind says which of its timers the kernel has pending on a socket,
// the timer netstat -o shows. The values are the kernel's timer codes
// (idiag_timer of inet_diag, the "tr" column of /proc/net/tcp) plus one,
// so that the zero value can mean that the source reports no timers.
type TimerKind uint8

// The timer kinds. A kernel code above 4 is kept as TimerKind(code+1)
// and printed as "unkn-CODE", as net-tools prints it.
const (
	NoTimerData    TimerKind = iota // the source does not report timers (Windows, unix sockets)
	TimerOff                        // no timer pending
	TimerOn                         // retransmission (SYN, data, tail loss probe, reordering)
	TimerKeepalive                  // the socket timer: keepalive, FIN_WAIT2 or SYN_RECV expiry
	TimerTimeWait                   // TIME_WAIT expiry
	TimerProbe                      // zero window probe
)

var timerNames = [...]string{TimerOff: "off", TimerOn: "on", TimerKeepalive: "keepalive", TimerTimeWait: "timewait", TimerProbe: "probe"}

// String returns the name used in JSON and by net-tools: "off", "on",
// "keepalive", "timewait", "probe" (which net-tools prints as "unkn-4"),
// "unkn-N" for another kernel code N, or "" for NoTimerData.
func (k TimerKind) String() string {
	if int(k) < len(timerNames) {
		return timerNames[k]
	}
	return "unkn-" + itoa(uint64(k.Code()))
}

// Code returns the kernel's timer code (0 off, 1 on, 2 keepalive, 3
// timewait, 4 probe), or -1 for NoTimerData.
func (k TimerKind) Code() int { return int(k) - 1 }

// timerKindOf returns the kind of a kernel timer code.
func timerKindOf(code uint64) TimerKind {
	if code >= 0xff {
		return TimerKind(0xff)
	}
	return TimerKind(code + 1)
}

// A Timer is the kernel's pending timer of a socket, what netstat -o
// prints as "keepalive (7170.24/0/0)": the kind, the time left, and the
// two counters after it. It takes 8 bytes.
type Timer struct {
	Kind TimerKind
	// Retrans is the number of retransmissions of the unacknowledged
	// data or SYN (icsk_retransmits; for a request socket its SYN-ACK
	// retransmissions), the first counter netstat prints.
	Retrans uint8
	// Probes is the number of keepalive or zero window probes sent
	// without an answer (icsk_probes_out), the second counter netstat
	// prints.
	Probes uint8
	// Expires is the time left until the timer fires, in milliseconds; 0
	// when no timer is pending.
	Expires uint32
}

// clampU8 returns v, or 255 if it is larger.
func clampU8(v uint64) uint8 {
	if v > 0xff {
		return 0xff
	}
	return uint8(v)
}
