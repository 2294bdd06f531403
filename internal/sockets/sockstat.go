package sockets

import "bytes"

// estimateSockets returns how many inet sockets matching f the kernel's
// /proc/net/sockstat and sockstat6 counters announce, so that a snapshot
// can size its slice once instead of growing it (at 100k sockets, growth
// by doubling copies and allocates four times the final size). It is an
// estimate: request sockets are not counted and the numbers move while
// the dump runs. Unix sockets are not counted by the kernel per namespace.
// TCP's "inuse" (mostly established sockets) counts only when the filter
// wants ESTABLISHED, and "tw" only when it wants TIME_WAIT, so that "-lt"
// on a busy server does not reserve room for every connection.
func estimateSockets(sockstat, sockstat6 []byte, f Filter) int {
	n := 0
	tcp := []string{"inuse", "tw"}
	switch {
	case f.States == 0:
	case f.States.Has(Established) && f.States.Has(TimeWait):
	case f.States.Has(Established):
		tcp = tcp[:1]
	case f.States.Has(TimeWait):
		tcp = tcp[1:]
	default:
		tcp = nil
	}
	add := func(data []byte, label string, fam Family, p Proto, fields ...string) {
		if !f.Protos.Has(p) || !f.Families.Has(fam) {
			return
		}
		for _, field := range fields {
			n += sockstatField(data, label, field)
		}
	}
	add(sockstat, "TCP:", Inet, TCP, tcp...)
	add(sockstat, "UDP:", Inet, UDP, "inuse")
	add(sockstat, "UDPLITE:", Inet, UDPLite, "inuse")
	add(sockstat, "RAW:", Inet, Raw, "inuse")
	if len(tcp) > 0 && tcp[0] == "inuse" {
		add(sockstat6, "TCP6:", Inet6, TCP, "inuse")
	}
	add(sockstat6, "UDP6:", Inet6, UDP, "inuse")
	add(sockstat6, "UDPLITE6:", Inet6, UDPLite, "inuse")
	add(sockstat6, "RAW6:", Inet6, Raw, "inuse")
	return n
}

// sockstatField returns the number after field on the line starting with
// label ("TCP: inuse 5 orphan 0 tw 2 ..."), or 0.
func sockstatField(data []byte, label, field string) int {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		rest, ok := bytes.CutPrefix(line, []byte(label))
		if !ok {
			continue
		}
		words := bytes.Fields(rest)
		for i := 0; i+1 < len(words); i += 2 {
			if string(words[i]) != field {
				continue
			}
			v := 0
			for _, c := range words[i+1] {
				if c < '0' || c > '9' || v > 1<<30 {
					return 0
				}
				v = v*10 + int(c-'0')
			}
			return v
		}
		return 0
	}
	return 0
}
